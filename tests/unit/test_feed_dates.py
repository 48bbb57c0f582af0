"""Which of an entry's dates becomes its publication time (ai_news_tracker.feeds)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ai_news_tracker.feeds import parse_feed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rss(item_dates: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">
<channel><title>测试源</title><link>https://example.cn/</link><description>测试</description>
<item><title>智谱发布新模型</title><link>https://example.cn/a</link>{item_dates}</item>
</channel></rss>""".encode()


def published_at(body: bytes, content_type: str = "application/rss+xml; charset=utf-8") -> datetime | None:
    (entry,) = parse_feed(body, {"content-type": content_type}, "https://example.cn/feed", SHANGHAI)
    return entry.published_at


def test_a_junk_pubdate_falls_back_to_the_items_dc_date() -> None:
    # Given an item whose pubDate is not a date but whose dc:date is
    body = rss("<pubDate>星期五 下午</pubDate><dc:date>2026-06-19T18:00:00+08:00</dc:date>")
    # Then the item keeps the dc:date's time instead of losing its date
    assert published_at(body) == datetime(2026, 6, 19, 10, 0, tzinfo=UTC)


def test_a_junk_pubdate_falls_back_to_dcterms_created() -> None:
    body = rss("<pubDate>0000-00-00 00:00:00</pubDate><dcterms:created>2026-06-19 18:00</dcterms:created>")
    assert published_at(body) == datetime(2026, 6, 19, 10, 0, tzinfo=UTC)


def test_a_junk_atom_published_falls_back_to_updated() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>t</title><link href="https://example.cn/t"/><id>1</id>
<published>unknown</published><updated>2026-06-19T12:00:00Z</updated></entry></feed>"""
    assert published_at(body, "application/atom+xml") == datetime(2026, 6, 19, 12, 0, tzinfo=UTC)


def test_a_good_pubdate_wins_over_updated() -> None:
    # Given an item published once and updated later
    body = rss("<pubDate>2026-06-18 09:00:00 +0800</pubDate><dc:date>2026-06-19T18:00:00+08:00</dc:date>")
    # Then its time is when it was published
    assert published_at(body) == datetime(2026, 6, 18, 1, 0, tzinfo=UTC)


def test_an_item_without_any_readable_date_has_none() -> None:
    body = rss("<pubDate>junk</pubDate><dc:date>also junk</dc:date>")
    assert published_at(body) is None


def test_a_pubdate_of_a_time_alone_is_no_date_and_falls_back_to_the_items_dc_date() -> None:
    # Given an item whose pubDate gives a time of day but no day (a CMS writing today's posts so)
    body = rss("<pubDate>18:01:25 +0800</pubDate><dc:date>2026-06-19T18:01:25+08:00</dc:date>")
    # Then the item's time is its dc:date: not 18:01:25 UTC (the offset dropped) on whatever day the
    # machine's clock says (feedparser's fallback fills in today), which no --now or event governs
    assert published_at(body) == datetime(2026, 6, 19, 10, 1, 25, tzinfo=UTC)


def test_a_pubdate_of_a_time_before_its_date_is_not_the_machines_day() -> None:
    # Given an item whose pubDate gives its time before its day, in the current year (what a CMS printing
    # "HH:MM YYYY-MM-DD" writes), and the same moment in its dc:date
    year = datetime.now(UTC).year
    body = rss(f"<pubDate>18:01 {year}-06-19</pubDate><dc:date>{year}-06-19T18:01:00+08:00</dc:date>")
    # Then the item's time is that moment: not 18:01 UTC on the day the machine's clock says
    assert published_at(body) == datetime(year, 6, 19, 10, 1, tzinfo=UTC)
