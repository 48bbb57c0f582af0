"""The AWS SDK objects the functions create themselves: every client from boto3's default session, and
SSM parameters read through Powertools on such a client.

Clients of one session share what botocore loaded for the first one (endpoint data, the list of
services, credentials, the session's event handlers): a second service's client then costs about
15 ms, where a client in a session of its own costs about 60 ms. Powertools creates a session of its
own for its idempotency store and its SSM provider unless it is handed a client, so the functions hand
it one from here (``bench/cold_start.py`` measures the cold start this is for).

Nothing here runs at import time, and nothing is imported before a client is asked for.
"""

from __future__ import annotations

from typing import Any


def client(service: str, **kwargs: Any) -> Any:
    """A boto3 client of ``service`` from the process's default session (``region_name``, ``config``…)."""
    import boto3

    return boto3.client(service, **kwargs)  # type: ignore[call-overload]


def get_parameter(name: str, *, decrypt: bool = False, max_age: int = 300) -> str:
    """An SSM parameter through Powertools Parameters (cached ``max_age`` seconds), its provider's client
    from the default session. ``parameters.clear_caches()`` still forgets the provider and its values."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    if "ssm" not in DEFAULT_PROVIDERS:  # what get_parameter would create, but without a session of its own
        DEFAULT_PROVIDERS["ssm"] = parameters.SSMProvider(boto3_client=client("ssm"))
    return str(parameters.get_parameter(name, decrypt=decrypt, max_age=max_age))
