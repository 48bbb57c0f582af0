"""Readers SES refuses, the refusal naming no address (ai_news_tracker.mail._Run): one refused while SES
takes the others' mail is given up after MAX_ATTEMPTS refusals, so the batch stops failing; SES
refusing every message (an outage) gives no one up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ai_news_tracker.config import Config, EmailConfig
from ai_news_tracker.delivery import Batch, send_batch
from ai_news_tracker.mail import MAX_ATTEMPTS, SendError, SesSender
from ai_news_tracker.models import Edition, Item, SourceStatus
from ai_news_tracker.store import LocalStore
from ai_news_tracker.subscribers import MemorySubscriberStore, Subscriptions, subscriber_id
from ai_news_tracker.subscription import Tokens

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CONFIG = Config(email=EmailConfig(enabled=True, sender="国产大模型日报 <digest@example.com>"))
NOW = datetime(2026, 11, 20, tzinfo=UTC)
T0 = int(NOW.timestamp()) - 86400


def edition(*items: Item) -> Edition:
    return Edition(
        date=NOW.date(),
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=NOW,
        window_start=None,
        window_end=NOW,
        key_points=(),
        items=items,
        sources=(SourceStatus("机器之心", "ok"),),
        leaderboard=None,
    )


def item(title: str, text: str = "正文") -> Item:
    return Item(
        id="id1",
        identity="identity1",
        source="机器之心",
        title=title,
        text=text,
        url="https://36kr.com/p/1",
        published_at=NOW,
        first_seen=NOW,
    )


class Ses:
    """An SES v2 client that refuses the messages ``refuses`` picks (by recipient, and how many it took
    so far) the way SES refuses a message (HTTP 400, an error that does not name the address), and
    takes every other one."""

    def __init__(self, refuses: Callable[[str, int], bool]) -> None:
        self.refuses = refuses
        self.taken: list[bytes] = []
        self.refusals = 0

    def send_email(self, **args: Any) -> dict[str, Any]:
        raw: bytes = args["Content"]["Raw"]["Data"]
        to = raw.partition(b"\r\nTo: ")[2].partition(b"\r\n")[0].decode()
        if self.refuses(to, len(self.taken)):
            self.refusals += 1
            raise ClientError(
                {
                    "Error": {"Code": "MessageRejected", "Message": "Address blacklisted."},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                "SendEmail",
            )
        self.taken.append(raw)
        return {"MessageId": f"m{len(self.taken)}"}


def refusing(*addresses: str) -> Ses:
    """SES refusing these readers alone, every time."""
    return Ses(lambda to, _taken: to in addresses)


class Receives:
    """SQS receiving one batch of ``readers`` (active subscribers) again and again."""

    def __init__(self, readers: Iterable[str], ses: Ses, sent_log: Path) -> None:
        self.subscriptions = Subscriptions(MemorySubscriberStore())
        readers = list(readers)
        for address in readers:
            self.subscriptions.subscribe(address, T0)
            assert self.subscriptions.confirm(subscriber_id(address), T0)
        self.batch = Batch(NOW.date(), None, tuple(subscriber_id(address) for address in readers))
        self.ses = ses
        self.log = LocalStore(sent_log)

    def __call__(self) -> bool:
        """One receive of the batch; whether it succeeded (else SQS delivers it again)."""
        try:
            send_batch(
                self.batch,
                edition(item("新闻")),
                CONFIG,
                self.subscriptions,
                send=SesSender(None, self.ses, retries=0).send,  # type: ignore[arg-type]
                sent_log=self.log,
                tokens=Tokens(lambda: [b"k" * 32]),
                unsubscribe_base="https://api.example.org",
                unsubscribe_mailto=None,
                templates_dir=TEMPLATES,
            )
        except SendError:
            return False
        return True


@pytest.mark.parametrize("order", [("a@example.org", "b@example.org"), ("b@example.org", "a@example.org")])
def test_a_recipient_ses_always_refuses_is_given_up_and_its_batch_stops_failing(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    # Given a batch of two active readers, SES taking a's mail and refusing b's, every time (a refusal
    # of b alone: not systemic, not throttling, and not naming the address)
    ses = refusing("b@example.org")
    receive = Receives(order, ses, tmp_path)
    # When SQS delivers it its three receives, then the operator redrives it from the DLQ
    outcomes = [receive() for _ in range(6)]
    # Then a got the edition once; b's mail was refused MAX_ATTEMPTS times, a receive each (the later
    # receives' only send: a, sent, proves SES takes this edition's mail), and b was then given up, so
    # the batch stopped failing instead of landing in the dead-letter queue after every redrive
    assert len(ses.taken) == 1
    assert ses.refusals == MAX_ATTEMPTS
    assert outcomes == [False] * (MAX_ATTEMPTS - 1) + [True] * (7 - MAX_ATTEMPTS)


# (c and d refused, a and b taken, is no case here: two refusals with no acceptance after them look
# like SES refusing every message after a and b, test_ses_refusing_every_message_after_the_first…)
@pytest.mark.parametrize("refused", [("a@example.org", "c@example.org"), ("a@example.org", "b@example.org")])
def test_two_readers_ses_refuses_in_one_batch_are_given_up_by_the_third_receive(
    tmp_path: Path, refused: tuple[str, str]
) -> None:
    # Given a batch of four readers, SES refusing two of them (each alone, no address named) and
    # taking the others' mail
    ses = refusing(*refused)
    receive = Receives(["a@example.org", "b@example.org", "c@example.org", "d@example.org"], ses, tmp_path)
    # When SQS delivers it three times (its receives), then twice more after a redrive
    outcomes = [receive() for _ in range(MAX_ATTEMPTS + 2)]
    # Then the others got the edition once, both refused readers were given up by the third receive,
    # and the batch stopped failing there instead of landing in the dead-letter queue
    assert len(ses.taken) == 2
    assert outcomes[MAX_ATTEMPTS - 1 :] == [True] * 3, outcomes


def test_a_refusal_of_every_message_gives_no_one_up(tmp_path: Path) -> None:
    # Given a batch whose every message SES refuses without naming an address (an unverified sender)
    readers = [f"r{n}@example.org" for n in range(3)]
    ses = Ses(lambda _to, _taken: True)
    receive = Receives(readers, ses, tmp_path)
    # When it is received again and again
    assert not any(receive() for _ in range(MAX_ATTEMPTS + 2))
    # Then no one is given up: nothing shows the refusals are the readers' own
    assert ses.taken == [] and ses.refusals == len(readers) * (MAX_ATTEMPTS + 2)


def test_ses_refusing_every_message_after_the_first_gives_no_one_up(tmp_path: Path) -> None:
    # Given a batch of three readers; SES takes r0's message, then refuses every message
    readers = [f"r{n}@example.org" for n in range(3)]
    up = [False]
    ses = Ses(lambda _to, taken: not up[0] and taken >= 1)
    receive = Receives(readers, ses, tmp_path)
    # When SQS delivers the batch more often than a reader's refusals may count, SES refusing them all
    assert [receive() for _ in range(MAX_ATTEMPTS + 1)] == [False] * (MAX_ATTEMPTS + 1)
    # And SES works again and the batch is redriven
    up[0] = True
    assert receive()
    # Then every reader got the edition, once: the outage gave no one up
    assert len(ses.taken) == len(readers)
