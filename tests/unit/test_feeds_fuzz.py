"""Whatever bytes a source answers, parsing them gives entries or a named failure, never a crash.

One source's crash used to end the whole fetch (feedparser raised on ``&#xD800;``). These properties
throw hostile feeds at :func:`parse_feed`: RSS and Atom documents whose every field is drawn from
text that breaks parsers (character references to no character, entities, CDATA ends, markup, control
characters, odd dates and links), the same documents cut short or with bytes flipped, and plain noise.
Every answer must be a list of clean entries or a :class:`SourceFailure`, and every entry's text must
be writable as UTF-8. An article page (the summary of an item whose feed has no text) likewise gives
text UTF-8 can hold, whatever it holds and whatever charset it claims.
"""

from __future__ import annotations

from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_news_tracker.errors import SourceFailure
from ai_news_tracker.feeds import parse_feed
from ai_news_tracker.models import Entry

# feedparser warns when an Atom entry has <updated> but no <published> (its issue 310): not ours
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")

HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}

# Pieces that have broken feed parsers: references to no character, entities, markup, CDATA, controls.
NASTY = [
    "&#xD800;",
    "&#55296;",
    "&#x110000;",
    "&#99999999999999999999;",
    "&#0;",
    "&#x;",
    "&#;",
    "&nbsp;",
    "&unknown;",
    "&amp;#xDFFF;",
    "&lt;script&gt;",
    "<![CDATA[",
    "]]>",
    "<b>",
    "</item>",
    "<script>alert(1)</script>",
    "<!--",
    "-->",
    "<?xml",
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\ufffe",
    "𝔘𝔫𝔦",
    "中文",
    "javascript:alert(1)",
    "%",
    "\\",
    '"',
    "'",
]
DATES = [
    "2026-06-19 18:01:25  +0800",
    "Thu, 19 Nov 2026 08:00:00 GMT",
    "Thu, 31 Feb 2026 25:61:61 +9999",
    "9999-99-99",
    "0000-00-00T00:00:00Z",
    "yesterday",
    "",
    "-1",
    "1" * 40,
]
LINKS = [
    "https://example.cn/a?b=1&amp;c=2",
    "/relative/path",
    "javascript:alert(1)",
    "http://[::1",
    "https://例子.中国/路径",
    "http://" + "a" * 300 + ".example",
    "",
    "mailto:a@example.cn",
]

field = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=12)), max_size=6).map("".join)


@st.composite
def items(draw: st.DrawFn) -> str:
    title, text = draw(field), draw(field)
    link, date = draw(st.sampled_from(LINKS)), draw(st.sampled_from(DATES))
    raw_text = draw(st.booleans())
    description = f"<![CDATA[{text}]]>" if raw_text else text
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{draw(field)}</guid>"
        f"<description>{description}</description><pubDate>{date}</pubDate></item>"
    )


@st.composite
def entries(draw: st.DrawFn) -> str:
    return (
        f"<entry><title type='html'>{draw(field)}</title><link href='{draw(st.sampled_from(LINKS))}'/>"
        f"<id>{draw(field)}</id><updated>{draw(st.sampled_from(DATES))}</updated>"
        f"<content type='html'>{draw(field)}</content><summary>{draw(field)}</summary></entry>"
    )


rss = st.lists(items(), max_size=4).map(
    lambda parts: (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        + "".join(parts)
        + "</channel></rss>"
    )
)
atom = st.lists(entries(), max_size=4).map(
    lambda parts: (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title>" + "".join(parts) + "</feed>"
    )
)
documents = st.one_of(rss, atom).map(lambda text: text.encode("utf-8", "surrogatepass"))


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A document cut short, or with a few bytes replaced: what a broken bridge or network answers."""
    body = bytearray(draw(documents))
    if draw(st.booleans()) and body:
        del body[draw(st.integers(0, len(body) - 1)) :]
    for _ in range(draw(st.integers(0, 4))):
        if body:
            body[draw(st.integers(0, len(body) - 1))] = draw(st.integers(0, 255))
    return bytes(body)


def check(body: bytes) -> None:
    try:
        found = parse_feed(body, HEADERS, "https://example.cn/feed", UTC)
    except SourceFailure:
        return  # a named failure: the source's status says why
    assert isinstance(found, list)
    for entry in found:
        assert isinstance(entry, Entry)
        for value in (entry.title, entry.text, entry.url or "", entry.guid or ""):
            value.encode("utf-8")  # no lone surrogate: every output is written as UTF-8
        assert entry.url is None or entry.url.startswith(("http://", "https://"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_a_hostile_feed_gives_entries_or_a_named_failure(body: bytes) -> None:
    check(body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_a_damaged_feed_gives_entries_or_a_named_failure(body: bytes) -> None:
    check(body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_noise_gives_entries_or_a_named_failure(body: bytes) -> None:
    check(body)


page = st.lists(
    st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(
            [
                '<meta name="description" content="',
                '<meta property="og:description" content=\'',
                '<meta charset="',
                '">',
                "<head>",
                "</head>",
            ]
        ),
        st.text(max_size=10),
    ),
    max_size=12,
).map(lambda parts: "".join(parts).encode("utf-8"))
charsets = st.sampled_from(["", "utf-8", "gbk", "no-such-charset", "utf-16", "latin-1", '"x"', ";"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(page, st.binary(max_size=500)), charsets)
def test_an_article_page_gives_writable_text_whatever_it_holds(body: bytes, charset: str) -> None:
    from ai_news_tracker.articles import article_summary

    headers = {"content-type": f"text/html; charset={charset}"} if charset else {}
    summary = article_summary(body, headers)

    assert isinstance(summary, str) and len(summary) <= 600
    summary.encode("utf-8")
