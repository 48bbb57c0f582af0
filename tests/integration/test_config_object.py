"""The configuration kept in the raw bucket (``CONFIG_OBJECT_KEY``, the stack's ``ConfigObjectKey``).

An SSM parameter holds at most 4,096 characters (8 KB in the Advanced tier) and ``config/default.toml``
is more than twice that; moto stores any size, so only the README's own instructions, checked against
those limits, show the documented way fails. The object is read through a Powertools Parameters
provider of ours, with the SSM path's cache (test_config_refresh.py runs its tests on both) and the
same ConfigError on a missing, unreadable or malformed configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.stub import Stubber
from lambda_support import REGION, REPO, fake_credentials
from moto import mock_aws

from ai_news_tracker.aws import Settings, load_deployed_config
from ai_news_tracker.config import load_config
from ai_news_tracker.errors import ConfigError

RAW = "cfg-object-raw"
KEY = "config/config.toml"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_credentials(monkeypatch)
    parameters.clear_caches()  # the provider (and its values) outlive a test otherwise
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=RAW)
        yield client
    parameters.clear_caches()


def settings(key: str = KEY) -> Settings:
    return Settings.from_env({"RAW_BUCKET": RAW, "SITE_BUCKET": "site", "CONFIG_OBJECT_KEY": key})


def test_the_configuration_comes_from_the_raw_bucket_when_a_key_is_named(s3: Any) -> None:
    # Given the shipped configuration copied into the raw bucket, comments and all
    shipped = REPO / "config" / "default.toml"
    s3.put_object(Bucket=RAW, Key=KEY, Body=shipped.read_bytes())
    # When a function loads its configuration
    config = load_deployed_config(settings())
    # Then it is that file's, not the layer's (an empty CONFIG_FILE default would not even exist here)
    assert config.sources == load_config(shipped).sources and len(config.sources) > 1


def test_a_missing_or_unreadable_object_is_a_config_error_naming_the_key_and_the_object(s3: Any) -> None:
    with pytest.raises(ConfigError, match=rf"CONFIG_OBJECT_KEY.*s3://{RAW}/config/absent.toml: NoSuchKey"):
        load_deployed_config(settings("config/absent.toml"))
    # an object the function may not read (AccessDenied on AWS)
    denied = boto3.client("s3", region_name=REGION)
    stubber = Stubber(denied)
    stubber.add_client_error("get_object", "AccessDenied", http_status_code=403)
    with stubber, pytest.raises(ConfigError, match=rf"CONFIG_OBJECT_KEY.*s3://{RAW}/{KEY}: AccessDenied"):
        load_deployed_config(settings(), s3_client=denied)


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"[report", "not valid TOML"), ('title = "日报"'.encode("gb18030"), "not valid TOML: not UTF-8")],
)
def test_an_object_that_is_not_toml_is_a_config_error_naming_the_key(
    s3: Any, body: bytes, reason: str
) -> None:
    s3.put_object(Bucket=RAW, Key=KEY, Body=body)
    with pytest.raises(ConfigError, match=rf"CONFIG_OBJECT_KEY.*s3://{RAW}/{KEY} is {reason}") as raised:
        load_deployed_config(settings())
    assert raised.value.key == "CONFIG_OBJECT_KEY"


def test_a_parameter_and_an_object_together_are_refused_naming_both() -> None:
    env = {"RAW_BUCKET": RAW, "SITE_BUCKET": "s", "CONFIG_PARAMETER": "/c", "CONFIG_OBJECT_KEY": KEY}
    with pytest.raises(ConfigError, match=r"CONFIG_PARAMETER.*CONFIG_OBJECT_KEY"):
        Settings.from_env(env)
    # empty is unset, as CloudFormation passes an unused parameter
    assert Settings.from_env(env | {"CONFIG_PARAMETER": ""}).config_object == f"s3://{RAW}/{KEY}"
    assert Settings.from_env(env | {"CONFIG_OBJECT_KEY": " "}).config_parameter == "/c"
