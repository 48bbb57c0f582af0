"""Subscriptions end to end under moto: the four email functions driven with the events AWS sends them.

DynamoDB (the subscribers table with its sparse ActiveIndex), SQS (the send queue and its dead-letter
queue, redrive after 3 receives), SES v2 (moto keeps every raw message it accepted), SSM (the token
key as a SecureString, read through Powertools Parameters) and S3 (the edition and the sent log) are
moto's. HTTP requests are API Gateway HTTP API (payload 2.0) events; the queue is drained the way
Lambda's SQS poller does it (a batch of up to 2 records, the failed ones left for a redelivery).
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.parser import HeaderParser
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from lambda_support import Context, fake_credentials, load_handler
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from test_send_email_moto import SENDER, the_edition

from ai_news_tracker.aws import S3Store
from ai_news_tracker.delivery import MailDeployment
from ai_news_tracker.errors import TrackerError
from ai_news_tracker.mail import bodies
from ai_news_tracker.repository import RawRepository
from ai_news_tracker.store import LocalStore
from ai_news_tracker.subscribers import ACTIVE, DynamoSubscriberStore, Subscriber, subscriber_id
from ai_news_tracker.tokens import UNSUBSCRIBE, sign

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
RAW, SITE, TABLE = "subs-raw-bucket", "subs-site-bucket", "subscribers"
KEY_PARAMETER = "/ai-news-tracker/token-key"
TOKEN_KEY = "k3y-" * 12
API_HOST = "abc123.execute-api.us-east-1.amazonaws.com"
API = f"https://{API_HOST}"
UNSUBSCRIBE_BOX = "unsubscribe@example.com"
DAY1, DAY2 = "2026-11-20", "2026-11-21"
HANDLERS = ("subscription", "send_email", "send_batch", "bounce", "unsubscribe_mail")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RunningOut(Context):
    """A Lambda context with ``remaining_ms`` left."""

    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


# the stack's clock starts the day before DAY1's edition was cut, so the readers a test confirms
# first are the edition's readers; a test moves it on to have one join later
START = int(the_edition().generated_at.timestamp()) - 86400
CLOCKED = ("subscription", "bounce", "unsubscribe_mail")  # the functions that read ``now()``


@dataclass
class Stack:
    s3: Any
    sqs: Any
    sesv2: Any
    dynamodb: Any
    queue_url: str
    dead_letter_url: str
    monkeypatch: pytest.MonkeyPatch
    handlers: dict[str, ModuleType] = field(default_factory=dict)
    now: int = START  # Unix seconds: the time the functions read (``now()``) when a test has not set theirs

    # -- invoking -------------------------------------------------------------------------------
    def handler(self, name: str) -> ModuleType:
        """The function's module, loaded on first use (a cold start), reading the stack's clock."""
        if name not in self.handlers:
            module = load_handler(name)
            if name == "subscription":
                module.MIN_SUBSCRIBE_SECONDS = 0.0  # type: ignore[attr-defined]
            if name in CLOCKED:
                module.now = lambda: self.now  # type: ignore[attr-defined]
            self.handlers[name] = module
        return self.handlers[name]

    def invoke(self, name: str, event: dict[str, Any], context: Context | None = None) -> Any:
        return self.handler(name).lambda_handler(event, context or Context())

    def reload(self, *names: str) -> None:
        """Fresh containers: nothing cached from an earlier invocation."""
        for name in names or HANDLERS:
            self.handlers.pop(name, None)

    def http(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: str | None = None,
        content_type: str | None = None,
        accept: str = "text/html",
        encoded: bool = False,
    ) -> Answer:
        headers = {"host": API_HOST, "accept": accept, "user-agent": "test"}
        if content_type:
            headers["content-type"] = content_type
        event = {
            "version": "2.0",
            "routeKey": f"{method} {path}",
            "rawPath": path,
            "rawQueryString": urlencode(query or {}),
            "headers": headers,
            "queryStringParameters": query or None,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc123",
                "domainName": API_HOST,
                "domainPrefix": "abc123",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "198.51.100.7",
                    "userAgent": "test",
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": f"{method} {path}",
                "stage": "$default",
                "time": "20/Nov/2026:00:00:00 +0000",
                "timeEpoch": 1_790_000_000_000,
            },
            "body": base64.b64encode(body.encode()).decode() if encoded and body else body,
            "isBase64Encoded": encoded,
        }
        result = self.invoke("subscription", event)
        return Answer(result["statusCode"], result.get("headers", {}), result.get("body", ""))

    def subscribe(self, address: str, *, as_json: bool = True) -> Answer:
        if as_json:
            return self.http(
                "POST", "/subscribe", body=json.dumps({"email": address}), content_type="application/json"
            )
        return self.http(
            "POST",
            "/subscribe",
            body=urlencode({"email": address}),
            content_type="application/x-www-form-urlencoded",
        )

    def announce(self, day: str) -> dict[str, Any]:
        announcement = {
            "date": day,
            "title": f"{day} 国产大模型日报",
            "url": f"https://d111111abcdef8.cloudfront.net/reports/{day}.md",  # as aws.announcement says
            "json_url": f"https://d111111abcdef8.cloudfront.net/reports/{day}.json",
            "html_url": f"https://d111111abcdef8.cloudfront.net/reports/{day}.html",
            "key_points": ["DeepSeek 发布新一代推理模型"],
            "items": 2,
        }
        sns = {"Type": "Notification", "Message": json.dumps(announcement, ensure_ascii=False)}
        result: dict[str, Any] = self.invoke(
            "send_email", {"Records": [{"EventSource": "aws:sns", "Sns": sns}]}
        )
        return result

    # -- the queue, as Lambda's poller sees it ---------------------------------------------------
    def receive(self, limit: int = 2) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=limit,
            AttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return list(answer.get("Messages", []))

    def deliver(self, messages: list[dict[str, Any]], remaining_ms: int | None = None) -> list[str]:
        """Invoke the batch function with these messages (``remaining_ms``: the time Lambda has left it, a
        minute unless given); the ids it reports as failed."""
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:send",
                "awsRegion": REGION,
            }
            for m in messages
        ]
        context = Context() if remaining_ms is None else RunningOut(remaining_ms=remaining_ms)
        result = self.invoke("send_batch", {"Records": records}, context)
        return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]

    def drain(self) -> list[str]:
        """Deliver every queued batch once, deleting what succeeded; the failed message ids."""
        failed: list[str] = []
        while messages := self.receive():
            bad = self.deliver(messages)
            failed += bad
            for message in messages:
                if message["MessageId"] not in bad:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            if bad:
                break  # they are visible again at once (visibility timeout 0): leave them
        return failed

    # -- what SES accepted -----------------------------------------------------------------------
    def mails(self) -> list[EmailMessage]:
        found = []
        for raw in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            message = email.message_from_string(raw.raw_data, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails() if [a.addr_spec for a in m["To"].addresses] == [address]]

    def editions_to(self, address: str) -> list[EmailMessage]:
        return [
            m
            for m in self.mails_to(address)
            if "国产大模型日报" in m["Subject"] and "确认" not in m["Subject"]
        ]

    def record(self, address: str) -> Subscriber | None:
        return DynamoSubscriberStore(TABLE, self.dynamodb).get(subscriber_id(address))

    def item(self, address: str) -> dict[str, Any]:
        """The raw DynamoDB item of an address (its ``expires_at`` is the table's TTL attribute)."""
        item: dict[str, Any] = self.dynamodb.get_item(
            TableName=TABLE, Key={"id": {"S": subscriber_id(address)}}, ConsistentRead=True
        )["Item"]
        return item


def confirmation_link(message: EmailMessage) -> str:
    text, html = bodies(message)
    (link,) = re.findall(r"https://\S+/confirm\?token=\S+", text)
    assert f'href="{link}"' in html
    return link


def token_of(link: str) -> str:
    return unquote(parse_qs(urlsplit(link).query)["token"][0])


def subscribe_and_confirm(stack: Stack, address: str) -> None:
    assert stack.subscribe(address).status == 202
    link = confirmation_link(stack.mails_to(address)[-1])
    assert stack.http("POST", "/confirm", query={"token": token_of(link)}).status == 200


def a_readers_one_click_link(stack: Stack, address: str = "reader@example.org") -> str:
    """The https List-Unsubscribe link of the edition a reader, subscribed and confirmed, was sent."""
    subscribe_and_confirm(stack, address)
    stack.announce(DAY1)
    stack.drain()
    (https, _) = re.findall(r"<([^>]+)>", str(stack.editions_to(address)[0]["List-Unsubscribe"]))
    return https


@contextmanager
def mail_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The resources of the email functions under moto, and their environment."""
    fake_credentials(monkeypatch)
    parameters.clear_caches()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (RAW, SITE):
            s3.create_bucket(Bucket=bucket)
        repo = RawRepository(S3Store(RAW, s3))
        repo.save_edition(the_edition())
        day2 = the_edition().generated_at + timedelta(days=1)
        repo.save_edition(
            replace(the_edition(), date=date.fromisoformat(DAY2), generated_at=day2, window_end=day2)
        )

        sesv2 = boto3.client("sesv2", region_name=REGION)
        sesv2.create_configuration_set(ConfigurationSetName="digest")
        sesv2.create_email_identity(EmailIdentity="digest@example.com")

        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "active_id", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "ActiveIndex",
                    "KeySchema": [{"AttributeName": "active_id", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        )

        sqs = boto3.client("sqs", region_name=REGION)
        dead_letter_url = sqs.create_queue(QueueName="email-dlq")["QueueUrl"]
        dead_letter_arn = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        queue_url = sqs.create_queue(
            QueueName="send",
            Attributes={
                "VisibilityTimeout": "0",  # a failed batch is visible again at once
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": "3"}),
            },
        )["QueueUrl"]

        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=KEY_PARAMETER, Value=TOKEN_KEY, Type="SecureString"
        )
        config = tmp_path / "config.toml"
        config.write_text(
            f'[email]\nenabled = true\nsender = "{SENDER}"\nrecipients = ["local@example.org"]\n',
            encoding="utf-8",
        )
        for key, value in {
            "RAW_BUCKET": RAW,
            "SITE_BUCKET": SITE,
            "SITE_URL": "https://d111111abcdef8.cloudfront.net",
            "CONFIG_FILE": str(config),
            "SES_CONFIGURATION_SET": "digest",
            "SENDER_ADDRESS": "digest@example.com",
            "SUBSCRIBERS_TABLE": TABLE,
            "SEND_QUEUE_URL": queue_url,
            "TOKEN_KEY_PARAMETER": KEY_PARAMETER,
            "SUBSCRIPTION_API_URL": API,
            "UNSUBSCRIBE_MAILTO": UNSUBSCRIBE_BOX,
            "MAX_SEND_RATE": "100000",  # no pacing in tests
            "SEND_CONCURRENCY": "2",
            "ALLOWED_ORIGINS": "https://digest.example.org",
            "POWERTOOLS_SERVICE_NAME": "ai-news-tracker",
            "POWERTOOLS_METRICS_NAMESPACE": "AINewsTracker",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }.items():
            monkeypatch.setenv(key, value)
        yield Stack(s3, sqs, sesv2, dynamodb, queue_url, dead_letter_url, monkeypatch)
    parameters.clear_caches()


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with mail_stack(tmp_path, monkeypatch) as current:
        yield current


# ---------------------------------------------------------------- the whole path


def test_subscribe_confirm_receive_one_click_unsubscribe_and_no_more_mail(stack: Stack) -> None:
    # Given a reader subscribes through the web form's script
    answer = stack.subscribe("Reader@Example.org")
    assert answer.status == 202 and answer.json()["status"] == "accepted"
    assert "reader" not in answer.body.lower()
    # Then one confirmation mail goes to that address, in Chinese, with an expiring https link
    (confirmation,) = stack.mails()
    assert [a.addr_spec for a in confirmation["To"].addresses] == ["Reader@example.org"]
    assert confirmation["Subject"] == "请确认订阅《国产大模型日报》"
    link = confirmation_link(confirmation)
    assert link.startswith(f"{API}/confirm?token=")
    record = stack.record("reader@example.org")
    assert record is not None and record.status == "pending" and record.expires_at is not None
    assert stack.announce(DAY1)["subscribers"] == 0  # not confirmed: nobody to send to

    # When the link is opened, a page asks to confirm (a GET changes nothing) ...
    page = stack.http("GET", "/confirm", query={"token": token_of(link)})
    assert page.status == 200 and "确认订阅" in page.body and '<form method="post"' in page.body
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert stack.record("reader@example.org").status == "pending"  # type: ignore[union-attr]
    # ... and its button confirms
    done = stack.http("POST", "/confirm", query={"token": token_of(link)})
    assert done.status == 200 and "订阅成功" in done.body
    assert stack.record("reader@example.org").status == ACTIVE  # type: ignore[union-attr]

    # When the next edition is announced, it is fanned out and sent: one raw message
    assert stack.announce(DAY1) == {
        "date": DAY1,
        "subscribers": 1,
        "batches": 1,
        "dry_run": False,
        "reason": None,
    }
    assert stack.drain() == []
    (edition,) = stack.editions_to("Reader@example.org")
    assert edition["Subject"] == "2026-11-20 国产大模型日报"
    assert edition["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = re.findall(r"<([^>]+)>", str(edition["List-Unsubscribe"]))
    assert https.startswith(f"{API}/unsubscribe?token=")
    assert mailto.startswith(f"mailto:{UNSUBSCRIBE_BOX}?subject=unsubscribe%20")
    text, html = bodies(edition)
    assert https in text and "DeepSeek 发布新一代推理模型" in text and "<script>" not in html
    assert "local@example.org" not in {a.addr_spec for m in stack.mails() for a in m["To"].addresses}

    # When the mail client makes the RFC 8058 one-click POST
    gone = stack.http(
        "POST",
        "/unsubscribe",
        query={"token": token_of(https)},
        body="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert gone.status == 200 and "已退订" in gone.body and "每小时最多一封" in gone.body  # when to come back
    record = stack.record("reader@example.org")
    assert record is not None and record.status == "unsubscribed" and record.address is None

    # Then the next edition sends nothing to it
    assert stack.announce(DAY2)["subscribers"] == 0
    assert stack.drain() == []
    assert len(stack.editions_to("Reader@example.org")) == 1


def test_the_unsubscribe_link_shows_a_button_and_a_get_changes_nothing(stack: Stack) -> None:
    https = a_readers_one_click_link(stack)

    page = stack.http("GET", "/unsubscribe", query={"token": token_of(https)})
    assert page.status == 200 and 'name="List-Unsubscribe" value="One-Click"' in page.body
    assert stack.record("reader@example.org").status == ACTIVE  # type: ignore[union-attr]
    done = stack.http("POST", "/unsubscribe", query={"token": token_of(https)})
    assert done.status == 200
    # the page's URL holds a token that never expires: no link on either page may send it on
    for answer in (page, done):
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
    assert stack.record("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    # a second click (or the mail client's retry) answers the same
    assert stack.http("POST", "/unsubscribe", query={"token": token_of(https)}).status == 200


def test_an_unsubscribe_between_fan_out_and_send_is_honoured(stack: Stack) -> None:
    subscribe_and_confirm(stack, "reader@example.org")
    stack.announce(DAY1)  # queued
    token = sign(TOKEN_KEY.encode(), UNSUBSCRIBE, subscriber_id("reader@example.org"))
    stack.http("POST", "/unsubscribe", query={"token": token})
    assert stack.drain() == []
    assert stack.editions_to("reader@example.org") == []


# ---------------------------------------------------------------- abuse, privacy, tokens


def test_a_batch_sent_after_the_day_is_rebuilt_carries_the_rebuilt_edition(stack: Stack) -> None:
    # Given two readers of DAY1, a's batch sent by a warm SendBatchFunction
    for address in ("a@example.org", "b@example.org"):
        subscribe_and_confirm(stack, address)
    ids = {address: subscriber_id(address) for address in ("a@example.org", "b@example.org")}
    stack.sqs.send_message(
        QueueUrl=stack.queue_url,
        MessageBody=json.dumps({"v": 1, "date": DAY1, "url": None, "ids": [ids["a@example.org"]]}),
    )
    assert stack.drain() == []
    (first,) = stack.editions_to("a@example.org")
    assert "<script>alert(1)</script>" in bodies(first)[0]  # the item the operator will drop
    # When the operator rebuilds the day without that item (README's runbook: editions/<day>.json
    # deleted, the day built again), and b's batch (say, moved back from the dead-letter queue) reaches
    # the same warm container
    stack.s3.delete_object(Bucket=RAW, Key=f"editions/{DAY1}.json")
    rebuilt = replace(the_edition(), items=the_edition().items[:1])
    assert RawRepository(S3Store(RAW, stack.s3)).save_edition(rebuilt)
    stack.sqs.send_message(
        QueueUrl=stack.queue_url,
        MessageBody=json.dumps({"v": 1, "date": DAY1, "url": None, "ids": [ids["b@example.org"]]}),
    )
    assert stack.drain() == []
    # Then b gets the edition as stored now, as a fresh container would send it
    (second,) = stack.editions_to("b@example.org")
    text, _ = bodies(second)
    assert rebuilt.items[0].title in text
    assert "<script>alert(1)</script>" not in text


def test_a_plain_html_form_subscribes_too(stack: Stack) -> None:
    # HTTP APIs hand a form body to the function base64-encoded
    answer = stack.http(
        "POST",
        "/subscribe",
        body="email=reader%40example.org",
        content_type="application/x-www-form-urlencoded",
        encoded=True,
    )
    assert answer.status == 202 and answer.headers["Content-Type"].startswith("text/html")
    assert "请查收确认邮件" in answer.body and "reader" not in answer.body
    assert len(stack.mails_to("reader@example.org")) == 1
    # and the page leads back to the site the form was on (the stack's SITE_URL)
    assert '<a href="https://d111111abcdef8.cloudfront.net/"' in answer.body


def test_a_second_subscribe_within_the_hour_sends_no_second_mail(stack: Stack) -> None:
    assert stack.subscribe("reader@example.org").status == 202
    assert stack.subscribe("READER@example.org", as_json=False).status == 202
    assert stack.subscribe("reader@example.org").status == 202
    assert len(stack.mails_to("reader@example.org")) == 1
    record = stack.record("reader@example.org")
    assert record is not None and record.requests == 3 and record.mails == 1


def test_every_subscribe_request_gets_the_same_answer(stack: Stack) -> None:
    subscribe_and_confirm(stack, "active@example.org")
    stack.now += 3600  # its confirmation mail an hour ago (the hour holds for the notice too)
    stack.subscribe("pending@example.org")
    stack.invoke("bounce", bounce_event("Permanent", "suppressed@example.org"))
    before = len(stack.mails())

    answers = {
        state: (stack.subscribe(address), stack.subscribe(address, as_json=False))
        for state, address in {
            "new": "new@example.org",
            "pending": "pending@example.org",
            "active": "active@example.org",
            "suppressed": "suppressed@example.org",
        }.items()
    }
    as_json = {(a.status, a.body) for a, _ in answers.values()}
    as_html = {(h.status, h.body) for _, h in answers.values()}
    assert len(as_json) == 1 and len(as_html) == 1  # nothing tells the states apart
    assert next(iter(as_json))[0] == 202 and "@" not in next(iter(as_json))[1]
    assert "请查收确认邮件" in next(iter(as_html))[1]
    # the new address got its confirmation link, the active one (only its mailbox) the notice that
    # it is subscribed; the pending one had its mail this hour, the suppressed one gets none
    assert len(stack.mails()) == before + 2
    assert len(stack.mails_to("new@example.org")) == 1
    notice = stack.mails_to("active@example.org")[-1]
    assert notice["Subject"] == "您已订阅《国产大模型日报》"


def test_every_subscribe_answer_takes_at_least_a_second_whatever_the_address_s_state(stack: Stack) -> None:
    # Given addresses in every state (set up by the other tests' handler, whose minimum time is 0)
    subscribe_and_confirm(stack, "active@example.org")
    stack.subscribe("pending@example.org")
    stack.invoke("bounce", bounce_event("Permanent", "suppressed@example.org"))
    # And the function as deployed, on a clock where handling a request takes 0.25 s
    deployed = load_handler("subscription")
    stack.handlers["subscription"] = deployed
    clock, slept = [0.0], []

    def monotonic() -> float:
        clock[0] += 0.25
        return clock[0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    stack.monkeypatch.setattr(
        deployed, "time", SimpleNamespace(time=time.time, monotonic=monotonic, sleep=sleep)
    )
    # When each is posted, and an address that is refused
    for address in ("new@example.org", "pending@example.org", "active@example.org", "suppressed@example.org"):
        assert stack.subscribe(address).status == 202
    assert stack.subscribe("name@qqcom").status == 400
    # Then every answer waited out the rest of one second: whether a mail was sent (an SES call) or
    # not, the time taken tells nothing about the address
    assert slept == pytest.approx([0.75] * 5)


MALFORMED = [
    (json.dumps({"email": "not-an-address"}), "application/json"),
    (json.dumps({"email": "a@example.org\r\nBcc: victim@example.org"}), "application/json"),
    (json.dumps({"email": ["a@example.org", "b@example.org"]}), "application/json"),
    (json.dumps(["a@example.org"]), "application/json"),
    ("{not json", "application/json"),
    ("[" * 2000 + "]" * 2000, "application/json"),  # 4 KB nested past the parser's recursion limit
    ('{"email": ' + "[" * 900 + "]" * 900 + "}", "application/json"),  # parsed, nested just below it
    ("email=a%40example.org&email=b%40example.org", "application/x-www-form-urlencoded"),
    ("email=a%40example.org%0d%0aBcc:%20victim%40example.org", "application/x-www-form-urlencoded"),
    ("email=" + "a" * 5000 + "%40example.org", "application/x-www-form-urlencoded"),
    ("", "application/x-www-form-urlencoded"),
    ("&".join(f"f{n}=x" for n in range(20)) + "&email=a%40example.org", "application/x-www-form-urlencoded"),
]


def test_a_subscriber_asking_again_is_told_by_mail_that_they_are_subscribed_and_can_unsubscribe(
    stack: Stack,
) -> None:
    # Given an active subscriber who forgot and fills in the form again (a day later)
    subscribe_and_confirm(stack, "reader@example.org")
    stack.now += 86400
    assert stack.subscribe("reader@example.org").status == 202
    # Then their mailbox gets the notice: subscribed, nothing to confirm, and a working unsubscribe link
    notice = stack.mails_to("reader@example.org")[-1]
    text = notice.get_body(("plain",))
    assert (
        text is not None and "这个地址已经订阅" in text.get_content() and "/confirm" not in text.get_content()
    )
    (link,) = re.findall(r"https://\S+/unsubscribe\?token=\S+", text.get_content())
    assert notice["List-Unsubscribe"] is None and notice["Auto-Submitted"] == "auto-generated"
    # And asking again within the hour sends nothing more
    assert stack.subscribe("reader@example.org").status == 202
    assert len(stack.mails_to("reader@example.org")) == 2  # the confirmation, then the one notice
    assert stack.http("POST", "/unsubscribe", query={"token": token_of(link)}).status == 200
    assert stack.record("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]


def test_a_malformed_request_is_refused_and_sends_nothing(stack: Stack) -> None:
    for body, content_type in MALFORMED:
        answer = stack.http("POST", "/subscribe", body=body, content_type=content_type)
        assert answer.status == 400, body[:80]
        assert (
            answer.json()["status"] == "invalid" if "json" in content_type else "邮箱地址无效" in answer.body
        )
    assert stack.mails() == []


def test_an_address_the_mailer_cannot_address_is_refused_not_counted_for_the_alarm(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an address of atext alone whose name has an RFC 2047 encoded word's shape, which the
    # mailer's email package decodes and refuses
    address = "=?utf-8?q?x?=@example.org"
    # When anyone posts it to the public form
    answer = stack.subscribe(address)
    # Then it is refused as malformed (README: only a malformed address gets a 400), no mail tried
    assert answer.status == 400 and answer.json()["status"] == "invalid"
    assert stack.mails() == []
    # And no stranger's request pages the operator with ConfirmationsFailedAlarm
    assert "ConfirmationsFailed" not in counted(capsys.readouterr().out)


# Typos the browser's type=email lets through (its own pattern may be missing: an older page, a
# client without it), and what the refusal must say instead of only 邮箱地址无效.
TYPOS = [
    ("name@qqcom", "域名"),
    ("name@163", "域名"),
    (".name@qq.com", "邮箱名"),
    ("na..me@qq.com", "邮箱名"),
]


@pytest.mark.parametrize(("typo", "said"), TYPOS)
def test_a_mistyped_address_is_told_what_is_wrong_and_led_back_to_the_form(
    stack: Stack, typo: str, said: str
) -> None:
    # Given a reader who typed a common slip into the site's form
    # When the form posts it
    answer = stack.http(
        "POST",
        "/subscribe",
        body="email=" + typo.replace("@", "%40"),
        content_type="application/x-www-form-urlencoded",
        encoded=True,
    )
    # Then the page says which part of the address is wrong (WCAG 3.3.1, 3.3.3), without showing it
    assert answer.status == 400 and "邮箱地址无效" in answer.body
    reason = re.search(r"<p [^>]*>([^<]*" + said + r"[^<]*)</p>", answer.body)
    assert reason is not None, answer.body
    assert "“.”" in reason.group(1)
    assert typo not in answer.body
    # And it leads back to the form on the site, where the field is
    assert '<a href="https://d111111abcdef8.cloudfront.net/#subscribe"' in answer.body
    # And a script posting JSON gets the same reason as its message
    refused = stack.subscribe(typo)
    assert refused.status == 400 and refused.json() == {"status": "invalid", "message": reason.group(1)}
    assert stack.mails() == []


def test_tampered_or_reused_tokens_are_refused(stack: Stack) -> None:
    subscribe_and_confirm(stack, "alice@example.org")
    subscribe_and_confirm(stack, "bob@example.org")
    alice_confirm = token_of(confirmation_link(stack.mails_to("alice@example.org")[0]))
    alice_unsubscribe = sign(TOKEN_KEY.encode(), UNSUBSCRIBE, subscriber_id("alice@example.org"))
    payload, mac = alice_unsubscribe.split(".")
    bob_payload = (
        base64.urlsafe_b64encode(f"1:unsubscribe:{subscriber_id('bob@example.org')}:".encode())
        .rstrip(b"=")
        .decode()
    )
    forged_key = sign(b"x" * 32, UNSUBSCRIBE, subscriber_id("bob@example.org"))

    for token in (
        f"{bob_payload}.{mac}",  # Alice's signature on Bob's id
        alice_confirm,  # a confirmation token used to unsubscribe
        forged_key,  # signed with another key
        f"{payload}.{mac[:-1]}",
        "",
    ):
        assert stack.http("POST", "/unsubscribe", query={"token": token}).status == 400, token
        assert stack.http("GET", "/unsubscribe", query={"token": token}).status == 400
    assert stack.http("POST", "/unsubscribe").status == 400  # no token at all
    assert stack.http("POST", "/confirm", query={"token": alice_unsubscribe}).status == 400
    invalid = stack.http("GET", "/confirm", query={"token": alice_unsubscribe})
    assert invalid.status == 400 and "链接无效或已过期" in invalid.body
    assert stack.record("alice@example.org").status == ACTIVE  # type: ignore[union-attr]
    assert stack.record("bob@example.org").status == ACTIVE  # type: ignore[union-attr]


def test_an_expired_confirmation_link_is_refused(stack: Stack) -> None:
    stack.subscribe("reader@example.org")
    link = confirmation_link(stack.mails_to("reader@example.org")[0])
    record = stack.record("reader@example.org")
    assert record is not None and record.expires_at is not None
    stack.now = record.expires_at
    assert stack.http("POST", "/confirm", query={"token": token_of(link)}).status == 400
    assert stack.record("reader@example.org").status == "pending"  # type: ignore[union-attr]


def test_an_old_announcement_delivered_again_mails_no_reader_who_joined_after_it(stack: Stack) -> None:
    # Given a reader who got DAY1's edition
    subscribe_and_confirm(stack, "early@example.org")
    stack.announce(DAY1)
    assert stack.drain() == []
    # And a reader who confirmed an hour after it was cut (the page promised 从下一期开始)
    stack.now = int(the_edition().generated_at.timestamp()) + 3600
    subscribe_and_confirm(stack, "late@example.org")
    # When DAY1's announcement is delivered again (an SNS redelivery, a dead-letter replay)
    stack.announce(DAY1)
    assert stack.drain() == []
    # Then the later reader gets no DAY1, and the first reader no second copy
    assert stack.editions_to("late@example.org") == []
    assert len(stack.editions_to("early@example.org")) == 1
    # And the next edition goes to both
    stack.announce(DAY2)
    assert stack.drain() == []
    for reader in ("early@example.org", "late@example.org"):
        assert stack.editions_to(reader)[-1]["Subject"] == f"{DAY2} 国产大模型日报"


def test_a_subscriber_opening_an_old_confirmation_link_is_told_they_are_subscribed(stack: Stack) -> None:
    # Given a confirmed subscriber
    subscribe_and_confirm(stack, "reader@example.org")
    link = token_of(confirmation_link(stack.mails_to("reader@example.org")[0]))
    # When the confirmation link is opened again while it is still valid (the mail read twice)
    again = stack.http("GET", "/confirm", query={"token": link})
    # Then the page says the address is subscribed, with no button to confirm it once more
    assert again.status == 200 and "您已订阅" in again.body and "<form" not in again.body
    # When it is opened days after it expired (another device)
    stack.now += 5 * 86400
    shown, posted = (stack.http(method, "/confirm", query={"token": link}) for method in ("GET", "POST"))
    # Then both answers say the address is subscribed, not that the link failed and to apply again
    for answer in (shown, posted):
        assert answer.status == 200 and "您已订阅" in answer.body and "重新提交" not in answer.body


def test_a_confirmation_link_shows_its_button_only_where_it_can_confirm(stack: Stack) -> None:
    # Given a link from a subscription since ended, and a new request (a new link) for the address
    assert stack.subscribe("reader@example.org").status == 202
    stack.now += 600  # the reader confirms ten minutes later
    subscribe_and_confirm_link = token_of(confirmation_link(stack.mails_to("reader@example.org")[-1]))
    assert stack.http("POST", "/confirm", query={"token": subscribe_and_confirm_link}).status == 200
    stack.now += 2 * 3600  # the unsubscribe and the new request come later
    old = token_of(confirmation_link(stack.mails_to("reader@example.org")[0]))
    stack.announce(DAY1)
    assert stack.drain() == []
    (edition,) = stack.editions_to("reader@example.org")
    https, _ = re.findall(r"<([^>]+)>", str(edition["List-Unsubscribe"]))
    assert stack.http("POST", "/unsubscribe", query={"token": token_of(https)}).status == 200
    assert stack.subscribe("reader@example.org").status == 202
    # When the old link is opened
    page = stack.http("GET", "/confirm", query={"token": old})
    # Then it offers no button that would then be refused: it says the link cannot be used
    assert page.status == 400 and "<form" not in page.body and "确认链接无法使用" in page.body
    new = token_of(confirmation_link(stack.mails_to("reader@example.org")[-1]))
    assert "<form" in stack.http("GET", "/confirm", query={"token": new}).body


def test_a_broken_unsubscribe_link_says_how_to_unsubscribe(stack: Stack) -> None:
    for method in ("GET", "POST"):
        answer = stack.http(method, "/unsubscribe", query={"token": "cut-off"})
        assert answer.status == 400 and "退订链接无效" in answer.body and "最近一封日报邮件" in answer.body
        assert "订阅申请" not in answer.body  # not the text about subscribing


def test_cors_answers_the_configured_origin(stack: Stack) -> None:
    answer = stack.http(
        "POST", "/subscribe", body=json.dumps({"email": "a@example.org"}), content_type="application/json"
    )
    assert answer.status == 202
    preflight = stack.http("OPTIONS", "/subscribe")
    assert preflight.status == 204
    assert stack.http("GET", "/nowhere").status == 404


# ---------------------------------------------------------------- bounces and complaints


def bounce_event(
    kind: str, *addresses: str, event_type: str = "Bounce", sent_at: int | None = None
) -> dict[str, Any]:
    """An SES bounce or complaint about a mail sent at ``sent_at`` (Unix seconds), else just now (the
    real clock, past the stack's)."""
    if event_type == "Bounce":
        body: dict[str, Any] = {
            "eventType": "Bounce",
            "bounce": {
                "feedbackId": "0100017f-bounce",
                "bounceType": kind,
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": a,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                    for a in addresses
                ],
                "timestamp": "2026-11-20T00:01:00.000Z",
                "reportingMTA": "dsn; a1-2.smtp-out.amazonses.com",
            },
        }
    else:
        body = {
            "eventType": "Complaint",
            "complaint": {
                "feedbackId": "0100017f-complaint",
                "complainedRecipients": [{"emailAddress": a} for a in addresses],
                "complaintFeedbackType": "abuse",
                "timestamp": "2026-11-20T00:02:00.000Z",
            },
        }
    body["mail"] = {
        "timestamp": (datetime.fromtimestamp(sent_at, UTC) if sent_at is not None else datetime.now(UTC))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "source": "digest@example.com",
        "sendingAccountId": "123456789012",
        "messageId": "0100017f-message",
        "destination": list(addresses),
        "tags": {"ses:configuration-set": ["digest"]},
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "TopicArn": f"arn:aws:sns:{REGION}:123456789012:email-events",
                    "Message": json.dumps(body),
                },
            }
        ]
    }


def test_a_bounce_or_a_complaint_suppresses_the_address_and_no_more_mail_goes_to_it(stack: Stack) -> None:
    for address in ("bounces@example.org", "complains@example.org", "stays@example.org", "full@example.org"):
        subscribe_and_confirm(stack, address)

    assert stack.invoke("bounce", bounce_event("Permanent", "Bounces@Example.org")) == {
        "events": ["Bounce"],
        "suppressed": 1,
    }
    stack.invoke("bounce", bounce_event("", "complains@example.org", event_type="Complaint"))
    assert stack.invoke("bounce", bounce_event("Transient", "full@example.org"))["suppressed"] == 0

    assert stack.record("bounces@example.org").status == "suppressed"  # type: ignore[union-attr]
    assert stack.record("complains@example.org").reason == "complaint:abuse"  # type: ignore[union-attr]
    assert stack.announce(DAY1)["subscribers"] == 2
    assert stack.drain() == []
    assert stack.editions_to("stays@example.org") and stack.editions_to("full@example.org")
    assert stack.editions_to("bounces@example.org") == stack.editions_to("complains@example.org") == []
    # and the form cannot bring it back
    before = len(stack.mails())
    stack.subscribe("bounces@example.org")
    assert len(stack.mails()) == before

    # A pending address whose confirmation bounced loses its link's TTL: the table keeps it suppressed
    stack.subscribe("typo@example.org")
    assert "expires_at" in stack.item("typo@example.org")
    stack.invoke("bounce", bounce_event("Permanent", "typo@example.org"))
    item = stack.item("typo@example.org")
    assert item["status"] == {"S": "suppressed"} and "expires_at" not in item


def test_a_bounce_delivered_again_suppresses_nobody_a_second_time(stack: Stack) -> None:
    # Given a confirmed reader whose mail bounced for good, the bounce applied
    subscribe_and_confirm(stack, "reader@example.org")
    bounce = bounce_event("Permanent", "reader@example.org")
    assert stack.invoke("bounce", bounce)["suppressed"] == 1
    suppressed = stack.item("reader@example.org")
    # When SNS delivers it again (at least once), or the runbook replays it, an hour later
    stack.now += 3600
    again = stack.invoke("bounce", bounce)
    # Then nobody is suppressed a second time (AddressesSuppressed counts the same), the record as it was
    assert again["suppressed"] == 0
    assert stack.item("reader@example.org") == suppressed


def test_an_old_bounce_replayed_after_a_lifted_suppression_leaves_the_new_subscription_alone(
    stack: Stack,
) -> None:
    # Given a reader whose mail of an hour after confirming bounced for good, suppressed
    subscribe_and_confirm(stack, "reader@example.org")
    old = bounce_event("Permanent", "reader@example.org", sent_at=stack.now + 3600)
    assert stack.invoke("bounce", old)["suppressed"] == 1
    # And the suppression lifted a day later (runbook: "Lift a suppression"), the reader asking again
    stack.now += 86400
    stack.dynamodb.delete_item(TableName=TABLE, Key={"id": {"S": subscriber_id("reader@example.org")}})
    assert stack.subscribe("reader@example.org").status == 202
    link = confirmation_link(stack.mails_to("reader@example.org")[-1])
    # When the old bounce is replayed from EmailDeadLetterQueue (runbook: "Redrive send batches")
    assert stack.invoke("bounce", old)["suppressed"] == 0
    # Then the new subscription, asked for after that mail, still confirms
    assert "订阅成功" in stack.http("POST", "/confirm", query={"token": token_of(link)}).body
    assert stack.record("reader@example.org").status == ACTIVE  # type: ignore[union-attr]


def test_a_mailbox_that_complained_or_whose_address_bounced_gets_no_mail_under_another_spelling(
    stack: Stack,
) -> None:
    # Given a Gmail reader who complained, a reader who complained under a tagged address, and an
    # address that bounced for good (no such mailbox)
    subscribe_and_confirm(stack, "victim@gmail.com")
    subscribe_and_confirm(stack, "alice+news@example.org")
    subscribe_and_confirm(stack, "alice@example.org")
    subscribe_and_confirm(stack, "gone@example.org")
    stack.invoke("bounce", bounce_event("", "victim@gmail.com", event_type="Complaint"))
    stack.invoke("bounce", bounce_event("", "alice+news@example.org", event_type="Complaint"))
    stack.invoke("bounce", bounce_event("Permanent", "gone@example.org"))
    before = len(stack.mails())
    # When someone subscribes the same mailboxes under other spellings
    for spelling in (
        "v.ictim@gmail.com",
        "victim+x@googlemail.com",
        "alice+other@example.org",
        "gone+x@example.org",
    ):
        stack.subscribe(spelling)
    # Then no confirmation mail goes out: each spelling is suppressed, naming why
    assert len(stack.mails()) == before
    assert stack.record("v.ictim@gmail.com").status == "suppressed"  # type: ignore[union-attr]
    assert stack.record("v.ictim@gmail.com").reason == "mailbox complaint:abuse"  # type: ignore[union-attr]
    # And the complaining reader's own subscription under the plain address gets no edition either
    assert stack.announce(DAY1)["subscribers"] == 0


def test_a_stranger_s_tagged_spelling_that_bounces_leaves_the_reader_s_subscription_as_it_is(
    stack: Stack,
) -> None:
    # Given a reader on a domain where "+" is no tag, subscribed as bob@
    subscribe_and_confirm(stack, "bob@corp.example")
    # When a stranger subscribes bob+x@ and its confirmation mail bounces for good (no such mailbox)
    stack.subscribe("bob+x@corp.example")
    stack.invoke("bounce", bounce_event("Permanent", "bob+x@corp.example"))
    # Then only that spelling is suppressed: bob still gets the edition, and may ask again
    assert stack.record("bob+x@corp.example").status == "suppressed"  # type: ignore[union-attr]
    assert stack.record("bob@corp.example").status == "active"  # type: ignore[union-attr]
    assert stack.announce(DAY1)["subscribers"] == 1
    assert stack.drain() == [] and len(stack.editions_to("bob@corp.example")) == 1


@pytest.mark.parametrize("message", ["garbage", "[" * 2000 + "]" * 2000])
def test_a_bounce_notification_that_is_not_json_fails_loudly(stack: Stack, message: str) -> None:
    with pytest.raises(Exception, match="not an SES event"):
        stack.invoke("bounce", {"Records": [{"Sns": {"Message": message}}]})


# ---------------------------------------------------------------- the mailto: unsubscribe address


def received_mail_event(subject: str, sender: str, *, dmarc: str = "PASS") -> dict[str, Any]:
    """What an SES receipt rule's Lambda action passes for a mail to the unsubscribe mailbox."""
    receipt = {f"{name}Verdict": {"status": "PASS"} for name in ("spam", "virus", "spf", "dkim")}
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": "2026-11-20T01:00:00.000Z",
                        "source": sender,
                        "messageId": str(uuid.uuid4()),
                        "destination": [UNSUBSCRIBE_BOX],
                        "headersTruncated": False,
                        "headers": [],
                        "commonHeaders": {
                            "returnPath": sender,
                            "from": [sender],
                            "to": [UNSUBSCRIBE_BOX],
                            "messageId": "<m@example.org>",
                            "subject": subject,
                        },
                    },
                    "receipt": receipt
                    | {
                        "recipients": [UNSUBSCRIBE_BOX],
                        "dmarcVerdict": {"status": dmarc},
                        "action": {"type": "Lambda", "invocationType": "Event"},
                    },
                },
            }
        ]
    }


def mailto_of(edition: EmailMessage) -> tuple[str, str]:
    """(address, subject) of an edition's mailto: List-Unsubscribe link, as a mail client reads it."""
    (mailto,) = [
        link for link in re.findall(r"<([^>]+)>", str(edition["List-Unsubscribe"])) if "mailto:" in link
    ]
    parts = urlsplit(mailto)
    return parts.path, parse_qs(parts.query)["subject"][0]


def test_a_mail_to_the_mailto_unsubscribe_address_unsubscribes_and_no_more_mail_goes_out(
    stack: Stack,
) -> None:
    for address in ("reader@example.org", "stays@example.org"):
        subscribe_and_confirm(stack, address)
    stack.announce(DAY1)
    assert stack.drain() == []

    # Given the mail a client sends from reader's mailto: link (no DMARC: the token decides)
    to, subject = mailto_of(stack.editions_to("reader@example.org")[0])
    assert to == UNSUBSCRIBE_BOX
    event = received_mail_event(subject, "reader@example.org", dmarc="GRAY")
    # When SES hands it to the function, twice (an asynchronous retry)
    first = stack.invoke("unsubscribe_mail", event)
    stack.reload("unsubscribe_mail")
    assert stack.invoke("unsubscribe_mail", event) == first
    # Then reader is unsubscribed and forgotten, and only the other subscriber gets the next edition
    assert first == {"mails": 1, "unsubscribed": 1, "outcomes": {"token": 1}}
    record = stack.record("reader@example.org")
    assert record is not None and record.status == "unsubscribed" and record.address is None
    assert stack.announce(DAY2)["subscribers"] == 1
    assert stack.drain() == []
    assert len(stack.editions_to("reader@example.org")) == 1
    assert len(stack.editions_to("stays@example.org")) == 2


def test_a_mail_without_a_token_unsubscribes_only_a_dmarc_aligned_sender(stack: Stack) -> None:
    for address in ("reader@example.org", "victim@example.org"):
        subscribe_and_confirm(stack, address)

    forged = stack.invoke(
        "unsubscribe_mail", received_mail_event("unsubscribe", "victim@example.org", dmarc="FAIL")
    )
    assert forged == {"mails": 1, "unsubscribed": 0, "outcomes": {"unverified_sender": 1}}
    assert stack.record("victim@example.org").status == ACTIVE  # type: ignore[union-attr]

    aligned = stack.invoke("unsubscribe_mail", received_mail_event("", "Reader <Reader@Example.org>"))
    assert aligned["outcomes"] == {"sender": 1}
    assert stack.record("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]


def test_an_event_that_is_not_received_mail_fails_loudly(stack: Stack) -> None:
    with pytest.raises(Exception, match="not an SES receipt event"):
        stack.invoke("unsubscribe_mail", bounce_event("Permanent", "reader@example.org"))


# ---------------------------------------------------------------- at most once, at scale


def test_a_redelivered_batch_and_a_repeated_fan_out_send_no_duplicate(stack: Stack) -> None:
    for address in ("a@example.org", "b@example.org"):
        subscribe_and_confirm(stack, address)
    stack.announce(DAY1)
    messages = stack.receive()
    assert len(messages) == 1

    assert stack.deliver(messages) == []
    assert stack.deliver(messages) == []  # SQS delivered it again (at-least-once)
    stack.reload("send_batch")
    assert stack.deliver(messages) == []  # ... to a fresh container
    stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    stack.announce(DAY1)  # the announcement delivered twice
    assert stack.drain() == []

    assert len(stack.editions_to("a@example.org")) == len(stack.editions_to("b@example.org")) == 1


def test_a_failing_batch_is_retried_then_sent_once(stack: Stack) -> None:
    subscribe_and_confirm(stack, "a@example.org")
    stack.announce(DAY1)
    stack.sesv2.delete_email_identity(EmailIdentity="digest@example.com")  # SES refuses

    (message,) = stack.receive()
    assert stack.deliver([message]) == [message["MessageId"]]  # reported: SQS redelivers it
    stack.sesv2.create_email_identity(EmailIdentity="digest@example.com")
    assert stack.drain() == []
    assert len(stack.editions_to("a@example.org")) == 1


def test_a_batch_received_with_under_twenty_seconds_left_sends_nothing_and_is_sent_on_its_retry(
    stack: Stack,
) -> None:
    # Given a batch of two subscribers
    for address in ("a@example.org", "b@example.org"):
        subscribe_and_confirm(stack, address)
    stack.announce(DAY1)
    (message,) = stack.receive()
    # When the function gets it with 15 s left (one SES call may take 15 s: Lambda could kill it mid-send)
    assert stack.deliver([message], remaining_ms=15_000) == [message["MessageId"]]
    # Then it sends nothing and reports the batch, which SQS delivers again
    assert stack.editions_to("a@example.org") == stack.editions_to("b@example.org") == []
    # And with 25 s left the retry sends to each, once
    assert stack.deliver([message], remaining_ms=25_000) == []
    assert len(stack.editions_to("a@example.org")) == len(stack.editions_to("b@example.org")) == 1


def test_a_batch_failing_three_times_is_dead_lettered(stack: Stack) -> None:
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody='{"v": 1, "date": "garbage"}')
    for _ in range(3):
        (message,) = stack.receive()
        assert stack.deliver([message]) == [message["MessageId"]]
    assert stack.receive() == []
    dead = stack.sqs.receive_message(QueueUrl=stack.dead_letter_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dead] == ['{"v": 1, "date": "garbage"}']


def test_an_outage_outlasting_the_receives_loses_no_one_once_the_batch_is_redriven(stack: Stack) -> None:
    # Given eight subscribers in one batch, and SES refusing every message for all three receives
    addresses = [f"r{n}@example.org" for n in range(8)]
    for address in addresses:
        subscribe_and_confirm(stack, address)
    stack.announce(DAY1)
    stack.sesv2.delete_email_identity(EmailIdentity="digest@example.com")
    for _ in range(3):
        (message,) = stack.receive()
        assert stack.deliver([message]) == [message["MessageId"]]
    assert stack.receive() == []  # moved to the dead-letter queue
    dead = stack.sqs.receive_message(QueueUrl=stack.dead_letter_url, MaxNumberOfMessages=10)["Messages"]
    assert len(dead) == 1
    # When the cause is fixed and the batch moved back to the send queue (README: DLQ redrive)
    stack.sesv2.create_email_identity(EmailIdentity="digest@example.com")
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody=dead[0]["Body"])
    stack.sqs.delete_message(QueueUrl=stack.dead_letter_url, ReceiptHandle=dead[0]["ReceiptHandle"])
    # Then one receive sends the edition to all eight, once each, and nothing is dead-lettered again
    assert stack.drain() == []
    assert {address: len(stack.editions_to(address)) for address in addresses} == dict.fromkeys(addresses, 1)
    assert stack.sqs.receive_message(QueueUrl=stack.dead_letter_url).get("Messages", []) == []
    # And each is dated when it went out, not when the edition was built (it would sort days back)
    for address in addresses:
        (edition,) = stack.editions_to(address)
        assert abs((edition["Date"].datetime - datetime.now(UTC)).total_seconds()) < 120


def test_a_recipient_given_up_no_longer_fails_the_batch(stack: Stack) -> None:
    # Given b refused three times while SES took other mail (so written in the sent log)
    from ai_news_tracker.identity import recipient_key

    for address in ("a@example.org", "b@example.org"):
        subscribe_and_confirm(stack, address)
    prefix = f"sent/{DAY1}/{recipient_key('b@example.org')}"
    for n in (1, 2, 3):
        stack.s3.put_object(Bucket=RAW, Key=f"{prefix}/{n}", Body=b"{}")
        for outcome in ("deferred", "failed"):  # a counted refusal: deferred, then failed
            stack.s3.put_object(
                Bucket=RAW, Key=f"{prefix}/{n}.{outcome}", Body=b'{"reason": "MessageRejected"}'
            )
    # When the edition's batch is delivered
    stack.announce(DAY1)
    # Then a gets it, b is given up, and the batch succeeds (another receive could send no one)
    assert stack.drain() == []
    assert len(stack.editions_to("a@example.org")) == 1 and stack.editions_to("b@example.org") == []


def test_refusals_an_older_release_recorded_do_not_give_a_recipient_up(stack: Stack) -> None:
    # Given a sent log written by a release before 2026-11-30 06:26: every refusal of an SES outage
    # (its daily quota) recorded as "failed" alone, three receives of the batch before the DLQ
    from ai_news_tracker.identity import recipient_key

    subscribe_and_confirm(stack, "b@example.org")
    prefix = f"sent/{DAY1}/{recipient_key('b@example.org')}"
    for n in (1, 2, 3):
        stack.s3.put_object(Bucket=RAW, Key=f"{prefix}/{n}", Body=b"{}")
        stack.s3.put_object(Bucket=RAW, Key=f"{prefix}/{n}.failed", Body=b'{"reason": "LimitExceeded"}')
    # When the upgraded stack delivers the day's batch again (the runbook's redrive)
    stack.announce(DAY1)
    # Then the recipient still due gets the edition, once
    assert stack.drain() == []
    assert len(stack.editions_to("b@example.org")) == 1


def test_only_the_failed_record_of_a_batch_is_retried(stack: Stack) -> None:
    subscribe_and_confirm(stack, "a@example.org")
    stack.announce(DAY1)
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody="not a batch")
    messages = stack.receive()
    assert len(messages) == 2
    bad = [m["MessageId"] for m in messages if m["Body"] == "not a batch"]
    assert stack.deliver(messages) == bad
    assert len(stack.editions_to("a@example.org")) == 1


def break_the_table(stack: Stack) -> None:
    stack.dynamodb.delete_table(TableName=TABLE)  # a lost grant, a DynamoDB outage: unusable alike


def lose_the_token_key(stack: Stack) -> None:
    boto3.client("ssm", region_name=REGION).delete_parameter(Name=KEY_PARAMETER)
    parameters.clear_caches()
    stack.reload("send_batch")  # a container that has not read it yet


def break_the_sent_log(stack: Stack) -> None:
    # the raw bucket refuses the sent log's writes (a lost grant on sent/, an S3 outage): no fault of SES
    from ai_news_tracker.errors import StorageError

    class Refusing(LocalStore):
        def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
            raise StorageError(f"cannot write {key}: AccessDenied")

    refusing = Refusing("/nonexistent")  # (never written: every write refused)
    stack.monkeypatch.setattr(MailDeployment, "sent_log", property(lambda self: refusing))


# README, runbook: SubscriberStoreFailedAlarm, "the batch sender counts it, EmailBatchErrors"
@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (break_the_table, "cannot read the subscribers"),
        (lose_the_token_key, "TOKEN_KEY_PARAMETER"),
        (break_the_sent_log, "cannot record the send"),
    ],
)
def test_a_batch_failing_for_no_fault_of_ses_is_counted_for_its_alarm_saying_why(
    stack: Stack, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], fault: Any, why: str
) -> None:
    # Given the day's edition fanned out to a reader, then the subscribers table or the token key unusable
    subscribe_and_confirm(stack, "reader@example.org")
    stack.announce(DAY1)
    fault(stack)
    capsys.readouterr()
    # When the batch function takes the batch
    messages = stack.receive()
    with caplog.at_level(logging.ERROR):
        failed = stack.deliver(messages)
    # Then the batch is reported failed (SQS delivers it again), saying why, and counted on the metric
    # EmailBatchErrorsAlarm watches (template.yaml)
    assert failed == [m["MessageId"] for m in messages]
    (line,) = [r for r in caplog.records if r.getMessage() == "email batch failed"]
    assert line.levelno == logging.ERROR and why in line.reason  # type: ignore[attr-defined]
    assert counted(capsys.readouterr().out).count("EmailBatchErrors") == 1


def test_a_message_failing_the_function_every_time_dead_letters_itself_not_the_batch_sent_beside_it(
    stack: Stack,
) -> None:
    # Given the day's batch and, beside it in the queue, one of a day whose edition is not stored
    subscribe_and_confirm(stack, "reader@example.org")
    stack.announce(DAY1)
    missing = {"v": 1, "date": "2026-11-19", "url": None, "ids": [subscriber_id("reader@example.org")]}
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody=json.dumps(missing))
    # When Lambda's poller delivers what the queue holds until it is empty, deleting the messages an
    # invocation did not report failed, and none of an invocation that failed
    while messages := stack.receive():
        try:
            failed = stack.deliver(messages)
        except TrackerError:
            continue
        for message in messages:
            if message["MessageId"] not in failed:
                stack.sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
    # Then the reader has the day's edition once, and only the message that cannot succeed is
    # dead-lettered (the day's went with it while a failure not SES's failed the invocation as a whole)
    assert len(stack.editions_to("reader@example.org")) == 1
    dead = stack.sqs.receive_message(QueueUrl=stack.dead_letter_url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["date"] for m in dead] == ["2026-11-19"]


def test_a_thousand_confirmed_subscribers_get_exactly_one_message_each(stack: Stack, tmp_path: Path) -> None:
    # moto lists a bucket in time proportional to its size: the sent log of this test is a local
    # folder (the S3 one is what every other test here uses)
    sent_log = LocalStore(tmp_path / "raw")
    stack.monkeypatch.setattr(MailDeployment, "sent_log", property(lambda self: sent_log))
    store = DynamoSubscriberStore(TABLE, stack.dynamodb)
    addresses = [f"reader{n:04d}@example.org" for n in range(1000)]
    for address in addresses:
        assert store.put(
            Subscriber(id=subscriber_id(address), status=ACTIVE, address=address, confirmed_at=1)
        )

    assert stack.announce(DAY1) == {
        "date": DAY1,
        "subscribers": 1000,
        "batches": 20,
        "dry_run": False,
        "reason": None,
    }
    assert stack.drain() == []
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert sorted(d for m in sent for d in m.destinations) == addresses
    headers = [HeaderParser(policy=email.policy.default).parsestr(m.raw_data) for m in sent]
    assert len({str(h["List-Unsubscribe"]) for h in headers}) == 1000  # everyone their own links

    stack.announce(DAY1)  # a re-run of the day
    assert stack.drain() == []
    assert len(sent) == 1000


def test_the_fan_out_dry_run_counts_and_enqueues_nothing(stack: Stack) -> None:
    subscribe_and_confirm(stack, "a@example.org")
    result = stack.invoke("send_email", {"date": DAY1, "dry_run": True})
    assert result == {"date": DAY1, "subscribers": 1, "batches": 1, "dry_run": True, "reason": None}
    assert stack.receive() == []


def test_an_edition_without_items_is_not_mailed(stack: Stack) -> None:
    # Given a subscriber, and a day whose edition has no items (every feed quiet or failing)
    subscribe_and_confirm(stack, "a@example.org")
    RawRepository(S3Store(RAW, stack.s3)).save_edition(
        replace(the_edition(), date=date(2026, 11, 22), items=(), key_points=())
    )
    # When its announcement reaches the fan-out
    result = stack.invoke("send_email", {"date": "2026-11-22"})
    # Then nothing is queued, and the summary says why
    assert result["batches"] == 0 and result["reason"] == "the edition has no items"
    assert stack.receive() == [] and stack.editions_to("a@example.org") == []


def test_the_fan_out_refuses_an_edition_that_is_not_stored(stack: Stack) -> None:
    with pytest.raises(Exception, match="no stored edition for 2026-11-19"):
        stack.announce("2026-11-19")


def test_unsubscribe_links_in_the_mail_are_quoted_tokens(stack: Stack) -> None:
    subscribe_and_confirm(stack, "a@example.org")
    stack.announce(DAY1)
    stack.drain()
    (message,) = stack.editions_to("a@example.org")
    https, _ = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
    token = sign(TOKEN_KEY.encode(), UNSUBSCRIBE, subscriber_id("a@example.org"))
    assert https == f"{API}/unsubscribe?token={quote(token, safe='')}"


def test_the_dynamodb_store_writes_only_over_the_version_it_read(stack: Stack) -> None:
    store = DynamoSubscriberStore(TABLE, stack.dynamodb)
    sid = subscriber_id("a@example.org")
    first = store.put(Subscriber(id=sid, status="pending", address="a@example.org"))
    assert first is not None and first.version == 1
    assert store.put(Subscriber(id=sid, status="active", address="a@example.org")) is None  # not new
    assert store.put(replace(first, status=ACTIVE)) is not None
    assert store.put(replace(first, status="unsubscribed")) is None  # a stale read loses
    assert store.get(sid).status == ACTIVE  # type: ignore[union-attr]
    assert [sid] in list(store.active_ids()) and store.get_many([sid, "0" * 64]).keys() == {sid}
    # a record written by hand, without a version, can still be changed
    other = subscriber_id("b@example.org")
    stack.dynamodb.put_item(
        TableName=TABLE,
        Item={"id": {"S": other}, "status": {"S": "active"}, "address": {"S": "b@example.org"}},
    )
    by_hand = store.get(other)
    assert by_hand is not None and by_hand.version == 0
    assert store.put(replace(by_hand, requests=1)) is not None


def test_on_a_stack_whose_sender_is_not_the_configurations_mail_goes_from_the_stacks_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stack deployed with its own SenderAddress and the shipped configuration's sender
    # (samconfig's prod stack): the functions may send only as the stack's address
    with mail_stack(tmp_path, monkeypatch) as stack:
        stack.monkeypatch.setenv("SENDER_ADDRESS", "digest@news.example.org")
        stack.sesv2.create_email_identity(EmailIdentity="news.example.org")  # the verified domain
        # When a reader subscribes and confirms, and the day's edition is announced and sent
        subscribe_and_confirm(stack, "reader@example.org")
        assert stack.announce(DAY1)["subscribers"] == 1
        assert stack.drain() == []
        (confirmation,) = [m for m in stack.mails_to("reader@example.org") if "确认" in m["Subject"]]
        (edition,) = stack.editions_to("reader@example.org")
    # Then both come from the stack's address, under the configured display name
    for mail in (confirmation, edition):
        (sender,) = mail["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ("国产大模型日报", "digest@news.example.org")
    # And the edition's 在浏览器中阅读 leads to the day's web page, not to its Markdown file
    text, html = bodies(edition)
    page = f"https://d111111abcdef8.cloudfront.net/reports/{DAY1}.html"
    assert f"网页版: {page}" in text and f'href="{page}"' in html and ".md" not in html


def test_a_mailbox_posted_under_many_spellings_gets_three_mails_and_the_budgets_live_in_the_table(
    stack: Stack,
) -> None:
    # Given a victim's address posted to the endpoint under twenty +tag spellings
    answers = [stack.subscribe(f"victim+{n}@example.org") for n in range(20)]
    # Then every request is answered alike, and the mailbox gets three confirmation mails
    assert {(a.status, a.json()["status"]) for a in answers} == {(202, "accepted")}
    assert len([m for m in stack.mails() if "victim" in str(m["To"])]) == 3
    # And the budgets are counted in the subscribers table, expiring, outside the fan-out's index
    store = DynamoSubscriberStore(TABLE, stack.dynamodb)
    assert [store.take("quota#test", 2, 1_800_000_000) for _ in range(3)] == [True, True, False]
    item = stack.dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "quota#test"}})["Item"]
    assert (item["count"]["N"], item["expires_at"]["N"]) == ("2", "1800000000")
    # a count given back (a request another budget refused) is counted again, with its expiry
    assert store.give_back("quota#test") and not store.give_back("quota#never-counted")
    item = stack.dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "quota#test"}})["Item"]
    assert (item["count"]["N"], item["expires_at"]["N"]) == ("1", "1800000000")
    assert store.take("quota#test", 2, 1_800_000_000) and not store.take("quota#test", 2, 1_800_000_000)
    subscribe_and_confirm(stack, "reader@example.org")
    assert list(store.active_ids()) == [[subscriber_id("reader@example.org")]]


class CountedMeanwhile:
    """The table's client, but another request counts (``delta``) under the key between the first few
    reads and their conditional writes."""

    def __init__(self, client: Any, key: str, delta: int, times: int) -> None:
        self.client, self.key, self.delta, self.times = client, key, delta, times

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def get_item(self, **kwargs: Any) -> Any:
        answer = self.client.get_item(**kwargs)
        if self.times:
            self.times -= 1
            count = int(answer["Item"]["count"]["N"])
            item = {**answer["Item"], "count": {"N": str(count + self.delta)}}
            self.client.put_item(TableName=kwargs["TableName"], Item=item)
        return answer


def test_a_budget_counted_by_another_request_meanwhile_is_read_again_and_never_overspent(
    stack: Stack,
) -> None:
    # Given a budget of 3 with 1 counted, and another request counting under it between read and write
    store = DynamoSubscriberStore(TABLE, stack.dynamodb)
    assert store.take("quota#busy", 3, 1_800_000_000)
    busy = DynamoSubscriberStore(TABLE, CountedMeanwhile(stack.dynamodb, "quota#busy", +1, 1))
    # When this request counts, Then it writes after reading again: 3 counted, none lost
    assert busy.take("quota#busy", 3, 1_800_000_000)

    def count() -> str:
        return str(
            stack.dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "quota#busy"}})["Item"]["count"]["N"]
        )

    assert count() == "3"
    # And once the other request spends the last one meanwhile, this one is refused, not over the budget
    store.give_back("quota#busy")
    assert not DynamoSubscriberStore(TABLE, CountedMeanwhile(stack.dynamodb, "quota#busy", +1, 1)).take(
        "quota#busy", 3, 1_800_000_000
    )
    assert count() == "3"
    # And a count given back while another request gives one back is read again too
    giving = DynamoSubscriberStore(TABLE, CountedMeanwhile(stack.dynamodb, "quota#busy", -1, 1))
    assert giving.give_back("quota#busy") and count() == "1"
    # And a conflict that persists leaves the count as the others wrote it (fewer mails, never more)
    persisting = DynamoSubscriberStore(TABLE, CountedMeanwhile(stack.dynamodb, "quota#busy", +1, 99))
    assert not persisting.take("quota#busy", 99, 1_800_000_000) and not persisting.give_back("quota#busy")


def test_one_mailbox_posted_all_hour_leaves_the_stacks_budget_to_a_genuine_reader(stack: Stack) -> None:
    from ai_news_tracker.subscribers import CONFIRMATIONS_PER_HOUR

    hour = (1_790_000_000 // 3600 + 1) * 3600
    stack.now = hour + 60
    # Given someone posting their own mailbox: three spellings mailed, then one of them again and again
    spellings = ["me@attacker.example", "me+a@attacker.example", "me+b@attacker.example"]
    for address in spellings + ["me+c@attacker.example"] * CONFIRMATIONS_PER_HOUR:
        assert stack.subscribe(address).status == 202
    assert len(stack.mails()) == 3
    # Then a genuine reader that hour still gets a confirmation mail
    assert stack.subscribe("reader@example.org").status == 202
    assert len(stack.mails_to("reader@example.org")) == 1
    # And the stack's budget in the table counts the mails sent, not the requests refused
    store = stack.dynamodb
    item = store.get_item(TableName=TABLE, Key={"id": {"S": f"quota#hour#{hour // 3600}"}})["Item"]
    assert item["count"]["N"] == "4"


def counted(output: str) -> list[str]:
    """The metrics of the embedded-metric-format lines Powertools printed (an invocation's output)."""
    names = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            directives = json.loads(line)["_aws"]["CloudWatchMetrics"]
            names += [metric["Name"] for directive in directives for metric in directive["Metrics"]]
    return names


def test_a_spent_stack_budget_is_counted_for_its_alarm(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    import ai_news_tracker.subscribers as subscribers_module

    stack.monkeypatch.setattr(subscribers_module, "CONFIRMATIONS_PER_HOUR", 1)
    hour = (1_790_000_000 // 3600 + 1) * 3600
    stack.now = hour + 60

    # Given the hour's one confirmation mail sent
    assert stack.subscribe("first@example.org").status == 202
    assert "SubscribeOverBudget" not in counted(capsys.readouterr().out)
    # When another reader signs up that hour, Then the answer is the same, and the refusal is counted
    answer = stack.subscribe("reader@example.org")
    assert (answer.status, answer.json()["status"]) == (202, "accepted")
    assert counted(capsys.readouterr().out).count("SubscribeOverBudget") == 1
    assert stack.mails_to("reader@example.org") == []
    # But one mailbox over its own budget is not the stack's: no count
    stack.monkeypatch.setattr(subscribers_module, "CONFIRMATIONS_PER_HOUR", 10)
    stack.now = hour + 3600 + 60
    for n in range(4):
        stack.subscribe(f"me+{n}@attacker.example")
    assert "SubscribeOverBudget" not in counted(capsys.readouterr().out)


def test_a_confirmation_posted_again_counts_no_second_subscriber_and_says_subscribed(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a reader who confirmed with the page's button
    assert stack.subscribe("reader@example.org").status == 202
    token = token_of(confirmation_link(stack.mails_to("reader@example.org")[-1]))
    capsys.readouterr()
    first = stack.http("POST", "/confirm", query={"token": token})
    assert first.status == 200 and "订阅成功" in first.body
    assert counted(capsys.readouterr().out).count("SubscriptionsConfirmed") == 1
    # When the browser posts the form again (a reload of the answer page, a double click)
    again = stack.http("POST", "/confirm", query={"token": token})
    # Then the page says they are subscribed already, and no second new subscriber is counted
    assert again.status == 200 and "您已订阅" in again.body and "订阅成功" not in again.body
    assert "SubscriptionsConfirmed" not in counted(capsys.readouterr().out)


def test_an_unsubscribe_posted_again_is_counted_once(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a reader whose mail client sent the one-click unsubscribe
    https = a_readers_one_click_link(stack)
    capsys.readouterr()
    assert stack.http("POST", "/unsubscribe", query={"token": token_of(https)}).status == 200
    assert counted(capsys.readouterr().out).count("Unsubscribed") == 1
    # When they press the footer's button too
    again = stack.http("POST", "/unsubscribe", query={"token": token_of(https)})
    # Then the answer is the same, and one reader left: one count
    assert again.status == 200 and "退订" in again.body
    assert "Unsubscribed" not in counted(capsys.readouterr().out)


def test_endpoints_that_cannot_use_the_subscribers_table_are_counted_for_an_alarm(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a subscribed reader, then a subscribers table the endpoints cannot use (an IAM policy that
    # lost its grant, a throttled or unavailable DynamoDB: here the table is gone)
    https = a_readers_one_click_link(stack)
    stack.dynamodb.delete_table(TableName=TABLE)
    capsys.readouterr()
    # When readers sign up and unsubscribe (RFC 8058 one-click)
    signup = stack.subscribe("new@example.org")
    leave = stack.http("POST", "/unsubscribe", query={"token": token_of(https)})
    # Then both are answered 503, which is no Lambda error, and each is counted on the metric
    # SubscriberStoreFailedAlarm watches (template.yaml)
    assert (signup.status, leave.status) == (503, 503)
    assert counted(capsys.readouterr().out).count("SubscriberStoreFailed") == 2
