"""The email edition under moto: raw MIME through SES v2, at most once per (edition, recipient).

moto keeps every raw message SES accepted (``ses_backends[account][region].sent_messages``, shared by
the v1 and v2 APIs); the sent log lives in a moto S3 bucket, as on AWS. The functions that send to
subscribers (fan-out, batches, bounces) are driven in ``test_subscriptions_moto.py``.
"""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
from lambda_support import fake_credentials
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from ai_news_tracker.aws import S3Store
from ai_news_tracker.config import Config, EmailConfig
from ai_news_tracker.mail import SesSender, bodies, send_edition
from ai_news_tracker.models import Edition, Item, SourceStatus
from ai_news_tracker.store import LocalStore, Store

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
REGION = "us-east-1"
RAW, SITE = "mail-raw-bucket", "mail-site-bucket"
SENDER = "国产大模型日报 <digest@example.com>"
NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)


def the_edition() -> Edition:
    items = tuple(
        Item(
            id=f"id{n}",
            identity=f"identity{n}",
            source="机器之心",
            title=title,
            text=f"正文 {n}",
            url=url,
            published_at=NOW,
            first_seen=NOW,
        )
        for n, (title, url) in enumerate(
            [
                ("DeepSeek 发布新一代推理模型", "https://36kr.com/p/1001"),
                ("<script>alert(1)</script>", "javascript:alert(1)"),
            ]
        )
    )
    return Edition(
        date=DAY,
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=NOW,
        window_start=None,
        window_end=NOW,
        key_points=("DeepSeek 发布新一代推理模型",),
        items=items,
        sources=(SourceStatus("机器之心", "ok"),),
        leaderboard=None,
    )


@dataclass
class Aws:
    s3: Any
    sesv2: Any
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def messages(self) -> list[Any]:
        return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)

    def parsed(self) -> list[EmailMessage]:
        found = []
        for raw in self.messages:
            message = email.message_from_string(raw.raw_data, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found


@pytest.fixture
def aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    fake_credentials(monkeypatch)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (RAW, SITE):
            s3.create_bucket(Bucket=bucket)
        sesv2 = boto3.client("sesv2", region_name=REGION)
        sesv2.create_configuration_set(ConfigurationSetName="digest")
        sesv2.create_email_identity(EmailIdentity="digest@example.com")  # moto refuses unverified senders
        yield Aws(s3, sesv2, tmp_path, monkeypatch)


def send(aws: Aws, recipients: list[str], sent_log: Store | None = None) -> Any:
    return send_edition(
        the_edition(),
        Config(email=EmailConfig(enabled=True, sender=SENDER, recipients=tuple(recipients))),
        recipients,
        sender=SesSender("digest", aws.sesv2),
        outbox=None,
        sent_log=sent_log or S3Store(RAW, aws.s3),
        web_url="https://d111111abcdef8.cloudfront.net/reports/2026-11-20.html",
        unsubscribe_base=None,
        templates_dir=TEMPLATES,
    )


def test_three_recipients_get_one_raw_message_each_and_a_rerun_sends_nothing(aws: Aws) -> None:
    recipients = ["a@example.org", "b@example.org", "c@example.org"]

    first = send(aws, recipients)
    assert len(first.sent) == 3 and all(first.sent.values())
    assert [m.destinations for m in aws.messages] == [[r] for r in recipients]
    for message, recipient in zip(aws.parsed(), recipients, strict=True):
        assert [a.addr_spec for a in message["To"].addresses] == [recipient]
        assert message["Subject"] == "2026-11-20 国产大模型日报"
        assert message["From"].addresses[0].display_name == "国产大模型日报"
        text, html = bodies(message)  # both parts arrive (moto drops the text of Simple emails)
        assert "DeepSeek 发布新一代推理模型" in text and "<script>alert(1)</script>" in text
        assert "&lt;script&gt;" in html and "<script>" not in html and "javascript:" not in html

    second = send(aws, recipients)
    assert second.sent == {} and second.skipped == recipients
    assert len(aws.messages) == 3
    keys = [k["Key"] for k in aws.s3.list_objects_v2(Bucket=RAW, Prefix="sent/2026-11-20/")["Contents"]]
    outcomes = [k for k in keys if k.endswith(".sent")]
    assert len(keys) == 6 and len(outcomes) == 3
    refs = {json.loads(aws.s3.get_object(Bucket=RAW, Key=k)["Body"].read())["ref"] for k in outcomes}
    assert refs == set(first.sent.values())


def test_an_unverified_sender_is_refused_and_the_next_run_sends(aws: Aws) -> None:
    aws.sesv2.delete_email_identity(EmailIdentity="digest@example.com")
    first = send(aws, ["a@example.org", "b@example.org"])
    assert first.sent == {} and "MessageRejected" in first.failed["a@example.org"]
    assert aws.messages == []

    aws.sesv2.create_email_identity(EmailIdentity="digest@example.com")
    second = send(aws, ["a@example.org", "b@example.org"])
    assert list(second.sent) == ["a@example.org", "b@example.org"] and len(aws.messages) == 2


def test_a_thousand_recipients_get_exactly_one_message_each(aws: Aws) -> None:
    recipients = [f"reader{n:04d}@example.org" for n in range(1000)]
    sent_log = LocalStore(aws.tmp_path)  # the S3 sent log is covered above; this keeps the test fast

    report = send(aws, recipients + recipients[:10], sent_log)  # listed twice: still one message
    assert len(report.sent) == 1000 and not report.failed

    destinations = [d for m in aws.messages for d in m.destinations]
    assert len(destinations) == 1000 and sorted(destinations) == recipients
    again = send(aws, recipients, sent_log)
    assert again.sent == {} and len(again.skipped) == 1000 and len(aws.messages) == 1000
