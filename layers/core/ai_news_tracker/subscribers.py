"""Subscribers of the email edition: address validation, the double opt-in state machine, the store.

One record per address, keyed by the subscriber id (the sha256 of the normalised address, the same
hash the sent log names recipients by: :func:`ai_news_tracker.mail.recipient_key`)::

    id            the key                      status    pending | active | unsubscribed | suppressed
    address       only while pending/active    version   optimistic lock, +1 on every write
    requests      subscribe requests, ever     mails     confirmation mails of the pending period
    last_mail_at  the last confirmation mail   expires_at  when the record goes (TTL): pending, unsubscribed
    active_id     = id while active (the key of the sparse ActiveIndex the fan-out scans)
    confirmed_at, created_at, updated_at, reason (why suppressed)

Every change is read → a pure transition (:func:`request_subscription`, :func:`confirm`,
:func:`unsubscribe`, :func:`suppress`) → a write conditional on the version read, retried on a
conflict; so two requests at once send one confirmation mail. Abuse is limited here: a confirmation
mail goes to an address at most once per :data:`RESEND_AFTER` and at most
:data:`MAX_CONFIRMATION_MAILS` times per pending period (which ends :data:`CONFIRM_TTL` after the last
mail; DynamoDB's TTL then deletes the record). An active address gets, at most as often, the notice
that it is subscribed (to its own mailbox only), a suppressed one no mail at all, and the caller
answers every request the same way, so nobody learns whether an address is subscribed.
Unsubscribed and suppressed records keep no address, only its hash and the state; an unsubscribed
one is deleted (TTL) once the links made before could have expired.

Budgets bound what the endpoint can be made to mail (:meth:`Subscriptions.take_mail_budget`),
counted in the same table under ``quota#…`` keys that DynamoDB's TTL deletes: one mailbox gets at most
:data:`MAILBOX_MAILS_PER_DAY` confirmation mails a day, however its address is spelled (``+tags``, a
Gmail address's dots: :func:`mailbox_key`), and the whole stack sends at most
:data:`CONFIRMATIONS_PER_HOUR` an hour and :data:`CONFIRMATIONS_PER_DAY` a (UTC) day. The mailbox's
budget is counted first, and a request one budget refuses gives back what the others counted, so
posting one's own mailbox again and again spends nothing of the stack's. A request over budget is
answered like any other, and its address waits the hour as if it had been mailed
(:func:`mail_withheld`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parseaddr
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .errors import ConfigError, StorageError, TrackerError
from .identity import recipient_key
from .log import get_logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = get_logger()

PENDING, ACTIVE, UNSUBSCRIBED, SUPPRESSED = "pending", "active", "unsubscribed", "suppressed"
STATUSES = frozenset({PENDING, ACTIVE, UNSUBSCRIBED, SUPPRESSED})
# What a bounce or complaint did to an address (:meth:`Subscriptions.suppress`)
FeedbackOutcome = Literal["suppressed", "suppressed before", "older"]
CONFIRM_TTL = 48 * 3600  # a confirmation link works this long
RESEND_AFTER = 3600  # no second confirmation mail to an address within the hour
MAX_CONFIRMATION_MAILS = 3  # per pending period
ACTIVE_INDEX = "ActiveIndex"
WRITE_ATTEMPTS = 4  # a conflicting write is re-read and retried this often
MAILBOX_MAILS_PER_DAY = 3  # confirmation mails to one mailbox (+tags and Gmail dots folded) a day
# Confirmation mails of the whole stack. A list grows slowly (a few sign-ups a day; 50 is ten times
# that), and a mail to an address that does not exist bounces: a whole day's budget bouncing stays
# under the 5 % bounce rate at which SES reviews an account for a list of 1,000 (50 of ~1,050 mails
# that day). The hourly budget keeps one burst (a link shared somewhere) from spending the day's.
CONFIRMATIONS_PER_DAY = 50
CONFIRMATIONS_PER_HOUR = 20
QUOTA_PREFIX = "quota#"
# SES's mail.timestamp and the subscribe function's clock (a record's created_at) are two clocks: a
# pending address's feedback counts when its mail reads as sent up to this long before the record
FEEDBACK_CLOCK_SLACK = 60
_GMAIL = frozenset({"gmail.com", "googlemail.com"})

MAX_ADDRESS, MAX_LOCAL, MAX_LABEL = 254, 64, 63
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})*$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# A Chinese input method's full-width mode (全角) types ASCII as U+FF01–U+FF5E: ＠ and the name's
# letters, digits and punctuation are read as the ASCII they stand for (NFKC of those alone), as IDNA
# reads the domain's
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# What is stripped around an address: spaces, tabs and a pasted byte order mark (U+FEFF, no space to
# Python, one to JavaScript; IDNA ignores it in a domain). Inside, a space or control is refused
# (``space_or_control``).
AROUND = " \t\ufeff"
# What separates a domain's labels: every character IDNA (UTS #46) reads as a full stop alone: a Chinese
# input method's 。, and ．｡﹒․; one it reads as more (⒈ as "1.") is refused. The subscribe field's
# pattern (templates/_page.html.j2) takes the same (tests/unit/test_web_edition.py compares them).
DOMAIN_DOTS = ".\u3002\uff0e\uff61\ufe52\u2024"
_DOTS = dict.fromkeys(map(ord, DOMAIN_DOTS), ".")


class InvalidAddress(TrackerError):
    """Not an address a confirmation mail can be sent to."""

    status = "invalid_address"


class ConflictError(StorageError):
    """A record kept changing under a write (retried :data:`WRITE_ATTEMPTS` times)."""

    status = "conflict"


# -- addresses ---------------------------------------------------------------------------------------
def normalise_address(value: object) -> str:
    """``local@domain`` checked and normalised, else :class:`InvalidAddress`.

    ASCII dot-atom local part (no quoted strings, no comments, no encoded word's shape ``=?…?=``, which
    the mailer refuses: :func:`~ai_news_tracker.config.is_mail_address`; at most 64 characters;
    full-width ASCII read as ASCII), a DNS domain of at least two labels (an internationalised one in
    its ``xn--`` form), lower-cased; no control characters or whitespace anywhere (so no CR/LF header
    injection), at most 254 characters.
    """
    if not isinstance(value, str):
        raise InvalidAddress("the address is not text")
    text = value.strip(AROUND)
    if not text or len(text) > MAX_ADDRESS * 2:
        raise InvalidAddress("the address is empty or too long")
    if any(space_or_control(c) for c in text):
        raise InvalidAddress("the address holds control characters or spaces")
    text = text.translate(_FULL_WIDTH)  # (its 。 is one of DOMAIN_DOTS)
    if text.count("@") != 1:
        raise InvalidAddress("an address has exactly one @")
    local, domain = text.split("@")
    if not local or len(local) > MAX_LOCAL or not _LOCAL.match(local):
        raise InvalidAddress("the part before @ is not a plain mailbox name")
    if len(local) + 1 + len(domain) > MAX_ADDRESS:  # said as such (IDNA refuses a long name as invalid)
        raise InvalidAddress("the address is too long")
    domain = domain.translate(_DOTS)
    ascii_domain = domain.lower() if domain.isascii() else _ascii_domain(domain)
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise InvalidAddress("the domain is not a valid name")
    if len(labels) != domain.count(".") + 1:  # a dot IDNA made of another character (⒈)
        raise InvalidAddress("the domain is not a valid name")
    address = f"{local}@{ascii_domain}"
    if len(address) > MAX_ADDRESS:
        raise InvalidAddress("the address is too long")
    from .config import is_mail_address  # here: the bounce function never loads the configuration

    if not is_mail_address(address):  # the mailer's rule; by now only its name can break it (=?utf-8?q?x?=)
        raise InvalidAddress("the part before @ is not a plain mailbox name")
    return address


def space_or_control(char: str) -> bool:
    """Whether ``char`` is one an address may not hold: a control character or a space (Python's)."""
    return ord(char) < 0x20 or ord(char) == 0x7F or char.isspace()


def _ascii_domain(domain: str) -> str:
    """A domain with non-ASCII characters in its ``xn--`` form, else :class:`InvalidAddress`.

    IDNA 2008 with UTS #46 mapping, as registries and browsers: Python's own codec is IDNA 2003, which
    maps faß.de to fass.de, another registered domain. A name IDNA 2008 refuses but IDNA 2003 took (an
    emoji domain, registered under the older rules) is encoded as then. (An ASCII domain is not passed
    here: IDNA 2008's hyphen rule would refuse ``ab--cd.com``, a name in use.)
    """
    import idna  # here: its tables cost the functions that never read an address their cold start

    try:
        return idna.encode(domain, uts46=True, transitional=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:
        return domain.lower().encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError) as exc:
        raise InvalidAddress("the domain is not a valid name") from exc


def subscriber_id(address: str) -> str:
    """The record key: the sha256 of the lower-cased address (as the sent log names recipients)."""
    return recipient_key(address)


# -- records and transitions -------------------------------------------------------------------------
@dataclass(frozen=True)
class Subscriber:
    id: str
    status: str
    address: str | None = None
    version: int = 0  # 0: not stored yet
    created_at: int = 0
    updated_at: int = 0
    requests: int = 0
    mails: int = 0
    last_mail_at: int | None = None
    expires_at: int | None = None
    confirmed_at: int | None = None
    reason: str | None = None

    def expired(self, now: int) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def to_item(self) -> dict[str, Any]:
        """The DynamoDB item (low-level attribute values); ``active_id`` only while active."""
        item: dict[str, Any] = {"id": {"S": self.id}, "status": {"S": self.status}}
        for name in ("address", "reason"):
            value = getattr(self, name)
            if value is not None:
                item[name] = {"S": str(value)}
        for name in ("version", "created_at", "updated_at", "requests", "mails"):
            item[name] = {"N": str(int(getattr(self, name)))}
        for name in ("last_mail_at", "expires_at", "confirmed_at"):
            value = getattr(self, name)
            if value is not None:
                item[name] = {"N": str(int(value))}
        if self.status == ACTIVE:
            item["active_id"] = {"S": self.id}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Subscriber:
        def text(name: str) -> str | None:
            value = item.get(name)
            return str(value["S"]) if isinstance(value, dict) and "S" in value else None

        def number(name: str) -> int | None:
            value = item.get(name)
            return int(value["N"]) if isinstance(value, dict) and "N" in value else None

        status = text("status") or ""
        if status not in STATUSES:
            raise StorageError(f"subscriber record with an unknown status {status!r}")
        return cls(
            id=text("id") or "",
            status=status,
            address=text("address"),
            version=number("version") or 0,
            created_at=number("created_at") or 0,
            updated_at=number("updated_at") or 0,
            requests=number("requests") or 0,
            mails=number("mails") or 0,
            last_mail_at=number("last_mail_at"),
            expires_at=number("expires_at"),
            confirmed_at=number("confirmed_at"),
            reason=text("reason"),
        )


@dataclass(frozen=True)
class SubscribeDecision:
    """What a subscribe request does: the record to write, and whether a mail goes out (a confirmation
    link, or for an active subscriber the notice that it is subscribed)."""

    record: Subscriber
    mail: bool
    why: str  # new | resent | throttled | capped | active | suppressed (for logs; never shown)

    @property
    def expires(self) -> int | None:
        """When the link of the mail to send expires."""
        return self.record.expires_at if self.mail else None


def request_subscription(current: Subscriber | None, address: str, now: int) -> SubscribeDecision:
    """The double opt-in's first step for a normalised ``address``."""
    sid = subscriber_id(address)
    requests = (current.requests if current else 0) + 1
    throttled = (
        current is not None and current.last_mail_at is not None and now - current.last_mail_at < RESEND_AFTER
    )
    if (
        current is None
        # unsubscribed within the hour of its last mail, the hour holds (below: the request is counted)
        or (current.status == UNSUBSCRIBED and not throttled)
        or (current.status == PENDING and current.expired(now))
    ):
        record = Subscriber(
            id=sid,
            status=PENDING,
            address=address,
            version=current.version if current else 0,
            created_at=current.created_at if current and current.created_at else now,
            updated_at=now,
            # kept: a confirmation link made before it belongs to an ended subscription (confirm)
            confirmed_at=current.confirmed_at if current else None,
            requests=requests,
            mails=1,
            last_mail_at=now,
            expires_at=now + CONFIRM_TTL,
        )
        return SubscribeDecision(record, mail=True, why="new")
    counted = replace(current, requests=requests, updated_at=now)
    if current.status == SUPPRESSED:
        return SubscribeDecision(counted, mail=False, why=current.status)
    if throttled:
        return SubscribeDecision(counted, mail=False, why="throttled")
    if current.status == ACTIVE:  # the notice that it is subscribed (at most once an hour, as above)
        return SubscribeDecision(replace(counted, last_mail_at=now), mail=True, why="active")
    if current.mails >= MAX_CONFIRMATION_MAILS:
        return SubscribeDecision(counted, mail=False, why="capped")
    record = replace(
        counted, address=address, mails=current.mails + 1, last_mail_at=now, expires_at=now + CONFIRM_TTL
    )
    return SubscribeDecision(record, mail=True, why="resent")


def mail_not_sent(current: Subscriber | None, sent_at: int, now: int) -> Subscriber | None:
    """A confirmation mail (or an active subscriber's notice) could not be sent: give the hourly slot
    back (None: nothing to change)."""
    if current is None or current.status not in (PENDING, ACTIVE) or current.last_mail_at != sent_at:
        return None
    if current.status == ACTIVE:
        return replace(current, last_mail_at=None, updated_at=now)
    return replace(current, mails=max(0, current.mails - 1), last_mail_at=None, updated_at=now)


def mail_withheld(current: Subscriber | None, sent_at: int, now: int) -> Subscriber | None:
    """A confirmation mail was due but a budget refused it: the address keeps waiting the hour, as if
    it had been mailed, but the mail does not count against its :data:`MAX_CONFIRMATION_MAILS` (None:
    nothing to change)."""
    if current is None or current.status != PENDING or current.last_mail_at != sent_at:
        return None
    return replace(current, mails=max(0, current.mails - 1), updated_at=now)


def confirm(current: Subscriber | None, now: int, issued_at: int | None = None) -> Subscriber | None:
    """Pending → active (an active one stays so); None when there is nothing to confirm.

    ``issued_at``: when the confirmation link was made. A link made before the subscriber's last
    confirmation belongs to an earlier subscription (since ended): it cannot confirm a new request,
    which a third party may have made (double opt-in would be bypassed by an old, leaked link).
    """
    if current is None:
        return None
    if current.status == ACTIVE:
        return current
    if current.status != PENDING or current.expired(now) or not current.address:
        return None
    if issued_at is not None and current.confirmed_at is not None and issued_at < current.confirmed_at:
        return None
    return replace(
        current,
        status=ACTIVE,
        confirmed_at=now,
        updated_at=now,
        expires_at=None,
        mails=0,  # last_mail_at kept: the hour since the confirmation mail holds for the notice too
    )


def unsubscribe(current: Subscriber | None, now: int) -> Subscriber | None:
    """Any state → unsubscribed, the address forgotten; suppressed stays suppressed. None: no record.

    The record itself goes when every confirmation link made before could have expired
    (:data:`CONFIRM_TTL`: DynamoDB's TTL deletes it); until then it keeps an old link from confirming
    a new request (:func:`confirm`), and ``last_mail_at``, so that subscribing again gets no second
    mail within the hour of the last one (:data:`RESEND_AFTER`).
    """
    if current is None or current.status in (UNSUBSCRIBED, SUPPRESSED):
        return None
    return replace(
        current,
        status=UNSUBSCRIBED,
        address=None,
        updated_at=now,
        expires_at=now + CONFIRM_TTL,
        mails=0,
    )


def suppress(
    current: Subscriber | None,
    sid: str,
    reason: str,
    now: int,
    sent_at: int | None = None,
    *,
    mailed: bool = True,
) -> Subscriber:
    """A bounce or a complaint: never mail this address again (a record is made when there is none).

    ``sent_at``: when the mail it is about was sent. Feedback on a mail sent before the subscription
    it would end is older than it (:func:`older_than`): a suppression lifted by hand (its record
    deleted) and an old bounce delivered again (a dead-letter replay) leave the new subscription, active
    or pending, as it is. ``mailed``: the mail went to this record's address (False: the record is its
    mailbox's, for another spelling's complaint, which a pending one takes whatever its age). A record
    suppressed before stays as it is, its reason too: feedback delivered again (SNS delivers at least
    once; the runbook replays) changes nothing."""
    if current is not None and current.status == SUPPRESSED:
        return current
    if current is not None and sent_at is not None and older_than(current, sent_at, mailed=mailed):
        return current
    base = current or Subscriber(id=sid, status=SUPPRESSED, created_at=now)
    return replace(
        base,
        status=SUPPRESSED,
        address=None,
        reason=reason[:200],
        updated_at=now,
        expires_at=None,
        mails=0,
        last_mail_at=None,
    )


def older_than(current: Subscriber, sent_at: int, *, mailed: bool = True) -> bool:
    """Whether feedback about a mail sent at ``sent_at`` is older than ``current``'s subscription: sent
    before an active one was confirmed, or (``mailed``: to its address) before a pending one's record
    was made (``created_at``: the first request since the address had no record), give or take
    :data:`FEEDBACK_CLOCK_SLACK`. A pending address's confirmation mail goes out after its request, so
    its bounce (what a mistyped address does) or a complaint about it counts."""
    if current.status == ACTIVE:
        return current.confirmed_at is not None and sent_at < current.confirmed_at
    if current.status == PENDING and mailed:
        return current.created_at > 0 and sent_at < current.created_at - FEEDBACK_CLOCK_SLACK
    return False


# -- the store ---------------------------------------------------------------------------------------
def _mail_budgets(address: str, now: int) -> tuple[tuple[str, str, int, int], ...]:
    """The budgets a confirmation mail to ``address`` at ``now`` counts against, in order: (name, key,
    limit, when the count expires)."""
    hour, day = now // 3600, now // 86400
    mailbox = recipient_key(mailbox_key(address))[:32]
    return (
        ("mailbox", f"{QUOTA_PREFIX}mailbox#{mailbox}#{day}", MAILBOX_MAILS_PER_DAY, (day + 2) * 86400),
        ("hour", f"{QUOTA_PREFIX}hour#{hour}", CONFIRMATIONS_PER_HOUR, (hour + 2) * 3600),
        ("day", f"{QUOTA_PREFIX}day#{day}", CONFIRMATIONS_PER_DAY, (day + 2) * 86400),
    )


def mailbox_key(address: str) -> str:
    """The mailbox an address delivers to, as far as its spelling tells: lower-cased, without a
    ``+tag``, and for Gmail without the dots it ignores (``A.B+x@Gmail.com`` -> ``ab@gmail.com``)."""
    local, _, domain = address.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


class SubscriberStore(Protocol):
    def get(self, sid: str) -> Subscriber | None:
        """The record (a consistent read), or None."""

    def put(self, record: Subscriber) -> Subscriber | None:
        """Write ``record`` if the stored version is still ``record.version`` (0: no record yet).

        The stored record (version + 1), or None when another write came first.
        """

    def active_ids(self, page_size: int = 1000) -> Iterator[list[str]]:
        """The ids of the active subscribers, a page at a time."""

    def get_many(self, ids: Sequence[str]) -> dict[str, Subscriber]:
        """The records of ``ids`` that exist."""

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        """Count one against the budget ``key`` (deleted after ``expires_at``): False when ``limit``
        were counted already (nothing is counted then)."""

    def give_back(self, key: str) -> bool:
        """Uncount one that :meth:`take` counted against ``key``; False when it could not be done."""


class MemorySubscriberStore:
    """The store in a dict (unit tests, local experiments)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def get(self, sid: str) -> Subscriber | None:
        item = self.items.get(sid)
        return Subscriber.from_item(item) if item else None

    def put(self, record: Subscriber) -> Subscriber | None:
        stored = self.get(record.id)
        if (stored.version if stored else 0) != record.version:
            return None
        written = replace(record, version=record.version + 1)
        self.items[record.id] = written.to_item()
        return written

    def active_ids(self, page_size: int = 1000) -> Iterator[list[str]]:
        ids = sorted(sid for sid, item in self.items.items() if "active_id" in item)
        for start in range(0, len(ids), page_size):
            yield ids[start : start + page_size]

    def get_many(self, ids: Sequence[str]) -> dict[str, Subscriber]:
        return {sid: record for sid in ids if (record := self.get(sid)) is not None}

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        count = int(self.items.get(key, {}).get("count", 0))
        if count >= limit:
            return False
        self.items[key] = {"id": key, "count": count + 1, "expires_at": expires_at}
        return True

    def give_back(self, key: str) -> bool:
        item = self.items.get(key)
        if item is None or int(item.get("count", 0)) <= 0:
            return False
        self.items[key] = {**item, "count": int(item["count"]) - 1}
        return True


class DynamoSubscriberStore:
    """The subscribers table (``id`` key, ``expires_at`` TTL, sparse ``ActiveIndex`` on ``active_id``)."""

    def __init__(
        self,
        table: str,
        client: DynamoDBClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table = table
        self._client = client
        self._sleep = sleep

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            from .sdk import client

            self._client = client("dynamodb")
        return self._client

    def get(self, sid: str) -> Subscriber | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_item(TableName=self.table, Key={"id": {"S": sid}}, ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot read the subscribers table: {_describe(exc)}") from exc
        item = answer.get("Item")
        return Subscriber.from_item(item) if item else None

    def put(self, record: Subscriber) -> Subscriber | None:
        from botocore.exceptions import BotoCoreError, ClientError

        written = replace(record, version=record.version + 1)
        # version 0: no record yet (or one written by hand, without a version)
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(#v)", "ExpressionAttributeNames": {"#v": "version"}}
            if record.version == 0
            else {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":v": {"N": str(record.version)}},
            }
        )
        try:
            self.client.put_item(TableName=self.table, Item=written.to_item(), **condition)
        except ClientError as exc:
            if _describe(exc) == "ConditionalCheckFailedException":
                return None
            raise StorageError(f"cannot write the subscribers table: {_describe(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot write the subscribers table: {exc}") from exc
        return written

    def active_ids(self, page_size: int = 1000) -> Iterator[list[str]]:
        from botocore.exceptions import BotoCoreError, ClientError

        start: dict[str, Any] | None = None
        while True:
            args: dict[str, Any] = {"TableName": self.table, "IndexName": ACTIVE_INDEX, "Limit": page_size}
            if start:
                args["ExclusiveStartKey"] = start
            try:
                answer = self.client.scan(**args)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"cannot list the subscribers: {_describe(exc)}") from exc
            ids = [str(item["id"]["S"]) for item in answer.get("Items", []) if "id" in item]
            if ids:
                yield ids
            start = answer.get("LastEvaluatedKey")
            if not start:
                return

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        """Count one more under ``key`` unless ``limit`` are counted (:meth:`_adjust`); a conflict that
        persists counts as over the budget (no mail goes out rather than too many)."""
        return self._adjust(key, +1, limit, expires_at)

    def give_back(self, key: str) -> bool:
        """Count one less under ``key`` (:meth:`_adjust`); False when there is nothing to give back or
        a conflict persists (the budget then stays counted: fewer mails)."""
        return self._adjust(key, -1)

    def _adjust(self, key: str, delta: int, limit: int | None = None, expires_at: int | None = None) -> bool:
        """Read the count, write it + ``delta`` only if it is still what was read (GetItem and PutItem,
        which the functions may already call) and stays within 0 and ``limit``; a conflict is re-read,
        :data:`WRITE_ATTEMPTS` times. ``expires_at``: the count's expiry (else the one it has)."""
        from botocore.exceptions import BotoCoreError, ClientError

        for _ in range(WRITE_ATTEMPTS):
            try:
                answer = self.client.get_item(
                    TableName=self.table, Key={"id": {"S": key}}, ConsistentRead=True
                )
                item = answer.get("Item")
                count = int(item["count"]["N"]) if item and "count" in item else 0
                if count + delta < 0 or (limit is not None and count + delta > limit):
                    return False
                condition: dict[str, Any] = (
                    {"ConditionExpression": "attribute_not_exists(id)"}
                    if item is None
                    else {
                        "ConditionExpression": "#c = :c",
                        "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {":c": {"N": str(count)}},
                    }
                )
                written = {**(item or {}), "id": {"S": key}, "count": {"N": str(count + delta)}}
                if expires_at is not None:
                    written["expires_at"] = {"N": str(expires_at)}
                self.client.put_item(TableName=self.table, Item=written, **condition)
                return True
            except ClientError as exc:
                if _describe(exc) != "ConditionalCheckFailedException":
                    raise StorageError(f"cannot count in the subscribers table: {_describe(exc)}") from exc
            except BotoCoreError as exc:
                raise StorageError(f"cannot count in the subscribers table: {exc}") from exc
        return False

    def get_many(self, ids: Sequence[str]) -> dict[str, Subscriber]:
        from botocore.exceptions import BotoCoreError, ClientError

        found: dict[str, Subscriber] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 100):  # BatchGetItem takes 100 keys
            keys: list[dict[str, Any]] = [{"id": {"S": sid}} for sid in unique[start : start + 100]]
            for attempt in range(6):
                try:
                    answer = self.client.batch_get_item(
                        RequestItems={self.table: {"Keys": keys, "ConsistentRead": True}}
                    )
                except (ClientError, BotoCoreError) as exc:
                    raise StorageError(f"cannot read the subscribers: {_describe(exc)}") from exc
                for item in answer.get("Responses", {}).get(self.table, []):
                    record = Subscriber.from_item(item)
                    found[record.id] = record
                left = (answer.get("UnprocessedKeys") or {}).get(self.table)
                keys = list(left["Keys"]) if left else []
                if not keys:
                    break
                self._sleep(min(0.05 * 2**attempt, 1.0))
            if keys:
                raise StorageError(f"{len(keys)} subscribers could not be read (throttled)")
        return found


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "error"))
    return str(exc)


# -- the use cases -------------------------------------------------------------------------------------
class Subscriptions:
    """The subscribers' use cases over a store; ``now`` (Unix seconds) is always given."""

    def __init__(self, store: SubscriberStore) -> None:
        self.store = store

    def _change(
        self, sid: str, transition: Callable[[Subscriber | None], Subscriber | None]
    ) -> tuple[Subscriber | None, Subscriber | None]:
        """Read, transition, write if changed; (before, after). Retried when a write came between."""
        for _ in range(WRITE_ATTEMPTS):
            current = self.store.get(sid)
            wanted = transition(current)
            if wanted is None or wanted == current:
                return current, current
            written = self.store.put(wanted)
            if written is not None:
                return current, written
        raise ConflictError(f"the subscriber record kept changing ({WRITE_ATTEMPTS} attempts)")

    def subscribe(self, address: object, now: int) -> SubscribeDecision:
        """Record a subscribe request for a valid address; whether a confirmation mail goes out now.

        An address whose mailbox (:func:`mailbox_key`: ``v.ictim+x@gmail.com`` is ``victim@gmail.com``'s)
        bounced or complained is suppressed too: no spelling of it gets mail again."""
        normalised = normalise_address(address)
        mailbox = mailbox_key(normalised)
        held = self.store.get(subscriber_id(mailbox)) if mailbox != normalised else None
        # why the mailbox is suppressed, when it is (None: it is not)
        blocked = (held.reason or "") if held is not None and held.status == SUPPRESSED else None
        decided: list[SubscribeDecision] = []

        def transition(current: Subscriber | None) -> Subscriber:
            if blocked is not None and current is not None and current.status == ACTIVE:
                # subscribed before the mailbox was suppressed: it keeps its subscription (anyone may
                # post the form), and gets no mail from the request, counted as every request is (so
                # written as every other state's: a table that refuses writes answers all alike)
                counted = replace(current, requests=current.requests + 1, updated_at=now)
                decided.append(SubscribeDecision(counted, mail=False, why=SUPPRESSED))
            elif blocked is not None and (current is None or current.status != SUPPRESSED):
                record = suppress(current, subscriber_id(normalised), f"mailbox {blocked}", now)
                decided.append(SubscribeDecision(record, mail=False, why=SUPPRESSED))
            else:
                decided.append(request_subscription(current, normalised, now))
            return decided[-1].record

        _, written = self._change(subscriber_id(normalised), transition)
        decision = decided[-1]
        return replace(decision, record=written) if written is not None else decision

    def take_mail_budget(self, address: str, now: int) -> str | None:
        """Count a confirmation mail to ``address`` against the mailbox's daily, then the stack's hourly
        and daily budget; None when it may go out, else which budget is spent (``mailbox``, ``hour`` or
        ``day``), and then nothing stays counted: a refused request costs no budget. A count that fails
        (its :class:`StorageError` raised) gives back the ones before it too; it stays as it is."""
        taken: list[str] = []
        for name, key, limit, expires_at in _mail_budgets(address, now):
            try:
                counted = self.store.take(key, limit, expires_at)
            except StorageError:
                self._give_back(taken)
                raise
            if not counted:
                self._give_back(taken)
                return name
            taken.append(key)
        return None

    def give_mail_budget_back(self, address: str, now: int) -> None:
        """Uncount what :meth:`take_mail_budget` counted for ``address`` at ``now``: the mail was not
        sent (SES refused it), so an outage spends no budget of the mails after it."""
        self._give_back([key for _, key, _, _ in _mail_budgets(address, now)])

    def _give_back(self, keys: Sequence[str]) -> None:
        """Uncount ``keys``; one that cannot be stays counted (fewer mails rather than more)."""
        for key in keys:
            try:
                given = self.store.give_back(key)
            except StorageError as exc:
                logger.error("mail budget not given back", budget=key.split("#")[1], reason=str(exc))
                continue
            if not given:
                logger.warning("mail budget not given back", budget=key.split("#")[1], reason="conflict")

    def mail_failed(self, record: Subscriber, now: int) -> None:
        """Give back the hourly slot of a confirmation mail that could not be sent."""
        sent_at = record.last_mail_at
        if sent_at is not None:
            self._change(record.id, lambda current: mail_not_sent(current, sent_at, now))

    def mail_withheld(self, record: Subscriber, now: int) -> None:
        """A budget refused the mail due to ``record``: it does not count against the address's
        confirmation mails, but the address waits the hour (:func:`mail_withheld`)."""
        sent_at = record.last_mail_at
        if sent_at is not None:
            self._change(record.id, lambda current: mail_withheld(current, sent_at, now))

    def get(self, sid: str) -> Subscriber | None:
        return self.store.get(sid)

    def confirm(self, sid: str, now: int, issued_at: int | None = None) -> bool:
        """Whether ``sid`` is (now) an active subscriber.

        A pending spelling of a mailbox suppressed meanwhile (a complaint under another spelling) is
        not confirmed but suppressed, as a subscribe request for it would be: only a spelling active
        before the complaint keeps its subscription."""

        _, after = self.confirmed(sid, now, issued_at)
        return after is not None and after.status == ACTIVE

    def confirmed(
        self, sid: str, now: int, issued_at: int | None = None
    ) -> tuple[Subscriber | None, Subscriber | None]:
        """:meth:`confirm`'s record before and after (active before: nothing was confirmed now)."""

        def transition(current: Subscriber | None) -> Subscriber | None:
            confirmed = confirm(current, now, issued_at)
            if confirmed is not None and current is not None and current.status == PENDING:
                blocked = self.mailbox_blocked(current)  # read only when the link would confirm
                if blocked is not None:
                    return suppress(current, sid, f"mailbox {blocked}", now)
            return confirmed

        return self._change(sid, transition)

    def mailbox_blocked(self, record: Subscriber | None) -> str | None:
        """Why the mailbox of a pending ``record``'s address is suppressed under another spelling (None:
        it is not, or the record is not pending)."""
        if record is None or record.status != PENDING or not record.address:
            return None
        mailbox = subscriber_id(mailbox_key(record.address))
        if mailbox == record.id:
            return None
        held = self.store.get(mailbox)
        return (held.reason or "") if held is not None and held.status == SUPPRESSED else None

    def unsubscribe(self, sid: str, now: int) -> bool:
        """End ``sid``'s subscription; whether one ended now (False: none, or ended before)."""
        before, after = self._change(sid, lambda current: unsubscribe(current, now))
        return after != before

    def suppress(
        self, address: str, reason: str, now: int, sent_at: int | None = None, *, whole_mailbox: bool = False
    ) -> FeedbackOutcome:
        """Suppress an address (as SES reports it: compared lower-cased); with ``whole_mailbox`` (a
        complaint: its reader's own word) its mailbox too (:func:`mailbox_key`), so that no other
        spelling of it is mailed. What changed: ``suppressed`` (the address, or its mailbox: a complaint
        after a bounce), ``suppressed before`` (nothing: feedback delivered again), ``older`` (nothing:
        about a mail sent before its subscription, :func:`older_than`).

        A bounce suppresses the address alone: ``alice+x@`` may be no mailbox where ``+`` is no tag,
        and a stranger subscribing it must not end ``alice@``'s subscription. A bounce of the mailbox's
        own address (``alice@``) is its record, which every spelling's subscribe looks at."""
        sid = subscriber_id(address)
        outcome: FeedbackOutcome = "suppressed before"
        keys = (sid, subscriber_id(mailbox_key(address))) if whole_mailbox else (sid,)
        for key in dict.fromkeys(keys):
            change = partial(suppress, sid=key, reason=reason, now=now, sent_at=sent_at, mailed=key == sid)
            before, after = self._change(key, change)
            if key == sid and (after is None or after.status != SUPPRESSED):
                return "older"  # about a mail sent before the address's subscription: its mailbox is left too
            if after != before:
                outcome = "suppressed"
        return outcome

    def active_ids(self, page_size: int = 1000) -> Iterator[list[str]]:
        return self.store.active_ids(page_size)

    def recipients(self, ids: Sequence[str], confirmed_by: int | None = None) -> dict[str, str]:
        """id -> address of those of ``ids`` that are active now (unsubscribed since are left out) and,
        with ``confirmed_by``, were confirmed by then: an edition goes to the readers it was cut for,
        not to one who joined later (the confirmation page promises 从下一期开始), even when an old
        announcement is delivered again. A record active with no confirmation time (written before
        it was kept) counts as confirmed."""
        return {
            sid: record.address
            for sid, record in self.store.get_many(ids).items()
            if record.status == ACTIVE
            and record.address
            and (confirmed_by is None or record.confirmed_at is None or record.confirmed_at <= confirmed_by)
        }


# -- bounces and complaints ----------------------------------------------------------------------------
COMPLAINT_REASON = "complaint:"  # how a suppression by a complaint's reason starts (then its feedback type)
# Feedback reports SES passes on as complaints that are none of the reader's: "not-spam" (RFC 5965: the
# reader took the mail out of their spam folder) and "auth-failure" (RFC 6591: a receiver's report that
# the mail failed authentication, the sender's matter). They suppress nobody.
NOT_COMPLAINTS = frozenset({"not-spam", "auth-failure"})


def suppressions(notification: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(address, reason) for each recipient to suppress in an SES event (event publishing or feedback).

    Permanent bounces and complaints suppress; transient bounces (a full mailbox), feedback reports
    that are no complaint (:data:`NOT_COMPLAINTS`) and every other event type (delivery, send, …) do not.
    """
    kind = str(notification.get("eventType") or notification.get("notificationType") or "")
    found: list[tuple[str, str]] = []
    if kind == "Bounce":
        bounce = _part(notification, "bounce")
        if bounce.get("bounceType") != "Permanent":
            return []
        reason = f"bounce:{bounce.get('bounceType')}/{bounce.get('bounceSubType', '')}"
        found = [(r.get("emailAddress", ""), reason) for r in _recipients(bounce, "bouncedRecipients")]
    elif kind == "Complaint":
        complaint = _part(notification, "complaint")
        feedback = str(complaint.get("complaintFeedbackType") or "unspecified")
        if feedback.lower() in NOT_COMPLAINTS:
            logger.info("email feedback is no complaint", feedback_type=feedback.lower())
            return []
        reason = f"{COMPLAINT_REASON}{feedback}"
        found = [(r.get("emailAddress", ""), reason) for r in _recipients(complaint, "complainedRecipients")]
    result = []
    for raw, reason in found:
        _, address = parseaddr(str(raw))
        if "@" in address:
            result.append((address.strip().lower(), reason))
    return result


def _part(notification: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The ``bounce`` or ``complaint`` object of an SES event; :class:`TrackerError` when it is not one
    (an event of another shape fails by name, not as an AttributeError deep in the loop)."""
    part = notification.get(key) or {}
    if not isinstance(part, Mapping):
        raise TrackerError(f"the SES event's {key!r} is not an object")
    return part


def _recipients(part: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The recipient objects an SES bounce or complaint names; :class:`TrackerError` for another shape."""
    recipients = part.get(key) or []
    if not isinstance(recipients, list) or not all(isinstance(r, Mapping) for r in recipients):
        raise TrackerError(f"the SES event's {key!r} is not a list of recipient objects")
    return recipients


def apply_feedback(subscriptions: Subscriptions, notification: Mapping[str, Any], now: int) -> list[str]:
    """Suppress what an SES event asks to; the ids suppressed now (not those suppressed before, nor
    those whose subscription began after the mail the event is about was sent)."""
    suppressed = []
    sent_at = mail_sent_at(notification)
    for address, reason in suppressions(notification):
        sid = subscriber_id(address)
        outcome = subscriptions.suppress(
            address, reason, now, sent_at, whole_mailbox=reason.startswith(COMPLAINT_REASON)
        )
        if outcome == "older":
            logger.info("email feedback older than the subscription", subscriber=sid[:16])
        elif outcome == "suppressed before":
            logger.info(
                "email feedback about an address suppressed before", subscriber=sid[:16], reason=reason
            )
        else:
            suppressed.append(sid)
            logger.info("address suppressed", subscriber=sid[:16], reason=reason)
    return suppressed


def mail_sent_at(notification: Mapping[str, Any]) -> int | None:
    """When the mail an SES event is about was sent (``mail.timestamp``, Unix seconds); None when the
    event does not say (then the feedback counts whatever the subscription's age)."""
    mail = notification.get("mail")
    value = mail.get("timestamp") if isinstance(mail, Mapping) else None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if isinstance(value, str) else None
        return int(moment.timestamp()) if moment is not None and moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def subscriptions_from_env(env: Mapping[str, str], client: DynamoDBClient | None = None) -> Subscriptions:
    """The subscriptions in the table named by ``SUBSCRIBERS_TABLE`` (what the bounce function needs)."""
    table = env.get("SUBSCRIBERS_TABLE", "").strip()
    if not table:
        raise ConfigError("SUBSCRIBERS_TABLE", "missing environment variable")
    return Subscriptions(DynamoSubscriberStore(table, client))
