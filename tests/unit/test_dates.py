"""Feed dates to aware UTC datetimes (ai_news_tracker.dates)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from shared_data import DATA

from ai_news_tracker.dates import parse_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
REAL_FEEDS = DATA / "feeds" / "real"


def utc(moment: str) -> datetime:
    """An aware UTC datetime from "YYYY-MM-DD HH:MM[:SS[.ffffff]]" (written in UTC)."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # RFC 822 / 2822
        ("Tue, 20 Jan 2026 02:56:00 GMT", utc("2026-01-20 02:56:00")),
        ("Tue, 20 Jan 2026 10:56:00 +0800", utc("2026-01-20 02:56:00")),
        ("Thu, 07 May 2026 13:24:23 +0000", utc("2026-05-07 13:24:23")),
        ("Fri,24 Nov 2023 18:28:36 -0000", utc("2023-11-24 18:28:36")),  # -0000 is UTC
        ("Thu,  5 Apr 2012 10:00:00 GMT", utc("2012-04-05 10:00:00")),
        ("5 Apr 2012 10:00:00 GMT", utc("2012-04-05 10:00:00")),  # no weekday, single-digit day
        ("Tue, 20 Jan 2026 02:56:00 UTC", utc("2026-01-20 02:56:00")),
        ("Tue, 20 Jan 2026 02:56:00 EST", utc("2026-01-20 07:56:00")),
        ("Tue, 20 Jan 2026 02:56 +0800", utc("2026-01-19 18:56:00")),  # no seconds
        ("Tue, 20 Jan 2026 10:56:00 +08:00", utc("2026-01-20 02:56:00")),  # colon in the offset
        ("Tue, 20 Jan 2026 10:56:00 +0800 (CST)", utc("2026-01-20 02:56:00")),
        ("Mon, 13 Feb, 2012 06:28:00 UTC", utc("2012-02-13 06:28:00")),
        # ISO 8601 / W3C-DTF
        ("2026-01-20T10:56:00+08:00", utc("2026-01-20 02:56:00")),
        ("2026-01-20T02:56:00Z", utc("2026-01-20 02:56:00")),
        ("2026-01-20T02:56:00.5Z", utc("2026-01-20 02:56:00.500000")),
        ("2026-01-20T02:56:00.123456789Z", utc("2026-01-20 02:56:00.123456")),
        ("2026-01-20T10:56:00+0800", utc("2026-01-20 02:56:00")),
        ("2004-07-08 23:56:58 -00:20", utc("2004-07-09 00:16:58")),
        ("20260120T025600Z", utc("2026-01-20 02:56:00")),
        ("2026-01-20 02:56:00 GMT", utc("2026-01-20 02:56:00")),
        ("2026-06-19T18:00:00.000+0800", utc("2026-06-19 10:00:00")),  # milliseconds, Java's default
        # "GMT+0800", "UTC+8": the offset written after a UTC name (Java's and many Chinese CMSs' form)
        ("2026-06-19 18:00:00 GMT+0800", utc("2026-06-19 10:00:00")),
        ("2026-06-19 18:00:00 GMT+08:00", utc("2026-06-19 10:00:00")),
        ("2026-06-18 14:00:00 UTC+8", utc("2026-06-18 06:00:00")),
        ("2026-06-18 14:00:00 UTC+08:00", utc("2026-06-18 06:00:00")),
        ("2026-06-18 14:00:00 GMT-5", utc("2026-06-18 19:00:00")),
        ("2026年06月19日 18:00 GMT+8", utc("2026-06-19 10:00:00")),
        ("Thu, 18 Jun 2026 14:00:00 GMT+0800", utc("2026-06-18 06:00:00")),
        ("Thu, 18 Jun 2026 14:00:00 UTC+8", utc("2026-06-18 06:00:00")),
        ("Thu, 18 Jun 2026 14:00:00 GMT+08:00", utc("2026-06-18 06:00:00")),
        ("Fri Jun 19 18:01:25 GMT+08:00 2026", utc("2026-06-19 10:01:25")),  # Java's Date.toString()
        # 36Kr's own feed: two spaces (or one) before the offset
        ("2026-06-19 18:01:25  +0800", utc("2026-06-19 10:01:25")),
        ("2026-06-19 18:01:25 +0800", utc("2026-06-19 10:01:25")),
        ("2026-06-19 18:01:25 +08:00", utc("2026-06-19 10:01:25")),
        ("  2026-06-19\n18:01:25\t +0800 ", utc("2026-06-19 10:01:25")),
        # The zone's name after the offset, as Go's time.String() prints it: the offset wins (the same local
        # time, 01:30, twice on the night Los Angeles' clocks go back)
        ("2026-11-01 01:30:00 -0700 PDT", utc("2026-11-01 08:30:00")),
        ("2026-11-01 01:30:00 -0800 PST", utc("2026-11-01 09:30:00")),
        ("2026-10-25 01:30:00 +0100 BST", utc("2026-10-25 00:30:00")),
        ("2026-06-19 10:01:25 +0000 UTC", utc("2026-06-19 10:01:25")),
        ("2026-06-19 10:01:25.123456789 +0000 UTC", utc("2026-06-19 10:01:25.123456")),
        ("2026-06-19 18:01:25 +0800 CST", utc("2026-06-19 10:01:25")),
        ("2026-06-19 18:01:25 +08:00 CST", utc("2026-06-19 10:01:25")),
        ("2026-06-19 10:01:25 +0545 +0545", utc("2026-06-19 04:16:25")),  # a zone without a name
        ("2026-06-19 10:01:25 -0300 -03", utc("2026-06-19 13:01:25")),
        ("2026-06-19 18:01:25 +08 SGT", utc("2026-06-19 10:01:25")),  # an offset of hours alone
        ("2026-06-19 18:00:00 -0600 (CST)", utc("2026-06-20 00:00:00")),
        ("2026-06-19 18:01:25 GMT+0800 (中国标准时间)", utc("2026-06-19 10:01:25")),
        ("2026-06-19 06:01:25 PM -0700 PDT", utc("2026-06-20 01:01:25")),
        ("Thu, 18 Jun 2026 14:00:00 -0700 PDT", utc("2026-06-18 21:00:00")),
        ("Thu, 18 Jun 2026 14:00:00 -0000 UTC", utc("2026-06-18 14:00:00")),
        # a day without a time is its midnight in the offset given (fromisoformat took the offset for a
        # time after any separator: "+0800" was 08:00, "-0500" 05:00, in the default zone)
        ("2026-06-19 +0800", utc("2026-06-18 16:00:00")),
        ("2026-06-19 CST", utc("2026-06-18 16:00:00")),
        ("2026-06-19 -05:00", utc("2026-06-19 05:00:00")),
        ("2026-06-19Z", utc("2026-06-19 00:00:00")),
        ("2026-06-19 10:01:25.5 -0700 PDT m=+3.000000001", utc("2026-06-19 17:01:25.5")),  # Go's time.Now()
    ],
)
def test_dates_with_an_offset_are_exact_whatever_the_default_zone(raw: str, expected: datetime) -> None:
    # Given a date that says its own offset
    for default_tz in (SHANGHAI, NEW_YORK, UTC):
        # When it is parsed with any default zone
        parsed = parse_date(raw, default_tz)
        # Then it is that instant, as an aware UTC datetime
        assert parsed == expected, default_tz
        assert parsed is not None
        assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The old tool read these as UTC, 8 hours late: they are Beijing time.
        ("2026-01-20 10:56", utc("2026-01-20 02:56:00")),
        ("2026-01-20 10:56:00", utc("2026-01-20 02:56:00")),
        ("2026-01-20T10:56:00", utc("2026-01-20 02:56:00")),
        ("2026-01-20", utc("2026-01-19 16:00:00")),
        ("2026-1-5 9:05", utc("2026-01-05 01:05:00")),
        ("2026/01/20 10:56", utc("2026-01-20 02:56:00")),
        ("2026年01月20日 10:56", utc("2026-01-20 02:56:00")),
        ("2026年1月20日", utc("2026-01-19 16:00:00")),
        ("2026年06月19日 18:00", utc("2026-06-19 10:00:00")),
        ("2026/06/19 18:00:00", utc("2026-06-19 10:00:00")),
        ("Tue, 20 Jan 2026 10:56:00", utc("2026-01-20 02:56:00")),  # RFC 822 without a zone
        ("Tue, 20 Jan 2026 10:56:00 BJT", utc("2026-01-20 02:56:00")),  # a zone name nobody defines
    ],
)
def test_dates_without_an_offset_are_in_the_default_zone(raw: str, expected: datetime) -> None:
    assert parse_date(raw, SHANGHAI) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thu, 18 Jun 2026 14:00:00 CST", utc("2026-06-18 06:00:00")),
        ("Fri Jun 19 18:01:25 CST 2026", utc("2026-06-19 10:01:25")),  # Java's Date.toString()
        ("2026-06-19 18:00:00 CST", utc("2026-06-19 10:00:00")),
        ("2026-06-19T18:00:00 CST", utc("2026-06-19 10:00:00")),
        ("2026年06月19日 18:00 CST", utc("2026-06-19 10:00:00")),
        ("Thu, 18 Jun 2026 14:00:00 cst", utc("2026-06-18 06:00:00")),
        # A numeric offset beside the name wins, whichever comes first
        ("Thu, 18 Jun 2026 14:00:00 CST +0800", utc("2026-06-18 06:00:00")),
        ("Thu, 18 Jun 2026 14:00:00 CST -0600", utc("2026-06-18 20:00:00")),
        ("Thu, 18 Jun 2026 14:00:00 -0600 (CST)", utc("2026-06-18 20:00:00")),
        ("2026-06-19 18:00:00 CST -06:00", utc("2026-06-20 00:00:00")),
    ],
)
def test_cst_is_china_standard_time_unless_a_numeric_offset_says_otherwise(
    raw: str, expected: datetime
) -> None:
    # Given a date in China Standard Time as China-locale servers write it ("CST", not RFC 822's US Central)
    for default_tz in (SHANGHAI, NEW_YORK, UTC):
        # When it is parsed, whatever the source's zone
        # Then it is +08:00, not 14 hours late
        assert parse_date(raw, default_tz) == expected, default_tz


def test_other_us_zone_names_keep_their_rfc_822_meaning() -> None:
    assert parse_date("Thu, 18 Jun 2026 14:00:00 CDT", SHANGHAI) == utc("2026-06-18 19:00:00")
    assert parse_date("Thu, 18 Jun 2026 14:00:00 EST", SHANGHAI) == utc("2026-06-18 19:00:00")


def test_the_default_zone_is_the_one_passed_in() -> None:
    # Given a time without offset
    raw = "2026-07-01 12:00"
    # Then it is read in whatever zone the source is configured with (New York is UTC-4 in July)
    assert parse_date(raw, NEW_YORK) == utc("2026-07-01 16:00:00")
    assert parse_date(raw, timezone(timedelta(hours=9))) == utc("2026-07-01 03:00:00")
    assert parse_date(raw, UTC) == utc("2026-07-01 12:00:00")


@pytest.mark.parametrize(
    "raw", ["20 Nov 2026", "Fri, 20 Nov 2026", "Friday, 20 November 2026", "Fri Nov 20 2026"]
)
def test_an_rfc_822_day_without_a_time_is_its_midnight_in_the_sources_zone(raw: str) -> None:
    # Given an RFC 822 date giving its day alone, no time, no zone
    for default_tz in (SHANGHAI, NEW_YORK, UTC):
        # When it is parsed for a source in that zone
        # Then it is that day's midnight there, as "2026-11-20" is: not UTC's (08:00 in China)
        assert parse_date(raw, default_tz) == parse_date("2026-11-20", default_tz), default_tz
    assert parse_date(raw, SHANGHAI) == utc("2026-11-19 16:00:00")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The hour is read on the 12-hour clock, and the offset after AM/PM is kept
        ("Fri, 19 Jun 2026 06:01:25 PM -0500", utc("2026-06-19 23:01:25")),
        ("Fri, 19 Jun 2026 6:01:25 PM GMT", utc("2026-06-19 18:01:25")),
        ("Fri, 19 Jun 2026 06:01:25PM +0800", utc("2026-06-19 10:01:25")),
        ("Fri, 19 Jun 2026 06:01:25 p.m. +0000", utc("2026-06-19 18:01:25")),
        ("Fri, 19 Jun 2026 06:01 am -0500", utc("2026-06-19 11:01:00")),
        ("Fri, 19 Jun 2026 12:01:25 AM +0000", utc("2026-06-19 00:01:25")),  # 12 AM is just after midnight
        ("Fri, 19 Jun 2026 12:01:25 PM +0000", utc("2026-06-19 12:01:25")),  # 12 PM just after noon
        ("Fri Jun 19 06:01:25 PM CST 2026", utc("2026-06-19 10:01:25")),
        ("2026-06-19 06:01:25 PM +0800", utc("2026-06-19 10:01:25")),
        # A 24-hour time its marker agrees with (templates that print both) is read as written
        ("Fri, 19 Jun 2026 18:01:25 PM -0500", utc("2026-06-19 23:01:25")),
        ("Fri, 19 Jun 2026 00:01:25 AM +0000", utc("2026-06-19 00:01:25")),
        ("2026-06-19 13:01 PM +0800", utc("2026-06-19 05:01:00")),
        # Without an offset, in the source's zone
        ("Jun 19, 2026 6:01 PM", utc("2026-06-19 10:01:00")),
        ("2026-06-19 6:01 PM", utc("2026-06-19 10:01:00")),
    ],
)
def test_a_time_with_am_or_pm_is_read_on_the_12_hour_clock(raw: str, expected: datetime) -> None:
    # Given a date whose time says AM or PM (the RFC 822 parser took "PM" for the zone: 12 hours off, and
    # the offset after it lost)
    # When it is parsed
    # Then it is the instant meant
    assert parse_date(raw, SHANGHAI) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Java's Chinese locale (DateFormat LONG, SHORT) and the CMSs that print dates the same way
        ("2026年6月19日 下午3:05", utc("2026-06-19 07:05:00")),
        ("2026年6月19日 上午10:56:00", utc("2026-06-19 02:56:00")),
        ("2026-06-19 下午 03:05", utc("2026-06-19 07:05:00")),
        ("2026年6月19日 晚上11:05", utc("2026-06-19 15:05:00")),
        ("2026年6月19日 凌晨12:30", utc("2026-06-18 16:30:00")),  # just after midnight
        ("2026年6月19日 早上7:30", utc("2026-06-18 23:30:00")),
        ("2026年6月19日 中午12:30", utc("2026-06-19 04:30:00")),
        ("2026年6月19日 中午1:30", utc("2026-06-19 05:30:00")),
        ("2026年6月19日 下午15:05", utc("2026-06-19 07:05:00")),  # the marker agrees with a 24-hour time
        # 北京时间 (Beijing time) is +08:00 wherever it stands, and whatever zone the source has
        ("2026-06-19 15:05 北京时间", utc("2026-06-19 07:05:00")),
        ("北京时间 2026-06-19 15:05", utc("2026-06-19 07:05:00")),
        ("2026年6月19日 下午3:05（北京时间）", utc("2026-06-19 07:05:00")),
        ("Fri, 19 Jun 2026 15:05:00 北京时间", utc("2026-06-19 07:05:00")),
        ("2026-06-19 15:05 +0000 (北京时间)", utc("2026-06-19 15:05:00")),  # a numeric offset wins
    ],
)
def test_a_chinese_date_with_its_half_of_the_day_or_beijing_time_is_the_instant_meant(
    raw: str, expected: datetime
) -> None:
    # Given a date as Chinese sites print it: 下午 (afternoon) before a 12-hour time, 北京时间 beside it
    # When it is parsed (北京时间's for a source in New York: the marker, not the source's zone, decides)
    parsed = parse_date(raw, NEW_YORK if "北京时间" in raw else SHANGHAI)
    # Then it is the instant meant, not unparsable (the item took its first-seen time) nor 12 hours off
    assert parsed == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026年6月19日 18时01分", utc("2026-06-19 10:01:00")),
        ("2026年6月19日 18时01分25秒", utc("2026-06-19 10:01:25")),
        ("2026年6月19日18點01分", utc("2026-06-19 10:01:00")),
        ("2026年6月19日 星期五 18:01", utc("2026-06-19 10:01:00")),
        ("2026年6月19日 周五 18:01", utc("2026-06-19 10:01:00")),
        ("2026年6月19日（週五）下午6时01分", utc("2026-06-19 10:01:00")),
        ("2026.06.19 18:01", utc("2026-06-19 10:01:00")),
        ("2026.6.19", utc("2026-06-18 16:00:00")),
        ("2026-01-20 星期二", utc("2026-01-19 16:00:00")),  # feedparser read the date as UTC midnight
        # a weekday before the date, English or Chinese
        ("Fri, 2026年6月19日 18:01", utc("2026-06-19 10:01:00")),
        ("周五, 2026年6月19日 18:01", utc("2026-06-19 10:01:00")),
        ("星期五 2026年6月19日 18时01分", utc("2026-06-19 10:01:00")),
        ("（周五）2026年6月19日 下午6:01", utc("2026-06-19 10:01:00")),
        ("周五，2026-06-19 18:01", utc("2026-06-19 10:01:00")),
    ],
)
def test_a_date_as_chinese_sites_spell_it_is_read_in_the_sources_zone(raw: str, expected: datetime) -> None:
    # Given a date as Chinese CMSs print it: 时/分/秒, a weekday before or after the date, dots between its
    # parts
    # When it is parsed for a source in Shanghai
    parsed = parse_date(raw, SHANGHAI)
    # Then it is the instant meant (unparsable, the item took its first-seen time: a feed added later
    # showed its old articles as the day's news)
    assert parsed == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2026年6月19日 上午15:05",  # morning, at 3 pm
        "2026年6月19日 中午5:30",  # noon, at 5
        "2026年6月19日 晚上12:00",  # evening, at noon or midnight
        "Fri, 19 Jun 2026 18:01:25 AM -0500",
        "Fri, 19 Jun 2026 00:01:25 PM +0000",
        "2026-06-19 13:01 AM",
        "2026-06-19 24:01 PM",
    ],
)
def test_a_time_its_marker_contradicts_is_unparsable(raw: str) -> None:
    # Given AM after an afternoon hour, PM after hour 0, or an hour no clock has: the date contradicts itself
    # Then it is not guessed at (the item takes its first-seen time)
    assert parse_date(raw, SHANGHAI) is None


@pytest.mark.parametrize("zone", ["AMT", "PMDT", "AMST"])
def test_a_zone_name_that_starts_with_am_or_pm_is_no_12_hour_clock(zone: str) -> None:
    # Given a time followed by a zone name starting with AM or PM (Amazon Time, not ante meridiem)
    # When it is parsed
    # Then it is read as any unknown zone name is, the hour as written: not unparsable, not 12 h off
    assert parse_date(f"Fri, 19 Jun 2026 06:01:25 {zone}", SHANGHAI) == parse_date(
        "Fri, 19 Jun 2026 06:01:25", SHANGHAI
    )


def test_feedparser_is_the_last_resort_for_odd_formats() -> None:
    # asctime with a US zone: no stdlib parser here reads it, feedparser does
    assert parse_date("Sun Jan  4 16:29:06 PST 2004", SHANGHAI) == utc("2004-01-05 00:29:06")


@pytest.mark.parametrize(
    "raw", ["18:01:25 +0800", "18:01", "T18:01", "18:01:25Z", "下午6:00", "星期五 18:00", "--06-19"]
)
def test_a_date_without_its_year_is_none_not_the_machines_day(raw: str) -> None:
    # Given a feed date giving a time of day alone, or a day without its year (a CMS writing today's
    # posts so), which feedparser completes from the machine's clock (today, this year)
    # When it is parsed
    # Then it is no date, so the item's dc:date or updated is read instead: not today at that hour as UTC,
    # a day no --now or event governs (a re-run of the day read it otherwise)
    assert parse_date(raw, SHANGHAI) is None


@pytest.mark.parametrize(
    "shape",
    [
        "18:01 {year}-06-19",  # a time before its date, as some CMSs print it
        "18:01:25 {year}年06月19日",
        "下午6:01 {year}-06-19",
        "18:01 +0800 {year}-06-19",
        "18:01 19 Jun {year}",
    ],
)
def test_a_time_before_its_date_in_the_machines_year_is_not_the_machines_day(shape: str) -> None:
    # Given a feed date giving its day after its time, in the year the machine's clock is in (the year
    # of every current article): feedparser takes the time alone and completes the day from the clock,
    # and the year it completes is in the text, so the check that the text gives its year passes
    year = datetime.now(UTC).year
    raw = shape.format(year=year)
    # When it is parsed
    parsed = parse_date(raw, SHANGHAI)
    # Then it is the day it names, 18:01 in China, or no date (dc:date or updated is read instead): never
    # today's date at 18:01 UTC, a day no --now or event governs (a re-run on another day reads it otherwise)
    assert parsed in (None, utc(f"{year}-06-19 10:01:00"), utc(f"{year}-06-19 10:01:25")), raw


@pytest.mark.parametrize("shape", ["18:01:25 +0800 {year}", "18:01:25 CST {year}", "10:00, {year}"])
def test_a_time_and_a_year_without_a_day_is_no_date(shape: str) -> None:
    # Given a feed date giving a time of day and the machine's year but no day
    raw = shape.format(year=datetime.now(UTC).year)
    # When it is parsed
    # Then it is no date, as a time alone is: not today at that hour (the offset dropped) from the clock
    assert parse_date(raw, SHANGHAI) is None, raw


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "garbage",
        "yesterday",
        "Sun, Dec x 2012",
        "2026-13-45",  # feedparser would roll this over into 2027-01-01
        "2026-02-30",
        "2026-01-20T25:00",  # feedparser would make this the next day
        "2026",
        "Tue, 20 Jan 2026 25:56:00 GMT",
        "Tue, 31 Feb 2026 02:56:00 GMT",
        "1985-01-01T00:00:00Z",  # absurd years
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "2101-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2026-01-20T10:56:00+08:00" + " " * 300 + "x",
        "2026-06-19 10:01:25 +0545 +0800",  # an offset contradicted by the one after it
    ],
)
def test_absent_unparsable_and_absurd_dates_are_none(raw: str | None) -> None:
    assert parse_date(raw, SHANGHAI) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990-01-01T00:00:00Z", utc("1990-01-01 00:00:00")),
        ("2100-12-31T23:59:59Z", utc("2100-12-31 23:59:59")),
    ],
)
def test_the_year_range_is_inclusive(raw: str, expected: datetime) -> None:
    assert parse_date(raw, SHANGHAI) == expected


@pytest.mark.shared_data
def test_every_pubdate_of_the_real_feeds_parses() -> None:
    # Given the real feeds' <pubDate> values (GMT, +0000 and +0800, several shared by one push)
    files = sorted(REAL_FEEDS.glob("*.xml"))
    if not files:
        pytest.skip(f"shared data not found: {REAL_FEEDS}")
    raws = [m for path in files for m in re.findall(r"<pubDate>([^<]+)</pubDate>", path.read_text("utf-8"))]
    assert len(raws) > 50
    for raw in raws:
        # When each is parsed, Then it is a plausible aware UTC time
        parsed = parse_date(raw, SHANGHAI)
        assert parsed is not None, raw
        assert parsed.tzinfo is UTC
        assert 2019 <= parsed.year <= 2026, raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # 02:00 on New Year's Day in Beijing is 18:00 UTC on New Year's Eve: feedparser answers in UTC
        ("Κυρ, 01 Ιαν 2027 02:00:00 +0800", "2026-12-31 18:00:00"),
        # 20:00 on New Year's Eve in New York is 01:00 UTC on New Year's Day
        ("Τετ, 31 Δεκ 2026 20:00:00 -0500", "2027-01-01 01:00:00"),
    ],
)
def test_a_date_only_feedparser_reads_near_new_year_keeps_its_year_though_utc_is_in_another(
    raw: str, expected: str
) -> None:
    # Given a date only feedparser reads (Greek), whose year the text gives, within its offset of New Year
    # When it is parsed
    # Then it is that moment in UTC, in the year before or after the text's (a check that the text gives
    # the year feedparser answered, in UTC, refused it as no date)
    assert parse_date(raw, SHANGHAI) == utc(expected)


def test_a_time_alone_whose_fraction_of_a_second_reads_as_the_year_is_no_date() -> None:
    # Given a time of day alone whose fraction of a second holds the digits of the machine's year
    raw = f"18:01:25.{datetime.now(UTC).year} +0800"
    # When it is parsed
    # Then it is no date, as any time alone: not today's, from the machine's clock
    assert parse_date(raw, SHANGHAI) is None


@pytest.mark.parametrize("offset", ["+08", "+8", "+08 SGT", "+8 SGT"])
def test_an_rfc_822_date_whose_offset_gives_its_hours_alone_is_that_many_hours_not_minutes(
    offset: str,
) -> None:
    # Given an RFC 822 date whose offset gives hours alone, as UTC+8 and ISO 8601's "+08" do, with or
    # without its zone's name after it
    # When it is parsed
    # Then it is read as +08:00 (10:01:25 UTC), as "2026-06-19T18:01:25+08" and "GMT+08" are, not as
    # eight minutes east of UTC (17:53:25 UTC: eight hours late)
    assert parse_date(f"Fri, 19 Jun 2026 18:01:25 {offset}", SHANGHAI) == utc("2026-06-19 10:01:25")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # `date` (and strftime's "%a %b %d %H:%M:%S %Z %Y") in a zone whose abbreviation is its offset
        ("Fri Jun 19 18:01:25 +08 2026", "2026-06-19 10:01:25"),  # TZ=Asia/Singapore
        ("Fri Jun 19 07:01:25 -03 2026", "2026-06-19 10:01:25"),  # TZ=America/Sao_Paulo
    ],
)
def test_a_date_whose_offset_of_hours_alone_comes_before_its_year_is_that_many_hours(
    raw: str, expected: str
) -> None:
    # Given an asctime-shaped date, as `date` prints it, whose zone is an offset of hours alone
    # When it is parsed
    # Then it is that many hours from UTC, as "Fri, 19 Jun 2026 18:01:25 +08" is: not minutes (8 hours late)
    assert parse_date(raw, SHANGHAI) == utc(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 19 Jun 2026 18:01:25 +5:30", "2026-06-19 12:31:25"),
        ("Fri, 19 Jun 2026 18:01:25 +8:30", "2026-06-19 09:31:25"),
        ("Fri, 19 Jun 2026 18:01:25 -5:00", "2026-06-19 23:01:25"),
    ],
)
def test_an_rfc_822_offset_of_one_hour_digit_and_minutes_is_not_dropped(raw: str, expected: str) -> None:
    # Given an RFC 822 date whose offset writes its hour with one digit and its minutes after a colon
    # When it is parsed
    # Then it is that offset, or no date: not the source's zone (Shanghai) in its place, as "+5" alone is read
    assert parse_date(raw, SHANGHAI) in (None, utc(expected)), raw


@pytest.mark.parametrize("zone", ["+0800", "CST", "GMT+8"])
def test_a_perforce_date_keeps_its_offset(zone: str) -> None:
    # Given a date in the shape only feedparser's Perforce parser reads ("Fri, 2006/09/15 08:19:53 EDT"),
    # with an offset (a bare CST is China's, +08:00)
    raw = f"Fri, 2026/06/19 18:01:25 {zone}"
    # When it is parsed
    # Then it is 18:01:25 at +08:00, or no date: not 18:01:25 UTC, the offset dropped (8 hours late)
    assert parse_date(raw, SHANGHAI) in (None, utc("2026-06-19 10:01:25")), raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 2006/09/15 08:19:53 EDT", "2006-09-15 12:19:53"),
        ("Fri, 2026/06/19 06:01:25 PM EDT", "2026-06-19 22:01:25"),  # feedparser's own example of the shape
        ("Fri, 2026/06/19 18:01:25 PST", "2026-06-20 02:01:25"),
        ("Fri, 2026/06/19 18:01:25 PDT", "2026-06-20 01:01:25"),
        ("Fri, 2026/06/19 18:01:25 EST", "2026-06-19 23:01:25"),
    ],
)
def test_a_perforce_date_with_a_us_zone_name_is_still_read(raw: str, expected: str) -> None:
    # Given a Perforce-shaped date with one of RFC 822's US zone names, which feedparser's Perforce
    # parser reads, zone and all
    # When it is parsed
    # Then it is that time in that zone: not no date (the item dated by when it was first seen)
    assert parse_date(raw, SHANGHAI) == utc(expected), raw


@pytest.mark.parametrize(
    "raw", ["Monument 2026-01-01", "Sunset 2026-06-19 18:01", "Monument2026-01-01", "Monument 2026年1月1日"]
)
def test_a_word_starting_as_a_weekday_before_a_date_is_not_a_weekday(raw: str) -> None:
    # Given a "date" whose first word only starts as a weekday's name does
    # Then it is no date, as before weekdays before a year-first date were read
    assert parse_date(raw, SHANGHAI) is None, raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 2026/06/19 18:01:25 +8", "2026-06-19 10:01:25"),  # UTC+8 written as "+8"
        ("周五, 2026/06/19 18:01:25 +8", "2026-06-19 10:01:25"),  # a Chinese weekday before it (805a713)
        ("Fri, 2026/06/19 18:01:25 -3 BRT", "2026-06-19 21:01:25"),  # an hours-alone offset, then its name
        ("Fri, 2026/06/19 18:01:25 +5:30 IST", "2026-06-19 12:31:25"),
    ],
)
def test_a_perforce_date_whose_offset_gives_one_hour_digit_keeps_it(raw: str, expected: str) -> None:
    # Given a weekday before a year-first date whose offset gives its hour with one digit ("+8", "-3",
    # "+5:30"), which the year-first reader does not read, so that feedparser's Perforce reader gets it
    # When it is parsed
    # Then it is that offset, or no date (as "2026/06/19 18:01:25 +8" without its weekday is): not the
    # time read as UTC, the offset dropped (eight hours late for +8)
    assert parse_date(raw, SHANGHAI) in (None, utc(expected)), raw


@pytest.mark.parametrize(
    "raw",
    [
        "Fri, 19 Jun 2026 18:01:25 +08 (北京时间)",
        "Fri, 19 Jun 2026 18:01:25 +08 北京时间",
        "Fri, 19 Jun 2026 18:01:25 +8 (北京时间)",
        "北京时间 Fri, 19 Jun 2026 18:01:25 +08",
    ],
)
def test_an_hours_alone_offset_beside_beijing_time_is_that_many_hours(raw: str) -> None:
    # Given an RFC 822 date whose offset gives hours alone, with 北京时间 as its zone's name, as
    # "+08 SGT" and "+08 (中国标准时间)" have theirs
    # When it is parsed
    # Then it is +08:00 (10:01:25 UTC), as "+0800 北京时间" is: not eight minutes east of UTC
    # (eight hours late)
    assert parse_date(raw, SHANGHAI) == utc("2026-06-19 10:01:25"), raw


@pytest.mark.parametrize("raw", ["20 Nov, 2026", "Fri, 20 Nov, 2026", "20 Sept 2026", "Sept 20 2026"])
def test_every_rfc_822_day_without_a_time_is_its_midnight_in_the_sources_zone(raw: str) -> None:
    # Given a day alone in a shape feedparser's RFC 822 reader knows but the stdlib's does not (a comma
    # after the month, as "Mon, 13 Feb, 2012 06:28:00 UTC" has; "Sept")
    for default_tz in (SHANGHAI, NEW_YORK):
        # When it is parsed for a source in that zone
        # Then it is that day's midnight there, as "20 Nov 2026" is, or no date: not UTC midnight (19:00
        # the day before in New York: the previous day's edition)
        expected = datetime(2026, 11 if "Nov" in raw else 9, 20, tzinfo=default_tz).astimezone(UTC)
        assert parse_date(raw, default_tz) in (None, expected), (raw, default_tz)


@pytest.mark.parametrize("raw", ["20 Nov, 2026 18:01", "20 Sept 2026 18:01", "20 Novembre 2026 18:01"])
def test_an_offsetless_time_that_only_feedparser_reads_is_not_utc(raw: str) -> None:
    # Given an RFC 822 date without a weekday and without an offset, in a shape the stdlib's reader refuses
    # (a comma after the month, "Sept", a month's name in full in another language) and feedparser's
    # completes with a zone of its own: UTC
    # When it is parsed for a source in Shanghai
    # Then its time is read in the source's zone, as "20 Nov 2026 18:01" is, or it is no date (as
    # "Fri, 20 Nov, 2026 18:01:25" is): not 18:01 UTC (02:01 the next day in China)
    month = 11 if "Nov" in raw else 9
    assert parse_date(raw, SHANGHAI) in (None, datetime(2026, month, 20, 18, 1, tzinfo=SHANGHAI)), raw


@pytest.mark.parametrize(
    "raw", ["20 Nov 2026 +08", "20 Nov 2026 +08:00", "20 Nov 2026 +08 SGT", "20 Nov 2026 +08 CST"]
)
def test_an_rfc_822_day_with_an_offset_and_no_time_is_not_read_with_the_offset_as_its_hour(raw: str) -> None:
    # Given a day alone, no time, then an offset of +08:00 (feedparser's reader takes "+08" for the time)
    # When it is parsed
    # Then it is the day's midnight at +08:00, or no date: not 08:00 UTC (16:00 in China) nor UTC midnight
    assert parse_date(raw, SHANGHAI) in (None, utc("2026-11-19 16:00:00")), raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 19 Jun 2026 6:01 p.m. +08 SGT", "2026-06-19 10:01:00"),
        ("Fri, 19 Jun 2026 6:01 p.m. -3 BRT", "2026-06-19 21:01:00"),
        ("Fri, 19 Jun 2026 6:01 P.M. +5:30 IST", "2026-06-19 12:31:00"),
    ],
)
def test_an_hours_alone_offset_and_zone_name_after_a_dotted_pm_is_that_offset(
    raw: str, expected: str
) -> None:
    # Given a time on the 12-hour clock written "p.m." (read as "PM" is), then an offset of hours alone
    # and its zone's name, as "6:01 PM +08 SGT" and "6:01 p.m. +08" are read
    # When it is parsed
    # Then it is that offset: not eight minutes (eight hours late), three minutes, or the source's zone
    assert parse_date(raw, SHANGHAI) == utc(expected), raw


@pytest.mark.parametrize("name", ["Beijing", "Shanghai", "Singapore"])
def test_an_hours_alone_offset_before_a_long_zone_name_is_that_many_hours(name: str) -> None:
    # Given an RFC 822 date whose offset gives hours alone, then a zone's name longer than an abbreviation
    raw = f"Fri, 19 Jun 2026 18:01:25 +08 {name}"
    # When it is parsed
    # Then it is +08:00, as "+08 SGT" and "+0800 Beijing" are, or no date: not eight minutes east of UTC
    assert parse_date(raw, SHANGHAI) in (None, utc("2026-06-19 10:01:25")), raw
