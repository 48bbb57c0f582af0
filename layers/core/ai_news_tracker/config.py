"""The TOML configuration, read once into frozen dataclasses.

Every key is checked: an unknown key or a value of the wrong type raises :class:`ConfigError` naming
the key (``report.max_items``, ``sources[2].url``). Domain code receives these objects and never
reads the environment.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

# Says what we are; operators add a contact (URL or address) with [fetch] user_agent.
DEFAULT_USER_AGENT = "AI-News-Tracker/0.1 (daily news digest bot; feed reader)"
LEADERBOARD_PROVIDERS = ("lmarena-history", "arena-catalog")
SUMMARIZERS = ("extractive",)


@dataclass(frozen=True)
class ReportConfig:
    title: str = "国产大模型日报"
    timezone: str = "Asia/Shanghai"
    summary_chars: int = 300
    max_items: int = 30
    lookback_hours: int = 24
    key_points: int = 5

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class FilterConfig:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str
    timezone: str | None = None  # for dates without an offset; default: the report's timezone
    enabled: bool = True


@dataclass(frozen=True)
class LeaderboardConfig:
    provider: str = "lmarena-history"
    url: str = "https://raw.githubusercontent.com/nakasyou/lmarena-history/main/output/scores.json"
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
    provider: str = "extractive"
    point_chars: int = 60


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
    deadline: float = 20.0  # seconds for one whole response, however slowly it trickles
    retries: int = 2  # extra attempts, for 429 and 5xx answers only
    backoff: float = 0.5
    max_retry_after: float = 5.0
    max_bytes: int = 5_000_000
    leaderboard_max_bytes: int = 100_000_000
    max_redirects: int = 5
    workers: int = 8


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


def load_config(path: str | Path) -> Config:
    """Read and check a TOML configuration file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError("", f"cannot read config file {str(path)!r}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError("", f"config file {str(path)!r} is not UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    return parse_config(data)


def parse_config(data: dict[str, Any]) -> Config:
    """Turn parsed TOML into a :class:`Config`, checking every key."""
    known = {f.name for f in dataclasses.fields(Config)}
    for key in data:
        if key not in known:
            raise ConfigError(key, "unknown section")
    sources_raw = data.get("sources", [])
    if not isinstance(sources_raw, list):
        raise ConfigError("sources", "expected [[sources]] tables")
    sources = tuple(_section(SourceConfig, s, f"sources[{i}]") for i, s in enumerate(sources_raw))
    names = [s.name for s in sources]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ConfigError(f"sources[{i}].name", f"duplicate source name {name!r}")
    leaderboard = None
    if "leaderboard" in data:
        leaderboard = _section(LeaderboardConfig, data["leaderboard"], "leaderboard")
    config = Config(
        report=_section(ReportConfig, data.get("report", {}), "report"),
        filter=_section(FilterConfig, data.get("filter", {}), "filter"),
        sources=sources,
        leaderboard=leaderboard,
        summarizer=_section(SummarizerConfig, data.get("summarizer", {}), "summarizer"),
        email=_section(EmailConfig, data.get("email", {}), "email"),
        fetch=_section(FetchConfig, data.get("fetch", {}), "fetch"),
    )
    _check_values(config)
    return config


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
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(key, f"expected a list of strings, got {_describe(value)}")
        return tuple(value)
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
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"expected a string, got {_describe(value)}")
        return value
    raise ConfigError(key, f"unsupported type {hint!r}")  # pragma: no cover - a programming error


def _describe(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list"}
    return names.get(type(value), type(value).__name__)


def _check_values(config: Config) -> None:
    _check_report(config.report)
    for i, source in enumerate(config.sources):
        _check_source(source, f"sources[{i}]")
    if config.leaderboard is not None:
        _check_leaderboard(config.leaderboard)
    if config.summarizer.provider not in SUMMARIZERS:
        raise ConfigError("summarizer.provider", f"must be one of {', '.join(SUMMARIZERS)}")
    _check_fetch(config.fetch)
    _check_email(config.email)


def _check_email(email: EmailConfig) -> None:
    for i, address in enumerate(email.recipients):
        if not _is_address(address, display_name=False):
            raise ConfigError(f"email.recipients[{i}]", f"not an email address: {address!r}")
    if email.enabled and not _is_address(email.sender, display_name=True):
        raise ConfigError("email.sender", f"not an email address: {email.sender!r}")


def _is_address(value: str, *, display_name: bool) -> bool:
    if any(c in value for c in "\r\n\x00"):
        return False
    name, address = parseaddr(value)
    local, _, domain = address.partition("@")
    plain = address == value.strip()
    return bool(local and "." in domain and (display_name or (plain and not name)))


def _check_report(report: ReportConfig) -> None:
    _check_timezone(report.timezone, "report.timezone")
    for key in ("summary_chars", "max_items", "lookback_hours"):
        if getattr(report, key) < 1:
            raise ConfigError(f"report.{key}", "must be at least 1")
    if report.key_points < 0:
        raise ConfigError("report.key_points", "must not be negative")


def _check_source(source: SourceConfig, path: str) -> None:
    if not source.name.strip():
        raise ConfigError(f"{path}.name", "must not be empty")
    _check_url(source.url, f"{path}.url")
    if source.timezone is not None:
        _check_timezone(source.timezone, f"{path}.timezone")


def _check_leaderboard(board: LeaderboardConfig) -> None:
    if board.provider not in LEADERBOARD_PROVIDERS:
        raise ConfigError("leaderboard.provider", f"must be one of {', '.join(LEADERBOARD_PROVIDERS)}")
    _check_url(board.url, "leaderboard.url")
    for key in ("top_n", "domestic_n", "max_age_days"):
        if getattr(board, key) < 1:
            raise ConfigError(f"leaderboard.{key}", "must be at least 1")


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
    for key in ("retries", "backoff", "max_retry_after", "max_redirects"):
        if getattr(fetch, key) < 0:
            raise ConfigError(f"fetch.{key}", "must not be negative")


def _check_timezone(name: str, key: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(key, f"unknown timezone {name!r}") from exc


def _check_url(url: str, key: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(key, f"expected an http(s) URL, got {url!r}")
