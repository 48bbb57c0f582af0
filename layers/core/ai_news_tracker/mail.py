"""The email edition: the MIME message, the local outbox, sending through SES, at most once each.

One message per recipient (``To`` holds that one address, so no subscriber ever sees another), built
from the stored edition with Jinja2: ``templates/email.txt.j2`` (text/plain, every item) and
``templates/email.html.j2`` (text/html: inline styles on a single-column table, no scripts, no
stylesheets, no images). Both parts are UTF-8 and base64-encoded; the subject and a Chinese display
name are RFC 2047 encoded by :mod:`email`.

Feed text is hostile. The view model (:func:`edition_view`) strips control, bidi and non-characters
from every value and collapses it to one line, as the web edition does; the HTML template is
autoescaped; every link goes through the web edition's :func:`~ai_news_tracker.render.safe_href` (http
and https only, and only a link that reads as it is, else no link). Gmail clips
an HTML body above 102 KB, so the HTML part is fitted to :data:`HTML_BUDGET`, measured in the bytes sent
(:func:`sent_size`): the texts of the last items are dropped first, as many as need be (the newest and
most important come first, and keep theirs); when even the titles are too many, every text, and items
from the end, and a line "还有 N 条资讯，请阅读网页版" links to the web edition. The text part always
lists every item, with the texts the HTML part shows.

"At most once per (edition, recipient)" is kept in an append-only sent log (in the raw store)::

    sent/<YYYY-MM-DD>/<sha256 of the address>/<n>           the claim of attempt n
    sent/<YYYY-MM-DD>/<sha256 of the address>/<n>.<outcome>  sent | deferred | failed | unknown

An attempt is *claimed* with ``put_if_absent`` before the message is handed over; its outcome is
written after: ``sent`` (with SES's reference), ``deferred`` or ``failed`` (refused: certainly not
sent) or ``unknown`` (no answer), with the reason. One listing of the day's prefix tells a re-run
everything: it skips ``sent``, retries ``deferred`` and ``failed`` with the next attempt, and never
resends an attempt that is claimed without an outcome or ``unknown``: that one may have gone out (a
crash or a timeout between handing it over and recording it), so it is reported as *pending* for a
person to look at. A message is therefore sent at most once; one lost in such a crash is reported,
not repeated. A local run's delivery is its outbox copy, written whole or not at all: an attempt
claimed without an outcome went out when the ``.eml`` is there (skipped), and not when it is not (a
Ctrl-C or a full disk before it was written): it is sent again.

A refusal is ``deferred`` first: it says nothing against its recipient while SES may be refusing
every message (an unverified sender, sending paused, throttling, an outage). It becomes ``failed``
(the same attempt, a second outcome), counting against its recipient, when SES's answer names the
recipient's address (an unverified recipient in the SES sandbox), when SES accepted a later message
of the same run, when the recipient's earlier refusal of the edition counted so and SES accepted
another message of it, or when it is the run's only refusal left uncounted and SES accepted another
message of the edition before (earlier in the run or, as the sent log shows, in an earlier run: a
batch retried for its one refused reader, the others sent); never when it was one that hits every
message (:attr:`SendError.systemic`) or names another address (the sender's unverified identity).
The run of the :data:`MAX_ATTEMPTS`-th such failure gives the recipient up for that edition (a batch
then fails no more over them); deferred attempts are retried by every re-run, so an outage that
outlasts the queue's retries loses no one once the batches are redriven. Five refusals that name no
recipient, or five sends without an answer, in a row stop a run: the rest wait for a retry.

SES sets its own ``Message-ID``; ours (deterministic from the edition's day and the recipient) stays
in the outbox copies, where a re-run is recognisable. ``Date`` is when a message is handed to SES
(``sent_at``); an outbox copy carries the edition's time, so a re-run writes the same bytes.

Also here: the double opt-in mail (:func:`build_confirmation`, ``templates/confirm_email.*.j2``) and
:class:`Pacer`, which keeps the concurrent senders under the SES sending rate. Who gets the edition
on AWS, and how it is batched, is :mod:`ai_news_tracker.delivery`'s business.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from .config import Config, is_mail_address
from .errors import StorageError, TrackerError
from .identity import normalise_recipient, recipient_key
from .leaderboard import display_score, snapshot_age_days
from .log import get_logger
from .models import Edition, Item, Repeat, SourceStatus
from .render import (
    FAILURE_LABELS,
    OTHER_SOURCE_NOTE,
    PROVIDER_LINKS,
    SITE_LABEL,
    SITE_URL,
    board_missing,
    board_name,
    board_stale_days,
    date_label,
    edition_zone,
    local_time,
    plain_href,
    ranking_label,
    reported_label,
    safe_href,
    show_points,
    shown_with,
    stale_warning,
)
from .store import Store, content_type_for, parse_json
from .text import clean_text, is_blank, shown_text, truncate, unlinked, without_surrogates

if TYPE_CHECKING:
    import jinja2
    from mypy_boto3_sesv2 import SESV2Client

logger = get_logger()

HTML_LIMIT = 102 * 1024  # Gmail clips an HTML body above this
HTML_BUDGET = 100 * 1024  # what the HTML part is fitted to, leaving room for per-recipient links
FIRST_PROBE = 64  # items: the first prefix tried when fitting the HTML part (an edition holds ~30)
HTML_TEMPLATE, TEXT_TEMPLATE = "email.html.j2", "email.txt.j2"
MAX_ATTEMPTS = 3  # refusals of one (edition, recipient) while SES took other mail, then given up
STOP_AFTER_REFUSALS = 5  # refusals in a row stop a run: something is wrong for every message
MAX_HEADER_URL = 900  # a header line must stay under 998 octets
LIST_ID_LABEL = "ai-news-tracker"
UNTITLED = "(无标题)"
REPEATS_MAILED = 20  # stories reported before that a mail lists (by title); the rest, counted, on the web


class MailError(TrackerError):
    """A message cannot be built: a bad sender, recipient or unsubscribe link."""

    status = "mail_error"


# Why a send was not tried: the sent log (the raw store) refused its claim, no fault of SES
UNRECORDED = "cannot record the send"


class SendError(TrackerError):
    """A message was not handed over.

    ``ambiguous``: no answer, so it may have gone out (never retried automatically). ``fatal``: every
    other message would fail the same way (sender not verified, sending paused, SES unreachable), so
    the run stops. ``systemic``: the refusal is not the recipient's (``fatal``, or throttling that
    outlasted the retries), so it never counts towards giving the recipient up.
    """

    status = "send_failed"

    def __init__(
        self, message: str, *, ambiguous: bool = False, fatal: bool = False, systemic: bool = False
    ) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.fatal = fatal
        self.systemic = systemic or fatal


# -- text hygiene ----------------------------------------------------------------------------------
def clean_line(value: object) -> str:
    """One line of plain text, as the web edition shows it (:func:`~ai_news_tracker.text.clean_text`:
    control, bidi and non-characters gone, whitespace runs made one space); a lone surrogate reads as
    U+FFFD."""
    return clean_text(without_surrogates("" if value is None else str(value)))


def feed_line(value: object) -> str:
    """Feed text as the mail shows it: :func:`clean_line`, and :func:`~ai_news_tracker.text.unlinked`."""
    return unlinked(clean_line(value))


def title_line(title: str) -> str:
    """A title as the mail shows it (:func:`feed_line`), (无标题) when a reader would see nothing of it."""
    line = feed_line(title)
    return UNTITLED if is_blank(line) else line


# -- the view model --------------------------------------------------------------------------------
# What Chinese readers call the zones they live in; any other zone is named by its IANA name.
# Zones of one offset all year, named as readers there name them (Shanghai's other names too)
ZONE_LABELS = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Chungking": "北京时间",
               "Asia/Harbin": "北京时间", "PRC": "北京时间", "Asia/Hong_Kong": "香港时间",
               "Hongkong": "香港时间", "Asia/Taipei": "台北时间", "ROC": "台北时间", "Asia/Macau": "澳门时间",
               "Asia/Macao": "澳门时间"}  # fmt: skip


def zone_label(timezone: str, at: datetime) -> str:
    """How a mail names the zone of a time it gives (``at``): 北京时间 for Asia/Shanghai (ZONE_LABELS),
    else its offset from UTC then, after the zone's name ("America/Los_Angeles 时间，UTC-07:00": a zone
    whose clocks go back gives one hour twice) but for a name of no area (UTC, GMT) and of the Etc area,
    whose signs are POSIX's ("Etc/GMT+12" is UTC-12:00), given alone."""
    if timezone in ZONE_LABELS:
        return ZONE_LABELS[timezone]
    offset = at.astimezone(ZoneInfo(timezone)).strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:5]}"
    if "/" not in timezone or timezone.startswith("Etc/"):
        return utc
    return f"{clean_line(timezone)} 时间，{utc}"


def subject_for(edition: Edition) -> str:
    return f"{edition.date.isoformat()} {clean_line(edition.title)}"


def edition_view(edition: Edition, config: Config) -> dict[str, Any]:
    """What both templates show, every value from a feed or a leaderboard already cleaned (but the items'
    texts: :meth:`_Composer.items`)."""
    tz = edition_zone(edition.timezone, config.report.tz)  # the zone it was built in, as the web's
    statuses: list[SourceStatus] = list(edition.sources)
    if edition.leaderboard_status is not None:
        statuses.append(edition.leaderboard_status)
    return {
        "date": edition.date.isoformat(),
        "title": clean_line(edition.title),
        "subject": subject_for(edition),
        "key_points": [p for p in (feed_line(k) for k in edition.key_points) if not is_blank(p)],
        "show_points": show_points(edition, config),
        # what the page says under its points (extractive points standing in for a model's, a window
        # older than the seen index), so subscribers are told as readers of the page are
        "notes": [n for n in (feed_line(note) for note in edition.notes) if not is_blank(n)],
        "board": _board_view(edition, config),
        "failed_sources": [
            {"name": clean_line(s.name), "label": clean_line(FAILURE_LABELS.get(s.status, s.status))}
            for s in statuses
            if not s.ok
        ],
        # their texts are cut where a render shows them: _Composer.items (an edition too long for the
        # HTML budget shows the texts of none or a few)
        "items": [_item_view(item, tz) for item in edition.items],
        "not_shown": edition.not_shown,  # past max_items: the web edition lists them
        # the stories an earlier edition published already: listed, the first REPEATS_MAILED
        "repeats": [_repeat_view(repeat, tz) for repeat in edition.repeats[:REPEATS_MAILED]],
        "repeats_unlisted": len(edition.repeats[REPEATS_MAILED:]),
        "generated_minute": local_time(edition.generated_at, tz),
        "generated_second": local_time(edition.generated_at, tz, "%Y-%m-%d %H:%M:%S"),
    }


def _item_view(item: Item, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "title": title_line(item.title),
        "source": feed_line("、".join(item.sources)),
        "time": local_time(item.shown_at, tz),
        "url": safe_href(item.url),
    }


def item_summary(item: Item, summary_chars: int) -> str:
    """An item's text as the mail shows it: its first ``summary_chars`` characters, one line without
    links, "…" where the text goes on, as the web edition shows it (the Markdown keeps the sample's cut)."""
    return unlinked(_cut_summary(shown_text(item.text), summary_chars))


def _repeat_view(repeat: Repeat, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "title": title_line(repeat.item.title),
        "source": feed_line("、".join(repeat.item.sources)),
        "url": safe_href(repeat.item.url),
        "reported_label": reported_label(repeat.reported_on),
    }


# A link at the end of a text cut short: mail clients would link the part, which goes nowhere. Only
# the characters a URL is written with (RFC 3986): Chinese text right before or after a link is no part
# of it.
_URL_CHARS = "A-Za-z0-9\\-._~:/?#\\[\\]@!$&'()*+,;=%"
_CUT_LINK = re.compile(rf"https?://[{_URL_CHARS}]*$", re.IGNORECASE)
_URL_CHAR = re.compile(rf"[{_URL_CHARS}]")


def _cut_summary(text: str, limit: int) -> str:
    """The first ``limit`` characters of an item's text, as one line, "…" where it goes on; a link the
    cut falls into is left out rather than shown broken."""
    if len(text) <= limit:
        return clean_line(text)
    head = truncate(text, limit)
    if _URL_CHAR.match(text[len(head)]):  # the cut may be inside a link
        head = _CUT_LINK.sub("", head)
    return clean_line(head) + "…"


def _board_view(edition: Edition, config: Config) -> dict[str, Any]:
    cfg = shown_with(edition, config).board
    board = edition.leaderboard
    name = clean_line(board_name(edition, config))
    if board is None:
        reason, _ = board_missing(edition, config)  # as the web's
        return {"available": False, "name": name, "reason": clean_line(reason)}
    age = snapshot_age_days(board.snapshot_date, edition.date)
    stale = board_stale_days(edition, config)  # as the web's

    def rows(models: Iterable[Any]) -> list[dict[str, Any]]:
        return [
            {"rank": r.rank, "model": feed_line(r.model), "score": display_score(r.score)} for r in models
        ]

    return {
        "available": True,
        "name": name,
        "top_n": len(board.global_top),
        "global_top": rows(board.global_top),
        "domestic": rows(board.domestic),
        "no_domestic": not board.domestic and (cfg.domestic_n if cfg else 1) > 0,  # as the web's
        "site_label": SITE_LABEL,
        "site_url": SITE_URL,
        "data_url": PROVIDER_LINKS.get(board.provider, SITE_URL),
        "snapshot_date": board.snapshot_date.isoformat(),
        "date_label": date_label(board),
        "ranking": clean_line(ranking_label(board) or ""),
        "stale_days": stale,
        "stale_warning": stale_warning(board, age) if stale else "",
        "source_note": OTHER_SOURCE_NOTE if board.other_source is not None else "",  # as the web's
    }


@lru_cache(maxsize=8)
def mail_environment(templates_dir: Path) -> jinja2.Environment:
    """The environment of the email edition and the confirmation email (:data:`MAIL_TEMPLATES`)."""
    import jinja2  # here, not at import: the bounce function never renders an email

    from .templating import ViewEnvironment, shipped_bytecode

    env = ViewEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=shipped_bytecode(templates_dir, "mail"),  # compiled when the layer was built
        # Everything is escaped but the plain-text templates, whose values the view model has cleaned.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2", "html"), disabled_extensions=("txt.j2",), default=True
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = safe_href
    env.filters["uri"] = plain_href
    env.filters["plain"] = clean_line
    return env


# -- headers ---------------------------------------------------------------------------------------
class _UrlListHeader(UnstructuredHeader, BaseHeader):
    """``List-Unsubscribe`` (RFC 2369): ``<url>, <url>``, folded between the entries, never encoded.

    The stock unstructured header turns a word longer than a line into an RFC 2047 encoded-word,
    which would break a long unsubscribe URL for every mail client.
    """

    def fold(self, *, policy: Policy) -> str:
        entries = [entry.strip() for entry in str(self).split(",") if entry.strip()]
        return f"{self.name}: " + f",{policy.linesep} ".join(entries) + policy.linesep


def _header_registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    registry.map_to_type("list-unsubscribe", _UrlListHeader)
    return registry


MAIL_POLICY = SMTP.clone(header_factory=_header_registry())


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it is stored and sent: CRLF line ends, 7-bit (both parts are base64)."""
    return message.as_bytes(policy=MAIL_POLICY)


def _address(value: str, what: str) -> Address:
    name, addr = parseaddr(value)
    if not is_mail_address(addr):  # the configuration's rule: it refuses what is refused here
        raise MailError(f"{what} is not an email address: {value!r}")
    try:
        address = Address(display_name=clean_line(name), addr_spec=addr)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise MailError(f"{what} is not an email address: {value!r}") from exc
    if not address.domain or not address.username:
        raise MailError(f"{what} is not an email address: {value!r}")
    return address


def sender_address(value: str) -> Address:
    """``[email] sender`` (``日报 <digest@example.com>``) as an address; its display name may be Chinese."""
    return _address(value, "email.sender")


def recipient_address(value: str) -> Address:
    """Exactly one bare address (no display name, no list), or :class:`MailError`."""
    name, addr = parseaddr(value)
    if name or clean_line(value) != value.strip() or addr != value.strip():
        raise MailError(f"recipient is not one plain email address: {value!r}")
    return _address(value.strip(), "recipient")


def message_id(edition_date: date, recipient: str, domain: str) -> str:
    """Deterministic, so a resend of the same edition to the same reader is recognisable."""
    return f"<{LIST_ID_LABEL}.{edition_date.isoformat()}.{recipient_key(recipient)[:16]}@{domain}>"


# RFC 5322 specials, and "?": with "=" it makes an encoded word, which the header decodes into anything.
_NOT_IN_DESCRIPTION = re.compile(r'[()<>\[\]:;@\\,."?\s]+')


def list_id(title: str, domain: str) -> str:
    """``List-Id`` (RFC 2919): ``<description> <ai-news-tracker.<domain>>``, the title as description.

    The title's specials become spaces, so that its words can only be a phrase and the list id is the
    one thing in angle brackets (``AI <News> Daily`` would otherwise be read as the list ``News``). A
    Chinese title is RFC 2047 encoded by :mod:`email`.
    """
    description = _NOT_IN_DESCRIPTION.sub(" ", title).strip()
    label = f"<{LIST_ID_LABEL}.{domain}>"
    return f"{description} {label}" if description else label


def _check_header_url(url: str, scheme: str) -> str:
    if (
        not url.startswith(scheme)
        or len(url) > MAX_HEADER_URL
        or any(c in url for c in "<>,\"'\\ ")
        or clean_text(url) != url
        or not url.isascii()
    ):
        raise MailError(f"not a usable {scheme} unsubscribe link: {url!r}")
    return url


# -- the message -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """How much of the edition the HTML part shows: the first ``shown`` items, the first ``texts`` of
    them with their text (the text part shows the same texts, and every item)."""

    shown: int
    texts: int


def _prefixes(total: int) -> Iterator[int]:
    """Item counts of doubling length, from :data:`FIRST_PROBE` up to ``total`` (``total`` last)."""
    count = min(total, FIRST_PROBE)
    yield count
    while count < total:
        count = min(total, count * 2)
        yield count


def _probe(fits: Callable[[int], bool], total: int) -> tuple[int, int | None]:
    """(the longest prefix of :func:`_prefixes` known to fit, or 0; the first that does not, None if
    all do)."""
    fitted = 0
    for count in _prefixes(total):
        if not fits(count):
            return fitted, count
        fitted = count
    return fitted, None


def _largest(fits: Callable[[int], bool], low: int, high: int) -> int:
    """The largest ``n`` in ``[low, high]`` that fits, by bisection: ``fits`` holds up to some ``n``
    and not after it, and ``low`` fits (or is the least there is)."""
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def sent_size(body: str) -> int:
    """The bytes of a text part as sent, and as a mail client decodes it: UTF-8, every line ending
    in CRLF (as :mod:`email.contentmanager` writes the body: ``linesep.join(lines) + linesep``)."""
    lines = body.encode("utf-8").splitlines()
    return sum(map(len, lines)) + len(MAIL_POLICY.linesep) * max(len(lines), 1)


class _Composer:
    """Builds the messages of one edition; the view and the HTML layout are worked out once."""

    def __init__(
        self,
        edition: Edition,
        config: Config,
        templates_dir: Path,
        web_url: str | None,
        sent_at: datetime | None = None,
    ) -> None:
        self.edition = edition
        self.sent_at = sent_at or edition.generated_at  # the messages' Date
        self.tz = config.report.tz
        self.env = mail_environment(Path(templates_dir))
        self.view = edition_view(edition, config)
        self.summary_chars = shown_with(edition, config).summary_chars
        self.with_texts: list[dict[str, Any]] = []  # the first items' views with their texts, as asked
        self.web_url = safe_href(web_url) or None
        self.sender = sender_address(config.email.sender)
        self.layout: Layout | None = None

    def items(self, texts: int) -> list[dict[str, Any]]:
        """The items' views, the first ``texts`` with their texts (:func:`item_summary`), cut once: the
        others' are shown by neither part."""
        views: list[dict[str, Any]] = self.view["items"]
        done = len(self.with_texts)
        for item, view in zip(self.edition.items[done:texts], views[done:texts], strict=True):
            self.with_texts.append({**view, "summary": item_summary(item, self.summary_chars)})
        return self.with_texts[:texts] + views[texts:]

    def render_html(self, layout: Layout, unsubscribe_url: str | None) -> str:
        return self.env.get_template(HTML_TEMPLATE).render(
            self.view,
            items=self.items(layout.texts)[: layout.shown],
            hidden=len(self.view["items"]) - layout.shown + self.view["not_shown"],
            texts=layout.texts,
            web_url=self.web_url,
            unsubscribe_url=unsubscribe_url,
        )

    def render_text(self, layout: Layout, unsubscribe_url: str | None) -> str:
        return self.env.get_template(TEXT_TEMPLATE).render(
            self.view,
            items=self.items(layout.texts),
            texts=layout.texts,
            web_url=self.web_url,
            unsubscribe_url=unsubscribe_url,
        )

    def plan(self, unsubscribe_url: str | None) -> Layout:
        """Everything; else every item, the texts of as many of the first as fit; else as many items as
        fit, without texts.

        The HTML grows with the number of items shown, and with the number of them shown with their
        text, so each question is answered on prefixes of doubling length, then by bisection: an
        edition far too long for the budget is never rendered whole, only about twice what fits
        (5,000 items: about 2,000 rendered instead of 15,000); the texts kept are only bisected once
        every item fits without its text, on renders of that edition, within the budget.
        """
        total = len(self.view["items"])

        def fits(layout: Layout) -> bool:
            return sent_size(self.render_html(layout, unsubscribe_url)) <= HTML_BUDGET

        if _probe(lambda count: fits(Layout(count, texts=count)), total)[1] is None:
            return Layout(total, texts=total)
        fitted, over = _probe(lambda count: fits(Layout(count, texts=0)), total)
        if over is None:  # every item fits without its text: the first keep theirs, as many as fit
            return Layout(total, texts=_largest(lambda texts: fits(Layout(total, texts)), 0, total - 1))
        shown = _largest(lambda count: fits(Layout(count, texts=0)), fitted, over - 1)
        if shown == 0 and not fits(Layout(0, texts=0)):
            logger.warning("email html over budget", date=self.view["date"], budget=HTML_BUDGET)
        return Layout(shown, texts=0)

    def message(
        self, recipient: str, unsubscribe_url: str | None, unsubscribe_mailto: str | None
    ) -> EmailMessage:
        to = recipient_address(recipient)
        links = []
        if unsubscribe_url:
            links.append(_check_header_url(unsubscribe_url, "https://"))
        if unsubscribe_mailto:
            links.append(_check_header_url(unsubscribe_mailto, "mailto:"))
        if self.layout is None:
            self.layout = self.plan(unsubscribe_url)
        html = self.render_html(self.layout, unsubscribe_url)
        if sent_size(html) > HTML_LIMIT:  # a much longer link than the one planned with
            self.layout = self.plan(unsubscribe_url)
            html = self.render_html(self.layout, unsubscribe_url)
        text = self.render_text(self.layout, unsubscribe_url)

        message = EmailMessage(policy=MAIL_POLICY)
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = self.view["subject"]
        message["Date"] = self.sent_at.astimezone(self.tz)
        message["Message-ID"] = message_id(self.edition.date, to.addr_spec, self.sender.domain)
        message["List-Id"] = list_id(self.view["title"], self.sender.domain)
        if links:
            message["List-Unsubscribe"] = ", ".join(f"<{link}>" for link in links)
        if unsubscribe_url:
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        message.set_content(text, subtype="plain", charset="utf-8", cte="base64")
        message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
        message.set_boundary(mime_boundary(text, html))
        return message


def mime_boundary(*parts: str) -> str:
    """The boundary between a message's parts, made of them: the same parts, the same bytes (Python's
    default is a random number, so a re-run, or another machine, wrote every message otherwise). "=_"
    cannot occur in a base64 body, so no part can hold it."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"=_{digest[:40]}"


def build_message(
    edition: Edition,
    config: Config,
    *,
    recipient: str,
    web_url: str | None,
    unsubscribe_url: str | None,
    unsubscribe_mailto: str | None,
    templates_dir: Path,
) -> EmailMessage:
    """The edition as one multipart/alternative message to ``recipient``.

    ``unsubscribe_url`` (https, answered by one POST: RFC 8058) and ``unsubscribe_mailto``
    (``mailto:…``) go into ``List-Unsubscribe``; the URL also into the footer.
    """
    return _Composer(edition, config, templates_dir, web_url).message(
        recipient, unsubscribe_url, unsubscribe_mailto
    )


def bodies(message: EmailMessage) -> tuple[str, str]:
    """The (text, html) bodies of a message built here, decoded."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    if not isinstance(text, EmailMessage) or not isinstance(html, EmailMessage):
        raise MailError("not a multipart/alternative message with a text and an HTML part")
    return str(text.get_content()), str(html.get_content())


# -- the confirmation mail (double opt-in) -----------------------------------------------------------
CONFIRM_HTML_TEMPLATE, CONFIRM_TEXT_TEMPLATE = "confirm_email.html.j2", "confirm_email.txt.j2"
MAIL_TEMPLATES = (HTML_TEMPLATE, TEXT_TEMPLATE, CONFIRM_HTML_TEMPLATE, CONFIRM_TEXT_TEMPLATE)


def confirmation_subject(config: Config) -> str:
    return f"请确认订阅《{clean_line(config.report.title)}》"


def build_confirmation(
    config: Config,
    *,
    recipient: str,
    confirm_url: str,
    expires_at: datetime,
    templates_dir: Path,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """The double opt-in mail: a link (https only) to confirm before ``expires_at``; text and HTML.

    It names no other subscriber, carries no List-Unsubscribe (nobody is subscribed yet) and says
    that ignoring it is enough.
    """
    link = _checked_link(confirm_url, "confirmation")
    view = {
        "subscribed": False,
        "title": clean_line(config.report.title),
        "subject": confirmation_subject(config),
        "confirm_url": link,
        "expires": local_time(expires_at, config.report.tz),
        "timezone": zone_label(config.report.timezone, expires_at),
    }
    return _opt_in_message(config, recipient, view, templates_dir, sent_at)


def build_subscribed_notice(
    config: Config,
    *,
    recipient: str,
    unsubscribe_url: str,
    templates_dir: Path,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """What a subscribe request for an address already subscribed sends it: that it is subscribed
    (nothing to confirm), where the editions may have gone, and its unsubscribe link. Only the mailbox
    learns the state; the request's answer is the same as for any address."""
    view = {
        "subscribed": True,
        "title": clean_line(config.report.title),
        "subject": f"您已订阅《{clean_line(config.report.title)}》",
        "unsubscribe_url": _checked_link(unsubscribe_url, "unsubscribe"),
    }
    return _opt_in_message(config, recipient, view, templates_dir, sent_at)


def _checked_link(url: str, what: str) -> str:
    link = safe_href(url)
    if link != url:
        raise MailError(f"not a usable {what} link: {url!r}")
    return _check_header_url(link, "https://")  # https, ASCII, no quotes, brackets or spaces


def _opt_in_message(
    config: Config, recipient: str, view: dict[str, Any], templates_dir: Path, sent_at: datetime | None
) -> EmailMessage:
    env = mail_environment(Path(templates_dir))
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender_address(config.email.sender)
    message["To"] = recipient_address(recipient)
    message["Subject"] = view["subject"]
    if sent_at is not None:
        message["Date"] = sent_at.astimezone(config.report.tz)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(
        env.get_template(CONFIRM_TEXT_TEMPLATE).render(view), subtype="plain", charset="utf-8", cte="base64"
    )
    message.add_alternative(
        env.get_template(CONFIRM_HTML_TEMPLATE).render(view), subtype="html", charset="utf-8", cte="base64"
    )
    return message


# -- the outbox ------------------------------------------------------------------------------------
_KEY_UNSAFE = re.compile(r"[^a-z0-9._@+-]")


def outbox_key(edition_date: date, recipient: str) -> str:
    """``outbox/YYYY-MM-DD/<address>.eml``; an address changed by the sanitising gets a hash suffix."""
    address = normalise_recipient(recipient)
    name = _KEY_UNSAFE.sub("_", address)[:200].strip(".")
    if name != address:
        name = f"{name}-{recipient_key(recipient)[:12]}"
    return f"outbox/{edition_date.isoformat()}/{name}.eml"


def write_outbox(store: Store, message: EmailMessage, edition_date: date, recipient: str) -> tuple[str, bool]:
    """Keep the message as ``.eml``; (key, True) when this call wrote it. A re-run writes no second copy."""
    key = outbox_key(edition_date, recipient)
    created = store.put_if_absent(key, message_bytes(message), content_type=content_type_for(key))
    return key, created


# -- SES -------------------------------------------------------------------------------------------
THROTTLED = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})
FATAL = frozenset(
    {
        "AccountSuspendedException",
        "SendingPausedException",
        "LimitExceededException",  # the account's daily sending quota
        "MailFromDomainNotVerifiedException",
        "NotFoundException",  # the configuration set
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
    }
)


class SesSender:
    """Sends raw MIME through SES v2 ``SendEmail`` (recipients from the ``To`` header).

    Raw, because we set our own headers (List-Unsubscribe), and because moto drops the text part of
    a Simple email. The default client makes one attempt per call: botocore would repeat a request
    whose answer timed out, which may send a message twice. Throttling (certainly not sent) is
    retried here with backoff.
    """

    def __init__(
        self,
        configuration_set: str | None,
        client: SESV2Client | None = None,
        *,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.configuration_set = configuration_set
        self._client = client
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep

    @property
    def client(self) -> SESV2Client:
        if self._client is None:
            from botocore.config import Config as BotoConfig

            from .sdk import client

            self._client = client(
                "sesv2",
                config=BotoConfig(
                    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10
                ),
            )
        return self._client

    def send(self, message: EmailMessage) -> str:
        """Hand the message to SES; its MessageId, or :class:`SendError`."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
        )

        args: dict[str, Any] = {"Content": {"Raw": {"Data": message_bytes(message)}}}
        if self.configuration_set:
            args["ConfigurationSetName"] = self.configuration_set
        attempt = 0
        while True:
            try:
                answer = self.client.send_email(**args)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                code = str(error.get("Code", "error"))
                status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
                if code in THROTTLED and attempt < self.retries:
                    self._sleep(self.backoff * 2**attempt)
                    attempt += 1
                    continue
                reason = f"SES refused the message: {code}: {error.get('Message', '')}".rstrip(": ")
                unavailable = status == 503 or code in THROTTLED  # not taken: try again later
                ambiguous = status >= 500 and not unavailable  # an internal error: SES may have taken it
                raise SendError(
                    reason, ambiguous=ambiguous, fatal=code in FATAL, systemic=unavailable
                ) from exc
            except (ConnectTimeoutError, EndpointConnectionError) as exc:  # never reached SES
                raise SendError(f"cannot reach SES: {exc}", fatal=True) from exc
            except BotoCoreError as exc:  # sent, but no answer: it may have gone out
                raise SendError(f"SES did not confirm the message: {exc}", ambiguous=True) from exc
            return str(answer["MessageId"])

    __call__ = send


class Pacer:
    """At most ``rate`` calls a second (SES's sending rate shared by the concurrent senders)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("a sending rate is positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._next is not None and self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def paced(self, send: Callable[[EmailMessage], str]) -> Callable[[EmailMessage], str]:
        def call(message: EmailMessage) -> str:
            self.wait()
            return send(message)

        return call


# -- sending an edition ----------------------------------------------------------------------------
@dataclass
class SendReport:
    """What one send of an edition did. Addresses are keys here; :meth:`summary` holds none."""

    date: date
    subject: str
    sent: dict[str, str] = field(default_factory=dict)  # recipient -> SES MessageId or outbox key
    skipped: list[str] = field(default_factory=list)  # sent before
    pending: dict[str, str] = field(default_factory=dict)  # claimed before, outcome unknown: not resent
    failed: dict[str, str] = field(default_factory=dict)  # recipient -> reason
    given_up: list[str] = field(default_factory=list)  # failed for good: a re-run would not send them
    dry_run: list[str] = field(default_factory=list)  # would be sent now
    layout: Layout | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "subject": self.subject,
            "sent": len(self.sent),
            "skipped": len(self.skipped),
            "pending": len(self.pending),
            "failed": len(self.failed),
            "given_up": len(self.given_up),
            "dry_run": len(self.dry_run),
            "reasons": sorted(set(self.failed.values()) | set(self.pending.values())),
            "html_items": self.layout.shown if self.layout else None,
            "html_summaries": self.layout.texts if self.layout else None,  # the first items with texts
        }


def _sent_prefix(edition_date: date) -> str:
    return f"sent/{edition_date.isoformat()}/"


OUTCOMES = ("deferred", "failed", "unknown", "sent")  # of one attempt, the later one in this order wins


@dataclass(frozen=True)
class _Attempt:
    number: int
    outcome: str | None  # None: claimed, no outcome recorded
    failures: int = 0  # attempts that ended "failed" (refusals that count against the recipient)
    last_failed: int | None = None  # the number of the latest of those


def _attempts(sent_log: Store, prefix: str, listing: str | None = None) -> dict[str, _Attempt]:
    """recipient key -> its latest attempt, from one listing of the day's sent log (or of ``listing``).

    A refusal counted against its recipient is written ``deferred`` first, then ``failed``; a
    ``failed`` alone was written by a release before 2026-11-30 06:26, which recorded every refusal
    so (SES's daily quota, throttling): it counts as deferred, so a batch of that time moved back from
    the dead-letter queue reaches every recipient still due."""
    outcomes: dict[str, dict[int, str | None]] = {}
    deferred: set[tuple[str, int]] = set()
    for key in sent_log.list(listing or prefix):
        who, _, name = key.removeprefix(prefix).partition("/")
        digits, _, outcome = name.partition(".")
        if not digits.isdigit() or (outcome and outcome not in OUTCOMES):
            continue
        if outcome == "deferred":
            deferred.add((who, int(digits)))
        attempts = outcomes.setdefault(who, {})
        known = attempts.get(int(digits))
        if known is None or (outcome and OUTCOMES.index(outcome) > OUTCOMES.index(known)):
            attempts[int(digits)] = outcome or known  # a claim alone: None; an outcome replaces it
    latest: dict[str, _Attempt] = {}
    for who, attempts in outcomes.items():
        number = max(attempts)
        failed = sorted(n for n, result in attempts.items() if result == "failed" and (who, n) in deferred)
        latest[who] = _Attempt(number, attempts[number], len(failed), failed[-1] if failed else None)
    return latest


def _reason(sent_log: Store, key: str, keep: str) -> str:
    """The reason a sent-log entry keeps, its addresses but ``keep`` hashed (:func:`hide_addresses`):
    entries written before the hashing, kept 90 days, hold them in clear."""
    data = sent_log.get(key)
    try:
        value = parse_json(data) if data else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return "unreadable sent-log entry"
    return hide_addresses(str(value.get("reason")), keep=keep)


def _entry(**fields: Any) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")


def unsubscribe_links(
    recipient: str,
    base: str | None,
    token: Callable[[str], str] | None,
    mailto: str | None,
) -> tuple[str | None, str | None]:
    """The (https, mailto) unsubscribe links of one recipient.

    The https link is ``base?token=<token(recipient)>``; it needs a token function (a signed,
    per-recipient token), because a link that names the address would let anyone unsubscribe anyone.
    """
    url = None
    if base:
        if token is None:
            raise MailError("an unsubscribe URL needs a per-recipient token")
        url = f"{base}{'&' if '?' in base else '?'}token={quote(token(recipient), safe='')}"
    mail = None
    if mailto:
        subject = "unsubscribe" + (f" {token(recipient)}" if token else "")
        mail = f"mailto:{mailto}?subject={quote(subject, safe='')}"
    return url, mail


def send_edition(
    edition: Edition,
    config: Config,
    recipients: Iterable[str],
    *,
    sender: Callable[[EmailMessage], str] | None,
    outbox: Store | None,
    sent_log: Store,
    web_url: str | None,
    unsubscribe_base: str | None,
    templates_dir: Path,
    unsubscribe_token: Callable[[str], str] | None = None,
    unsubscribe_mailto: str | None = None,
    dry_run: bool = False,
    should_stop: Callable[[], bool] | None = None,
    per_recipient_log: bool = False,
    sent_at: datetime | None = None,
) -> SendReport:
    """Send (and/or keep in ``outbox``) the edition to each recipient at most once.

    ``sender`` hands a message over (:class:`SesSender`); ``outbox`` keeps a ``.eml`` copy (the local
    run's delivery). ``dry_run`` sends and writes nothing and lists who would get the edition now.
    Duplicate addresses (compared case-insensitively) get one message. ``should_stop`` is asked before
    each recipient (a Lambda running out of time): when it says so, the rest are reported as not
    attempted, and a retry carries on where this run stopped. ``per_recipient_log`` reads the sent log
    one recipient at a time instead of listing the whole day: for a batch of a few dozen out of many
    thousands (the fan-out's send function). ``sent_at`` is the messages' ``Date`` (SES sends: when they
    go out, a redriven batch too); None: the edition's time, so a re-run's outbox copies are the same.
    """
    if sender is None and outbox is None and not dry_run:
        raise MailError("nowhere to deliver the email edition: no sender and no outbox")
    if unsubscribe_base is not None:
        if unsubscribe_token is None:
            raise MailError("an unsubscribe URL needs a per-recipient token")
        _check_header_url(unsubscribe_base, "https://")
    composer = _Composer(edition, config, templates_dir, web_url, sent_at)
    prefix = _sent_prefix(edition.date)
    unique = _unique(recipients)
    if per_recipient_log:
        attempts: dict[str, _Attempt] = {}
        for recipient in unique:
            attempts.update(_attempts(sent_log, prefix, f"{prefix}{recipient_key(recipient)}/"))
    else:
        attempts = _attempts(sent_log, prefix)
    run = _Run(
        composer=composer,
        report=SendReport(edition.date, composer.view["subject"]),
        sent_log=sent_log,
        prefix=prefix,
        attempts=attempts,
        deliver=lambda message, recipient: _deliver(message, sender, outbox, edition.date, recipient),
        delivered=(
            (lambda recipient: outbox.get(outbox_key(edition.date, recipient)) is not None)
            if sender is None and outbox is not None
            else None
        ),
        links=lambda recipient: unsubscribe_links(
            recipient, unsubscribe_base, unsubscribe_token, unsubscribe_mailto
        ),
        dry_run=dry_run,
    )
    for recipient in unique:
        if run.stopped is None and should_stop is not None and should_stop():
            run.stopped = "out of time"
        run.one(recipient)
    run.finish()
    report = run.report
    report.layout = composer.layout
    logger.info(
        "email edition sent",
        date=edition.date.isoformat(),
        sent=len(report.sent),
        skipped=len(report.skipped),
        pending=len(report.pending),
        failed=len(report.failed),
        dry_run=dry_run,
    )
    return report


@dataclass
class _Run:
    """One send of one edition: the per-recipient protocol of the sent log (see the module docstring)."""

    composer: _Composer
    report: SendReport
    sent_log: Store
    prefix: str
    attempts: dict[str, _Attempt]
    deliver: Callable[[EmailMessage, str], str]
    # Whether a recipient's message went out, when the outbox copy is the delivery (a local run); None
    # when a sender hands it over (SES): a claim without an outcome may then have gone out.
    delivered: Callable[[str], bool] | None
    links: Callable[[str], tuple[str | None, str | None]]
    dry_run: bool
    stopped: str | None = None
    refused_in_a_row: int = 0
    unanswered_in_a_row: int = 0
    # Refusals naming no address since SES last accepted a message of this run: (recipient, attempt
    # key, reason, the recipient's failures before).
    unproven: list[tuple[str, str, str, int]] = field(default_factory=list)
    # Whether SES accepted a message of this edition: in this run, or in an earlier one (``attempts``).
    proven: bool = False
    others: int = 0  # the run's refusals that can never count against their recipient (systemic ones…)

    def __post_init__(self) -> None:
        self.proven = self.proven or any(a.outcome == "sent" for a in self.attempts.values())

    def one(self, recipient: str) -> None:
        report = self.report
        if self.stopped is not None:
            report.failed[recipient] = f"not attempted: {self.stopped}"
            return
        who = recipient_key(recipient)
        previous = self.attempts.get(who)
        if previous is not None and not self._may_retry(recipient, f"{self.prefix}{who}/", previous):
            return
        attempt = previous.number if previous else 0
        try:
            message = self.composer.message(recipient, *self.links(recipient))
        except MailError as exc:
            report.failed[recipient] = hide_addresses(str(exc))
            return
        if self.dry_run:
            report.dry_run.append(recipient)
        else:
            failures = previous.failures if previous else 0
            self._send(recipient, f"{self.prefix}{who}/{attempt + 1}", attempt + 1, message, failures)

    def _send(self, recipient: str, key: str, attempt: int, message: EmailMessage, failures: int) -> None:
        """Claim the attempt, hand the message over, record the outcome (``failures``: counted before)."""
        report = self.report
        try:
            claimed = self.sent_log.put_if_absent(
                key, _entry(attempt=attempt, message_id=str(message["Message-ID"]))
            )
        except StorageError as exc:
            report.failed[recipient] = f"{UNRECORDED}: {exc}"
            return
        if not claimed:  # another run is sending it; a local one may have written its .eml already
            if self.delivered is not None and self.delivered(recipient):
                report.skipped.append(recipient)
            else:
                report.pending[recipient] = "claimed by a concurrent run"
            return
        try:
            ref = self.deliver(message, recipient)
        except SendError as exc:
            self._not_sent(recipient, key, exc, failures)
            return
        except StorageError as exc:  # the outbox copy could not be written: nothing went out
            _record(self.sent_log, f"{key}.deferred", _entry(reason=str(exc)))
            report.failed[recipient] = str(exc)
            logger.warning("email not sent", recipient=recipient_key(recipient)[:16], reason=str(exc))
            return
        self.refused_in_a_row = self.unanswered_in_a_row = 0
        report.sent[recipient] = ref
        _record(self.sent_log, f"{key}.sent", _entry(ref=ref))
        self.proven = True
        for unproven in self.unproven:  # SES works: those refusals were their recipients'
            self._count_failure(*unproven)
        self.unproven.clear()

    def finish(self) -> None:
        """The end of the run: its only refusal left uncounted counts against its recipient when SES
        took another message of the edition (earlier in the run, or to a reader of the batch in an
        earlier receive): SES refuses that reader alone. Two or more that no later acceptance proved
        stay deferred: SES may have stopped taking any mail (an outage gives no one up)."""
        if len(self.unproven) == 1 and self.others == 0 and self.proven:
            self._count_failure(*self.unproven.pop())

    def _count_failure(self, recipient: str, key: str, reason: str, failures: int) -> None:
        """Record a refusal as the recipient's (``failed``); give them up at :data:`MAX_ATTEMPTS`."""
        _record(self.sent_log, f"{key}.failed", _entry(reason=reason))
        if failures + 1 >= MAX_ATTEMPTS:
            self.report.failed[recipient] = f"gave up after {failures + 1} refusals: {reason}"
            self.report.given_up.append(recipient)

    @property
    def _sender(self) -> str:
        """The sender's own address, which refusals keep readable."""
        return self.composer.sender.addr_spec

    def _may_retry(self, recipient: str, base: str, previous: _Attempt) -> bool:
        """Whether a recipient with an earlier attempt gets another; the reason is reported if not."""
        key = f"{base}{previous.number}"
        if previous.outcome == "sent":
            self.report.skipped.append(recipient)
            return False
        if previous.outcome is None:  # claimed, and then nothing: handed to SES, it may have gone out;
            # a local run's .eml (written whole or not at all) tells: none, nothing went out
            delivered = self.delivered(recipient) if self.delivered is not None else None
            if delivered is None:
                self.report.pending[recipient] = "claimed earlier, no outcome recorded"
            elif delivered:
                self.report.skipped.append(recipient)
            return delivered is False
        if previous.outcome == "unknown":
            self.report.pending[recipient] = _reason(self.sent_log, f"{key}.unknown", self._sender)
            return False
        if previous.failures >= MAX_ATTEMPTS:
            reason = _reason(self.sent_log, f"{base}{previous.last_failed}.failed", self._sender)
            self.report.failed[recipient] = f"gave up after {previous.failures} refusals: {reason}"
            self.report.given_up.append(recipient)
            return False
        return True

    def _not_sent(self, recipient: str, key: str, exc: SendError, failures: int) -> None:
        """A message not handed over: ``unknown`` without an answer, else ``deferred`` and maybe counted.

        A refusal counts against its recipient at once when SES names the address in it, or when an
        earlier refusal of the edition counted as theirs and SES took another message of it
        (:attr:`proven`); else when SES takes a later message of this run, or (:meth:`finish`) when it
        is the run's only refusal left uncounted and SES took another message of the edition before;
        never when it names another address (the sender's identity).
        Five refusals naming no recipient, or five sends
        without an answer, in a row stop the run: something is wrong for every message, and the rest
        wait for a retry. The reason is logged and kept with every address in it but the sender's
        hashed (:func:`hide_addresses`).
        """
        named = not (exc.ambiguous or exc.systemic) and names_address(str(exc), recipient)
        # One naming another address (the sender's: "identities failed the check …: digest@…") is
        # about that identity, whatever SES took before: never the recipient's.
        elsewhere = not named and _ADDRESS_IN_TEXT.search(str(exc)) is not None
        reason = hide_addresses(str(exc), keep=self._sender)  # logged and kept 90 days
        _record(self.sent_log, f"{key}.{'unknown' if exc.ambiguous else 'deferred'}", _entry(reason=reason))
        (self.report.pending if exc.ambiguous else self.report.failed)[recipient] = reason
        mine = not (named or exc.ambiguous or exc.systemic or elsewhere)  # may be the recipient's
        # the recipient's own by name, or refused before as theirs while SES takes this edition's mail
        if named or (mine and failures and self.proven):
            self._count_failure(recipient, key, reason, failures)
        elif mine:
            self.unproven.append((recipient, key, reason, failures))
        else:
            self.others += not exc.ambiguous
        if not (named or exc.ambiguous or exc.systemic):
            self.refused_in_a_row += 1
        logger.warning("email not sent", recipient=recipient_key(recipient)[:16], reason=reason)
        if exc.ambiguous or exc.systemic:
            self.refused_in_a_row = 0 if exc.ambiguous else self.refused_in_a_row + 1
        self.unanswered_in_a_row = self.unanswered_in_a_row + 1 if exc.ambiguous else 0
        if exc.fatal or STOP_AFTER_REFUSALS in (self.refused_in_a_row, self.unanswered_in_a_row):
            self.stopped = reason


# An address in an answer's or error's text: not from a quote or dot before it (an error's repr, 'x@y')
_ADDRESS_IN_TEXT = re.compile(r"[\w!#$%&*+/=?^`{|}~-][\w.!#$%&'*+/=?^`{|}~-]*@[\w.-]+")


def names_address(text: str, recipient: str) -> bool:
    """Whether an SES answer names ``recipient`` (compared case-insensitively), as the sandbox's
    "Email address is not verified. The following identities failed the check …: <address>" does."""
    wanted = normalise_recipient(recipient)
    return any(found.lower().rstrip(".") == wanted for found in _ADDRESS_IN_TEXT.findall(text))


def hide_addresses(text: str, keep: str = "") -> str:
    """``text`` with every address in it but ``keep`` (the sender's own) replaced by the prefix of its
    hash that logs name a recipient by (``recipient=<sha256[:16]>``): an SES refusal may name its
    recipient, and it is logged and kept in the sent log."""
    kept = normalise_recipient(keep)

    def hidden(found: re.Match[str]) -> str:
        address = found.group().rstrip(".")
        if normalise_recipient(address) == kept:
            return found.group()
        return recipient_key(address)[:16] + found.group()[len(address) :]

    return _ADDRESS_IN_TEXT.sub(hidden, text)


def _unique(recipients: Iterable[str]) -> list[str]:
    """Each address once (compared case-insensitively), first spelling, in the given order."""
    seen: set[str] = set()
    unique = []
    for recipient in recipients:
        address = recipient.strip()
        if address and normalise_recipient(address) not in seen:
            seen.add(normalise_recipient(address))
            unique.append(address)
    return unique


def _deliver(
    message: EmailMessage,
    sender: Callable[[EmailMessage], str] | None,
    outbox: Store | None,
    edition_date: date,
    recipient: str,
) -> str:
    ref = ""
    if outbox is not None:
        ref, _ = write_outbox(outbox, message, edition_date, recipient)
    if sender is not None:
        ref = sender(message)
    return ref


def _record(sent_log: Store, key: str, data: bytes) -> None:
    """Write an attempt's outcome. A failure leaves it claimed: reported as pending, never resent."""
    try:
        sent_log.put_if_absent(key, data)
    except StorageError as exc:
        logger.error("sent log not updated", key=key, reason=str(exc))
