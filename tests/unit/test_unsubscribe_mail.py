"""Mail to the ``mailto:`` unsubscribe address (events.received_mails, subscription.unsubscribe_by_mail).

What SES passes a receipt rule's Lambda action is read as hostile text; a valid token in the subject
unsubscribes its subscriber, a DMARC-aligned From unsubscribes itself, and nothing else changes
anything.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ai_news_tracker.errors import TrackerError
from ai_news_tracker.events import ReceivedMail, received_mails
from ai_news_tracker.mail import unsubscribe_links
from ai_news_tracker.subscribers import (
    ACTIVE,
    UNSUBSCRIBED,
    MemorySubscriberStore,
    Subscriptions,
    subscriber_id,
)
from ai_news_tracker.subscription import (
    BY_SENDER,
    BY_TOKEN,
    NO_SENDER,
    REJECTED,
    SENDER_NOT_SUBSCRIBED,
    UNVERIFIED,
    Tokens,
    unsubscribe_by_mail,
)

REPO = Path(__file__).resolve().parents[2]
T0 = 1_790_000_000
KEY = b"unsubscribe-mail-test-key-" * 2
BOX = "unsubscribe@digest.example.org"


def sample_event() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "events" / "unsubscribe_mail.json").read_text("utf-8"))
    return loaded


def event_with(
    *,
    subject: str | None = "unsubscribe x.y",
    sender: list[Any] | None = None,
    dmarc: str = "PASS",
    spam: str = "PASS",
    virus: str = "PASS",
) -> dict[str, Any]:
    """The sample event (the shape SES sends) with these headers and verdicts."""
    event = copy.deepcopy(sample_event())
    ses = event["Records"][0]["ses"]
    headers = ses["mail"]["commonHeaders"]
    if subject is None:
        del headers["subject"]
    else:
        headers["subject"] = subject
    headers["from"] = ["Reader <reader@example.com>"] if sender is None else sender
    ses["receipt"]["dmarcVerdict"] = {"status": dmarc}
    ses["receipt"]["spamVerdict"] = {"status": spam}
    ses["receipt"]["virusVerdict"] = {"status": virus}
    return event


@pytest.fixture
def subscriptions() -> Subscriptions:
    """Two active subscribers."""
    subscriptions = Subscriptions(MemorySubscriberStore())
    for address in ("reader@example.com", "other@example.net"):
        subscriptions.subscribe(address, T0)
        assert subscriptions.confirm(subscriber_id(address), T0)
    return subscriptions


TOKENS = Tokens(lambda: [KEY])


def status(subscriptions: Subscriptions, address: str) -> str:
    record = subscriptions.store.get(subscriber_id(address))
    assert record is not None
    return record.status


def mailto_subject(address: str) -> str:
    """The subject a mail client puts in the mail, from the edition's mailto: link."""
    _, mailto = unsubscribe_links(address, None, TOKENS.unsubscribe, BOX)
    assert mailto is not None and urlsplit(mailto).path == BOX
    return unquote(parse_qs(urlsplit(mailto).query)["subject"][0])


# ---------------------------------------------------------------- reading the event


def test_the_sample_event_reads_as_one_mail() -> None:
    (mail,) = received_mails(sample_event())
    assert mail == ReceivedMail(
        message_id="o3vrnil0e2ic28trm7dfhrc2v0cnbeccEXAMPLE",
        subject="unsubscribe EXAMPLE.TOKEN",
        sender="reader@example.com",
        dmarc="PASS",
        spam="PASS",
        virus="PASS",
    )


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("=?UTF-8?B?6YCA6K6iIHVuc3Vic2NyaWJlIGEuYg==?=", "退订 unsubscribe a.b"),
        ("=?utf-8?q?unsubscribe_a.b?=", "unsubscribe a.b"),
        ("=?x-unknown-charset?q?unsubscribe_a.b?=", "=?x-unknown-charset?q?unsubscribe_a.b?="),
        ("Re: unsubscribe a.b", "Re: unsubscribe a.b"),
    ],
)
def test_subjects_are_decoded_and_a_charset_nobody_knows_is_kept_as_sent(raw: str, decoded: str) -> None:
    (mail,) = received_mails(event_with(subject=raw))
    assert mail.subject == decoded


@pytest.mark.parametrize(
    ("from_header", "sender"),
    [
        (["reader@example.com"], "reader@example.com"),
        (['"Reader, A." <Reader@Example.com>'], "Reader@Example.com"),
        (["a@example.com, b@example.com"], ""),  # two mailboxes: nobody
        (["a@example.com", "b@example.com"], ""),
        (["undisclosed-recipients:;"], ""),
        ([], ""),
        ([42], ""),
        ("reader@example.com", ""),  # not the list SES sends
    ],
)
def test_only_a_single_from_mailbox_is_a_sender(from_header: Any, sender: str) -> None:
    (mail,) = received_mails(event_with(sender=from_header))
    assert mail.sender == sender


def test_missing_headers_and_verdicts_read_as_empty() -> None:
    event = {"Records": [{"eventSource": "aws:ses", "ses": {"mail": {}, "receipt": {}}}]}
    assert received_mails(event) == [ReceivedMail("", "", "", "", "", "")]


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"Records": []},
        {"Records": "x"},
        {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "{}"}}]},
        {"Records": [{"eventSource": "aws:ses"}]},
        {"Records": [None]},
    ],
)
def test_an_event_that_is_not_an_ses_receipt_fails_loudly(event: dict[str, Any]) -> None:
    with pytest.raises(TrackerError, match="not an SES receipt event"):
        received_mails(event)


# ---------------------------------------------------------------- what a mail does


def test_the_token_the_mailto_link_puts_in_the_subject_unsubscribes_its_subscriber(
    subscriptions: Subscriptions,
) -> None:
    # Given the subject of reader's mailto: link, sent from any address without DMARC
    (mail,) = received_mails(
        event_with(subject=mailto_subject("reader@example.com"), sender=["x@elsewhere.org"], dmarc="GRAY")
    )
    # When it arrives
    outcome = unsubscribe_by_mail(subscriptions, TOKENS, mail, T0 + 60)
    # Then reader alone is unsubscribed, its address forgotten
    assert outcome == BY_TOKEN
    assert status(subscriptions, "reader@example.com") == UNSUBSCRIBED
    assert subscriptions.store.get(subscriber_id("reader@example.com")).address is None  # type: ignore[union-attr]
    assert status(subscriptions, "other@example.net") == ACTIVE
    # and the same mail again (SES retries) changes nothing more
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0 + 120) == BY_TOKEN
    assert status(subscriptions, "reader@example.com") == UNSUBSCRIBED


@pytest.mark.parametrize(
    "shape",
    ["Re: {s}", "Fwd: {s} (please)", "UNSUBSCRIBE  {token}", "junk.token unsubscribe {token}"],
)
def test_the_token_is_found_wherever_a_client_puts_the_subject(
    subscriptions: Subscriptions, shape: str
) -> None:
    subject = mailto_subject("reader@example.com")
    token = subject.split(" ", 1)[1]
    (mail,) = received_mails(event_with(subject=shape.format(s=subject, token=token), dmarc="FAIL"))
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == BY_TOKEN
    assert status(subscriptions, "reader@example.com") == UNSUBSCRIBED


def test_a_forged_or_foreign_token_changes_nothing_without_an_aligned_sender(
    subscriptions: Subscriptions,
) -> None:
    forged = Tokens(lambda: [b"another-key-entirely-" * 2])
    _, mailto = unsubscribe_links("reader@example.com", None, forged.unsubscribe, BOX)
    confirm = TOKENS.confirm("reader@example.com", T0 + 3600)  # right key, wrong purpose
    for subject in (unquote(parse_qs(urlsplit(mailto or "").query)["subject"][0]), f"unsubscribe {confirm}"):
        (mail,) = received_mails(event_with(subject=subject, dmarc="FAIL"))
        assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == UNVERIFIED
    assert status(subscriptions, "reader@example.com") == ACTIVE


def test_without_a_token_a_dmarc_aligned_sender_unsubscribes_itself(subscriptions: Subscriptions) -> None:
    # a client that dropped the link's subject
    (mail,) = received_mails(event_with(subject="", sender=["Reader <READER@example.com>"]))
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == BY_SENDER
    assert status(subscriptions, "reader@example.com") == UNSUBSCRIBED
    assert status(subscriptions, "other@example.net") == ACTIVE


@pytest.mark.parametrize(
    ("verdicts", "outcome"),
    [
        ({"dmarc": "FAIL"}, UNVERIFIED),
        ({"dmarc": "GRAY"}, UNVERIFIED),  # no DMARC policy: the From proves nothing
        ({"dmarc": "PROCESSING_FAILED"}, UNVERIFIED),
        ({"dmarc": ""}, UNVERIFIED),
        ({"spam": "FAIL"}, REJECTED),
        ({"virus": "FAIL"}, REJECTED),
    ],
)
def test_a_sender_that_may_be_forged_changes_nothing(
    subscriptions: Subscriptions, verdicts: dict[str, str], outcome: str
) -> None:
    (mail,) = received_mails(event_with(subject="please stop", **verdicts))
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == outcome
    assert status(subscriptions, "reader@example.com") == ACTIVE


@pytest.mark.parametrize(
    "sender", [["a@example.com, reader@example.com"], ["reader@localhost"], ['"x\r\nBcc: y" <bad address>']]
)
def test_a_sender_that_is_no_single_valid_address_changes_nothing(
    subscriptions: Subscriptions, sender: list[str]
) -> None:
    (mail,) = received_mails(event_with(subject="", sender=sender))
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == NO_SENDER
    assert status(subscriptions, "reader@example.com") == ACTIVE


def test_a_sender_who_never_subscribed_leaves_no_record_and_is_not_counted_as_unsubscribed(
    subscriptions: Subscriptions,
) -> None:
    (mail,) = received_mails(event_with(subject="", sender=["stranger@example.org"]))
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == SENDER_NOT_SUBSCRIBED
    assert subscriptions.store.get(subscriber_id("stranger@example.org")) is None


def confirmed(subscriptions: Subscriptions, address: str) -> None:
    """``address`` subscribed and confirmed at T0."""
    subscriptions.subscribe(address, T0)
    assert subscriptions.confirm(subscriber_id(address), T0)


def test_a_tagged_subscriber_mailing_from_the_untagged_address_is_told_apart_from_an_unsubscribe(
    subscriptions: Subscriptions,
) -> None:
    # Given a reader subscribed as me+news@example.org, who can only send from me@example.org
    confirmed(subscriptions, "me+news@example.org")
    # When a mail without its token comes from the untagged address
    (mail,) = received_mails(event_with(subject="unsubscribe", sender=["me@example.org"]))
    # Then it is not reported as an unsubscribe (the subscription is still active: the link works)
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == SENDER_NOT_SUBSCRIBED
    assert subscriptions.get(subscriber_id("me+news@example.org")).status == "active"  # type: ignore[union-attr]


def test_a_subject_stuffed_with_candidates_is_checked_a_few_times_only(subscriptions: Subscriptions) -> None:
    checked: list[str] = []

    class Counting(Tokens):
        def check(self, token: object, purpose: str, now: int) -> str:
            checked.append(str(token))
            return super().check(token, purpose, now)

    valid = mailto_subject("reader@example.com")
    (mail,) = received_mails(event_with(subject="unsubscribe a.b " * 10_000 + valid, dmarc="FAIL"))
    assert unsubscribe_by_mail(subscriptions, Counting(lambda: [KEY]), mail, T0) == UNVERIFIED
    assert len(checked) == 5
    assert status(subscriptions, "reader@example.com") == ACTIVE


def test_a_second_mail_from_a_sender_already_unsubscribed_is_not_counted_again(
    subscriptions: Subscriptions,
) -> None:
    confirmed(subscriptions, "me@example.org")
    (mail,) = received_mails(event_with(subject="", sender=["me@example.org"]))
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0) == BY_SENDER
    assert unsubscribe_by_mail(subscriptions, TOKENS, mail, T0 + 60) == SENDER_NOT_SUBSCRIBED
