"""The email edition at scale: fan-out to an SQS queue, batches sent at most once, bounces suppressed.

1. **Fan-out** (``SendEmailFunction``, on the edition topic): the active subscribers' ids, read a page
   at a time from the sparse ``ActiveIndex``, go to the send queue in batches of :data:`BATCH_SIZE`::

       {"v": 1, "date": "YYYY-MM-DD", "url": "<web edition>", "ids": ["<subscriber id>", ...]}

   A batch names subscribers by id (the hash of the address), so no address sits in a queue or a
   dead-letter queue. A repeated fan-out (a retried invocation, a re-sent announcement) enqueues the
   same batches again, which send nothing new.
2. **A batch** (``SendBatchFunction``, on the queue): the ids still active *now* (an unsubscribe
   between the fan-out and the send is honoured) and confirmed by the edition's ``generated_at`` (a
   replayed old announcement mails no reader who joined since) are read with their addresses, and
   :func:`ai_news_tracker.mail.send_edition` sends each one the edition through SES with its own
   ``List-Unsubscribe`` links, at most once per (edition, recipient): the sent log in the raw bucket
   is the idempotency key. A batch with a refused send fails, so SQS delivers it again (the sent ones
   are skipped), and after ``maxReceiveCount`` it lands in the dead-letter queue, which is alarmed.
3. **Bounces and complaints** (``BounceFunction``): SES publishes them through the configuration set's
   event destination to an SNS topic; a permanent bounce or a complaint suppresses the address.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import StorageError, TrackerError
from .log import get_logger
from .mail import UNRECORDED, MailError, SendError, SendReport, SesSender, send_edition, sender_address
from .models import Edition
from .render import safe_href
from .service import Deployment
from .store import Store, parse_json
from .subscribers import DynamoSubscriberStore, Subscriptions
from .subscription import MailSettings, Tokens

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

logger = get_logger()

BATCH_SIZE = 50  # recipients in one queue message
MAX_IDS = 100  # refused above this: a batch is ours, never larger
SQS_BATCH = 10  # entries of one SendMessageBatch call
ENQUEUE_ATTEMPTS = 3
_ID = re.compile(r"^[0-9a-f]{64}$")


class BatchError(TrackerError):
    """A queue message is not a batch of ours: never retried into success, so it is dead-lettered."""

    status = "bad_batch"


# -- the queue -----------------------------------------------------------------------------------------
class SqsQueue:
    """The send queue: JSON messages, ``SendMessageBatch`` ten at a time, failed entries retried."""

    def __init__(self, url: str, client: SQSClient | None = None) -> None:
        self.url = url
        self._client = client

    @property
    def client(self) -> SQSClient:
        if self._client is None:
            from .sdk import client

            self._client = client("sqs")
        return self._client

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        for start in range(0, len(messages), SQS_BATCH):
            pending = {
                f"m{n}": json.dumps(message, separators=(",", ":"))
                for n, message in enumerate(messages[start : start + SQS_BATCH])
            }
            for _ in range(ENQUEUE_ATTEMPTS):
                entries: list[Any] = [{"Id": key, "MessageBody": body} for key, body in pending.items()]
                try:
                    answer = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
                except (ClientError, BotoCoreError) as exc:
                    raise TrackerError(f"cannot enqueue the send batches: {exc}") from exc
                pending = {f["Id"]: pending[f["Id"]] for f in answer.get("Failed", []) if f["Id"] in pending}
                if not pending:
                    break
            if pending:
                raise TrackerError(f"{len(pending)} send batches could not be enqueued")
        return len(messages)


# -- fan-out -------------------------------------------------------------------------------------------
def batches(pages: Iterable[Sequence[str]], size: int = BATCH_SIZE) -> Iterator[list[str]]:
    """The ids of every page, each once, in lists of ``size`` (the last one shorter)."""
    seen: set[str] = set()
    current: list[str] = []
    for page in pages:
        for sid in page:
            if sid in seen:
                continue
            seen.add(sid)
            current.append(sid)
            if len(current) == size:
                yield current
                current = []
    if current:
        yield current


NO_ITEMS = "the edition has no items"


@dataclass(frozen=True)
class FanOut:
    date: str
    subscribers: int
    batches: int
    dry_run: bool
    reason: str | None = None  # why nothing was enqueued, when nothing was

    def summary(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "subscribers": self.subscribers,
            "batches": self.batches,
            "dry_run": self.dry_run,
            "reason": self.reason,
        }


def fan_out(
    subscriptions: Subscriptions,
    send: Callable[[Sequence[Mapping[str, Any]]], int],
    edition: Edition,
    web_url: str | None,
    *,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    flush_every: int = 100,
) -> FanOut:
    """Enqueue the edition for every active subscriber, ``batch_size`` to a message.

    An edition without items is not mailed (its page and feed entry say so; a mail would be noise).
    """
    day = edition.date.isoformat()
    if not edition.items:
        logger.info("edition not mailed", date=day, reason=NO_ITEMS)
        return FanOut(day, 0, 0, dry_run, NO_ITEMS)
    url = safe_href(web_url) or None
    subscribers = count = 0
    pending: list[dict[str, Any]] = []
    for ids in batches(subscriptions.active_ids(), batch_size):
        subscribers += len(ids)
        count += 1
        pending.append({"v": 1, "date": day, "url": url, "ids": ids})
        if len(pending) >= flush_every and not dry_run:
            send(pending)
            pending = []
    if pending and not dry_run:
        send(pending)
    logger.info("email edition fanned out", date=day, subscribers=subscribers, batches=count, dry_run=dry_run)
    return FanOut(day, subscribers, count, dry_run)


# -- one batch -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Batch:
    date: date
    url: str | None
    ids: tuple[str, ...]


def parse_batch(body: object) -> Batch:
    """A queue message's body (JSON text or already decoded) as a :class:`Batch`, or :class:`BatchError`."""
    try:
        data = parse_json(body) if isinstance(body, str | bytes) else body
    except ValueError as exc:
        raise BatchError("the batch is not JSON") from exc
    if not isinstance(data, dict) or data.get("v") != 1:
        raise BatchError("not a send batch (v1)")
    try:
        day = date.fromisoformat(str(data.get("date")))
    except ValueError as exc:
        raise BatchError(f"the batch has no valid date: {data.get('date')!r}") from exc
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS:
        raise BatchError("the batch has no list of ids, or too many")
    if not all(isinstance(sid, str) and _ID.match(sid) for sid in ids):
        raise BatchError("the batch holds something that is not a subscriber id")
    url = data.get("url")
    return Batch(day, (safe_href(url) or None) if isinstance(url, str) else None, tuple(ids))


def send_batch(
    batch: Batch,
    edition: Edition,
    config: Config,
    subscriptions: Subscriptions,
    *,
    send: Callable[[EmailMessage], str],
    sent_log: Store,
    tokens: Tokens,
    unsubscribe_base: str,
    unsubscribe_mailto: str | None,
    templates_dir: Path,
    should_stop: Callable[[], bool] | None = None,
    sent_at: datetime | None = None,
) -> SendReport:
    """Send the edition to the batch's subscribers that are active now and were confirmed by the time
    it was cut (one who joined later starts with the next edition), each at most once.

    Raises :class:`~ai_news_tracker.mail.SendError` when a send was refused or not attempted, so the
    queue delivers the batch again; sent and pending ones (maybe sent) are never sent again, and
    recipients given up (refused :data:`~ai_news_tracker.mail.MAX_ATTEMPTS` times) fail it no more.
    """
    if edition.date != batch.date:
        raise BatchError(f"the batch is for {batch.date}, the edition for {edition.date}")
    recipients = subscriptions.recipients(batch.ids, confirmed_by=int(edition.generated_at.timestamp()))
    report = send_edition(
        edition,
        config,
        [recipients[sid] for sid in batch.ids if sid in recipients],
        sender=send,
        outbox=None,
        sent_log=sent_log,
        web_url=batch.url,
        unsubscribe_base=f"{unsubscribe_base.rstrip('/')}/unsubscribe",
        unsubscribe_token=tokens.unsubscribe,
        unsubscribe_mailto=unsubscribe_mailto,
        templates_dir=templates_dir,
        should_stop=should_stop,
        per_recipient_log=True,
        sent_at=sent_at,
    )
    summary = report.summary()
    summary["not_active"] = len(batch.ids) - len(recipients)
    logger.info("email batch", **summary)
    unrecorded = [why for why in report.failed.values() if why.startswith(UNRECORDED)]
    if unrecorded:  # the raw store's fault, not SES's: none of them was tried, another receive may
        raise StorageError(
            f"{len(unrecorded)} of {len(recipients)} sends of the batch not recorded: {summary}"
        )
    if set(report.failed) - set(report.given_up):  # another receive may send them
        raise SendError(f"{len(report.failed)} of {len(recipients)} emails of the batch failed: {summary}")
    return report


# -- what the email functions build once -----------------------------------------------------------------
def with_stack_sender(config: Config, stack_address: str | None) -> Config:
    """On AWS the From address is the stack's ``SenderAddress``: the SES identity the functions' IAM
    policy lets them send as. ``[email] sender`` gives the display name (``日报``), so the shipped
    configuration works on any stack, and a configured address the stack cannot send as never reaches
    SES (its AccessDenied would fail every send and every subscribe)."""
    if not stack_address:
        return config
    try:
        configured: Address | None = sender_address(config.email.sender)
    except MailError:
        configured = None  # no usable sender configured: the address alone
    name = configured.display_name if configured else ""
    try:
        sender = str(sender_address(str(Address(display_name=name, addr_spec=stack_address.strip()))))
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise MailError(f"SENDER_ADDRESS is not an email address: {stack_address!r}") from exc
    if configured is None or configured.addr_spec.lower() != stack_address.strip().lower():
        logger.info("email sender from the stack", configured=config.email.sender, sender=sender)
    return replace(config, email=replace(config.email, sender=sender))


class MailDeployment:
    """The email functions' dependencies, built once per container; clients injected in tests. The
    configuration is :attr:`base`'s, brought up to date by :meth:`refresh` at each invocation."""

    def __init__(
        self,
        base: Deployment,
        settings: MailSettings,
        *,
        dynamodb_client: DynamoDBClient | None = None,
        sqs_client: SQSClient | None = None,
        ses_client: SESV2Client | None = None,
        get_parameter: Callable[[str], str] | None = None,
        ses_retries: int = 3,
    ) -> None:
        self.base = base
        self.settings = settings
        # base's configuration and it with the stack's sender (SENDER_ADDRESS checked at the cold start)
        self._derived = (base.config, with_stack_sender(base.config, settings.sender_address))
        self._dynamodb = dynamodb_client
        self._sqs = sqs_client
        self._get_parameter = get_parameter
        self.ses = SesSender(base.settings.ses_configuration_set, ses_client, retries=ses_retries)

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        s3_client: S3Client | None = None,
        dynamodb_client: DynamoDBClient | None = None,
        sqs_client: SQSClient | None = None,
        ses_client: SESV2Client | None = None,
        get_parameter: Callable[[str], str] | None = None,
        ses_retries: int = 3,
    ) -> MailDeployment:
        base = Deployment.from_env(
            env,
            s3_client=s3_client,
            dynamodb_client=dynamodb_client,
            get_parameter=get_parameter,
            idempotency=False,  # no email function runs a job through Deployment.once
        )
        settings = MailSettings.from_env(env)
        return cls(
            base,
            settings,
            dynamodb_client=dynamodb_client,
            sqs_client=sqs_client,
            ses_client=ses_client,
            get_parameter=get_parameter,
            ses_retries=ses_retries,
        )

    @property
    def config(self) -> Config:
        """The deployment's configuration with the stack's sender (:func:`with_stack_sender`), derived
        again when :meth:`refresh` has taken another configuration."""
        base = self.base.config
        if self._derived[0] is not base:
            self._derived = (base, with_stack_sender(base, self.settings.sender_address))
        return self._derived[1]

    def refresh(self) -> None:
        """The configuration as it is now, for an invocation of a warm function, taken as the fetch and
        render functions take it (:meth:`~ai_news_tracker.service.Deployment.refresh`: read through
        Powertools' 5-minute cache; one that does not load raises its
        :class:`~ai_news_tracker.errors.ConfigError`, one that cannot be read leaves the current one,
        with a warning). The stores, the clients and the token keys stay."""
        self.base.refresh()

    @cached_property
    def subscriptions(self) -> Subscriptions:
        table = self.settings.need("subscribers_table")
        return Subscriptions(DynamoSubscriberStore(table, self._dynamodb))

    @cached_property
    def tokens(self) -> Tokens:
        return Tokens.from_parameter(self.settings.need("token_key_parameter"), self._get_parameter)

    @cached_property
    def queue(self) -> SqsQueue:
        return SqsQueue(self.settings.need("send_queue_url"), self._sqs)

    @property
    def sent_log(self) -> Store:
        return self.base.pipeline.repo.store

    def edition(self, day: date) -> Edition:
        edition = self.base.pipeline.repo.load_edition(day)
        if edition is None:
            raise TrackerError(f"no stored edition for {day.isoformat()}")
        return edition
