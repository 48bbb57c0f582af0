"""BounceFunction: SES bounces and complaints (configuration set → SNS topic) suppress the address.

Each SNS record carries one SES event (event publishing: ``eventType``; identity feedback
notifications: ``notificationType``). A permanent bounce or a complaint marks every recipient it names
as suppressed in the subscribers table: no more editions, no more confirmation mails, and no way back
through the subscribe form. Transient bounces and other events change nothing.
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ai_news_tracker.events import sns_messages
from ai_news_tracker.log import TRACED_AWS_ONLY
from ai_news_tracker.subscribers import Subscriptions, apply_feedback, subscriptions_from_env

logger = Logger()
tracer = Tracer(patch_modules=TRACED_AWS_ONLY)
metrics = Metrics()


@cache
def deployment() -> Subscriptions:
    """The subscribers table alone: this function renders and sends nothing."""
    return subscriptions_from_env(os.environ)


def notifications(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of an SNS event (or the event itself, invoked directly)."""
    return sns_messages(event, "an SES event")


def now() -> int:
    """Unix seconds: when this invocation happens (the one clock of the function)."""
    return int(time.time())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    at = now()
    subscriptions = deployment()
    suppressed = 0
    kinds = []
    for notification in notifications(event):
        kinds.append(str(notification.get("eventType") or notification.get("notificationType") or "?"))
        suppressed += len(apply_feedback(subscriptions, notification, at))
    metrics.add_metric(name="AddressesSuppressed", unit=MetricUnit.Count, value=suppressed)
    logger.info("email feedback", events=kinds, suppressed=suppressed)
    return {"events": kinds, "suppressed": suppressed}
