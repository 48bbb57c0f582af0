"""SendEmailFunction: the fan-out of each edition announced on the edition topic (SNS).

Each SNS record carries the announcement (``{"date", "url", ...}``). The stored edition of that day
must exist; every active subscriber (the subscribers table's sparse ``ActiveIndex``) is then put on the
send queue in batches of 50 ids, which ``SendBatchFunction`` sends through SES at most once each
(:mod:`ai_news_tracker.delivery`). A repeated fan-out sends nothing twice: the sent log decides.

The event may also be ``{"date": "YYYY-MM-DD", "dry_run": true}`` (a manual run, or ``sam local
invoke``): it counts the subscribers and batches without enqueueing anything. ``[email] recipients``
is the local run's list (``ai-news-tracker run``/``send`` write their ``.eml`` files); on AWS the
recipients are the confirmed subscribers.
"""

from __future__ import annotations

import os
from datetime import date
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ai_news_tracker.delivery import MailDeployment, fan_out
from ai_news_tracker.errors import TrackerError
from ai_news_tracker.events import sns_messages
from ai_news_tracker.log import TRACED_AWS_ONLY

logger = Logger()
tracer = Tracer(patch_modules=TRACED_AWS_ONLY)
metrics = Metrics()


@cache
def deployment() -> MailDeployment:
    return MailDeployment.from_env(os.environ)


def announcements(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of an SNS event (or the event itself, invoked directly)."""
    return sns_messages(event, "a JSON edition announcement")


def enqueue(announcement: dict[str, Any]) -> dict[str, Any]:
    """Put the announced edition on the send queue for every active subscriber."""
    try:
        day = date.fromisoformat(str(announcement.get("date")))
    except ValueError as exc:
        raise TrackerError(f"the announcement has no valid date: {announcement.get('date')!r}") from exc
    current = deployment()
    if not current.config.email.enabled:
        logger.info("email disabled", date=day.isoformat())
        return {"date": day.isoformat(), "batches": 0, "reason": "email disabled"}
    if current.config.email.recipients:
        logger.info("[email] recipients are for the local run; on AWS the subscribers get the edition")
    edition = current.edition(day)  # refuse an announcement of an edition that is not stored
    # The email's 在浏览器中阅读: the day's web page (the announcement's "url" is the Markdown file)
    page = current.config.report.page_url(day) or announcement.get("html_url")
    result = fan_out(
        current.subscriptions,
        current.queue.send,
        edition,
        page if isinstance(page, str) else None,
        dry_run=bool(announcement.get("dry_run", False)),
    )
    metrics.add_metric(
        name="EmailBatchesQueued", unit=MetricUnit.Count, value=0 if result.dry_run else result.batches
    )
    metrics.add_metric(name="EmailSubscribers", unit=MetricUnit.Count, value=result.subscribers)
    return result.summary()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deployment().refresh()  # the configuration as it is now ([email] enabled, the page's address)
    results = [enqueue(announcement) for announcement in announcements(event)]
    return results[0] if len(results) == 1 else {"editions": results}
