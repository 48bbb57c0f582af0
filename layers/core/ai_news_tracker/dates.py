"""Publication dates from feeds, in every shape the Chinese AI media send them, as aware UTC datetimes.

A date that carries no offset is a local time of the source (``default_tz``, normally Asia/Shanghai),
never UTC: reading 36Kr's ``2026-01-20 10:56`` as UTC shifted items by eight hours. A day without a time
(``2026-01-20``, ``20 Jan 2026``, ``Tue, 20 Jan 2026``) is its midnight there.

A date that starts with its year (ISO 8601 / W3C-DTF, 36Kr's ``2026-06-19 18:01:25  +0800``,
``2026-01-20 10:56``, ``2026/01/20``, ``2026.01.20``, ``2026年01月20日``; a time also as ``18时01分25秒``,
a weekday such as ``Fri,``, ``星期五`` or ``周五`` before or after the date) is read with
:meth:`datetime.fromisoformat` and :meth:`datetime.strptime` only, once :data:`_CHINESE_SPELLINGS` has
rewritten it in ISO shape.
Anything else is tried as RFC 822/2822 with :func:`email.utils.parsedate_to_datetime`, and last with
feedparser's own date parser, for the odd formats it knows (asctime, Greek, Hungarian …).

A zone's name after a numeric offset, as Go's ``time.String()`` prints a time (``-0700 PDT``,
``+0000 UTC``, ``+0545 +0545`` for a zone without a name) and RFC 822 a comment (``-0600 (CST)``), is left
out in every shape, after an offset of hours alone too (``+08 SGT``): the offset says the instant (with it,
the hour a clock going back repeats).

An offset written after a UTC name, as Java and many Chinese CMSs write it (``GMT+0800``, ``GMT+08:00``,
``UTC+8``), is that offset, in every shape.

A bare ``CST`` is China Standard Time, +08:00, not RFC 822's US Central (-06:00): China-locale servers
write it so (Java's ``Date.toString()``, ``Fri Jun 19 18:01:25 CST 2026``, and the CMSs and bridges
built on it), and reading it as US time put items 14 hours late. The rule does not depend on the feed's
declared language, which Chinese feeds often get wrong (RSSHub's 36Kr feed says ``en``), nor on the
source's zone. A numeric offset in the same date wins (``CST +0800``, ``-0600 (CST)``). A US feed that
means Central time by a bare ``CST`` is read 14 hours early; RFC 2822 made zone names obsolete, and
asks senders for a numeric offset (``-0600``), which is read as written.

A time on the 12-hour clock (``06:01:25 PM -0500``, ``6:01 p.m.``) is read as the 24-hour time it means
before any parser sees it: the RFC 822 parser took ``PM`` for the zone, so the hour was 12 hours off and
the offset after it was lost. A 24-hour time whose marker agrees with it (``18:01 PM``, ``00:01 AM``:
templates that print both) is read as written; one that contradicts it (``18:01 AM``, ``00:01 PM``) makes
the date unparsable (the item takes its first-seen time), not guessed at. The Chinese markers before
the time, as Java's Chinese locale and many CMSs print it (``2026年6月19日 下午3:05``), are read the
same way: 上午, 早上, 凌晨 as AM; 下午, 傍晚, 晚上 as PM; 中午 as the hour around noon (11, 12, 1, 2).
``北京时间`` (Beijing time), before or after the date, is +08:00, as ``CST`` is.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
from datetime import UTC, datetime, tzinfo
from typing import Any

from .text import collapse_whitespace

try:  # feedparser 6 keeps its parsers here (feedparser._date_handlers was feedparser 5)
    from feedparser.datetimes import _date_handlers
except ImportError:  # pragma: no cover - a feedparser without the private list
    _date_handlers = []
# feedparser's date parsers but its ISO 8601 one, which completes what a date leaves out from the
# machine's clock (a time alone, "18:01 2026-06-19" read as a time: today's date; a day without its
# year: this year) and reads the rest in the machine's TZ: a day no --now or event governs. The ISO
# shapes feeds use are read before (_from_numeric).
_FEEDPARSER_PARSERS = tuple(parse for parse in _date_handlers if parse.__name__ != "_parse_date_iso8601")

MIN_YEAR = 1990
MAX_YEAR = 2100
MAX_DATE_LENGTH = 200  # a longer "date" is not one; do not feed it to the parsers

# The ways Chinese sites spell a year-first date, rewritten, in this order, as the ISO shape the
# parsers read: "2026年01月20日 10:56", "2026/01/20 10:56" and "2026.01.20 10:56" as "2026-01-20 10:56",
# a time in hours, minutes and seconds ("18时01分25秒", "18点01分") as "18:01:25", and a weekday after
# the date ("星期五", "周五", "（週五）") left out, as the RFC 822 parser leaves out "Fri,".
_CHINESE_WEEKDAY = r"[(（]?(?:星期|礼拜|禮拜|周|週)[一二三四五六日天][)）]?"
_CHINESE_SPELLINGS = (
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), r"\1-\2-\3 "),
    (re.compile(r"^(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?!\d)"), r"\1-\3-\4"),
    (re.compile(r"(?<!\d)(\d{1,2})\s*[时時点點]\s*(\d{1,2})\s*分\s*(\d{1,2})\s*秒"), r"\1:\2:\3"),
    (re.compile(r"(?<!\d)(\d{1,2})\s*[时時点點]\s*(\d{1,2})\s*分"), r"\1:\2"),
    (re.compile(_CHINESE_WEEKDAY), " "),
)
# A date that starts with its year is ours alone. feedparser's lenient ISO 8601 handler reads any
# leading year and guesses the rest: "2026年01月20日 10:56" became 2026-11-01, "2026-13-45" 2027-01-01
# and "2026-01-20T25:00" the next day, and it takes an offset-less time as UTC.
_YEAR_FIRST = re.compile(r"^\d{4}")
# An English or Chinese weekday before a year-first date (Perforce's "Fri, 2026/06/19 18:01:25 +0800",
# "周五, 2026年6月19日 18:01"): without it, the date is read as year-first dates are, its offset or zone too
# (feedparser's reader of the Perforce shape drops an offset: UTC, eight hours late; no reader knew the
# others); one that reader alone knows (a US zone's name) is left to it, never one with a numeric offset
# ("+8", "-3 BRT", "+5:30": that reader drops them, reading the time as UTC).
_WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)"
_WEEKDAY_BEFORE_YEAR = re.compile(
    rf"^(?:{_WEEKDAY}\.?|{_CHINESE_WEEKDAY})[,，、]? ?(?=\d{{4}}(?:[-/.]|\s*年))", re.IGNORECASE
)
_SIGNED_NUMBER = re.compile(r"\s[+-]\d")
# The gap before a trailing offset ("18:01:25  +0800") and a trailing UTC name ("10:56:00 GMT").
_OFFSET_GAP = re.compile(r"(?<=\d) (?=[+-]\d{2}(?::?\d{2})?$)")
_UTC_NAME = re.compile(r"(?<=\d) ?(?:GMT|UTC|UT|Z)$", re.IGNORECASE)
# A day and an offset without a time ("2026-06-19+0800"): fromisoformat takes any character after the day
# for the separator before a time, so the offset was read as a time in the default zone (08:00, 05:00).
_DAY_AND_OFFSET = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})([+-]\d{2}(?::?\d{2})?)$")
# "GMT+0800", "GMT+08:00", "UTC+8": the offset after a UTC name, which no stdlib parser reads (the RFC 2822
# one drops it and takes the time as offset-less). Rewritten as the bare offset, "+0800".
_NAMED_OFFSET = re.compile(
    r"(?<![A-Za-z]) ?(?:GMT|UTC|UT) ?([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)", re.IGNORECASE
)
# A bare "CST" (not "(CST)", a comment), and any numeric offset beside it, which then wins.
_CST = re.compile(r"(?<![A-Za-z(])CST(?![A-Za-z)])", re.IGNORECASE)
_NUMERIC_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}(?!\d)")
_CHINA_STANDARD_TIME = "+0800"
# A zone's name after a numeric offset, which wins: its abbreviation ("-0700 PDT"; AM and PM are none), a
# comment ("-0600 (CST)", "+0800 (中国标准时间)") or the offset again, as Go names a zone without a name
# ("+0545 +0545", "-0300 -03").
_ZONE_AFTER_OFFSET = re.compile(
    r"(?<=[\d ])([+-])(\d{2}):?(\d{2}) "
    r"(?:(?![AaPp][Mm]$)[A-Za-z]{2,6}|\([^()]*\)|([+-])(\d{2})(?::?(\d{2}))?)$"
)
# A zone's name after an offset of hours alone ("18:01:25 +08 SGT", "+8 SGT", "+5:30 IST"; a name of any
# length, "+08 Beijing", as "+0800 Beijing" is read), left out too: the offset is then read as hours
# (_RFC_HOURS_OFFSET), not as minutes (eight hours late). Only after a time, or its AM or PM ("p.m." too),
# or an RFC 822 day's year ("20 Nov 2026 +08 SGT", "Nov 20 2026 +08"), so that a day's "-19"
# ("2026-06-19 PDT") is no offset.
_BEFORE_HOURS_OFFSET = (
    r"(?:(?<=:\d{2})|(?<=[AaPp][Mm])|(?<=[AaPp]\.[Mm])|(?<=[AaPp]\.[Mm]\.)"
    r"|(?<=[A-Za-z,] \d{4})|(?<=\d \d{4}))"
)
_ZONE_AFTER_HOURS = re.compile(
    rf"{_BEFORE_HOURS_OFFSET} ([+-]\d{{1,2}}(?::\d{{2}})?) (?:(?![AaPp][Mm]$)[A-Za-z]{{2,}}|\([^()]*\))$"
)
# Go's time.String() of a time taken with time.Now() ends with its monotonic clock reading, "m=+3.000000001".
_GO_MONOTONIC = re.compile(r" m=[+-]\d+(?:\.\d+)?$")
_BEIJING_TIME = re.compile(r"[(（]?北京时间[)）]?")
# An offset of hours alone after a time ("18:01:25 +08 北京时间"): it wins over 北京时间, as "+0800" does.
_HOURS_AFTER_TIME = re.compile(rf"{_BEFORE_HOURS_OFFSET} [+-]\d{{1,2}}(?::\d{{2}})?(?![\d:])")
# "下午3:05", "上午 10:56:00": the Chinese marker before a time on the 12-hour clock (written as "3:05 PM").
_CHINESE_MERIDIEM = re.compile(r"(上午|早上|凌晨|中午|下午|傍晚|晚上)\s*(\d{1,2})(:\d{2}(?::\d{2})?)(?!\d)")
_CHINESE_HALVES = {
    "上午": "AM",
    "早上": "AM",
    "凌晨": "AM",
    "下午": "PM",
    "傍晚": "PM",
    "晚上": "PM",
}  # 中午: by the hour
_NUMERIC_FORMATS = tuple(
    base + offset
    for base in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
    for offset in ("", "%z")
)
# RFC 2822 "-0000": the time is UTC, the sender's zone unknown (the stdlib returns it without offset).
_RFC_UNKNOWN_ZONE = re.compile(r" -00:?00(?: ?\([^)]*\))?$")
_RFC_COLON_OFFSET = re.compile(r"([+-]\d{2}):(\d{2})((?: ?\([^)]*\))?)$")
# An offset of hours alone after the time ("18:01:25 +08", "+8", as UTC+8 is written; before the year,
# as `date` prints one: "Fri Jun 19 18:01:25 +08 2026"), which RFC 822's parser reads as minutes (eight
# hours late), or of one hour digit and minutes ("+5:30"), which it drops.
_RFC_HOURS_OFFSET = re.compile(r"(?<=:\d{2}) ([+-])(\d{1,2})(?::?(\d{2}))?(?=(?: ?\([^)]*\))?$| \d{4}$)")
# An RFC 822 day without a time or a zone ("20 Nov 2026", "Fri, 20 Nov 2026", "Fri Nov 20 2026"), which
# feedparser's reader completes as UTC midnight: read as the day's midnight in the source's zone, as
# "2026-11-20" is (its weekday left out: the RFC 822 parser leaves out "Fri," but not "Friday"); with an
# offset after it ("20 Nov 2026 +08"), its midnight there (feedparser's reader took "+08" for the hour).
_RFC_DAY_ALONE = re.compile(
    rf"^(?:{_WEEKDAY}\.?,? ?)?(\d{{1,2}} [A-Za-z]{{3,9}} \d{{2,4}}|[A-Za-z]{{3,9}} \d{{1,2}} \d{{2,4}})"
    r"((?: [+-]\d{1,2}(?::?\d{2})?)?)$",
    re.IGNORECASE,
)
# A month's name as only feedparser's RFC 822 reader read it, by its first three letters: "Sept", "Nov,"
# ("20 Nov, 2026", "Mon, 13 Feb, 2012 06:28:00 UTC"), another language's "Novembre". Written as the
# stdlib's parser reads it, so that a date without an offset is in the source's zone: feedparser's
# reader completed it as UTC (18:01 UTC, 02:01 the next day in China; a day alone at UTC midnight).
# Only before a year of four digits (the two readers complete "75" differently), and not in a date ending
# with a zone's name (feedparser's reader knows some the stdlib's does not: "MET").
_MONTHS = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MONTH_AFTER_DAY = re.compile(rf"(?<=\d ){_MONTHS}[A-Za-z]*\.?,?(?= \d{{4}}(?!\d))", re.IGNORECASE)
_MONTH_FIRST = re.compile(
    rf"^((?:{_WEEKDAY}\.?,? )?){_MONTHS}[A-Za-z]*\.?(?= \d{{1,2}} \d{{4}}(?!\d))", re.IGNORECASE
)
_ENDS_IN_NAME = re.compile(r"[A-Za-z]$")
# A time on the 12-hour clock: "6:01 PM", "06:01:25PM", "6:01 p.m." (not "AMT", a zone).
_MERIDIEM = re.compile(
    r"(?<![\d:])(\d{1,2})(:\d{2}(?::\d{2}(?:\.\d+)?)?) ?([ap])\.?m\.?(?![A-Za-z])", re.IGNORECASE
)


def parse_date(raw: str | None, default_tz: tzinfo) -> datetime | None:
    """The aware UTC datetime a feed's date string means, or None when absent or unparsable.

    Never raises. A time without an offset is read in ``default_tz``, a bare ``CST`` as China Standard
    Time (+08:00) whatever ``default_tz`` is, AM/PM on the 12-hour clock; a year before :data:`MIN_YEAR`
    or after :data:`MAX_YEAR` is treated as unparsable.
    """
    if raw is None:
        return None
    text = collapse_whitespace(raw)
    dated = _WEEKDAY_BEFORE_YEAR.sub("", text, count=1)
    # read without the weekday before a year-first date, else as it is (feedparser's Perforce reader
    # knows the US zones' names, and drops a numeric offset: with one, no date)
    if dated == text:
        return _read(text, default_tz)
    parsed = _read(dated, default_tz)
    return parsed or (None if _SIGNED_NUMBER.search(dated) else _read(text, default_tz))


def _read(raw: str, default_tz: tzinfo) -> datetime | None:
    """:func:`parse_date` of one form of the date string."""
    text = _normalize(raw)
    if not text or len(text) > MAX_DATE_LENGTH:
        return None
    clock = _twenty_four_hour(text)
    if clock is None:
        return None
    if _YEAR_FIRST.match(clock):
        parsed = _from_numeric(clock, default_tz)
    else:
        parsed = _from_rfc2822(clock, default_tz) or _from_feedparser(clock)
    return _in_range_utc(parsed) if parsed is not None else None


def _normalize(raw: str) -> str:
    text = _beijing_time(collapse_whitespace(raw))
    for spelling, iso in _CHINESE_SPELLINGS:
        text = spelling.sub(iso, text)
    text = _CHINESE_MERIDIEM.sub(_english_meridiem, text)
    text = _GO_MONOTONIC.sub("", text)
    text = _ZONE_AFTER_OFFSET.sub(_offset_alone, collapse_whitespace(_NAMED_OFFSET.sub(_bare_offset, text)))
    text = _ZONE_AFTER_HOURS.sub(r" \1", text)
    return collapse_whitespace(_china_standard_time(text))


def _bare_offset(match: re.Match[str]) -> str:
    sign, hours, minutes = match.groups()
    return f" {sign}{int(hours):02d}{minutes or '00'}"


def _offset_alone(match: re.Match[str]) -> str:
    """The offset without the zone's name after it; an offset repeated differently is kept as written."""
    sign, hours, minutes, again_sign, again_hours, again_minutes = match.groups()
    if again_sign is not None and (again_sign, again_hours, again_minutes or "00") != (sign, hours, minutes):
        return match[0]
    return f"{sign}{hours}{minutes}"


def _beijing_time(text: str) -> str:
    """``北京时间`` (wherever it is) as a trailing ``+0800``, or dropped when the date gives an offset."""
    if _BEIJING_TIME.search(text) is None:
        return text
    text = collapse_whitespace(_BEIJING_TIME.sub(" ", text))
    if _NUMERIC_OFFSET.search(text) or _HOURS_AFTER_TIME.search(text):
        return text
    return f"{text} {_CHINA_STANDARD_TIME}"


def _english_meridiem(match: re.Match[str]) -> str:
    """``下午3:05`` as ``3:05 PM`` (:func:`_twenty_four_hour` reads it). 中午 (noon) is AM for 11 and PM
    for 12 to 2; with another hour, or 12 after 傍晚/晚上 (noon or midnight?), the marker is left in
    place, which no parser reads: the date is unparsable, as when AM contradicts the hour."""
    marker, hour, rest = match.groups()
    if marker == "中午":
        half = {11: "AM", 12: "PM", 1: "PM", 2: "PM"}.get(int(hour))
    else:
        half = None if int(hour) == 12 and marker in ("傍晚", "晚上") else _CHINESE_HALVES[marker]
    return match[0] if half is None else f"{hour}{rest} {half}"


def _china_standard_time(text: str) -> str:
    """``CST`` as ``+0800``, or dropped when the date also gives a numeric offset."""
    if not _CST.search(text):
        return text
    if _NUMERIC_OFFSET.search(text):
        return collapse_whitespace(_CST.sub("", text))
    return _CST.sub(_CHINA_STANDARD_TIME, text)


def _twenty_four_hour(text: str) -> str | None:
    """``text`` with a 12-hour time (``6:01 PM``) written as its 24-hour time (``18:01``). A 24-hour time
    its marker agrees with (``18:01 PM``, ``00:01 AM``: templates that print both) is kept as written;
    None when they contradict each other (``18:01 AM``, ``00:01 PM``, an hour past 23)."""
    match = _MERIDIEM.search(text)
    if match is None:
        return text
    hour, rest, half = int(match[1]), match[2], match[3].lower()
    if 1 <= hour <= 12:
        hour = hour % 12 + (12 if half == "p" else 0)
    elif not (half == "p" and 13 <= hour <= 23) and not (half == "a" and hour == 0):
        return None
    return f"{text[: match.start()]}{hour:02d}{rest}{text[match.end() :]}"


def _from_numeric(text: str, default_tz: tzinfo) -> datetime | None:
    """ISO 8601 / W3C-DTF and ``YYYY-MM-DD HH:MM[:SS] [offset]``, with any gap before the offset."""
    text = _DAY_AND_OFFSET.sub(r"\1T00:00\2", _UTC_NAME.sub("+00:00", _OFFSET_GAP.sub("", text)))
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _strptime_any(text)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=default_tz)


def _strptime_any(text: str) -> datetime | None:
    # Single-digit fields ("2026-1-5 9:05") that fromisoformat refuses.
    for fmt in _NUMERIC_FORMATS:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - the caller attaches default_tz when no %z
        except ValueError:
            continue
    return None


def _from_rfc2822(text: str, default_tz: tzinfo) -> datetime | None:
    """RFC 822/2822 dates; ``+08:00``, ``+08`` and ``+8:00`` are accepted for ``+0800``; ``-0000`` means
    UTC; a day alone is its midnight in ``default_tz``."""
    if not _ENDS_IN_NAME.search(text):
        text = _MONTH_FIRST.sub(r"\1\2", _MONTH_AFTER_DAY.sub(r"\1", text))
    text = _RFC_DAY_ALONE.sub(r"\1 00:00:00\2", text)
    text = _RFC_COLON_OFFSET.sub(r"\1\2\3", text)
    text = _RFC_HOURS_OFFSET.sub(lambda m: f" {m[1]}{int(m[2]):02d}{m[3] or '00'}", text)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=UTC if _RFC_UNKNOWN_ZONE.search(text) else default_tz)


def _from_feedparser(text: str) -> datetime | None:
    """feedparser's date parsers, for the odd formats only they know (asctime, Greek, Hungarian …), each
    in turn as feedparser tries them (:data:`_FEEDPARSER_PARSERS`: not its ISO 8601 one).

    Their result is a UTC struct_time: feedparser reads a time without an offset as UTC, so the source's
    timezone cannot be applied here. The common offset-less shapes never get this far.
    """
    for parse in _FEEDPARSER_PARSERS:
        with contextlib.suppress(Exception):  # a last resort: whatever one trips over is not its format
            parsed: Any = parse(text)
            if parsed and len(parsed) == 9:
                year, month, day, hour, minute, second = parsed[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _in_range_utc(parsed: datetime) -> datetime | None:
    try:
        result = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return result if MIN_YEAR <= result.year <= MAX_YEAR else None
