"""RenderEditionFunction: the day's edition built, published to the site bucket and announced (daily)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from ai_news_tracker import service
from ai_news_tracker.aws import event_now, invocation_deadline
from ai_news_tracker.log import HTTP_SUMMARIZERS, TRACED_AWS_ONLY

logger = Logger()
tracer = Tracer(patch_modules=TRACED_AWS_ONLY)
metrics = Metrics()


@cache
def deployment() -> service.Deployment:
    current = service.Deployment.from_env(os.environ)
    trace_model_calls(current)  # at the cold start, when the configuration calls a model from the start
    return current


def trace_model_calls(current: service.Deployment) -> None:
    """Trace the model's API calls when the configuration's summarizer calls one over HTTP: requests
    patched at the cold start or once a refreshed configuration switches to such a summarizer (requests
    is not imported otherwise; a switch back leaves it patched, which costs nothing unused)."""
    if current.config.summarizer.provider in HTTP_SUMMARIZERS:
        _trace_requests()


@cache
def _trace_requests() -> None:
    tracer.patch(("requests",))


@logger.inject_lambda_context(correlation_id_path="scheduled_time", clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    current = deployment()
    current.refresh()  # the configuration as it is now (an event's time without an offset is in its timezone)
    trace_model_calls(current)
    now = event_now(event, lambda: datetime.now(UTC), current.config.report.tz)
    return service.render(current, now, context, deadline_at=invocation_deadline(context, time.monotonic))
