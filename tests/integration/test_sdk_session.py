"""Every client a function creates comes from boto3's default session.

A client in a session of its own reloads what botocore loaded for the first client (endpoint data,
the list of services, credentials): about 60 ms of a cold start each, against about 15 ms for a
second client of the same session. Powertools creates such a session for its idempotency store and
its SSM provider unless it is handed a client; these tests count the botocore sessions created while a
deployment builds and uses all of its clients.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from aws_lambda_powertools.utilities import parameters
from lambda_support import REGION, REPO, fake_credentials
from moto import mock_aws

from ai_news_tracker.service import Deployment
from ai_news_tracker.subscription import TokenKeys


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Where each botocore session is created from now on, but moto's own (its backends make some)."""
    fake_credentials(monkeypatch)
    parameters.clear_caches()
    created: list[str] = []
    original = botocore.session.Session.__init__

    def counted(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        stack = traceback.extract_stack()[:-1]
        if not any(f"{os.sep}moto{os.sep}" in frame.filename for frame in stack):
            created.append("".join(traceback.format_list(stack[-6:])))
        original(self, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "__init__", counted)
    yield created
    parameters.clear_caches()


def test_a_deployment_and_its_idempotency_store_and_parameters_share_one_session(
    sessions: list[str],
) -> None:
    with mock_aws():
        # Given the configuration and the token key in SSM, as a deployed stack has them
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(
            Name="/t/config", Type="String", Value=(REPO / "config" / "default.toml").read_text()
        )
        ssm.put_parameter(Name="/t/key", Type="SecureString", Value="k" * 32)
        env = {
            "RAW_BUCKET": "raw",
            "SITE_BUCKET": "site",
            "CONFIG_PARAMETER": "/t/config",
            "IDEMPOTENCY_TABLE": "idempotency",
            "EDITION_TOPIC_ARN": f"arn:aws:sns:{REGION}:123456789012:editions",
        }

        boto3.client("s3")  # boto3's default session (mock_aws resets it)
        sessions.clear()

        # When a deployment reads its configuration and creates every client it has
        deployment = Deployment.from_env(env)
        assert deployment.persistence is not None and deployment.announcer is not None
        clients = [
            deployment.pipeline.repo.store.client,
            deployment.announcer.client,
            deployment.persistence.client,
        ]
        keys = TokenKeys("/t/key")()

    # Then all of them came from the default session: no session of their own
    assert len(keys) == 1 and len(clients) == 3
    assert sessions == [], "\n".join(sessions)


def test_the_configuration_object_is_read_on_a_client_of_the_default_session(sessions: list[str]) -> None:
    with mock_aws():
        # Given the configuration in the raw bucket (ConfigObjectKey)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="raw")
        s3.put_object(Bucket="raw", Key="config/c.toml", Body=(REPO / "config" / "default.toml").read_bytes())
        env = {"RAW_BUCKET": "raw", "SITE_BUCKET": "site", "CONFIG_OBJECT_KEY": "config/c.toml"}
        sessions.clear()
        # When a deployment reads it through Powertools Parameters (our S3 provider)
        deployment = Deployment.from_env(env, idempotency=False)
    # Then the provider's client came from the default session, and the file was read
    assert len(deployment.config.sources) > 1
    assert sessions == [], "\n".join(sessions)


def test_powertools_alone_would_have_created_sessions(sessions: list[str]) -> None:
    # The counting above can fail: Powertools' own defaults create a session each
    boto3.client("s3")
    sessions.clear()
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    DynamoDBPersistenceLayer(table_name="idempotency")
    parameters.SSMProvider()

    assert len(sessions) == 2
