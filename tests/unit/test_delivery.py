"""The pure parts of the email delivery: batch messages, SES feedback, pacing, the confirmation mail,
the subscription pages and settings (ai_news_tracker.delivery, .subscription, .mail)."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from racing import ListsBeforeAnotherRun

from ai_news_tracker.config import Config, EmailConfig
from ai_news_tracker.delivery import Batch, BatchError, parse_batch, send_batch
from ai_news_tracker.errors import ConfigError, StorageError, TrackerError
from ai_news_tracker.events import sns_messages
from ai_news_tracker.mail import (
    MailError,
    Pacer,
    SendError,
    SendReport,
    bodies,
    build_confirmation,
    message_bytes,
    send_edition,
)
from ai_news_tracker.models import Edition
from ai_news_tracker.store import LocalStore
from ai_news_tracker.subscribers import (
    ACTIVE,
    CONFIRMATIONS_PER_HOUR,
    MAILBOX_MAILS_PER_DAY,
    QUOTA_PREFIX,
    MemorySubscriberStore,
    Subscriber,
    Subscriptions,
    apply_feedback,
    mailbox_key,
    subscriber_id,
    suppressions,
)
from ai_news_tracker.subscription import (
    CHECK_MAIL,
    CONFIRMED_NOW,
    INVALID,
    UNSUBSCRIBED_NOW,
    MailSettings,
    Page,
    SubscriptionService,
    TokenKeys,
    Tokens,
    unsubscribe_page,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ID = subscriber_id("reader@example.org")
CONFIG = Config(email=EmailConfig(enabled=True, sender="国产大模型日报 <digest@example.com>"))
T0 = 1_790_000_000


# -- batches ---------------------------------------------------------------------------------------
def test_a_batch_message_is_parsed() -> None:
    body = json.dumps({"v": 1, "date": "2026-11-20", "url": "https://x.example/r.html", "ids": [ID]})
    batch = parse_batch(body)
    assert batch.date.isoformat() == "2026-11-20" and batch.ids == (ID,)
    assert batch.url == "https://x.example/r.html"
    assert parse_batch({"v": 1, "date": "2026-11-20", "url": "javascript:alert(1)", "ids": [ID]}).url is None


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[" * 2000 + "]" * 2000,  # nested past json's recursion limit
        "[]",
        json.dumps({"date": "2026-11-20", "ids": [ID]}),
        json.dumps({"v": 1, "date": "yesterday", "ids": [ID]}),
        json.dumps({"v": 1, "date": "2026-11-20", "ids": []}),
        json.dumps({"v": 1, "date": "2026-11-20", "ids": [ID] * 101}),
        json.dumps({"v": 1, "date": "2026-11-20", "ids": ["reader@example.org"]}),
        json.dumps({"v": 1, "date": "2026-11-20", "ids": ID}),
    ],
)
def test_a_message_that_is_not_our_batch_is_refused(body: str) -> None:
    with pytest.raises(BatchError):
        parse_batch(body)


# -- SES feedback ----------------------------------------------------------------------------------
def bounce(kind: str, *addresses: str) -> dict[str, object]:
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": kind,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": a, "action": "failed", "status": "5.1.1"} for a in addresses
            ],
        },
        "mail": {"destination": list(addresses)},
    }


def test_permanent_bounces_and_complaints_suppress_others_do_not() -> None:
    assert suppressions(bounce("Permanent", "A@Example.org", "Name <b@example.org>")) == [
        ("a@example.org", "bounce:Permanent/General"),
        ("b@example.org", "bounce:Permanent/General"),
    ]
    assert suppressions(bounce("Transient", "a@example.org")) == []
    assert suppressions(bounce("Undetermined", "a@example.org")) == []
    complaint = {
        "notificationType": "Complaint",  # the identity feedback format says notificationType
        "complaint": {
            "complainedRecipients": [{"emailAddress": "c@example.org"}],
            "complaintFeedbackType": "abuse",
        },
    }
    assert suppressions(complaint) == [("c@example.org", "complaint:abuse")]
    assert suppressions({"eventType": "Delivery", "delivery": {"recipients": ["a@example.org"]}}) == []
    assert suppressions({"eventType": "Bounce"}) == []
    assert suppressions(bounce("Permanent", "not an address")) == []


def complaint(feedback_type: str | None, address: str = "reader@gmail.com") -> dict[str, object]:
    part: dict[str, object] = {"complainedRecipients": [{"emailAddress": address}]}
    if feedback_type is not None:
        part["complaintFeedbackType"] = feedback_type
    return {"eventType": "Complaint", "complaint": part, "mail": {"destination": [address]}}


@pytest.mark.parametrize("feedback_type", ["abuse", "fraud", "virus", "other", "", None])
def test_a_complaint_suppresses_whatever_its_feedback_type_says_of_it(feedback_type: str | None) -> None:
    assert suppressions(complaint(feedback_type)) == [
        ("reader@gmail.com", f"complaint:{feedback_type or 'unspecified'}")
    ]


@pytest.mark.parametrize(
    "feedback_type",
    [
        "not-spam",  # RFC 5965: the reader took the edition out of their spam folder
        "auth-failure",  # RFC 6591: a receiver's report that the mail failed authentication (DMARC)
        "Not-Spam",
    ],
)
def test_feedback_that_is_no_complaint_of_the_reader_suppresses_nothing(feedback_type: str) -> None:
    # Given a confirmed reader
    subscriptions = Subscriptions(MemorySubscriberStore())
    sid = subscriber_id("reader@gmail.com")
    subscriptions.subscribe("reader@gmail.com", T0)
    assert subscriptions.confirm(sid, T0)
    # When SES passes on a feedback report that says the mail is not spam, or failed authentication
    report = complaint(feedback_type)
    # Then nobody is suppressed: the reader still gets the editions
    assert suppressions(report) == []
    assert apply_feedback(subscriptions, report, T0 + 200) == []
    assert subscriptions.get(sid).status == ACTIVE  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("event", "what"),
    [
        ({"eventType": "Bounce", "bounce": "x"}, "'bounce' is not an object"),
        ({"eventType": "Complaint", "complaint": ["x"]}, "'complaint' is not an object"),
        (
            {
                "eventType": "Bounce",
                "bounce": {"bounceType": "Permanent", "bouncedRecipients": ["a@example.org"]},
            },
            "'bouncedRecipients' is not a list of recipient objects",
        ),
        (
            {
                "eventType": "Complaint",
                "complaint": {"complainedRecipients": {"emailAddress": "a@example.org"}},
            },
            "'complainedRecipients' is not a list of recipient objects",
        ),
    ],
)
def test_an_ses_event_of_another_shape_fails_by_name(event: dict[str, Any], what: str) -> None:
    # An event the function was not meant for fails loudly, naming what is wrong, never "0 suppressed"
    with pytest.raises(TrackerError, match=re.escape(what)):
        suppressions(event)


@pytest.mark.parametrize(
    "event",
    [
        {"Records": None},
        {"Records": "x"},
        {"Records": ["x"]},
        {"Records": [{"Sns": "x"}]},
        {"Records": [{"Sns": {"Message": 7}}]},
        {"Records": [{"Sns": {"Message": "[1]"}}]},
    ],
    ids=["null", "string", "record-string", "sns-string", "message-number", "message-list"],
)
def test_an_sns_event_of_another_shape_fails_by_name(event: dict[str, Any]) -> None:
    with pytest.raises(TrackerError, match="an SES event"):
        sns_messages(event, "an SES event")


# -- pacing ----------------------------------------------------------------------------------------
def test_the_pacer_keeps_to_its_rate() -> None:
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    pacer = Pacer(4.0, clock=lambda: clock[0], sleep=sleep)
    send = pacer.paced(lambda message: "id")
    for _ in range(5):
        send(EmailMessage())
    assert slept == [0.25, 0.25, 0.25, 0.25] and clock[0] == 101.0
    clock[0] += 10  # idle: no waiting
    send(EmailMessage())
    assert len(slept) == 4
    with pytest.raises(ValueError):
        Pacer(0)


# -- the confirmation mail -------------------------------------------------------------------------
class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_confirmation_mail_is_chinese_text_and_html_with_an_expiring_link() -> None:
    url = "https://abc123.execute-api.ap-northeast-1.amazonaws.com/confirm?token=abc.def"
    message = build_confirmation(
        CONFIG,
        recipient="reader@example.org",
        confirm_url=url,
        expires_at=datetime(2026, 11, 22, 0, 0, tzinfo=UTC),
        templates_dir=TEMPLATES,
    )
    parsed = email.message_from_bytes(message_bytes(message), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "请确认订阅《国产大模型日报》"
    assert "=?utf-8?" in message_bytes(message).decode("ascii").split("Subject: ")[1].split("\r\n")[0]
    assert [a.addr_spec for a in parsed["To"].addresses] == ["reader@example.org"]
    assert parsed["List-Unsubscribe"] is None and parsed["Auto-Submitted"] == "auto-generated"
    text, html = bodies(parsed)
    assert url in text and "2026-11-22 08:00（北京时间）" in text and "请忽略本邮件" in text
    assert "2026-11-22 08:00（北京时间）" in html and "Asia/Shanghai" not in text + html
    tags = Tags()
    tags.feed(html)
    assert [a["href"] for t, a in tags.tags if t == "a"] == [url]
    assert not {t for t, _ in tags.tags} & {"script", "img", "style", "link", "iframe", "form"}


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.org/confirm?token=x",
        "javascript:alert(1)",
        'https://api.example.org/confirm?token="><script>',
    ],
)
def test_the_confirmation_mail_refuses_a_link_that_is_not_plain_https(url: str) -> None:
    with pytest.raises(MailError):
        build_confirmation(
            CONFIG,
            recipient="reader@example.org",
            confirm_url=url,
            expires_at=datetime(2026, 11, 22, tzinfo=UTC),
            templates_dir=TEMPLATES,
        )


# -- pages and settings ----------------------------------------------------------------------------
def test_pages_are_escaped_and_their_buttons_post_back_with_the_token() -> None:
    hostile = '"><script>alert(1)</script>'
    html = Page(200, "标题", (hostile,)).render("<b>日报</b>", TEMPLATES)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;日报" in html
    page = unsubscribe_page("abc.def").render("日报", TEMPLATES)
    tags = Tags()
    tags.feed(page)
    (form,) = [a for t, a in tags.tags if t == "form"]
    assert form == {"method": "post", "action": "?token=abc.def", "style": form["style"]}
    assert ("input", {"type": "hidden", "name": "List-Unsubscribe", "value": "One-Click"}) in tags.tags
    assert "@" not in CHECK_MAIL.render("日报", TEMPLATES)  # no page names an address


def test_mail_settings_from_the_environment() -> None:
    settings = MailSettings.from_env(
        {
            "SUBSCRIBERS_TABLE": "subs",
            "SUBSCRIPTION_API_URL": "https://api.example.org/",
            "MAX_SEND_RATE": "14",
            "SEND_CONCURRENCY": "2",
            "ALLOWED_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert settings.subscription_api_url == "https://api.example.org"
    assert settings.send_rate == 7.0
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert MailSettings.from_env({}).allowed_origins == ("*",)
    with pytest.raises(ConfigError, match="SEND_QUEUE_URL"):
        settings.need("send_queue_url")
    with pytest.raises(ConfigError, match="MAX_SEND_RATE"):
        MailSettings.from_env({"MAX_SEND_RATE": "fast"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_SEND_RATE", "nan"),
        ("MAX_SEND_RATE", "inf"),
        ("MAX_SEND_RATE", "0.01"),
        ("SEND_CONCURRENCY", "nan"),
    ],
)
def test_a_send_rate_or_concurrency_that_is_no_finite_number_in_range_is_refused(
    name: str, value: str
) -> None:
    # nan passed the range check (it compares false with any number): the sender paced by nan
    with pytest.raises(ConfigError, match=rf"{name}.*finite number, at least"):
        MailSettings.from_env({name: value})


def test_the_lowest_send_rate_and_concurrency_are_taken() -> None:
    # Given the smallest rate and concurrency the settings allow (one sender, SES's sandbox pace or less)
    settings = MailSettings.from_env({"MAX_SEND_RATE": "0.1", "SEND_CONCURRENCY": "1"})
    # Then they are read as given, not refused
    assert (settings.max_send_rate, settings.send_concurrency, settings.send_rate) == (0.1, 1, 0.1)


def test_token_keys_come_from_the_parameter_and_are_checked() -> None:
    assert TokenKeys("/k", lambda name: "x" * 40)() == [b"x" * 40]
    with pytest.raises(ConfigError, match="at least 32"):
        TokenKeys("/k", lambda name: "short")()

    def missing(name: str) -> str:
        raise RuntimeError("ParameterNotFound")

    with pytest.raises(ConfigError, match="cannot read SSM parameter '/k'"):
        TokenKeys("/k", missing)()


# -- the subscribe use case ------------------------------------------------------------------------
def service(
    send: Any, keys: Any = lambda: [b"k" * 32], store: MemorySubscriberStore | None = None
) -> tuple[SubscriptionService, Subscriptions]:
    subscriptions = Subscriptions(store or MemorySubscriberStore())
    return SubscriptionService(subscriptions, Tokens(keys), CONFIG, send, TEMPLATES), subscriptions


def test_a_refused_confirmation_mail_gives_the_hour_back() -> None:
    sent: list[EmailMessage] = []

    def refuse(message: EmailMessage) -> str:
        raise SendError("SES refused the message: MessageRejected")

    failing, subscriptions = service(refuse)
    assert failing.subscribe("reader@example.org", 1000, "https://api.example.org") == "mail_failed"
    working = SubscriptionService(
        subscriptions, Tokens(lambda: [b"k" * 32]), CONFIG, lambda m: sent.append(m) or "id", TEMPLATES
    )
    assert working.subscribe("reader@example.org", 1001, "https://api.example.org") in ("new", "resent")
    assert len(sent) == 1
    assert working.subscribe("reader@example.org", 1002, "https://api.example.org") == "throttled"


def test_an_old_confirmation_link_cannot_confirm_a_later_request() -> None:
    # Given a reader who subscribed (link T), confirmed and unsubscribed
    sent: list[EmailMessage] = []
    subscribe, _ = service(lambda m: sent.append(m) or "id")
    api = "https://api.example.org"

    def link_token(message: EmailMessage) -> str:
        text, _ = bodies(message)
        (token,) = re.findall(r"/confirm\?token=(\S+)", text)
        return unquote(token)

    assert subscribe.subscribe("reader@example.org", T0, api) == "new"
    old = link_token(sent[-1])
    assert subscribe.confirm(old, T0 + 60) == CONFIRMED_NOW
    assert (
        subscribe.unsubscribe(subscribe.tokens.unsubscribe("reader@example.org"), T0 + 120)
        == UNSUBSCRIBED_NOW
    )
    # When someone else asks for the address again, and the old link (still within its 48 h) is replayed
    assert subscribe.subscribe("reader@example.org", T0 + 3600, api) == "new"
    # Then it confirms nothing: only the new mail's link does
    assert subscribe.confirm(old, T0 + 3700) == INVALID
    record = subscribe.subscriptions.store.get(subscriber_id("reader@example.org"))
    assert record is not None and record.status == "pending"
    assert subscribe.confirm(link_token(sent[-1]), T0 + 3800) == CONFIRMED_NOW


def test_a_confirmation_mail_ses_refuses_by_name_is_logged_without_the_address(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from ai_news_tracker.log import SERVICE

    caplog.set_level(logging.INFO, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)

    def refuse(message: EmailMessage) -> str:  # the SES sandbox, for an unverified recipient
        raise SendError(
            "SES refused the message: MessageRejected: Email address is not verified. The following "
            "identities failed the check in region US-EAST-1: reader@example.org"
        )

    # Given SES refusing a confirmation mail by naming its recipient
    failing, _ = service(refuse)
    assert failing.subscribe("reader@example.org", 1000, "https://api.example.org") == "mail_failed"
    # Then the log names them by the hash logs use, never by their address
    (record,) = [r for r in caplog.records if r.getMessage() == "confirmation mail not sent"]
    assert vars(record)["reason"].endswith(f"US-EAST-1: {ID[:16]}")
    assert "reader@" not in str(vars(record))


def test_a_missing_token_key_fails_the_request_and_keeps_no_slot() -> None:
    def no_key() -> list[bytes]:
        raise ConfigError("TOKEN_KEY_PARAMETER", "cannot read SSM parameter '/k'")

    broken, subscriptions = service(lambda m: "id", no_key)
    # Given a suppressed address, and a new one
    subscriptions.suppress("gone@example.org", "bounce:Permanent/General", 900)
    # Then while the key cannot be read, a request for either fails alike (the caller answers 503),
    # before it is recorded: the answer tells nothing about the address's state
    for address in ("reader@example.org", "gone@example.org"):
        with pytest.raises(ConfigError):
            broken.subscribe(address, 1000, "https://api.example.org")
    assert subscriptions.store.get(subscriber_id("reader@example.org")) is None
    gone = subscriptions.store.get(subscriber_id("gone@example.org"))
    assert gone is not None and gone.requests == 0


def test_a_confirmation_mail_ses_may_have_taken_counts_as_sent() -> None:
    sent: list[EmailMessage] = []

    def no_answer(message: EmailMessage) -> str:  # SES took it, its answer never came
        sent.append(message)
        raise SendError("SES did not confirm the message: Read timeout", ambiguous=True)

    # Given a confirmation mail whose SES call got no answer
    unsure, subscriptions = service(no_answer)
    assert unsure.subscribe("reader@example.org", 1000, "https://api.example.org") == "mail_unconfirmed"
    # Then the address waits the hour, as after any mail, and the mail counts among its three
    assert unsure.subscribe("reader@example.org", 1060, "https://api.example.org") == "throttled"
    record = subscriptions.store.get(subscriber_id("reader@example.org"))
    assert record is not None and record.last_mail_at == 1000 and record.mails == 1
    assert len(sent) == 1


def test_a_refused_confirmation_mail_spends_no_budget() -> None:
    # Given SES refusing every mail (a sender identity not verified yet) while readers sign up
    def refuse(message: EmailMessage) -> str:
        raise SendError("SES refused the message: MessageRejected")

    failing, subscriptions = service(refuse)
    for n in range(CONFIRMATIONS_PER_HOUR):
        assert failing.subscribe(f"r{n}@example.org", 3600 + n, "https://api.example.org") == "mail_failed"
    for _ in range(MAILBOX_MAILS_PER_DAY):
        assert failing.subscribe("same@example.org", 3600, "https://api.example.org") == "mail_failed"
    # When it is fixed, within the same hour
    sent: list[EmailMessage] = []
    working = SubscriptionService(
        subscriptions, Tokens(lambda: [b"k" * 32]), CONFIG, lambda m: sent.append(m) or "id", TEMPLATES
    )
    # Then the readers who ask again get their mails: the refused ones took none of the budgets
    assert working.subscribe("r0@example.org", 3700, "https://api.example.org") == "resent"
    assert working.subscribe("same@example.org", 3700, "https://api.example.org") == "resent"
    assert len(sent) == 2


def empty_edition() -> Edition:
    return Edition(
        date=datetime(2026, 11, 20, tzinfo=UTC).date(),
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=datetime(2026, 11, 20, tzinfo=UTC),
        window_start=None,
        window_end=datetime(2026, 11, 20, tzinfo=UTC),
        key_points=(),
        items=(),
        sources=(),
        leaderboard=None,
    )


def test_a_per_recipient_sent_log_reading_sends_each_once(tmp_path: Path) -> None:
    edition = empty_edition()
    sent: list[str] = []
    log = LocalStore(tmp_path)

    def send(recipients: list[str]) -> Any:
        return send_edition(
            edition,
            CONFIG,
            recipients,
            sender=lambda m: sent.append(str(m["To"])) or f"id{len(sent)}",
            outbox=None,
            sent_log=log,
            web_url=None,
            unsubscribe_base=None,
            templates_dir=TEMPLATES,
            per_recipient_log=True,
        )

    assert len(send(["a@example.org", "b@example.org"]).sent) == 2
    again = send(["b@example.org", "A@example.org", "c@example.org"])  # another batch, overlapping
    assert list(again.sent) == ["c@example.org"] and again.skipped == ["b@example.org", "A@example.org"]
    assert sent == ["a@example.org", "b@example.org", "c@example.org"]


def test_a_batch_received_twice_at_once_mails_each_subscriber_once(tmp_path: Path) -> None:
    # Given an active subscriber, and their batch received by two send functions at once (SQS delivers
    # at least once, and two run side by side): B reads the sent log, then A sends before B goes on
    subscriptions = Subscriptions(MemorySubscriberStore())
    subscriptions.subscribe("reader@example.org", T0)
    assert subscriptions.confirm(ID, T0)
    batch = Batch(date=empty_edition().date, url=None, ids=(ID,))
    sent: list[str] = []

    def receive(log: LocalStore) -> SendReport:
        return send_batch(
            batch,
            empty_edition(),
            CONFIG,
            subscriptions,
            send=lambda m: sent.append(str(m["To"])) or f"id{len(sent)}",
            sent_log=log,
            tokens=Tokens(lambda: [b"k" * 32]),
            unsubscribe_base="https://api.example.org",
            unsubscribe_mailto=None,
            templates_dir=TEMPLATES,
        )

    first: list[SendReport] = []
    # When both send the batch
    second = receive(ListsBeforeAnotherRun(tmp_path, lambda: first.append(receive(LocalStore(tmp_path)))))
    # Then the subscriber gets one mail, and B reports them pending without failing the batch
    assert sent == ["reader@example.org"] and list(first[0].sent) == ["reader@example.org"]
    assert second.sent == {} and second.pending == {"reader@example.org": "claimed by a concurrent run"}


def test_one_mailbox_gets_three_confirmation_mails_a_day_however_its_address_is_spelled() -> None:
    # Given someone posting a victim's Gmail address under a hundred spellings (+tags, dots, case)
    sent: list[EmailMessage] = []
    subscribe, _ = service(lambda m: sent.append(m) or "id")
    spellings = [f"victim+{n}@gmail.com" for n in range(50)] + [
        f"V.i.c.t.i.m+{n}@GoogleMail.com" for n in range(50)
    ]
    outcomes = [
        subscribe.subscribe(address, T0 + n, "https://api.example.org") for n, address in enumerate(spellings)
    ]
    # Then the mailbox gets three mails, and the rest are answered alike but mail nothing
    assert len(sent) == 3 and outcomes.count("over_mailbox_budget") == 97
    # And an address refused today keeps its slot: the next day it can be mailed
    assert subscribe.subscribe("victim+49@gmail.com", T0 + 86400, "https://api.example.org") == "resent"
    assert len(sent) == 4
    # And another mailbox was never affected
    assert subscribe.subscribe("someone.else@gmail.com", T0 + 200, "https://api.example.org") == "new"


def test_the_stack_mails_at_most_its_hourly_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import ai_news_tracker.subscribers as subscribers_module

    monkeypatch.setattr(subscribers_module, "CONFIRMATIONS_PER_HOUR", 5)
    sent: list[EmailMessage] = []
    subscribe, _ = service(lambda m: sent.append(m) or "id")
    hour = (T0 // 3600 + 1) * 3600  # the start of an hour
    # Given a flood of sign-ups for different people within one hour
    outcomes = [
        subscribe.subscribe(f"reader{n}@example.org", hour + n, "https://api.example.org") for n in range(8)
    ]
    # Then five mails go out that hour, and the rest wait for the next one
    assert len(sent) == 5 and outcomes[5:] == ["over_hour_budget"] * 3
    # And one refused asks again an hour later (as the page says) and gets its mail
    assert subscribe.subscribe("reader7@example.org", hour + 7 + 3600, "https://api.example.org") == "resent"
    assert len(sent) == 6


@pytest.mark.parametrize(
    "spellings",
    [
        [f"me+{n}@attacker.example" for n in range(300)],
        ["me@attacker.example", "me+a@attacker.example", "me+b@attacker.example"]
        + ["me+c@attacker.example"] * 297,
    ],
    ids=["300 spellings", "one spelling 297 times"],
)
def test_one_mailbox_posted_all_hour_leaves_the_stacks_budget_to_other_readers(spellings: list[str]) -> None:
    sent: list[EmailMessage] = []
    subscribe, _ = service(lambda m: sent.append(m) or "id")
    hour = (T0 // 3600 + 1) * 3600
    # Given someone posting their own mailbox 300 times in 150 s (the route's 2 requests a second)
    outcomes = [
        subscribe.subscribe(address, hour + n // 2, "https://api.example.org")
        for n, address in enumerate(spellings)
    ]
    # Then the mailbox gets its three mails a day and nothing more
    assert len(sent) == 3 and "over_hour_budget" not in outcomes and "over_day_budget" not in outcomes
    # And a genuine reader later that hour, and the next, still gets a confirmation mail
    assert subscribe.subscribe("reader@example.org", hour + 600, "https://api.example.org") == "new"
    assert subscribe.subscribe("reader2@example.org", hour + 3500, "https://api.example.org") == "new"
    assert [str(m["To"]) for m in sent[3:]] == ["reader@example.org", "reader2@example.org"]


def test_an_address_refused_for_the_stacks_budget_waits_an_hour_and_keeps_its_three_mails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ai_news_tracker.subscribers as subscribers_module

    sent: list[EmailMessage] = []
    subscribe, _ = service(lambda m: sent.append(m) or "id")
    # Given a stack whose budget is spent (by a flood of sign-ups) for three hours
    monkeypatch.setattr(subscribers_module, "CONFIRMATIONS_PER_HOUR", 0)
    asked = [T0, T0 + 60, T0 + 3600, T0 + 7200]
    outcomes = [subscribe.subscribe("reader@example.org", t, "https://api.example.org") for t in asked]
    # Then a reader asking is refused, and asking again within the hour changes nothing
    assert outcomes == ["over_hour_budget", "throttled", "over_hour_budget", "over_hour_budget"]
    # And once the budget is back, the refusals have cost the reader none of their three mails
    monkeypatch.undo()
    later = [T0 + 3 * 3600, T0 + 4 * 3600, T0 + 5 * 3600, T0 + 6 * 3600]
    outcomes = [subscribe.subscribe("reader@example.org", t, "https://api.example.org") for t in later]
    assert outcomes == ["resent", "resent", "resent", "capped"] and len(sent) == 3


def test_a_mailbox_keeps_its_daily_mails_while_the_stack_is_over_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ai_news_tracker.subscribers as subscribers_module

    monkeypatch.setattr(subscribers_module, "CONFIRMATIONS_PER_HOUR", 1)
    sent: list[EmailMessage] = []
    subscribe, _ = service(lambda m: sent.append(m) or "id")
    hour = (T0 // 3600 + 1) * 3600
    # Given an hour whose one mail went to someone else
    assert subscribe.subscribe("first@example.org", hour, "https://api.example.org") == "new"
    # When a reader's mailbox is posted under three spellings that hour
    for n in range(3):
        assert subscribe.subscribe(f"reader+{n}@example.org", hour + 1 + n, "https://api.example.org") == (
            "over_hour_budget"
        )
    # Then the next hour the reader still gets a mail: the refusals took nothing from the mailbox
    assert subscribe.subscribe("reader@example.org", hour + 3600, "https://api.example.org") == "new"
    assert [str(m["To"]) for m in sent] == ["first@example.org", "reader@example.org"]


class HourlyCountFails(MemorySubscriberStore):
    """The store, failing to count the stack's hourly budget while ``failing`` (a throttled hot key)."""

    failing = True

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        if self.failing and key.startswith(f"{QUOTA_PREFIX}hour#"):
            raise StorageError("cannot count in the subscribers table: ProvisionedThroughputExceeded")
        return super().take(key, limit, expires_at)


def test_a_confirmation_mail_whose_budget_cannot_be_counted_is_not_sent_and_takes_nothing() -> None:
    sent: list[EmailMessage] = []
    store = HourlyCountFails()
    subscribe, _ = service(lambda m: sent.append(m) or "id", store=store)
    # Given the stack's hourly budget failing to be counted, after the mailbox's was
    assert subscribe.subscribe("reader@example.org", T0, "https://api.example.org") == "budget_not_counted"
    # Then no mail went out, and nothing stays taken: the mailbox's count, the address's hour and mail
    counts = {key.split("#")[1]: item["count"] for key, item in store.items.items() if QUOTA_PREFIX in key}
    assert sent == [] and counts == {"mailbox": 0}
    record = store.get(ID)
    assert record is not None and (record.mails, record.last_mail_at) == (0, None)
    # And the reader asking again once it counts gets the mail at once
    store.failing = False
    assert subscribe.subscribe("reader@example.org", T0 + 60, "https://api.example.org") == "resent"
    assert len(sent) == 1


class WritesFailOnceRefused(MemorySubscriberStore):
    """The store, whose record writes fail once a budget refused a mail (the table throttled then)."""

    refused = False

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        self.refused = True
        return False

    def put(self, record: Subscriber) -> Subscriber | None:
        if self.refused:
            raise StorageError("cannot write the subscribers: ProvisionedThroughputExceeded")
        return super().put(record)


def test_a_request_over_budget_is_answered_alike_when_its_mail_cannot_be_uncounted() -> None:
    store = WritesFailOnceRefused()
    subscribe, _ = service(lambda m: "id", store=store)
    # Given a mail a budget refuses, and the record's write after it failing
    outcome = subscribe.subscribe("reader@example.org", T0, "https://api.example.org")
    # Then the request is answered as any over budget (no 503 telling that a mail was due), the failed
    # write told apart (the handler counts it for SubscriberStoreFailedAlarm) ...
    assert outcome == "over_mailbox_budget_unrecorded"
    # ... and the mail stays counted among the address's three: fewer mails, never more
    record = store.get(ID)
    assert record is not None and (record.mails, record.last_mail_at) == (1, T0)


def test_random_addresses_posted_all_day_get_at_most_the_stacks_daily_budget() -> None:
    from ai_news_tracker.subscribers import CONFIRMATIONS_PER_DAY

    sent: list[EmailMessage] = []
    subscribe, _ = service(lambda m: sent.append(m) or "id")
    day = (T0 // 86400 + 1) * 86400
    # Given random, non-existent addresses posted all day, 40 an hour
    for hour in range(24):
        for n in range(40):
            subscribe.subscribe(
                f"x{hour}-{n}@gmail.com", day + hour * 3600 + n * 10, "https://api.example.org"
            )
    # Then SES is asked for no more than the day's budget of confirmation mails (which bounce)
    assert len(sent) == CONFIRMATIONS_PER_DAY < 24 * 40
    # And the next day sign-ups get their mails again
    assert subscribe.subscribe("reader@example.org", day + 86400, "https://api.example.org") == "new"


@pytest.mark.parametrize(
    ("address", "mailbox"),
    [
        ("Reader@example.org", "reader@example.org"),
        ("reader+news@example.org", "reader@example.org"),
        ("r.e.a.d.e.r+x+y@gmail.com", "reader@gmail.com"),
        ("reader@googlemail.com", "reader@gmail.com"),
        ("r.eader@example.org", "r.eader@example.org"),  # dots matter outside Gmail
    ],
)
def test_mailbox_key_folds_what_delivers_to_one_mailbox(address: str, mailbox: str) -> None:
    assert mailbox_key(address) == mailbox
