"""Plain data passed between the pure core and the edges. Times are timezone-aware (UTC when stored)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

# The years a run's clock (``--now``, an event's ``now``) may fall in. An edition before 2000 or after 2099
# is a typo (a run's items would be first seen then, never to reach an edition), and any instant of
# these years leaves its day, its UTC value and the first edition's window (ten years back at most) far
# from the limits of datetime (years 1 to 9999), which crashed the run.
CLOCK_YEARS = range(2000, 2100)
CLOCK_AHEAD = timedelta(hours=1)  # a run's clock this far past the machine's is said (clock_ahead)


def in_clock_years(moment: datetime, tz: tzinfo) -> bool:
    """Whether ``moment``'s year in ``tz`` is one of :data:`CLOCK_YEARS` (False when it has none)."""
    try:
        return moment.astimezone(tz).year in CLOCK_YEARS
    except OverflowError:  # its UTC value is before year 1 or after 9999
        return False


def parse_clock(value: str, tz: tzinfo) -> datetime:
    """The moment of a time given to set a run's clock (``--now``, a Lambda event's ``now`` or
    ``scheduled_time``): ISO-8601 with an offset (or ``Z``), or without one in ``tz``, the report's
    timezone, whose dates the editions' days are. One rule for the CLI and the functions: the same text
    builds the same day. ValueError (its message for the caller to name the field) when it is not
    ISO-8601, or its year in ``tz`` is not one of :data:`CLOCK_YEARS`."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(
            f"not an ISO-8601 time: {value!r} (e.g. 2026-11-20T08:00, in the report's timezone, "
            "or 2026-11-20T08:00+08:00)"
        ) from exc
    moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    if not in_clock_years(moment, tz):
        raise ValueError(
            f"must fall in the years {CLOCK_YEARS[0]} to {CLOCK_YEARS[-1]} ({tz} time): {value!r}"
        )
    # without an offset: in ``tz``; a wall time its clocks skipped (02:30 on a spring-forward night)
    # is the moment Python gives it, shown with the offset in force then (03:30)
    return moment if parsed.tzinfo else moment.astimezone(UTC).astimezone(tz)


def clock_ahead(moment: datetime, machine: datetime) -> timedelta | None:
    """How far a clock given to a run (``--now``, an event's time) is past ``machine``'s, when by more
    than :data:`CLOCK_AHEAD`: what a fetch stores then is first seen in the future, and no edition
    before that time shows it (a typo within the century, 2027 for 2026, passes :data:`CLOCK_YEARS`)."""
    lead = moment.astimezone(UTC) - machine.astimezone(UTC)  # real time: one zone's wall clocks jump
    return lead if lead > CLOCK_AHEAD else None


def say_if_clock_ahead(moment: datetime, machine: datetime) -> None:
    """Log ``clock ahead of this machine's`` when :func:`clock_ahead` finds ``moment`` ahead: the one
    warning of the CLI's ``--now`` and of an event's time."""
    lead = clock_ahead(moment, machine)
    if lead is not None:
        from .log import get_logger

        get_logger().warning(
            "clock ahead of this machine's",
            now=moment.isoformat(),
            hours_ahead=round(lead / timedelta(hours=1), 1),
        )


def iso(dt: datetime) -> str:
    """UTC ISO-8601 with a ``Z``-free offset, the one stored form of every time."""
    return dt.isoformat(timespec="seconds") if dt.microsecond == 0 else dt.isoformat()


def parse_iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"stored time without offset: {value!r}")
    return parsed


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry as a feed shows it, already reduced to plain text and a safe link."""

    title: str
    text: str
    url: str | None
    guid: str | None
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class Item:
    """A news item as kept in the raw store: identified, attributed, with its first-seen time."""

    id: str
    identity: str
    source: str
    title: str
    text: str
    url: str | None
    published_at: datetime | None
    first_seen: datetime
    also_in: tuple[str, ...] = ()  # other sources that told the same story (cross-outlet duplicates)
    also_urls: tuple[str | None, ...] = ()  # their links, in the order of also_in
    # Its place in its feed when first seen (0: the top, which feeds give the newest); None: stored before
    # it was kept. It orders the items of one fetch that show one time (edition.newest_key).
    feed_position: int | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source of the story, the one whose text and link are shown first."""
        return (self.source, *self.also_in)

    @property
    def published(self) -> datetime | None:
        """When it was published, no later than when we first saw it: a date in the future (a feed's
        wrong clock or time zone, a placeholder such as 2099) cannot be, so it reads first-seen."""
        if self.published_at is None:
            return None
        return min(self.published_at, self.first_seen)

    @property
    def shown_at(self) -> datetime:
        """The time shown for the item: when it was published, else when we first saw it."""
        return self.published or self.first_seen

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "identity": self.identity,
            "source": self.source,
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "published_at": iso(self.published_at) if self.published_at else None,
            "first_seen": iso(self.first_seen),
        }
        if self.also_in:
            data |= {"also_in": list(self.also_in), "also_urls": list(self.also_urls)}
        if self.feed_position is not None:  # items stored before it was kept read the same
            data["feed_position"] = self.feed_position
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        published = data.get("published_at")
        return cls(
            id=str(data["id"]),
            identity=str(data["identity"]),
            source=str(data["source"]),
            title=str(data["title"]),
            text=str(data["text"]),
            url=data.get("url"),
            published_at=parse_iso(published) if published else None,
            first_seen=parse_iso(str(data["first_seen"])),
            also_in=tuple(str(s) for s in data.get("also_in", ())),
            also_urls=tuple(data.get("also_urls", ())),
            feed_position=int(data["feed_position"]) if data.get("feed_position") is not None else None,
        )


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How the last attempt to read one source went. ``status`` is "ok" or a failure word."""

    name: str
    status: str
    error: str | None = None
    fetched: int = 0
    new: int = 0
    not_modified: bool = False
    checked_at: datetime | None = None
    consecutive_failures: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "error": self.error,
            "fetched": self.fetched,
            "new": self.new,
            "not_modified": self.not_modified,
            "checked_at": iso(self.checked_at) if self.checked_at else None,
            "consecutive_failures": self.consecutive_failures,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceStatus:
        checked = data.get("checked_at")
        return cls(
            name=str(data["name"]),
            status=str(data["status"]),
            error=data.get("error"),
            fetched=int(data.get("fetched", 0)),
            new=int(data.get("new", 0)),
            not_modified=bool(data.get("not_modified", False)),
            checked_at=parse_iso(checked) if checked else None,
            consecutive_failures=int(data.get("consecutive_failures", 0)),
        )


@dataclass(frozen=True, slots=True)
class RankedModel:
    rank: int
    model: str
    score: float
    developer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "model": self.model, "score": self.score, "developer": self.developer}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RankedModel:
        return cls(
            rank=int(data["rank"]),
            model=str(data["model"]),
            score=float(data["score"]),
            developer=data.get("developer"),
        )


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """The ranked view of one leaderboard snapshot, as the edition shows it."""

    provider: str
    snapshot_date: date
    global_top: tuple[RankedModel, ...]
    domestic: tuple[RankedModel, ...]
    models_ranked: int
    date_basis: str = "file"  # snapshot_date is the file's own ("file"), its publisher's, or "first_seen"
    category: str | None = None  # the ranking it is (None: an edition stored before it was recorded)
    style_control: bool | None = None  # whether its scores are style-controlled (None: not said)
    source: str | None = None  # the file it was ranked from (leaderboard.source_id; None: not recorded)
    # the name of the source it was fetched from when that was not the one configured (a switch to another
    # file or category whose fetch failed: the last ranking of the one before), which the heading names
    other_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "provider": self.provider,
            "snapshot_date": self.snapshot_date.isoformat(),
            "global_top": [row.to_dict() for row in self.global_top],
            "domestic": [row.to_dict() for row in self.domestic],
            "models_ranked": self.models_ranked,
        }
        if self.date_basis != "file":  # editions stored before it was recorded read the same
            data["date_basis"] = self.date_basis
        if self.category is not None:
            data["category"] = self.category
        if self.style_control is not None:
            data["style_control"] = self.style_control
        if self.source is not None:
            data["source"] = self.source
        if self.other_source is not None:
            data["other_source"] = self.other_source
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Leaderboard:
        return cls(
            provider=str(data["provider"]),
            snapshot_date=date.fromisoformat(str(data["snapshot_date"])),
            global_top=tuple(RankedModel.from_dict(r) for r in data["global_top"]),
            domestic=tuple(RankedModel.from_dict(r) for r in data["domestic"]),
            models_ranked=int(data["models_ranked"]),
            date_basis=str(data.get("date_basis", "file")),
            category=str(data["category"]) if data.get("category") is not None else None,
            style_control=bool(data["style_control"]) if data.get("style_control") is not None else None,
            source=str(data["source"]) if data.get("source") is not None else None,
            other_source=str(data["other_source"]) if data.get("other_source") is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Repeat:
    """A story of an edition's window that an earlier edition published already (another outlet's later
    report of it): listed by title and link (``item`` stored without its text), not shown as news again."""

    item: Item
    reported_on: date  # the day of the earlier edition
    reported_item: str  # the id of that edition's story it repeats

    def to_dict(self) -> dict[str, Any]:
        return self.item.to_dict() | {
            "reported_on": self.reported_on.isoformat(),
            "reported_item": self.reported_item,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Repeat:
        return cls(
            item=Item.from_dict(data),
            reported_on=date.fromisoformat(str(data["reported_on"])),
            reported_item=str(data["reported_item"]),
        )


@dataclass(frozen=True, slots=True)
class BoardShown:
    """How the leaderboard section was configured when an edition was built (``[leaderboard]``)."""

    name: str
    max_age_days: int
    domestic_n: int
    provider: str
    category: str
    enabled: bool = True  # False: turned off (``enabled = false``), so the edition has none

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "max_age_days": self.max_age_days,
            "domestic_n": self.domestic_n,
            "provider": self.provider,
            "category": self.category,
            "enabled": self.enabled,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BoardShown:
        return cls(
            name=_text_field(data, "name"),
            max_age_days=_int_field(data, "max_age_days", 1, 3_660),  # the bounds config.py checks
            domestic_n=_int_field(data, "domestic_n", 1, 1_000),
            provider=_text_field(data, "provider"),
            category=_text_field(data, "category"),
            enabled=_bool_field(data, "enabled"),
        )


@dataclass(frozen=True, slots=True)
class ShownWith:
    """The settings an edition's content is shown with, as configured when it was built: ``[report]
    summary_chars`` and ``key_points``, and the leaderboard section's (None: no ``[leaderboard]`` then).
    A stored edition published again after the configuration changed (a re-run of the day, the next
    day's 下一期 link, a rewrite of every page) reads as it was built and published."""

    summary_chars: int
    key_points: int
    board: BoardShown | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary_chars": self.summary_chars,
            "key_points": self.key_points,
            "board": self.board.to_dict() if self.board else None,
        }

    @classmethod
    def from_dict(cls, data: object) -> ShownWith:
        """The settings as stored; ``ValueError`` or ``TypeError`` for any other shape (a stored edition
        that cannot be read is a ``StorageError`` naming its key, never one shown otherwise)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"shown_with must be an object, got {type(data).__name__}")
        board = data["board"]
        if board is not None and not isinstance(board, Mapping):
            raise TypeError(f"shown_with.board must be an object or null, got {type(board).__name__}")
        return cls(
            summary_chars=_int_field(data, "summary_chars", 1, 100_000),  # the bounds config.py checks
            key_points=_int_field(data, "key_points", 0, 100),
            board=BoardShown.from_dict(board) if board is not None else None,
        )


def _int_field(data: Mapping[str, Any], key: str, least: int, most: int) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= most:
        raise ValueError(f"{key} must be a whole number from {least} to {most}, got {value!r}"[:200])
    return value


def _bool_field(data: Mapping[str, Any], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, got {value!r}"[:200])
    return value


def _text_field(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a text, got {value!r}"[:200])
    return value


@dataclass(frozen=True, slots=True)
class Edition:
    """Everything one day's edition shows. Stored as it was built, so a re-run renders the same bytes."""

    date: date
    title: str
    timezone: str
    generated_at: datetime
    window_start: datetime | None
    window_end: datetime
    key_points: tuple[str, ...]
    items: tuple[Item, ...]
    sources: tuple[SourceStatus, ...]
    leaderboard: Leaderboard | None
    leaderboard_status: SourceStatus | None = None
    notes: tuple[str, ...] = field(default=())
    # ids of every item first seen in the span this edition scanned, kept or not: an item committed
    # there after the edition was cut (a fetch racing the render) is found by the next edition
    considered: tuple[str, ...] | None = None
    # the earliest first-seen time it scanned: for the first edition, ``lookback_hours`` as it was then
    scanned_from: datetime | None = None
    # the relevant stories past max_items, newest first: listed by title and link only (stored without
    # their text), so that a busy day loses nothing silently; ``unlisted`` counts those past that list
    more: tuple[Item, ...] = ()
    unlisted: int = 0
    # when what it says last changed, when after ``generated_at``: a rebuilt day (its stored edition
    # deleted and built again) that says something else than what was published (edition.revised_at)
    updated_at: datetime | None = None
    # the stories of its window an earlier edition published already (Repeat): listed, not news again
    repeats: tuple[Repeat, ...] = ()
    # the settings it is shown with, as configured when it was built (None: stored before they were kept)
    shown_with: ShownWith | None = None

    @property
    def not_shown(self) -> int:
        """How many relevant stories the edition has beyond the ones it shows in full."""
        return len(self.more) + self.unlisted

    @property
    def updated(self) -> datetime:
        """When what the edition says last changed (its feed entry's ``updated``)."""
        return self.updated_at or self.generated_at

    def summary(self) -> EditionSummary:
        return EditionSummary(
            self.date,
            self.title,
            self.generated_at,
            self.key_points,
            len(self.items),
            self.not_shown,
            self.updated_at,
            self.shown_with,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.date.isoformat(),
            "title": self.title,
            "timezone": self.timezone,
            "generated_at": iso(self.generated_at),
            "window_start": iso(self.window_start) if self.window_start else None,
            "window_end": iso(self.window_end),
            "key_points": list(self.key_points),
            "items": [item.to_dict() for item in self.items],
            "sources": [status.to_dict() for status in self.sources],
            "leaderboard": self.leaderboard.to_dict() if self.leaderboard else None,
            "leaderboard_status": self.leaderboard_status.to_dict() if self.leaderboard_status else None,
            "notes": list(self.notes),
            "considered": list(self.considered) if self.considered is not None else None,
            "scanned_from": iso(self.scanned_from) if self.scanned_from else None,
            "more": [item.to_dict() for item in self.more],
            "unlisted": self.unlisted,
        } | ({"updated_at": iso(self.updated_at)} if self.updated_at else {})
        if self.repeats:  # an edition without any is stored as before they were
            data["repeats"] = [repeat.to_dict() for repeat in self.repeats]
        if self.shown_with is not None:
            data["shown_with"] = self.shown_with.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edition:
        start = data.get("window_start")
        board = data.get("leaderboard")
        board_status = data.get("leaderboard_status")
        return cls(
            date=date.fromisoformat(str(data["date"])),
            title=str(data["title"]),
            timezone=str(data["timezone"]),
            generated_at=parse_iso(str(data["generated_at"])),
            window_start=parse_iso(start) if start else None,
            window_end=parse_iso(str(data["window_end"])),
            key_points=tuple(str(p) for p in data["key_points"]),
            items=tuple(Item.from_dict(i) for i in data["items"]),
            sources=tuple(SourceStatus.from_dict(s) for s in data["sources"]),
            leaderboard=Leaderboard.from_dict(board) if board else None,
            leaderboard_status=SourceStatus.from_dict(board_status) if board_status else None,
            notes=tuple(str(n) for n in data.get("notes", [])),
            considered=tuple(data["considered"]) if data.get("considered") is not None else None,
            scanned_from=parse_iso(str(data["scanned_from"])) if data.get("scanned_from") else None,
            more=tuple(Item.from_dict(i) for i in data.get("more", [])),
            unlisted=int(data.get("unlisted", 0)),
            updated_at=parse_iso(str(data["updated_at"])) if data.get("updated_at") else None,
            repeats=tuple(Repeat.from_dict(r) for r in data.get("repeats", [])),
            shown_with=ShownWith.from_dict(data["shown_with"]) if "shown_with" in data else None,
        )


@dataclass(frozen=True, slots=True)
class EditionSummary:
    """What the archive page and the Atom feed show of one edition."""

    date: date
    title: str
    generated_at: datetime
    key_points: tuple[str, ...]
    items: int
    more: int = 0  # relevant stories past the items shown in full (Edition.not_shown)
    updated_at: datetime | None = None  # Edition.updated_at
    # Edition.shown_with: the feed entry and the archive read as the edition was built (an entry's
    # updated does not move when the configuration changes, so readers keep what it said)
    shown_with: ShownWith | None = None

    @property
    def updated(self) -> datetime:
        return self.updated_at or self.generated_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "title": self.title,
            "generated_at": iso(self.generated_at),
            "key_points": list(self.key_points),
            "items": self.items,
            "more": self.more,
            "updated_at": iso(self.updated_at) if self.updated_at else None,
            "shown_with": self.shown_with.to_dict() if self.shown_with else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EditionSummary:
        """The summary as stored; ``ValueError``, ``TypeError`` or ``KeyError`` for any other shape."""
        points = data["key_points"]
        if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
            raise TypeError("key_points must be a list of texts")
        shown = data["shown_with"]
        return cls(
            date=date.fromisoformat(str(data["date"])),
            title=_text_field(data, "title"),
            generated_at=parse_iso(str(data["generated_at"])),
            key_points=tuple(points),
            items=_int_field(data, "items", 0, 1_000_000),
            more=_int_field(data, "more", 0, 1_000_000),
            updated_at=parse_iso(str(data["updated_at"])) if data["updated_at"] else None,
            shown_with=ShownWith.from_dict(shown) if shown is not None else None,
        )


@dataclass(frozen=True)
class Validators:
    """The cache validators of the last good answer, sent back to make the next GET conditional."""

    etag: str | None = None
    last_modified: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.etag or self.last_modified)

    def request_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], previous: Validators | None = None) -> Validators:
        """The validators of an answer (lower-case header keys); missing ones fall back to ``previous``."""
        etag = headers.get("etag") or (previous.etag if previous else None)
        modified = headers.get("last-modified") or (previous.last_modified if previous else None)
        return cls(etag, modified)

    def to_dict(self) -> dict[str, str | None]:
        return {"etag": self.etag, "last_modified": self.last_modified}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Validators:
        etag, modified = data.get("etag"), data.get("last_modified")
        return cls(str(etag) if etag else None, str(modified) if modified else None)
