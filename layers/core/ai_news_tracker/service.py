"""What each Lambda function does: the pipeline's use cases composed with the AWS edge.

A handler builds a :class:`Deployment` once (``@cache``), brings its configuration up to date
(:meth:`Deployment.refresh`: a change in SSM or in the configuration object reaches a warm function
within Powertools' 5-minute parameter cache), reads the invocation's clock from its event
(:func:`~ai_news_tracker.aws.event_now`, in that configuration's timezone) and calls one function
here. Retried invocations do no work twice: the fetches and the announcement of an edition go through
Powertools Idempotency, keyed by the scheduled time and the edition's day.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from .aws import (
    Announcer,
    CdnInvalidator,
    S3Store,
    Settings,
    announcement,
    edition_url,
    parse_deployed_config,
    read_config_text,
)
from .config import Config
from .errors import ConfigError, TrackerError
from .log import get_logger
from .models import SourceStatus, iso
from .pipeline import FetchReport, Pipeline, stale_leaderboard_days
from .text import shorten

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

    from .http import HttpClient
    from .summarize import Summarizer

logger = get_logger()
metrics = Metrics()  # Powertools shares the metric set: the handler's @log_metrics flushes it

RUN_TTL = 6 * 3600  # a retried scheduled run is recognised for this long
# A fetch function's return value, which Powertools Idempotency keeps in a DynamoDB item (400 KB at
# most, whatever the number of sources): its sources' entries take at most this many bytes of JSON,
# each name and error at most this many characters (the others are counted in ``more_sources``)
RETURN_BYTES = 64_000
RETURN_CHARS = 300
EDITION_TTL = 7 * 86400
# A render that finds the day being announced by another invocation asks again after each of these
# (seconds; an SNS publish takes well under one), keeping this much of its time (ms) to finish
ANNOUNCE_WAITS = (1.0, 2.0, 4.0, 8.0)
ANNOUNCE_RESERVE_MS = 10_000
# A fetch delivered again (Scheduler and Lambda's asynchronous delivery are at least once) while another
# invocation fetches its scheduled time asks again after each of these (a fetch takes up to ~105 s),
# keeping this much of its time (ms): should the other fail meanwhile, it fetches with 30 s of requests
FETCH_WAITS = (1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0)
FETCH_WAIT_RESERVE_MS = 45_000
# Seconds of the render's invocation kept from the model of its key points, to store, render and publish
# the edition and announce it: bench/RESULTS.md measured a 5,000-item edition rendered in 0.6-1.4 s and
# a publish of 112 objects (121 S3 calls, ~2.5 s at 20 ms a call on AWS); a model slower than what is
# left gives the extractive points instead of a render Lambda stops at its Timeout
PUBLISH_RESERVE = 10.0
# Seconds of a fetch function's invocation kept from its requests, to store what they brought:
# bench/RESULTS.md measured 90 new items stored with 277 S3 calls (~5.5 s at 20 ms a call on AWS).
# The requests could outlast the 120 s Timeout otherwise: [fetch] deadline (up to an hour) bounds each
# one, and more feeds than workers, then up to article_fetches pages a feed, wait their turns
FETCH_RESERVE = 15.0


@dataclass
class Deployment:
    """What a function builds once: its settings, the stores and clients, the announcer, the CDN and the
    idempotency store; and what it builds from the configuration (``config``, ``pipeline``), which
    :meth:`refresh` builds again when the configuration in SSM (``CONFIG_PARAMETER``) or in the raw
    bucket (``CONFIG_OBJECT_KEY``) has changed."""

    settings: Settings
    config: Config
    pipeline: Pipeline
    announcer: Announcer | None
    persistence: BasePersistenceLayer | None
    site: S3Store  # the pipeline's site store, which knows the dated pages a publish replaced
    cdn: CdnInvalidator | None  # the site's distribution, when the stack names one
    # The SSM parameter's text or the S3 object's bytes ``config`` was built from (None: the shipped
    # file, which never changes), how to read it again, and how to build a pipeline of another
    # configuration on the same stores
    config_text: str | bytes | None = field(repr=False)
    config_reader: Callable[[], str | bytes | None] = field(repr=False)
    pipeline_for: Callable[[Config], Pipeline] = field(repr=False)

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        s3_client: S3Client | None = None,
        sns_client: SNSClient | None = None,
        dynamodb_client: DynamoDBClient | None = None,
        cloudfront_client: CloudFrontClient | None = None,
        get_parameter: Callable[[str], str] | None = None,
        http: HttpClient | None = None,
        idempotency: bool = True,
    ) -> Deployment:
        """What a function builds once. ``idempotency=False``: no Powertools idempotency store, for the
        functions that never run a job through :meth:`once` (the email functions)."""
        settings = Settings.from_env(env)
        text = read_config_text(settings, get_parameter, s3_client)
        config = parse_deployed_config(settings, text)
        # the pipeline reads and writes with up to [fetch] workers threads (editions, items); the
        # stores and their clients stay when the configuration changes (their pools keep their size)
        site = S3Store(settings.site_bucket, s3_client, public=True, connections=config.fetch.workers)
        raw = S3Store(settings.raw_bucket, s3_client, connections=config.fetch.workers)

        def pipeline_for(config: Config) -> Pipeline:
            summarizer = partial(_summarizer, config, env, get_parameter)
            return Pipeline(config, raw=raw, site=site, http=http, summarizer_factory=summarizer)

        announcer = Announcer(settings.edition_topic_arn, sns_client) if settings.edition_topic_arn else None
        cdn = None
        if settings.distribution_id:
            cdn = CdnInvalidator(settings.distribution_id, cloudfront_client)
        persistence = None
        if idempotency and settings.idempotency_table:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            from .sdk import client

            persistence = DynamoDBPersistenceLayer(  # its client from the default session, as ours are
                table_name=settings.idempotency_table, boto3_client=dynamodb_client or client("dynamodb")
            )
        return cls(
            settings,
            config,
            pipeline_for(config),
            announcer,
            persistence,
            site,
            cdn,
            config_text=text,
            config_reader=partial(read_config_text, settings, get_parameter, s3_client),
            pipeline_for=pipeline_for,
        )

    def refresh(self) -> None:
        """The configuration as it is now, for an invocation of a warm function: the SSM parameter (or
        the S3 object) read again through Powertools' cache (no AWS call while it holds the text, 5
        minutes: the first invocation finds the text :meth:`from_env` just read), and when its text is
        not the one ``config`` was built from, the configuration and the pipeline built again from it
        (the stores, their clients, the pages pending invalidation and the other clients kept). A
        configuration that does not load raises its :class:`ConfigError` and changes nothing here: the
        next invocation reads the parameter again. A parameter SSM does not give (throttled,
        unavailable), or an object S3 does not, leaves the configuration this function has, with a
        warning: a warm function does not fail on it."""
        try:
            text = self.config_reader()
        except ConfigError as exc:
            logger.warning(
                "configuration not read again",
                parameter=self.settings.config_parameter,
                object=self.settings.config_object,
                reason=str(exc),
            )
            return
        if text is None or text == self.config_text:
            return
        config = parse_deployed_config(self.settings, text)
        self.pipeline = self.pipeline_for(config)
        self.config, self.config_text = config, text
        logger.info(
            "configuration changed",
            parameter=self.settings.config_parameter,
            object=self.settings.config_object,
        )

    def once(
        self, function: Callable[..., dict[str, Any]], key: str, ttl: int, context: LambdaContext | None
    ) -> Callable[..., dict[str, Any]]:
        """``function(job=...)`` run at most once per value of ``job[key]`` (when a table is configured)."""
        if self.persistence is None:
            return function
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

        config = IdempotencyConfig(
            event_key_jmespath=key, expires_after_seconds=ttl, raise_on_no_idempotency_key=True
        )
        if context is not None:
            config.register_lambda_context(context)  # an invocation that times out may be retried
        wrapped: Callable[..., dict[str, Any]] = idempotent_function(
            function, data_keyword_argument="job", persistence_store=self.persistence, config=config
        )
        return wrapped


def _summarizer(
    config: Config, env: Mapping[str, str], get_parameter: Callable[[str], str] | None
) -> Summarizer:
    from .summarizers import make_summarizer  # the render function's alone: requests, Bedrock

    return make_summarizer(config.summarizer, secrets=env.get, get_parameter=get_parameter)


def _statuses(statuses: Sequence[SourceStatus]) -> tuple[list[dict[str, Any]], int]:
    """The sources a fetch function returns, and how many it leaves out: Powertools Idempotency stores
    the return value in a DynamoDB item (400 KB at most), so the entries, in the configuration's order,
    take at most ``RETURN_BYTES`` of JSON as Powertools writes it (non-ASCII as ``\\u`` escapes); when
    they do not all fit, the failed ones are kept first. Names and errors are cut to ``RETURN_CHARS``."""
    entries = [
        {
            "name": shorten(s.name, RETURN_CHARS),
            "status": s.status,
            "error": s.error and shorten(s.error, RETURN_CHARS),
            "new": s.new,
        }
        for s in statuses
    ]
    sizes = [len(json.dumps(entry, sort_keys=True)) + 2 for entry in entries]  # and ", "
    if sum(sizes) <= RETURN_BYTES:
        return entries, 0
    kept: set[int] = set()
    used = 0
    for i in sorted(range(len(entries)), key=lambda i: statuses[i].ok):  # failures first, stable
        if used + sizes[i] > RETURN_BYTES:
            break
        kept.add(i)
        used += sizes[i]
    return [entry for i, entry in enumerate(entries) if i in kept], len(entries) - len(kept)


def _record_fetch(report: FetchReport) -> None:
    metrics.add_metric(name="ItemsFetched", unit=MetricUnit.Count, value=report.new_items)
    failures = [s for s in report.statuses if not s.ok]
    metrics.add_metric(name="SourceFailures", unit=MetricUnit.Count, value=len(failures))
    worst = max((s.consecutive_failures for s in failures), default=0)
    metrics.add_metric(name="MaxConsecutiveFailures", unit=MetricUnit.Count, value=worst)
    if report.quiet_hours:  # a feed that answers but has had nothing new (a stale WeChat bridge)
        name, hours = max(report.quiet_hours.items(), key=lambda pair: pair[1])
        metrics.add_metric(name="MaxQuietHours", unit=MetricUnit.Count, value=round(hours, 1))
        logger.info("quietest source", source=name, hours=round(hours, 1))


def fetch(
    deployment: Deployment,
    now: datetime,
    *,
    feeds: bool,
    leaderboard: bool,
    context: LambdaContext | None = None,
    deadline_at: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The fetch functions: every feed (or the leaderboard) once per scheduled time. ``deadline_at``,
    the ``time.monotonic()`` at which Lambda stops the invocation, bounds the requests: they end
    :data:`FETCH_RESERVE` before it (None: each within ``[fetch] deadline`` alone).

    A scheduled time another invocation is fetching (the event delivered twice) is waited for
    (:data:`FETCH_WAITS`, within the invocation's time less :data:`FETCH_WAIT_RESERVE_MS`) and its
    stored result returned; still fetched after the last wait, the summary says so (``in_progress``)
    and nothing is fetched: the other invocation's, and its retries, do the run."""
    metrics.add_metric(name="FetchRuns", unit=MetricUnit.Count, value=1)
    requests_until = None if deadline_at is None else deadline_at - FETCH_RESERVE

    def job_fn(job: dict[str, Any]) -> dict[str, Any]:
        report = deployment.pipeline.fetch(
            now, feeds=feeds, leaderboard=leaderboard, deadline_at=requests_until
        )
        _record_fetch(report)
        sources, more = _statuses(report.statuses)
        return {"now": job["now"], "new_items": report.new_items, "sources": sources, "more_sources": more}

    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    job = {"kind": "feeds" if feeds else "leaderboard", "now": iso(now)}
    once = deployment.once(job_fn, "[kind, now]", RUN_TTL, context)
    remaining_ms = context.get_remaining_time_in_millis() if context is not None else None
    waits = waits_within(FETCH_WAITS, remaining_ms, FETCH_WAIT_RESERVE_MS)
    kind, scheduled = job["kind"], job["now"]

    def waiting(wait: float) -> None:
        logger.info("run being fetched by another invocation", kind=kind, now=scheduled, wait=wait)
        sleep(wait)

    try:
        return _asked_until_done(lambda: once(job=job), waits, waiting)
    except IdempotencyAlreadyInProgressError:  # not an error: Lambda would retry it, and its alarm ring
        logger.warning("run still being fetched by another invocation", kind=kind, now=scheduled)
        return {"now": scheduled, "in_progress": "another invocation is fetching this scheduled run"}


@dataclass(frozen=True)
class Invalidated:
    """What became of the CloudFront invalidation of a render's replaced pages."""

    invalidation: str | None = None  # its id
    failed: str | None = None  # why the pages were not invalidated (they stay cached up to a day)


def invalidate_replaced(deployment: Deployment) -> Invalidated:
    """One CloudFront invalidation of the dated pages the site store replaced with other bytes (the
    page before a new day, which links forward to it; a rebuilt edition's), else none. A refusal does
    not fail the render, which has published and announced: it is logged, counted for its alarm
    (``InvalidationsFailed``) and returned, and the pages stay pending for the next invocation in this
    environment (which writes the same bytes, so replaces nothing)."""
    replaced = sorted(deployment.site.replaced)
    if not replaced or deployment.cdn is None:
        deployment.site.replaced.difference_update(replaced)
        return Invalidated()
    try:
        invalidation = deployment.cdn.invalidate(replaced)
    except TrackerError as exc:
        logger.warning("edition pages not invalidated", paths=replaced, reason=str(exc))
        metrics.add_metric(name="InvalidationsFailed", unit=MetricUnit.Count, value=1)
        return Invalidated(failed=str(exc))
    logger.info("edition pages invalidated", paths=replaced, invalidation=invalidation)
    deployment.site.replaced.difference_update(replaced)
    return Invalidated(invalidation)


def announce_waits(remaining_ms: int | None) -> list[float]:
    """How long to wait before each new ask for the day's announcement while another invocation is
    announcing it: :data:`ANNOUNCE_WAITS`, as many as leave the invocation :data:`ANNOUNCE_RESERVE_MS`
    of its time (``remaining_ms``; all of them without a Lambda context)."""
    return waits_within(ANNOUNCE_WAITS, remaining_ms, ANNOUNCE_RESERVE_MS)


def waits_within(waits: Sequence[float], remaining_ms: int | None, reserve_ms: int) -> list[float]:
    """The first of ``waits`` (seconds) that leave the invocation ``reserve_ms`` of its time
    (``remaining_ms``; all of them without a Lambda context)."""
    kept: list[float] = []
    for wait in waits:
        if remaining_ms is not None and remaining_ms - 1000 * (sum(kept) + wait) < reserve_ms:
            break
        kept.append(wait)
    return kept


def _asked_until_done(
    call: Callable[[], dict[str, Any]], waits: Sequence[float], wait_for: Callable[[float], None]
) -> dict[str, Any]:
    """``call()``, an idempotent job (the day's announcement, a scheduled fetch), asked again after
    each of ``waits`` (``wait_for``: logs and sleeps) while another invocation runs it: once it has,
    the call returns what it stored; had it failed (its record deleted, or its time up), the call runs
    the job. Still in progress after the last wait, Powertools' ``IdempotencyAlreadyInProgressError``
    is raised."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    for wait in waits:
        try:
            return call()
        except IdempotencyAlreadyInProgressError:
            wait_for(wait)
    return call()


def same_clocks(first: str, second: str, around: datetime) -> bool:
    """Whether two IANA zones keep the same time every day of the year from ``around`` (an alias, such
    as Asia/Chongqing for Asia/Shanghai, does); an unknown zone keeps no clock the other does."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if first == second:
        return True
    try:
        zones = ZoneInfo(first), ZoneInfo(second)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones ("Asia")
        return False
    start = around.astimezone(UTC)
    days = (start + timedelta(days=n) for n in range(366))
    return all(day.astimezone(zones[0]).utcoffset() == day.astimezone(zones[1]).utcoffset() for day in days)


def render(
    deployment: Deployment,
    now: datetime,
    context: LambdaContext | None = None,
    *,
    deadline_at: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The render function: build the day's edition, publish it, announce it once.

    ``deadline_at``, the ``time.monotonic()`` at which Lambda stops the invocation
    (:func:`~ai_news_tracker.aws.invocation_deadline`), bounds the model of the key points:
    it must answer :data:`PUBLISH_RESERVE` before (None: its configured ``timeout`` alone).

    Measured for the alarms: ``EditionPublished``, ``EditionItems``, ``LeaderboardStaleDays`` (the
    leaderboard's age once past ``max_age_days``, else 0) and ``SummarizerFallback`` (1: the extractive
    points stood in for the model's, with their note) for a day readers get now, a day
    built now or, built before by an invocation that failed before announcing it (Lambda's retry),
    announced now; ``EditionRepublished`` for a day published again (a re-run, a schedule that fires
    twice in the report's day), which is no new edition: NoEditionAlarm still rings when no day is new.
    """
    scheduled_in, report_in = deployment.settings.schedule_timezone, deployment.config.report.timezone
    if scheduled_in and not same_clocks(scheduled_in, report_in, now):
        logger.warning("schedule timezone not the report's", schedule=scheduled_in, report=report_in)
    summary_deadline_at = None if deadline_at is None else deadline_at - PUBLISH_RESERVE
    # True: stored before, published again
    edition, republished = deployment.pipeline.build(now, summary_deadline_at=summary_deadline_at)
    keys = deployment.pipeline.publish(edition)

    def measure_new_edition() -> None:
        metrics.add_metric(name="EditionPublished", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="EditionItems", unit=MetricUnit.Count, value=len(edition.items))
        stale = stale_leaderboard_days(edition, deployment.config)  # 0 while fresh
        metrics.add_metric(name="LeaderboardStaleDays", unit=MetricUnit.Count, value=stale)
        from .summarize import FALLBACK_NOTE  # the render's: a fetch function never loads it

        fell_back = int(FALLBACK_NOTE in edition.notes)  # the model's points not used: the note says so
        metrics.add_metric(name="SummarizerFallback", unit=MetricUnit.Count, value=fell_back)

    if not republished:  # measured before announcing: a day built is counted even if its announcement fails
        measure_new_edition()
    announced = fresh = None
    try:
        told = deployment.pipeline.repo.announcement(edition.date) if deployment.announcer else None
        if told is not None:  # announced once already: its idempotency record may have expired since
            announced, fresh = told, False
        elif deployment.announcer is not None:
            from aws_lambda_powertools.utilities.idempotency.exceptions import (
                IdempotencyAlreadyInProgressError,
            )

            announcer = deployment.announcer
            invocation = uuid.uuid4().hex  # which invocation announced: this one, or one before it

            def announce(job: dict[str, Any]) -> dict[str, Any]:
                return {"date": job["date"], "message_id": announcer.announce(job), "by": invocation}

            # (``announce`` keeps its name and place: its qualified name is part of the idempotency key)
            once = deployment.once(announce, "date", EDITION_TTL, context)
            message = announcement(deployment.settings, edition)
            waits = announce_waits(context.get_remaining_time_in_millis() if context is not None else None)
            day = edition.date.isoformat()

            def waiting(wait: float) -> None:
                logger.info("edition being announced by another invocation", date=day, wait=wait)
                sleep(wait)

            try:
                result = _asked_until_done(lambda: once(job=message), waits, waiting)
            except IdempotencyAlreadyInProgressError:  # the invocation fails: Lambda's retry announces
                logger.warning("edition still being announced by another invocation", date=day)
                raise
            announced, fresh = result["message_id"], result.get("by") == invocation
            deployment.pipeline.repo.save_announcement(edition.date, str(announced))
    finally:
        if republished:
            if fresh:
                measure_new_edition()
            else:
                metrics.add_metric(name="EditionRepublished", unit=MetricUnit.Count, value=1)
        # after the announcement (a CDN call delays no mail), and also when it failed: the pages
        # this invocation replaced are not left to a retry, which writes the same bytes
        invalidated = invalidate_replaced(deployment)
    logger.info(
        "edition rendered",
        date=edition.date.isoformat(),
        republished=republished,
        announced=announced,
        invalidation=invalidated.invalidation,
    )
    return {
        "date": edition.date.isoformat(),
        "items": len(edition.items),
        "republished": republished,  # the day was stored: published again as built, not built now
        "keys": list(keys),
        "url": edition_url(deployment.settings, edition),
        "announcement": announced,
        "invalidation": invalidated.invalidation,
        "invalidation_failed": invalidated.failed,
        "failed_sources": [
            s.name for s in (*edition.sources, *filter(None, [edition.leaderboard_status])) if not s.ok
        ],
    }
