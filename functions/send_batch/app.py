"""SendBatchFunction: one batch of the email edition per SQS message (the send queue).

Each message is ``{"v": 1, "date", "url", "ids": [<subscriber id>, ...]}`` (at most 50 ids, put there by
``SendEmailFunction``). The subscribers still active are sent the edition through SES, paced under
the account's sending rate, each with their own ``List-Unsubscribe`` links, at most once per
(edition, recipient) (the sent log). A message whose sends were refused, or that is no batch of ours, is
reported as a batch item failure (Powertools BatchProcessor), so SQS delivers it again; after three
receives it goes to the dead-letter queue, which is alarmed. So is a message failing for any other
reason (the subscribers table, the token key, the sent log, the stored edition), also counted on its own
metric, ``EmailBatchErrors`` (alarmed within 5 minutes): the messages beside it are not failed with it,
so one that fails every time (a day whose edition is not stored) dead-letters itself only.
Every failed message is logged, ``email batch failed`` (ERROR), with its reason.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    ExceptionInfo,
    FailureResponse,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ai_news_tracker.aws import templates_dir
from ai_news_tracker.delivery import BatchError, MailDeployment, parse_batch, send_batch
from ai_news_tracker.log import TRACED_NOTHING
from ai_news_tracker.mail import Pacer, SendError, hide_addresses
from ai_news_tracker.models import Edition

STOP_BEFORE_TIMEOUT_MS = 20_000  # one SES call takes at most 5 s to connect and 10 s to answer

logger = Logger()
tracer = Tracer(patch_modules=TRACED_NOTHING)  # SES refusals name addresses
metrics = Metrics()
# A message fails for SES (refused, throttled, paused) or for being no batch of ours: a throttled SES is
# no fault of the function's. Any other failure is: a subscribers table, a token key or a sent log it
# cannot use, an edition not stored, counted on EmailBatchErrors too (EmailBatchErrorsAlarm). Either is
# reported as the message's own failure (retried, dead-lettered after three receives and alarmed there),
# never raised: a failed invocation has SQS deliver every message of it again, and one that can never
# succeed took the others to the dead-letter queue with it.
MESSAGE_FAILURES = (SendError, BatchError)


class SendBatchProcessor(BatchProcessor):
    """Powertools' processor, which logs a failed record at DEBUG only: this one says why at ERROR (a
    recipient named in the reason by the prefix of its hash, as the sent log names them)."""

    def failure_handler(self, record: Any, exception: ExceptionInfo) -> FailureResponse:
        _, error, _ = exception
        reason = hide_addresses(str(error))
        logger.error(
            "email batch failed", message_id=record.message_id, error=type(error).__name__, reason=reason
        )
        metrics.add_metric(name="EmailBatchesFailed", unit=MetricUnit.Count, value=1)
        if not isinstance(error, MESSAGE_FAILURES):
            metrics.add_metric(name="EmailBatchErrors", unit=MetricUnit.Count, value=1)
        return super().failure_handler(record, exception)


processor = SendBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@cache
def deployment() -> MailDeployment:
    return MailDeployment.from_env(os.environ)


@cache
def pacer() -> Pacer:
    return Pacer(deployment().settings.send_rate)


@cache
def edition(day: date) -> Edition:
    """The stored edition of ``day``, read once an invocation (``lambda_handler`` forgets it): a day
    rebuilt (README's runbook) is mailed as rebuilt to the batches sent after, warm container or not."""
    return deployment().edition(day)


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> dict[str, Any]:
    batch = parse_batch(record.body)
    current = deployment()
    config = current.config
    if not config.email.enabled:
        logger.info("email disabled", date=batch.date.isoformat())
        return {"date": batch.date.isoformat(), "sent": 0, "reason": "email disabled"}
    context = lambda_context
    report = send_batch(
        batch,
        edition(batch.date),
        config,
        current.subscriptions,
        send=pacer().paced(current.ses.send),
        sent_log=current.sent_log,
        tokens=current.tokens,
        unsubscribe_base=current.settings.need("subscription_api_url"),
        unsubscribe_mailto=current.settings.unsubscribe_mailto,
        templates_dir=templates_dir(),
        should_stop=(
            (lambda: context.get_remaining_time_in_millis() < STOP_BEFORE_TIMEOUT_MS) if context else None
        ),
        sent_at=datetime.now(UTC),  # the messages' Date: now, also for a batch redriven days later
    )
    metrics.add_metric(name="EmailsSent", unit=MetricUnit.Count, value=len(report.sent))
    return report.summary()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deployment().refresh()  # the configuration as it is now, for every record of the batch
    edition.cache_clear()  # and the editions as they are stored now
    return process_partial_response(event, record_handler, processor, context)
