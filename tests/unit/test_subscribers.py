"""Subscribers (ai_news_tracker.subscribers): addresses, the double opt-in state machine, abuse limits.

Driven through the in-memory store, which keeps the DynamoDB backend's conditional-write contract
(the moto tests drive that backend).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ai_news_tracker.config import is_mail_address
from ai_news_tracker.delivery import batches
from ai_news_tracker.errors import ConfigError
from ai_news_tracker.identity import recipient_key
from ai_news_tracker.render import default_templates_dir
from ai_news_tracker.subscribers import (
    ACTIVE,
    CONFIRM_TTL,
    MAX_CONFIRMATION_MAILS,
    PENDING,
    RESEND_AFTER,
    SUPPRESSED,
    UNSUBSCRIBED,
    ConflictError,
    DynamoSubscriberStore,
    InvalidAddress,
    MemorySubscriberStore,
    Subscriber,
    Subscriptions,
    apply_feedback,
    normalise_address,
    subscriber_id,
    subscriptions_from_env,
)
from ai_news_tracker.subscription import invalid_address_page

T0 = 1_790_000_000


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("reader@example.org", "reader@example.org"),
        ("  Reader.Name+tag@Example.ORG ", "Reader.Name+tag@example.org"),
        ("a@sub.example.co.uk", "a@sub.example.co.uk"),
        ("x@bücher.example", "x@xn--bcher-kva.example"),
        ("o'brien@example.org", "o'brien@example.org"),
        # IDNA 2008 (UTS #46), as registries and browsers: ß and a final ς are letters of their own
        # (IDNA 2003, Python's codec, mailed me@fass.de, another domain)
        ("me@faß.de", "me@xn--fa-hia.de"),
        ("me@Faß.DE", "me@xn--fa-hia.de"),  # capitals too: UTS #46 maps them before IDNA 2008
        (
            "a" * 64 + "@" + "b" * 61 + "." + "c" * 61 + "." + "d" * 62 + ".cn",  # 254 characters: the most
            "a" * 64 + "@" + "b" * 61 + "." + "c" * 61 + "." + "d" * 62 + ".cn",
        ),
        ("me@ςπ.gr", "me@xn--1xad.gr"),
        # a Chinese input method's full-width ＠ and 。 are the address's @ and dot
        ("name＠qq。com", "name@qq.com"),
        ("name@ＱＱ．ＣＯＭ", "name@qq.com"),
        # an ASCII name is taken as it is (IDNA 2008 would refuse its "--"), an emoji one as registered
        # under IDNA 2003, which took it (IDNA 2008 has no emoji)
        ("a@ab--cd.com", "a@ab--cd.com"),
        ("a@i❤.ws", "a@xn--i-7iq.ws"),
    ],
)
def test_valid_addresses_are_normalised(given: str, expected: str) -> None:
    assert normalise_address(given) == expected
    assert is_mail_address(expected)  # one the mailer sends to: the configuration's rule for a recipient


def test_an_address_typed_in_a_chinese_input_method_s_full_width_mode_is_its_ascii_one() -> None:
    # Given a QQ address typed in full-width mode (全角), as the ＠ the server reads as "@" is typed:
    # its digits and letters full-width too, as its domain's, which the server reads as ASCII
    typed = "１２３４５６＠ｑｑ。ｃｏｍ"
    # When the subscribe endpoint reads it (the site's field, type=text since PAGES_VERSION 5, posts it)
    # Then it is the address the reader sees, not refused with a page saying the name may only hold
    # letters and digits (只能用英文字母、数字), which is what the reader typed
    assert normalise_address(typed) == "123456@qq.com"
    assert normalise_address("ｚｈａｎｇ．ｓａｎ＠qq.com") == "zhang.san@qq.com"


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "reader",
        "reader@",
        "@example.org",
        "a@b@example.org",
        "reader@example",
        "reader@localhost",
        "reader@example.org\r\nBcc: victim@example.org",
        "reader@example.org\n",
        "reader\r@example.org",
        "read er@example.org",
        "reader@exa mple.org",
        "reader@example.org\x00",
        '"quoted"@example.org',
        "Reader <reader@example.org>",
        ".reader@example.org",
        "reader.@example.org",
        "re..ader@example.org",
        "reader@-example.org",
        "reader@example-.org",
        "reader@example..org",
        "reader@example.org.",
        "reader@[127.0.0.1]",
        "reader@127.0.0.1",
        "读者@example.org",
        "a" * 65 + "@example.org",
        "a@" + "b" * 64 + ".org",
        "a@" + ".".join(["b" * 60] * 5) + ".org",
        "reader@exa_mple.org",
        "a＠b@example.org",
        # an RFC 2047 encoded word's shape, which the mailer's email package refuses in an address: its
        # confirmation mail failed, counted on ConfirmationsFailed for the operator's alarm
        "=?utf-8?q?x?=@example.org",
        "=?us-ascii?b?eA==?=@example.org",
        "a.=?utf-8?q?x?=@example.org",
        None,
        42,
        ["reader@example.org"],
    ],
)
def test_invalid_addresses_are_refused(given: object) -> None:
    with pytest.raises(InvalidAddress):
        normalise_address(given)


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("reader@example", "“@”后面的域名"),
        ("reader@exa_mple.org", "由字母、数字和“-”组成"),
        ("reader@192.168.1.1", "最后一段不能全是数字"),  # it has its dots: the page must not say otherwise
        ("reader@example.org.", "不能以“.”结尾"),
        ("r" * 65 + "@example.org", "最长 64 个字符"),
        (".reader@example.org", "“@”前面的邮箱名"),
        ("re..ader@example.org", "“@”前面的邮箱名"),
        ("读者@example.org", "“@”前面的邮箱名"),
        ("=?utf-8?q?x?=@example.org", "“@”前面的邮箱名"),
        ("reader", "“@”"),
        ("a@b@example.org", "“@”"),
        ("read er@example.org", "空格"),
        ("", "请填写"),
        ("a@" + ".".join(["b" * 60] * 5) + ".org", "太长"),
    ],
)
def test_the_refusal_of_an_address_says_what_is_wrong_with_it_and_never_shows_it(
    given: str, said: str
) -> None:
    # Given an address the subscribe form sent, refused
    with pytest.raises(InvalidAddress) as refused:
        normalise_address(given)
    # When the endpoint's page is made from the refusal
    page = invalid_address_page(refused.value)
    # Then its first paragraph says what is wrong, in the reader's words, and what to do follows
    assert page.status == 400 and page.heading == "邮箱地址无效"
    assert said in page.paragraphs[0] and page.paragraphs[-1] == "请检查后重新输入。"
    # And the page never shows the address, and leads back to the site's form
    html = page.render("日报", default_templates_dir(), "https://news.example.com/")
    assert '<a href="https://news.example.com/#subscribe"' in html
    assert not given or given not in html


def test_a_refusal_without_a_reason_to_tell_still_says_what_to_do() -> None:
    with pytest.raises(InvalidAddress) as refused:
        normalise_address(["reader@example.org"])
    assert invalid_address_page(refused.value).paragraphs == ("请检查后重新输入。",)


def test_the_subscriber_id_is_the_sent_log_s_recipient_key() -> None:
    assert subscriber_id("Reader@Example.org") == recipient_key("reader@example.org")


def subs() -> tuple[Subscriptions, MemorySubscriberStore]:
    store = MemorySubscriberStore()
    return Subscriptions(store), store


def test_an_edition_goes_to_the_readers_confirmed_by_its_cut() -> None:
    # Given a reader confirmed at T0 + 60, one at T0 + 120, and a record active with no time kept
    subscriptions, store = subs()
    early, late = (
        subscriptions.subscribe(a, T0).record.id for a in ("early@example.org", "late@example.org")
    )
    subscriptions.confirm(early, T0 + 60)
    subscriptions.confirm(late, T0 + 120)
    old = subscriber_id("old@example.org")
    store.put(Subscriber(id=old, status=ACTIVE, address="old@example.org", created_at=T0, updated_at=T0))
    ids = [early, late, old]
    # When the recipients of an edition cut at T0 + 60 are read, Then the later reader is not one
    assert set(subscriptions.recipients(ids, confirmed_by=T0 + 60)) == {early, old}
    # And one cut after both confirmations (or no cut given) goes to all three
    assert set(subscriptions.recipients(ids, confirmed_by=T0 + 120)) == {early, late, old}
    assert set(subscriptions.recipients(ids)) == {early, late, old}


def test_subscribe_confirm_unsubscribe() -> None:
    subscriptions, store = subs()

    first = subscriptions.subscribe("Reader@Example.org", T0)
    assert first.mail and first.why == "new" and first.expires == T0 + CONFIRM_TTL
    sid = first.record.id
    assert first.record.status == PENDING and first.record.address == "Reader@example.org"
    assert list(subscriptions.active_ids()) == []

    assert subscriptions.confirm(sid, T0 + 60)
    record = store.get(sid)
    assert record is not None and record.status == ACTIVE and record.expires_at is None
    assert list(subscriptions.active_ids()) == [[sid]]
    assert subscriptions.recipients([sid]) == {sid: "Reader@example.org"}
    assert subscriptions.confirm(sid, T0 + 120)  # a second click changes nothing

    subscriptions.unsubscribe(sid, T0 + 200)
    record = store.get(sid)
    assert record is not None and record.status == UNSUBSCRIBED and record.address is None
    assert list(subscriptions.active_ids()) == [] and subscriptions.recipients([sid]) == {}
    assert not subscriptions.confirm(sid, T0 + 300)  # an old confirmation link does not resubscribe
    # and the record goes (DynamoDB's TTL) once every link made before could have expired
    record = store.get(sid)
    assert record is not None and record.expires_at == T0 + 200 + CONFIRM_TTL


def test_one_confirmation_mail_an_hour_and_three_per_pending_period() -> None:
    subscriptions, store = subs()
    address = "reader@example.org"

    assert subscriptions.subscribe(address, T0).mail
    second = subscriptions.subscribe(address, T0 + RESEND_AFTER - 1)
    assert not second.mail and second.why == "throttled"
    third = subscriptions.subscribe(address, T0 + RESEND_AFTER)
    assert third.mail and third.why == "resent" and third.expires == T0 + RESEND_AFTER + CONFIRM_TTL
    assert subscriptions.subscribe(address, T0 + 2 * RESEND_AFTER).mail
    capped = subscriptions.subscribe(address, T0 + 3 * RESEND_AFTER)
    assert not capped.mail and capped.why == "capped"
    record = store.get(subscriber_id(address))
    assert record is not None and record.mails == MAX_CONFIRMATION_MAILS and record.requests == 5

    # once the pending period is over (the last link expired), a new one starts
    later = T0 + 2 * RESEND_AFTER + CONFIRM_TTL
    assert subscriptions.subscribe(address, later).why == "new"
    assert not subscriptions.confirm(subscriber_id(address), later + CONFIRM_TTL)  # expired again


def test_an_active_address_gets_a_notice_at_most_hourly_and_a_suppressed_one_nothing() -> None:
    subscriptions, store = subs()
    sid = subscriptions.subscribe("reader@example.org", T0).record.id
    subscriptions.confirm(sid, T0)
    # an active subscriber asking again gets the notice that it is subscribed (it stays active)
    again = subscriptions.subscribe("reader@example.org", T0 + 10 * RESEND_AFTER)
    assert again.mail and again.why == "active"
    record = store.get(sid)
    assert record is not None and record.status == ACTIVE and record.requests == 2
    assert record.expires_at is None and record.confirmed_at == T0
    # and within the hour nothing more
    soon = subscriptions.subscribe("reader@example.org", T0 + 10 * RESEND_AFTER + 60)
    assert not soon.mail and soon.why == "throttled"

    subscriptions.suppress("READER@example.org", "bounce:Permanent/General", T0)
    record = store.get(sid)
    assert record is not None and record.status == SUPPRESSED and record.address is None
    assert record.reason == "bounce:Permanent/General"
    assert not subscriptions.subscribe("reader@example.org", T0 + 10**6).mail
    assert not subscriptions.confirm(sid, T0)
    subscriptions.unsubscribe(sid, T0)  # stays suppressed
    record = store.get(sid)
    assert record is not None and record.status == SUPPRESSED


def test_an_unknown_address_can_be_suppressed_before_it_subscribes() -> None:
    subscriptions, store = subs()
    assert subscriptions.suppress("complainer@example.org", "complaint:abuse", T0) == "suppressed"
    sid = subscriber_id("complainer@example.org")
    assert not subscriptions.subscribe("complainer@example.org", T0).mail
    record = store.get(sid)
    assert record is not None and record.status == SUPPRESSED


def test_a_pending_address_that_bounces_stays_suppressed_after_its_link_would_have_expired() -> None:
    # Given an address whose confirmation mail bounced (a pending record, with the TTL of its link)
    subscriptions, store = subs()
    sid = subscriptions.subscribe("typo@example.org", T0).record.id
    # When SES reports the bounce
    subscriptions.suppress("typo@example.org", "bounce:Permanent/General", T0 + 60)
    # Then the suppression has no expiry, so DynamoDB's TTL never deletes it ...
    record = store.get(sid)
    assert record is not None and record.status == SUPPRESSED and record.expires_at is None
    # ... and the form mails it nothing, even long after the link's expiry
    assert not subscriptions.subscribe("typo@example.org", T0 + 2 * CONFIRM_TTL).mail


def feedback(address: str, sent_at: int) -> dict[str, object]:
    """An SES permanent bounce of a mail to ``address`` sent at ``sent_at`` (Unix seconds)."""
    sent = datetime.fromtimestamp(sent_at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": address}]},
        "mail": {"timestamp": sent, "destination": [address]},
    }


def test_an_old_bounce_delivered_again_leaves_a_subscription_begun_since_as_it_is() -> None:
    # Given a reader whose edition of T0 + 100 bounced for good, suppressed
    subscriptions, store = subs()
    sid = subscriber_id("reader@example.org")
    subscriptions.subscribe("reader@example.org", T0)
    subscriptions.confirm(sid, T0)
    bounce = feedback("reader@example.org", T0 + 100)
    assert apply_feedback(subscriptions, bounce, T0 + 200) == [sid]
    # And the suppression lifted by hand (its record deleted), the reader subscribing again
    del store.items[sid]
    subscriptions.subscribe("reader@example.org", T0 + 1_000)
    subscriptions.confirm(sid, T0 + 1_200)
    # When the same bounce is delivered again (a dead-letter replay)
    assert apply_feedback(subscriptions, bounce, T0 + 1_300) == []
    # Then the new subscription stands
    assert store.get(sid).status == ACTIVE  # type: ignore[union-attr]
    # And a bounce of a mail sent since suppresses it, as any
    assert apply_feedback(subscriptions, feedback("reader@example.org", T0 + 1_400), T0 + 1_500) == [sid]
    assert store.get(sid).status == SUPPRESSED  # type: ignore[union-attr]


def test_an_unsubscribed_address_may_subscribe_again_with_a_new_confirmation() -> None:
    subscriptions, _ = subs()
    sid = subscriptions.subscribe("reader@example.org", T0).record.id
    subscriptions.confirm(sid, T0)
    subscriptions.unsubscribe(sid, T0)
    # within the hour of its confirmation mail, the hour holds: nothing is mailed, nothing changes
    soon = subscriptions.subscribe("reader@example.org", T0 + 1)
    assert not soon.mail and soon.why == "throttled" and soon.record.status == UNSUBSCRIBED
    assert soon.record.address is None
    again = subscriptions.subscribe("reader@example.org", T0 + RESEND_AFTER)
    assert again.mail and again.why == "new" and again.record.status == PENDING


@pytest.mark.parametrize("confirmed", [True, False], ids=["active", "pending"])
def test_unsubscribing_does_not_reset_the_hour_of_confirmation_mails(confirmed: bool) -> None:
    # Given an address mailed its confirmation link at T0, confirmed or not, then unsubscribed
    subscriptions, _ = subs()
    sid = subscriptions.subscribe("reader@example.org", T0).record.id
    if confirmed:
        subscriptions.confirm(sid, T0 + 30)
    subscriptions.unsubscribe(sid, T0 + 60)
    # When it is posted again and again
    decisions = [subscriptions.subscribe("reader@example.org", T0 + 60 * n) for n in range(2, 62)]
    # Then one more confirmation mail goes out, an hour after the first
    assert [d.why for d in decisions if d.mail] == ["new"]
    assert next(d for d in decisions if d.mail).record.last_mail_at == T0 + RESEND_AFTER


def test_a_confirmed_address_gets_no_notice_within_the_hour_of_its_confirmation_mail() -> None:
    subscriptions, _ = subs()
    sid = subscriptions.subscribe("reader@example.org", T0).record.id
    subscriptions.confirm(sid, T0 + 60)
    assert subscriptions.subscribe("reader@example.org", T0 + 120).why == "throttled"
    assert subscriptions.subscribe("reader@example.org", T0 + RESEND_AFTER).why == "active"


def test_a_failed_confirmation_mail_gives_the_hour_back() -> None:
    subscriptions, _ = subs()
    decision = subscriptions.subscribe("reader@example.org", T0)
    subscriptions.mail_failed(decision.record, T0)
    assert subscriptions.subscribe("reader@example.org", T0 + 1).mail


def test_a_concurrent_write_is_retried_and_an_endless_one_fails() -> None:
    store = MemorySubscriberStore()
    subscriptions = Subscriptions(store)
    sid = subscriptions.subscribe("reader@example.org", T0).record.id
    real_put = store.put
    calls = []

    def racing_put(record: Subscriber) -> Subscriber | None:
        calls.append(record)
        if len(calls) == 1:  # another request wrote between our read and our write
            current = store.get(record.id)
            assert current is not None
            real_put(replace(current, requests=current.requests + 1))
            return None
        return real_put(record)

    store.put = racing_put  # type: ignore[method-assign]
    assert subscriptions.confirm(sid, T0)
    assert len(calls) == 2

    store.put = lambda record: None  # type: ignore[method-assign]
    with pytest.raises(ConflictError):
        subscriptions.unsubscribe(sid, T0)


def test_records_round_trip_through_dynamodb_items() -> None:
    record = Subscriber(
        id=subscriber_id("a@example.org"),
        status=ACTIVE,
        address="a@example.org",
        version=3,
        created_at=T0,
        updated_at=T0,
        requests=2,
        confirmed_at=T0,
    )
    item = record.to_item()
    assert item["active_id"] == {"S": record.id}
    assert Subscriber.from_item(item) == record
    pending = replace(record, status=PENDING, expires_at=T0 + 5, confirmed_at=None)
    assert "active_id" not in pending.to_item() and pending.to_item()["expires_at"] == {"N": str(T0 + 5)}


def test_batches_hold_each_id_once_across_pages() -> None:
    pages = [["a", "b", "c"], ["c", "d"], [], ["e"]]
    assert list(batches(pages, 2)) == [["a", "b"], ["c", "d"], ["e"]]
    assert list(batches([], 50)) == []


def test_the_subscribers_table_must_be_named() -> None:
    with pytest.raises(ConfigError, match="SUBSCRIBERS_TABLE"):
        subscriptions_from_env({"SUBSCRIBERS_TABLE": " "})

    store = subscriptions_from_env({"SUBSCRIBERS_TABLE": "subscribers"}).store
    assert isinstance(store, DynamoSubscriberStore) and store.table == "subscribers"


def test_a_notice_that_could_not_be_sent_gives_the_hour_back() -> None:
    # Given an active subscriber whose request for the notice took its hourly slot
    from ai_news_tracker.subscribers import mail_not_sent

    subscriptions, store = subs()
    sid = subscriptions.subscribe("reader@example.org", T0).record.id
    subscriptions.confirm(sid, T0)
    later = T0 + 10 * RESEND_AFTER
    assert subscriptions.subscribe("reader@example.org", later).mail
    record = store.get(sid)
    assert record is not None
    # When the notice could not be sent, Then the slot is given back: asking again may mail again
    given_back = mail_not_sent(record, later, later + 1)
    assert given_back is not None and given_back.last_mail_at is None and given_back.status == ACTIVE


def test_a_spelling_asked_for_before_its_mailbox_complained_gets_no_more_mail() -> None:
    # Given alice+x@ pending, then a complaint from alice@ (the whole mailbox)
    subscriptions, _ = subs()
    assert subscriptions.subscribe("alice+x@example.org", T0).mail
    subscriptions.suppress("alice@example.org", "complaint:abuse", T0 + 100, whole_mailbox=True)
    # When alice+x@ is asked for again, Then no mail goes out and the spelling is suppressed
    decision = subscriptions.subscribe("alice+x@example.org", T0 + 10 * RESEND_AFTER)
    assert not decision.mail and decision.record.status == SUPPRESSED


def test_feedback_again_changes_nothing_but_a_complaint_after_a_bounce_suppresses_the_mailbox() -> None:
    # Given alice+x@ suppressed by a bounce (the address alone)
    subscriptions, store = subs()
    tagged, bounce = "alice+x@example.org", "bounce:Permanent/General"
    assert subscriptions.suppress(tagged, bounce, T0) == "suppressed"
    record = store.get(subscriber_id(tagged))
    # When the bounce comes again, Then nothing changes
    assert subscriptions.suppress(tagged, bounce, T0 + 60) == "suppressed before"
    assert store.get(subscriber_id(tagged)) == record
    # When the reader complains of a mail sent before, Then the mailbox is suppressed, the address as it was
    assert (
        subscriptions.suppress(tagged, "complaint:abuse", T0 + 120, T0 - 60, whole_mailbox=True)
        == "suppressed"
    )
    assert store.get(subscriber_id(tagged)) == record
    assert store.get(subscriber_id("alice@example.org")).reason == "complaint:abuse"  # type: ignore[union-attr]


def test_a_bounce_of_a_tagged_spelling_suppresses_that_spelling_alone() -> None:
    subscriptions, store = subs()
    subscriptions.subscribe("bob@corp.example", T0)
    subscriptions.confirm(subscriber_id("bob@corp.example"), T0)
    subscriptions.suppress("bob+x@corp.example", "bounce:Permanent/General", T0 + 100)
    assert store.get(subscriber_id("bob@corp.example")).status == ACTIVE  # type: ignore[union-attr]
    assert store.get(subscriber_id("bob+x@corp.example")).status == SUPPRESSED  # type: ignore[union-attr]


def test_a_pending_address_s_bounce_counts_though_it_was_confirmed_once_before() -> None:
    # Given an address confirmed at T0 + 10, unsubscribed, then asked for again (pending)
    subscriptions, store = subs()
    sid = subscriber_id("reader@example.org")
    subscriptions.subscribe("reader@example.org", T0)
    subscriptions.confirm(sid, T0 + 10)
    subscriptions.unsubscribe(sid, T0 + 20)
    subscriptions.subscribe("reader@example.org", T0 + 30)
    # When a bounce of a mail sent before that confirmation arrives, Then the pending address is suppressed
    assert apply_feedback(subscriptions, feedback("reader@example.org", T0 + 5), T0 + 40) == [sid]
    assert store.get(sid).status == SUPPRESSED  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["bounce", "complaint"])
def test_a_pending_address_s_own_confirmation_mail_counts_an_older_mail_does_not(kind: str) -> None:
    # Given an address suppressed, lifted by hand (its record deleted) and asked for again (pending)
    subscriptions, store = subs()
    sid = subscriber_id("reader@example.org")
    subscriptions.suppress("reader@example.org", "bounce:Permanent/General", T0)
    del store.items[sid]
    subscriptions.subscribe("reader@example.org", T0 + 86_400)
    reason = "complaint:abuse" if kind == "complaint" else "bounce:Permanent/General"
    # When feedback about a mail sent before that request arrives (a dead-letter replay), Then it stays
    assert (
        subscriptions.suppress("reader@example.org", reason, T0 + 86_500, T0 + 60, whole_mailbox=True)
        == "older"
    )
    assert store.get(sid).status == PENDING  # type: ignore[union-attr]
    # When its confirmation mail bounces or is complained of (SES's clock a few seconds behind),
    # Then it is suppressed
    assert subscriptions.suppress("reader@example.org", reason, T0 + 86_500, T0 + 86_395) == "suppressed"
    assert store.get(sid).status == SUPPRESSED  # type: ignore[union-attr]


def test_a_spelling_pending_when_its_mailbox_complained_is_suppressed_by_its_link_not_confirmed() -> None:
    # Given two spellings of one mailbox pending, and a complaint under one (the mailbox suppressed)
    subscriptions, store = subs()
    pending = subscriptions.subscribe("alice+news@example.org", T0).record.id
    subscriptions.subscribe("alice+x@example.org", T0)
    subscriptions.suppress("alice+x@example.org", "complaint:abuse", T0 + 60, whole_mailbox=True)
    assert subscriptions.mailbox_blocked(store.get(pending)) == "complaint:abuse"
    # When the other spelling's confirmation link is used
    assert not subscriptions.confirm(pending, T0 + 120, issued_at=T0)
    # Then it is suppressed, as a subscribe request for it would have made it, and gets no edition
    record = store.get(pending)
    assert record is not None and record.status == SUPPRESSED and record.address is None
    assert record.reason == "mailbox complaint:abuse" and list(subscriptions.active_ids()) == []
    # (a spelling of a mailbox nobody suppressed is confirmed as usual)
    other = subscriptions.subscribe("bob+news@example.org", T0).record.id
    assert subscriptions.mailbox_blocked(store.get(other)) is None and subscriptions.confirm(other, T0 + 120)
