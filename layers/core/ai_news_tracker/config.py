"""The TOML configuration, read once into frozen dataclasses.

Every key is checked: an unknown key or a value of the wrong type raises :class:`ConfigError` naming
the key (``report.max_items``, ``sources[2].url``). Domain code receives these objects and never
reads the environment.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import types
import typing
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .text import reads_as_written

# Says what we are; operators add a contact (URL or address) with [fetch] user_agent.
DEFAULT_USER_AGENT = "AI-News-Tracker/0.1 (daily news digest bot; feed reader)"
LEADERBOARD_PROVIDERS = ("lmarena-history", "arena-catalog")
# Where each provider publishes its file: [leaderboard] url, when the section names a provider only.
LEADERBOARD_URLS = {
    "lmarena-history": "https://raw.githubusercontent.com/nakasyou/lmarena-history/main/output/scores.json",
    "arena-catalog": "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/leaderboard-text.json",
}
SUMMARIZERS = ("extractive", "bedrock", "openai")
# The Atom feed's ids (RFC 4151 tag URIs): "tag:" authority "," date ":" then what a URI's path holds
# (RFC 3986: pchar, "/" and "?", "%" with two hex digits; one "#"), but "&" and "'" (XML markup). Never
# "[", "]", "\", "^", "`", "{", "|", "}": atom:id is an IRI. Without [report] feed_id the ids start FEED_ID.
FEED_ID = "tag:ai-news-tracker,2026:"
_TAG_SPECIFIC = r"(?:[A-Za-z0-9._~!$()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*"
FEED_ID_SYNTAX = re.compile(
    r"tag:(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+)"
    rf",[0-9]{{4}}(?:-[0-9]{{2}}(?:-[0-9]{{2}})?)?:{_TAG_SPECIFIC}(?:#{_TAG_SPECIFIC})?"
)


@dataclass(frozen=True)
class ReportConfig:
    title: str = "国产大模型日报"
    subtitle: str = "每日国产大模型与 AI 资讯"  # the pages' and the Atom feed's tagline; "" for none
    timezone: str = "Asia/Shanghai"
    summary_chars: int = 300
    max_items: int = 30
    lookback_hours: int = 24
    key_points: int = 5
    site_url: str = ""  # the public base URL of the site (absolute links in feed.xml); "" = relative
    subscribe_url: str = ""  # where the pages' subscribe form posts (POST …/subscribe); "" = no form
    dedupe_threshold: float = 0.27  # same story from two outlets at this similarity; above 1: never merge
    feed_id: str = ""  # the Atom ids' prefix, a tag URI ("tag:digest.example.cn,2026:"); "" = FEED_ID

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def page_url(self, day: date) -> str | None:
        """The public address of a day's web edition under ``site_url``; None without a site URL."""
        if not self.site_url:
            return None
        return f"{self.site_url.rstrip('/')}/reports/{day.isoformat()}.html"


@dataclass(frozen=True)
class FilterConfig:
    """Relevance scoring (:mod:`ai_news_tracker.relevance`); an empty include list keeps every item."""

    include: tuple[str, ...] = ()  # on-topic terms, weight 1 unless [filter.weights] gives another
    exclude: tuple[str, ...] = ()  # terms that always drop an item
    threshold: float = 1.0  # the least score an item needs (1: one include term anywhere)
    title_factor: float = 3.0  # a term in the title counts this many times its weight
    text_cap: int = 3  # occurrences of one term in the text counted, at most
    text_chars: int = 0  # characters of the text scored, from its start (0: all of it)
    weights: tuple[tuple[str, float], ...] = ()  # [filter.weights] term = weight (negative: off-topic)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str
    timezone: str | None = None  # for dates without an offset; default: the report's timezone
    enabled: bool = True
    article_text: bool = False  # items without text get the article page's own summary (polite)


@dataclass(frozen=True)
class LeaderboardConfig:
    provider: str = "lmarena-history"
    url: str = LEADERBOARD_URLS["lmarena-history"]  # [leaderboard] without url: its provider's (parse_config)
    name: str = "LM Arena"
    category: str | None = None  # default: "overall" (lmarena-history) or "full" (arena-catalog)
    top_n: int = 5
    domestic_n: int = 10
    max_age_days: int = 30
    enabled: bool = True

    @property
    def effective_category(self) -> str:
        if self.category:
            return self.category
        return "overall" if self.provider == "lmarena-history" else "full"


@dataclass(frozen=True)
class SummarizerConfig:
    """今日要点: ``extractive`` (offline), ``bedrock`` (Converse API) or ``openai`` (compatible endpoint)."""

    provider: str = "extractive"
    point_chars: int = 60  # characters of one point
    model: str | None = None  # bedrock: model id or inference profile; openai: the endpoint's model name
    base_url: str | None = None  # openai: e.g. https://api.deepseek.com (POST {base_url}/chat/completions)
    api_key_env: str | None = None  # openai: NAME of the environment variable holding the key
    api_key_parameter: str | None = None  # openai: SSM parameter holding the key (SecureString)
    region: str | None = None  # bedrock: default the region of the environment
    timeout: float = 20.0  # seconds for the model's whole answer; on expiry the extractive points are used
    max_input_chars: int = 12_000  # cap on the numbered items sent to the model
    item_chars: int = 200  # characters of each item's text sent to the model (too few: titles alone)
    max_tokens: int = 1_000  # cap on the model's answer


@dataclass(frozen=True)
class EmailConfig:
    enabled: bool = False
    sender: str = "日报 <digest@example.com>"
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 20.0  # seconds for one whole request, retries included, however slowly it trickles
    retries: int = 2  # extra attempts, on connection errors and 429/5xx answers; the deadline bounds them
    backoff: float = 0.5
    max_retry_after: float = 5.0
    max_bytes: int = 5_000_000
    # The file is parsed whole: the fetch function (256 MB, ~70 MB of it its imports) peaked 77 MB above
    # that for a 20 MB file in the real one's shape (3.7x; 100 MB took 371 MB more); the real one is 1.3 MB
    leaderboard_max_bytes: int = 20_000_000
    max_redirects: int = 5
    workers: int = 64  # one thread per source up to 64: fetch_many sizes its pool min(workers, jobs)
    article_fetches: int = 10  # article pages fetched per source and run, at most (article_text)


@dataclass(frozen=True)
class Config:
    report: ReportConfig = field(default_factory=ReportConfig)
    filter: FilterConfig = field(default_factory=FilterConfig)
    sources: tuple[SourceConfig, ...] = ()
    leaderboard: LeaderboardConfig | None = None
    summarizer: SummarizerConfig = field(default_factory=SummarizerConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)

    @property
    def enabled_sources(self) -> tuple[SourceConfig, ...]:
        return tuple(s for s in self.sources if s.enabled)


NESTED_TOO_DEEP = "values nested too deeply"


def load_config(path: str | Path) -> Config:
    """Read and check a TOML configuration file."""
    if not str(path).strip():  # Path("") is "."; say what was given
        raise ConfigError("", f"no config file given: {str(path)!r}")
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError("", f"cannot read config file {str(path)!r}: {exc.strerror}") from exc
    try:
        # utf-8-sig: a byte order mark (Windows PowerShell 5's and old Notepad's "UTF-8") read as nothing
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError("", f"config file {str(path)!r} is not UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    except RecursionError as exc:  # arrays or inline tables nested past the parser's limit
        raise ConfigError("", f"config file {str(path)!r} is not valid TOML: {NESTED_TOO_DEEP}") from exc
    return parse_config(data)


def parse_config(data: dict[str, Any]) -> Config:
    """Turn parsed TOML into a :class:`Config`, checking every key."""
    for key, value in data.items():
        if key in _SECTIONS:
            continue
        tables = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        if not isinstance(value, dict) and not tables:  # a key written above every [section]
            owners = " or ".join(_header(s) for s, cls in _SECTIONS.items() if key in _field_names(cls))
            raise ConfigError(
                key, "unknown key outside any section" + (f" (belongs in {owners}?)" if owners else "")
            )
        raise ConfigError(key, "unknown section")
    sources_raw = data.get("sources", [])
    if not isinstance(sources_raw, list):
        raise ConfigError("sources", "expected [[sources]] tables")
    sources = tuple(_section(SourceConfig, s, f"sources[{i}]") for i, s in enumerate(sources_raw))
    names = [s.name.strip() for s in sources]  # "36Kr " and "36Kr" read the same in the edition
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ConfigError(f"sources[{i}].name", f"duplicate source name {sources[i].name!r}")
    leaderboard = None
    if "leaderboard" in data:
        leaderboard = _section(LeaderboardConfig, data["leaderboard"], "leaderboard")
        if isinstance(data["leaderboard"], dict) and "url" not in data["leaderboard"]:
            url = LEADERBOARD_URLS.get(leaderboard.provider, leaderboard.url)  # the provider's own file
            leaderboard = dataclasses.replace(leaderboard, url=url)
        if leaderboard.name.strip() in names:  # the edition names both in its list of sources
            i = names.index(leaderboard.name.strip())
            raise ConfigError(f"sources[{i}].name", f"the leaderboard is named {leaderboard.name!r} too")
    summarizer_data = data.get("summarizer", {})
    config = Config(
        report=_section(ReportConfig, data.get("report", {}), "report"),
        filter=_filter_section(data.get("filter", {})),
        sources=sources,
        leaderboard=leaderboard,
        summarizer=_section(SummarizerConfig, summarizer_data, "summarizer"),
        email=_section(EmailConfig, data.get("email", {}), "email"),
        fetch=_section(FetchConfig, data.get("fetch", {}), "fetch"),
    )
    _check_values(config, summarizer_keys=summarizer_data)
    return config


_SECTIONS: dict[str, type[Any]] = {  # Config's fields, and the dataclass of each one's tables
    "report": ReportConfig,
    "filter": FilterConfig,
    "sources": SourceConfig,
    "leaderboard": LeaderboardConfig,
    "summarizer": SummarizerConfig,
    "email": EmailConfig,
    "fetch": FetchConfig,
}


def _header(section: str) -> str:
    return "[[sources]]" if section == "sources" else f"[{section}]"


def _field_names(cls: type[Any]) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


_T = typing.TypeVar("_T")


def _section(cls: type[_T], data: Any, path: str) -> _T:
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            raise ConfigError(f"{path}.{key}", "unknown key")
        values[key] = _coerce(value, hints[key], f"{path}.{key}")
    for name, f in fields.items():
        if (
            name not in values
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ):
            raise ConfigError(f"{path}.{name}", "missing")
    return cls(**values)


def _coerce(value: Any, hint: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(value, options[0], key)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(key, f"expected a list of strings, got {_describe(value)}")
        return tuple(_coerce(v, str, f"{key}[{i}]") for i, v in enumerate(value))
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"expected true or false, got {_describe(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"expected an integer, got {_describe(value)}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(key, f"expected a number, got {_describe(value)}")
        return _float(value, key)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"expected a string, got {_describe(value)}")
        return value
    raise ConfigError(key, f"unsupported type {hint!r}")  # pragma: no cover - a programming error


def _float(value: float, key: str) -> float:
    """A number as a float; an integer too large for one (TOML's have no size limit in tomllib) is refused."""
    try:
        return float(value)
    except OverflowError:
        raise ConfigError(key, f"must be a finite number, got {_shown_number(value)}") from None


def _shown_number(value: float) -> str:
    """A number for an error message: an integer past 18 digits by its size alone (a 5,000-digit one
    cannot even be printed)."""
    if isinstance(value, int) and abs(value) >= 10**18:
        return f"an integer of about {int(abs(value).bit_length() * math.log10(2)) + 1} digits"
    return str(value)


def _describe(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list"}
    return names.get(type(value), type(value).__name__)


def _check_values(config: Config, *, summarizer_keys: Collection[str]) -> None:
    """Every value's own checks; ``summarizer_keys``: the keys written in [summarizer]."""
    _check_report(config.report)
    _check_filter(config.filter)
    for i, source in enumerate(config.sources):
        _check_source(source, f"sources[{i}]")
    if config.leaderboard is not None:
        _check_leaderboard(config.leaderboard)
    _check_summarizer(config.summarizer, summarizer_keys)
    _check_fetch(config.fetch)
    _check_email(config.email)
    for path in ("report", "filter", "leaderboard", "summarizer", "fetch"):
        section = getattr(config, path)
        if section is not None:
            _check_limits(section, path)


# How many days the raw store keeps its first-seen index (seen/) on AWS: the raw bucket's lifecycle rule
# ExpireOldSeenIndex in template.yaml (tests/unit/test_config_limits.py checks they agree). An edition
# finds only the items first seen in the days it lists there: the first edition looks lookback_hours and
# a day back (edition.FIRST_EDITION_MARGIN), the next one again as far, for items committed late; so
# lookback_hours is at most LOOKBACK_MOST_DAYS, leaving a month to spare. A later edition starts at the
# previous one's cutoff: after a longer outage it says so (pipeline.window_note).
SEEN_INDEX_DAYS = 120
LOOKBACK_MOST_DAYS = 90

# The largest value of every number (its least is checked with the key's own rule above): generous,
# yet small enough that no timer, date window, sum or allocation made from it can overflow.
_HOUR = 3600.0  # seconds: no wait of a run is meant to be longer
_MOST: dict[str, float] = {
    "report.summary_chars": 100_000,
    "report.max_items": 10_000,
    "report.lookback_hours": 24 * LOOKBACK_MOST_DAYS,  # within the first-seen index (SEEN_INDEX_DAYS)
    "report.key_points": 100,
    "report.dedupe_threshold": 10,  # above 1 nothing is merged already
    "filter.threshold": 1_000,  # either sign, as the weights
    "filter.title_factor": 100,
    "filter.text_cap": 10_000,
    "filter.text_chars": 1_000_000,
    "leaderboard.top_n": 1_000,
    "leaderboard.domestic_n": 1_000,
    "leaderboard.max_age_days": 3_660,
    "summarizer.point_chars": 10_000,
    "summarizer.timeout": _HOUR,
    "summarizer.max_input_chars": 1_000_000,
    "summarizer.item_chars": 100_000,
    "summarizer.max_tokens": 1_000_000,
    "fetch.connect_timeout": _HOUR,
    "fetch.read_timeout": _HOUR,
    "fetch.deadline": _HOUR,
    "fetch.retries": 10,
    "fetch.backoff": _HOUR,
    "fetch.max_retry_after": _HOUR,
    "fetch.max_bytes": 1_000_000_000,
    "fetch.leaderboard_max_bytes": 1_000_000_000,
    "fetch.max_redirects": 30,
    "fetch.workers": 256,
    "fetch.article_fetches": 1_000,
}
_MOST_WEIGHT = 1_000.0  # [filter.weights], either sign


def _check_limits(section: Any, path: str) -> None:
    """Every number of a section is finite and at most its ``_MOST`` (the least, for either sign)."""
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_magnitude(value, f"{path}.{f.name}", _MOST[f"{path}.{f.name}"])


def _check_magnitude(value: float, key: str, most: float) -> None:
    if isinstance(value, float) and not math.isfinite(value):  # an int is finite at any size
        raise ConfigError(key, f"must be a finite number, got {value}")
    if value > most:
        raise ConfigError(key, f"must be at most {int(most):_}, got {_shown_number(value)}")
    if value < -most:
        raise ConfigError(key, f"must be at least {-int(most):_}, got {_shown_number(value)}")


def _check_email(email: EmailConfig) -> None:
    for i, address in enumerate(email.recipients):
        if not _is_address(address, display_name=False):
            raise ConfigError(f"email.recipients[{i}]", f"not an email address: {address!r}")
    if not _is_address(email.sender, display_name=True):  # `send` mails whatever `enabled` says
        raise ConfigError("email.sender", f"not an email address: {email.sender!r}")


def _is_address(value: str, *, display_name: bool) -> bool:
    if any(c in value for c in "\r\n\x00"):
        return False
    name, address = parseaddr(value)
    plain = address == value.strip()
    return is_mail_address(address) and (display_name or (plain and not name))


# What an address of the email edition is, here and in the mailer (mail._address, SENDER_ADDRESS too):
# ASCII (an internationalised address is refused), local@domain, each words of RFC 5322's atext joined
# by single dots, the domain two words at least: no quoted name, no [address], no dot at an end or two
# in a row (Python's email package refuses those, so `digest@example.com.` was found only at a send),
# and no RFC 2047 encoded word's shape, =?…?=, in either part: the email package reads one there as the
# word it encodes and refuses the address (=?utf-8?q?x?=@example.org: its confirmation mail failed).
# A subscriber's address (subscribers.normalise_address) is always one.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_MAIL_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})+")
_ENCODED_WORD = re.compile(r"=\?.*\?=")


def is_mail_address(address: str) -> bool:
    """Whether ``address`` (``local@domain``, no display name) is one the email edition is sent to or from."""
    if _MAIL_ADDRESS.fullmatch(address) is None:
        return False
    return not any(_ENCODED_WORD.search(part) for part in address.split("@"))


def _filter_section(data: Any) -> FilterConfig:
    """[filter]: the generic reader, and the [filter.weights] table of term = number."""
    if not isinstance(data, dict):
        raise ConfigError("filter", "expected a table")
    rules = _section(FilterConfig, {k: v for k, v in data.items() if k != "weights"}, "filter")
    table = data.get("weights", {})
    if not isinstance(table, dict):
        raise ConfigError("filter.weights", f"expected a table of term = number, got {_describe(table)}")
    weights = []
    for term, weight in table.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError(f'filter.weights."{term}"', f"expected a number, got {_describe(weight)}")
        weights.append((term, _float(weight, f'filter.weights."{term}"')))
    return dataclasses.replace(rules, weights=tuple(weights))


def _check_filter(rules: FilterConfig) -> None:
    for key in ("include", "exclude"):
        for i, term in enumerate(getattr(rules, key)):
            if not term.strip():
                raise ConfigError(f"filter.{key}[{i}]", "must not be empty")
    if not math.isfinite(rules.threshold):
        raise ConfigError("filter.threshold", "must be a finite number")
    if not (math.isfinite(rules.title_factor) and rules.title_factor >= 0):
        raise ConfigError("filter.title_factor", "must be a finite number, not negative")
    for key in ("text_cap", "text_chars"):
        if getattr(rules, key) < 0:
            raise ConfigError(f"filter.{key}", "must not be negative")
    for term, weight in rules.weights:
        if not term.strip():
            raise ConfigError("filter.weights", "a term must not be empty")
        if not math.isfinite(weight):
            raise ConfigError(f'filter.weights."{term}"', "must be a finite number")
        _check_magnitude(weight, f'filter.weights."{term}"', _MOST_WEIGHT)


# Line breaks and control characters, and the invisible format characters (Cf: bidi embeddings,
# overrides and isolates, zero-width spaces and joiners, BOM…) that reorder or hide a name's text.
_NOT_IN_A_LINE = ("Cc", "Cf", "Cs", "Zl", "Zp")


def _check_line(value: str, key: str) -> None:
    """A name readers see (a title, a source): some text, on one line, nothing invisible in it."""
    if not value.strip():
        raise ConfigError(key, "must not be empty")
    bad = next((c for c in value if unicodedata.category(c) in _NOT_IN_A_LINE), None)
    if bad is not None:
        raise ConfigError(
            key,
            f"must be one line of text without control or format characters (U+{ord(bad):04X}): {value!r}",
        )


def _check_report(report: ReportConfig) -> None:
    _check_line(report.title, "report.title")
    if "=?" in report.title:  # the mails' subjects carry the title
        raise ConfigError("report.title", 'must not hold "=?": mail readers decode it in subjects (RFC 2047)')
    if report.subtitle:
        _check_line(report.subtitle, "report.subtitle")
    _check_timezone(report.timezone, "report.timezone")
    for key in ("summary_chars", "max_items", "lookback_hours"):
        if getattr(report, key) < 1:
            raise ConfigError(f"report.{key}", "must be at least 1")
    if report.lookback_hours > 24 * LOOKBACK_MOST_DAYS:
        raise ConfigError(
            "report.lookback_hours",
            f"must be at most {24 * LOOKBACK_MOST_DAYS} ({LOOKBACK_MOST_DAYS} days: on AWS the index of when "
            f"items were first seen is kept {SEEN_INDEX_DAYS} days), "
            f"got {_shown_number(report.lookback_hours)}",
        )
    if report.dedupe_threshold < 0:
        raise ConfigError("report.dedupe_threshold", "must not be negative")
    if report.key_points < 0:
        raise ConfigError("report.key_points", "must not be negative")
    if report.site_url:
        check_site_url(report.site_url, "report.site_url")
    if report.subscribe_url:
        check_site_url(report.subscribe_url, "report.subscribe_url")
    if report.feed_id and not FEED_ID_SYNTAX.fullmatch(report.feed_id):
        raise ConfigError(
            "report.feed_id",
            "must be a tag URI prefix: an authority (a domain or an email address you own), a date and "
            'a colon, as "tag:digest.example.cn,2026:", then only what a URI may hold (letters, digits, '
            f"-._~!$()*+,;=:@/? and one #; % with two hex digits): {_shown(report.feed_id)!r}",
        )


def check_site_url(url: str, key: str) -> None:
    """The site's base URL must be an absolute http(s) URL without user info, query or fragment: the
    editions link it, and they refuse a link with user info (``identity.safe_link``). An empty query
    or fragment (a bare ``?`` or ``#`` at its end) is refused too: every link is the base and a path,
    which would land after it, so each one would lead to the site's root."""
    parts = _split_url(url)
    if (
        parts is None
        or any(c in "<>\"'`\\?#" for c in url)
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
    ):
        raise ConfigError(
            key,
            f"must be an http(s) URL without user info, query or fragment (not even an empty ? or #): "
            f"{_shown(url)!r}",
        )
    hidden = next((c for c in url if not reads_as_written(c)), None)  # the editions would not link it
    if hidden is not None:
        shown = f"(U+{ord(hidden):04X}): {_shown(url)!r}"
        raise ConfigError(key, f"must not hold an invisible, bidi or format character {shown}")


def _check_source(source: SourceConfig, path: str) -> None:
    _check_line(source.name, f"{path}.name")
    _check_url(source.url, f"{path}.url")
    if source.timezone is not None:
        _check_timezone(source.timezone, f"{path}.timezone")


def _check_leaderboard(board: LeaderboardConfig) -> None:
    _check_line(board.name, "leaderboard.name")
    if board.provider not in LEADERBOARD_PROVIDERS:
        raise ConfigError("leaderboard.provider", f"must be one of {', '.join(LEADERBOARD_PROVIDERS)}")
    _check_url(board.url, "leaderboard.url")
    for key in ("top_n", "domestic_n", "max_age_days"):
        if getattr(board, key) < 1:
            raise ConfigError(f"leaderboard.{key}", "must be at least 1")


_MODEL_KEYS = ("timeout", "max_input_chars", "item_chars", "max_tokens")  # what a model is sent and waited
_SUMMARIZER_KEYS = {  # the keys each provider uses, beyond provider and point_chars, which all use
    "extractive": (),
    "bedrock": ("model", "region", *_MODEL_KEYS),
    "openai": ("model", "base_url", "api_key_env", "api_key_parameter", *_MODEL_KEYS),
}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _check_summarizer(summarizer: SummarizerConfig, keys: Collection[str]) -> None:
    """``keys``: those written, each used by the provider (``extractive`` sends nothing to a model, so a
    ``timeout`` or ``max_tokens`` given with it is a model's section half switched back, or a slip)."""
    if summarizer.provider not in SUMMARIZERS:
        raise ConfigError("summarizer.provider", f"must be one of {', '.join(SUMMARIZERS)}")
    used = ("provider", "point_chars", *_SUMMARIZER_KEYS[summarizer.provider])
    for key in keys:
        if key not in used:
            users = ", ".join(name for name, theirs in _SUMMARIZER_KEYS.items() if key in theirs)
            raise ConfigError(
                f"summarizer.{key}",
                f"not used by provider {summarizer.provider!r}" + (f" (only by {users})" if users else ""),
            )
    if "model" in used and not (summarizer.model or "").strip():
        raise ConfigError("summarizer.model", f"required by provider {summarizer.provider!r}")
    if summarizer.provider == "openai":
        _check_openai_summarizer(summarizer)
    _check_summarizer_limits(summarizer)


def _check_openai_summarizer(summarizer: SummarizerConfig) -> None:
    if summarizer.base_url is None:
        raise ConfigError("summarizer.base_url", "required by provider 'openai'")
    _check_url(summarizer.base_url, "summarizer.base_url")
    parts = urlsplit(summarizer.base_url)
    if parts.query or parts.fragment or summarizer.base_url.rstrip().endswith(("?", "#")):
        # /chat/completions is added to its path: after a query it would land in the query
        raise ConfigError(
            "summarizer.base_url", "must have no query or fragment (/chat/completions is added)"
        )
    if parts.scheme != "https" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ConfigError("summarizer.base_url", "must be https (the API key travels with it)")
    if summarizer.api_key_env is not None and summarizer.api_key_parameter is not None:
        raise ConfigError("summarizer.api_key_env", "set api_key_env or api_key_parameter, not both")
    key = "api_key_env" if summarizer.api_key_env is not None else "api_key_parameter"
    if "@" in parts.netloc and getattr(summarizer, key) is not None:  # a gateway's basic auth: its header
        raise ConfigError(
            "summarizer.base_url", f"set user info (basic auth) or {key}, not both (one Authorization header)"
        )


def _check_summarizer_limits(summarizer: SummarizerConfig) -> None:
    if summarizer.api_key_env is not None and not _ENV_NAME.match(summarizer.api_key_env):
        raise ConfigError("summarizer.api_key_env", "expected the NAME of an environment variable")
    for key in ("api_key_parameter", "region"):
        value = getattr(summarizer, key)
        if value is not None and (not value.strip() or any(c.isspace() for c in value)):
            raise ConfigError(f"summarizer.{key}", f"not a valid name: {value!r}")
    if summarizer.timeout <= 0:
        raise ConfigError("summarizer.timeout", "must be positive")
    for key, least in (("point_chars", 10), ("max_input_chars", 500), ("max_tokens", 100)):
        if getattr(summarizer, key) < least:
            raise ConfigError(f"summarizer.{key}", f"must be at least {least}")
    if summarizer.item_chars < 0:
        raise ConfigError("summarizer.item_chars", "must not be negative")


_POSITIVE_FETCH_KEYS = (
    "connect_timeout",
    "read_timeout",
    "deadline",
    "max_bytes",
    "leaderboard_max_bytes",
    "workers",
)


def _check_fetch(fetch: FetchConfig) -> None:
    for key in _POSITIVE_FETCH_KEYS:
        if getattr(fetch, key) <= 0:
            raise ConfigError(f"fetch.{key}", "must be positive")
    for key in ("retries", "backoff", "max_retry_after", "max_redirects", "article_fetches"):
        if getattr(fetch, key) < 0:
            raise ConfigError(f"fetch.{key}", "must not be negative")
    agent = fetch.user_agent
    if not agent.strip() or any(not " " <= char <= "~" for char in agent):
        # an HTTP header: a line break or a non-ASCII character failed every fetch (InvalidHeader)
        raise ConfigError(
            "fetch.user_agent", f"must be one line of printable ASCII (an HTTP header): {agent!r}"
        )


def _check_timezone(name: str, key: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder of zones ("Asia")
        raise ConfigError(key, f"unknown timezone {name!r}") from exc


def _check_url(url: str, key: str) -> None:
    """A URL to fetch: http(s) with a host. User info is allowed (a private feed behind basic auth),
    but never shown in an error."""
    parts = _split_url(url)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(key, f"expected an http(s) URL, got {_shown(url)!r}")


def _split_url(url: str) -> SplitResult | None:
    """``url`` in its parts, or None when it cannot be fetched as written: whitespace or a control
    character anywhere (a host holds neither), an unbalanced IPv6 bracket, a port that is not 1-65535,
    a backslash before the path (a browser reads it as a slash, a client may not)."""
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError:
        return None
    if "\\" in parts.netloc:
        return None
    return None if port == 0 else parts


_USER_INFO = re.compile(r"(?<=//).*@")  # to the last "@": a password may hold "@", "/" or "#"
_AUTHORITY_ONLY = re.compile(r"(?<=//)[^/]*$")  # what follows "//" when no path does: user info, maybe


def _shown(url: str) -> str:
    """``url`` as an error message shows it: its user info, which may hold a password, as ``***@``, and
    its query's values and fragment as ``***`` (a bridge's ``?access_token=``: ``identity.loggable_url``).
    Taken apart by hand: a URL refused here may not parse."""
    from .identity import loggable_url

    cut = min((at for at in (url.find("?"), url.find("#")) if at >= 0), default=len(url))
    head, tail = url[:cut], url[cut:]
    if "@" in head:
        head = _USER_INFO.sub("***@", head, count=1)
    elif "@" in tail:  # a password holding "?" or "#" (the host comes after it), or an "@" in the query
        head = _AUTHORITY_ONLY.sub("***", head, count=1)
    return head + loggable_url(tail)
