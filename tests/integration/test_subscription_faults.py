"""The subscription endpoint when SES, the token key, the budgets' counts or a complaint gets in the
way, each against a README promise, through the moto stack of ``test_subscriptions_moto.py`` (found by
a review: each failed before the fix named in its comment)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from test_subscription_lifecycle import (
    CUTS,
    DAYS,
    SUPPRESSED,
    confirmations_to,
    feedback_event,
    stack,
)
from test_subscriptions_moto import Stack, confirmation_link, counted, subscribe_and_confirm, token_of

from ai_news_tracker import mail as mail_module
from ai_news_tracker import subscribers as subscribers_module

__all__ = ["stack"]  # the fixture, imported


class SesClient:
    """The SES client, with a fault injected into ``send_email`` (``mode``: None, "refuse", "timeout")."""

    def __init__(self, real: Any) -> None:
        self.real, self.mode = real, None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def send_email(self, **kwargs: Any) -> Any:
        if self.mode == "refuse":  # SES said no: nothing went out (sandbox, identity not verified, ...)
            raise ClientError(
                {"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."}},
                "SendEmail",
            )
        answer = self.real.send_email(**kwargs)
        if self.mode == "timeout":  # SES took the message, its answer never came back
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")
        return answer


def faulty_ses(stack: Stack) -> SesClient:
    import boto3

    client = SesClient(boto3.client("sesv2", region_name="us-east-1"))
    stack.monkeypatch.setattr(mail_module.SesSender, "client", property(lambda self: client))
    return client


class BudgetTable:
    """The DynamoDB client, refusing the writes of the budgets' ``quota#…`` items while ``failing``
    (throttling or an internal error that outlasted botocore's retries)."""

    def __init__(self, real: Any) -> None:
        self.real, self.failing = real, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def put_item(self, **kwargs: Any) -> Any:
        if self.failing and kwargs["Item"]["id"]["S"].startswith(subscribers_module.QUOTA_PREFIX):
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}},
                "PutItem",
            )
        return self.real.put_item(**kwargs)


def faulty_budgets(stack: Stack) -> BudgetTable:
    import boto3

    table = BudgetTable(boto3.client("dynamodb", region_name="us-east-1"))
    store = subscribers_module.DynamoSubscriberStore
    stack.monkeypatch.setattr(store, "client", property(lambda self: table))
    return table


# README, Abuse: "An address gets a confirmation mail at most once an hour".
def test_a_confirmation_mail_whose_ses_answer_timed_out_is_not_sent_again_within_the_hour(
    stack: Stack,
) -> None:
    ses = faulty_ses(stack)
    # Given SES takes a confirmation mail but its answer times out (the reader has the mail)
    ses.mode = "timeout"
    assert stack.subscribe("reader@example.org").status == 202
    assert len(confirmations_to(stack, "reader@example.org")) == 1
    # When the address is posted again a minute later (by anyone)
    ses.mode = None
    stack.now += 60
    assert stack.subscribe("reader@example.org").status == 202
    # Then no second confirmation mail reaches it within the hour
    assert len(confirmations_to(stack, "reader@example.org")) == 1  # failed: 2 (the hour given back)


# README, runbook ConfirmationsFailedAlarm: "Fix it in SES; the reader may ask again at once (a failed
# mail's hour is given back)"; Abuse: "the whole stack sends at most 20 an hour" (mails sent).
def test_confirmation_mails_ses_refused_do_not_spend_the_budget_of_the_mails_after_the_fix(
    stack: Stack,
) -> None:
    hour = (stack.now // 3600 + 1) * 3600
    stack.now = hour + 60
    ses = faulty_ses(stack)
    # Given SES refusing every mail for a while (an identity not yet verified): 20 readers sign up
    ses.mode = "refuse"
    for n in range(20):
        assert stack.subscribe(f"reader{n}@example.org").status == 202
    assert stack.mails() == []  # nothing went out
    # When SES is fixed and a reader asks again at once, as the runbook says they may
    ses.mode = None
    stack.now += 60
    assert stack.subscribe("reader0@example.org").status == 202
    # Then the reader gets the confirmation mail
    assert len(confirmations_to(stack, "reader0@example.org")) == 1  # failed: 0 (over_hour_budget)


# The same with one reader: three tries during the outage spend the mailbox's day.
def test_a_reader_who_tried_three_times_during_an_ses_outage_may_ask_again_once_it_is_fixed(
    stack: Stack,
) -> None:
    ses = faulty_ses(stack)
    ses.mode = "refuse"
    for _ in range(3):
        assert stack.subscribe("reader@example.org").status == 202
    ses.mode = None
    stack.now += 60
    assert stack.subscribe("reader@example.org").status == 202
    assert len(confirmations_to(stack, "reader@example.org")) == 1  # failed: 0 (over_mailbox_budget)


# README, Bounces and complaints: "A suppressed address gets nothing more, not even a confirmation
# mail, and neither does its mailbox under another spelling (...) once (...) any spelling of it
# complained"; only "another spelling subscribed before the complaint keeps its subscription".
def test_a_spelling_pending_when_its_mailbox_complained_cannot_be_confirmed_into_editions(
    stack: Stack,
) -> None:
    tagged_x, tagged_y, mailbox = "a.b+x@gmail.com", "a.b+y@gmail.com", "ab@gmail.com"
    # Given two spellings of one Gmail mailbox posted, both pending (not subscribed)
    assert stack.subscribe(tagged_y).status == 202
    link_y = token_of(confirmation_link(stack.mails_to(tagged_y)[-1]))
    assert stack.subscribe(tagged_x).status == 202
    # When the mailbox complains about one spelling's mail: it and the mailbox's record are suppressed
    stack.now += 60
    assert stack.invoke("bounce", feedback_event("Complaint", tagged_x, stack.now - 30))["suppressed"] == 1
    assert stack.record(mailbox).status == SUPPRESSED  # type: ignore[union-attr]
    # Then the other spelling's confirmation link no longer makes a subscription: no button, a 400 ...
    stack.now += 60
    page = stack.http("GET", "/confirm", query={"token": link_y})
    assert page.status == 400 and "<form" not in page.body
    assert stack.http("POST", "/confirm", query={"token": link_y}).status == 400
    assert stack.record(tagged_y).status == SUPPRESSED  # type: ignore[union-attr]
    # ... and the mailbox gets no edition under that spelling
    stack.now = CUTS[DAYS[0]] + 3600
    stack.announce(DAYS[0].isoformat())
    assert stack.drain() == []
    assert stack.editions_to(tagged_y) == []  # failed: DAY1 mailed to a.b+y@gmail.com


# README, Subscribe: "Every valid request gets the same 202 answer (...) whether the address is new,
# pending, already subscribed or suppressed: the endpoint tells nobody who subscribes."
def test_while_the_token_key_cannot_be_read_every_address_still_gets_the_same_answer(stack: Stack) -> None:
    import boto3
    from aws_lambda_powertools.utilities import parameters

    # Given an address that bounced for good, and the token key unreadable (SSM/KMS trouble)
    bounced = feedback_event("Permanent", "gone@example.org", stack.now)
    assert stack.invoke("bounce", bounced)["suppressed"] == 1
    boto3.client("ssm", region_name="us-east-1").delete_parameter(Name="/ai-news-tracker/token-key")
    parameters.clear_caches()
    # When a stranger posts it and a new address
    suppressed, new = stack.subscribe("gone@example.org"), stack.subscribe("new@example.org")
    # Then both answers are alike
    assert (suppressed.status, suppressed.body) == (new.status, new.body)  # failed: 202 vs 503
    assert new.status == 503 and stack.mails_to("new@example.org") == []


# README, Abuse: "a mail SES refused costs no budget and gives the address's hour back"; a mail whose
# budget could not be counted did not go out either.
def test_a_reader_whose_mail_s_budget_could_not_be_counted_gets_the_confirmation_mail_when_asking_again(
    stack: Stack,
) -> None:
    table = faulty_budgets(stack)
    # Given the table failing for a moment while the confirmation mail's budget is counted
    table.failing = True
    stack.subscribe("reader@example.org")
    assert confirmations_to(stack, "reader@example.org") == []  # nothing went out
    # When the reader asks again a minute later, the table working again
    table.failing = False
    stack.now += 60
    again = stack.subscribe("reader@example.org")
    # Then the answer says a confirmation mail was sent, and it was
    assert again.status == 202
    assert len(confirmations_to(stack, "reader@example.org")) == 1  # failed: 0 (the hour held, "throttled")


# README, Subscribe: "Every valid request gets the same 202 answer (...) whether the address is new,
# pending, already subscribed or suppressed"; only a suppressed one's budget is never counted.
def test_while_the_budgets_cannot_be_counted_every_address_still_gets_the_same_answer(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an address that bounced for good, and the budgets' counts failing
    bounced = feedback_event("Permanent", "gone@example.org", stack.now)
    assert stack.invoke("bounce", bounced)["suppressed"] == 1
    faulty_budgets(stack).failing = True
    capsys.readouterr()
    # When a stranger posts it and a new address
    suppressed, new = stack.subscribe("gone@example.org"), stack.subscribe("new@example.org")
    # Then both answers are alike
    assert (suppressed.status, suppressed.body) == (new.status, new.body)  # failed: 202 vs 503
    assert new.status == 202 and stack.mails_to("new@example.org") == []
    # And the failure is counted on the metric SubscriberStoreFailedAlarm watches
    assert counted(capsys.readouterr().out).count("SubscriberStoreFailed") == 1


class RecordWritesFailAfterARefusal:
    """The DynamoDB client, whose writes of a subscriber record fail once a budget's count was read
    at its limit (the table throttled just then)."""

    def __init__(self, real: Any, limit: int) -> None:
        self.real, self.limit, self.refused = real, limit, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def get_item(self, **kwargs: Any) -> Any:
        answer = self.real.get_item(**kwargs)
        item = answer.get("Item") or {}
        if kwargs["Key"]["id"]["S"].startswith(subscribers_module.QUOTA_PREFIX) and item:
            self.refused = self.refused or int(item["count"]["N"]) >= self.limit
        return answer

    def put_item(self, **kwargs: Any) -> Any:
        if self.refused and not kwargs["Item"]["id"]["S"].startswith(subscribers_module.QUOTA_PREFIX):
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}},
                "PutItem",
            )
        return self.real.put_item(**kwargs)


# README, Operate: `SubscriberStoreFailedAlarm` "the subscription endpoints could not read or write the
# subscribers table"; a request over a budget whose record then cannot be written is such a failure.
def test_a_record_write_that_fails_after_a_budget_refused_the_mail_is_counted_for_the_alarm(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    # Given a mailbox that had its confirmation mails of the day under three tagged spellings
    for tag in (1, 2, 3):
        assert stack.subscribe(f"reader+{tag}@example.org").status == 202
    assert sum(len(confirmations_to(stack, f"reader+{tag}@example.org")) for tag in (1, 2, 3)) == 3
    table = RecordWritesFailAfterARefusal(
        boto3.client("dynamodb", region_name="us-east-1"), subscribers_module.MAILBOX_MAILS_PER_DAY
    )
    stack.monkeypatch.setattr(
        subscribers_module.DynamoSubscriberStore, "client", property(lambda self: table)
    )
    capsys.readouterr()
    # When a fourth spelling is posted, its mail refused by the mailbox's budget, and the table then
    # refuses the write that gives the address's mail back
    stack.subscribe("reader+4@example.org")
    # Then the table's failure is counted on the metric SubscriberStoreFailedAlarm watches, as it was
    # (a 503) before the over-budget answer took it in: it is logged alone, and no alarm rings
    assert table.refused
    assert counted(capsys.readouterr().out).count("SubscriberStoreFailed") == 1


class RecordWritesFail:
    """The DynamoDB client, refusing every write of a subscriber record (the budgets' counts work): the
    table throttled, or a grant on PutItem lost while GetItem works."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def put_item(self, **kwargs: Any) -> Any:
        if not kwargs["Item"]["id"]["S"].startswith(subscribers_module.QUOTA_PREFIX):
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}},
                "PutItem",
            )
        return self.real.put_item(**kwargs)


# README, Subscribe: "Every valid request gets the same 202 answer (...) whether the address is new,
# pending, already subscribed or suppressed: the endpoint tells nobody who subscribes."
def test_while_records_cannot_be_written_an_active_spelling_of_a_suppressed_mailbox_is_answered_alike(
    stack: Stack,
) -> None:
    import boto3

    # Given a reader subscribed as alice+news@, whose mailbox's own address alice@ bounced for good later
    subscribe_and_confirm(stack, "alice+news@example.org")
    stack.now += 3600
    assert stack.subscribe("alice@example.org").status == 202
    bounced = feedback_event("Permanent", "alice@example.org", stack.now)
    assert stack.invoke("bounce", bounced)["suppressed"] == 1
    # And the table refusing the writes of subscriber records
    table = RecordWritesFail(boto3.client("dynamodb", region_name="us-east-1"))
    stack.monkeypatch.setattr(
        subscribers_module.DynamoSubscriberStore, "client", property(lambda self: table)
    )
    # When a stranger posts the reader's spelling and a new address
    active, new = stack.subscribe("alice+news@example.org"), stack.subscribe("new@example.org")
    # Then both answers are alike
    assert (active.status, active.body) == (new.status, new.body)  # were 202 and 503
