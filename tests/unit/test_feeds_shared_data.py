"""parse_feed over the real samples and the feedparser cases in ``../shared/data/feeds`` (read in place).

The folder lies outside the project; set ``AI_NEWS_TRACKER_SHARED_DATA`` to read it from elsewhere.
Every test is skipped when it is absent. The quirks asserted here are the ones listed in
``feeds/real/README.md`` and ``feeds/feedparser-cases/INDEX.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from shared_data import DATA, require

from ai_news_tracker.errors import Blocked, EmptyResponse, MalformedFeed, NotAFeed, SourceFailure
from ai_news_tracker.feeds import TEXT_MAX_CHARS, parse_feed
from ai_news_tracker.models import Entry

FEEDS = DATA / "feeds"
REAL = FEEDS / "real"
CASES = FEEDS / "feedparser-cases"
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not FEEDS.is_dir(), reason=f"shared data not found: {FEEDS}"),
]

LEFTOVER_MARKUP = re.compile(r"<[A-Za-z/!]|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _read(path: Path) -> bytes:
    return require(path).read_bytes()


# -- real feeds ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RealFeed:
    count: int
    earliest: datetime
    latest: datetime
    check: Callable[[list[Entry]], None]


def _check_36kr_news(entries: list[Entry]) -> None:
    # Whole articles, entity-escaped in <description>: no tag or entity may survive, and they are long.
    for entry in entries:
        assert not LEFTOVER_MARKUP.search(entry.text), entry.text[:200]
        assert len(entry.text) > 1000
        assert re.fullmatch(r"https://www\.36kr\.com/p/\d{16}", entry.url or "")
    assert any(len(e.text) == TEXT_MAX_CHARS for e in entries)  # 12 KB articles are capped


def _check_36kr_newsflashes(entries: list[Entry]) -> None:
    linkless = [e for e in entries if e.url is None]
    assert len(linkless) == 8  # <link></link> and an empty non-permalink guid
    assert all(e.guid is None and e.title and e.text for e in linkless)
    for entry in entries:
        if entry.url is not None:
            assert entry.url.startswith(("http://", "https://"))
            assert "&#38;" not in entry.url and "&amp;" not in entry.url
    assert any(e.url and "36kr.com" not in e.url for e in entries)  # off-site sources are kept


def _check_36kr_motif(entries: list[Entry]) -> None:
    assert sum(1 for e in entries if e.text == "") == 11  # <![CDATA[]]> descriptions
    assert all(e.url and e.url.startswith("https://www.36kr.com/p/") for e in entries)


def _check_jiqizhixin(entries: list[Entry]) -> None:
    for entry in entries:
        match = re.fullmatch(rf"https://www\.jiqizhixin\.com/articles/({UUID})", entry.url or "")
        assert match, entry.url
        assert entry.guid == match.group(1)  # the bare UUID, not resolved against the feed URL
    dates = [e.published_at for e in entries]
    assert dates != sorted(dates, reverse=True)  # not in date order, and the feed order is kept
    assert dates[0] == datetime(2026, 5, 7, 11, 31, 39, tzinfo=UTC)
    assert dates[1] == datetime(2026, 5, 7, 13, 24, 23, tzinfo=UTC)


def _check_xinzhiyuan(entries: list[Entry]) -> None:
    for entry in entries:
        assert entry.url and entry.url.startswith("http://mp.weixin.qq.com/s?")
        assert "&amp;" not in entry.url
        query = parse_qs(urlsplit(entry.url).query)
        assert all(len(query[key]) == 1 for key in ("__biz", "mid", "idx", "sn"))
        assert re.fullmatch(r"[0-9a-f]{32}", entry.guid or "")
    assert len({e.published_at for e in entries}) < len(entries)  # one push, several articles
    assert len({e.url for e in entries}) == len(entries)
    assert not any("jintiankansha" in e.text for e in entries)  # the tracking pixel leaves no text


REAL_FEEDS = {
    "36kr_news__rsshub__zhouqun197746.xml": RealFeed(
        30, datetime(2026, 6, 18, tzinfo=UTC), datetime(2026, 6, 21, tzinfo=UTC), _check_36kr_news
    ),
    "36kr_newsflashes_2019__rsshub__song940.xml": RealFeed(
        30, datetime(2019, 11, 27, tzinfo=UTC), datetime(2019, 11, 29, tzinfo=UTC), _check_36kr_newsflashes
    ),
    "36kr_motif_AI__g0fcn_Rss-Translation.xml": RealFeed(
        15, datetime(2024, 9, 1, tzinfo=UTC), datetime(2024, 9, 19, tzinfo=UTC), _check_36kr_motif
    ),
    "jiqizhixin__octo-news-hub.xml": RealFeed(
        12, datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 9, tzinfo=UTC), _check_jiqizhixin
    ),
    "xinzhiyuan_AI_era__octo-news-hub.xml": RealFeed(
        5, datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 9, tzinfo=UTC), _check_xinzhiyuan
    ),
}


def test_every_real_feed_has_expectations() -> None:
    assert {p.name for p in REAL.glob("*.xml")} == set(REAL_FEEDS)


@pytest.mark.parametrize("name", sorted(REAL_FEEDS))
def test_real_feed(name: str) -> None:
    expected = REAL_FEEDS[name]
    body = _read(REAL / name)

    entries = parse_feed(
        body, {"Content-Type": "application/rss+xml; charset=utf-8"}, f"https://x.cn/{name}", SHANGHAI
    )

    assert len(entries) == expected.count
    for entry in entries:
        assert entry.title.strip() and not LEFTOVER_MARKUP.search(entry.title)
        assert len(entry.text) <= TEXT_MAX_CHARS
        assert entry.published_at is not None and entry.published_at.utcoffset() == UTC.utcoffset(None)
        assert expected.earliest <= entry.published_at <= expected.latest
    expected.check(entries)


@pytest.mark.parametrize("name", sorted(REAL_FEEDS))
def test_real_feed_without_any_header_reads_the_same(name: str) -> None:
    body = _read(REAL / name)
    url = f"https://x.cn/{name}"

    with_header = parse_feed(body, {"content-type": "application/rss+xml; charset=utf-8"}, url, SHANGHAI)

    assert parse_feed(body, {}, url, SHANGHAI) == with_header


# -- weixin.sogou.com pages -------------------------------------------------------------------------
# article_detail_expired.html is what an expired temporary mp.weixin link returns: an ordinary page
# with no captcha or anti-bot marker. Calling it Blocked would raise a false anti-bot alarm; it is an
# HTML page where a feed was expected, so NotAFeed.
SOGOU_PAGES = {
    "search-gaokao-gzh-error.html": Blocked,
    "search-gaokao-article.html": NotAFeed,
    "search-gaokao-gzh.html": NotAFeed,
    "article_detail_expired.html": NotAFeed,
}


def test_every_sogou_page_has_an_expectation() -> None:
    assert {p.name for p in (REAL / "sogou").glob("*.html")} == set(SOGOU_PAGES)


@pytest.mark.parametrize("headers", [{"content-type": "text/html; charset=utf-8"}, {}])
@pytest.mark.parametrize("name", sorted(SOGOU_PAGES))
def test_sogou_page(name: str, headers: dict[str, str]) -> None:
    body = _read(REAL / "sogou" / name)

    with pytest.raises(SOGOU_PAGES[name]):
        parse_feed(body, headers, "https://weixin.sogou.com/weixin?type=2&query=AI_era", SHANGHAI)


def test_sogou_antispider_redirect_is_blocked_whatever_the_body() -> None:
    body = _read(REAL / "sogou" / "search-gaokao-article.html")

    with pytest.raises(Blocked):
        parse_feed(body, {}, "https://weixin.sogou.com/antispider/?from=%2Fweixin%3Ftype%3D2", SHANGHAI)


# -- feedparser's own test cases --------------------------------------------------------------------
def _entries(*checks: Callable[[list[Entry]], bool]) -> Callable[[list[Entry]], bool]:
    return lambda entries: all(check(entries) for check in checks)


def _empty(entries: list[Entry]) -> bool:
    return entries == []


def _one(**fields: object) -> Callable[[list[Entry]], bool]:
    return lambda entries: len(entries) == 1 and all(getattr(entries[0], k) == v for k, v in fields.items())


# path -> the exception parse_feed raises, or a predicate on the entries it returns. "[]" cases are
# complete feeds whose only content is at channel level, which parse_feed does not return.
FEEDPARSER_CASES: dict[str, type[SourceFailure] | Callable[[list[Entry]], bool]] = {
    "encoding/bozo_bogus_encoding.xml": _empty,  # unknown label: read as UTF-8, a complete <rss/>
    "encoding/bozo_double-encoded-html.xml": _one(text="\u2026"),  # mojibake recovered as "…"
    "encoding/bozo_http_i18n.xml": _empty,
    "encoding/bozo_http_text_plain.xml": _empty,
    "encoding/http_application_atom_xml_gb2312_charset_overrides_encoding.xml": _empty,
    "encoding/http_application_atom_xml_gb2312_encoding.xml": _empty,
    "encoding/utf-8-bom.xml": _empty,
    "entities/hellip.xml": _empty,  # &hellip; is in the channel title; items: see test_feeds.py
    "entities/nbsp.xml": _empty,
    "illformed/chardet/gb2312.xml": _one(title="不归移民漫画系列：专业工作"),  # no charset anywhere
    "illformed/http_high_bit_date.xml": _empty,  # the Greek date is at channel level; no crash
    "illformed/rss_empty_document.xml": EmptyResponse,  # only a comment
    "illformed/rss_incomplete_cdata.xml": MalformedFeed,  # its one item was cut off inside <title>
    "illformed/rss_item_link_corrupted_ampersands.xml": _one(url="http://link/get?a=1&b=2"),
    "wellformed/base/http_item_link_base_docuri.xml": _one(url="http://127.0.0.1:8097/relative/uri"),
    "wellformed/base/unsafe_base.xml": _one(title="Example test", url=None),
    "wellformed/rss/item_description_escaped_markup.xml": _one(text="Example description"),
    "wellformed/rss/item_guid_not_permalink.xml": MalformedFeed,  # one item, only a non-link guid
    "wellformed/sanitize/feed_title_unacceptable_uri.xml": _empty,
    "wellformed/sanitize/item_content_encoded_script_nested_cdata.xml": _entries(lambda e: len(e) == 1),
    "wellformed/sanitize/item_description_crazy.xml": _one(
        text="Did The Javascript Execute? I will execute here, too, if you mouse over me"
    ),
    "wellformed/sanitize/item_description_iframe.xml": _one(text="safe description"),  # iframe gone
}


def _case_headers(rel: str, body: bytes) -> dict[str, str]:
    """The ``Header:`` lines of the leading comment, served only for the cases whose path says http."""
    if "http" not in rel:
        return {}
    comment = body.split(b"-->", 1)[0].decode("latin-1")
    return {m[1].strip(): m[2].strip() for m in re.finditer(r"Header:\s*([^:\r\n]+):\s*([^\r\n]*)", comment)}


def test_every_feedparser_case_has_an_expectation() -> None:
    found = {p.relative_to(CASES).as_posix() for p in CASES.rglob("*.xml")}
    assert found == set(FEEDPARSER_CASES)


@pytest.mark.parametrize("rel", sorted(FEEDPARSER_CASES))
def test_feedparser_case(rel: str) -> None:
    expected = FEEDPARSER_CASES[rel]
    body = _read(CASES / rel)
    headers = _case_headers(rel, body)
    url = f"http://127.0.0.1:8097/{rel}"

    if isinstance(expected, type):
        with pytest.raises(expected):
            parse_feed(body, headers, url, SHANGHAI)
        return
    entries = parse_feed(body, headers, url, SHANGHAI)
    assert expected(entries), entries
    for entry in entries:
        assert entry.url is None or entry.url.startswith(("http://", "https://"))
        assert "\xa0" not in entry.title + entry.text
        assert "<script" not in (entry.title + entry.text).lower()


def test_http_cases_carry_their_headers() -> None:
    rel = "encoding/http_application_atom_xml_gb2312_charset_overrides_encoding.xml"

    assert _case_headers(rel, _read(CASES / rel)) == {
        "Content-type": "application/atom+xml; charset='gb2312'"
    }
    assert _case_headers("entities/nbsp.xml", _read(CASES / "entities/nbsp.xml")) == {}


def test_nested_cdata_leaves_no_script_text() -> None:
    # "<![CDATA[<script>" in HTML is a bogus comment up to its ">", as in a browser: "]]>" is left
    rel = "wellformed/sanitize/item_content_encoded_script_nested_cdata.xml"

    (entry,) = parse_feed(_read(CASES / rel), {}, f"http://127.0.0.1:8097/{rel}", SHANGHAI)

    assert entry.text == "]]>"
