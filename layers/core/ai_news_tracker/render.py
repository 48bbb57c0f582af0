"""Rendering an :class:`Edition` with the Jinja2 templates in ``templates/``.

The functions here only shape data for the templates (times in the report's timezone, rounded scores,
short summaries); the templates decide the layout, and the escaping filters make sure feed text stays
text in every format.

The web edition (``edition.html.j2``, ``index.html.j2``, ``feed.xml.j2``) is autoescaped (every
``*.html.j2`` and ``*.xml.j2`` template is), and rendered through :attr:`Renderer.web_env`, whose
``finalize`` passes every printed string through :func:`clean_text` first: control, bidi-override and
non-characters are dropped, so no value can break the HTML5 or XML grammar. Every ``href`` goes through
:func:`safe_href` (http and https only, else no link). Pages link each other, the stylesheet and the
feed by relative URLs, so the site works on any host and from a folder; only the Atom feed uses
absolute links, when ``[report] site_url`` is set.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup

from .config import FEED_ID, Config, LeaderboardConfig
from .identity import safe_link
from .leaderboard import display_score, movements, snapshot_age_days, stale_days
from .markdown import STRAY_PERCENT, escape_inline, escape_table_cell, link_target
from .models import BoardShown, Edition, EditionSummary, Item, Leaderboard, Repeat, ShownWith, SourceStatus
from .text import (
    clean_lines,
    clean_text,
    is_blank,
    reads_as_written,
    shorten,
    shown_text,
    truncate,
    without_surrogates,
    without_unsafe_characters,
)

if TYPE_CHECKING:
    import jinja2

PROVIDER_LINKS = {
    "lmarena-history": "https://github.com/nakasyou/lmarena-history",
    "arena-catalog": "https://github.com/lmarena/arena-catalog",
}
SITE_LABEL, SITE_URL = "LM Arena (lmarena.ai)", "https://lmarena.ai/"

FAILURE_LABELS = {
    "timeout": "超时",
    "connection_error": "无法连接",
    "http_error": "服务器报错",
    "redirect_loop": "重定向循环",
    "blocked_destination": "地址不允许访问",
    "too_large": "响应过大",
    "empty": "空响应",
    "not_a_feed": "返回网页而非订阅源",
    "blocked": "被反爬验证拦截",
    "malformed": "内容无法解析",
    "not_published": "该日尚未发布",
    "not_fetched": "尚未抓取",
    "failed": "获取失败",
}


# Templates that are autoescaped: whatever they print is HTML/XML-escaped unless marked safe.
AUTOESCAPED = ("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2")
EDITION_HTML, INDEX_HTML, FEED_XML = "edition.html.j2", "index.html.j2", "feed.xml.j2"
NOT_FOUND_HTML = "not_found.html.j2"
EDITION_TEMPLATES = ("edition.md.j2", "edition.json.j2")  # rendered by Renderer.env
WEB_TEMPLATES = (EDITION_HTML, INDEX_HTML, FEED_XML, NOT_FOUND_HTML, "_page.html.j2")  # by Renderer.web_env
# The site's static files: key in the site store -> file in templates/.
ASSETS = {"assets/style.css": "site.css", "assets/favicon.svg": "favicon.svg"}
WEEKDAYS = "一二三四五六日"
WEB_CACHE_SIZE = 50  # compiled templates the web environment keeps
FEED_ENTRIES = 50  # the newest editions in feed.xml; index.html lists them all
# The archive (index.html) shows the key points of its newest ARCHIVE_POINTS editions; each older one is
# a line: its date and its first point, cut at ARCHIVE_HEADLINE_CHARS. So the page grows by a line a day
# (about 0.3 KB), not by its five points (1.3 KB), and a month list at its top jumps to any month.
ARCHIVE_POINTS = 30
ARCHIVE_HEADLINE_CHARS = 40  # two lines on a phone

HREF_CACHE_SIZE = 8192  # links remembered by safe_href: more than a 5,000-item edition's


def safe_href(url: object) -> str:
    """The URL when it is a safe absolute http(s) link (:func:`~ai_news_tracker.identity.safe_link`)
    that reads as it is, else "": never ``javascript:``, ``data:`` or anything a browser would run or
    show inline, nor a link with a bidi override, a space or an invisible character inside. The web
    and the email editions link through it."""
    if type(url) is str:
        return _remembered_web_link(url)
    # A str subclass (Markup) is equal to the plain string: checked afresh, so each keeps its own type.
    return _web_link(url) if isinstance(url, str) else ""


# The shape nearly every feed's link has: http or https, a host name of ASCII letters, digits, dots and
# hyphens (no user info, no port), then a path, query or fragment of printable ASCII but the backslash.
# safe_link takes such a link as it is, and it reads as written (no space, nothing invisible), so it is
# not parsed: parsing a new edition's 5,000 links was a quarter of its Markdown's render. Any other link
# is checked in full (tests/unit/test_web_edition.py compares the two on links of that shape).
_PLAIN_WEB_LINK = re.compile(r"https?://[0-9A-Za-z.-]+(?:[/?#][!-\[\]-~]*)?")


def _web_link(url: str) -> str:
    return url if _PLAIN_WEB_LINK.fullmatch(url) else _checked_web_link(url)


def _checked_web_link(url: str) -> str:
    link = safe_link(url)
    if link is None or urlsplit(link).scheme.lower() not in ("http", "https"):
        return ""
    return link if reads_as_written(link) else ""


# RFC 3986's reserved characters and the escapes already there stay as they are; any other character a
# URI may not hold (`"`, `<`, `>`, `|`, braces, a backslash, non-ASCII) is percent-encoded (UTF-8).
_URI_KEEPS = ":/?#[]@!$&'()*+,;="


def plain_href(url: object) -> str:
    """:func:`safe_href` written as a URI, for a plain-text part: a text-only mail client links a URL
    only up to the first character a URI cannot hold, so ``…/新闻?a="x"`` would open ``…/``."""
    link = safe_href(url)
    return quote(STRAY_PERCENT.sub("%25", link), safe=_URI_KEEPS + "%") if link else ""


# Pure, so remembered: an edition's page is rendered twice (reports/<day>.html and latest.html), and
# the email's HTML part again and again while it is fitted to its budget (mail._Composer.plan).
_remembered_web_link = lru_cache(maxsize=HREF_CACHE_SIZE)(_web_link)


def _web_finalize(value: Any) -> Any:
    """Every value a web template prints: strings cleaned (markup made by the templates is kept)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean_text(value)
    return value


def rfc3339(dt: datetime) -> str:
    """A time as Atom wants it: UTC, whole seconds, ``Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_templates_dir() -> Path:
    """``templates/`` of the checkout (editable install) or of the deployed bundle beside the package."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here.parents[1] / "templates",
        here.parents[2] / "templates",
        here.parent / "templates",
    ):
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "templates"


def other_links(item: Item) -> list[dict[str, str]]:
    """The other outlets' links to a story told by several, each with its source's name ("" when it has
    no safe link), for the page to offer beside the one it shows."""
    return [
        {"source": source, "url": safe_href(url)}
        for source, url in zip(item.also_in, item.also_urls, strict=False)
        if safe_href(url) and safe_href(url) != safe_href(item.url)
    ]


def json_text(value: Any, **kwargs: Any) -> str:
    """``value`` as the JSON edition lays it out (Jinja2's ``tojson`` calls it): objects and lists one
    entry a line, indented by two spaces, but an object inside a list (an item, a source, a leaderboard
    row) on one line of its own. What ``json.dumps(indent=2)`` gives is as easy to read and diff, but
    ``indent`` makes the json module use its pure-Python encoder, about three times slower on a
    5,000-item edition; each line here is written by its C encoder, one encoder for all (``json.dumps``
    with arguments builds one a call: 5,000 an edition). ``kwargs`` are ``json.JSONEncoder``'s (no
    ``indent``); keys are strings, as every key of the edition's payload is."""
    dumps = json.JSONEncoder(**kwargs).encode

    def laid_out(inner: Any, indent: str) -> str:
        deeper = indent + "  "
        if isinstance(inner, dict) and inner:
            lines = (f"{deeper}{dumps(str(key))}: {laid_out(entry, deeper)}" for key, entry in inner.items())
            return "{\n" + ",\n".join(lines) + f"\n{indent}}}"
        if isinstance(inner, list | tuple) and inner:
            lines = (deeper + (dumps(e) if isinstance(e, dict) else laid_out(e, deeper)) for e in inner)
            return "[\n" + ",\n".join(lines) + f"\n{indent}]"
        return dumps(inner)

    return laid_out(value, "")


def cleaned_strings(value: Any) -> Any:
    """A JSON value with every string in it without control, bidi or non-characters, as the other formats
    print them (a line break a space: :func:`~ai_news_tracker.text.without_unsafe_characters`): feed text
    (titles, summaries, errors, model names) reaches JSON readers on one line, as it reads. Other spaces
    are kept: a summary is its text's first ``summary_chars`` characters exactly."""
    if isinstance(value, str):
        return without_unsafe_characters(value)
    if isinstance(value, dict):
        return {key: cleaned_strings(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [cleaned_strings(inner) for inner in value]
    return value


def json_entry(item: Item, tz: ZoneInfo, summary_chars: int, *, shown: bool = False) -> dict[str, Any]:
    """An item as the JSON edition lists it, its strings cleaned as :func:`cleaned_strings` cleans them:
    its title, link and, when ``shown`` in full, its summary as the Markdown and the page show them (its
    :func:`item_view`, shared with them), its sources (with their links, when ``shown``) and its times
    in ``tz``."""
    view, published = item_view(item, tz, summary_chars), item.published
    entry = {
        "id": cleaned_strings(item.id),
        "title": view["title"],  # as every other format shows it
        "source": cleaned_strings(item.source),
        "sources": cleaned_strings(list(item.sources)),
    }
    if shown:
        entry["links"] = [
            {"source": cleaned_strings(source), "url": safe_href(url) or None}
            for source, url in zip(item.sources, (item.url, *item.also_urls), strict=False)
        ]
    entry["published_at"] = published.astimezone(tz).isoformat() if published else None
    entry["first_seen"] = item.first_seen.astimezone(tz).isoformat()
    if shown:
        entry["summary"], entry["summary_truncated"] = view["summary"], view["truncated"]
    entry["url"] = view["url"]  # the link rule of every format
    return entry


def carried_by(items: Sequence[Item]) -> dict[str, int]:
    """How many of ``items`` each source carried (a story several feeds carried counts for each)."""
    counts: dict[str, int] = {}
    for item in items:
        for source in item.sources:
            counts[source] = counts.get(source, 0) + 1
    return counts


def edition_zone(name: str, default: ZoneInfo) -> ZoneInfo:
    """The zone an edition names, or ``default`` when this machine has no such zone."""
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError, OSError):  # OSError: a folder of zones ("Asia")
        return default


def date_label(board: Leaderboard) -> str:
    """The data-source line's 数据日期: the snapshot's own date, or, for a file that carries none and
    whose publisher did not say, the day it was first seen, said as such."""
    day = board.snapshot_date.isoformat()
    return f"不详（{day} 首次获取）" if board.date_basis == "first_seen" else day


def stale_warning(board: Leaderboard, days: int) -> str:
    """The warning under a leaderboard ``days`` old: the day the data stopped at, or, when that is only
    the day it was first seen (:func:`date_label`), that the data's date is unknown."""
    day = board.snapshot_date.isoformat()
    if board.date_basis == "first_seen":
        return f"排行榜数据日期不详，自 {day} 首次获取以来已 {days} 天未更新，排名仅供参考。"
    return f"排行榜数据停留在 {day}，已 {days} 天未更新，排名仅供参考。"


# Under the ranking of another source than configured (Leaderboard.other_source), named in the heading
OTHER_SOURCE_NOTE = "此为此前数据源的榜单：本期截止前未获取到新配置数据源的榜单。"


def board_name(edition: Edition, config: Config) -> str:
    """The leaderboard section's heading name: its source's as configured when the edition was built,
    or, for the ranking of another source than configured (a switch whose fetch failed), that one's."""
    board, cfg = edition.leaderboard, shown_with(edition, config).board
    if board is not None and board.other_source is not None:
        return board.other_source
    return cfg.name if cfg else "LM Arena"


def ranking_label(board: Leaderboard) -> str | None:
    """The data-source line's 榜单: which ranking the tables are (its category, and whether its scores
    are style-controlled when the source says), as the linked site names its views; ``None`` for an
    edition stored before the category was recorded."""
    if board.category is None:
        return None
    if board.style_control is None:
        return board.category
    return f"{board.category}（{'已' if board.style_control else '未'}启用风格控制）"


DESCRIPTION_CHARS = 160  # what search results and link previews show of a page's description


def page_description(edition: Edition) -> str:
    """A page's ``description`` (search results, link previews): its key points, else its item count,
    cut to :data:`DESCRIPTION_CHARS` (``text.shorten``: never inside what shows as one character)."""
    more = f"，另有 {edition.not_shown} 条相关资讯" if edition.not_shown else ""
    text = "；".join(clean_lines(edition.key_points)) or f"本期 {len(edition.items)} 条资讯{more}。"
    return shorten(text, DESCRIPTION_CHARS)


def reported_label(day: date) -> str:
    """How an edition names the day a repeat was first reported: its month and day (首见 12-04)."""
    return day.strftime("%m-%d")


def repeat_view(repeat: Repeat, view: dict[str, Any]) -> dict[str, Any]:
    """A repeat as the editions list it: its item's ``view`` with the day it was first reported (its
    page's name, ``reported_on``, and ``reported_label``)."""
    return {
        **view,
        "reported_on": repeat.reported_on.isoformat(),
        "reported_label": reported_label(repeat.reported_on),
    }


def configured_shown_with(config: Config) -> ShownWith:
    """The settings an edition built now is shown with (:class:`~ai_news_tracker.models.ShownWith`)."""
    cfg = config.leaderboard
    board = (
        BoardShown(
            cfg.name, cfg.max_age_days, cfg.domestic_n, cfg.provider, cfg.effective_category, cfg.enabled
        )
        if cfg
        else None
    )
    return ShownWith(config.report.summary_chars, config.report.key_points, board)


def shown_with(edition: Edition | EditionSummary, config: Config) -> ShownWith:
    """The settings ``edition`` (or its summary) is shown with: those it was built with, or, for an
    edition stored before they were kept, ``config``'s."""
    return edition.shown_with or configured_shown_with(config)


def board_stale_days(edition: Edition, config: Config) -> int:
    """How old the edition's leaderboard is when the ``max_age_days`` it is shown with calls it stale,
    else 0: what every format warns of, the JSON's ``stale``, and the render function's
    ``LeaderboardStaleDays``."""
    board = edition.leaderboard
    if board is None:
        return 0
    cfg = shown_with(edition, config).board
    max_age = cfg.max_age_days if cfg else LeaderboardConfig.max_age_days
    return stale_days(board.snapshot_date, edition.date, max_age)


def board_missing(edition: Edition, config: Config) -> tuple[str, str]:
    """Why an edition has no leaderboard: the word readers get (in Chinese, as the failed-sources line
    gives it) and the reason the JSON gives: its fetch failed, every ranking kept was fetched after the
    edition's cutoff, it was turned off, or none is configured."""
    status, board = edition.leaderboard_status, shown_with(edition, config).board
    if status is not None and status.ok:  # fetched, but only after the edition's cutoff (a day built late)
        return "本期截止前未获取到榜单", "no ranking fetched by the edition's cutoff"
    if status is not None:
        return FAILURE_LABELS.get(status.status, status.status), status.error or status.status
    if board is not None and not board.enabled:
        return "排行榜已停用", "leaderboard disabled"
    return "未配置排行榜", "no leaderboard configured"


def show_points(edition: Edition, config: Config) -> bool:
    """Whether the edition has a 今日要点 section: not when ``key_points = 0`` turned it off."""
    return shown_with(edition, config).key_points > 0 or bool(edition.key_points) or bool(edition.notes)


UNTITLED = "(无标题)"


def shown_title(title: str) -> str:
    """A title as every format shows it: one line of visible text, (无标题) when there is none (a
    title of bidi controls or other invisible characters alone: :func:`~ai_news_tracker.text.is_blank`)."""
    line = clean_text(title)
    return UNTITLED if is_blank(line) else line


def html_time(moment: datetime, tz: tzinfo) -> str:
    """``moment`` for an HTML ``datetime`` attribute: to the second (HTML allows at most three
    fractional digits; a run at the clock's time has six)."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def local_time(dt: datetime, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.astimezone(tz).strftime(fmt)


VIEW_CACHE_SIZE = 8192  # item views remembered by item_view: more than a 5,000-item edition's


def item_view(item: Item, tz: ZoneInfo, summary_chars: int) -> dict[str, Any]:
    """An item as the Markdown and the web edition show it (its time in ``tz``; its summary, the first
    ``summary_chars`` characters of its text, and whether the text goes on). Pure, so remembered: the
    Markdown, the page and ``latest.html`` show the same items; shared, so its readers copy it, never
    change it. A stored item of the wrong shape (a link that is a list) is no key: built, not remembered."""
    try:
        return _remembered_item_view(item, tz, summary_chars)
    except TypeError:  # unhashable: safe_href refuses such a link, as it did before views were remembered
        return _item_view(item, tz, summary_chars)


def _item_view(item: Item, tz: ZoneInfo, summary_chars: int) -> dict[str, Any]:
    local, text = item.shown_at.astimezone(tz), shown_text(item.text)
    return {
        "title": shown_title(item.title),
        "source": "、".join(item.sources),
        "time": local.strftime("%Y-%m-%d %H:%M"),  # local_time
        "datetime": local.isoformat(timespec="seconds"),  # html_time
        "summary": truncate(text, summary_chars),
        "truncated": len(text) > summary_chars,
        "url": safe_href(item.url) or None,  # the link rule of the web and the email editions
    }


_remembered_item_view = lru_cache(maxsize=VIEW_CACHE_SIZE)(_item_view)


@dataclass(frozen=True)
class Renderer:
    config: Config
    templates_dir: Path

    @cached_property
    def env(self) -> jinja2.Environment:
        import jinja2  # here, not at import: a function that never renders never loads Jinja2

        from .templating import ViewEnvironment, shipped_bytecode

        env = ViewEnvironment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            bytecode_cache=shipped_bytecode(self.templates_dir, "edition"),  # compiled by the layer build
            # Matched on the end of the name: "edition.html.j2" is escaped, "edition.md.j2" is not.
            autoescape=jinja2.select_autoescape(
                enabled_extensions=AUTOESCAPED, disabled_extensions=(), default_for_string=True, default=False
            ),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters["md"] = escape_inline
        env.filters["md_cell"] = escape_table_cell
        env.filters["md_url"] = link_target
        env.filters["href"] = safe_href
        env.policies["json.dumps_function"] = json_text
        env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
        return env

    @cached_property
    def web_env(self) -> jinja2.Environment:
        """The environment of the web edition: :attr:`env` with every printed string cleaned."""
        # A cache of its own: templates compiled by :attr:`env` lack the finalize and the trimming.
        from .templating import shipped_bytecode

        return self.env.overlay(
            bytecode_cache=shipped_bytecode(self.templates_dir, "web"),  # compiled with these settings
            finalize=_web_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            cache_size=WEB_CACHE_SIZE,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.report.timezone)

    def zone(self, edition: Edition) -> ZoneInfo:
        """The zone an edition was built in, which its times are shown in: re-publishing a stored day
        after ``[report] timezone`` changed gives the same bytes (the configured zone for an edition
        that names none this machine knows)."""
        return edition_zone(edition.timezone, self.tz)

    def markdown(self, edition: Edition) -> str:
        # Lone surrogates (JSON escapes in an old stored edition) could not be written as UTF-8.
        text = self.env.get_template("edition.md.j2").render(self._context(edition)).rstrip("\n")
        return without_surrogates(text)

    def json(self, edition: Edition, previous: Edition | None = None) -> str:
        text = self.env.get_template("edition.json.j2").render(edition=self.json_payload(edition, previous))
        json.loads(text)  # the template must produce valid JSON; fail here rather than publish it
        return without_surrogates(text)

    # -- the web edition -------------------------------------------------------------------------
    def html(
        self,
        edition: Edition,
        previous: Edition | None = None,
        *,
        at_root: bool = False,
        next_date: date | None = None,
    ) -> str:
        """The edition's page: ``reports/<day>.html``, or with ``at_root`` the site's ``latest.html``.

        ``previous`` is the edition before it (the leaderboard's movements, the link to it);
        ``next_date`` the day of the edition after it, which the page links forward to.
        """
        tz = self.zone(edition)
        context = self._context(edition)
        context["board"] = self._web_board(edition, previous)
        context["items"] = [
            {**view, "url": safe_href(view["url"]), "others": other_links(item)}
            for view, item in zip(context["items"], edition.items, strict=True)
        ]
        context["more"] = [{**view, "url": safe_href(view["url"])} for view in context["more"]]
        context["repeats"] = [{**view, "url": safe_href(view["url"])} for view in context["repeats"]]
        context.update(
            root="" if at_root else "../",
            reports="reports/" if at_root else "",
            previous_date=previous.date.isoformat() if previous else None,
            next_date=next_date.isoformat() if next_date else None,
            weekday=WEEKDAYS[edition.date.weekday()],
            generated_iso=html_time(edition.generated_at, tz),
            latest=at_root,
            subscribe_url=self.subscribe_url,
            description=page_description(edition),
            page_url=safe_href(self.config.report.page_url(edition.date) or ""),
        )
        return self.web_env.get_template(EDITION_HTML).render(context)

    @cached_property
    def page_settings(self) -> str:
        """A digest of what every dated page shows of the configuration (its address, og:url, under
        ``site_url``; where its form posts, ``subscribe_url``; the ``subtitle``): recorded with the pages'
        layout, so a change writes every published page again once (``pipeline.PAGES_VERSION``). A value
        :meth:`html` takes from the configuration for every page belongs here."""
        report = self.config.report
        shown = [report.site_url.rstrip("/"), self.subscribe_url, report.subtitle]
        return hashlib.sha256(json.dumps(shown).encode("utf-8")).hexdigest()[:16]

    @property
    def subscribe_url(self) -> str:
        """Where the pages' subscribe form posts; "" (no form) when not configured."""
        return safe_href(self.config.report.subscribe_url) if self.config.report.subscribe_url else ""

    def index(self, editions: Sequence[EditionSummary]) -> str:
        """The archive page (``index.html``): every edition, newest first, grouped by month; the newest
        :data:`ARCHIVE_POINTS` with their key points, the older ones a line each, and at the top a list of
        the months by year, linking each month's heading."""
        ordered = sorted(editions, key=lambda e: e.date, reverse=True)
        months: list[dict[str, Any]] = []
        for n, summary in enumerate(ordered):
            label = f"{summary.date.year} 年 {summary.date.month} 月"
            if not months or months[-1]["label"] != label:
                months.append(
                    {
                        "label": label,
                        "id": summary.date.strftime("m%Y-%m"),
                        "year": summary.date.year,
                        "month": summary.date.month,
                        "editions": [],
                        "days": [],
                    }
                )
            if n < ARCHIVE_POINTS:
                months[-1]["editions"].append(self._summary_view(summary))
            else:
                months[-1]["days"].append(self._day_view(summary))
        years: list[dict[str, Any]] = []
        for month in months:
            if not years or years[-1]["year"] != month["year"]:
                years.append({"year": month["year"], "months": []})
            years[-1]["months"].append(month)
        return self.web_env.get_template(INDEX_HTML).render(
            root="",
            title=self.config.report.title,
            subtitle=self.config.report.subtitle,
            months=months,
            years=years if len(months) > 1 else [],
            latest=self._summary_view(ordered[0]) if ordered else None,
            count=len(ordered),
            subscribe_url=self.subscribe_url,
        )

    def not_found(self) -> str:
        """The page for an address the site does not have (``404.html``; CloudFront serves it at any
        path, so it links by the site's absolute base: ``[report] site_url``, else the host's root)."""
        site = self.config.report.site_url
        return self.web_env.get_template(NOT_FOUND_HTML).render(
            root=f"{site.rstrip('/')}/" if site else "/",
            title=self.config.report.title,
            subscribe_url=self.subscribe_url,
        )

    def feed(self, editions: Sequence[EditionSummary]) -> str:
        """The Atom 1.0 feed (``feed.xml``) of the newest :data:`FEED_ENTRIES` editions.

        Ids are tag URIs (``[report] feed_id``, else :data:`~ai_news_tracker.config.FEED_ID`), stable
        whatever the site's address. Links are absolute under
        ``[report] site_url``, else relative (resolved against the feed's own URL).
        """
        if not editions:
            raise ValueError("a feed needs at least one edition")
        ordered = sorted(editions, key=lambda e: e.date, reverse=True)[:FEED_ENTRIES]
        base = self.config.report.site_url.rstrip("/") + "/" if self.config.report.site_url else ""
        feed_id = self.config.report.feed_id or FEED_ID
        entries = [
            {
                **self._summary_view(summary),
                "id": f"{feed_id}edition/{summary.date.isoformat()}",
                "href": f"{base}reports/{summary.date.isoformat()}.html",
                "published": rfc3339(summary.generated_at),
                "updated": rfc3339(summary.updated),  # later when a rebuild changed what it says
            }
            for summary in ordered
        ]
        return self.web_env.get_template(FEED_XML).render(
            title=self.config.report.title,
            subtitle=self.config.report.subtitle,
            id=f"{feed_id}feed",
            self_href=f"{base}feed.xml",
            home_href=f"{base}index.html",
            updated=max(entry["updated"] for entry in entries),
            entries=entries,
        )

    def assets(self) -> dict[str, str]:
        """The static files every page links (the stylesheet, the icon), by their key in the site."""
        return {key: (self.templates_dir / name).read_text(encoding="utf-8") for key, name in ASSETS.items()}

    def _summary_view(self, summary: EditionSummary) -> dict[str, Any]:
        day = summary.date.isoformat()
        return {
            "date": day,
            "title": summary.title,
            "weekday": WEEKDAYS[summary.date.weekday()],
            "key_points": clean_lines(summary.key_points),
            "show_points": bool(summary.key_points) or shown_with(summary, self.config).key_points > 0,
            "item_count": summary.items,
            "more_count": summary.more,
            "path": f"reports/{day}.html",
            "generated_minute": local_time(summary.generated_at, self.tz),
        }

    def _day_view(self, summary: EditionSummary) -> dict[str, Any]:
        """An older edition in the archive: its day and its first key point (the day's lead story)."""
        day = summary.date.isoformat()
        first = next(iter(clean_lines(summary.key_points)), "")
        headline = truncate(first, ARCHIVE_HEADLINE_CHARS)
        return {
            "date": day,
            "weekday": WEEKDAYS[summary.date.weekday()],
            "headline": headline + ("…" if len(first) > len(headline) else ""),
            "item_count": summary.items,
            "path": f"reports/{day}.html",
        }

    def _web_board(self, edition: Edition, previous: Edition | None) -> dict[str, Any]:
        board = self._board(edition)
        if not board["available"] or edition.leaderboard is None:
            return board
        base = previous.leaderboard if previous else None
        moved = movements(edition.leaderboard, base)
        board["compared_with"] = previous.date.isoformat() if previous and moved else None
        board["site_url"] = safe_href(board["site_url"])
        board["data_url"] = safe_href(board["data_url"])
        for row in board["domestic"]:
            movement = moved.get(row["model"])
            row["movement"] = (
                {"kind": movement.kind, "symbol": movement.symbol, "label": movement.label}
                if movement
                else None
            )
        return board

    # -- view models ---------------------------------------------------------------------------
    def _context(self, edition: Edition) -> dict[str, Any]:
        tz = self.zone(edition)
        chars = shown_with(edition, self.config).summary_chars
        return {
            "date": edition.date.isoformat(),
            "title": edition.title,
            "subtitle": self.config.report.subtitle,
            "key_points": clean_lines(edition.key_points),
            "notes": list(edition.notes),
            "show_points": show_points(edition, self.config),
            "board": self._board(edition),
            "failed_sources": [
                {"name": s.name, "label": FAILURE_LABELS.get(s.status, s.status)}
                for s in self._all_statuses(edition)
                if not s.ok
            ],
            "items": [item_view(item, tz, chars) for item in edition.items],
            "more": [item_view(item, tz, chars) for item in edition.more],
            "repeats": [repeat_view(r, item_view(r.item, tz, chars)) for r in edition.repeats],
            "unlisted": edition.unlisted,
            "not_shown": edition.not_shown,
            "max_items": len(edition.items),
            "generated_minute": local_time(edition.generated_at, tz),
            "generated_second": local_time(edition.generated_at, tz, "%Y-%m-%d %H:%M:%S"),
        }

    def _board(self, edition: Edition) -> dict[str, Any]:
        cfg = shown_with(edition, self.config).board
        board = edition.leaderboard
        name = board_name(edition, self.config)
        if board is None:
            # Readers get the failure's word in Chinese, as the failed-sources line gives it; the
            # technical reason is in the JSON's sources and the logs.
            return {"available": False, "name": name, "reason": board_missing(edition, self.config)[0]}
        age = snapshot_age_days(board.snapshot_date, edition.date)
        stale = board_stale_days(edition, self.config)
        return {
            "available": True,
            "name": name,
            "top_n": len(board.global_top),
            "global_top": [self._row(r.rank, r.model, r.score) for r in board.global_top],
            "domestic": [self._row(r.rank, r.model, r.score) for r in board.domestic],
            # no model of the ranking was recognised as Chinese (not a table configured away)
            "no_domestic": not board.domestic and (cfg.domestic_n if cfg else 1) > 0,
            "site_label": SITE_LABEL,
            "site_url": SITE_URL,
            "data_url": PROVIDER_LINKS.get(board.provider, SITE_URL),
            "snapshot_date": board.snapshot_date.isoformat(),
            "date_label": date_label(board),
            "ranking": ranking_label(board),
            "stale_days": stale,
            "stale_warning": stale_warning(board, age) if stale else "",
            "source_note": OTHER_SOURCE_NOTE if board.other_source is not None else "",
        }

    @staticmethod
    def _row(rank: int, model: str, score: float) -> dict[str, Any]:
        return {"rank": rank, "model": model, "score": display_score(score)}

    @staticmethod
    def _all_statuses(edition: Edition) -> list[SourceStatus]:
        statuses = list(edition.sources)
        if edition.leaderboard_status is not None:
            statuses.append(edition.leaderboard_status)
        return statuses

    def json_payload(self, edition: Edition, previous: Edition | None = None) -> dict[str, Any]:
        tz = self.zone(edition)
        summary_chars = shown_with(edition, self.config).summary_chars
        shown, listed = carried_by(edition.items), carried_by(edition.more)
        board = edition.leaderboard
        # items: every story the source carried, shown in full or listed past them (more_items: those)
        sources = [
            {
                "name": s.name,
                "status": s.status,
                "items": shown.get(s.name, 0) + listed.get(s.name, 0),
                "more_items": listed.get(s.name, 0),
                "error": s.error,
            }
            for s in edition.sources
        ]
        if edition.leaderboard_status is not None:
            s = edition.leaderboard_status
            sources.append(
                {
                    "name": s.name,
                    "status": s.status,
                    "items": board.models_ranked if board else 0,
                    "more_items": 0,
                    "error": s.error,
                }
            )
        payload = {
            "date": edition.date.isoformat(),
            "title": edition.title,
            "generated_at": edition.generated_at.astimezone(tz).isoformat(),
            "updated_at": edition.updated.astimezone(tz).isoformat(),
            "window": {
                "start": edition.window_start.astimezone(tz).isoformat() if edition.window_start else None,
                "end": edition.window_end.astimezone(tz).isoformat(),
            },
            "key_points": clean_lines(edition.key_points),
            "notes": list(edition.notes),
            "leaderboard": self._board_payload(edition, previous),
            "items": [],  # the entries of these three lists: below
            "more_items": [],
            "unlisted": edition.unlisted,
            "reported_before": [],
            "sources": sources,
        }
        cleaned: dict[str, Any] = cleaned_strings(payload)
        # Each entry is built of values cleaned already (json_entry), so 5,000 entries are not walked again.
        cleaned["items"] = [json_entry(item, tz, summary_chars, shown=True) for item in edition.items]
        # the relevant stories past max_items: listed, not shown in full, so nothing is lost unsaid
        cleaned["more_items"] = [json_entry(item, tz, summary_chars) for item in edition.more]
        # the stories an earlier edition published already (another outlet's later report): listed
        cleaned["reported_before"] = [
            json_entry(repeat.item, tz, summary_chars)
            | {
                "reported_on": repeat.reported_on.isoformat(),
                "reported_item": cleaned_strings(repeat.reported_item),
            }
            for repeat in edition.repeats
        ]
        return cleaned

    def _board_payload(self, edition: Edition, previous: Edition | None) -> dict[str, Any]:
        board = edition.leaderboard
        cfg = shown_with(edition, self.config).board
        if board is None:  # the same shape, empty, so that scripts reading it need no special case
            return {
                "available": False,
                "error": board_missing(edition, self.config)[1],
                "provider": cfg.provider if cfg else None,
                "category": cfg.category if cfg else None,
                "style_control": None,
                "snapshot_date": None,
                "date_basis": None,
                "age_days": None,
                "stale": None,
                "models_ranked": 0,
                "other_source": None,
                "global_top": [],
                "domestic": [],
            }
        age = snapshot_age_days(board.snapshot_date, edition.date)
        moved = movements(board, previous.leaderboard if previous else None)

        def rows(models: Any, *, movement: bool = False) -> list[dict[str, Any]]:
            return [
                {
                    "rank": r.rank,
                    "model": r.model,
                    "score": display_score(r.score),
                    "exact_score": r.score,
                    "developer": r.developer,
                }
                | ({"movement": moved[r.model].to_dict() if r.model in moved else None} if movement else {})
                for r in models
            ]

        return {
            "available": True,
            "error": None,
            "provider": board.provider,
            "category": board.category,  # the ranking: overall, chinese, ... (null: not recorded)
            "style_control": board.style_control,  # null when the source does not say
            "snapshot_date": board.snapshot_date.isoformat(),
            "date_basis": board.date_basis,  # file / published: the data's own date; first_seen: ours
            "age_days": age,
            "stale": board_stale_days(edition, self.config) > 0,
            "models_ranked": board.models_ranked,
            # the name of the source shown when it is not the one configured (a switch whose fetch failed)
            "other_source": board.other_source,
            "global_top": rows(board.global_top),
            "domestic": rows(board.domestic, movement=True),
        }
