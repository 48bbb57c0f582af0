"""FetchLeaderboardFunction: the LM Arena leaderboard fetched and its snapshot kept (daily)."""

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
from ai_news_tracker.log import TRACED_AWS_ONLY

logger = Logger()
tracer = Tracer(patch_modules=TRACED_AWS_ONLY)
metrics = Metrics()


@cache
def deployment() -> service.Deployment:
    return service.Deployment.from_env(os.environ)


@logger.inject_lambda_context(correlation_id_path="scheduled_time", clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    current = deployment()
    current.refresh()  # the configuration as it is now (an event's time without an offset is in its timezone)
    now = event_now(event, lambda: datetime.now(UTC), current.config.report.tz)
    deadline_at = invocation_deadline(context, time.monotonic)
    return service.fetch(
        current, now, feeds=False, leaderboard=True, context=context, deadline_at=deadline_at
    )
