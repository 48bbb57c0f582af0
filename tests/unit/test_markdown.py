"""Escaping feed text and links for the Markdown edition (ai_news_tracker.markdown).

Two kinds of assertion: on the escaped string (every character that could open a construct arrives
with a backslash in front of it), and on what cmark-gfm, the renderer GitHub runs, makes of it: the
text shown exactly, in no element but its paragraph, heading or table cell, and links only where the
edition puts them.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from github_markdown import github_html
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_news_tracker.markdown import WORD_JOINER, escape_inline, escape_table_cell, link_target
from ai_news_tracker.text import clean_text, without_unsafe_characters

SOGOU_LINK = (
    "http://weixin.sogou.com/weixin?type=2&query=%E6%96%B0%E6%99%BA%E5%85%83+%E5%80%92%E5%8F%8D%E5%A4%A9"
    "%E7%BD%A1%EF%BC%81Claude%E3%80%8C%E5%8F%8D%E5%90%91%E3%80%8D%E6%93%8D%E6%8E%A7%E4%BA%BA%E7%B1%BB"
    "%EF%BC%8C%E5%85%AC%E5%8F%B8%E4%BC%B0%E5%80%BC%E5%86%B22%E4%B8%87%E4%BA%BF%E8%B7%83%E5%B1%85%E5%85"
    "%A8%E7%90%83%E7%AC%AC%E4%BA%8C"
)

HOSTILE = [
    ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
    ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
    ("![x](http://evil/x.png)", r"\!\[x\](http:\/\/evil/x.png)"),
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),
    ("https://evil.example/", r"https:\/\/evil.example/"),
    ("<https://evil.example/>", r"\<https:\/\/evil.example/\>"),
    ("ftp://evil.example/x", r"ftp:\/\/evil.example/x"),
    ("visit www.evil.example now", r"visit www\.evil.example now"),
    ("WWW.EVIL.EXAMPLE", r"WWW\.EVIL.EXAMPLE"),
    ("mail victim@evil.example", "mail victim\u2060@evil.example"),  # GFM links "victim\\@evil.example"
    ("mailto:a.b+c@evil.example", "mailto:a.b+c\u2060@evil.example"),
    ("xmpp:a@b.example/x", "xmpp:a\u2060@b.example/x"),
    ("a@.b.example", "a\u2060@.b.example"),
    ("**bold** and __bold__", r"\*\*bold\*\* and \_\_bold\_\_"),
    ("*em* _em_", r"\*em\* \_em\_"),
    ("~~strike~~", r"\~\~strike\~\~"),
    ("# heading", r"\# heading"),
    ("### 三级标题", r"\#\#\# 三级标题"),
    ("1. list", r"1\. list"),
    ("2026) list", r"2026\) list"),
    ("- item", r"\- item"),
    ("+ item", r"\+ item"),
    ("---", r"\---"),
    ("===", r"\==="),
    ("> quote", r"\> quote"),
    ("| a | b |", "| a | b |"),  # inert in a single-line paragraph or heading; escaped in cells
    ("`code`", r"\`code\`"),
    ("```", r"\`\`\`"),
    ("&lt;script&gt;", "&amp;lt;script&amp;gt;"),
    ("&#106;avascript", r"&amp;\#106;avascript"),
    ("[ref]: http://evil.example", r"\[ref\]: http:\/\/evil.example"),
    ("[^1] footnote", r"\[^1\] footnote"),
    ("trailing backslash \\", "trailing backslash \\\\"),
    ("already \\*escaped\\*", r"already \\\*escaped\\\*"),
    ("<!-- comment -->", r"\<!-- comment --\>"),
    ("line one\n\n# line two\n<b>", r"line one \# line two \<b\>"),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_escape_inline_neutralises_hostile_text(text: str, expected: str) -> None:
    assert escape_inline(text) == expected


def _unescaped(escaped: str, char: str) -> list[int]:
    """Positions of ``char`` not preceded by an odd number of backslashes."""
    positions = []
    for match in re.finditer(re.escape(char), escaped):
        backslashes = len(escaped[: match.start()]) - len(escaped[: match.start()].rstrip("\\"))
        if backslashes % 2 == 0:
            positions.append(match.start())
    return positions


@pytest.mark.parametrize(("text", "_expected"), HOSTILE)
def test_escaped_hostile_text_has_no_markdown_openers_left(text: str, _expected: str) -> None:
    # Given hostile feed text
    # When it is escaped
    escaped = escape_inline(text)
    # Then no construct can open: no bare link, image, HTML, emphasis, code, table or entity syntax
    for char in ("[", "]", "<", ">", "*", "_", "`", "~", "#"):
        assert _unescaped(escaped, char) == [], char
    assert "://" not in escaped
    assert not re.search(r"www\.", escaped, re.IGNORECASE)
    assert not re.search(r"[\w.+\-:]@", escaped)
    assert not re.search(r"&(?!amp;)(?=#?[0-9A-Za-z]+;)", escaped)
    assert "\n" not in escaped
    assert not re.match(r"[+=-]|\d+[.)](\s|$)", escaped)


@pytest.mark.parametrize(
    "text",
    [
        "让设计师成为“超级个体”，「iMuse.AI」想用虚拟研发破局服装行业的同质化困境",
        "1月10日，在AGI-Next前沿峰会上，清华大学教授、智谱创始人唐杰给出了一个关键判断",
        "尽管海外已经诞生了多家市值千亿美元级的 To B 公司",
        "2026年，AI 行业发展或将迎来分水岭",
        "荣耀Magic8 Pro Air的机身厚度仅6.1mm，重量只有155g",
        "WAIC首次“南下”：沪港握手2026“WAIC UP!全球年终盛会”，共揭AI对话新篇",
        "倒反天罡！Claude「反向」操控人类，公司估值冲2万亿跃居全球第二",
        "租了8张H100，他成功复现了DeepSeek的mHC",
        "deepseek-v3-0324",
        "qwen2.5-max",
        "GPT-4o (2024-05-13) vs. Claude 3.5: 50% 的差距",
        "@新智元 报道",
        "AT&T 与 R&D 部门的 Q&A",
        "终端设备&内容审核",
        "6.1mm",
        "2026.5 亿元",  # "2026." is a list marker only before a space or at the end
    ],
)
def test_ordinary_text_comes_through_unchanged(text: str) -> None:
    assert escape_inline(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  leading and\ttabs\nand newlines  ", "leading and tabs and newlines "),
        ("空中楼阁。 ", "空中楼阁。 "),  # the sample edition's cut keeps one trailing space
        ("a\u3000\xa0b", "a b"),
        ("", ""),
        ("2026.", r"2026\."),
        ("2026.5 亿", "2026.5 亿"),
        ("1)", r"1\)"),
        (" 1. after leading space", r"1\. after leading space"),
        ("-5% 下跌", r"\-5% 下跌"),
        ("a-b+c=d", "a-b+c=d"),
        ("!important", "!important"),
        ("AT&T;", "AT&amp;T;"),  # shaped like an entity reference: shown as written
        ("&nbsp;&#12354;&#x41;", r"&amp;nbsp;&amp;\#12354;&amp;\#x41;"),
        ("a & b;", "a & b;"),
        ("a@b", "a\u2060@b"),
    ],
)
def test_escape_inline_edges(text: str, expected: str) -> None:
    assert escape_inline(text) == expected


# Control characters (NUL, ESC of an ANSI colour, BEL, U+0001, DEL, C1), bidi overrides, isolates and
# marks, and non-characters: none has a place in a text file, and the web edition drops them too.
UNSAFE = "\x00\x1b\x07\x01\x7f\x9b\u202e\u202c\u2066\u2069\u061c\u200e\u200f\ufffe\uffff\U0001fffe\ud800"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("红色\x1b[31m警告\x07", r"红色\[31m警告"),
        ("NUL\x00 与 DEL\x7f", "NUL 与 DEL"),
        ("\x01开头", "开头"),
        ("\u202etxt.exe 文件", "txt.exe 文件"),
        ("\u2066隔离\u2069 \u200e标记\u200f", "隔离 标记"),
        ("非字符\ufffe\uffff\U0001fffe\U0010ffff", "非字符"),
        ("一行\u2028两行\u2029三行", "一行 两行 三行"),
        ("罕用字\U00020000", "罕用字\U00020000"),
        ("甲" + UNSAFE + "乙", "甲乙"),
    ],
)
def test_escape_inline_drops_control_bidi_and_non_characters(text: str, expected: str) -> None:
    assert escape_inline(text) == expected
    assert escape_table_cell(text) == expected


def test_the_markdown_edition_holds_no_control_bidi_or_non_character() -> None:
    # Given an edition whose every feed and leaderboard string holds control, bidi and non-characters
    from dataclasses import replace
    from datetime import date
    from pathlib import Path

    from editions import plain_edition

    from ai_news_tracker.config import Config, LeaderboardConfig
    from ai_news_tracker.leaderboard import build_leaderboard
    from ai_news_tracker.models import SourceStatus
    from ai_news_tracker.render import Renderer

    hostile = "标题\x1b[31m" + UNSAFE + "结束"
    base = plain_edition(1)
    ed = replace(
        base,
        title="日报" + UNSAFE,
        key_points=(hostile,),
        items=(replace(base.items[0], title=hostile, text=hostile, source="来源" + UNSAFE),),
        sources=(SourceStatus("来源" + UNSAFE, "ok"), SourceStatus("失败" + UNSAFE, "timeout", UNSAFE)),
        leaderboard=build_leaderboard(
            "lmarena-history", {"qwen" + UNSAFE: 1500.0}, date(2026, 11, 15), 2, 10
        ),
        leaderboard_status=SourceStatus("LM Arena", "ok"),
    )
    renderer = Renderer(
        Config(leaderboard=LeaderboardConfig()), Path(__file__).resolve().parents[2] / "templates"
    )
    # When its Markdown is rendered
    markdown = renderer.markdown(ed)
    # Then none of them is left (the file stays text: no NUL for git, no ANSI escape for a terminal),
    # and the text around them is all there
    assert not set(markdown) & set(UNSAFE)
    assert markdown.count(r"标题\[31m结束") == 3  # the key point, the item's title and its text
    assert "**来源**: 来源 |" in markdown and "失败（超时）" in markdown and "| qwen |" in markdown


def test_escape_table_cell_keeps_a_cell_whole() -> None:
    # Given a model name with a pipe (hostile leaderboard data)
    escaped = escape_table_cell("evil|model")
    # Then the pipe cannot end the cell, and ordinary names are unchanged
    assert escaped == r"evil\|model"
    assert escape_table_cell("gemini-2.5-pro-preview-05-06") == "gemini-2.5-pro-preview-05-06"
    assert escape_table_cell("glm-4-plus-0111") == "glm-4-plus-0111"


@pytest.mark.parametrize(
    "url",
    [
        SOGOU_LINK,
        "https://36kr.com/p/3646630011031426?f=rss",
        "https://www.jiqizhixin.com/articles/2026-01-20-2",
        "https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&mid=2650&idx=2&sn=abc&chksm=84e#rd",
        "https://lmarena.ai/",
        "https://a.example/p;x=1,2?q=a+b&r=$1*2!@3~_.-#frag",
        "https://[2001:db8::1]:8443/x",
    ],
)
def test_link_target_keeps_well_formed_urls_byte_for_byte(url: str) -> None:
    assert link_target(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/a b", "https://a.example/a%20b"),
        ("https://a.example/x)evil", "https://a.example/x%29evil"),
        ("https://a.example/(x)", "https://a.example/%28x%29"),
        ("https://a.example/<b>", "https://a.example/%3Cb%3E"),
        ('https://a.example/"t"', "https://a.example/%22t%22"),
        ("https://a.example/'t'", "https://a.example/%27t%27"),
        ("https://a.example/a\\b", "https://a.example/a%5Cb"),
        ("https://a.example/`c`", "https://a.example/%60c%60"),
        ("https://a.example/\n\t\x7f", "https://a.example/%0A%09%7F"),
        (
            "https://a.example/新闻?q=大模型",
            "https://a.example/%E6%96%B0%E9%97%BB?q=%E5%A4%A7%E6%A8%A1%E5%9E%8B",
        ),
        ("https://a.example/100%", "https://a.example/100%25"),
        ("https://a.example/%zz%4", "https://a.example/%25zz%254"),
        ("https://a.example/%E6%96%B0", "https://a.example/%E6%96%B0"),
        ("https://a.example/?a=1&amp;b=2&c=3", "https://a.example/?a=1&amp;amp;b=2&c=3"),
        ("https://a.example/&#106;&#x6A;", "https://a.example/&amp;#106;&amp;#x6A;"),
    ],
)
def test_link_target_encodes_what_could_break_out(url: str, expected: str) -> None:
    assert link_target(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example/s?a=1&amp;b=2",
        "https://a.example/&#106;avascript",
        "https://a.example/s?q=&#x1F;&#X41;",
        "https://a.example/s?c=&copy;&lt;&AMP;&x;",
        "https://a.example/s?a=1&b=2&c",  # no entity shape: kept as it is
        "https://a.example/s?a=%5C&amp;",  # an encoded backslash before it
    ],
)
def test_github_links_to_the_exact_url_whatever_entity_it_spells(url: str) -> None:
    # Given a URL with something shaped like an entity reference (CommonMark decodes those in a
    # link destination, so "&amp;" would link to "&", as no other edition does)
    # When GitHub renders the read-more link
    rendered = github_html(f"[阅读原文]({link_target(url)})")
    # Then its href is the URL itself
    (href,) = re.findall(r'<a href="([^"]*)">阅读原文</a>', rendered)
    assert html.unescape(href) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example/x) [y](javascript:alert(1)",
        "https://a.example/x\n\n<script>alert(1)</script>",
        'https://a.example/x "title"',
        "https://a.example/`x`\\",
    ],
)
def test_link_target_output_stays_inside_the_parentheses(url: str) -> None:
    # Given a URL built to escape from [text](url)
    target = link_target(url)
    # Then nothing in it can end the destination, start a title, or open HTML or code
    assert not re.search(r"[\s()<>\"'`\\]", target)
    assert target.isascii()


# -- the escaping table, as it was: str.translate (slow on CJK text), kept as the reference ---------
_REFERENCE_TABLE = {ord(c): "\\" + c for c in "\\`*_[]<>~#"}


def reference_escape_inline(text: str) -> str:
    """:func:`escape_inline` as it was written before the one regular expression replaced translate
    (with today's rules for ``&``, only where it could start an entity reference, and ``@``, and unsafe
    characters dropped)."""
    line = re.sub(r"\s+", " ", without_unsafe_characters(text)).lstrip()
    line = re.sub(r"&(?=#?[0-9A-Za-z]+;)", "&amp;", line)
    line = line.translate(_REFERENCE_TABLE)
    line = re.sub(r"!(?=\\\[)", r"\\!", line)
    line = line.replace("://", r":\/\/")
    line = re.sub(r"(www)\.", r"\1\\.", line, flags=re.IGNORECASE)
    line = re.sub(r"(?<=[0-9A-Za-z._+\-:])@", "\u2060@", line)
    line = re.sub(r"^[+=-]", r"\\\g<0>", line)
    return re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", line)


# What feed text is made of: Chinese, full-width punctuation, every Markdown special, the pieces of
# links and autolinks, list markers, and whitespace of every kind (newlines, ideographic space). The
# characters are drawn one by one and joined: st.text(alphabet=st.one_of(...)) merges the branches
# into one character range, which would seldom give the specials.
MARKDOWN_SOUP = st.lists(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("，。：；！？「」（）【】《》、…—"),
        st.sampled_from("\\`*_[]<>~#&!|@:/.()+-=0123456789wW"),
        st.sampled_from(" \t\n\r\x0b\x0c\xa0\u3000\u2028\u2029"),
        st.characters(codec="utf-8"),
    ),
    max_size=200,
).map("".join)
LINK_PIECES = (
    *("![", "](", "://", "www.", "WWW.", "a@b", "user@host.com", "&lt;", "&#106;"),
    *("1.", "2)", "- ", "+", "=", "**", "__", "``", "~~", "# ", "\\", "\n\n"),
    *("深度求索", "DeepSeek-V4", "36氪获悉，"),
)
PIECES = st.lists(st.sampled_from(LINK_PIECES)).map("".join)


@settings(max_examples=1000)
@given(st.one_of(MARKDOWN_SOUP, PIECES, st.text()))
def test_escape_inline_matches_the_translate_table_it_replaced(text: str) -> None:
    assert escape_inline(text) == reference_escape_inline(text)


# -- what GitHub's renderer makes of it (cmark-gfm with GitHub's extensions) ---------------------------
def shown(text: str) -> str:
    """What a reader must see of ``text``: control, bidi and non-characters gone, whitespace runs as one
    space, no ends, no word joiners (which are invisible; feed text never brings its own)."""
    return clean_text(text).replace(WORD_JOINER, "")


def rendered_text(markdown: str, tag: str) -> str:
    """The text of the one ``tag`` element GitHub renders ``markdown`` as; fails if it holds markup."""
    rendered = github_html(markdown)
    match = re.search(rf"<{tag}>(.*?)</{tag}>", rendered, re.DOTALL)
    if match is None:
        assert rendered.strip() in ("", f"<{tag}></{tag}>"), rendered
        return ""
    assert "<" not in match[1], rendered  # no element inside: no link, image, emphasis, code, HTML
    return html.unescape(match[1]).replace(WORD_JOINER, "")


EMAIL_SOUP = st.lists(
    st.sampled_from([*"ab1.+-_@:/&#;\\* 深", "mailto:", "xmpp:", "www.", "http://", "user@host.com"]),
    max_size=40,
).map("".join)
RENDERED_TEXTS = st.one_of(MARKDOWN_SOUP, PIECES, EMAIL_SOUP, st.text())


@pytest.mark.parametrize("text", [text for text, _ in HOSTILE])
def test_github_shows_hostile_text_as_plain_text(text: str) -> None:
    # Given hostile feed text, escaped
    # When GitHub renders it as a paragraph, a heading and a table cell
    # Then each shows exactly the text, with no link, image, emphasis, code or HTML in it
    assert rendered_text(escape_inline(text), "p") == shown(text)
    assert rendered_text("### " + escape_inline(text), "h3") == shown(text)
    table = "| 模型 |\n|---|\n| " + escape_table_cell(text) + " |\n"
    assert rendered_text(table, "td") == shown(text)


def test_github_makes_no_mail_link_of_an_address() -> None:
    # Given feed text with addresses (GFM links "a\@b.com" too: escapes are resolved before it looks)
    text = "商务合作 bd@evil.example，投稿 mailto:tips@evil.example 或 xmpp:chat@evil.example"
    # Then GitHub shows the addresses, and links none of them
    rendered = github_html(escape_inline(text))
    assert "<a" not in rendered
    assert rendered_text(escape_inline(text), "p") == text


@settings(max_examples=1500, deadline=None)
@given(RENDERED_TEXTS)
def test_github_shows_any_text_as_plain_text(text: str) -> None:
    assert rendered_text(escape_inline(text), "p") == shown(text)


@settings(max_examples=500, deadline=None)
@given(RENDERED_TEXTS)
def test_github_shows_any_title_and_cell_as_plain_text(text: str) -> None:
    assert rendered_text("### " + escape_inline(text), "h3") == shown(text)
    assert rendered_text("| 模型 |\n|---|\n| " + escape_table_cell(text) + " |\n", "td") == shown(text)


@pytest.mark.parametrize(
    "url",
    [
        SOGOU_LINK,
        "https://a.example/x) [y](javascript:alert(1)",
        "https://a.example/x\n\n<script>alert(1)</script>",
        'https://a.example/x "title"',
        "https://a.example/`x`\\",
        "https://a.example/新闻?q=大模型&r=<b>",
    ],
)
def test_github_links_the_read_more_label_to_the_url_and_nothing_else(url: str) -> None:
    # Given an item link, however crafted
    rendered = github_html(f"[阅读原文]({link_target(url)})")
    # Then GitHub renders one link, labelled 阅读原文, to the URL (percent-encoded where it must be)
    links = re.findall(r'<a href="([^"]*)">(.*?)</a>', rendered)
    assert len(links) == 1 and rendered.count("<") == 4, rendered  # <p><a …>…</a></p>
    href, label = links[0]
    assert label == "阅读原文"
    assert unquote(html.unescape(href)) == unquote(link_target(url))  # cmark also encodes "[", "]"
