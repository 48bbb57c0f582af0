"""The subscription endpoints' use cases: subscribe (double opt-in mail), confirm, unsubscribe.

:class:`MailSettings` is what the email functions read from their environment; :class:`TokenKeys`
reads the HMAC key(s) from the SSM SecureString named by ``TOKEN_KEY_PARAMETER`` through Powertools
Parameters (cached for :data:`KEY_MAX_AGE` seconds); :class:`Tokens` signs and checks the links of one
subscriber (:mod:`ai_news_tracker.tokens`); :class:`SubscriptionService` is what the HTTP handler
calls. Every subscribe request gets the same answer, whatever the address's state, and no page ever
shows an address. :func:`unsubscribe_by_mail` is what a mail to the ``mailto:`` unsubscribe address does.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .config import Config
from .errors import ConfigError, StorageError
from .log import get_logger
from .mail import MailError, SendError, build_confirmation, build_subscribed_notice, hide_addresses
from .subscribers import (
    ACTIVE,
    CONFIRM_TTL,
    InvalidAddress,
    Subscriber,
    Subscriptions,
    normalise_address,
    subscriber_id,
)
from .subscribers import confirm as confirm_transition
from .tokens import (
    CONFIRM,
    UNSUBSCRIBE,
    BadSignature,
    TokenError,
    TokenExpired,
    expiry,
    parse_keys,
    sign,
    verify,
)

if TYPE_CHECKING:
    import jinja2

    from .events import ReceivedMail

logger = get_logger()

KEY_MAX_AGE = 300  # seconds Powertools keeps the token key before reading SSM again
# At most one read of the key again this often, for a token the cached keys do not sign (a rotation)
KEY_RECHECK_SECONDS = 30
CONFIRMABLE, SUBSCRIBED, INVALID = "confirmable", "subscribed", "invalid"  # what a confirmation link can do
# What a confirmation or unsubscribe request did: made its subscriber active (or ended a subscription)
# now, which the functions count once; a repeat (a reload, a double click, one-click then the button)
# finds it done: SUBSCRIBED, or NOT_SUBSCRIBED.
CONFIRMED_NOW, UNSUBSCRIBED_NOW, NOT_SUBSCRIBED = "confirmed_now", "unsubscribed_now", "not_subscribed"
PAGE_TEMPLATE = "subscription_page.html.j2"
PAGE_TEMPLATES = (PAGE_TEMPLATE,)


@dataclass(frozen=True)
class MailSettings:
    """The email functions' own environment (``ai_news_tracker.aws.Settings`` holds the shared part)."""

    subscribers_table: str | None = None
    token_key_parameter: str | None = None
    send_queue_url: str | None = None
    subscription_api_url: str | None = None  # https://<api>/ : the links in the editions
    unsubscribe_mailto: str | None = None  # the address of the mailto: unsubscribe link
    sender_address: str | None = None  # the SES identity the function may send as
    max_send_rate: float = 14.0  # SES messages a second for the whole account
    send_concurrency: int = 2  # concurrent senders sharing that rate
    allowed_origins: tuple[str, ...] = ("*",)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailSettings:
        def optional(name: str) -> str | None:
            return env.get(name, "").strip() or None

        def number(name: str, default: float, low: float) -> float:
            text = optional(name)
            try:
                value = float(text) if text else default
            except ValueError as exc:
                raise ConfigError(name, f"not a number: {text!r}") from exc
            if not (math.isfinite(value) and value >= low):  # nan compares false with any number
                raise ConfigError(name, f"must be a finite number, at least {low:g}: {text!r}")
            return value

        origins = tuple(o.strip() for o in (optional("ALLOWED_ORIGINS") or "*").split(",") if o.strip())
        return cls(
            subscribers_table=optional("SUBSCRIBERS_TABLE"),
            token_key_parameter=optional("TOKEN_KEY_PARAMETER"),
            send_queue_url=optional("SEND_QUEUE_URL"),
            subscription_api_url=(optional("SUBSCRIPTION_API_URL") or "").rstrip("/") or None,
            unsubscribe_mailto=optional("UNSUBSCRIBE_MAILTO"),
            sender_address=optional("SENDER_ADDRESS"),
            max_send_rate=number("MAX_SEND_RATE", 14.0, 0.1),
            send_concurrency=int(number("SEND_CONCURRENCY", 2, 1)),
            allowed_origins=origins or ("*",),
        )

    def need(self, name: str) -> str:
        """A setting the calling function cannot do without, or :class:`ConfigError` naming it."""
        value = getattr(self, name)
        if not value:
            raise ConfigError(name.upper(), "missing environment variable")
        return str(value)

    @property
    def send_rate(self) -> float:
        """Messages a second for one sender: the account's rate shared by the concurrent senders."""
        return self.max_send_rate / max(1, self.send_concurrency)


class TokenKeys:
    """The token key(s), from an SSM SecureString read with Powertools Parameters (decrypted, cached)."""

    def __init__(self, parameter: str, get_parameter: Callable[[str], str] | None = None) -> None:
        self.parameter = parameter
        self._get = get_parameter

    def __call__(self, *, force: bool = False) -> list[bytes]:
        """The keys, as cached for :data:`KEY_MAX_AGE` seconds; ``force``: read from SSM now."""
        get = self._get
        if get is None:
            from .sdk import get_parameter

            def get(name: str) -> str:
                return get_parameter(name, decrypt=True, max_age=KEY_MAX_AGE, force_fetch=force)

        try:
            value = get(self.parameter)
        except Exception as exc:  # Powertools wraps every failure in its own GetParameterError
            raise ConfigError("TOKEN_KEY_PARAMETER", f"cannot read SSM parameter {self.parameter!r}") from exc
        try:
            return parse_keys(value)
        except TokenError as exc:
            raise ConfigError("TOKEN_KEY_PARAMETER", str(exc)) from exc


class Tokens:
    """The links of one subscriber: signed for their id (the hash of the address), never the address."""

    def __init__(
        self,
        keys: Callable[[], Sequence[bytes]],
        *,
        read_again: Callable[[], Sequence[bytes]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``keys``: the keys as cached; ``read_again``: the keys read from their source now (None: the
        cached ones are all there is)."""
        self._keys = keys
        self._read_again = read_again
        self._clock = clock
        self._read_again_at: float | None = None  # when a token no key signs last read the keys again

    @classmethod
    def from_parameter(cls, parameter: str, get_parameter: Callable[[str], str] | None = None) -> Tokens:
        """The tokens of the key(s) in an SSM parameter (:class:`TokenKeys`), read again for a link no
        cached key signs."""
        keys = TokenKeys(parameter, get_parameter)
        return cls(keys, read_again=lambda: keys(force=True))

    def ready(self) -> None:
        """Read the key now (Powertools keeps it): what fails without it, fails here."""
        self._keys()

    def confirm(self, address: str, expires: int) -> str:
        return sign(self._keys()[0], CONFIRM, subscriber_id(address), expires)

    def unsubscribe(self, address: str) -> str:
        return sign(self._keys()[0], UNSUBSCRIBE, subscriber_id(address))

    def check(self, token: object, purpose: str, now: int) -> str:
        """The subscriber id of a valid token, else :class:`TokenError`.

        A token none of the cached keys signs may be signed by a key put first since they were read
        (README's rotation: another container read the parameter later): the keys are read again, at
        most once every :data:`KEY_RECHECK_SECONDS` (forged tokens cannot make every request read SSM),
        and the token checked against them."""
        keys = self._keys()
        try:
            return verify(keys, token, purpose, now)
        except BadSignature as bad:
            moment = self._clock()
            if self._read_again_at is not None and moment - self._read_again_at < KEY_RECHECK_SECONDS:
                raise
            if self._read_again is None:
                raise
            self._read_again_at = moment
            try:
                fresh = self._read_again()
            except ConfigError as exc:  # the cached keys still check every other link: this one is bad
                logger.warning("token key not read again", reason=str(exc))
                raise bad from None
            if list(fresh) == list(keys):
                raise
            return verify(fresh, token, purpose, now)

    def check_confirm(self, token: object, now: int) -> tuple[str, int]:
        """The subscriber id of a valid confirmation token and when it was issued."""
        sid = self.check(token, CONFIRM, now)
        expires = expiry(str(token))
        if expires is None:  # verify() refuses a confirmation token without one
            raise TokenError("a confirmation token needs an expiry")
        return sid, expires - CONFIRM_TTL


# -- pages -------------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def pages_environment(templates_dir: Path) -> jinja2.Environment:
    """The environment of the subscription pages (:data:`PAGE_TEMPLATES`)."""
    import jinja2  # here, not at import: the bounce function never renders a page

    from .templating import ViewEnvironment, shipped_bytecode

    return ViewEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=shipped_bytecode(templates_dir, "pages"),  # compiled when the layer was built
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Page:
    """A small HTML answer of the endpoints (never naming an address)."""

    status: int
    heading: str
    paragraphs: tuple[str, ...] = ()
    button: str | None = None
    token: str | None = None
    fields: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    retry: bool = False  # links the site's subscribe form (#subscribe) to fill in again

    def render(self, title: str, templates_dir: Path, home: str = "") -> str:
        """The page; ``home`` (the site's address, "" for none) is linked at its foot."""
        form = None
        if self.button and self.token:
            form = {
                "action": f"?token={quote(self.token, safe='')}",
                "fields": list(self.fields),
                "button": self.button,
            }
        return (
            pages_environment(Path(templates_dir))
            .get_template(PAGE_TEMPLATE)
            .render(
                title=title,
                heading=self.heading,
                paragraphs=list(self.paragraphs),
                form=form,
                home=home,
                retry=f"{home}{SUBSCRIBE_FORM}" if self.retry and home else "",
            )
        )


ACCEPTED = "如果这个地址可以订阅，我们已向它发送了一封确认邮件。请在 48 小时内打开邮件中的链接完成订阅。"
CHECK_MAIL = Page(
    202,
    "请查收确认邮件",
    (
        ACCEPTED,
        "没有收到？请先检查垃圾邮件文件夹。一小时后可以再申请一次；同一地址 48 小时内最多收到三封确认邮件。",
    ),
)
SUBSCRIBE_FORM = "#subscribe"  # the subscribe form's id on the site's pages (_page.html.j2)
CHECK_AND_RETRY = "请检查后重新输入。"
# What is wrong with a refused address, by the reason subscribers.normalise_address gives: the site's
# form stops the common slips itself, but not on a page published before it did, nor in every browser.
ADDRESS_PROBLEMS = {
    "the domain is not a valid name": (
        "“@”后面的域名格式不正确：应像 qq.com、163.com 这样，由字母、数字和“-”组成、用“.”分开，"
        "不能以“.”结尾，最后一段不能全是数字。"
    ),
    "the part before @ is not a plain mailbox name": (
        "“@”前面的邮箱名格式不正确：最长 64 个字符，只能用英文字母、数字和 . _ - + 等符号，"
        "不能以“.”开头或结尾，也不能含连续的“.”。"
    ),
    "an address has exactly one @": "邮箱地址要有且只有一个“@”，例如 name@qq.com。",
    "the address holds control characters or spaces": "邮箱地址中不能有空格。",
    "the address is empty or too long": "请填写邮箱地址（最长 254 个字符）。",
    "the address is too long": "邮箱地址太长（最长 254 个字符）。",
}


def invalid_address_page(refused: InvalidAddress) -> Page:
    """The answer to a refused address: what is wrong with it (never the address), and the way back
    to the form."""
    problem = ADDRESS_PROBLEMS.get(str(refused))
    return Page(400, "邮箱地址无效", (*([problem] if problem else []), CHECK_AND_RETRY), retry=True)


INVALID_LINK = Page(
    400,
    "链接无效或已过期",
    ("这个确认链接无法使用：它可能已经过期，或者不完整。", "如需订阅，请重新提交订阅申请。"),
)
INVALID_UNSUBSCRIBE_LINK = Page(
    400,
    "退订链接无效",
    (
        "这个退订链接不完整，无法使用。退订链接不会过期：请打开最近一封日报邮件，点击底部的“退订”。",
        "邮件客户端里的“退订”按钮也可以一键退订。",
    ),
)
CONFIRMED = Page(
    200, "订阅成功", ("感谢订阅！从下一期开始，您会每天收到日报邮件。", "每封邮件底部都有退订链接。")
)
ALREADY_SUBSCRIBED = Page(
    200,
    "您已订阅",
    ("这个地址已经订阅了日报，每天会收到一封日报邮件，无需再次确认。", "每封邮件底部都有退订链接。"),
)
UNSUBSCRIBED = Page(
    200,
    "已退订",
    ("您已退订，今后不会再收到日报邮件。", "如果这是误操作，可以重新订阅（确认邮件每小时最多一封）。"),
)
UNAVAILABLE = Page(503, "暂时无法处理", ("服务暂时不可用，请稍后再试。",))
NOT_FOUND = Page(404, "页面不存在", ())


def confirm_page(token: str) -> Page:
    return Page(200, "确认订阅", ("请点击下面的按钮，确认订阅日报邮件。",), button="确认订阅", token=token)


def unsubscribe_page(token: str) -> Page:
    return Page(
        200,
        "退订日报",
        ("点击下面的按钮即可退订，今后不会再收到日报邮件。",),
        button="退订",
        token=token,
        fields=(("List-Unsubscribe", "One-Click"),),
    )


# -- the use cases -------------------------------------------------------------------------------------
class SubscriptionService:
    """What the subscription endpoints do. ``now`` is Unix seconds; ``base_url`` is the API's."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        tokens: Tokens,
        config: Config,
        send: Callable[[EmailMessage], str],
        templates_dir: Path,
    ) -> None:
        self.subscriptions = subscriptions
        self.tokens = tokens
        self.config = config
        self.send = send
        self.templates_dir = templates_dir

    def subscribe(self, address: object, now: int, base_url: str) -> str:
        """Record the request and send a confirmation mail when one is due; what happened (for logs).

        :class:`~ai_news_tracker.subscribers.InvalidAddress` for a bad address; the caller answers
        every other outcome the same way.
        """
        self.tokens.ready()  # an unreadable key fails every request alike, whatever the address's state
        decision = self.subscriptions.subscribe(address, now)
        record = decision.record
        if not decision.mail or record.address is None:
            return decision.why
        try:
            spent = self.subscriptions.take_mail_budget(record.address, now)
        except StorageError as exc:
            # no mail, and nothing counted: the address's hour given back, answered as any request (a
            # 503 here would tell that the address was due a mail: not suppressed, throttled, capped)
            self._slot_back(record, now)
            logger.error("confirmation mail budget not counted", subscriber=record.id[:16], reason=str(exc))
            return "budget_not_counted"
        if spent is not None:
            return self._withheld(record, spent, now)
        try:
            self.send(self._opt_in_mail(record.address, record.status, decision.expires, now, base_url))
        except Exception as exc:
            sender = parseaddr(self.config.email.sender)[1]  # SES's refusal may name the subscriber
            reason = hide_addresses(str(exc), keep=sender)
            if isinstance(exc, SendError) and exc.ambiguous:
                # SES may have taken it (no answer): it counts as sent, the hour and the budgets too
                logger.error("confirmation mail perhaps sent", subscriber=record.id[:16], reason=reason)
                return "mail_unconfirmed"
            self._not_sent(record, record.address, now)  # whatever the cause: nothing went out
            logger.error("confirmation mail not sent", subscriber=record.id[:16], reason=reason)
            if isinstance(exc, MailError | SendError):
                return "mail_failed"
            raise  # a template that does not render or the like: the function fails (and is alarmed)
        logger.info("confirmation mail sent", subscriber=record.id[:16], why=decision.why)
        return decision.why

    def _withheld(self, record: Subscriber, spent: str, now: int) -> str:
        """No mail, a ``spent`` budget refusing it: the address waits the hour as if it had had one."""
        logger.warning("confirmation mail over budget", subscriber=record.id[:16], budget=spent)
        try:
            self.subscriptions.mail_withheld(record, now)
        except StorageError as undo:  # the mail stays counted among its three: fewer mails
            logger.error("withheld confirmation mail not given back", reason=str(undo))
            return f"over_{spent}_budget_unrecorded"  # answered alike, counted as the table's failure
        return f"over_{spent}_budget"

    def _not_sent(self, record: Subscriber, address: str, now: int) -> None:
        """Give back what a mail that did not go out took: the address's hour, the budgets."""
        self._slot_back(record, now)
        self.subscriptions.give_mail_budget_back(address, now)

    def _slot_back(self, record: Subscriber, now: int) -> None:
        """Give back the address's hour and its mail (one that cannot be stays taken: fewer mails)."""
        try:
            self.subscriptions.mail_failed(record, now)
        except StorageError as undo:
            logger.error("confirmation slot not released", reason=str(undo))

    def _opt_in_mail(
        self, address: str, status: str, expires: int | None, now: int, base_url: str
    ) -> EmailMessage:
        """The confirmation mail, or for an active subscriber the notice that it is subscribed."""
        base, sent_at = base_url.rstrip("/"), datetime.fromtimestamp(now, UTC)
        if status == ACTIVE:
            token = self.tokens.unsubscribe(address)
            return build_subscribed_notice(
                self.config,
                recipient=address,
                unsubscribe_url=f"{base}/unsubscribe?token={quote(token, safe='')}",
                templates_dir=self.templates_dir,
                sent_at=sent_at,
            )
        assert expires is not None  # noqa: S101 - a pending record's link expires (checked by the caller)
        return build_confirmation(
            self.config,
            recipient=address,
            confirm_url=f"{base}/confirm?token={quote(self.tokens.confirm(address, expires), safe='')}",
            expires_at=datetime.fromtimestamp(expires, UTC),
            templates_dir=self.templates_dir,
            sent_at=sent_at,
        )

    def valid(self, token: object, purpose: str, now: int) -> bool:
        try:
            self.tokens.check(token, purpose, now)
        except TokenError:
            return False
        return True

    def confirm_state(self, token: object, now: int) -> str:
        """What a confirmation link can do now: :data:`CONFIRMABLE` (a pending request it may confirm),
        :data:`SUBSCRIBED` (its subscriber is active, the link expired or not) or :data:`INVALID`.

        Only a genuine link (signed by us, so from the mailbox it was sent to) learns the state.
        """
        try:
            sid, issued_at = self.tokens.check_confirm(token, now)
        except TokenExpired as expired:
            record = self.subscriptions.get(expired.subject)
            return SUBSCRIBED if record is not None and record.status == ACTIVE else INVALID
        except TokenError:
            return INVALID
        record = self.subscriptions.get(sid)
        if record is not None and record.status == ACTIVE:
            return SUBSCRIBED
        if confirm_transition(record, now, issued_at) is None or self.subscriptions.mailbox_blocked(record):
            return INVALID
        return CONFIRMABLE

    def confirm(self, token: object, now: int) -> str:
        """What the link did: :data:`CONFIRMED_NOW` (its subscriber made active now), :data:`SUBSCRIBED`
        (active before: a reload, a double click, an expired link of an active reader) or :data:`INVALID`."""
        try:
            sid, issued_at = self.tokens.check_confirm(token, now)
        except TokenExpired as expired:
            logger.info("confirmation refused", reason=str(expired))
            record = self.subscriptions.get(expired.subject)
            return SUBSCRIBED if record is not None and record.status == ACTIVE else INVALID
        except TokenError as exc:
            logger.info("confirmation refused", reason=str(exc))
            return INVALID
        before, after = self.subscriptions.confirmed(sid, now, issued_at)
        if after is None or after.status != ACTIVE:
            logger.info("nothing to confirm", subscriber=sid[:16])
            return INVALID
        if before is not None and before.status == ACTIVE:
            logger.info("subscription confirmed before", subscriber=sid[:16])
            return SUBSCRIBED
        logger.info("subscription confirmed", subscriber=sid[:16])
        return CONFIRMED_NOW

    def unsubscribe(self, token: object, now: int) -> str:
        """What the link did: :data:`UNSUBSCRIBED_NOW`, :data:`NOT_SUBSCRIBED` (ended before, or never
        begun: the answer is the same) or :data:`INVALID`."""
        try:
            sid = self.tokens.check(token, UNSUBSCRIBE, now)
        except TokenError as exc:
            logger.info("unsubscribe refused", reason=str(exc))
            return INVALID
        if not self.subscriptions.unsubscribe(sid, now):
            logger.info("nothing to unsubscribe", subscriber=sid[:16])
            return NOT_SUBSCRIBED
        logger.info("unsubscribed", subscriber=sid[:16])
        return UNSUBSCRIBED_NOW

    def page(self, page: Page) -> str:
        """The page, linking back to the site (on AWS ``[report] site_url`` is the stack's site)."""
        site = self.config.report.site_url
        return page.render(
            self.config.report.title, self.templates_dir, f"{site.rstrip('/')}/" if site else ""
        )


def page_headers() -> dict[str, Any]:
    """Headers of every HTML answer: no caching, no referrer (the URL holds a token), a strict CSP."""
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }


# -- the mailto: unsubscribe address ---------------------------------------------------------------------
# "unsubscribe <token>", as mail.unsubscribe_links writes the mailto: subject; anywhere in the subject
# ("Re: …", a client's own prefix), the word in any case.
_SUBJECT_TOKEN = re.compile(r"unsubscribe\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)", re.IGNORECASE)
MAX_SUBJECT_TOKENS = 5  # a subject stuffed with candidates costs five checks, not thousands
# What unsubscribe_by_mail reports: the first two unsubscribed someone, the others changed nothing.
BY_TOKEN, BY_SENDER = "token", "sender"
REJECTED, UNVERIFIED, NO_SENDER = "rejected", "unverified_sender", "no_sender"
# a verified sender with no subscription to end under that spelling (me@gmail.com for me+news@gmail.com)
SENDER_NOT_SUBSCRIBED = "sender_not_subscribed"


def unsubscribe_by_mail(subscriptions: Subscriptions, tokens: Tokens, mail: ReceivedMail, now: int) -> str:
    """Unsubscribe whom a mail to the ``mailto:`` unsubscribe address names; what it did.

    A valid unsubscribe token in the subject (the ``List-Unsubscribe`` mailto: link puts it there)
    names its subscriber, whoever sent the mail, exactly as the https link does. A mail without one
    (a client that drops the link's subject) unsubscribes its From address, but only when SES found
    the mail DMARC-aligned and neither spam nor a virus: a forged From changes nothing. Unsubscribing
    twice is unsubscribing once, so a redelivered mail is harmless.
    """
    for found in islice(_SUBJECT_TOKEN.finditer(mail.subject), MAX_SUBJECT_TOKENS):
        try:
            sid = tokens.check(found.group(1), UNSUBSCRIBE, now)
        except TokenError:
            continue
        subscriptions.unsubscribe(sid, now)
        logger.info("unsubscribed by mail", subscriber=sid[:16], by=BY_TOKEN, message_id=mail.message_id)
        return BY_TOKEN
    if "FAIL" in (mail.spam, mail.virus):
        outcome = REJECTED
    elif mail.dmarc != "PASS":
        outcome = UNVERIFIED
    else:
        try:
            sid = subscriber_id(normalise_address(mail.sender))
        except InvalidAddress:
            outcome = NO_SENDER
        else:
            if subscriptions.unsubscribe(sid, now):
                logger.info(
                    "unsubscribed by mail", subscriber=sid[:16], by=BY_SENDER, message_id=mail.message_id
                )
                return BY_SENDER
            outcome = SENDER_NOT_SUBSCRIBED  # not counted as an unsubscribe: nothing ended
    logger.info(
        "unsubscribe mail ignored",
        reason=outcome,
        dmarc=mail.dmarc,
        spam=mail.spam,
        message_id=mail.message_id,
    )
    return outcome
