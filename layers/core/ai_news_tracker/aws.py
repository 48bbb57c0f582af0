"""The AWS edge: the S3 backend of the storage interface, settings from the Lambda environment, the
SNS announcement, the CloudFront invalidation of a rebuilt edition's pages, and the dependencies a
handler builds once.

Nothing here runs at import time: boto3 clients are created when first needed, or injected
(``client: S3Client | None = None``) so tests pass moto or stub clients.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from .config import NESTED_TOO_DEEP, Config, check_site_url, load_config, parse_config
from .errors import ConfigError, StorageError, TrackerError
from .models import Edition, parse_clock, say_if_clock_ahead
from .store import content_type_for
from .text import clean_lines, clean_text, shorten, unlinked

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient


DATED_REPORT = re.compile(r"^reports/\d{4}-\d{2}-\d{2}\.[a-z]+$")
# A dated edition's page changes once the next day, when publishing that day writes it again to link
# forward (下一期), and a day's pages change when it is rebuilt (README: runbook). CloudFront keeps
# them a day (s-maxage), and the render function invalidates the pages it changed; a browser cannot be
# invalidated, so it keeps the page five minutes, as the index and latest (then a conditional request,
# answered 304 by the edge). A day, not longer: should an invalidation fail or be lost (the function
# failed after writing), the edges still serve the new page the next day.
CACHE_DATED = "public, max-age=300, s-maxage=86400"
CACHE_SHORT = "public, max-age=300"  # the index, latest and the feed change with every edition
# An invalidation of more paths than this names their folders' wildcards instead (/reports/*, one path
# to CloudFront, which charges per path beyond 1,000 a month): a new layout of the pages writes the
# stored days' pages again, up to pipeline.PAGES_REWRITTEN a publish (pipeline.PAGES_VERSION); a
# rebuilt day replaces a few.
INVALIDATION_PATHS = 10


def cache_control_for(key: str) -> str:
    """Long caching at the CDN for dated editions; short for the index, latest, the feed, and browsers."""
    return CACHE_DATED if DATED_REPORT.match(key) else CACHE_SHORT


def same_bytes(etag: str, data: bytes) -> bool:
    """Whether an object of this ETag holds ``data``: an object put in one part, unencrypted or under
    SSE-S3 (the site bucket's), has the MD5 of its bytes as its ETag. Any other ETag (multipart, SSE-KMS)
    never matches: it costs an invalidation, never a stale page."""
    return etag.strip('"') == hashlib.md5(data, usedforsecurity=False).hexdigest()


class S3Store:
    """A bucket behind the :class:`~ai_news_tracker.store.Store` interface."""

    def __init__(
        self,
        bucket: str,
        client: S3Client | None = None,
        *,
        public: bool = False,
        connections: int = 10,
    ) -> None:
        self.bucket = bucket
        self._client = client
        self.public = public  # the site bucket: Content-Type and Cache-Control on every object
        self.connections = connections  # the pool of a client made here: as many as threads use it
        # The site's dated pages this store overwrote with other bytes (a rebuilt edition), which
        # CloudFront may still hold: the render function invalidates them, then discards them here.
        self.replaced: set[str] = set()

    @property
    def client(self) -> S3Client:
        if self._client is None:
            from botocore.config import Config as BotoConfig

            from .sdk import client

            self._client = client("s3", config=BotoConfig(max_pool_connections=self.connections))
        return self._client

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
            return answer["Body"].read()
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None
            raise StorageError(f"cannot read s3://{self.bucket}/{key}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot read s3://{self.bucket}/{key}: {exc}") from exc

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        replacing = self.public and DATED_REPORT.match(key) is not None and self._differs(key, data)
        try:
            self.client.put_object(**self._put_args(key, data, content_type))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot write s3://{self.bucket}/{key}: {_describe(exc)}") from exc
        if replacing:
            self.replaced.add(key)

    def _differs(self, key: str, data: bytes) -> bool:
        """Whether the key holds other bytes than ``data`` (False when there is no such key)."""
        try:
            etag = self.client.head_object(Bucket=self.bucket, Key=key)["ETag"]
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return False
            raise StorageError(f"cannot read s3://{self.bucket}/{key}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot read s3://{self.bucket}/{key}: {exc}") from exc
        return not same_bytes(etag, data)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        try:
            self.client.put_object(IfNoneMatch="*", **self._put_args(key, data, content_type))
        except ClientError as exc:
            if _code(exc) in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409"):
                return False
            raise StorageError(f"cannot write s3://{self.bucket}/{key}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot write s3://{self.bucket}/{key}: {exc}") from exc
        return True

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot list s3://{self.bucket}/{prefix}: {_describe(exc)}") from exc
        return sorted(keys)

    def _put_args(self, key: str, data: bytes, content_type: str | None) -> dict[str, Any]:
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": data}
        if self.public:
            args["ContentType"] = content_type or content_type_for(key)
            args["CacheControl"] = cache_control_for(key)
        elif content_type:
            args["ContentType"] = content_type
        return args


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "error"))


def _describe(exc: Exception) -> str:
    return _code(exc) if isinstance(exc, ClientError) else str(exc)


@dataclass(frozen=True)
class Settings:
    """What a function needs to know about its deployment, read once from its environment."""

    raw_bucket: str
    site_bucket: str
    site_url: str = ""
    subscription_api_url: str = ""  # the subscription API's base URL (the pages' subscribe form)
    config_file: str = "/opt/python/config/default.toml"
    config_parameter: str | None = None  # an SSM parameter holding the TOML
    config_object_key: str | None = None  # or an object of the raw bucket holding it (config/…)
    edition_topic_arn: str | None = None
    idempotency_table: str | None = None
    ses_configuration_set: str | None = None
    distribution_id: str | None = None  # the site's CloudFront distribution (the render function's)
    schedule_timezone: str | None = None  # the zone the stack's schedules fire in (the render function's)

    def __post_init__(self) -> None:
        if self.config_parameter is not None and self.config_object_key is not None:
            raise ConfigError(
                "CONFIG_PARAMETER",
                "set with CONFIG_OBJECT_KEY too: the configuration is read from one place, so leave one of"
                " them empty (the stack's ConfigParameterName or ConfigObjectKey)",
            )

    @property
    def config_object(self) -> str | None:
        """The S3 URI of the configuration object, when there is one."""
        return f"s3://{self.raw_bucket}/{self.config_object_key}" if self.config_object_key else None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigError(name, "missing environment variable")
            return value

        def optional(name: str) -> str | None:
            return env.get(name, "").strip() or None

        return cls(
            raw_bucket=required("RAW_BUCKET"),
            site_bucket=required("SITE_BUCKET"),
            site_url=(optional("SITE_URL") or "").rstrip("/"),
            subscription_api_url=(optional("SUBSCRIPTION_API_URL") or "").rstrip("/"),
            config_file=optional("CONFIG_FILE") or cls.config_file,
            config_parameter=optional("CONFIG_PARAMETER"),
            config_object_key=optional("CONFIG_OBJECT_KEY"),
            edition_topic_arn=optional("EDITION_TOPIC_ARN"),
            idempotency_table=optional("IDEMPOTENCY_TABLE"),
            ses_configuration_set=optional("SES_CONFIGURATION_SET"),
            distribution_id=optional("DISTRIBUTION_ID"),
            schedule_timezone=optional("SCHEDULE_TIMEZONE"),
        )


def load_deployed_config(
    settings: Settings,
    get_parameter: Callable[[str], str] | None = None,
    s3_client: S3Client | None = None,
) -> Config:
    """The configuration: from the SSM parameter or the S3 object when one is named, else from the
    shipped file."""
    return parse_deployed_config(settings, read_config_text(settings, get_parameter, s3_client))


def read_config_text(
    settings: Settings,
    get_parameter: Callable[[str], str] | None = None,
    s3_client: S3Client | None = None,
) -> str | bytes | None:
    """The TOML of the configuration, through Powertools Parameters' cache (5 minutes: no AWS call while
    it holds the value): the text of the SSM parameter named by ``CONFIG_PARAMETER``, decrypted, so that
    a SecureString works as a String does; or the bytes of the raw bucket's object at
    ``CONFIG_OBJECT_KEY``, which has no size limit (a parameter holds 4 KB, 8 KB in the Advanced tier);
    None when the configuration is the shipped file (``CONFIG_FILE``)."""
    if settings.config_object_key is not None:
        from .sdk import get_object

        try:
            return get_object(settings.raw_bucket, settings.config_object_key, s3_client=s3_client)
        except Exception as exc:  # Powertools wraps every failure in its own GetParameterError
            raise ConfigError("CONFIG_OBJECT_KEY", f"cannot read {settings.config_object}: {exc}") from exc
    if settings.config_parameter is None:
        return None
    from .sdk import get_parameter as ssm_parameter

    fetch = get_parameter or partial(ssm_parameter, decrypt=True)
    try:
        return fetch(settings.config_parameter)
    except Exception as exc:  # Powertools wraps every failure in its own GetParameterError
        raise ConfigError(
            "CONFIG_PARAMETER", f"cannot read SSM parameter {settings.config_parameter!r}"
        ) from exc


def parse_deployed_config(settings: Settings, text: str | bytes | None) -> Config:
    """The configuration of ``text`` (the SSM parameter's or the S3 object's, :func:`read_config_text`),
    or of the shipped file when it is None.

    An empty ``[report] site_url`` is filled in with the deployment's ``SITE_URL`` (the CloudFront
    or custom domain), so the Atom feed links absolutely without a per-stack configuration; an empty
    ``[report] subscribe_url`` with the stack's ``SUBSCRIPTION_API_URL`` + ``/subscribe``, so the
    pages offer the stack's own subscribe form.
    """
    if text is None:
        config = load_config(settings.config_file)
    else:
        key, where = (
            ("CONFIG_OBJECT_KEY", str(settings.config_object))
            if settings.config_object_key is not None
            else ("CONFIG_PARAMETER", "SSM parameter")
        )
        try:
            # a byte order mark (a file saved as "UTF-8 with BOM") read as nothing, as in load_config
            toml = text.decode("utf-8-sig") if isinstance(text, bytes) else text.removeprefix("\ufeff")
            config = parse_config(tomllib.loads(toml))
        except UnicodeDecodeError as exc:  # TOML is UTF-8
            raise ConfigError(key, f"{where} is not valid TOML: not UTF-8 ({exc.reason})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(key, f"{where} is not valid TOML: {exc}") from exc
        except RecursionError as exc:
            raise ConfigError(key, f"{where} is not valid TOML: {NESTED_TOO_DEEP}") from exc
    config = _with_site_url(config, settings.site_url)
    return _with_subscribe_url(config, settings.subscription_api_url)


def _with_subscribe_url(config: Config, api_url: str) -> Config:
    if config.report.subscribe_url or not api_url:
        return config
    url = f"{api_url}/subscribe"
    check_site_url(url, "SUBSCRIPTION_API_URL")
    return replace(config, report=replace(config.report, subscribe_url=url))


def _with_site_url(config: Config, site_url: str) -> Config:
    if config.report.site_url or not site_url:
        return config
    check_site_url(site_url, "SITE_URL")
    return replace(config, report=replace(config.report, site_url=site_url))


# The keys of the fetch and render functions' events: the times they may give, the first one given
# being the invocation's clock (Scheduler's Input gives ``scheduled_time``; an operator or a test
# ``now``), and an EventBridge rule's scheduled event, whose time is ``time``, with the rest of its
# envelope. Any other key is a slip (``{"date": …}``, SendEmailFunction's event) and is refused: read as
# no time, it would build the current day at the current moment, and publish and announce it.
EVENT_TIMES = ("now", "scheduled_time", "time")
EVENT_KEYS = frozenset(
    {*EVENT_TIMES, "version", "id", "detail-type", "source", "account", "region", "resources", "detail"}
)
EVENT_QUOTED = 200  # the characters of an event's keys or value an error quotes (an event may be large)


def event_now(event: object, clock: Callable[[], datetime], tz: tzinfo) -> datetime:
    """The clock of an invocation: the event's ``now``, else its ``scheduled_time``, else its ``time``,
    each read as ``--now`` is (:func:`~ai_news_tracker.models.parse_clock`; without an offset in ``tz``,
    the report's timezone); the clock only for an event without any of them (``{}``). An event that is
    not an object, has a key the functions do not know, or a time that is not an ISO-8601 string is
    refused: a :class:`TrackerError` naming it, and the invocation fails before anything is stored."""
    if not isinstance(event, Mapping):
        raise TrackerError(
            'the event must be a JSON object, e.g. {"scheduled_time": "2026-11-20T08:10+08:00"} or {}, '
            f"not {type(event).__name__}"
        )
    unknown = sorted(str(key) for key in event if key not in EVENT_KEYS)
    if unknown:
        fields = "field" if len(unknown) == 1 else "fields"
        raise TrackerError(
            f"unknown event {fields} {shorten(', '.join(map(repr, unknown)), EVENT_QUOTED)}: the fetch and"
            " render functions take 'now' or 'scheduled_time' (an ISO-8601 time, without an offset in the"
            " report's timezone), or {} for the current time"
        )
    given = [_event_time(event, key, tz) for key in EVENT_TIMES if key in event]
    if not given:
        return clock()
    say_if_clock_ahead(given[0], clock())  # a typo (2027 for 2026) hides what the run stores until then
    return given[0]


class RemainingTime(Protocol):
    """What :func:`invocation_deadline` reads of a Lambda context."""

    def get_remaining_time_in_millis(self) -> int: ...


def invocation_deadline(context: RemainingTime, clock: Callable[[], float]) -> float:
    """The ``clock()`` value (the handler passes ``time.monotonic``) at which Lambda stops the invocation
    of ``context``: the deadline a use case keeps to, as an HTTP request keeps to its own (``http``)."""
    return clock() + context.get_remaining_time_in_millis() / 1000


def _event_time(event: Mapping[str, Any], key: str, tz: tzinfo) -> datetime:
    value = event[key]
    if not isinstance(value, str) or not value.strip():
        raise TrackerError(
            f'event field {key!r}: must be an ISO-8601 time string (e.g. "2026-11-20T08:10+08:00"): '
            f"{shorten(repr(value), EVENT_QUOTED)}"
        )
    try:
        return parse_clock(value.strip(), tz)
    except ValueError as exc:
        raise TrackerError(f"event field {key!r}: {exc}") from exc


def edition_url(settings: Settings, edition: Edition, suffix: str = "md") -> str:
    return f"{settings.site_url}/reports/{edition.date.isoformat()}.{suffix}"


# SNS takes a message of 256 KB counted in UTF-8 bytes, and the announcement goes in it six times (one
# copy a protocol): it carries the title and each key point cut to these many characters, and the
# points, in order, while they take at most ANNOUNCED_POINTS_BYTES of JSON (whatever key_points and
# point_chars say: 100 points of 10,000 Chinese characters were 18 MB); the edition has them all. They
# are counted as the text copy carries them, unlinked (a WORD JOINER is 3 bytes): more than the JSON's.
ANNOUNCED_TITLE_CHARS = 200
ANNOUNCED_POINT_CHARS = 500
ANNOUNCED_POINTS_BYTES = 10_000


def announcement(settings: Settings, edition: Edition) -> dict[str, Any]:
    """What the edition topic carries: the date, the URLs and the key points (as many as fit), as the
    editions print them (:func:`~ai_news_tracker.text.clean_lines`: no control or bidi character reaches
    a subscriber's SMS or mail, and no point is blank)."""
    title = clean_text(f"{edition.date.isoformat()} {edition.title}")
    return {
        "date": edition.date.isoformat(),
        "title": shorten(title, ANNOUNCED_TITLE_CHARS),
        "url": edition_url(settings, edition),
        "json_url": edition_url(settings, edition, "json"),
        "html_url": edition_url(settings, edition, "html"),  # the web edition's page
        "key_points": announced_points(clean_lines(edition.key_points)),
        "items": len(edition.items),
    }


def announced_points(points: Collection[str]) -> list[str]:
    """The first points, each cut to ``ANNOUNCED_POINT_CHARS``, that fit ``ANNOUNCED_POINTS_BYTES``."""
    kept: list[str] = []
    size = 0
    for point in points:
        cut = shorten(point, ANNOUNCED_POINT_CHARS)
        size += len(json.dumps(unlinked(cut), ensure_ascii=False).encode()) + 2  # and ", "
        if size > ANNOUNCED_POINTS_BYTES:
            break
        kept.append(cut)
    return kept


class Announcer:
    """Announces an edition on the SNS topic: JSON for queues, functions and HTTPS, text for the rest
    (email and SMS subscribers: its title and points :func:`~ai_news_tracker.text.unlinked`, as the email
    edition's, so no link in feed text is made one; the edition's own link whole at the end)."""

    def __init__(self, topic_arn: str, client: SNSClient | None = None) -> None:
        self.topic_arn = topic_arn
        self._client = client

    @property
    def client(self) -> SNSClient:
        if self._client is None:
            from .sdk import client

            self._client = client("sns")
        return self._client

    def announce(self, message: Mapping[str, Any]) -> str:
        data = json.dumps(message, ensure_ascii=False)
        points = "\n".join(f"{n}. {unlinked(p)}" for n, p in enumerate(message["key_points"], 1))
        text = f"{unlinked(message['title'])}\n\n{points}\n\n{message['url']}"
        body = {"default": text, "sqs": data, "lambda": data, "https": data, "http": data, "email-json": data}
        try:
            answer = self.client.publish(
                TopicArn=self.topic_arn,
                Subject=f"{message['date']} AI News Tracker edition",  # SNS subjects must be ASCII
                Message=json.dumps(body, ensure_ascii=False),
                MessageStructure="json",
                MessageAttributes={"date": {"DataType": "String", "StringValue": str(message["date"])}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise TrackerError(f"cannot announce the {message['date']} edition: {_describe(exc)}") from exc
        return answer["MessageId"]


class CdnInvalidator:
    """Makes CloudFront drop its copies of the site's pages that a publish replaced."""

    def __init__(self, distribution_id: str, client: CloudFrontClient | None = None) -> None:
        self.distribution_id = distribution_id
        self._client = client

    @property
    def client(self) -> CloudFrontClient:
        if self._client is None:
            from .sdk import client

            self._client = client("cloudfront")
        return self._client

    def invalidate(self, keys: Collection[str]) -> str | None:
        """One invalidation of every key's path; its id (None when there is no key)."""
        if not keys:
            return None
        paths = invalidation_paths(keys)
        try:
            answer = self.client.create_invalidation(
                DistributionId=self.distribution_id,
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": paths},
                    # unique per call: the same pages changed again later are invalidated again
                    "CallerReference": uuid.uuid4().hex,
                },
            )
        except (ClientError, BotoCoreError) as exc:
            reason = _describe(exc)
            raise TrackerError(f"cannot invalidate {' '.join(paths)} on CloudFront: {reason}") from exc
        return answer["Invalidation"]["Id"]


def invalidation_paths(keys: Collection[str]) -> list[str]:
    """The paths that invalidate ``keys``: each key's, or over :data:`INVALIDATION_PATHS` of them, the
    wildcard of each folder they are in (``/*`` for keys at the root)."""
    paths = sorted({"/" + key for key in keys})
    if len(paths) <= INVALIDATION_PATHS:
        return paths
    return sorted({path.rpartition("/")[0] + "/*" for path in paths})


def templates_dir() -> Path:
    from .render import default_templates_dir  # here, not at import: Jinja2 only where it renders

    return default_templates_dir()
