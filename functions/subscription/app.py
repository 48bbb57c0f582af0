"""SubscriptionFunction: the subscribe, confirm and unsubscribe endpoints (HTTP API, Powertools).

    POST /subscribe          {"email": …} (JSON) or email=… (form): same answer for every address
    GET  /confirm?token=…    a page with a button, which POSTs /confirm?token=…: subscribed
    GET  /unsubscribe?token= a page with a button, which POSTs /unsubscribe?token=…
    POST /unsubscribe?token= RFC 8058 one-click (body List-Unsubscribe=One-Click): unsubscribed

Links in mail change nothing on GET (mail scanners follow them); a POST does. A subscribe request
answers 202 whether the address is new, pending, throttled, active or suppressed, so the endpoint
tells nobody who is subscribed; only a malformed address is refused (400). Pages are escaped HTML
that name no address; JSON answers go to callers that send JSON or accept it (a web form's script).
Links in the confirmation mail point at the host the request came to (``requestContext.domainName``,
which API Gateway sets, not the caller). Each request first takes the configuration as it is now, as
the other functions' invocations do (its title, site and sender); while it does not load, every
request is answered 503.
"""

from __future__ import annotations

import json
import os
import time
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ai_news_tracker.aws import templates_dir
from ai_news_tracker.config import ReportConfig
from ai_news_tracker.delivery import MailDeployment
from ai_news_tracker.errors import ConfigError, StorageError
from ai_news_tracker.log import TRACED_NOTHING
from ai_news_tracker.store import parse_json
from ai_news_tracker.subscribers import InvalidAddress
from ai_news_tracker.subscription import (
    ALREADY_SUBSCRIBED,
    CHECK_MAIL,
    CONFIRMED,
    CONFIRMED_NOW,
    INVALID,
    INVALID_LINK,
    INVALID_UNSUBSCRIBE_LINK,
    NOT_FOUND,
    SUBSCRIBED,
    UNAVAILABLE,
    UNSUBSCRIBED,
    UNSUBSCRIBED_NOW,
    MailSettings,
    Page,
    SubscriptionService,
    confirm_page,
    invalid_address_page,
    page_headers,
    unsubscribe_page,
)
from ai_news_tracker.tokens import UNSUBSCRIBE

MAX_BODY = 4096  # bytes of a subscribe request
# Every subscribe answer takes at least this long, whether a mail was sent (an SES call) or not
# (active, suppressed, throttled): the time taken tells nothing about the address either.
MIN_SUBSCRIBE_SECONDS = 1.0
# The stack's own confirmation budgets spent (one mailbox's is not: that refuses its abuser alone).
STACK_OVER_BUDGET = frozenset(
    {"over_hour_budget", "over_day_budget", "over_hour_budget_unrecorded", "over_day_budget_unrecorded"}
)
MAIL_FAILED = frozenset({"mail_failed", "mail_unconfirmed"})  # refused by SES; sent without SES's answer
# Answered 202 like any request (no mail went out): counted for SubscriberStoreFailedAlarm as a 503 is
# (the budgets not counted; over a budget, the withheld mail not given back).
STORE_FAILED = frozenset(
    {"budget_not_counted", *(f"over_{b}_budget_unrecorded" for b in ("mailbox", "hour", "day"))}
)

logger = Logger()
tracer = Tracer(patch_modules=TRACED_NOTHING)  # SES refusals name addresses
metrics = Metrics()

_origins = MailSettings.from_env(os.environ).allowed_origins
app = APIGatewayHttpResolver(
    cors=CORSConfig(
        allow_origin=_origins[0],
        extra_origins=list(_origins[1:]),
        allow_headers=["Content-Type"],
        max_age=600,
    )
)


@cache
def deployment() -> MailDeployment:
    # An API request must answer quickly: one SES attempt plus one retry when throttled.
    return MailDeployment.from_env(os.environ, ses_retries=1)


def service() -> SubscriptionService:
    """The use cases on the configuration this request was refreshed to (:func:`current_configuration`)."""
    current = deployment()
    return SubscriptionService(
        current.subscriptions, current.tokens, current.config, current.ses.send, templates_dir()
    )


def current_configuration(resolver: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[str]:
    """Every request first brings the configuration up to date, as the other functions' invocations do
    (through Powertools' 5-minute cache: no AWS call while it holds the text). One that does not load
    is answered by :func:`misconfigured`."""
    deployment().refresh()
    return next_middleware(resolver)


app.use(middlewares=[current_configuration])


def now() -> int:
    return int(time.time())


def html(page: Page) -> Response[str]:
    return Response(status_code=page.status, body=service().page(page), headers=page_headers())


def wants_json() -> bool:
    headers = app.current_event.headers
    return "json" in headers.get("content-type", "").lower() or "application/json" in headers.get(
        "accept", ""
    )


def answer(page: Page, state: str) -> Response[str]:
    if wants_json():
        message = " ".join(page.paragraphs[:1]) or page.heading
        body = json.dumps({"status": state, "message": message}, ensure_ascii=False)
        return Response(
            status_code=page.status,
            content_type="application/json; charset=utf-8",
            body=body,
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )
    return html(page)


def base_url() -> str:
    context = app.current_event.request_context
    stage = context.stage
    return f"https://{context.domain_name}" + ("" if stage in ("$default", "") else f"/{stage}")


def submitted_address() -> object:
    """The ``email`` of a JSON or form body; None when there is none."""
    event = app.current_event
    try:
        body = event.decoded_body or ""
    except (ValueError, UnicodeDecodeError):
        return None
    if len(body.encode("utf-8")) > MAX_BODY:
        return None
    if "json" in event.headers.get("content-type", "").lower():
        try:
            data = parse_json(body)
        except ValueError:  # nested too deeply included
            return None
        return data.get("email") if isinstance(data, dict) else None
    try:
        values = parse_qs(body, keep_blank_values=True, max_num_fields=10).get("email")
    except ValueError:  # more fields than any form of ours has
        return None
    return values[0] if values and len(values) == 1 else None


def token() -> str:
    return str(app.current_event.query_string_parameters.get("token") or "")


@app.post("/subscribe")
def subscribe() -> Response[str]:
    started = time.monotonic()
    try:
        outcome = service().subscribe(submitted_address(), now(), base_url())
    except InvalidAddress as refused:
        metrics.add_metric(name="SubscribeRefused", unit=MetricUnit.Count, value=1)
        return answer(invalid_address_page(refused), "invalid")
    finally:
        time.sleep(max(0.0, MIN_SUBSCRIBE_SECONDS - (time.monotonic() - started)))
    metrics.add_metric(name="SubscribeRequests", unit=MetricUnit.Count, value=1)
    if outcome in MAIL_FAILED:
        metrics.add_metric(name="ConfirmationsFailed", unit=MetricUnit.Count, value=1)
    if outcome in STORE_FAILED:
        metrics.add_metric(name="SubscriberStoreFailed", unit=MetricUnit.Count, value=1)  # alarmed
    if outcome in STACK_OVER_BUDGET:  # a reader may have been refused their confirmation mail
        metrics.add_metric(name="SubscribeOverBudget", unit=MetricUnit.Count, value=1)
    logger.info("subscribe request", outcome=outcome)
    return answer(CHECK_MAIL, "accepted")  # the same answer for every state of the address


@app.get("/confirm")
def confirm_form() -> Response[str]:
    """The button (a GET changes nothing: mail scanners open links), only where it can confirm."""
    state = service().confirm_state(token(), now())
    if state == SUBSCRIBED:
        return html(ALREADY_SUBSCRIBED)
    if state == INVALID:
        return html(INVALID_LINK)
    return html(confirm_page(token()))


@app.post("/confirm")
def confirm() -> Response[str]:
    done = service().confirm(token(), now())
    if done == CONFIRMED_NOW:  # a repeat (a reload, a double click) counts no second subscriber
        metrics.add_metric(name="SubscriptionsConfirmed", unit=MetricUnit.Count, value=1)
        return html(CONFIRMED)
    return html(ALREADY_SUBSCRIBED if done == SUBSCRIBED else INVALID_LINK)


@app.get("/unsubscribe")
def unsubscribe_form() -> Response[str]:
    if not service().valid(token(), UNSUBSCRIBE, now()):
        return html(INVALID_UNSUBSCRIBE_LINK)
    return html(unsubscribe_page(token()))


@app.post("/unsubscribe")
def unsubscribe() -> Response[str]:
    """RFC 8058 one-click (and the page's button): the token in the query decides, not the body."""
    done = service().unsubscribe(token(), now())
    if done == INVALID:
        return html(INVALID_UNSUBSCRIBE_LINK)
    if done == UNSUBSCRIBED_NOW:  # one-click, then the footer's button: one reader left
        metrics.add_metric(name="Unsubscribed", unit=MetricUnit.Count, value=1)
    return html(UNSUBSCRIBED)


@app.not_found
def not_found(_: Exception) -> Response[str]:
    return html(NOT_FOUND)


@app.exception_handler(StorageError)
def unavailable(exc: StorageError) -> Response[str]:
    """The subscribers table cannot be used (a lost grant, throttling, an outage): 503, which is no
    Lambda error, so it is counted for ``SubscriberStoreFailedAlarm``."""
    logger.error("subscription store unavailable", reason=str(exc))
    metrics.add_metric(name="SubscriberStoreFailed", unit=MetricUnit.Count, value=1)  # alarmed
    return answer(UNAVAILABLE, "unavailable")


@app.exception_handler(ConfigError)
def misconfigured(exc: ConfigError) -> Response[str]:
    """A configuration that does not load (a bad one put in SSM or S3; at a cold start, one that cannot
    be read): every request is answered 503, as when the store fails, until it is fixed, and the error
    logged names the key. The same for every address, so a subscribe answer takes no minimum time here."""
    logger.error("configuration not loaded", key=exc.key, reason=str(exc))
    metrics.add_metric(name="ConfigurationFailed", unit=MetricUnit.Count, value=1)  # alarmed: no Lambda error
    if wants_json() or deployment.cache_info().currsize:  # a warm container has a configuration
        return answer(UNAVAILABLE, "unavailable")
    # a cold start that has none: the page under the shipped title, without the site's link
    body = UNAVAILABLE.render(ReportConfig().title, templates_dir())
    return Response(status_code=UNAVAILABLE.status, body=body, headers=page_headers())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # the confirm and unsubscribe pages embed their token
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
