"""What X-Ray keeps of the email functions: no subscriber's address and no token.

Traces are kept 30 days and read by anyone with ``xray:BatchGetTraces``; the logs and the sent log
hash addresses (``hide_addresses``), and unsubscribe tokens never expire. These tests run a handler
under moto with tracing on, as Lambda's Active tracing has it (Powertools' Tracer patches for real),
and read what the X-Ray SDK would send to the daemon.

The X-Ray SDK's patches are process-wide and Powertools keeps its Tracer's configuration on the class,
so :func:`xray` switches tracing on for the functions loaded after ``on()`` only, and puts both back:
on AWS every function is a process of its own.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aws_xray_sdk
import botocore.client
import botocore.endpoint
import pytest
from aws_lambda_powertools import Tracer
from aws_xray_sdk.core import patcher, xray_recorder
from aws_xray_sdk.core.lambda_launcher import LambdaContext
from aws_xray_sdk.core.sampling.local.sampler import LocalSampler
from aws_xray_sdk.core.streaming.default_streaming import DefaultStreaming
from moto.ses.exceptions import MessageRejectedError
from moto.ses.models import SESBackend
from test_subscriptions_moto import (
    Stack,
    confirmation_link,
    mail_stack,
    subscribe_and_confirm,
    token_of,
)

READER = "reader@example.org"
# What SES answers in the sandbox for an unverified recipient: it names the address
SANDBOX_REFUSAL = (
    "Email address is not verified. The following identities failed the check in region US-EAST-1: {}"
)


@dataclass
class Emitter:
    """What would go to the X-Ray daemon: every segment and subsegment document sent."""

    sent: list[str] = field(default_factory=list)

    def send_entity(self, entity: Any) -> None:
        self.sent.append(json.dumps(entity.to_dict(), default=str))

    def set_daemon_address(self, address: str) -> None:
        pass


@dataclass
class XRay:
    monkeypatch: pytest.MonkeyPatch
    emitter: Emitter = field(default_factory=Emitter)

    def on(self) -> None:
        """Tracing as Lambda's Active tracing sets it, for the functions loaded from now on."""
        for key, value in {
            "LAMBDA_TASK_ROOT": "/var/task",
            "AWS_LAMBDA_FUNCTION_NAME": "test",
            "_X_AMZN_TRACE_ID": "Root=1-6749a000-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
            "POWERTOOLS_TRACE_DISABLED": "false",
        }.items():
            self.monkeypatch.setenv(key, value)
        self.monkeypatch.setattr(Tracer, "_config", copy.copy(Tracer._default_config))
        aws_xray_sdk.global_sdk_config.set_sdk_enabled(True)
        self.emitter.sent.clear()

    @property
    def text(self) -> str:
        """Every document sent, one a line; something was traced (so an absence proves something)."""
        assert any("## lambda_handler" in sent for sent in self.emitter.sent), "nothing was traced"
        return "\n".join(self.emitter.sent)


@pytest.fixture
def xray(monkeypatch: pytest.MonkeyPatch) -> Iterator[XRay]:
    # The recorder as it is in Lambda (a facade segment from _X_AMZN_TRACE_ID, every subsegment
    # streamed), sending to us
    traced = XRay(monkeypatch)
    monkeypatch.setattr(xray_recorder, "_emitter", traced.emitter)
    monkeypatch.setattr(xray_recorder, "_context", LambdaContext())
    monkeypatch.setattr(xray_recorder, "_sampler", LocalSampler())
    monkeypatch.setattr(xray_recorder, "_streaming", DefaultStreaming(streaming_threshold=0))
    # botocore unpatched while the test runs, and as it was afterwards
    monkeypatch.setattr(patcher, "_PATCHED_MODULES", set())
    monkeypatch.delattr(botocore.client, "_xray_enabled", raising=False)
    for cls, name in (
        (botocore.client.BaseClient, "_make_api_call"),
        (botocore.endpoint.Endpoint, "prepare_request"),
    ):
        method = cls.__dict__[name]
        monkeypatch.setattr(cls, name, getattr(method, "__wrapped__", method))
    enabled = aws_xray_sdk.global_sdk_config.sdk_enabled()
    try:
        yield traced
    finally:
        monkeypatch.undo()  # the environment, the Tracer, the recorder and botocore as they were
        aws_xray_sdk.global_sdk_config.set_sdk_enabled(enabled)


def refuse_naming(monkeypatch: pytest.MonkeyPatch, recipient: str) -> None:
    """SES refuses every message as the sandbox does an unverified recipient: naming them."""

    def refuse(self: SESBackend, source: str, destinations: list[str], raw_data: str) -> None:
        raise MessageRejectedError(SANDBOX_REFUSAL.format(recipient))

    monkeypatch.setattr(SESBackend, "send_raw_email", refuse)


def addresses_in(text: str) -> list[str]:
    return re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text)


def test_a_refused_confirmation_leaves_no_address_in_the_trace(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, xray: XRay
) -> None:
    with mail_stack(tmp_path, monkeypatch) as stack:
        # Given the subscription function traced, and SES refusing the confirmation naming the reader
        xray.on()
        refuse_naming(monkeypatch, READER)

        # When the reader subscribes
        assert stack.subscribe(READER).status == 202

        # Then the trace names no address (the sender's aside: it is public)
        assert [a for a in addresses_in(xray.text) if a != "digest@example.com"] == []


def test_a_refused_edition_leaves_no_address_in_the_trace(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, xray: XRay
) -> None:
    with mail_stack(tmp_path, monkeypatch) as stack:
        # Given a subscriber, an edition fanned out, and SES refusing it naming the subscriber
        subscribe_and_confirm(stack, READER)
        stack.announce("2026-11-20")
        refuse_naming(monkeypatch, READER)

        # When the send batch function, traced, sends it
        xray.on()
        stack.reload("send_batch")
        assert stack.deliver(stack.receive()) != []  # refused: retried later

        # Then the trace names no address
        assert [a for a in addresses_in(xray.text) if a != "digest@example.com"] == []


def unsubscribe_token(stack: Stack, address: str) -> str:
    subscribe_and_confirm(stack, address)
    stack.announce("2026-11-20")
    stack.drain()
    (edition,) = stack.editions_to(address)
    https = next(
        link for link in re.findall(r"<([^>]+)>", str(edition["List-Unsubscribe"])) if "https" in link
    )
    return token_of(https)


def test_the_unsubscribe_page_leaves_its_token_out_of_the_trace(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, xray: XRay
) -> None:
    with mail_stack(tmp_path, monkeypatch) as stack:
        # Given a subscriber's unsubscribe link (its token never expires)
        token = unsubscribe_token(stack, "reader@example.org")

        # When its page is opened, traced
        xray.on()
        stack.reload("subscription")
        page = stack.http("GET", "/unsubscribe", query={"token": token})
        assert page.status == 200 and token in page.body

        # Then the trace does not keep the token (the page embeds it in its form)
        assert token not in xray.text


def test_the_confirm_page_leaves_its_token_out_of_the_trace(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, xray: XRay
) -> None:
    with mail_stack(tmp_path, monkeypatch) as stack:
        # Given a confirmation link
        assert stack.subscribe(READER).status == 202
        token = token_of(confirmation_link(stack.mails_to(READER)[-1]))

        # When its page is opened, traced
        xray.on()
        stack.reload("subscription")
        page = stack.http("GET", "/confirm", query={"token": token})
        assert page.status == 200 and token in page.body

        # Then the trace does not keep the token
        assert token not in xray.text
