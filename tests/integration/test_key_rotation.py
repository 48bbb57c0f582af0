"""README's rotation of the token key ("<new key> <old key>": the first signs, every key listed verifies)
on warm containers: each holds the key it read for up to five minutes (Powertools' cache, one per
container), so a link signed by a container that read the new key reaches one that has the old alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import boto3
import pytest
import test_subscriptions_moto as subs
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from lambda_support import REGION

READER = "reader@example.org"
NEW_KEY = "n3w-" * 12


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[subs.Stack]:
    with subs.mail_stack(tmp_path, monkeypatch) as current:
        yield current


class Containers:
    """Each Lambda container has its own Powertools parameter cache (DEFAULT_PROVIDERS is per process):
    swap the SSM provider to run a handler 'in' another container."""

    def __init__(self) -> None:
        self.providers: dict[str, object] = {}

    def enter(self, name: str) -> None:
        DEFAULT_PROVIDERS.pop("ssm", None)
        if name in self.providers:
            DEFAULT_PROVIDERS["ssm"] = self.providers[name]

    def leave(self, name: str) -> None:
        if "ssm" in DEFAULT_PROVIDERS:
            self.providers[name] = DEFAULT_PROVIDERS["ssm"]


def rotate_key() -> None:
    """README "Deploy": the operator puts "<new key> <old key>" in the key parameter."""
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=subs.KEY_PARAMETER, Value=f"{NEW_KEY} {subs.TOKEN_KEY}", Type="SecureString", Overwrite=True
    )


def edition_sent_after_a_rotation(stack: subs.Stack, boxes: Containers) -> EmailMessage:
    """A confirmed reader, subscribed through a warm container (it read the old key); the key rotated;
    the day's edition sent by a batch container started after it (it reads the new key): its mail."""
    boxes.enter("warm")
    subs.subscribe_and_confirm(stack, READER)
    boxes.leave("warm")
    rotate_key()
    boxes.enter("sender")
    stack.announce(subs.DAY1)
    assert stack.drain() == []
    boxes.leave("sender")
    (edition,) = stack.editions_to(READER)
    return edition


def test_readme_key_rotation_keeps_links_sent_after_it_working_on_warm_endpoints(stack: subs.Stack) -> None:
    """Within the 5-minute key cache, a warm endpoint still holds the old key alone: it reads the
    parameter again for a link the new key signed."""
    # Given the edition sent after a rotation, its links signed with the new key
    boxes = Containers()
    https, _ = re.findall(r"<([^>]+)>", str(edition_sent_after_a_rotation(stack, boxes)["List-Unsubscribe"]))
    # When the reader's one-click unsubscribe reaches the warm endpoints
    boxes.enter("warm")
    gone = stack.http(
        "POST",
        "/unsubscribe",
        query={"token": subs.token_of(https)},
        body="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    # Then it works
    assert gone.status == 200, f"one-click unsubscribe refused: HTTP {gone.status}"
    assert stack.record(READER).status == "unsubscribed"  # type: ignore[union-attr]


def test_a_confirmation_link_made_after_a_key_rotation_confirms_on_a_warm_endpoint(stack: subs.Stack) -> None:
    """A reader's subscribe reaches a new container (the new key signs), the button of the confirmation
    mail a warm one (the old key alone, cached up to 5 minutes)."""
    boxes = Containers()
    boxes.enter("warm")
    assert stack.subscribe("someone@example.org").status == 202  # the warm container read the old key
    boxes.leave("warm")
    rotate_key()
    boxes.enter("fresh")
    assert stack.subscribe(READER).status == 202
    boxes.leave("fresh")
    link = subs.confirmation_link(stack.mails_to(READER)[-1])
    boxes.enter("warm")
    done = stack.http("POST", "/confirm", query={"token": subs.token_of(link)})
    assert done.status == 200 and stack.record(READER).status == subs.ACTIVE, (  # type: ignore[union-attr]
        f"confirmation refused: HTTP {done.status}"
    )


def test_a_mailto_unsubscribe_signed_with_the_new_key_works_on_a_warm_unsubscribe_mail_function(
    stack: subs.Stack,
) -> None:
    # Given the edition sent after a rotation, its mailto: link's subject signed with the new key
    boxes = Containers()
    _, subject = subs.mailto_of(edition_sent_after_a_rotation(stack, boxes))
    # When the reader's mail client sends the mailto: unsubscribe (no DMARC verdict: the token decides)
    # to a warm UnsubscribeMailFunction
    boxes.enter("warm")
    outcome = stack.invoke("unsubscribe_mail", subs.received_mail_event(subject, READER, dmarc="GRAY"))
    # Then the reader is unsubscribed
    assert outcome["outcomes"] == {"token": 1}, outcome
    assert stack.record(READER).status == "unsubscribed"  # type: ignore[union-attr]
