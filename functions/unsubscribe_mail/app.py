"""UnsubscribeMailFunction: mail to the ``mailto:`` unsubscribe address unsubscribes (SES receipt rule).

Each edition's ``List-Unsubscribe`` offers ``mailto:<UnsubscribeMailbox>?subject=unsubscribe <token>``
beside the one-click https link, and mail clients that use the mailto: link send such a mail. SES
receives it (a receipt rule with a Lambda action, template.yaml) and invokes this function with its
headers and SES's verdicts, never its body. The token in the subject unsubscribes its subscriber;
without one, the From address is unsubscribed when the mail passed DMARC; anything else changes
nothing (:func:`ai_news_tracker.subscription.unsubscribe_by_mail`). Unsubscribing is idempotent, so
the retries of an asynchronous invocation are harmless.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ai_news_tracker.events import received_mails
from ai_news_tracker.log import TRACED_AWS_ONLY
from ai_news_tracker.subscribers import Subscriptions, subscriptions_from_env
from ai_news_tracker.subscription import (
    BY_SENDER,
    BY_TOKEN,
    MailSettings,
    Tokens,
    unsubscribe_by_mail,
)

logger = Logger()
tracer = Tracer(patch_modules=TRACED_AWS_ONLY)
metrics = Metrics()


@cache
def deployment() -> tuple[Subscriptions, Tokens]:
    """The subscribers table and the token key: this function renders and sends nothing."""
    settings = MailSettings.from_env(os.environ)
    return subscriptions_from_env(os.environ), Tokens.from_parameter(settings.need("token_key_parameter"))


def now() -> int:
    """Unix seconds: when this invocation happens (the one clock of the function)."""
    return int(time.time())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    at = now()
    subscriptions, tokens = deployment()
    outcomes = Counter(unsubscribe_by_mail(subscriptions, tokens, mail, at) for mail in received_mails(event))
    unsubscribed = outcomes[BY_TOKEN] + outcomes[BY_SENDER]
    ignored = sum(outcomes.values()) - unsubscribed
    metrics.add_metric(name="UnsubscribedByMail", unit=MetricUnit.Count, value=unsubscribed)
    metrics.add_metric(name="UnsubscribeMailsIgnored", unit=MetricUnit.Count, value=ignored)
    logger.info("unsubscribe mail", outcomes=dict(outcomes))
    return {"mails": sum(outcomes.values()), "unsubscribed": unsubscribed, "outcomes": dict(outcomes)}
