"""The web edition (ai_news_tracker.render): the edition page, the archive and the Atom feed.

Pages must pass an HTML5 parser in strict mode (html5lib), the feed must be Atom that feedparser
reads without complaint, and hostile feed text, wherever it lands (titles, texts, links, sources,
key points, model names), must never become an element, an event handler or a non-http(s) link:
every page is parsed and its whole tree walked.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from editions import email_bodies
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import UndefinedError
from markupsafe import Markup
from web_audit import archive_links, audit, external_links, strict_parse

from ai_news_tracker.config import Config, LeaderboardConfig, ReportConfig, parse_config
from ai_news_tracker.errors import ConfigError, SourceFailure
from ai_news_tracker.leaderboard import build_leaderboard
from ai_news_tracker.mail import edition_view, item_summary
from ai_news_tracker.models import BoardShown, Edition, EditionSummary, Item, Repeat, ShownWith, SourceStatus
from ai_news_tracker.render import (
    _PLAIN_WEB_LINK,
    ARCHIVE_HEADLINE_CHARS,
    ARCHIVE_POINTS,
    DESCRIPTION_CHARS,
    FAILURE_LABELS,
    FEED_ENTRIES,
    Renderer,
    _checked_web_link,
    clean_text,
    configured_shown_with,
    json_text,
    page_description,
    safe_href,
)
from ai_news_tracker.subscribers import (
    AROUND,
    DOMAIN_DOTS,
    InvalidAddress,
    normalise_address,
    space_or_control,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CONFIG = Config(leaderboard=LeaderboardConfig(provider="lmarena-history"))
SITE = "https://digest.example.cn"

HOSTILE = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "[click](javascript:alert(1))",
    "' onmouseover='alert(1)",
    "<style>body{display:none}</style><link rel=stylesheet href=//evil.example/x.css>",
    "</title></head><body><iframe src=javascript:alert(1)>",
    "]]></summary><entry><title>伪造</title>",
    "控制字符\x00\x01\x1b[31m\u202eevil\u202c\ufffe\U0001fffe\ud800 结束",
    "<!-- comment --><![CDATA[x]]>&lt;script&gt;&amp;",
]
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    'https://36kr.com/p/1?a="onmouseover="alert(1)',
    "https://example.com/\x85x",
    "https://36kr\u2064.com/p/1",  # INVISIBLE PLUS: the link shows as 36kr.com and goes elsewhere
    "https://36kr.com/p/1\U000e0041",  # a TAG character
    None,
]
SCORES = {
    "gemini-3-pro": 1500.0,
    "qwen3-max": 1480.0,
    "glm-4.6": 1470.0,
    "deepseek-v3.2": 1460.0,
    "kimi-k2": 1440.0,
}


def item(n: int, *, title: str = "", text: str = "", url: str | None = "https://36kr.com/p/1") -> Item:
    return Item(
        id=f"id{n:05d}",
        identity=f"identity{n}",
        source="36Kr",
        title=title or f"第 {n} 条资讯",
        text=text or f"第 {n} 条资讯的正文。",
        url=url,
        published_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC) - timedelta(minutes=n),
        first_seen=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
    )


def edition(
    day: date = date(2026, 11, 20),
    *,
    items: tuple[Item, ...] = (),
    key_points: tuple[str, ...] = ("要点一", "要点二"),
    scores: dict[str, float] | None = None,
    sources: tuple[SourceStatus, ...] = (SourceStatus("36Kr", "ok"),),
) -> Edition:
    cutoff = datetime(day.year, day.month, day.day, 0, 0, 7, tzinfo=UTC)
    return Edition(
        date=day,
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=cutoff,
        window_start=None,
        window_end=cutoff,
        key_points=key_points,
        items=items or (item(1), item(2)),
        sources=sources,
        leaderboard=build_leaderboard("lmarena-history", scores or SCORES, date(2026, 11, 15), 2, 10),
        leaderboard_status=SourceStatus("LM Arena", "ok"),
    )


def hostile_edition(day: date = date(2026, 11, 20)) -> Edition:
    items = tuple(
        replace(item(n, title=text, text=text, url=HOSTILE_URLS[n % len(HOSTILE_URLS)]), source=text)
        for n, text in enumerate(HOSTILE, start=1)
    )
    scores = {f"qwen-{text}": 1400.0 + n for n, text in enumerate(HOSTILE)} | SCORES
    failed = tuple(SourceStatus(text, "http_error", text) for text in HOSTILE[:3])
    return replace(
        edition(day, items=items, key_points=tuple(HOSTILE), scores=scores, sources=failed),
        title="日报<script>alert(1)</script>",
    )


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(CONFIG, TEMPLATES)


def test_every_output_of_a_hostile_edition_can_be_written_as_utf8(renderer: Renderer) -> None:
    # Given an edition whose texts hold lone surrogates among other hostile characters
    ed = hostile_edition()
    summaries = [EditionSummary(ed.date, ed.title, ed.generated_at, ed.key_points, len(ed.items))]

    # When every output is rendered, Then each one is valid UTF-8 text: no surrogate is left in any
    outputs = [renderer.markdown(ed), renderer.json(ed), renderer.html(ed), renderer.feed(summaries)]
    for output in outputs:
        assert not any("\ud800" <= c <= "\udfff" for c in output)
        output.encode("utf-8")


# -- autoescaping -----------------------------------------------------------------------------------
def test_templates_named_html_j2_and_xml_j2_are_autoescaped(tmp_path: Path) -> None:
    for name in ("probe.html.j2", "probe.xml.j2", "probe.md.j2", "probe.json.j2"):
        (tmp_path / name).write_text("{{ value }}", encoding="utf-8")
    env = Renderer(CONFIG, tmp_path).env
    value = "<script>\"&'</script>"
    assert env.get_template("probe.html.j2").render(value=value) == (
        "&lt;script&gt;&#34;&amp;&#39;&lt;/script&gt;"
    )
    assert (
        env.get_template("probe.xml.j2").render(value=value) == "&lt;script&gt;&#34;&amp;&#39;&lt;/script&gt;"
    )
    assert env.get_template("probe.md.j2").render(value=value) == value  # escaped by its own filters
    assert env.get_template("probe.json.j2").render(value=value) == value


@pytest.mark.parametrize("kind", ["edition", "web"])
def test_a_view_s_keys_are_read_before_a_dict_s_attributes(tmp_path: Path, kind: str) -> None:
    # Given a view whose keys are named as a dict's methods, and a value that is no dict
    probe = "{{ view.items }} {{ view.get }} {{ item.source }}"
    (tmp_path / "probe.md.j2").write_text(probe, encoding="utf-8")
    renderer = Renderer(CONFIG, tmp_path)
    env = renderer.env if kind == "edition" else renderer.web_env
    # Then the template prints the view's values, and reads the other value's attributes
    text = env.get_template("probe.md.j2").render(view={"items": 3, "get": "所得"}, item=item(1))
    assert text == f"3 所得 {item(1).source}"
    # And a key the view lacks is an error, as in any StrictUndefined environment
    with pytest.raises(UndefinedError):
        env.from_string("{{ view.title }}").render(view={"items": 3})


def test_the_web_environment_cleans_every_printed_string(tmp_path: Path) -> None:
    (tmp_path / "probe.html.j2").write_text("[{{ value }}]", encoding="utf-8")
    env = Renderer(CONFIG, tmp_path).web_env
    assert env.get_template("probe.html.j2").render(value="a\x00b\u202ec\n\nd <e>") == "[abc d &lt;e&gt;]"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("正常文本 AGI-Next 6.1mm", "正常文本 AGI-Next 6.1mm"),
        ("  多个\n\n空白\t字符  ", "多个 空白 字符"),
        ("a\x00\x07\x1b\x7f\x85b", "ab"),
        ("左\u202e右\u2066隔\u200f离", "左右隔离"),
        ("非字符\ufffe\uffff\U0001fffe\ufdd0", "非字符"),
        ("孤立代理\ud800\udfff", "孤立代理"),
        (None, ""),
        (42, "42"),
    ],
)
def test_clean_text(raw: object, clean: str) -> None:
    assert clean_text(raw) == clean


def reference_clean_text(value: object) -> str:
    """:func:`clean_text` as it was: the astral non-characters removed one character at a time."""
    text = "" if value is None else str(value)
    text = re.sub(
        "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
        "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]",
        lambda m: " " if m.group() in "\t\n\r\x0b\x0c\u2028\u2029" else "",
        text,
    )
    text = "".join(c for c in text if (ord(c) & 0xFFFE) != 0xFFFE)
    return re.sub(r"\s+", " ", text).strip()


NONCHARACTERS = [chr(plane | low) for plane in range(0, 0x110000, 0x10000) for low in (0xFFFE, 0xFFFF)]
# Characters drawn one by one and joined: st.text(alphabet=st.one_of(...)) merges the branches into
# one character range and would hardly ever produce the non-characters.
UNSAFE_SOUP = st.lists(
    st.one_of(
        st.sampled_from(NONCHARACTERS),
        st.sampled_from([chr(c) for c in (0xFDD0, 0xFDEF, 0xFFFD, 0xFFFC, 0xFEFF, 0x1FFFD)]),
        # letters and others above U+1FFFE, which are kept (CJK extension B, plane 3, a tag, private use)
        st.sampled_from([chr(c) for c in (0x20000, 0x2B740, 0x30000, 0xE0001, 0xF0000, 0x10FFFD)]),
        st.characters(max_codepoint=0xA0),  # C0, C1, DEL and whitespace
        st.characters(categories=["Cs", "Zl", "Zp", "Zs", "Cf"]),  # lone surrogates, separators, bidi
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(),
    ),
    max_size=120,
).map("".join)


@settings(max_examples=1000)
@given(UNSAFE_SOUP)
def test_clean_text_removes_what_the_character_loop_it_replaced_removed(text: str) -> None:
    assert clean_text(text) == reference_clean_text(text)


def test_every_printable_character_is_kept_as_the_rule_keeps_it() -> None:
    # Given every code point str.isprintable() accepts (the fast path of clean_text takes such texts
    # whole) and, for contrast, every one it refuses
    printable = "".join(chr(c) for c in range(0x21, 0x110000) if chr(c).isprintable())  # the space: below
    refused = "".join(chr(c) for c in range(0x110000) if not chr(c).isprintable())
    # Then the rule the fast path skips would have kept every printable one, and clean_text keeps them
    assert reference_clean_text(printable) == printable
    assert clean_text(printable) == printable
    assert clean_text(f" {printable}  x ") == f"{printable} x"
    # And a text holding any other character is cleaned as the rule says
    assert clean_text(printable + refused) == reference_clean_text(printable + refused)
    assert len(printable) > 100_000


def test_clean_text_removes_the_non_characters_of_every_plane() -> None:
    assert len(NONCHARACTERS) == 34
    assert clean_text("甲" + "".join(NONCHARACTERS) + "乙\U0010fffd") == "甲乙\U0010fffd"


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_safe_href_refuses_everything_but_http_and_https(url: str | None) -> None:
    href = safe_href(url)
    assert href in {"", 'https://36kr.com/p/1?a="onmouseover="alert(1)'}  # the quotes: escaped when printed


def test_safe_href_keeps_web_links_as_given() -> None:
    url = "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc"
    assert safe_href(url) == url
    assert safe_href("HTTP://Example.com/路径") == "HTTP://Example.com/路径"


@settings(max_examples=2000)
@given(st.from_regex(_PLAIN_WEB_LINK, fullmatch=True))
def test_a_link_of_the_plain_shape_is_passed_as_the_full_check_passes_it(url: str) -> None:
    # Given a link of the shape safe_href passes without parsing it (nearly every feed's)
    # Then the full check (safe_link, the scheme, reads_as_written) passes it unchanged too
    assert _checked_web_link(url) == url


@pytest.mark.parametrize(
    "url",
    ["HTTPS://36kr.com/p/1", "https://user@36kr.com/", "https://36kr.com:8443/p", "https://36kr.com\\@x.com/",
     "https://36kr.com/p/1 ", "https://36kr.com/p/新闻", "https://[::1]/p", "https:///p", "https://36kr.com/\t"],
)  # fmt: skip
def test_a_link_of_another_shape_is_checked_in_full(url: str) -> None:
    assert not _PLAIN_WEB_LINK.fullmatch(url)
    assert safe_href(url) == _checked_web_link(url)


def test_safe_href_remembers_links_and_keeps_markup_apart_from_text() -> None:
    url = "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc"
    assert [safe_href(url) for _ in range(3)] == [url] * 3
    # Markup equals its plain string, so a remembered answer would change its type either way
    plain = "https://36kr.com/p/1?a=1&b=2"
    marked = safe_href(Markup("https://36kr.com/p/1?a=1&b=2"))
    assert marked == plain and isinstance(marked, Markup)
    assert type(safe_href(plain)) is str  # escaped when printed, as before
    assert safe_href(Markup("javascript:alert(1)")) == ""
    assert safe_href(["https://example.com/"]) == ""  # unhashable: refused, not a TypeError


# -- the edition page -------------------------------------------------------------------------------
def test_the_edition_page_is_valid_html5_and_shows_the_edition(renderer: Renderer) -> None:
    page = renderer.html(edition())
    tree = strict_parse(page)
    assert tree.find(".//title").text == "2026-11-20 国产大模型日报"
    assert tree.find(".//h1").text == "2026-11-20 国产大模型日报"
    assert [li.text for li in tree.iterfind(".//ol[@class='points']/li")] == ["要点一", "要点二"]
    assert [h.find("a").text for h in tree.iterfind(".//article/h3")] == ["第 1 条资讯", "第 2 条资讯"]
    assert audit(page) == []
    # Everything it links is relative: the stylesheet, the archive, the feed, its other formats
    assert [(link.get("rel"), link.get("href")) for link in tree.iterfind(".//head/link")] == [
        ("icon", "../assets/favicon.svg"),
        ("stylesheet", "../assets/style.css"),
        ("alternate", "../feed.xml"),
        ("alternate", "2026-11-20.md"),
        ("alternate", "2026-11-20.json"),
    ]


def test_the_leaderboard_is_two_real_tables(renderer: Renderer) -> None:
    tree = strict_parse(renderer.html(edition()))
    tables = tree.findall(".//table")
    assert len(tables) == 2
    headers = [[th.text for th in t.iterfind("./thead/tr/th")] for t in tables]
    assert headers == [["排名", "模型", "ELO 分数"], ["全球排名", "模型", "ELO 分数"]]
    rows = [[cell.text for cell in tr] for tr in tables[1].iterfind("./tbody/tr")]
    assert rows == [
        ["2", "qwen3-max", "1480"],
        ["3", "glm-4.6", "1470"],
        ["4", "deepseek-v3.2", "1460"],
        ["5", "kimi-k2", "1440"],
    ]
    # And each row's header is its model: a screen reader names it with each cell of the row
    body_rows = [tr for table in tables for tr in table.iterfind("./tbody/tr")]
    assert {tuple(cell.tag for cell in tr) for tr in body_rows} == {("td", "th", "td")}
    assert {tr.find("th").get("scope") for tr in body_rows} == {"row"}


def test_the_domestic_table_shows_the_movements_since_the_previous_edition(renderer: Renderer) -> None:
    previous = edition(date(2026, 11, 19))
    moved = SCORES | {"deepseek-v3.2": 1490.0, "minimax-m2": 1450.0}
    del moved["kimi-k2"]
    page = renderer.html(edition(scores=moved), previous)
    tree = strict_parse(page)
    domestic = tree.findall(".//table")[1]
    assert [th.text for th in domestic.iterfind("./thead/tr/th")][-1] == "变化"
    assert "2026-11-19" in "".join(domestic.find("caption").itertext())
    cells = {tr.find("th").text: tr.find("td[@class='move']/span") for tr in domestic.iterfind("./tbody/tr")}
    shown = {model: span.find("span[@aria-hidden='true']") for model, span in cells.items()}
    assert {model: (cells[model].get("class"), symbol.text) for model, symbol in shown.items()} == {
        "deepseek-v3.2": ("up", "↑2"),
        "qwen3-max": ("down", "↓1"),
        "glm-4.6": ("down", "↓1"),
        "minimax-m2": ("new", "新"),
    }
    # And the movement is said in words to screen readers, once: the symbol is hidden from them (no
    # "↑2 上升 2 位…"), and no title repeats it
    hidden = cells["deepseek-v3.2"].find("span[@class='visually-hidden']")
    assert hidden is not None and hidden.text == " 上升 2 位（上期第 4 名）"
    assert cells["deepseek-v3.2"].get("title") is None
    # And the page links the previous edition
    assert tree.find(".//a[@rel='prev']").get("href") == "2026-11-19.html"


def test_without_a_previous_leaderboard_there_is_no_movement_column(renderer: Renderer) -> None:
    previous = replace(edition(date(2026, 11, 19)), leaderboard=None)
    tree = strict_parse(renderer.html(edition(), previous))
    domestic = tree.findall(".//table")[1]
    assert [th.text for th in domestic.iterfind("./thead/tr/th")] == ["全球排名", "模型", "ELO 分数"]
    assert domestic.find("caption") is None


def test_latest_html_links_from_the_site_root(renderer: Renderer) -> None:
    tree = strict_parse(renderer.html(edition(), edition(date(2026, 11, 19)), at_root=True))
    links = {link.get("rel"): link.get("href") for link in tree.iterfind(".//head/link")}
    assert links["stylesheet"] == "assets/style.css"
    assert links["canonical"] == "reports/2026-11-20.html"
    assert tree.find(".//a[@rel='prev']").get("href") == "reports/2026-11-19.html"
    footer = [a.get("href") for a in tree.iterfind(".//footer//a")]
    assert footer == ["reports/2026-11-20.md", "reports/2026-11-20.json", "feed.xml"]


def test_an_unavailable_leaderboard_and_failed_sources_are_said(renderer: Renderer) -> None:
    failed = (SourceStatus("36Kr", "ok"), SourceStatus("机器之心", "timeout", "timed out"))
    broken = replace(
        edition(sources=failed),
        leaderboard=None,
        leaderboard_status=SourceStatus("LM Arena", "http_error", "502"),
    )
    page = renderer.html(broken)
    assert audit(page) == []
    assert "排行榜暂不可用: 服务器报错" in page and "<table" not in page
    markdown = renderer.markdown(broken)
    assert "502" not in markdown and "排行榜暂不可用: 服务器报错" in markdown
    assert renderer.json_payload(broken)["sources"][-1]["error"] == "502"
    assert "本期部分来源未能获取: 机器之心（超时）、LM Arena（服务器报错）" in page


def test_the_json_leaderboard_keeps_its_shape_when_it_is_unavailable(renderer: Renderer) -> None:
    # Given an edition whose leaderboard could not be fetched
    broken = replace(
        edition(), leaderboard=None, leaderboard_status=SourceStatus("LM Arena", "http_error", "502")
    )
    # Then a script reading the JSON finds the same keys, empty, and why
    board = json.loads(renderer.json(broken))["leaderboard"]
    assert board["available"] is False and board["error"] == "502"
    assert (board["global_top"], board["domestic"], board["snapshot_date"]) == ([], [], None)
    whole = json.loads(renderer.json(edition()))["leaderboard"]
    assert set(board) == set(whole) and whole["available"] is True and whole["error"] is None
    assert whole["date_basis"] == "file" and whole["global_top"]


@pytest.mark.parametrize(
    ("board", "word", "error"),
    [
        (
            LeaderboardConfig(provider="lmarena-history", enabled=False),
            "排行榜已停用",
            "leaderboard disabled",
        ),
        (None, "未配置排行榜", "no leaderboard configured"),
    ],
    ids=["disabled", "not-configured"],
)
def test_an_edition_without_a_leaderboard_says_whether_it_was_turned_off(
    board: LeaderboardConfig | None, word: str, error: str
) -> None:
    # Given an edition built with the leaderboard turned off (as the runbook says for a failing one),
    # or with no [leaderboard] section
    config = Config(leaderboard=board)
    built = replace(
        edition(), leaderboard=None, leaderboard_status=None, shown_with=configured_shown_with(config)
    )
    renderer = Renderer(CONFIG, TEMPLATES)  # rendered later, whatever the configuration says then
    # Then every format says which, and the JSON too
    assert f"*排行榜暂不可用: {word}*" in renderer.markdown(built)
    assert f"排行榜暂不可用: {word}" in renderer.html(built)
    text, html = email_bodies(built, CONFIG)
    assert word in text and word in html
    assert json.loads(renderer.json(built))["leaderboard"]["error"] == error


def test_an_item_without_a_safe_link_is_shown_without_one(renderer: Renderer) -> None:
    page = renderer.html(edition(items=(item(1, url="javascript:alert(1)"), item(2, url=None))))
    tree = strict_parse(page)
    assert [h.text for h in tree.iterfind(".//article/h3")] == ["第 1 条资讯", "第 2 条资讯"]
    assert tree.findall(".//article//a") == []
    assert "阅读原文" not in page


def test_a_truncated_text_ends_with_an_ellipsis(renderer: Renderer) -> None:
    long = item(1, text="长" * 400)
    page = renderer.html(edition(items=(long, item(2))))
    summaries = [p.text for p in strict_parse(page).iterfind(".//p[@class='summary']")]
    assert summaries == ["长" * 300 + "…", "第 2 条资讯的正文。"]


def test_a_text_shown_whole_after_its_byline_is_not_said_to_be_cut(renderer: Renderer) -> None:
    # Given a text of more than summary_chars (300) characters, of which a byline no format shows
    # leaves 290
    body = "智谱发布GLM-5，" * 29
    text = "机器之心报道 编辑：泽南 " + body
    assert len(text) > 300 > len(body)
    ed = edition(items=(item(1, text=text), item(2)))
    # Then the page shows the whole of it without "…"
    summaries = [p.text for p in strict_parse(renderer.html(ed)).iterfind(".//p[@class='summary']")]
    assert summaries[0] == body
    # And the JSON gives the whole of it and says it is not cut, as the email shows it
    shown = json.loads(renderer.json(ed))["items"][0]
    assert (shown["summary"], shown["summary_truncated"]) == (body, False)
    assert item_summary(ed.items[0], CONFIG.report.summary_chars) == body


# -- hostile text in every page ---------------------------------------------------------------------
def test_hostile_feed_text_never_becomes_markup_in_the_edition_page(renderer: Renderer) -> None:
    hostile = hostile_edition()
    for page in (
        renderer.html(hostile),
        renderer.html(hostile, hostile_edition(date(2026, 11, 19))),
        renderer.html(hostile, at_root=True),
    ):
        assert audit(page) == []
        tree = strict_parse(page)
        # the text is all there, as text
        titles = ["".join(h.itertext()) for h in tree.iterfind(".//article/h3")]
        assert titles == [clean_text(text) for text in HOSTILE]
        # and the only links to other sites are the safe ones
        assert external_links(tree) == {
            "https://lmarena.ai/",
            "https://github.com/nakasyou/lmarena-history",
            'https://36kr.com/p/1?a="onmouseover="alert(1)',
        }


def test_stories_reported_before_are_listed_as_text_with_safe_links_and_their_day(renderer: Renderer) -> None:
    # Given an edition whose stories reported before carry hostile titles, outlets and links
    repeats = tuple(
        Repeat(replace(item(n, title=text, text="", url=HOSTILE_URLS[n % len(HOSTILE_URLS)]), source=text),
               date(2026, 11, 19), f"id{n}")
        for n, text in enumerate(HOSTILE, start=1)
    )  # fmt: skip
    ed = replace(edition(), repeats=repeats)
    for page, reports in ((renderer.html(ed), ""), (renderer.html(ed, at_root=True), "reports/")):
        # Then each is listed under 已报道事件的后续与转载, as text, linking to its first day's page
        assert audit(page) == []
        listed = strict_parse(page).find(".//ul[@aria-labelledby='reported']")
        assert ["".join(li.find("span/a").itertext()) for li in listed] == ["首见 11-19"] * len(HOSTILE)
        assert {li.find("span/a").get("href") for li in listed} == {f"{reports}2026-11-19.html"}
        assert all(
            clean_text(text) in "".join(li.itertext()) for li, text in zip(listed, HOSTILE, strict=True)
        )
        # And the only links to other sites are the safe ones
        assert 'https://36kr.com/p/1?a="onmouseover="alert(1)' in external_links(strict_parse(page))
        assert not any("javascript" in link.lower() for link in external_links(strict_parse(page)))


def markdown_table(markdown: str, heading: str) -> list[list[str]]:
    """The cells of each row of the table under ``heading``, split at the pipes that are not escaped."""
    lines = markdown.split(heading + "\n", 1)[1].splitlines()[3:]
    rows = lines[: next(n for n, line in enumerate(lines) if not line.startswith("|"))]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_hostile_model_names_keep_both_markdown_tables_three_columns(renderer: Renderer) -> None:
    # Given hostile model names ranked first overall, one of them recognised as Chinese
    scores = {"gpt|5 <b>x</b>": 1600.0, "qwen-evil|x <i>": 1590.0} | SCORES
    markdown = renderer.markdown(edition(scores=scores))
    # Then each row of the global Top table and of the domestic table has its three cells, the name
    # whole in the second
    assert markdown_table(markdown, "### 全球 Top 2") == [
        ["1", r"gpt\|5 \<b\>x\</b\>", "1600"],
        ["2", r"qwen-evil\|x \<i\>", "1590"],
    ]
    assert markdown_table(markdown, "### 国产模型排名")[0] == ["2", r"qwen-evil\|x \<i\>", "1590"]


def test_hostile_feed_text_never_becomes_markup_in_the_archive(renderer: Renderer) -> None:
    page = renderer.index([hostile_edition().summary(), edition(date(2026, 11, 19)).summary()])
    assert audit(page) == []
    points = ["".join(li.itertext()) for li in strict_parse(page).iterfind(".//ol/li")]
    assert points == [clean_text(text) for text in HOSTILE] + ["要点一", "要点二"]
    # Nor as an older day's line, with its first point
    old = replace(hostile_edition().summary(), date=date(2025, 1, 1))
    page = renderer.index([old, *summaries(date(2026, 1, 1), ARCHIVE_POINTS)])
    assert audit(page) == []
    (line,) = strict_parse(page).iterfind(".//ol[@class='days']/li")
    assert line.find("span").tail is None and "".join(line.itertext()).endswith(clean_text(HOSTILE[0]))


def test_hostile_feed_text_stays_text_in_the_feed(renderer: Renderer) -> None:
    xml = renderer.feed([hostile_edition().summary()])
    ET.fromstring(xml.encode("utf-8"))  # noqa: S314 - well-formed XML (our own output)
    parsed = feedparser.parse(xml)
    assert parsed.version == "atom10" and not parsed.bozo
    (entry,) = parsed.entries
    assert entry.summary == "\n".join(f"{n}. {clean_text(p)}" for n, p in enumerate(HOSTILE, start=1))
    assert entry.title == "2026-11-20 日报<script>alert(1)</script>"  # the title as text
    content = entry.content[0]
    assert content.type == "application/xhtml+xml"
    assert audit(f"<!DOCTYPE html><title>x</title>{content.value}") == []


# Control, bidi and non-characters, a line break and a lone surrogate: what clean_text removes.
UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)


def json_strings(value: object) -> list[str]:
    """Every string of a JSON value, its keys' values at any depth."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for inner in value.values() for text in json_strings(inner)]
    if isinstance(value, list):
        return [text for inner in value for text in json_strings(inner)]
    return []


def test_the_json_edition_gives_feed_text_as_every_other_format_prints_it(renderer: Renderer) -> None:
    # Given an edition whose titles, texts, outlets, errors, key points and model names are hostile, and
    # so are a stored item's id and other outlet, and those of a story listed and of one reported before
    ed, evil = hostile_edition(), HOSTILE[9]
    told_twice = replace(ed.items[0], id=evil, also_in=(evil,), also_urls=("https://36kr.com/p/2",))
    listed = replace(item(90, title=evil, text=""), id=evil, source=evil, also_in=(evil,))
    before = Repeat(listed, date(2026, 11, 19), reported_item=evil)
    ed = replace(ed, items=(told_twice, *ed.items[1:]), more=(listed,), repeats=(before,))
    payload = json.loads(renderer.json(ed))
    # Then no string of the JSON holds an ANSI escape, a bidi override or any other unprintable character
    assert [text for text in json_strings(payload) if UNPRINTABLE.search(text)] == []
    # And each value reads as the page shows it: cleaned, not dropped
    assert [i["title"] for i in payload["items"]] == [clean_text(text) for text in HOSTILE]
    assert payload["key_points"] == [clean_text(text) for text in HOSTILE]
    assert [s["error"] for s in payload["sources"][:3]] == [clean_text(text) for text in HOSTILE[:3]]
    assert "qwen-" + clean_text(HOSTILE[9]) in [r["model"] for r in payload["leaderboard"]["domestic"]]
    assert payload["items"][9]["summary"] == "控制字符[31mevil 结束"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=500)
@given(JSON_VALUES)
def test_the_json_layout_reads_back_as_the_value_it_was_given(value: object) -> None:
    assert json.loads(json_text(value, ensure_ascii=False)) == value


def test_the_json_edition_gives_each_item_and_source_a_line_of_its_own(renderer: Renderer) -> None:
    # Given an edition of three items
    ed = edition(items=(item(1), item(2), item(3)))
    # When it is rendered as JSON
    text = renderer.json(ed)
    payload = json.loads(text)
    lines = text.splitlines()
    # Then the file is the edition's data, with each item and each source on one line, two spaces in
    assert len(payload["items"]) == 3
    for record in payload["items"] + payload["sources"]:
        assert f"    {json.dumps(record, ensure_ascii=False)}".replace("<", "\\u003c") in [
            line.rstrip(",") for line in lines
        ]
    # And every other value of the top level is a line of its own
    assert lines[0] == "{" and lines[-1] == "}"
    assert f'  "date": "{ed.date.isoformat()}",' in lines


def test_an_edition_shows_with_the_settings_it_was_built_with_whatever_the_configuration_now() -> None:
    # Given an edition built with 4-character summaries, no key points and a leaderboard named 甲榜
    # that is stale after a day, stored and read back
    built = ShownWith(4, 0, BoardShown("甲榜", 1, 10, "lmarena-history", "overall"))
    stored = Edition.from_dict(
        json.loads(json.dumps(replace(edition(key_points=()), shown_with=built).to_dict()))
    )
    assert stored.shown_with == built
    # When it is rendered under a configuration that says otherwise (the defaults: 300 characters, five
    # key points, LM Arena, 30 days)
    renderer = Renderer(CONFIG, TEMPLATES)
    payload = json.loads(renderer.json(stored))
    markdown = renderer.markdown(stored)
    text, _ = email_bodies(stored, CONFIG)
    # Then every format shows it as built
    body = stored.items[0].text
    assert payload["items"][0]["summary"] == body[:4] and payload["items"][0]["summary_truncated"]
    assert payload["leaderboard"]["stale"] is True
    assert "## 国产模型排行榜 (甲榜)" in markdown and "今日要点" not in markdown
    assert f"\n\n{body[:4]}\n\n" in markdown  # the text cut at 4, its trailing space kept
    assert "国产模型排行榜 (甲榜)" in text and "今日要点" not in text
    # And an edition stored before the settings were kept shows with the configuration's
    old = Edition.from_dict({k: v for k, v in stored.to_dict().items() if k != "shown_with"})
    assert old.shown_with is None
    assert json.loads(renderer.json(old))["items"][0]["summary"] == body[: CONFIG.report.summary_chars]


def test_a_summary_cut_shows_as_many_characters_however_many_unseen_ones_the_text_holds(
    renderer: Renderer,
) -> None:
    # Given an item whose text opens with a hundred ANSI escapes, then 400 visible characters
    text = "\x1b" * 100 + "模" * 400
    ed = edition(items=(item(1, text=text),))
    limit = CONFIG.report.summary_chars
    # Then every format shows summary_chars characters of it, not summary_chars less the escapes
    payload = json.loads(renderer.json(ed))
    assert payload["items"][0]["summary"] == "模" * limit and payload["items"][0]["summary_truncated"]
    assert "模" * limit in renderer.markdown(ed) and "模" * (limit + 1) not in renderer.markdown(ed)
    summary = strict_parse(renderer.html(ed)).find(".//p[@class='summary']")
    assert summary is not None and "".join(summary.itertext()) == "模" * limit + "…"


def test_a_summary_cut_never_ends_in_half_a_number(renderer: Renderer) -> None:
    # Given an item whose summary_chars-th character falls inside a year (36Kr's: 开封1988年)
    limit = CONFIG.report.summary_chars
    text = "模" * (limit - 3) + "1988年建成仿宋商业街"
    ed = edition(items=(item(1, text=text),))
    # Then every format shows it up to the year, not 198 (the Markdown as the sample: no "…")
    payload = json.loads(renderer.json(ed))
    assert payload["items"][0]["summary"] == "模" * (limit - 3) and payload["items"][0]["summary_truncated"]
    assert f"\n\n{'模' * (limit - 3)}\n\n" in renderer.markdown(ed)
    summary = strict_parse(renderer.html(ed)).find(".//p[@class='summary']")
    assert summary is not None and "".join(summary.itertext()) == "模" * (limit - 3) + "…"


def test_two_editions_rendered_by_one_process_each_show_their_own_items(renderer: Renderer) -> None:
    # Given the item views the Markdown and the page share (item_view, remembered), and a second
    # edition whose item has the same id and link, another text, and is shown in another zone
    first = edition(items=(item(1, text="第一版的正文。"),))
    second = replace(edition(items=(item(1, text="第二版的正文。"),)), timezone="Europe/London")
    # When a warm process renders one, then the other
    pages = [(renderer.markdown(ed), renderer.html(ed)) for ed in (first, second)]
    # Then each shows its own text and time, nothing of the other's
    assert all("第一版" in page and "第二版" not in page for page in pages[0])
    assert all("第二版" in page and "第一版" not in page for page in pages[1])
    assert all("2026-11-20 08:59" in page for page in pages[0])
    assert all("2026-11-20 00:59" in page for page in pages[1])


def test_a_stored_edition_whose_link_is_no_string_is_shown_without_it(
    renderer: Renderer, tmp_path: Path
) -> None:
    from ai_news_tracker.repository import RawRepository
    from ai_news_tracker.store import LocalStore

    # Given a stored edition a hand edit or a bad restore left with an item's link a list, and another
    # item's other outlet's link a list too: it still parses, as before item_view remembered views
    told_twice = replace(item(2), also_in=("机器之心",), also_urls=("https://www.jiqizhixin.com/a",))
    data = edition(items=(item(1), told_twice)).to_dict()
    data["items"][0]["url"] = ["https://36kr.com/p/1"]
    data["items"][1]["also_urls"] = [["https://www.jiqizhixin.com/a"]]
    (tmp_path / "editions").mkdir()
    (tmp_path / "editions" / "2026-11-20.json").write_text(json.dumps(data), encoding="utf-8")
    # When it is loaded and its Markdown and page are rendered (a publish renders the day before's page)
    stored = RawRepository(LocalStore(tmp_path)).load_edition(date(2026, 11, 20))
    assert stored is not None
    md, page = renderer.markdown(stored), renderer.html(stored)
    # Then both show the two items, the link that is no string left out (safe_href's rule, as the JSON
    # does), never a TypeError from a remembered view's key
    assert "第 1 条资讯" in md and "第 2 条资讯" in md and "第 1 条资讯" in page and "第 2 条资讯" in page
    assert json.loads(renderer.json(stored))["items"][0]["url"] is None


def test_the_page_s_machine_readable_times_are_to_the_second(renderer: Renderer) -> None:
    # Given an edition built at the clock's time (microseconds), its item first seen then too
    now = datetime(2026, 11, 20, 0, 0, 7, 993495, tzinfo=UTC)
    seen = replace(item(1), first_seen=now, published_at=None)
    more = replace(item(2), first_seen=now, published_at=None)  # a story listed past max_items
    ed = replace(edition(items=(seen,)), generated_at=now, window_end=now, more=(more,))
    # Then every <time datetime> is a valid HTML date-time: seconds, no six-digit fraction
    times = [t.get("datetime") for t in strict_parse(renderer.html(ed)).iter("time")]
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", t or "") for t in times), (
        times
    )


def test_a_leaderboard_name_in_the_configuration_is_text_in_the_markdown() -> None:
    from github_markdown import github_html

    # Given a configured leaderboard name with Markdown link and image syntax
    name = "[LM Arena](javascript:alert(1)) ![x](https://t.example/p.gif)"
    config = parse_config({"leaderboard": {"name": name}})
    # When the Markdown is rendered, Then its heading shows the name as written: no link, no image
    html = github_html(Renderer(config, TEMPLATES).markdown(edition()))
    (heading,) = re.findall(r"<h2>国产模型排行榜 .*</h2>", html)
    assert heading == f"<h2>国产模型排行榜 ({name})</h2>"


INVISIBLE = "\u202e\u2066\x1b\u200f"  # bidi controls and an escape: nothing a reader sees
# Characters no font shows, which no rule removes from a text: INVISIBLE SEPARATOR and PLUS, HANGUL
# FILLER (the classic blank name), MONGOLIAN VOWEL SEPARATOR, a variation selector, a TAG character.
FILLERS = "\u2063\u2064\u3164 \u180e\ufe0f\U000e0041"


@pytest.mark.parametrize("invisible", [INVISIBLE, FILLERS], ids=["controls", "fillers"])
def test_a_title_or_point_of_invisible_characters_alone_is_shown_as_none_in_every_format(
    renderer: Renderer, invisible: str
) -> None:
    # Given an item titled with bidi controls alone, and a key point of nothing else
    ed = replace(edition(items=(item(1, title=invisible), item(2))), key_points=(invisible, "要点一"))
    # Then the Markdown gives the item (无标题) as its heading, and no blank point: 要点一 is the first
    markdown = renderer.markdown(ed)
    assert "### (无标题)\n" in markdown and "### \n" not in markdown
    assert "\n1. 要点一\n" in markdown and "\n2. " not in markdown
    # And so does the page, its heading linked
    tree = strict_parse(renderer.html(ed))
    assert ["".join(h.itertext()) for h in tree.iterfind(".//article/h3")] == ["(无标题)", "第 2 条资讯"]
    assert ["".join(li.itertext()) for li in tree.find(".//section[@aria-labelledby='points']/ol")] == [
        "要点一"
    ]
    # And the archive, its description and the feed give the one point
    summary = ed.summary()
    index = strict_parse(renderer.index([summary]))
    assert ["".join(li.itertext()) for li in index.iterfind(".//ol/li")] == ["要点一"]
    (entry,) = feedparser.parse(renderer.feed([summary])).entries
    assert entry.summary == "1. 要点一"
    # And the JSON, which gives the title as every other format shows it, and no empty point
    payload = json.loads(renderer.json(ed))
    assert payload["key_points"] == ["要点一"] and payload["items"][0]["title"] == "(无标题)"
    # (the stories listed past the items shown in full and the repeats too)
    listed = replace(
        ed,
        more=(item(3, title=invisible),),
        repeats=(Repeat(item(4, title=invisible), date(2026, 11, 19), "x"),),
    )
    payload = json.loads(renderer.json(listed))
    assert payload["more_items"][0]["title"] == payload["reported_before"][0]["title"] == "(无标题)"
    # And a title's runs of spaces read as one, as on the page
    spaced = json.loads(renderer.json(replace(ed, items=(item(1, title="a \u202e b"),))))
    assert spaced["items"][0]["title"] == "a b"
    # And the page's description (search results, link previews) is the visible point, or the count
    assert page_description(ed) == "要点一"
    assert page_description(replace(ed, key_points=(invisible,))) == "本期 2 条资讯。"
    # And the email shows the item as (无标题), and no blank point
    text, html = email_bodies(ed, renderer.config)
    assert "(无标题)" in text and "(无标题)" in html and invisible not in text
    assert text.partition("【今日要点】")[2].partition("【")[0].strip() == "1. 要点一"
    # And an older day's line in the archive takes its first visible point
    old = replace(summary, date=date(2025, 1, 1))
    page = renderer.index([old, *summaries(date(2026, 1, 1), ARCHIVE_POINTS)])
    (line,) = strict_parse(page).iterfind(".//ol[@class='days']/li")
    assert "".join(line.itertext()).endswith("要点一")


# -- the archive ------------------------------------------------------------------------------------
def test_the_archive_lists_every_edition_newest_first_by_month(renderer: Renderer) -> None:
    days = [date(2026, 10, 31), date(2026, 11, 20), date(2026, 11, 1)]
    page = renderer.index([edition(d, key_points=(f"{d} 的要点",)).summary() for d in days])
    assert audit(page) == []
    tree = strict_parse(page)
    assert [h.text for h in tree.iterfind(".//section/h2")] == ["2026 年 11 月", "2026 年 10 月"]
    issues = tree.findall(".//article")
    assert [a.find("h3/a").get("href") for a in issues] == [
        "reports/2026-11-20.html",
        "reports/2026-11-01.html",
        "reports/2026-10-31.html",
    ]
    assert [a.find("ol/li").text for a in issues] == [
        "2026-11-20 的要点",
        "2026-11-01 的要点",
        "2026-10-31 的要点",
    ]
    assert "".join(issues[0].find("h3/a").itertext()) == "2026-11-20 星期五"
    assert tree.find(".//a[@class='button']").get("href") == "reports/2026-11-20.html"


def summaries(first: date, days: int, points: int = 5, point_chars: int = 60) -> list[EditionSummary]:
    """``days`` consecutive editions from ``first``, each with ``points`` key points of ``point_chars``
    characters (the default summarizer's longest), as a year or three of a daily digest has."""
    result = []
    for n in range(days):
        day = first + timedelta(days=n)
        texts = tuple((f"{day} 第{k}条要点：" + "国产大模型发布" * 20)[:point_chars] for k in range(points))
        cutoff = datetime(day.year, day.month, day.day, 0, 10, tzinfo=UTC)
        result.append(EditionSummary(day, "国产大模型日报", cutoff, texts, 30))
    return result


def test_a_long_archive_links_every_day_and_shows_the_points_of_the_newest_only(renderer: Renderer) -> None:
    # Given three years of daily editions, one day of them without key points, one with a long first one
    editions = summaries(date(2025, 1, 1), 3 * 365)
    pointless, long_first = date(2025, 6, 1), "某国产大模型发布新版本，" * 10
    flag_at_the_cut = "A" * (ARCHIVE_HEADLINE_CHARS - 1) + "\U0001f1e8\U0001f1f3 国产大模型出海"  # 🇨🇳
    points = {
        pointless: (),
        date(2025, 3, 14): (long_first, "第二条"),
        date(2025, 3, 15): ("短要点",),
        date(2025, 3, 16): (flag_at_the_cut,),
    }
    editions = [replace(s, key_points=points.get(s.date, s.key_points)) for s in editions]
    # When the archive is rendered
    page = renderer.index(list(reversed(editions)))
    assert audit(page) == []
    tree = strict_parse(page)
    # Then every day is linked exactly once, newest first
    days = sorted((s.date for s in editions), reverse=True)
    assert archive_links(tree) == [f"reports/{d}.html" for d in days]
    # And only the newest ARCHIVE_POINTS show their key points, five each
    issues = tree.findall(".//article")
    assert [a.find("h3/a/time").get("datetime") for a in issues] == [str(d) for d in days[:ARCHIVE_POINTS]]
    assert all(len(a.findall("ol/li")) == 5 for a in issues)
    assert len(tree.findall(".//ol[@class='points']/li")) == 5 * ARCHIVE_POINTS
    # And an older day is a line: its date, its weekday and its first point, cut with an ellipsis
    lines = {li.find("a/time").get("datetime"): li for li in tree.iterfind(".//ol[@class='days']/li")}
    line = lines["2025-03-14"]
    assert "".join(line.find("a").itertext()) == "2025-03-14 星期五"
    assert line.find("span[@class='headline']").text == long_first[:ARCHIVE_HEADLINE_CHARS] + "…"
    assert lines["2025-03-15"].find("span[@class='headline']").text == "短要点"  # a short one whole
    # (cut before a flag the cut falls in: half of it shows as a boxed letter)
    assert lines["2025-03-16"].find("span[@class='headline']").text == "A" * 39 + "…"
    assert "".join(lines[str(pointless)].itertext()).endswith("30 条资讯")


def test_a_long_archive_lists_its_months_by_year_linking_each_month_s_heading(renderer: Renderer) -> None:
    # Given editions from 2025-11-20 to 2027-02-03
    editions = summaries(date(2025, 11, 20), 441)
    # When the archive is rendered
    tree = strict_parse(renderer.index(editions))
    # Then the list at its top has a row per year, newest first, its months in calendar order
    rows = tree.findall(".//nav[@class='block months']/ul/li")
    assert [row.find("span").text for row in rows] == ["2027 年", "2026 年", "2025 年"]
    assert [[a.text for a in row.iterfind("ul/li/a")] for row in rows] == [
        ["1 月", "2 月"],
        [f"{m} 月" for m in range(1, 13)],
        ["11 月", "12 月"],
    ]
    # And each link leads to its month's heading, which holds that month's days
    headings = {h.get("id"): h for h in tree.iterfind(".//section/h2")}
    targets = [a.get("href") for a in tree.iterfind(".//nav//ul[@class='month-links']/li/a")]
    assert sorted(t.removeprefix("#") for t in targets) == sorted(headings) and len(headings) == 16
    assert headings["m2026-02"].text == "2026 年 2 月"


def test_an_archive_of_one_month_has_no_month_list(renderer: Renderer) -> None:
    tree = strict_parse(renderer.index(summaries(date(2026, 11, 1), 20)))
    assert tree.find(".//nav[@class='block months']") is None
    assert len(tree.findall(".//article")) == 20


def test_the_archive_grows_by_a_line_a_day_not_by_the_day_s_points(renderer: Renderer) -> None:
    # Given a year and three years of editions with five 60-character points each
    year = len(renderer.index(summaries(date(2025, 1, 1), 365)).encode("utf-8"))
    three_years = len(renderer.index(summaries(date(2025, 1, 1), 3 * 365)).encode("utf-8"))
    # Then each day past the newest adds well under half a kilobyte (its five points alone are 0.9 KB)
    assert (three_years - year) / (2 * 365) < 400
    assert three_years < 450_000


# -- the feed ---------------------------------------------------------------------------------------
def test_the_feed_is_atom_with_one_entry_per_edition(renderer: Renderer) -> None:
    days = [date(2026, 11, 18), date(2026, 11, 20), date(2026, 11, 19)]
    xml = renderer.feed([edition(d).summary() for d in days])
    parsed = feedparser.parse(xml)
    assert parsed.version == "atom10" and not parsed.bozo
    assert parsed.feed.id == "tag:ai-news-tracker,2026:feed"
    assert parsed.feed.updated == "2026-11-20T00:00:07Z"
    assert [e.id for e in parsed.entries] == [
        "tag:ai-news-tracker,2026:edition/2026-11-20",
        "tag:ai-news-tracker,2026:edition/2026-11-19",
        "tag:ai-news-tracker,2026:edition/2026-11-18",
    ]
    assert [e.updated for e in parsed.entries] == [
        f"{d}T00:00:07Z" for d in ("2026-11-20", "2026-11-19", "2026-11-18")
    ]
    assert all(e.updated_parsed.tm_hour == 0 for e in parsed.entries)
    # Without a site URL the links are relative (to the feed's own URL)
    assert parsed.entries[0].link == "reports/2026-11-20.html"
    assert parsed.entries[0].summary == "1. 要点一\n2. 要点二"


def test_feed_ids_are_stable_across_rebuilds_and_site_urls(renderer: Renderer) -> None:
    first = feedparser.parse(renderer.feed([edition(date(2026, 11, 19)).summary()]))
    both = [edition(date(2026, 11, 19)).summary(), edition(date(2026, 11, 20)).summary()]
    rebuilt = feedparser.parse(renderer.feed(both))
    moved = feedparser.parse(Renderer(_with_site(SITE), TEMPLATES).feed(both))
    assert first.entries[0].id == rebuilt.entries[1].id == moved.entries[1].id
    assert first.feed.id == rebuilt.feed.id == moved.feed.id
    assert renderer.feed(both) == renderer.feed(list(reversed(both)))  # the same bytes, whatever order


def test_two_installations_can_publish_feeds_a_reader_tells_apart() -> None:
    # Given a second installation that names its own feed id (RFC 4287: ids are universally unique;
    # a reader that keys entries by id would take one site's 2026-11-20 for the other's)
    days = [edition(date(2026, 11, 19)).summary(), edition(date(2026, 11, 20)).summary()]
    ours = replace(CONFIG, report=replace(ReportConfig(), feed_id="tag:digest.example.cn,2026:"))
    # When both render their feeds
    theirs = feedparser.parse(Renderer(CONFIG, TEMPLATES).feed(days))
    mine = feedparser.parse(Renderer(ours, TEMPLATES).feed(days))
    # Then no id is shared, and the configured one is the prefix of every id
    assert mine.feed.id == "tag:digest.example.cn,2026:feed"
    assert [e.id for e in mine.entries] == [
        "tag:digest.example.cn,2026:edition/2026-11-20",
        "tag:digest.example.cn,2026:edition/2026-11-19",
    ]
    ids = {theirs.feed.id, *(e.id for e in theirs.entries)}
    assert not ids & {mine.feed.id, *(e.id for e in mine.entries)}


def test_feed_id_is_an_optional_report_key() -> None:
    assert parse_config({}).report.feed_id == ""
    named = parse_config({"report": {"feed_id": "tag:news@example.org,2026-12-01:daily/"}})
    assert named.report.feed_id == "tag:news@example.org,2026-12-01:daily/"


@pytest.mark.parametrize(
    "feed_id",
    [
        "digest.example.cn",  # no tag URI
        "tag:digest.example.cn:",  # no date
        "tag:digest.example.cn,26:",  # not a year
        "tag:,2026:",  # no authority
        "tag:digest.example.cn,2026",  # nothing ends the prefix
        "tag:digest.example.cn,2026:a b",  # a space
        "tag:digest.example.cn,2026:<x>",  # markup in the feed's XML
        "https://digest.example.cn/",  # a URL changes with the site: the ids must not
        # characters no URI holds (RFC 3986; RFC 4287's atom:id is an IRI): a validator reports every id
        *(f"tag:digest.example.cn,2026:a{c}b/" for c in "[]\\^`{|}"),
        "tag:digest.example.cn,2026:a%zz/",  # a % not followed by two hex digits
        "tag:digest.example.cn,2026:a#b#c/",  # a second fragment
        "tag:a%b@example.org,2026:",  # RFC 4151: an address of letters, digits, ".", "-" and "_"
        "tag:digest.example.cn,\uff12\uff10\uff12\uff16:",  # full-width digits
    ],
)
def test_a_bad_feed_id_is_named(feed_id: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"report": {"feed_id": feed_id}})
    assert raised.value.key == "report.feed_id"


def test_with_a_site_url_the_feed_links_absolutely(renderer: Renderer) -> None:
    parsed = feedparser.parse(Renderer(_with_site(SITE + "/"), TEMPLATES).feed([edition().summary()]))
    assert not parsed.bozo
    assert parsed.entries[0].link == f"{SITE}/reports/2026-11-20.html"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": f"{SITE}/feed.xml", "alternate": f"{SITE}/index.html"}


def test_the_feed_holds_the_newest_editions_only(renderer: Renderer) -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(FEED_ENTRIES + 5)]
    parsed = feedparser.parse(renderer.feed([edition(d).summary() for d in days]))
    assert len(parsed.entries) == FEED_ENTRIES
    assert parsed.entries[-1].id.endswith(days[5].isoformat())


def test_a_feed_needs_an_edition(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="at least one edition"):
        renderer.feed([])


# -- the subscribe form ---------------------------------------------------------------------------
SUBSCRIBE = "https://abc123.execute-api.ap-northeast-1.amazonaws.com/subscribe"


def test_every_page_offers_the_subscribe_form_when_there_is_an_endpoint() -> None:
    # Given a deployment with a subscription endpoint
    renderer = Renderer(replace(CONFIG, report=ReportConfig(subscribe_url=SUBSCRIBE)), TEMPLATES)
    ed = edition()
    pages = {
        "edition": renderer.html(ed),
        "latest": renderer.html(ed, at_root=True),
        "archive": renderer.index([ed.summary()]),
    }
    for name, page in pages.items():
        # Then each page has a plain form that posts an email address to it, and stays valid HTML
        assert audit(page, subscribe_url=SUBSCRIBE) == [], name
        assert audit(page) == ["<form>"], name  # a form nobody expected is still caught
        (form,) = strict_parse(page).iterfind(".//form")
        assert (form.get("method"), form.get("action")) == ("post", SUBSCRIBE), name
        (field,) = form.iterfind(".//input")
        # (a text field with the email keyboard and autofill: see test_browser, type=email refuses ＠)
        typed = ("name", "type", "inputmode", "autocomplete", "required")
        assert [field.get(key) for key in typed] == ["email", "text", "email", "email", ""], name
        label = form.find(".//label")
        assert label is not None and label.get("for") == field.get("id"), name
        assert "<script" not in page, name
        # And the header's 订阅 leads to the form (the Atom feed is still linked from the head)
        nav = {a.text: a.get("href") for a in strict_parse(page).iterfind(".//nav/a")}
        assert nav["订阅"] == "#subscribe", name
        assert strict_parse(page).find(".//section[@id='subscribe']//form") is not None, name


def test_the_subscribe_field_reads_spaces_and_dots_as_the_server_does() -> None:
    def server_takes(value: str) -> bool:
        try:
            return bool(normalise_address(value))
        except InvalidAddress:
            return False

    # Given the subscribe field's pattern, anchored as a browser anchors it (Python's re reads its
    # classes and \u escapes as JavaScript does), and every character a reader could type (the BMP)
    renderer = Renderer(replace(CONFIG, report=ReportConfig(subscribe_url=SUBSCRIBE)), TEMPLATES)
    (field,) = strict_parse(renderer.index([edition().summary()])).iterfind(".//form//input")
    pattern = re.compile(str(field.get("pattern")))
    chars = [chr(code) for code in range(0x10000) if not 0xD800 <= code < 0xE000]
    # When each is typed between a domain's labels, inside a label, and around the address
    between = {c for c in chars if pattern.fullmatch(f"name@qq{c}com")}
    inside = {c for c in chars if not pattern.fullmatch(f"name@qq.c{c}om")}
    blanks = {c for c in chars if space_or_control(c)} | set(AROUND)
    around = {c for c in blanks if pattern.fullmatch(f"{c}name@qq.com{c}")}
    # Then the field reads a dot where the server does (its DOMAIN_DOTS, which IDNA reads as ".")
    assert between == set(DOMAIN_DOTS) == {c for c in chars if server_takes(f"name@qq{c}com")}
    # And refuses inside a label only what the server refuses there: a space, a control, a second @
    assert inside == {c for c in chars if space_or_control(c)} | {"@", "\uff20"}
    assert not any(server_takes(f"name@qq.c{c}om") for c in inside)
    # And takes around the address what the server strips (U+FEFF: a space to JavaScript's \s, not
    # to the server), and no other space
    assert around == set(AROUND) == {c for c in blanks if server_takes(f"{c}name@qq.com{c}")}


def test_without_an_endpoint_no_page_has_a_form(renderer: Renderer) -> None:
    ed = edition()
    for page in (renderer.html(ed), renderer.html(ed, at_root=True), renderer.index([ed.summary()])):
        assert strict_parse(page).find(".//form") is None
        nav = {a.text: a.get("href") for a in strict_parse(page).iterfind(".//nav/a")}
        # the header's link to subscribe is the Atom feed then, named so (a reader clicking 订阅
        # expects a form, not a feed's XML)
        assert nav["Atom 订阅"].endswith("feed.xml") and "订阅" not in nav


def test_subscribe_url_is_an_optional_report_key_checked_like_site_url() -> None:
    assert parse_config({}).report.subscribe_url == ""
    assert parse_config({"report": {"subscribe_url": SUBSCRIBE}}).report.subscribe_url == SUBSCRIBE
    for url in (
        "javascript:alert(1)",
        'https://x.example/"><script>',
        "x.example/subscribe",
        f"{SUBSCRIBE}?a=1",
    ):
        with pytest.raises(ConfigError) as raised:
            parse_config({"report": {"subscribe_url": url}})
        assert raised.value.key == "report.subscribe_url"


# -- configuration ----------------------------------------------------------------------------------
def _with_site(url: str) -> Config:
    return replace(CONFIG, report=ReportConfig(site_url=url))


def test_site_url_is_an_optional_report_key() -> None:
    assert parse_config({}).report.site_url == ""
    assert parse_config({"report": {"site_url": SITE}}).report.site_url == SITE
    assert parse_config({"report": {"site_url": "http://127.0.0.1:8000/digest/"}}).report.site_url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "digest.example.cn",
        "https://",
        f"{SITE}?x=1",
        f"{SITE}#top",
        f" {SITE}",
        f"{SITE}/?",  # empty, but every link built on it (…/?/reports/…) leads to the site's root
        f"{SITE}/#",
    ],
)
def test_a_bad_site_url_is_named(url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"report": {"site_url": url}})
    assert raised.value.key == "report.site_url"


@pytest.mark.parametrize(
    ("site_url", "root"), [("", "/"), (SITE + "/", SITE + "/")], ids=["no-site-url", "site-url"]
)
def test_the_not_found_page_links_by_the_site_s_base_from_any_path(site_url: str, root: str) -> None:
    # Given a site with a hostile title, served under CloudFront, which answers this page at any path
    config = replace(
        CONFIG, report=replace(ReportConfig(), title="日报<script>x</script>", site_url=site_url)
    )
    page = Renderer(config, TEMPLATES).not_found()
    # Then it is valid, inert HTML whose stylesheet and links resolve from /reports/2099-01-01.html too
    tree = strict_parse(page)
    assert audit(page) == []
    assert tree.find(".//h1").text == "页面不存在"
    assert tree.find(".//link[@rel='stylesheet']").get("href") == root + "assets/style.css"
    links = {a.text: a.get("href") for a in tree.iterfind(".//main//a")}
    assert links == {"阅读最新一期": root + "latest.html", "往期": root + "index.html"}


def test_an_edition_page_describes_itself_for_search_results_and_link_previews() -> None:
    # Given a site with an address, and an edition whose points are long and hostile
    config = replace(CONFIG, report=replace(ReportConfig(), site_url=SITE))
    long_points = (HOSTILE[0], "要点" * 100)
    page = Renderer(config, TEMPLATES).html(edition(key_points=long_points))
    tree = strict_parse(page)
    meta = {m.get("name") or m.get("property"): m.get("content") for m in tree.iterfind(".//head/meta")}
    # Then its description is its key points, one line, cut at 160 characters, and stays text
    assert meta["description"].startswith("<script>alert(1)</script>；要点要点")
    assert len(meta["description"]) == 160 and meta["description"].endswith("…")
    assert meta["og:description"] == meta["description"] and audit(page) == []
    assert (meta["og:title"], meta["og:type"]) == ("2026-11-20 国产大模型日报", "article")
    assert meta["og:url"] == f"{SITE}/reports/2026-11-20.html"
    # And without points it counts the items; without a site address it names no URL
    plain = strict_parse(Renderer(CONFIG, TEMPLATES).html(edition(key_points=())))
    meta = {m.get("name") or m.get("property"): m.get("content") for m in plain.iterfind(".//head/meta")}
    assert meta["description"] == "本期 2 条资讯。" and "og:url" not in meta


def test_a_pages_description_cut_within_a_flag_leaves_the_flag_out() -> None:
    # Given key points whose 159th character begins a flag (🇨🇳, two regional indicators)
    first = "国" * (DESCRIPTION_CHARS - 2) + "\U0001f1e8\U0001f1f3出海"
    # When the page's description is made (meta description and og:description: link previews)
    description = page_description(edition(key_points=(first,)))
    # Then the whole flag is left out before the "…", not a lone indicator shown as a boxed C
    assert description == "国" * (DESCRIPTION_CHARS - 2) + "…"


def test_every_failure_a_source_can_have_has_a_word_for_readers() -> None:
    # Readers see the failure's Chinese word, never the status code the JSON carries
    def failures(kind: type[SourceFailure]) -> list[type[SourceFailure]]:
        return [kind, *(k for sub in kind.__subclasses__() for k in failures(sub))]

    statuses = {kind.status for kind in failures(SourceFailure)} | {"not_fetched"}
    assert statuses - FAILURE_LABELS.keys() == set()


def test_a_stored_edition_is_shown_in_the_zone_it_was_built_in_after_the_timezone_changes() -> None:
    # Given an edition built in Shanghai, and the report's timezone changed since to Los Angeles
    ed = edition()
    moved = Renderer(
        replace(CONFIG, report=replace(CONFIG.report, timezone="America/Los_Angeles")), TEMPLATES
    )
    shanghai = Renderer(CONFIG, TEMPLATES)
    # When it is published again, Then every format shows the same times as when it was built
    assert moved.markdown(ed) == shanghai.markdown(ed)
    assert moved.json(ed) == shanghai.json(ed)
    assert moved.html(ed) == shanghai.html(ed)
    assert "更新时间: 2026-11-20 08:00:07*" in moved.markdown(ed)
    assert edition_view(ed, moved.config)["generated_second"] == "2026-11-20 08:00:07"  # and the email


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/\u202etxt.exe",
        "https://exa\u200bmple.com/zw",
        "https://example.com/a\u00a0b",
        "https://example.com/\U0001f468\u200d\U0001f4bb",  # a joiner, even one an emoji text keeps
        "https://exa\xadmple.com/shy",
    ],
)
def test_the_markdown_links_only_what_the_web_and_the_email_link(renderer: Renderer, url: str) -> None:
    # Given an item whose link hides what it reads as
    ed = edition(items=(item(1, url=url), item(2)))
    # Then no edition links it: the Markdown neither, though it would show it percent-encoded
    markdown = renderer.markdown(ed)
    assert markdown.count("[阅读原文](") == 1 and "[阅读原文](https://36kr.com/p/1)" in markdown
    assert "阅读原文" not in strict_parse(renderer.html(edition(items=(item(1, url=url),)))).itertext()


def test_stories_past_the_list_are_counted_and_the_listed_ones_said_to_be_the_newer(
    renderer: Renderer,
) -> None:
    # Given an edition of two items in full, three more listed and 47 past the list
    listed = tuple(replace(item(n), text="") for n in range(3, 6))
    ed = replace(edition(), more=listed, unlisted=47)
    # Then the Markdown counts all 50 and says which are listed
    assert (
        "*另有 50 条相关资讯未列出（每期最多详列 2 条），其中较新的 3 条标题与链接见本期网页版和 JSON。*"
        in (renderer.markdown(ed))
    )
    # and the page says so at its head, lists the three and counts the rest
    page = renderer.html(ed)
    tree = strict_parse(page)
    assert "2 条资讯（另有 50 条见文末）" in "".join(tree.find(".//p[@class='meta']").itertext())
    # and that count leads to the list at the end (past every item's links, for a keyboard)
    (to_more,) = tree.iterfind(".//p[@class='meta']/a")
    assert to_more.get("href") == "#more" and tree.find(".//*[@id='more']").text == "更多资讯"
    assert len(tree.findall(".//ul[@class='more-list']/li")) == 3
    assert "另有 47 条较早的相关资讯未列出" in page
    assert audit(page) == []


def test_the_json_gives_only_the_links_every_other_format_links(renderer: Renderer) -> None:
    # Given items whose links hide an invisible or a bidi character, one shown in full and one listed
    hidden = item(1, url="https://exa\u200bmple.com/zw")
    listed = replace(item(3, url="https://example.com/\u202etxt.exe"), text="")
    ed = replace(edition(items=(hidden, item(2))), more=(listed,))
    # Then the JSON has no link for them either, and keeps the good one
    payload = renderer.json_payload(ed)
    assert [i["url"] for i in payload["items"]] == [None, "https://36kr.com/p/1"]
    assert [link["url"] for link in payload["items"][0]["links"]] == [None]
    assert [i["url"] for i in payload["more_items"]] == [None]


def test_the_archive_the_feed_and_the_description_count_the_stories_past_the_full_ones(
    renderer: Renderer,
) -> None:
    # Given an edition of two items in full, three listed and 42 past the list, without key points
    listed = tuple(replace(item(n), text="") for n in range(3, 6))
    ed = replace(edition(key_points=()), more=listed, unlisted=42)
    # Then the archive, the Atom feed and the page's description say there are 45 more
    assert "2 条资讯（另有 45 条）" in "".join(strict_parse(renderer.index([ed.summary()])).itertext())
    assert "本期 2 条资讯，另有 45 条相关资讯，" in renderer.feed([ed.summary()])
    assert 'content="本期 2 条资讯，另有 45 条相关资讯。"' in renderer.html(ed)
    # and an edition without more says it as before
    assert "本期共 2 条资讯，" in renderer.feed([edition(key_points=()).summary()])


def test_the_json_lists_the_more_stories_in_the_zone_of_the_edition(renderer: Renderer) -> None:
    listed = replace(item(3), text="")
    payload = renderer.json_payload(replace(edition(), more=(listed,), unlisted=1))
    assert payload["more_items"][0]["first_seen"] == "2026-11-20T10:00:00+08:00"
    assert payload["unlisted"] == 1


def test_the_json_counts_a_source_s_stories_listed_past_the_full_ones(renderer: Renderer) -> None:
    # Given a busy day: 36Kr's two stories shown in full, 机器之心's two only listed (更多资讯), one of
    # them also carried by 36Kr
    listed = (
        replace(item(3), source="机器之心", text=""),
        replace(item(4), source="机器之心", text="", also_in=("36Kr",), also_urls=("https://36kr.com/p/4",)),
    )
    sources = (SourceStatus("36Kr", "ok"), SourceStatus("机器之心", "ok"), SourceStatus("量子位", "ok"))
    payload = renderer.json_payload(replace(edition(sources=sources), more=listed))
    # Then each source counts every story it carried, and says how many of them are only listed:
    # 机器之心 brought news, it is not reported as bringing nothing
    counts = {s["name"]: (s["items"], s["more_items"]) for s in payload["sources"]}
    assert counts == {"36Kr": (3, 1), "机器之心": (2, 2), "量子位": (0, 0), "LM Arena": (5, 0)}


@pytest.mark.parametrize("zone", ["Nowhere/Zone", "Asia"])  # "Asia": a folder of zones, no zone
def test_an_edition_naming_a_zone_this_machine_lacks_is_shown_in_the_configured_one(
    renderer: Renderer, zone: str
) -> None:
    ed = replace(edition(), timezone=zone)
    assert "更新时间: 2026-11-20 08:00:07*" in renderer.markdown(ed)
    assert renderer.json_payload(ed)["generated_at"] == "2026-11-20T08:00:07+08:00"


def test_a_story_several_outlets_told_links_each_of_them_on_its_page(renderer: Renderer) -> None:
    # Given a story 36Kr and 新智元 told, and one whose second outlet gave no usable link
    told = replace(item(1), also_in=("新智元",), also_urls=("https://mp.weixin.qq.com/s/AbC",))
    unlinked = replace(item(2, url="https://36kr.com/p/2"), also_in=("机器之心",), also_urls=(None,))
    # and one whose first outlet gave no usable link but the second did
    linkless = replace(item(3, url=None), also_in=("新智元",), also_urls=("https://mp.weixin.qq.com/s/XyZ",))
    tree = strict_parse(renderer.html(edition(items=(told, unlinked, linkless))))
    # Then the first offers both articles, the second its own alone, the third the one there is
    links = [[(a.text, a.get("href")) for a in p.iterfind("a")] for p in tree.iterfind(".//p[@class='more']")]
    assert links == [
        [("阅读原文", "https://36kr.com/p/1"), ("新智元的报道", "https://mp.weixin.qq.com/s/AbC")],
        [("阅读原文", "https://36kr.com/p/2")],
        [("新智元的报道", "https://mp.weixin.qq.com/s/XyZ")],
    ]
    # And each is named after its story, so that a list of the page's links tells them apart
    names = [[a.get("aria-label") for a in p.iterfind("a")] for p in tree.iterfind(".//p[@class='more']")]
    assert names == [
        ["阅读原文：第 1 条资讯", "新智元的报道：第 1 条资讯"],
        ["阅读原文：第 2 条资讯"],
        ["新智元的报道：第 3 条资讯"],
    ]
