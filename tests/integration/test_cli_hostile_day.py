"""End to end: the real ``ai-news-tracker run`` command on one hostile day, against loopback feeds.

Every failure a live run meets at once: a source that hangs, one that answers 500, a captcha page, an
empty body, a redirect loop, an endless 40 MB download, an HTML promo page, XML garbage. Beside them a
GBK-encoded feed, the same article in two feeds under different tracking parameters, and a feed whose
titles and texts try to smuggle scripts, images and ``javascript:`` links into the edition.

The command runs as a subprocess (as cron or a developer runs it), once, with a fixed ``--now``; the
tests read what it left under ``--data-dir``. The last test runs it a second time. Everything is
served from 127.0.0.1; no other network is touched. All feed content is invented for this test.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from github_markdown import EDITION_TAGS, github_view
from loopback import Exchange, Handler, LoopbackServer, redirect, static
from web_audit import audit, external_links, strict_parse

from ai_news_tracker.render import FAILURE_LABELS

COMMAND = Path(sys.executable).parent / "ai-news-tracker"
NOW = "2026-11-20T13:50:00+08:00"
DAY = "2026-11-20"
CST = timezone(timedelta(hours=8))

RUN_BUDGET_SECONDS = 30  # the acceptance bound for the whole run
PEAK_RSS_LIMIT_KIB = 400 * 1024  # Linux reports ru_maxrss in KiB
HUGE_BYTES = 40 * 1024 * 1024
MAX_BYTES = 2_000_000
LEADERBOARD = "LM Arena"  # the leaderboard's name in the edition (config default)

FETCH_LIMITS = {
    "connect_timeout": 2,
    "read_timeout": 3,
    "deadline": 6,
    "retries": 2,
    "backoff": 0.1,
    "max_bytes": MAX_BYTES,
    "max_redirects": 5,
    "workers": 16,
}


# -- feeds ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Story:
    """One feed entry. ``text`` is written XML-escaped; ``markup`` (if given) verbatim, as raw HTML."""

    title: str
    link: str | None
    published: datetime
    text: str = ""
    markup: str | None = None
    guid: str | None = None


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


def rss(channel: str, stories: list[Story], encoding: str = "utf-8") -> bytes:
    items = []
    for s in stories:
        parts = [f"<title>{html.escape(s.title)}</title>"]
        if s.link is not None:
            parts.append(f"<link>{html.escape(s.link)}</link>")
        if s.guid is not None:
            parts.append(f'<guid isPermaLink="false">{html.escape(s.guid)}</guid>')
        description = s.markup if s.markup is not None else html.escape(s.text)
        parts.append(f"<description>{description}</description>")
        parts.append(f"<pubDate>{format_datetime(s.published)}</pubDate>")
        items.append("<item>" + "".join(parts) + "</item>")
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(channel)}</title><link>https://example.com/</link>"
        f"<description>{html.escape(channel)}</description>{''.join(items)}</channel></rss>\n"
    )
    return document.encode(encoding)


def atom(channel: str, stories: list[Story]) -> bytes:
    entries = "".join(
        f"<entry><title>{html.escape(s.title)}</title>"
        f'<link rel="alternate" href="{html.escape(s.link or "")}"/>'
        f"<id>tag:example.org,2026:{i}</id><updated>{s.published.isoformat()}</updated>"
        f'<summary type="html">{html.escape(s.text)}</summary></entry>'
        for i, s in enumerate(stories)
    )
    document = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(channel)}</title><id>tag:example.org,2026:feed</id>"
        f"<updated>{at(20, 12).isoformat()}</updated>{entries}</feed>\n"
    )
    return document.encode("utf-8")


def rss_response(body: bytes, charset: str = "utf-8") -> Handler:
    return static(body, headers={"Content-Type": f"application/rss+xml; charset={charset}"})


def atom_response(body: bytes) -> Handler:
    return static(body, headers={"Content-Type": "application/atom+xml; charset=utf-8"})


def html_response(body: bytes) -> Handler:
    return static(body, headers={"Content-Type": "text/html; charset=utf-8"})


# The same article, reached through two feeds' tracking links.
REPEATED = "DeepSeek V3.2 正式版发布，API 价格下调一半"
JIA = [
    Story(
        REPEATED, "https://example.com/a/1?utm_source=rss&f=rss", at(20, 9), "深度求索今日发布 V3.2 正式版。"
    ),
    Story(
        "智谱 GLM-4.6 开源，编程能力比肩国际一线",
        "https://example.com/jia/2",
        at(20, 8, 10),
        "智谱开源新模型。",
    ),
]
YI = [
    Story(REPEATED, "https://www.example.com/a/1?utm_medium=x#frag", at(20, 9, 5), "V3.2 正式版上线。"),
    Story(
        "月之暗面 Kimi K2 Thinking 登上开源模型榜首", "https://example.org/yi/2", at(20, 7, 30), "榜单更新。"
    ),
]
GBK = [
    Story(
        "百度文心大模型 5.0 发布，原生全模态统一建模",
        "https://gbk.example.cn/news/1",
        at(20, 10),
        "百度世界大会。",
    ),
    Story("腾讯混元 3D 世界模型开源", "https://gbk.example.cn/news/2", at(20, 6, 45), "腾讯宣布开源。"),
    Story(
        "科大讯飞星火 X1 深度推理模型升级", "https://gbk.example.cn/news/3", at(19, 18, 20), "讯飞发布会。"
    ),
]
HOSTILE = [
    Story(
        "<script>alert(1)</script>通义千问 Qwen3-Max 正式版上线",
        "https://example.net/hostile/1",
        at(20, 11),
        "<img src=x onerror=alert(1)>阿里发布 Qwen3-Max。[click](javascript:alert(1)) "
        "![x](data:image/png;base64,AAAA) 详见 https://evil.example/x 或 www.evil.example，"
        "商务合作 bd@evil.example，投稿 mailto:tips@evil.example",
    ),
    Story(
        "[click](javascript:alert(1)) 豆包大模型 1.6 全面降价",
        "javascript:alert(1)",
        at(20, 10, 30),
        '<a href="javascript:alert(1)">点我领取</a> **bold** 字节跳动宣布降价。',
        guid="hostile-2",
    ),
    Story(
        "![x](data:image/png;base64,AAAA) MiniMax 发布 M2 智能体模型",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        at(20, 9, 40),
        "# heading 与 `rm -rf /` 反引号 ``code``",
        guid="hostile-3",
    ),
    Story(
        "**bold** # heading `code` 商汤日日新 V6 发布",
        "https://example.net/hostile/4",
        at(20, 8, 20),
        "&lt;script&gt;alert(1)&lt;/script&gt; 是转义后的标记，应原样显示。R&amp;D 与 Q&amp;A 照常。",
    ),
    Story(
        "阶跃星辰 Step-3 多模态模型 <iframe src=javascript:alert(1)>",
        "https://example.net/hostile/5",
        at(20, 7),
        markup='<iframe src="javascript:alert(1)">iframe 后备文本</iframe><p>阶跃星辰发布 Step-3。</p>',
    ),
    Story(
        "零一万物 Yi-Lightning 2 大模型发布",
        "https://example.net/hostile/6",
        at(20, 6, 30),
        # references to no character: lone surrogates and beyond U+10FFFF (feedparser raised on them)
        markup="零一万物发布新模型&#xD800;&#55296;&#xDFFF;&#x110000;&#99999999999;。",
    ),
]
# Plain titles must show exactly; the hostile ones are found by a word that survives any cleaning.
PLAIN_TITLES = [REPEATED] + [s.title for s in JIA[1:] + YI[1:] + GBK]
HOSTILE_WORDS = ["通义千问", "豆包", "MiniMax", "日日新", "阶跃星辰", "零一万物"]

CAPTCHA_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head>
<body><p>您的访问过于频繁，请稍后再试。</p>
<form id="seccodeForm" method="post" action="/verify"><p>请输入验证码：</p>
<img id="seccodeImage" src="/seccode.png"><input name="c"><button>提交</button></form></body></html>
""".encode()
PROMO_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>数据服务 - 行业数据一站式获取</title></head><body><h1>数据服务</h1>
<p>海量行业数据，标准 API 调用，企业用户免费试用 7 天。</p><a href="/pricing">立即咨询</a></body></html>
""".encode()
# An item opened and never finished, then garbage: nothing in it can be recovered.
BAD_XML = b"<rss><channel><item><title>x\x01<<<&&& \xe4\xb9\xb1\xe7\xa0\x81 ]]> </chan"


# -- the bad sources ----------------------------------------------------------------------------------
def hang(exchange: Exchange) -> None:
    """Accept, never answer; returns as soon as the server stops."""
    exchange.wait(300)


def endless_feed(exchange: Exchange) -> None:
    """A chunked feed of HUGE_BYTES that never ends early: only the client hanging up stops it."""
    headers = {"Content-Type": "application/rss+xml; charset=utf-8", "Transfer-Encoding": "chunked"}
    exchange.start(200, headers)
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>巨源</title>'
    filler = "<item><title>巨源填充条目</title><description>" + "数据" * 200 + "</description></item>"
    if not exchange.write(chunked(head.encode())):
        return
    frame = chunked(filler.encode() * 64)
    while exchange.sent < HUGE_BYTES:
        if exchange.wait(0) or not exchange.write(frame):  # stopping, or the client hung up
            return
    exchange.write(b"0\r\n\r\n")


def chunked(data: bytes) -> bytes:
    """One chunk of the chunked transfer coding."""
    return b"%x\r\n%s\r\n" % (len(data), data)


@dataclass(frozen=True)
class BadSource:
    name: str
    path: str
    handler: Handler
    status: str  # the failure word the edition must give


# What each bad source does, and the failure word the edition must give for it.
BAD_SOURCES = [
    BadSource("慢源", "/hang", hang, "timeout"),
    BadSource("坏源", "/error", static(b"Internal Server Error", 500), "http_error"),
    BadSource("验证码", "/captcha", html_response(CAPTCHA_PAGE), "blocked"),
    BadSource("空源", "/empty", rss_response(b""), "empty"),
    BadSource("循环", "/loop", redirect("/loop"), "redirect_loop"),
    BadSource("巨源", "/huge", endless_feed, "too_large"),
    BadSource("网页", "/promo", html_response(PROMO_PAGE), "not_a_feed"),
    BadSource("坏XML", "/bad.xml", rss_response(BAD_XML), "malformed"),
]
GOOD_SOURCES = {
    "甲": ("/jia.xml", rss_response(rss("甲", JIA))),
    "乙": ("/yi.atom", atom_response(atom("乙", YI))),
    "GBK源": ("/gbk.xml", rss_response(rss("GBK源", GBK, encoding="gbk"), charset="gbk")),
    "刁钻源": ("/hostile.xml", rss_response(rss("刁钻源", HOSTILE))),
}


def leaderboard_file() -> bytes:
    newest = {
        "gemini-3-pro": 1501.2,
        "grok-4.1-thinking": 1483.6,
        "claude-opus-4-5": 1470.4,
        "gpt-5.1-high": 1458.9,
        "qwen3-max": 1433.3,
        "kimi-k2-thinking": 1430.1,
        "glm-4.6": 1425.7,
        "deepseek-v3.2-exp": 1421.4,
        "mistral-medium-3": 1380.0,
        "gpt-4o": 1340.2,
        "qwq-32b": 1316.5,
        "llama-4-maverick": 1300.8,
    }
    older = {model: score - 10 for model, score in newest.items()}
    history = {
        "20261101": {"text": {"overall": older}},
        "20261115": {"text": {"overall": newest}, "vision": {"overall": {"qwen3-vl": 1200.0}}},
    }
    return json.dumps(history, ensure_ascii=False).encode()


def write_config(path: Path, server: LoopbackServer) -> None:
    q = json.dumps  # a JSON string is a valid TOML basic string
    lines = [
        "[report]",
        'title = "国产大模型日报"',
        'timezone = "Asia/Shanghai"',
        "summary_chars = 300",
        "max_items = 30",
        "lookback_hours = 24",
        "key_points = 5",
        "",
        "[filter]",
        "include = []",
        "",
    ]
    sources = [(b.name, b.path) for b in BAD_SOURCES] + [(n, p) for n, (p, _) in GOOD_SOURCES.items()]
    for name, route in sources:
        lines += ["[[sources]]", f"name = {q(name, ensure_ascii=False)}", f"url = {q(server.url(route))}", ""]
    lines += ["[leaderboard]", 'provider = "lmarena-history"', f"url = {q(server.url('/scores.json'))}", ""]
    lines += ["[fetch]"] + [f"{key} = {value}" for key, value in FETCH_LIMITS.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- running the command ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_kib: int  # the run's own peak (PEAK_OF), not the test process's nor its other children's


def loopback_only_env() -> dict[str, str]:
    """The environment without proxy settings, so requests to 127.0.0.1 go straight there."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


# Starts the run and writes its peak RSS (its rusage's, from os.wait4) to the file named first. A small
# process of its own: Linux keeps a process's high-water RSS across exec, so a run started straight from
# the test process (hundreds of MB after the suite's other tests) would report the test's size, not its own
PEAK_OF = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_command(config: Path, data_dir: Path) -> Run:
    argv = [str(COMMAND), "run", "--config", str(config), "--data-dir", str(data_dir), "--now", NOW]
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", PEAK_OF, str(peak_file), *argv],
            capture_output=True,
            text=True,
            env=loopback_only_env(),
            timeout=120,
            check=False,
        )
        seconds = time.monotonic() - started
        peak = int(peak_file.read_text())
    peak = peak // 1024 if sys.platform == "darwin" else peak  # Linux reports KiB, macOS bytes
    return Run(done.returncode, done.stdout, done.stderr, seconds, peak)


@dataclass(frozen=True)
class Day:
    config: Path
    data_dir: Path
    run: Run
    markdown: str
    payload: dict[str, Any]

    @property
    def reports(self) -> Path:
        return self.data_dir / "site" / "reports"


@pytest.fixture(scope="module")
def hostile_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    # Given every source of the day served on loopback, and a config with small but realistic limits
    tmp = tmp_path_factory.mktemp("hostile-day")
    board = tmp / "scores.json"
    board.write_bytes(leaderboard_file())
    routes: dict[str, Handler] = {b.path: b.handler for b in BAD_SOURCES}
    routes |= dict(GOOD_SOURCES.values())
    routes["/scores.json"] = static(board.read_bytes(), headers={"Content-Type": "application/json"})
    with LoopbackServer(routes) as server:
        config = tmp / "config.toml"
        write_config(config, server)
        data_dir = tmp / "data"
        # When the day's edition is built by the real command
        run = run_command(config, data_dir)
        reports = data_dir / "site" / "reports"
        markdown = (reports / f"{DAY}.md").read_text(encoding="utf-8") if run.code == 0 else ""
        payload = json.loads((reports / f"{DAY}.json").read_text(encoding="utf-8")) if run.code == 0 else {}
        yield Day(config, data_dir, run, markdown, payload)


@pytest.fixture
def day(hostile_day: Day) -> Day:
    assert hostile_day.run.code == 0, f"exit {hostile_day.run.code}: {hostile_day.run.stderr}"
    return hostile_day


# -- Markdown inspection ------------------------------------------------------------------------------
def unescaped(text: str, needle: str) -> list[int]:
    """Where ``needle`` occurs in Markdown source not escaped by a backslash (an odd run before it)."""
    positions = []
    for match in re.finditer(re.escape(needle), text):
        i = match.start()
        backslashes = 0
        while i - backslashes > 0 and text[i - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            positions.append(i)
    return positions


def links(markdown: str) -> list[tuple[str, str]]:
    """(label, target) of every Markdown link or image: every unescaped ``](``."""
    found = []
    for p in unescaped(markdown, "]("):
        label = markdown[markdown.rfind("[", 0, p) + 1 : p]
        end = markdown.find(")", p)
        found.append((label, markdown[p + 2 : end if end >= 0 else len(markdown)]))
    return found


def item_headings(markdown: str) -> list[str]:
    """The ``### title`` lines of the 详细资讯 section, without the ``### ``."""
    news = markdown.split("\n## 详细资讯\n", 1)[1]
    return [line[4:] for line in news.splitlines() if line.startswith("### ")]


LEADERBOARD_LINKS = {
    ("LM Arena (lmarena.ai)", "https://lmarena.ai/"),
    ("原始数据", "https://github.com/nakasyou/lmarena-history"),
}
WEB_URL = re.compile(r"https?://[^\s()<>]+")


# -- the run ------------------------------------------------------------------------------------------
def test_run_exits_0_within_budget_and_memory(day: Day) -> None:
    # Then the run succeeded, fast and small, without a traceback, naming the failures on stdout
    assert day.run.seconds < RUN_BUDGET_SECONDS, f"the run took {day.run.seconds:.1f} s"
    assert day.run.peak_rss_kib < PEAK_RSS_LIMIT_KIB, f"the run's peak RSS {day.run.peak_rss_kib} KiB"
    assert "Traceback" not in day.run.stderr
    assert day.run.stdout.startswith(f"published the {DAY} edition")
    assert (day.reports / f"{DAY}.md").is_file() and (day.reports / f"{DAY}.json").is_file()


def test_every_source_has_its_status_and_reason(day: Day) -> None:
    # Given the configured sources and the leaderboard
    expected = {b.name: b.status for b in BAD_SOURCES} | dict.fromkeys([*GOOD_SOURCES, LEADERBOARD], "ok")
    # When the JSON edition lists its sources
    sources = day.payload["sources"]
    by_name = {s["name"]: s for s in sources}
    # Then each one is there once, ok or with the failure word of what it did, and a reason when it failed
    assert len(sources) == len(by_name) == len(expected)
    assert {name: s["status"] for name, s in by_name.items()} == expected
    for name, status in expected.items():
        error = by_name[name]["error"]
        if status == "ok":
            assert error is None, name
        else:
            assert isinstance(error, str) and error.strip(), name
            assert by_name[name]["items"] == 0, name
    # And each source counts the edition's items it carried: the article both 甲 and 乙 showed, both
    assert sum(s["items"] for n, s in by_name.items() if n != LEADERBOARD) == sum(
        len(item["sources"]) for item in day.payload["items"]
    )
    (repeated,) = [item for item in day.payload["items"] if item["title"] == REPEATED]
    assert sorted(repeated["sources"]) == ["乙", "甲"]


def test_markdown_names_the_failed_sources_in_one_line(day: Day) -> None:
    # When the Markdown edition is read
    lines = [line for line in day.markdown.splitlines() if line.startswith("*本期部分来源未能获取:")]
    # Then one line names every failed source (and no good one), each with its reason in a word
    assert len(lines) == 1
    listed = lines[0].removeprefix("*本期部分来源未能获取:").strip().removesuffix("*").split("、")
    entries = [re.fullmatch(r"(.+)（(.+)）", entry) for entry in listed]
    named = {m.group(1): m.group(2) for m in entries if m is not None}
    assert len(named) == len(listed), listed
    assert named == {b.name: FAILURE_LABELS[b.status] for b in BAD_SOURCES}


def test_every_good_item_appears_once(day: Day) -> None:
    # When the edition's items are read in both formats
    headings = item_headings(day.markdown)
    titles = [item["title"] for item in day.payload["items"]]
    # Then there are exactly the good items: the repeated article once, the GBK titles read right
    assert len(titles) == len(headings) == len(PLAIN_TITLES) + len(HOSTILE_WORDS)
    for title in PLAIN_TITLES:
        assert headings.count(title) == 1, title
        assert titles.count(title) == 1, title
    for word in HOSTILE_WORDS:
        assert sum(word in h for h in headings) == 1, word
        assert sum(word in t for t in titles) == 1, word
    urls = [item["url"] for item in day.payload["items"]]
    assert sum(1 for u in urls if u and "/a/1" in u) == 1
    assert sum(1 for _, target in links(day.markdown) if "/a/1" in target) == 1


def test_gbk_feed_reads_right(day: Day) -> None:
    # Then the GBK feed's Chinese titles and texts come through exactly, in both formats
    by_title = {item["title"]: item for item in day.payload["items"]}
    for story in GBK:
        assert f"\n### {story.title}\n" in day.markdown
        assert by_title[story.title]["source"] == "GBK源"
        assert by_title[story.title]["summary"] == story.text
        assert by_title[story.title]["url"] == story.link
    # no replacement characters from a wrong decoding: the only ones stand for references to no character
    nowhere = by_title[HOSTILE[-1].title]["summary"]
    assert day.markdown.count("\ufffd") == nowhere.count("\ufffd") == 5


def test_references_to_no_character_read_as_replacement_characters(day: Day) -> None:
    # Given a feed whose text refers to lone surrogates and to code points beyond U+10FFFF
    # Then its items are in the edition, each such reference shown as U+FFFD, in every output
    story = HOSTILE[-1]
    by_title = {item["title"]: item for item in day.payload["items"]}
    assert by_title[story.title]["summary"] == "零一万物发布新模型" + "\ufffd" * 5 + "。"
    assert f"\n### {story.title}\n" in day.markdown
    day.markdown.encode("utf-8")  # nothing that UTF-8 cannot hold


def test_no_feed_text_becomes_a_link_image_script_or_html(day: Day) -> None:
    md = day.markdown
    item_urls = {item["url"] for item in day.payload["items"] if item["url"] is not None}
    # When every link and image of the Markdown source is listed
    found = links(md)
    # Then the only ones are ours: 阅读原文 to each item's http(s) link, and the leaderboard's sources
    article_links = [target for label, target in found if label == "阅读原文"]
    assert all(WEB_URL.fullmatch(target) for target in article_links), article_links
    assert sorted(article_links) == sorted(item_urls)
    assert {link for link in found if link[0] != "阅读原文"} == LEADERBOARD_LINKS
    assert len(found) == len(article_links) + len(LEADERBOARD_LINKS)
    for _, target in found:
        assert not re.search(r"(?i)javascript:|data:", target), target
    # and no HTML, no image opener, no code span, no extra top-level heading can form
    assert unescaped(md, "<") == [], [md[max(0, i - 30) : i + 30] for i in unescaped(md, "<")]
    assert unescaped(md, "![") == []
    assert unescaped(md, "`") == []
    assert not re.search(r"(?i)(?<!\\)<\s*(script|img|iframe)", md)
    assert [line for line in md.splitlines() if line.startswith("# ")] == [f"# {DAY} 国产大模型日报"]
    # and no bare URL in feed text can become an autolink
    outside_links = re.sub(r"(?<!\\)\[[^\[\]]*\]\([^()]*\)", "", md)
    assert "://" not in outside_links and not re.search(r"(?i)www\.", outside_links)
    # the hostile text is still shown, as text
    assert r"\<script\>" in md  # the escaped markup of 日日新's text, shown literally
    assert r"\*\*bold\*\*" in md
    assert "onerror" not in md and "iframe 后备文本" not in md  # markup and iframe fallback are not text


def test_github_renders_feed_text_as_text(day: Day) -> None:
    # When GitHub's renderer shows the edition
    view = github_view(day.markdown)
    # Then its only links are ours: no mail link made of an address in a text
    item_urls = {item["url"] for item in day.payload["items"] if item["url"] is not None}
    assert set(view.links) == {("阅读原文", url) for url in item_urls} | LEADERBOARD_LINKS
    # and only the edition's own elements: no image, script, frame, code or markup from a feed
    assert view.tags <= EDITION_TAGS, view.tags - EDITION_TAGS
    # and each item's title and text read exactly as the JSON edition has them
    assert view.titles == ["全球 Top 5", "国产模型排名"] + [item["title"] for item in day.payload["items"]]
    summaries = [item["summary"] for item in day.payload["items"] if item["summary"]]
    assert [s for s in summaries if s.strip() not in view.paragraphs] == []
    assert any("商务合作 bd@evil.example，投稿 mailto:tips@evil.example" in p for p in view.paragraphs)
    assert any("R&D 与 Q&A 照常" in p for p in view.paragraphs)


def test_no_feed_text_becomes_script_handlers_or_links_in_any_page(day: Day) -> None:
    site = day.data_dir / "site"
    item_urls = {item["url"] for item in day.payload["items"] if item["url"] is not None}
    for key in (f"reports/{DAY}.html", "latest.html", "index.html"):
        page = (site / key).read_text(encoding="utf-8")
        # Then each page is valid HTML5 with no script, handler, style or non-http(s) link in its tree
        assert audit(page) == [], key
        tree = strict_parse(page)
        assert external_links(tree) <= item_urls | {link for _, link in LEADERBOARD_LINKS}, key
    # And every item of the edition page is there, its hostile title shown as text
    tree = strict_parse((site / "reports" / f"{DAY}.html").read_text(encoding="utf-8"))
    titles = ["".join(h.itertext()) for h in tree.iterfind(".//article/h3")]
    assert titles == [item["title"] for item in day.payload["items"]]
    texts = ["".join(p.itertext()) for p in tree.iterfind(".//article/p[@class='summary']")]
    assert any("<script>alert(1)</script> 是转义后的标记" in text for text in texts)  # literal text
    # And the feed is Atom whose text stays text
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.version == "atom10" and not feed.bozo and len(feed.entries) == 1
    assert audit(f"<!DOCTYPE html><title>x</title>{feed.entries[0].content[0].value}") == []


def test_json_item_urls_are_web_links_or_null(day: Day) -> None:
    # Then no item of the JSON edition points anywhere but http(s); javascript:/data: links are dropped
    urls = {item["title"]: item["url"] for item in day.payload["items"]}
    assert all(url is None or WEB_URL.fullmatch(url) for url in urls.values()), urls
    assert [url for title, url in urls.items() if "豆包" in title or "MiniMax" in title] == [None, None]


def test_leaderboard_is_the_newest_snapshot(day: Day) -> None:
    # Then the leaderboard is ranked from the newest snapshot, domestic models at their global rank
    board = day.payload["leaderboard"]
    assert (board["provider"], board["snapshot_date"]) == ("lmarena-history", "2026-11-15")
    assert [r["model"] for r in board["global_top"]] == [
        "gemini-3-pro",
        "grok-4.1-thinking",
        "claude-opus-4-5",
        "gpt-5.1-high",
        "qwen3-max",
    ]
    assert [(r["rank"], r["model"]) for r in board["domestic"]] == [
        (5, "qwen3-max"),
        (6, "kimi-k2-thinking"),
        (7, "glm-4.6"),
        (8, "deepseek-v3.2-exp"),
        (11, "qwq-32b"),
    ]


def test_rerun_of_the_day_gives_the_same_edition(day: Day) -> None:
    # Given the published edition
    site = day.data_dir / "site"
    before = {suffix: (day.reports / f"{DAY}{suffix}").read_bytes() for suffix in (".md", ".json", ".html")}
    shared = {
        key: (site / key).read_bytes() for key in ("index.html", "feed.xml", "latest.html", "latest.md")
    }
    # When the same day is run again (the bad sources are as bad as before)
    again = run_command(day.config, day.data_dir)
    # Then it succeeds and publishes the very same bytes
    assert again.code == 0, again.stderr
    assert again.seconds < RUN_BUDGET_SECONDS
    assert again.stdout.startswith(f"republished the {DAY} edition")
    assert {suffix: (day.reports / f"{DAY}{suffix}").read_bytes() for suffix in before} == before
    assert {key: (site / key).read_bytes() for key in shared} == shared
