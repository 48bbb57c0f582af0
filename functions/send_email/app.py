"""SendEmailFunction: the email edition of each edition announced on the edition topic (SNS).

Each SNS record carries the announcement (``{"date", "url", ...}``); the stored edition of that day is
sent to ``[email] recipients`` through SES v2, each (edition, recipient) at most once: the sent log
under ``sent/`` in the raw bucket makes a retried or repeated invocation send nothing new. The event
may also be ``{"date": "YYYY-MM-DD", "dry_run": true}`` (a manual send, or ``sam local invoke``).
"""

from __future__ import annotations

import json
import os
from datetime import date
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ai_news_tracker import service
from ai_news_tracker.aws import templates_dir
from ai_news_tracker.errors import TrackerError
from ai_news_tracker.mail import SendError, SesSender, send_edition, sender_address

STOP_BEFORE_TIMEOUT_MS = 20_000  # one SES call takes at most 5 s to connect and 10 s to answer

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def deployment() -> service.Deployment:
    return service.Deployment.from_env(os.environ)


@cache
def ses() -> SesSender:
    return SesSender(deployment().settings.ses_configuration_set)


def announcements(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The announcements an event carries: one per SNS record, or the event itself when invoked directly."""
    if "Records" not in event:
        return [event]
    found = []
    for record in event["Records"]:
        message = (record.get("Sns") or {}).get("Message")
        try:
            data = json.loads(message) if isinstance(message, str) else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TrackerError("the SNS message is not a JSON edition announcement")
        found.append(data)
    return found


def send(announcement: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Send the announced edition to every recipient that has not had it yet.

    Sending stops while there is still time to record the last send; the rest are left to the retry.
    """
    try:
        day = date.fromisoformat(str(announcement.get("date")))
    except ValueError as exc:
        raise TrackerError(f"the announcement has no valid date: {announcement.get('date')!r}") from exc
    current = deployment()
    config = current.config
    if not config.email.enabled:
        logger.info("email disabled", date=day.isoformat())
        return {"date": day.isoformat(), "sent": 0, "reason": "email disabled"}
    allowed = os.environ.get("SENDER_ADDRESS", "").strip()  # what the function may send as (IAM)
    if allowed and sender_address(config.email.sender).addr_spec.lower() != allowed.lower():
        raise TrackerError(f"[email] sender is not the SES identity this function may send as ({allowed})")
    edition = current.pipeline.repo.load_edition(day)
    if edition is None:
        raise TrackerError(f"no stored edition for {day.isoformat()}")
    report = send_edition(
        edition,
        config,
        config.email.recipients,
        sender=ses(),
        outbox=None,
        sent_log=current.pipeline.repo.store,
        web_url=announcement.get("url"),
        unsubscribe_base=None,
        templates_dir=templates_dir(),
        dry_run=bool(announcement.get("dry_run", False)),
        should_stop=lambda: context.get_remaining_time_in_millis() < STOP_BEFORE_TIMEOUT_MS,
    )
    metrics.add_metric(name="EmailsSent", unit=MetricUnit.Count, value=len(report.sent))
    metrics.add_metric(name="EmailsFailed", unit=MetricUnit.Count, value=len(report.failed))
    summary = report.summary()
    logger.info("email edition", **summary)
    if report.failed:  # raise, so the invocation is retried (a refused send is retried, a sent one never)
        raise SendError(f"{len(report.failed)} of {len(config.email.recipients)} emails failed: {summary}")
    return summary


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    results = [send(announcement, context) for announcement in announcements(event)]
    return results[0] if len(results) == 1 else {"editions": results}
