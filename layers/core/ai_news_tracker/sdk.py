"""The AWS SDK objects the functions create themselves: every client from boto3's default session, and
SSM parameters and S3 objects read through Powertools Parameters on such a client.

Clients of one session share what botocore loaded for the first one (endpoint data, the list of
services, credentials, the session's event handlers): a second service's client then costs about
15 ms, where a client in a session of its own costs about 60 ms. Powertools creates a session of its
own for its idempotency store and its SSM provider unless it is handed a client, so the functions hand
it one from here (``bench/cold_start.py`` measures the cold start this is for).

Nothing here runs at import time, and nothing is imported before a client is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import BaseProvider
    from mypy_boto3_s3 import S3Client

S3_PROVIDER = "ai_news_tracker.s3"  # our provider's name among Powertools' DEFAULT_PROVIDERS


def client(service: str, **kwargs: Any) -> Any:
    """A boto3 client of ``service`` from the process's default session (``region_name``, ``config``…)."""
    import boto3

    return boto3.client(service, **kwargs)  # type: ignore[call-overload]


def get_parameter(name: str, *, decrypt: bool = False, max_age: int = 300, force_fetch: bool = False) -> str:
    """An SSM parameter through Powertools Parameters (cached ``max_age`` seconds; ``force_fetch``: read
    now, and cached anew), its provider's client from the default session. ``parameters.clear_caches()``
    still forgets the provider and its values."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    if "ssm" not in DEFAULT_PROVIDERS:  # what get_parameter would create, but without a session of its own
        DEFAULT_PROVIDERS["ssm"] = parameters.SSMProvider(boto3_client=client("ssm"))
    return str(parameters.get_parameter(name, decrypt=decrypt, max_age=max_age, force_fetch=force_fetch))


def get_object(bucket: str, key: str, *, max_age: int = 300, s3_client: S3Client | None = None) -> bytes:
    """The bytes of an S3 object through Powertools Parameters (cached ``max_age`` seconds, as a parameter
    is), read by a provider of ours (Powertools has none for S3) on ``s3_client`` or one from the default
    session. ``parameters.clear_caches()`` forgets it and its values too. A failure raises Powertools'
    ``GetParameterError``, whose message is the S3 error code (``NoSuchKey``, ``AccessDenied``…)."""
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    provider = DEFAULT_PROVIDERS.get(S3_PROVIDER)
    if provider is None or (s3_client is not None and provider.client is not s3_client):
        provider = DEFAULT_PROVIDERS[S3_PROVIDER] = _provider_class()(s3_client or client("s3"))
    return cast(bytes, provider.get(f"s3://{bucket}/{key}", max_age=max_age))  # what _get returns


@cache
def _provider_class() -> Callable[[S3Client], BaseProvider]:
    """The provider, made when first asked for: importing Powertools Parameters costs a cold start about
    0.1 s, which a function configured by its shipped file does not pay."""
    from aws_lambda_powertools.utilities.parameters import BaseProvider

    class S3ObjectProvider(BaseProvider):
        """Powertools' extension point for other stores: ``_get`` reads ``s3://<bucket>/<key>``."""

        def __init__(self, s3: S3Client) -> None:
            super().__init__(client=s3)  # type: ignore[no-untyped-call]
            self.client = s3

        def _get(self, name: str, **sdk_options: Any) -> bytes:
            from botocore.exceptions import ClientError

            bucket, _, key = name.removeprefix("s3://").partition("/")
            try:
                answer = self.client.get_object(Bucket=bucket, Key=key, **sdk_options)
            except ClientError as exc:  # its code alone: Powertools keeps only the message
                raise LookupError(exc.response.get("Error", {}).get("Code", "unknown error")) from exc
            body: bytes = answer["Body"].read()
            return body

        def _get_multiple(self, path: str, **sdk_options: Any) -> dict[str, str]:
            raise NotImplementedError("one object at a time")

    return S3ObjectProvider
