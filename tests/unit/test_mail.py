"""The email edition (ai_news_tracker.mail): the MIME message over hostile feed text, its headers, the
102 KB fit, the outbox, SES errors, and "at most once per (edition, recipient)" in the sent log.

Editions are built directly from Item objects; the HTML part is audited with the stdlib parser.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from racing import ListsBeforeAnotherRun

from ai_news_tracker import mail, render
from ai_news_tracker.config import Config, EmailConfig, LeaderboardConfig, parse_config
from ai_news_tracker.errors import ConfigError, StorageError
from ai_news_tracker.mail import (
    HTML_LIMIT,
    MAX_ATTEMPTS,
    MailError,
    SendError,
    SesSender,
    bodies,
    build_confirmation,
    build_message,
    clean_line,
    message_bytes,
    outbox_key,
    plain_href,
    safe_href,
    send_edition,
    write_outbox,
)
from ai_news_tracker.models import Edition, Item, Leaderboard, RankedModel, Repeat, SourceStatus
from ai_news_tracker.store import LocalStore

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
DAY = date(2026, 11, 20)
WEB = "https://d111111abcdef8.cloudfront.net/reports/2026-11-20.html"
UNSUB = "https://api.example.com/unsubscribe?token=" + "t0K3n" * 30
MAILTO = "mailto:unsubscribe@example.com?subject=unsubscribe"
CONFIG = Config(
    email=EmailConfig(enabled=True, sender="国产大模型日报 <digest@example.com>", recipients=()),
    leaderboard=LeaderboardConfig(),
)

HOSTILE_TITLES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">点我</a>',
    "<style>body{background:url(https://evil.example/x.png)}</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "正常标题\x1b[31m\u202eevil\u202c with\r\nBcc: victim@example.com",
    "<iframe src=https://evil.example/></iframe><svg onload=alert(1)>",
    "' onmouseover='alert(1)",
]
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    'https://36kr.com/p/3001?a="onmouseover="alert(1)',
    "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc",
    None,
]


def item(
    n: int, *, title: str | None = None, url: str | None = "https://36kr.com/p/1", text: str = ""
) -> Item:
    return Item(
        id=f"id{n:05d}",
        identity=f"identity{n}",
        source="36Kr",
        title=f"新闻 {n}" if title is None else title,
        text=text or f"第 {n} 条资讯的正文。",
        url=url,
        published_at=NOW - timedelta(minutes=n),
        first_seen=NOW,
    )


def edition(items: list[Item] | tuple[Item, ...], **changes: Any) -> Edition:
    board = Leaderboard(
        provider="lmarena-history",
        snapshot_date=date(2026, 11, 15),
        global_top=(RankedModel(1, "gemini-3-pro", 1492.3), RankedModel(2, "<svg onload=alert(1)>", 1480.0)),
        domestic=(RankedModel(7, "glm-4.6", 1433.5), RankedModel(9, "qwen3-max\x00<b>", 1420.2)),
        models_ranked=40,
    )
    base = Edition(
        date=DAY,
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=NOW,
        window_start=None,
        window_end=NOW,
        key_points=("<script>alert('要点')</script>DeepSeek 发布新模型", "通义千问开源"),
        items=tuple(items),
        sources=(
            SourceStatus("36Kr", "ok"),
            SourceStatus("<img src=x onerror=alert(1)>新智元", "timeout", "read timed out"),
        ),
        leaderboard=board,
        leaderboard_status=SourceStatus("LM Arena", "ok"),
    )
    return replace(base, **changes)


def hostile_edition() -> Edition:
    items = [
        item(n, title=title, url=url, text=f"{title} 正文 <b onclick=alert(1)>x</b> {url}")
        for n, (title, url) in enumerate(zip(HOSTILE_TITLES, HOSTILE_URLS, strict=True))
    ]
    items.append(replace(item(99), source='<script src="https://evil.example/x.js"></script>'))
    return edition(items)


def message(ed: Edition, recipient: str = "reader@example.org", **kwargs: Any) -> EmailMessage:
    args: dict[str, Any] = {
        "recipient": recipient,
        "web_url": WEB,
        "unsubscribe_url": UNSUB,
        "unsubscribe_mailto": MAILTO,
        "templates_dir": TEMPLATES,
    }
    args.update(kwargs)
    return build_message(ed, CONFIG, **args)


def reparse(msg: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message_bytes(msg), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def audit(html: str) -> Audit:
    parser = Audit()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(html: str) -> Audit:
    """Nothing executable, nothing loaded from elsewhere, every link http(s)."""
    found = audit(html)
    assert not {"script", "img", "style", "link", "iframe", "object", "svg"} & set(found.tags)
    allowed = {"html", "head", "meta", "title", "body", "table", "tr", "td", "th", "h1", "h2", "h3"}
    allowed |= {
        "p",
        "a",
        "ol",
        "li",
        "br",
        "div",
        "span",
        "bdi",
    }  # div: the hidden preheader; span: a date kept whole; bdi: a right-to-left title or source isolated
    assert set(found.tags) <= allowed, set(found.tags) - allowed
    for tag, name, value in found.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert name not in {"src", "srcset", "background", "formaction", "action", "xlink:href"}, (tag, name)
        if name == "href":
            assert tag == "a" and urlsplit(value).scheme in {"http", "https"}, value
        if name == "style":
            lowered = value.lower()
            assert not any(s in lowered for s in ("url(", "expression(", "@import", "http", "//")), value
        if tag == "meta" and name == "http-equiv":
            assert value.lower() == "content-type"
    for comment in found.comments:  # only Outlook's conditional table, no hidden markup
        assert comment.startswith("[if mso]>") and "script" not in comment.lower()
    return found


# -- the message ------------------------------------------------------------------------------------
def test_hostile_feed_text_stays_text_in_the_html_part() -> None:
    ed = hostile_edition()
    _, html = bodies(message(ed))

    found = assert_inert(html)
    shown = "".join(found.text)
    assert "<script>alert(1)</script>" in shown  # shown as text, escaped, not dropped
    assert '"><img src=x onerror=alert(1)>' in shown
    assert "javascript:" not in " ".join(v for _, n, v in found.attrs if n == "href").lower()
    assert "\x1b" not in html and "\u202e" not in html and "\x00" not in html
    hrefs = {v for _, n, v in found.attrs if n == "href"}
    assert "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc" in hrefs
    assert "&amp;mid=1" in html  # the attribute is escaped in the source


def test_the_text_part_lists_every_item_with_source_time_and_safe_url() -> None:
    ed = hostile_edition()
    text, _ = bodies(message(ed))
    text = text.replace("\r\n", "\n")

    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    for it in ed.items:
        assert clean_line(it.title) in text.replace("\u2060", "")  # (links unlinked: WORD JOINERs)
        assert "2026-11-20 " in text
        if safe_href(it.url):
            assert f"   {plain_href(it.url)}\n" in text
    links = [line.strip() for line in text.split("\n") if re.match(r"\s*[A-Za-z][A-Za-z0-9+.-]*:\S", line)]
    assert links and all(urlsplit(link).scheme in {"http", "https"} for link in links), links
    numbered = re.findall(r"^(\d+)\. ", text.split("【详细资讯】")[1], flags=re.MULTILINE)
    assert numbered == [str(n) for n in range(1, len(ed.items) + 1)]
    assert "DeepSeek 发布新模型" in text and "通义千问开源" in text  # key points
    assert "1 | gemini-3-pro | 1492" in text and "7 | glm-4.6 | 1434" in text  # both tables
    assert "本期部分来源未能获取: <img src=x onerror=alert(1)>新智元（超时）" in text
    assert "数据日期: 2026-11-20" not in text and "数据日期: 2026-11-15" in text


# Control characters, bidi overrides, isolates and marks, and non-characters, as the web edition drops them.
UNSAFE = "\x00\x1b\x07\x01\x7f\x9b\u202e\u202c\u2066\u2069\u200e\u200f\ufdd0\ufffe\uffff\U0001fffe\U0010ffff"


def test_no_control_bidi_or_non_character_reaches_either_part() -> None:
    # Given an edition whose every feed and leaderboard string holds them
    hostile = "标题\x1b[31m" + UNSAFE + "结束"
    board = Leaderboard(
        provider="lmarena-history",
        snapshot_date=date(2026, 11, 15),
        global_top=(RankedModel(1, "qwen" + UNSAFE, 1492.3),),
        domestic=(RankedModel(1, "qwen" + UNSAFE, 1492.3),),
        models_ranked=40,
    )
    ed = edition(
        [replace(item(1, title=hostile, text=hostile), source="来源" + UNSAFE)],
        title="日报" + UNSAFE,
        key_points=(hostile,),
        sources=(SourceStatus("来源" + UNSAFE, "ok"), SourceStatus("失败" + UNSAFE, "timeout", UNSAFE)),
        leaderboard=board,
    )
    # When its email is built
    msg = reparse(message(ed))
    text, html = bodies(msg)
    # Then neither part nor the subject holds one of them, and the text around them is all there
    for part in (text, html):
        assert not set(part) & set(UNSAFE)
    assert text.count("标题[31m结束") == 3  # the key point, the item's title and its text
    assert html.count("标题[31m结束") == 5  # and the name of its 阅读原文 link, and the preheader
    assert msg["Subject"] == "2026-11-20 日报"
    assert "来源: 来源 |" in text and "失败（超时）" in text and "1 | qwen | 1492" in text


# Links that do not read as they are: a bidi override, a line separator, a no-break space, an invisible
# zero-width space or word joiner inside.
UNREADABLE_LINKS = [
    "https://example.com/\u202etxt.exe",
    "https://example.com/a\u2028b",
    "https://example.com/a\u00a0b",
    "https://exa\u200bmple.com/zw",
    "https://example.com/a\u2060b",
    "https://example.com/\x85x",
]


def test_a_link_that_does_not_read_as_it_is_is_shown_in_neither_part_nor_on_the_web() -> None:
    # Given items whose links hold invisible, bidi or space characters, beside an ordinary one
    ordinary = "https://36kr.com/p/1"
    items = [item(n, url=url) for n, url in enumerate([*UNREADABLE_LINKS, ordinary], start=1)]
    # When the email is built
    text, html = bodies(reparse(message(edition(items))))
    # Then only the ordinary link is there, in the text part and as an href; the others have no link
    links = [url for url in UNREADABLE_LINKS if url in text or url in html]
    assert links == []
    assert f"   {ordinary}\n" in text.replace("\r\n", "\n")
    hrefs = {value for _, name, value in audit(html).attrs if name == "href"}
    assert ordinary in hrefs and not hrefs & set(UNREADABLE_LINKS)
    # And the web edition decides alike: one rule
    for url in [*UNREADABLE_LINKS, ordinary]:
        assert safe_href(url) == render.safe_href(url) == ("" if url in UNREADABLE_LINKS else url)


@pytest.mark.parametrize(
    ("url", "printed"),
    [
        ('https://example.com/5?a="x"&b=<y>', "https://example.com/5?a=%22x%22&b=%3Cy%3E"),
        (
            "https://example.com/新闻/1?q=大模型",
            "https://example.com/%E6%96%B0%E9%97%BB/1?q=%E5%A4%A7%E6%A8%A1%E5%9E%8B",
        ),
        ("https://example.com/a|b{c}^d", "https://example.com/a%7Cb%7Bc%7D%5Ed"),
        ("https://example.com/100%?x=%E4%B8%AD", "https://example.com/100%25?x=%E4%B8%AD"),
        ("https://mp.weixin.qq.com/s?__biz=MzA&mid=1#rd", "https://mp.weixin.qq.com/s?__biz=MzA&mid=1#rd"),
    ],
)
def test_the_text_part_prints_links_as_uris_a_text_only_client_links_whole(url: str, printed: str) -> None:
    # Given an item whose link holds characters a URI may not hold as they are (quotes, angle
    # brackets, a bar, Chinese), as feeds publish them
    # When the email is built
    text, html = bodies(reparse(message(edition([item(1, url=url)]))))
    # Then the text part prints it percent-encoded: a client that links plain text stops at the first
    # such character, and would open a cut URL; a link already well formed is printed as it is
    assert f"   {printed}\n" in text.replace("\r\n", "\n")
    # And the HTML part keeps the link as the feed wrote it (the browser encodes an href itself)
    assert url in {value for _, name, value in audit(html).attrs if name == "href"}


def test_both_parts_carry_key_points_leaderboard_and_failed_sources() -> None:
    _, html = bodies(message(hostile_edition()))
    shown = "".join(audit(html).text)
    for expected in (
        "今日要点",
        "通义千问开源",
        "全球 Top 2",
        "国产模型排名",
        "gemini-3-pro",
        "1492",
        "glm-4.6",
    ):
        assert expected in shown
    assert "本期部分来源未能获取" in shown and "（超时）" in shown
    assert "数据日期: 2026-11-15" in shown


def test_both_parts_say_what_the_page_says_under_its_key_points() -> None:
    # Given an edition whose key points are the extractive stand-ins for a model's that failed
    note = "摘要模型未能生成今日要点，已改用标题摘录。"
    ed = replace(hostile_edition(), notes=(note, "\u202e"))
    # When it is mailed
    text, html = bodies(message(ed))
    # Then both parts say so under the points, as the page and the Markdown do (a blank note left out)
    points = text.replace("\r\n", "\n").partition("【今日要点】")[2].partition("【")[0]
    assert note in points and "\u202e" not in text
    assert note in "".join(audit(html).text)


class Languages(HTMLParser):
    """The text of a page's body, each piece with the nearest ``lang`` below ``<html>`` (None if none):
    what a webmail that shows the body inside its own page keeps."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "meta"}:
            return
        own = dict(attrs).get("lang") if tag != "html" else None  # a webmail drops <html>
        self.stack.append((tag, own or (self.stack[-1][1] if self.stack else None)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        tags = [tag for tag, _ in self.stack]
        if data.strip() and "body" in tags:
            self.texts.append((data.strip(), self.stack[-1][1]))


def test_every_text_of_the_mail_says_it_is_chinese_even_inside_a_webmail_page() -> None:
    confirmation = mail.build_confirmation(
        CONFIG,
        recipient="reader@example.org",
        confirm_url="https://api.example.org/confirm?token=t",
        expires_at=NOW + timedelta(hours=48),
        templates_dir=TEMPLATES,
    )
    editions = (message(hostile_edition()), message(edition([]), web_url=None))
    for html in (*(bodies(m)[1] for m in editions), bodies(confirmation)[1]):
        found = Languages()
        found.feed(html)
        assert found.texts and {lang for _, lang in found.texts} == {"zh-CN"}, found.texts[:3]


def test_the_inbox_preview_is_the_first_key_point() -> None:
    # Given an edition whose first key point names the day's news
    _, html = bodies(message(edition([item(1)], key_points=("智谱发布 GLM-5", "通义千问开源"))))
    # Then the body opens with it, hidden from view and from screen readers (display:none)
    preheader = re.search(r"<body[^>]*>\s*<div ([^>]*)>([^<]*)</div>", html)
    assert preheader and preheader.group(2) == "智谱发布 GLM-5"
    assert "display:none" in preheader.group(1)
    # And a day without key points has none: the preview is the heading, not an empty space
    _, bare = bodies(message(edition([item(1)], key_points=())))
    assert re.search(r"<body[^>]*>\s*<table", bare)


def test_the_text_part_lines_each_item_up_under_its_title_past_the_ninth() -> None:
    text, _ = bodies(message(edition([item(n) for n in range(1, 13)])))
    text = text.replace("\r\n", "\n")
    assert "\n9. 新闻 9\n   来源: 36Kr | 时间: " in text
    assert "\n10. 新闻 10\n    来源: 36Kr | 时间: " in text
    assert "\n    第 10 条资讯的正文。\n" in text and "\n   第 9 条资讯的正文。\n" in text
    assert "\n    https://36kr.com/p/1\n" in text


def test_links_in_feed_text_are_not_made_links_by_mail_clients() -> None:
    # Given feed text with links a mail client would link (one past the http(s) rule, one disguised)
    said = (
        "详情 https://36kr.com@evil.example/login 或 www.evil.example / WWW.Evil.example，合作 bd@example.com"
    )
    title = "访问 https://evil.example/x 领取"
    repeat = Repeat(item(2, title="转载 https://evil.example/r", url="https://36kr.com/p/2"), DAY, "id00001")
    ed = edition(
        [replace(item(1, title=title, text=said), source="https://evil.example/s")],
        key_points=("见 www.evil.example",),
        repeats=(repeat,),
    )
    text, html = bodies(message(ed))
    shown = "".join(audit(html).text)
    for part in (text, shown):
        # Then neither part holds one of them as a client's link finder would see it
        linkables = ("https://36kr.com@evil", "https://evil.example/", "www.evil", "WWW.Evil", "bd@example")
        assert [linkable for linkable in linkables if linkable in part] == []
        # And both read as the feed wrote it (the WORD JOINERs are invisible), the key point too
        visible = part.replace("\u2060", "")
        assert said in visible and title in visible and "见 www.evil.example" in visible
        assert "转载 https://evil.example/r" in visible and "https://evil.example/s" in visible
    # While the item's own link is whole, on its own line in the text part and an <a> in the HTML
    assert "\n   https://36kr.com/p/1\n" in text.replace("\r\n", "\n")
    assert "https://36kr.com/p/1" in {v for _, n, v in audit(html).attrs if n == "href"}


def test_a_host_name_without_scheme_or_www_in_feed_text_is_not_made_a_link_by_mail_clients() -> None:
    # Given feed text naming hosts bare, as feeds do ("域名转向了chatgpt.com"), and behind a scheme and "www."
    said = "下载地址 deepseek-download.com/setup.exe 或 https://evil.com/login 或 www.evil.net"
    title = "域名转向了 chatgpt.com 领取 evil.cn/x"
    ed = edition([item(1, title=title, text=said, url="https://36kr.com/p/1")], key_points=("见 evil.ai/p",))
    # When the email is built
    text, html = bodies(message(ed))
    shown = "".join(audit(html).text)
    for part in (text, shown):
        # Then neither part holds one whole, which Gmail, Apple Mail and Outlook link with neither scheme
        # nor "www." (to wherever the feed says)
        hosts = ("deepseek-download.com", "evil.com", "evil.net", "chatgpt.com", "evil.cn", "evil.ai")
        assert [host for host in hosts if host in part] == []
        # And both read as the feed wrote it (the WORD JOINERs are invisible)
        visible = part.replace("\u2060", "")
        assert said in visible and title in visible and "见 evil.ai/p" in visible
    # While the item's own link is whole
    assert "\n   https://36kr.com/p/1\n" in text.replace("\r\n", "\n")


def test_a_key_point_with_nothing_left_to_show_is_not_numbered() -> None:
    # Given a key point made only of control and bidi characters between two others
    ed = edition([item(1)], key_points=("要点一", "\x00\x1b\u202e \u2066", "要点二"))
    # When the email is built
    text, html = bodies(message(ed))
    # Then the text part numbers the two points with text, with no empty one between them
    points = text.replace("\r\n", "\n").split("【今日要点】\n", 1)[1].split("\n\n", 1)[0]
    assert points.splitlines() == ["1. 要点一", "2. 要点二"]
    # And the HTML part's list has those two items only
    assert re.findall(r"<li[^>]*>(.*?)</li>", html, flags=re.DOTALL) == ["要点一", "要点二"]


def test_a_leaderboard_fetch_that_failed_alone_is_said_in_both_parts() -> None:
    # Given every feed fetched, and the leaderboard's fetch timed out (the stored snapshot is shown)
    ed = edition(
        [item(1)],
        sources=(SourceStatus("36Kr", "ok"),),
        leaderboard_status=SourceStatus("LM Arena", "timeout", "read timed out"),
    )
    # When the email is built
    text, html = bodies(message(ed))
    # Then both parts name it, as the web edition does: the reader's one hint that the board is old
    assert "本期部分来源未能获取: LM Arena（超时）" in text
    assert "本期部分来源未能获取: LM Arena（超时）" in "".join(audit(html).text)


def test_a_leaderboard_dated_only_by_its_first_fetch_says_so_in_both_parts() -> None:
    # Given a leaderboard file that carried no date and whose publisher gave none
    base = hostile_edition()
    assert base.leaderboard is not None
    ed = replace(base, leaderboard=replace(base.leaderboard, date_basis="first_seen"))
    # Then neither part passes the day it was fetched off as the data's date
    text, html = bodies(message(ed))
    assert "数据日期: 不详（2026-11-15 首次获取）" in text
    assert "数据日期: 不详（2026-11-15 首次获取）" in "".join(audit(html).text)


def test_structure_is_multipart_alternative_text_then_html_utf8() -> None:
    parsed = reparse(message(edition([item(1)])))
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert message_bytes(message(edition([item(1)]))).isascii()  # 7-bit on the wire: base64 bodies


def test_headers_subject_from_to_date_and_list_id_decode() -> None:
    raw = message_bytes(message(edition([item(1)]), recipient="Reader@Example.org"))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    assert b"Subject: 2026-11-20 =?utf-8?" in raw  # RFC 2047
    assert parsed["Subject"] == "2026-11-20 国产大模型日报"
    assert parsed["From"].addresses[0].display_name == "国产大模型日报"
    assert parsed["From"].addresses[0].addr_spec == "digest@example.com"
    assert [a.addr_spec for a in parsed["To"].addresses] == ["Reader@Example.org"]
    assert parsed["Cc"] is None and parsed["Bcc"] is None
    assert parsed["Date"].datetime == NOW
    assert parsed["List-Id"] == "国产大模型日报 <ai-news-tracker.example.com>"


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("AI <News> Daily", "AI News Daily"),
        ("日报 <evil@example.org>", "日报 evil example org"),
        ('Daily "AI" (beta) [x]: a;b@c\\d,e.f', "Daily AI beta x a b c d e f"),
        ("=?utf-8?q?=3Cevil=3E?= 日报", "= utf-8 q =3Cevil=3E = 日报"),  # no encoded word to decode
    ],
)
def test_list_id_names_the_list_whatever_specials_the_title_holds(title: str, description: str) -> None:
    # Given a [report] title with RFC 5322 specials (brackets, quotes, an encoded word's markers)
    raw = message_bytes(message(edition([item(1)], title=title)))
    # When a mail client reads the List-Id header
    value = str(email.message_from_bytes(raw, policy=email.policy.default)["List-Id"])
    # Then it reads the title, without the specials, as the description, and the list id as the list id
    assert parseaddr(value) == (description, "ai-news-tracker.example.com")
    assert value == f"{description} <ai-news-tracker.example.com>"
    # And nothing but the list id is in angle brackets, whether the header is read decoded or raw
    folded = re.search(rb"\r\nList-Id: (.*?)\r\n(?![ \t])", raw, flags=re.DOTALL)
    assert folded is not None
    header = folded.group(1).replace(b"\r\n", b"")
    assert re.findall(rb"<([^<>]*)>", header) == [b"ai-news-tracker.example.com"]
    assert header.isascii() and (b"=?utf-8?" in header) == (not description.isascii())  # RFC 2047


def test_a_title_of_specials_only_leaves_the_list_id_alone() -> None:
    raw = message_bytes(message(edition([item(1)], title='<>()[]:;@\\,."?')))
    value = str(email.message_from_bytes(raw, policy=email.policy.default)["List-Id"])
    assert value == "<ai-news-tracker.example.com>"


def test_the_text_parts_sign_off_with_the_standard_signature_separator() -> None:
    # Given the email edition and the confirmation mail, as sent and decoded by a mail client
    edition_text, _ = bodies(reparse(message(edition([item(1)]))))
    confirmation = build_confirmation(
        CONFIG,
        recipient="reader@example.org",
        confirm_url="https://api.example.com/confirm?token=abc.def",
        expires_at=NOW + timedelta(days=2),
        templates_dir=TEMPLATES,
    )
    confirmation_text, _ = bodies(reparse(confirmation))
    for text, signature in (
        (edition_text, "本日报由 AI News Tracker 自动生成"),
        (confirmation_text, "国产大模型日报 · AI News Tracker"),
    ):
        lines = text.split("\r\n")
        # Then the signature is set off by a line of "-- " (dash, dash, space: RFC 3676), which clients
        # recognise and fold away, and by no other dashes
        assert lines.count("-- ") == 1 and "--" not in lines
        assert lines[lines.index("-- ") + 1].startswith(signature)


def test_list_unsubscribe_headers_are_rfc_8058_and_never_encoded() -> None:
    raw = message_bytes(message(edition([item(1)])))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    assert parsed["List-Unsubscribe"] == f"<{UNSUB}>, <{MAILTO}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = raw.split(b"List-Unsubscribe:", 1)[1].split(b"\r\nList-Unsubscribe-Post", 1)[0]
    assert b"=?" not in header  # a long URL is never turned into an encoded-word
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    _, html = bodies(parsed)
    assert UNSUB.replace("&", "&amp;") in html  # the footer's 退订 link


def test_without_links_there_are_no_unsubscribe_headers_and_mailto_alone_has_no_post() -> None:
    none = reparse(message(edition([item(1)]), unsubscribe_url=None, unsubscribe_mailto=None))
    assert none["List-Unsubscribe"] is None and none["List-Unsubscribe-Post"] is None
    mail_only = reparse(message(edition([item(1)]), unsubscribe_url=None))
    assert mail_only["List-Unsubscribe"] == f"<{MAILTO}>" and mail_only["List-Unsubscribe-Post"] is None


@pytest.mark.parametrize(
    ("url", "mailto"),
    [
        ("http://api.example.com/unsubscribe", None),  # RFC 8058: https only
        ("javascript:alert(1)", None),
        ("https://api.example.com/u?x=<y>", None),
        ("https://api.example.com/u?a=1, <mailto:x@y>", None),
        (None, "https://not-a-mailto.example.com"),
    ],
)
def test_unusable_unsubscribe_links_are_refused(url: str | None, mailto: str | None) -> None:
    with pytest.raises(MailError):
        message(edition([item(1)]), unsubscribe_url=url, unsubscribe_mailto=mailto)


def test_message_id_is_deterministic_per_edition_and_recipient() -> None:
    ed = edition([item(1)])
    first = message(ed, "reader@example.org")["Message-ID"]
    assert first == message(ed, "reader@example.org")["Message-ID"]
    assert first == message(ed, "READER@example.org")["Message-ID"]
    assert re.fullmatch(r"<ai-news-tracker\.2026-11-20\.[0-9a-f]{16}@example\.com>", str(first))
    assert first != message(ed, "other@example.org")["Message-ID"]
    assert first != message(replace(ed, date=date(2026, 11, 21)), "reader@example.org")["Message-ID"]


@pytest.mark.parametrize(
    "recipient",
    [
        "a@example.org, b@example.org",
        "Someone <a@example.org>",
        "a@example.org\r\nBcc: victim@example.org",
        "not-an-address",
        "@example.org",
        "用户@example.org",
    ],
)
def test_the_recipient_must_be_one_plain_address(recipient: str) -> None:
    with pytest.raises(MailError):
        message(edition([item(1)]), recipient=recipient)


def test_a_bad_sender_is_a_mail_error() -> None:
    config = replace(CONFIG, email=EmailConfig(sender="日报 <not an address>"))
    with pytest.raises(MailError, match=r"email\.sender"):
        build_message(
            edition([item(1)]),
            config,
            recipient="a@example.org",
            web_url=None,
            unsubscribe_url=None,
            unsubscribe_mailto=None,
            templates_dir=TEMPLATES,
        )


def test_an_empty_edition_and_a_missing_leaderboard_still_render() -> None:
    ed = edition(
        [],
        key_points=(),
        leaderboard=None,
        leaderboard_status=SourceStatus("LM Arena", "timeout", "read timed out"),
    )
    text, html = bodies(message(ed, web_url=None))
    assert "本期没有新的资讯。" in text and "本期没有新的资讯。" in html
    assert "排行榜暂不可用: 超时" in text and "排行榜暂不可用: 超时" in html
    assert "timed out" not in text + html  # the technical reason is for the JSON and the logs
    assert "网页版" not in text and "在浏览器中阅读" not in html


def test_each_item_is_a_padded_table_row_which_outlook_lays_out_as_other_clients_do() -> None:
    # Given an edition of two items; When its HTML part is built
    _, html = bodies(message(edition([item(1), item(2)])))
    # Then each item is a table cell with its padding and rule (Outlook ignores padding on a div)
    assert [
        style for style in re.findall(r"<div [^>]*style=\"([^\"]*)", html) if "display:none" not in style
    ] == []
    assert html.count('<tr><td style="padding:12px 0;border-top:1px solid #f0f0f0;">') == 2


def test_lone_surrogates_in_an_edition_read_as_replacement_characters() -> None:
    # Given an edition holding lone surrogates (a stored edition's JSON can escape them: "\\ud800")
    ed = edition([replace(item(1, title="标题\ud800", text="正文\udfff"), source="来源\ud800")])

    # When its email is built and serialized, Then both parts show U+FFFD where they were
    msg = message(ed)
    text, html = bodies(reparse(msg))
    assert "标题\ufffd" in text and "标题\ufffd" in html
    assert msg.as_bytes()


# -- the 102 KB fit ---------------------------------------------------------------------------------
def long_text(n: int) -> str:
    return f"第 {n} 条：" + "国产大模型在推理、代码和多模态任务上持续进步。" * 20


def test_a_day_a_little_too_long_keeps_the_texts_of_its_first_items_in_both_parts() -> None:
    # Given 100 items with long texts: too many for Gmail's 102 KB with every text, not without them
    ed = edition([item(n, text=long_text(n)) for n in range(100)])
    # When its message is built
    text, html = bodies(message(ed))
    # Then every item is listed in both parts, the first (newest) ones with their texts, the rest without
    kept = [n for n in range(100) if f"第 {n} 条：国产大模型" in html]
    assert 0 < len(kept) < 100 and kept == list(range(len(kept)))
    assert [n for n in range(100) if f"第 {n} 条：国产大模型" in text] == kept
    assert html.count(">阅读原文</a>") == 100 and "还有" not in html
    assert len(re.findall(r"\n +来源: 36Kr", text)) == 100
    # And both parts say from which item on the texts are left out, the HTML part where to read them
    first_without = len(kept) + 1
    assert f"为控制邮件大小，第 {first_without} 条起的资讯省略了摘要，" in html
    assert f'<a href="{WEB}" style="color:#1a56db;text-decoration:underline;">完整摘要请见网页版</a>' in html
    assert f"为控制邮件大小，第 {first_without} 条起的资讯省略了摘要。" in text
    assert "本期邮件省略了资讯摘要" not in html + text
    # And as many keep their texts as fit: one more would take the HTML part past the budget
    assert mail.sent_size(html) <= mail.HTML_BUDGET
    composer = mail._Composer(ed, CONFIG, TEMPLATES, WEB)
    one_more = composer.render_html(mail.Layout(100, texts=first_without), UNSUB)
    assert mail.sent_size(one_more) > mail.HTML_BUDGET


def test_a_day_whose_titles_alone_are_too_long_is_mailed_without_any_text() -> None:
    # Given 300 items with long texts: even their titles alone are more than Gmail's 102 KB
    ed = edition([item(n, text=long_text(n)) for n in range(300)])
    # When its message is built
    text, html = bodies(message(ed))
    # Then the HTML part lists the first items, without texts, and links to the rest
    shown = html.count(">阅读原文</a>")
    assert 0 < shown < 300 and f"还有 {300 - shown} 条资讯，请阅读网页版" in html
    # And neither part shows any text, and both say so
    assert "国产大模型在推理" not in html + text
    assert "为控制邮件大小，本期邮件省略了资讯摘要，" in html
    assert (
        "为控制邮件大小，本期邮件省略了资讯摘要。" in text and len(re.findall(r"\n +来源: 36Kr", text)) == 300
    )


def test_a_day_that_fits_is_mailed_whole_without_a_note() -> None:
    # Given a day of 30 items with long texts, well under the budget
    text, html = bodies(message(edition([item(n, text=long_text(n)) for n in range(30)])))
    # Then every item shows its text, in both parts, and nothing says a text was left out
    assert all(f"第 {n} 条：国产大模型" in html and f"第 {n} 条：国产大模型" in text for n in range(30))
    assert "为控制邮件大小" not in html + text


def test_five_thousand_items_fit_under_102_kb_with_a_link_to_the_rest() -> None:
    ed = edition([item(n, text=long_text(n), url=f"https://36kr.com/p/{n}") for n in range(5000)])
    msg = message(ed)
    text, html = bodies(msg)

    size = len(html.encode("utf-8"))
    assert size < HTML_LIMIT
    assert size > 80 * 1024  # filled, not emptied
    shown = html.count(">阅读原文</a>")
    assert 0 < shown < 5000
    match = re.search(r'<a href="([^"]+)"[^>]*>还有 (\d+) 条资讯，请阅读网页版</a>', html)
    assert match is not None and match.group(1) == WEB and int(match.group(2)) == 5000 - shown
    assert_inert(html)
    text = text.replace("\r\n", "\n")
    for n in (0, 2500, 4999):
        assert f"https://36kr.com/p/{n}\n" in text
    assert len(re.findall(r"\n +来源: 36Kr", text)) == 5000  # the text part still lists every item


def five_thousand_items() -> Edition:
    return edition([item(n, text=long_text(n), url=f"https://36kr.com/p/{n}") for n in range(5000)])


def many_short_lines() -> Edition:
    """2,300 one-word key points: so many lines that their CRLFs alone are more than 2 KB."""
    return edition([item(n, url=None) for n in range(500)], key_points=tuple("要点" for _ in range(2300)))


@pytest.mark.parametrize("build", [five_thousand_items, many_short_lines])
def test_the_html_part_fits_its_budget_in_the_bytes_that_are_sent(
    monkeypatch: pytest.MonkeyPatch, build: Any
) -> None:
    # Given an edition whose HTML part must be fitted to the budget, and every size the planner measures
    measured: list[int] = []
    measure = mail.sent_size
    monkeypatch.setattr(mail, "sent_size", lambda body: measured.append(measure(body)) or measured[-1])
    # When its message is built and sent (CRLF line ends, base64)
    part = reparse(message(build())).get_body(("html",))
    assert isinstance(part, EmailMessage)
    sent = part.get_payload(decode=True)
    assert isinstance(sent, bytes) and sent.count(b"\r\n") == sent.count(b"\n") > 800
    # Then the HTML part, as decoded by the reader's client, is within the budget, and so under 102 KB
    assert len(sent) <= HTML_LIMIT
    assert len(sent) <= mail.HTML_BUDGET
    assert len(sent) > mail.HTML_BUDGET - 2 * 1024  # filled, not emptied
    # And what the planner measured for the layout it chose is exactly what was sent
    assert measured[-1] == len(sent) and len(sent) in measured[:-1]


def test_sent_size_counts_every_line_end_as_crlf() -> None:
    assert mail.sent_size("") == 2  # the part always ends with a line end
    assert mail.sent_size("a") == mail.sent_size("a\n") == mail.sent_size("a\r\n") == 3
    assert mail.sent_size("要点\n\n<p>x</p>\n") == len("要点\r\n\r\n<p>x</p>\r\n".encode())


def fitting(composer: Any, unsubscribe_url: str | None) -> Any:
    def fits(layout: mail.Layout) -> bool:
        return mail.sent_size(composer.render_html(layout, unsubscribe_url)) <= mail.HTML_BUDGET

    return fits


def former_plan(composer: Any, unsubscribe_url: str | None) -> tuple[int, bool]:
    """``_Composer.plan`` before 2026-11-30, on whole-edition renders: every text or none (the items
    shown, with their texts or not). The whole edition with texts, then without, then a bisection over
    every count."""
    total = len(composer.view["items"])
    fits = fitting(composer, unsubscribe_url)
    if fits(mail.Layout(total, texts=total)):
        return total, True
    if fits(mail.Layout(total, texts=0)):
        return total, False
    low, high = 0, total - 1
    while low < high:
        middle = (low + high + 1) // 2
        if fits(mail.Layout(middle, texts=0)):
            low = middle
        else:
            high = middle - 1
    return low, False


def reference_plan(composer: Any, unsubscribe_url: str | None) -> mail.Layout:
    """The rule, on whole-edition renders and without bisecting the texts: everything; else every
    item, the texts of the first K, K the largest that fits (tried one by one); else the former plan."""
    total = len(composer.view["items"])
    fits = fitting(composer, unsubscribe_url)
    if fits(mail.Layout(total, texts=total)):
        return mail.Layout(total, texts=total)
    if fits(mail.Layout(total, texts=0)):
        return mail.Layout(total, texts=max(k for k in range(total) if fits(mail.Layout(total, texts=k))))
    return mail.Layout(former_plan(composer, unsubscribe_url)[0], texts=0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.integers(min_value=0, max_value=30), max_size=70),
    budget=st.integers(min_value=1_000, max_value=40_000),
    first_probe=st.sampled_from([1, 2, 4, 64]),
)
def test_the_html_part_keeps_every_item_and_text_it_kept_before_and_the_first_texts_that_fit(
    monkeypatch: pytest.MonkeyPatch, texts: list[int], budget: int, first_probe: int
) -> None:
    # Given editions of any length and text sizes, and any budget (small, so that a few items fill it)
    monkeypatch.setattr(mail, "HTML_BUDGET", budget)
    monkeypatch.setattr(mail, "FIRST_PROBE", first_probe)
    items = [item(n, text=f"第 {n} 条。" + "国产大模型持续进步。" * size) for n, size in enumerate(texts)]
    ed = edition(items)
    composer = mail._Composer(ed, CONFIG, TEMPLATES, WEB)
    # When its HTML part is planned
    layout = composer.plan(UNSUB)
    # Then the layout is the one the rule chooses on whole-edition renders
    assert layout == reference_plan(composer, UNSUB)
    # And it fits the budget (unless nothing does), shows as many items as the former plan did, and
    # every text the former plan kept
    assert fitting(composer, UNSUB)(layout) or layout == mail.Layout(0, texts=0)
    shown, with_texts = former_plan(composer, UNSUB)
    assert layout.shown == shown and layout.texts >= (shown if with_texts else 0)


def counted_renders(composer: mail._Composer, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of items of each HTML render the composer makes from now on."""
    rendered: list[int] = []
    render = composer.render_html

    def counting(layout: mail.Layout, unsubscribe_url: str | None) -> str:
        rendered.append(layout.shown)
        return render(layout, unsubscribe_url)

    monkeypatch.setattr(composer, "render_html", counting)
    return rendered


def test_a_long_edition_is_never_rendered_whole_to_fit_its_html_part(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 5,000 items, of which a few hundred fit in the HTML part
    ed = edition([item(n, text=long_text(n), url=f"https://36kr.com/p/{n}") for n in range(5000)])
    composer = mail._Composer(ed, CONFIG, TEMPLATES, WEB)
    rendered = counted_renders(composer, monkeypatch)
    # When the layout is planned
    layout = composer.plan(UNSUB)
    # Then no render holds more than twice what fits, and all of them together less than 5,000 items
    assert 0 < layout.shown < 5000 and layout.texts == 0
    assert max(rendered) <= 2 * layout.shown
    assert sum(rendered) < 5000


def test_the_texts_kept_are_found_by_bisection_not_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 100 items that all fit in the HTML part without their texts, not with them all
    ed = edition([item(n, text=long_text(n)) for n in range(100)])
    composer = mail._Composer(ed, CONFIG, TEMPLATES, WEB)
    rendered = counted_renders(composer, monkeypatch)
    # When the layout is planned
    layout = composer.plan(UNSUB)
    # Then the first texts are kept, and the edition was rendered a dozen times, not once per item
    assert layout.shown == 100 and 0 < layout.texts < 100
    assert len(rendered) <= 12


def test_each_link_is_checked_once_however_often_the_html_is_rendered_to_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an edition whose HTML part is rendered a dozen times over while it is fitted to the budget
    ed = edition([item(n, text=long_text(n), url=f"https://36kr.com/p/{n}") for n in range(1000)])
    checked: Counter[str] = Counter()
    shape = render._PLAIN_WEB_LINK

    class CountingShape:  # safe_href matches every link it checks against the plain shape first
        def fullmatch(self, url: str) -> re.Match[str] | None:
            checked[url] += 1
            return shape.fullmatch(url)

    monkeypatch.setattr(render, "_PLAIN_WEB_LINK", CountingShape())
    render._remembered_web_link.cache_clear()  # nothing remembered from other tests
    # When the message is built
    _, html = bodies(message(ed))
    # Then every link shown was checked, and none twice: safe_href remembers its answers
    assert "https://36kr.com/p/0" in checked and 0 < html.count(">阅读原文</a>") < 1000
    assert set(checked.values()) == {1}


def test_safe_href_keeps_markup_apart_from_text_and_refuses_what_is_not_a_string() -> None:
    url = "https://36kr.com/p/1?a=1&b=2"
    assert [safe_href(url) for _ in range(3)] == [url] * 3
    marked = safe_href(Markup("https://36kr.com/p/1?a=1&b=2"))
    assert marked == url and isinstance(marked, Markup)
    assert type(safe_href(url)) is str
    assert safe_href(["https://36kr.com/p/1"]) == "" and safe_href(None) == ""


def test_without_a_web_url_the_rest_line_is_plain_text() -> None:
    ed = edition([item(n, text=long_text(n)) for n in range(2000)])
    _, html = bodies(message(ed, web_url=None))
    assert re.search(r">另有 \d+ 条资讯未在邮件中列出</p>", html)


# -- the outbox -------------------------------------------------------------------------------------
def test_write_outbox_writes_one_file_per_recipient_and_never_a_second(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    msg = message(edition([item(1)]))

    key, created = write_outbox(store, msg, DAY, "Reader@Example.org")
    again = write_outbox(store, message(edition([item(2)])), DAY, "reader@example.org")

    assert (key, created) == ("outbox/2026-11-20/reader@example.org.eml", True)
    assert again == (key, False)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [tmp_path / key]
    stored = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert stored["Subject"] == "2026-11-20 国产大模型日报" and "新闻 1" in bodies(msg)[0]


def test_outbox_keys_are_safe_and_distinct() -> None:
    odd = outbox_key(DAY, "we/ird..name@example.org")
    assert odd.startswith("outbox/2026-11-20/we_ird..name@example.org-") and odd.endswith(".eml")
    assert odd != outbox_key(DAY, "we_ird..name@example.org")
    assert "/" not in odd.removeprefix("outbox/2026-11-20/")


# -- SES --------------------------------------------------------------------------------------------
class FakeSes:
    def __init__(self, *outcomes: Exception | str) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[dict[str, Any]] = []

    def send_email(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return {"MessageId": outcome}


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "SendEmail",
    )


def test_ses_sender_sends_raw_mime_with_the_configuration_set() -> None:
    fake = FakeSes("ses-1")
    msg = message(edition([item(1)]))
    assert SesSender("daily-digest", fake).send(msg) == "ses-1"  # type: ignore[arg-type]
    (call,) = fake.calls
    assert call["ConfigurationSetName"] == "daily-digest"
    assert call["Content"]["Raw"]["Data"] == message_bytes(msg)
    assert "Destination" not in call and "Simple" not in call["Content"]
    SesSender(None, FakeSes("x")).send(msg)  # type: ignore[arg-type]


def test_ses_sender_retries_throttling_only() -> None:
    slept: list[float] = []
    fake = FakeSes(client_error("TooManyRequestsException", 429), client_error("Throttling"), "ses-2")
    sender = SesSender(None, fake, sleep=slept.append)  # type: ignore[arg-type]
    assert sender(message(edition([item(1)]))) == "ses-2"
    assert slept == [1.0, 2.0]


@pytest.mark.parametrize(
    ("error", "ambiguous", "fatal", "systemic"),
    [
        (client_error("MessageRejected"), False, False, False),
        (client_error("SendingPausedException"), False, True, True),
        (client_error("LimitExceededException"), False, True, True),
        (client_error("NotFoundException", 404), False, True, True),
        (client_error("TooManyRequestsException", 429), False, False, True),  # after the retries
        (client_error("InternalFailure", 500), True, False, False),
        (client_error("ServiceUnavailable", 503), False, False, True),  # not taken: retried later
        (ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"), True, False, False),
        (EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com"), False, True, True),
    ],
)
def test_ses_failures_become_send_errors(
    error: Exception, ambiguous: bool, fatal: bool, systemic: bool
) -> None:
    sender = SesSender(None, FakeSes(error), retries=0)  # type: ignore[arg-type]
    with pytest.raises(SendError) as caught:
        sender.send(message(edition([item(1)])))
    assert (caught.value.ambiguous, caught.value.fatal, caught.value.systemic) == (ambiguous, fatal, systemic)
    assert caught.value.__cause__ is error and str(caught.value)


# -- at most once -----------------------------------------------------------------------------------
class Recorder:
    """A sender that records what it was given, and fails as told for some addresses."""

    def __init__(self, failures: dict[str, SendError] | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.failures = failures or {}

    def __call__(self, msg: EmailMessage) -> str:
        to = str(msg["To"])
        if to in self.failures:
            raise self.failures[to]
        self.sent.append(msg)
        return f"id-{len(self.sent)}"

    @property
    def recipients(self) -> list[str]:
        return [str(m["To"]) for m in self.sent]


def send(log: LocalStore, recipients: list[str], sender: Recorder | None, **kwargs: Any) -> Any:
    args: dict[str, Any] = {
        "sender": sender,
        "outbox": None,
        "sent_log": log,
        "web_url": WEB,
        "unsubscribe_base": None,
        "templates_dir": TEMPLATES,
    }
    args.update(kwargs)
    return send_edition(edition([item(1), item(2)]), CONFIG, recipients, **args)


def test_each_recipient_gets_one_message_and_a_rerun_sends_nothing(tmp_path: Path) -> None:
    log, sender = LocalStore(tmp_path), Recorder()
    recipients = ["a@example.org", "B@example.org", " b@EXAMPLE.org ", "c@example.org", ""]

    first = send(log, recipients, sender)
    second = send(log, recipients, sender)

    assert sender.recipients == ["a@example.org", "B@example.org", "c@example.org"]
    assert all(len(m["To"].addresses) == 1 for m in sender.sent)
    assert list(first.sent) == ["a@example.org", "B@example.org", "c@example.org"]
    assert second.sent == {} and second.skipped == ["a@example.org", "B@example.org", "c@example.org"]
    assert first.summary()["sent"] == 3 and second.summary()["skipped"] == 3
    assert "a@example.org" not in str(first.summary())  # no addresses in what is logged
    assert len(log.list("sent/2026-11-20/")) == 6  # a claim and an outcome each


def test_a_refused_send_is_retried_by_the_next_run(tmp_path: Path) -> None:
    log = LocalStore(tmp_path)
    refusing = Recorder({"b@example.org": SendError("SES refused the message: MessageRejected")})

    first = send(log, ["a@example.org", "b@example.org"], refusing)
    assert list(first.sent) == ["a@example.org"] and "MessageRejected" in first.failed["b@example.org"]

    working = Recorder()
    second = send(log, ["a@example.org", "b@example.org"], working)
    assert working.recipients == ["b@example.org"] and second.skipped == ["a@example.org"]


class RefusingFirst(Recorder):
    """Records every message it is given, and refuses the first."""

    def __call__(self, msg: EmailMessage) -> str:
        self.sent.append(msg)
        if len(self.sent) == 1:
            raise SendError("SES refused the message: MessageRejected")
        return f"id-{len(self.sent)}"


def test_a_resend_carries_the_message_id_of_the_first_send_and_its_own_date(tmp_path: Path) -> None:
    # Given a send refused at 08:00 and retried by the next run an hour later
    sender = RefusingFirst()
    send(LocalStore(tmp_path), ["a@example.org"], sender, sent_at=NOW)
    send(LocalStore(tmp_path), ["a@example.org"], sender, sent_at=NOW + timedelta(hours=1))
    # Then both messages have one Message-ID, so the reader's client knows the resend, and each its Date
    first, second = sender.sent
    assert first["Message-ID"] == second["Message-ID"]
    assert (first["Date"].datetime, second["Date"].datetime) == (NOW, NOW + timedelta(hours=1))


def test_a_recipient_refused_while_ses_took_other_mail_is_given_up_after_the_limit(tmp_path: Path) -> None:
    # Given b is refused in MAX_ATTEMPTS runs, each of which then sent to someone else
    log = LocalStore(tmp_path)
    refusing = Recorder({"b@example.org": SendError("SES refused the message: MessageRejected")})
    reports = [send(log, ["b@example.org", f"other{n}@example.org"], refusing) for n in range(MAX_ATTEMPTS)]
    # Then the run of the last refusal gives b up (its batch need not fail over b), not the ones before
    assert [r.given_up for r in reports] == [[]] * (MAX_ATTEMPTS - 1) + [["b@example.org"]]
    assert reports[-1].failed["b@example.org"] == (
        f"gave up after {MAX_ATTEMPTS} refusals: SES refused the message: MessageRejected"
    )
    # And a later run does not try b again, with SES taking everything
    sender = Recorder()
    last = send(log, ["b@example.org"], sender)
    assert sender.sent == [] and last.given_up == ["b@example.org"] and last.summary()["given_up"] == 1


def unverified(address: str) -> SendError:
    """What the SES sandbox answers for a recipient it has not verified."""
    return SendError(
        "SES refused the message: MessageRejected: Email address is not verified. The following "
        f"identities failed the check in region US-EAST-1: {address}"
    )


def test_an_address_ses_names_in_a_refusal_is_logged_and_kept_only_as_its_hash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from ai_news_tracker.identity import recipient_key
    from ai_news_tracker.log import SERVICE

    caplog.set_level(logging.INFO, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)
    # Given SES refusing a subscriber by name (the sandbox), and the sender's identity too
    log = LocalStore(tmp_path)
    both = SendError(f"{unverified('Reader@Example.org')}, digest@example.com.")
    refusing = Recorder({"reader@example.org": both})
    # When the edition is sent to them, three times (the batch's three receives)
    reports = [send(log, ["reader@example.org"], refusing) for _ in range(MAX_ATTEMPTS)]
    # Then the refusal still counts as theirs (they are given up by the third)
    assert reports[-1].given_up == ["reader@example.org"]
    # And the logs, the sent log and what the batch reports name them by their hash alone
    hashed = recipient_key("reader@example.org")[:16]
    written = [(tmp_path / key).read_text(encoding="utf-8") for key in log.list("sent/")]
    logged = [str(vars(r)) for r in caplog.records if r.getMessage() == "email not sent"]
    reported = [str(r.summary()) for r in reports] + [str(list(r.failed.values())) for r in reports]
    assert logged and len(written) == 3 * MAX_ATTEMPTS  # a claim, deferred and failed each
    for text in written + logged + reported:
        assert "eader@" not in text.lower()
    for text in logged + [w for w in written if "reason" in w] + reported:
        assert f"US-EAST-1: {hashed}, digest@example.com." in text  # the sender's own stays readable


def test_reasons_the_sent_log_kept_in_clear_before_hashing_are_reported_hashed(tmp_path: Path) -> None:
    from ai_news_tracker.identity import recipient_key

    # Given a reader refused by name three times and another whose send got no answer naming them, kept
    # in the sent log (90 days) as the version before hashing wrote them: with the addresses in clear
    log = LocalStore(tmp_path)
    refusing = Recorder(
        {
            "reader@example.org": unverified("reader@example.org"),
            "late@example.org": SendError("SES did not answer for late@example.org", ambiguous=True),
        }
    )
    for _ in range(MAX_ATTEMPTS):
        send(log, ["reader@example.org", "late@example.org"], refusing)
    for key in log.list("sent/"):
        path = tmp_path / key
        text = path.read_text(encoding="utf-8")
        for address in ("reader@example.org", "late@example.org"):
            text = text.replace(recipient_key(address)[:16], address)
        path.write_text(text, encoding="utf-8")
    # When the day is sent to them again (README: runbook, to whoever has not had it)
    report = send(log, ["reader@example.org", "late@example.org"], Recorder())
    # Then the reasons read back from the sent log, reported and logged, name them by their hash alone
    assert report.given_up == ["reader@example.org"] and list(report.pending) == ["late@example.org"]
    reported = str(report.summary()) + str(list(report.failed.values()) + list(report.pending.values()))
    assert "reader@" not in reported and "late@" not in reported
    assert f"US-EAST-1: {recipient_key('reader@example.org')[:16]}" in reported
    assert f"did not answer for {recipient_key('late@example.org')[:16]}" in reported


def test_a_sent_log_entry_nested_past_the_parsers_limit_is_reported_unreadable(tmp_path: Path) -> None:
    # Given a send that got no answer, whose entry in the sent log became 4 KB of nested brackets
    log = LocalStore(tmp_path)
    send(log, ["late@example.org"], Recorder({"late@example.org": SendError("no answer", ambiguous=True)}))
    (unknown,) = [key for key in log.list("sent/") if key.endswith(".unknown")]
    log.put(unknown, b"[" * 2000 + b"]" * 2000)
    # When the day is sent again
    report = send(log, ["late@example.org"], Recorder())
    # Then the reader stays pending, its reason reported as unreadable: the run does not crash
    assert report.pending == {"late@example.org": "unreadable sent-log entry"}


@pytest.mark.parametrize("position", [0, 1, 2], ids=["first", "middle", "last"])
def test_a_redelivered_batch_gives_up_a_recipient_ses_refuses_by_name_by_its_third_receive(
    tmp_path: Path, position: int
) -> None:
    # Given a batch of three, one of whom SES refuses by name (wherever it stands in the batch)
    log = LocalStore(tmp_path)
    batch = ["a@example.org", "b@example.org", "c@example.org"]
    bad = batch[position]
    refusing = Recorder({bad: unverified(bad)})
    # When SQS delivers the batch three times
    receives = [send(log, batch, refusing) for _ in range(3)]
    # Then the others got it on the first receive, and the third gives the bad one up: the batch does
    # not go to the dead-letter queue over one address
    assert refusing.recipients == [r for r in batch if r != bad]
    assert [r.given_up for r in receives] == [[], [], [bad]]
    assert set(receives[-1].failed) == set(receives[-1].given_up)


def test_recipients_refused_by_name_do_not_stop_the_run(tmp_path: Path) -> None:
    # Given five unverified recipients (the SES sandbox) before five verified ones
    log = LocalStore(tmp_path)
    bad = [f"bad{n}@example.org" for n in range(5)]
    good = [f"good{n}@example.org" for n in range(5)]
    refusing = Recorder({address: unverified(address) for address in bad})
    # When the batch is sent
    report = send(log, bad + good, refusing)
    # Then the verified ones get it at once: refusals naming their recipient say nothing about SES
    assert list(report.sent) == good and set(report.failed) == set(bad)


def test_an_unverified_sender_flapping_gives_no_recipient_up(tmp_path: Path) -> None:
    # Given SES refusing every message for the sender's identity, except for moments it works again
    log = LocalStore(tmp_path)
    batch = [f"r{n}@example.org" for n in range(4)]
    sender_refused = SendError(
        "SES refused the message: MessageRejected: Email address is not verified. The following "
        "identities failed the check in region US-EAST-1: digest@example.com"
    )
    outage = Recorder(dict.fromkeys(batch, sender_refused))
    flapping = Recorder({batch[0]: sender_refused})  # r0 refused, then SES works for the rest
    # When the batch meets the outage, a moment of SES working, then the outage again, many times
    reports = [send(log, batch, r) for r in (outage, flapping, outage, outage, outage, outage)]
    # Then nobody is given up, and r0 gets the edition once SES works
    assert all(r.given_up == [] for r in reports)
    sender = Recorder()
    assert list(send(log, batch, sender).sent) == [batch[0]]


@pytest.mark.parametrize(
    "refusal",
    [
        SendError("SES refused the message: MessageRejected: Email address is not verified."),
        SendError("SES refused the message: TooManyRequestsException", systemic=True),
        SendError("SES refused the message: SendingPausedException", fatal=True),
    ],
    ids=["refused-every-message", "throttled", "fatal"],
)
def test_an_outage_longer_than_the_retries_gives_no_one_up(tmp_path: Path, refusal: SendError) -> None:
    # Given SES refuses every message for many runs (the queue's three receives and more)
    log = LocalStore(tmp_path)
    recipients = [f"r{n}@example.org" for n in range(8)]
    outage = Recorder(dict.fromkeys(recipients, refusal))
    for _ in range(MAX_ATTEMPTS * 2):
        report = send(log, recipients, outage)
        assert report.sent == {} and report.given_up == []
    # When it works again (the batches redriven)
    sender = Recorder()
    report = send(log, recipients, sender)
    # Then everyone gets the edition, once
    assert sender.recipients == recipients and report.failed == {}


def test_sends_without_an_answer_stop_the_run_after_five(tmp_path: Path) -> None:
    # Given SES answering nothing (each may have gone out: pending, never resent) for a batch of eight
    log = LocalStore(tmp_path)
    recipients = [f"r{n}@example.org" for n in range(8)]
    silent = Recorder(dict.fromkeys(recipients, SendError("SES did not confirm the message", ambiguous=True)))
    report = send(log, recipients, silent)
    # Then five are pending and the run stops: the other three wait for a retry, when SES answers
    assert list(report.pending) == recipients[:5]
    assert all(report.failed[r].startswith("not attempted") for r in recipients[5:])
    sender = Recorder()
    assert list(send(log, recipients, sender).sent) == recipients[5:]


def test_a_systemic_refusal_does_not_count_even_when_later_mail_went_out(tmp_path: Path) -> None:
    # Given b is throttled past the retries, in runs where later mail still went out
    log = LocalStore(tmp_path)
    throttled = SendError("SES refused the message: TooManyRequestsException", systemic=True)
    for n in range(MAX_ATTEMPTS + 1):
        report = send(log, ["b@example.org", f"other{n}@example.org"], Recorder({"b@example.org": throttled}))
        assert report.given_up == []
    # Then it is still sent when SES has room
    sender = Recorder()
    assert list(send(log, ["b@example.org"], sender).sent) == ["b@example.org"]


def test_an_unconfirmed_send_is_reported_and_never_resent(tmp_path: Path) -> None:
    log = LocalStore(tmp_path)
    timing_out = Recorder({"a@example.org": SendError("no answer", ambiguous=True)})

    first = send(log, ["a@example.org"], timing_out)
    again = Recorder()
    second = send(log, ["a@example.org"], again)

    assert first.pending == {"a@example.org": "no answer"}
    assert again.sent == [] and second.pending == {"a@example.org": "no answer"}


def test_a_crash_between_claim_and_record_never_sends_twice(tmp_path: Path) -> None:
    log = LocalStore(tmp_path)
    send(log, ["a@example.org"], Recorder())
    claim, outcome = log.list("sent/2026-11-20/")
    assert outcome == f"{claim}.sent"
    (tmp_path / outcome).unlink()  # as if the process had died between handing over and recording

    sender = Recorder()
    report = send(log, ["a@example.org"], sender)
    assert sender.sent == [] and list(report.pending) == ["a@example.org"]


@pytest.mark.parametrize("per_recipient_log", [False, True])
def test_two_runs_that_both_read_no_attempt_mail_the_reader_once(
    tmp_path: Path, per_recipient_log: bool
) -> None:
    # Given one edition sent twice at once (SQS delivers a batch at least once; two senders run):
    # run B reads the sent log, finds no attempt, and run A sends before B goes on
    sender = Recorder()
    first: list[Any] = []
    log_b = ListsBeforeAnotherRun(
        tmp_path,
        lambda: first.append(
            send(LocalStore(tmp_path), ["a@example.org"], sender, per_recipient_log=per_recipient_log)
        ),
    )
    # When B sends on what it read
    second = send(log_b, ["a@example.org"], sender, per_recipient_log=per_recipient_log)
    # Then the reader gets one message: B loses the claim to A and says so
    assert sender.recipients == ["a@example.org"] and list(first[0].sent) == ["a@example.org"]
    assert second.sent == {} and second.pending == {"a@example.org": "claimed by a concurrent run"}
    assert second.summary()["pending"] == 1


def test_a_fatal_error_stops_the_run_and_leaves_the_rest_for_a_retry(tmp_path: Path) -> None:
    log = LocalStore(tmp_path)
    paused = Recorder({"a@example.org": SendError("SendingPausedException", fatal=True)})

    first = send(log, ["a@example.org", "b@example.org", "c@example.org"], paused)
    assert paused.sent == [] and first.failed["c@example.org"] == "not attempted: SendingPausedException"
    assert len(log.list("sent/")) == 2  # only the attempt that was made: its claim and outcome

    working = Recorder()
    send(log, ["a@example.org", "b@example.org", "c@example.org"], working)
    assert working.recipients == ["a@example.org", "b@example.org", "c@example.org"]


def test_repeated_refusals_stop_the_run(tmp_path: Path) -> None:
    everyone = [f"r{n}@example.org" for n in range(20)]
    refusing = Recorder({r: SendError("MessageRejected: sender not verified") for r in everyone})
    report = send(LocalStore(tmp_path), everyone, refusing)
    assert sum(1 for r in report.failed.values() if r.startswith("not attempted")) == 15


def test_a_run_stops_when_told_and_the_next_one_carries_on(tmp_path: Path) -> None:
    log, sender = LocalStore(tmp_path), Recorder()
    everyone = [f"r{n}@example.org" for n in range(5)]
    budget = iter([False, False, True])

    first = send(log, everyone, sender, should_stop=lambda: next(budget, True))
    assert list(first.sent) == everyone[:2]
    assert first.failed == {r: "not attempted: out of time" for r in everyone[2:]}

    second = send(log, everyone, sender)
    assert list(second.sent) == everyone[2:] and second.skipped == everyone[:2]
    assert sender.recipients == everyone


def test_dry_run_sends_and_writes_nothing(tmp_path: Path) -> None:
    log = LocalStore(tmp_path / "raw")
    send(log, ["a@example.org"], Recorder())
    before = log.list("")

    report = send(log, ["a@example.org", "b@example.org"], None, dry_run=True, outbox=LocalStore(tmp_path))
    assert report.dry_run == ["b@example.org"] and report.skipped == ["a@example.org"]
    assert log.list("") == before and not (tmp_path / "outbox").exists()


def test_the_local_outbox_gets_one_eml_per_recipient_once(tmp_path: Path) -> None:
    log, outbox = LocalStore(tmp_path / "raw"), LocalStore(tmp_path)
    first = send(log, ["a@example.org", "b@example.org"], None, outbox=outbox)
    second = send(log, ["a@example.org", "b@example.org"], None, outbox=outbox)

    emls = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "outbox").rglob("*.eml"))
    assert emls == ["outbox/2026-11-20/a@example.org.eml", "outbox/2026-11-20/b@example.org.eml"]
    assert first.sent["a@example.org"] == "outbox/2026-11-20/a@example.org.eml"
    assert second.sent == {} and len(second.skipped) == 2


class FillingDisk(LocalStore):
    """A folder on a disk with room for ``room[0]`` more files (None: plenty), shared by the stores
    given the same list; a write past it fails as a full disk does."""

    def __init__(self, root: Path, room: list[int | None]) -> None:
        super().__init__(root)
        self.room = room

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        left = self.room[0]
        if left is not None:
            if left == 0:
                raise StorageError(f"cannot write {key!r}: No space left on device")
            self.room[0] = left - 1
        return super().put_if_absent(key, data, content_type=content_type)


def test_a_send_that_found_the_disk_full_mails_the_reader_once_space_is_freed(tmp_path: Path) -> None:
    # Given a local send whose disk filled up once the reader's attempt was claimed: neither the .eml
    # nor the attempt's outcome could be written
    room: list[int | None] = [1]
    log, outbox = FillingDisk(tmp_path / "raw", room), FillingDisk(tmp_path, room)
    first = send(log, ["a@example.org"], None, outbox=outbox)
    assert "No space left on device" in first.failed["a@example.org"]
    assert [key.rpartition("/")[2] for key in log.list("sent/")] == ["1"]  # claimed, no outcome
    # When space is freed and the day is sent again
    room[0] = None
    second = send(log, ["a@example.org"], None, outbox=outbox)
    # Then the reader gets the edition: without its .eml, nothing had gone out
    assert second.sent == {"a@example.org": "outbox/2026-11-20/a@example.org.eml"}
    assert second.pending == {} and (tmp_path / "outbox/2026-11-20/a@example.org.eml").is_file()


def test_a_local_send_that_died_after_writing_the_eml_counts_it_sent(tmp_path: Path) -> None:
    # Given a reader's .eml written, and the process dead before the attempt's outcome was
    log, outbox = LocalStore(tmp_path / "raw"), LocalStore(tmp_path)
    send(log, ["a@example.org"], None, outbox=outbox)
    claim, outcome = log.list("sent/2026-11-20/")
    (tmp_path / "raw" / outcome).unlink()
    # When the day is sent again
    report = send(log, ["a@example.org"], None, outbox=outbox)
    # Then the reader is already sent (the .eml is the local delivery), not pending, and not claimed again
    assert report.skipped == ["a@example.org"] and report.sent == {} and report.pending == {}
    assert log.list("sent/2026-11-20/") == [claim]


def test_unsubscribe_links_are_per_recipient_and_need_a_token(tmp_path: Path) -> None:
    sender = Recorder()
    send(
        LocalStore(tmp_path),
        ["a@example.org", "b@example.org"],
        sender,
        unsubscribe_base="https://api.example.com/unsubscribe",
        unsubscribe_token=lambda r: f"signed:{r[0]}",
        unsubscribe_mailto="unsubscribe@example.com",
    )
    headers = [reparse(m)["List-Unsubscribe"] for m in sender.sent]
    assert headers == [
        "<https://api.example.com/unsubscribe?token=signed%3Aa>, "
        "<mailto:unsubscribe@example.com?subject=unsubscribe%20signed%3Aa>",
        "<https://api.example.com/unsubscribe?token=signed%3Ab>, "
        "<mailto:unsubscribe@example.com?subject=unsubscribe%20signed%3Ab>",
    ]
    with pytest.raises(MailError, match="token"):
        send(LocalStore(tmp_path), ["a@example.org"], sender, unsubscribe_base="https://x.example/u")


def test_nowhere_to_deliver_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MailError, match="nowhere"):
        send(LocalStore(tmp_path), ["a@example.org"], None)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("… failed the check in region US-EAST-1: Reader@Example.org", True),
        ("… failed the check in region US-EAST-1: reader@example.org.", True),
        ("… failed the check in region US-EAST-1: digest@example.com", False),
        ("… the check …: 日报 <digest@example.com>, xreader@example.org", False),
        ("Message rejected: content", False),
    ],
)
def test_an_ses_answer_names_the_recipient_only_by_its_whole_address(text: str, named: bool) -> None:
    from ai_news_tracker.mail import names_address

    assert names_address(text, "reader@example.org") is named


def address_part(characters: str, size: int) -> st.SearchStrategy[str]:
    """A local part or domain of ``characters`` and an RFC 2047 encoded word's pieces, which the email
    package decodes where a part begins (its confirmation mail failed: ConfirmationsFailedAlarm)."""
    return st.lists(st.sampled_from([*characters, "=?utf-8?q?", "?="]), max_size=size).map("".join)


@example(local="=?utf-8?q?x?=", domain="example.org")
@example(local="a", domain="=?utf-8?q?x?=.org")
@given(local=address_part("a.'\"-(", 4), domain=address_part("a.-[]1_", 5))
def test_an_address_the_configuration_takes_is_one_the_mailer_takes(local: str, domain: str) -> None:
    # Given an address the configuration takes as [email] sender, or as a recipient
    address = f"{local}@{domain}"
    sender = f"日报 <{address}>"
    for section in ({"sender": sender}, {"recipients": [address]}):
        try:
            parse_config({"email": section})
        except ConfigError:
            continue
        # Then the mailer takes it too: one rule (a full stop after it was found only at a send)
        if "sender" in section:
            mail.sender_address(sender)
        else:
            mail.recipient_address(address)


def test_a_recipient_the_mailer_refuses_is_named_by_the_hash_the_logs_name_them_by(tmp_path: Path) -> None:
    from ai_news_tracker.identity import recipient_key

    # Given a recipient the mailer cannot address a mail to (given to the mailer alone: a test's list)
    recipient = "reader..news@example.org"
    # When the edition is sent to them
    report = send(LocalStore(tmp_path), [recipient], Recorder())
    # Then the reason names them by their hash as quoted, the quote before it kept (it was taken for a
    # part of the address: hashed with it, another hash than the logs')
    hashed = recipient_key(recipient)[:16]
    assert report.failed == {recipient: f"recipient is not an email address: '{hashed}'"}


def test_a_summary_cut_inside_a_link_leaves_the_link_out_rather_than_broken() -> None:
    # Given an item whose text is cut at 300 characters in the middle of a repository's address
    text = "这" * 280 + "仓库地址：https://github.com/example/project-with-a-long-name 更多内容"
    ed = edition([replace(item(1), text=text)])
    plain, html = bodies(message(ed))
    # Then the email ends the summary before the link, never with a part of it
    assert "这" * 280 + "仓库地址：…" in plain and "https://github.com/exam" not in plain
    assert "https://github.com/exam" not in html


def test_without_a_web_edition_the_email_does_not_send_readers_to_it() -> None:
    more = tuple(replace(item(n), text="") for n in range(3, 6))
    plain, html = bodies(message(replace(edition([item(1), item(2)]), more=more), web_url=None))
    assert "另有 3 条资讯未在邮件中列出" in plain and "另有 3 条资讯未在邮件中列出" in html
    assert "请阅读网页版" not in plain + html


@pytest.mark.parametrize(
    "text",
    [
        "OpenAI发布了GPT-5（https://openai.com/gpt-5），这是迄今为止最强大的模型，" + "它" * 300,
        "详情见官网https://openai.com/blog。此外，" + "它" * 300,
    ],
)
def test_a_summary_cut_after_a_whole_link_keeps_the_link_and_the_text(text: str) -> None:
    plain, _ = bodies(message(edition([replace(item(1), text=text)])))
    assert text[:60] in plain.replace("\u2060", "")  # (not linked by the client: WORD JOINERs)


def test_stories_reported_before_are_listed_safely_the_first_twenty_and_the_rest_counted() -> None:
    # Given an edition with one item and 25 stories an earlier edition published, the first hostile
    hostile = replace(item(100, title=HOSTILE_TITLES[0], url=HOSTILE_URLS[0]), text="")
    repeats = [Repeat(hostile, date(2026, 11, 19), "id00000")] + [
        Repeat(replace(item(100 + n, url=f"https://qbitai.com/{n}"), text=""), date(2026, 11, 18), "x")
        for n in range(1, 25)
    ]
    # When it is mailed
    text, html = bodies(message(edition([item(1)], repeats=tuple(repeats))))
    # Then both parts list the first REPEATS_MAILED under 已报道事件的后续与转载, each with its day
    assert mail.REPEATS_MAILED == 20
    for part in (text, html):
        listed = part[part.index("已报道事件的后续与转载") :]
        assert "首见 11-19" in listed and "新闻 119" in listed and "新闻 120" not in listed
        assert "另有 5 条已报道事件的后续与转载，请阅读网页版" in listed  # nothing dropped unsaid
    # And a hostile title stays text, a hostile link is no link
    assert "<script>" not in html and "javascript:" not in html.lower()


def test_every_text_but_the_last_that_fits_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given ten items with texts, and a budget that holds every item with the texts of all but the last
    ed = edition([item(n, text=long_text(n)) for n in range(10)])
    composer = mail._Composer(ed, CONFIG, TEMPLATES, WEB)
    budget = mail.sent_size(composer.render_html(mail.Layout(10, texts=9), UNSUB))
    monkeypatch.setattr(mail, "HTML_BUDGET", budget)
    # When its HTML part is planned
    layout = composer.plan(UNSUB)
    # Then the first nine keep their texts: only the last, which does not fit, is left out
    assert layout == mail.Layout(10, texts=9)


def test_the_send_report_counts_the_items_mailed_with_their_text(tmp_path: Path) -> None:
    # Given a day a little too long for the HTML part with every text (as above)
    ed = edition([item(n, text=long_text(n)) for n in range(100)])
    # When it is sent
    report = send_edition(
        ed, CONFIG, ["a@example.org"], sender=Recorder(), outbox=None, sent_log=LocalStore(tmp_path),
        web_url=WEB, unsubscribe_base=None, templates_dir=TEMPLATES,
    )  # fmt: skip
    # Then what is logged says how many items were shown, and how many of them with their text
    summary = report.summary()
    assert summary["html_items"] == 100
    assert 0 < summary["html_summaries"] < 100
    assert summary["html_summaries"] == composer_plan(ed).texts


def composer_plan(ed: Edition) -> mail.Layout:
    return mail._Composer(ed, CONFIG, TEMPLATES, WEB).plan(None)


def test_the_same_edition_to_the_same_reader_is_the_same_bytes() -> None:
    # Given one edition and one reader
    ed = edition([item(1), item(2)])
    # When its message is built twice (the day run into two data dirs, on two machines, or sent again)
    first, second = message_bytes(message(ed)), message_bytes(message(ed))
    # Then the bytes are the same, as the module promises ("an outbox copy carries the edition's time, so a
    # re-run writes the same bytes"): its Date is the edition's time, its Message-ID the day's and the
    # reader's, and its MIME boundary is made of its parts (it was a random number)
    assert first == second


def _deadline(timezone: str, expires_at: datetime) -> str:
    """The line of a confirmation mail's text that gives its link's deadline, the report in ``timezone``."""
    config = replace(CONFIG, report=replace(CONFIG.report, timezone=timezone))
    confirmation = build_confirmation(
        config,
        recipient="reader@example.org",
        confirm_url="https://api.example.com/confirm?token=abc.def",
        expires_at=expires_at,
        templates_dir=TEMPLATES,
    )
    text, _ = bodies(reparse(confirmation))
    (line,) = [line for line in text.split("\r\n") if "之前" in line]
    return line


@pytest.mark.parametrize(
    ("timezone", "said"),
    [
        ("Asia/Shanghai", "2026-11-22 08:00（北京时间）"),
        ("PRC", "2026-11-22 08:00（北京时间）"),  # Shanghai under another name
        ("America/Los_Angeles", "2026-11-21 16:00（America/Los_Angeles 时间，UTC-08:00）"),
        ("Asia/Kathmandu", "2026-11-22 05:45（Asia/Kathmandu 时间，UTC+05:45）"),
        ("UTC", "2026-11-22 00:00（UTC+00:00）"),
        # POSIX signs: Etc/GMT+12 is twelve hours behind UTC, which its name would tell readers otherwise
        ("Etc/GMT+12", "2026-11-21 12:00（UTC-12:00）"),
    ],
)
def test_the_confirmation_deadline_names_its_zone_so_that_readers_anywhere_read_it_right(
    timezone: str, said: str
) -> None:
    # Given a link that expires at 2026-11-22 00:00 UTC; Then its deadline is given in the report's zone
    assert said in _deadline(timezone, datetime(2026, 11, 22, tzinfo=UTC))


def test_two_deadlines_in_the_hour_clocks_go_back_over_read_differently() -> None:
    # Given a report in Los Angeles, whose clocks go back from 02:00 PDT to 01:00 PST on 2026-11-01
    # When one link expires at 01:30 PDT (08:30 UTC) and another at 01:30 PST (09:30 UTC)
    first = _deadline("America/Los_Angeles", datetime(2026, 11, 1, 8, 30, tzinfo=UTC))
    second = _deadline("America/Los_Angeles", datetime(2026, 11, 1, 9, 30, tzinfo=UTC))
    # Then each says its offset: a reader told "01:30" alone could click in the second 01:30, too late
    assert "01:30（America/Los_Angeles 时间，UTC-07:00）" in first
    assert "01:30（America/Los_Angeles 时间，UTC-08:00）" in second
