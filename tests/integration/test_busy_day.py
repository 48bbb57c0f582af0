"""A day with far more relevant news than an edition shows: the newest stories, duplicates merged.

Duplicate merging compares items with each other; over thousands of items it dominated a run's memory
(bench/scale.py). The edition shows the newest ``max_items`` stories, so only the newest
``max_items x CLUSTER_FACTOR`` relevant items are clustered.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import html5lib
from loopback import LoopbackServer, static

from ai_news_tracker import dedupe
from ai_news_tracker.cli import main
from ai_news_tracker.config import parse_config
from ai_news_tracker.models import Entry
from ai_news_tracker.pipeline import CLUSTER_FACTOR, Pipeline
from ai_news_tracker.store import LocalStore

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
MAX_ITEMS = 3


def entry(n: int, title: str | None = None, source_url: str | None = None) -> Entry:
    return Entry(
        title=title or f"国产大模型 Model-{n} 发布第 {n} 版推理能力报告",
        text=f"第 {n} 篇：关于模型 {n} 的独立报道，编号 {n * 7919} 与其他文章无关。",
        url=source_url or f"https://example.com/news/{n}",
        guid=None,
        published_at=None,
    )


def test_a_busy_day_shows_its_newest_stories_with_duplicates_merged(tmp_path: Path) -> None:
    # Given 400 relevant items first seen over the day, the newest two being one story told twice
    config = parse_config(
        {
            "report": {"max_items": MAX_ITEMS},
            "filter": {"include": []},
            "sources": [
                {"name": "Wire", "url": "https://example.com/wire.xml"},
                {"name": "Other", "url": "https://example.org/other.xml"},
            ],
        }
    )
    pipeline = Pipeline(config, raw=LocalStore(tmp_path / "raw"), site=LocalStore(tmp_path / "site"))
    start = NOW - timedelta(hours=20)
    for n in range(400):
        pipeline.repo.record_entries("Wire", [entry(n)], start + timedelta(minutes=2 * n))
    story = "智谱发布 GLM-5 开源大模型，推理成本下降一半"
    newest = start + timedelta(minutes=2 * 400)
    pipeline.repo.record_entries("Wire", [entry(400, story)], newest)
    pipeline.repo.record_entries("Other", [entry(401, story, "https://example.org/glm-5")], newest)

    # When the day's edition is built
    clustered: list[int] = []

    def spy(items: Any, threshold: float) -> Any:
        clustered.append(len(items))
        return real(items, threshold)

    real = dedupe.cluster
    with mock.patch.object(dedupe, "cluster", spy):
        edition, rebuilt = pipeline.build(NOW)

    # Then it shows the newest stories, the duplicate as one item from both sources
    assert not rebuilt
    assert [item.title for item in edition.items] == [
        story,
        "国产大模型 Model-399 发布第 399 版推理能力报告",
        "国产大模型 Model-398 发布第 398 版推理能力报告",
    ]
    assert {edition.items[0].source, *edition.items[0].also_in} == {"Wire", "Other"}
    # and only the newest few times max_items items were compared with each other
    assert clustered == [MAX_ITEMS * CLUSTER_FACTOR]


def rss(*titles: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://example.com/{n}</link><description>正文 {n}</description>"
        f"<pubDate>Fri, 20 Nov 2026 0{n}:00:00 +0800</pubDate></item>"
        for n, title in enumerate(titles, start=1)
    )
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{items}</channel></rss>".encode()


def test_stories_past_max_items_are_listed_in_their_edition_and_never_again(tmp_path: Path) -> None:
    # Given a feed with five relevant stories and editions of three, mailed to one reader
    titles = [f"大模型快讯 {n}：O{n}" for n in range(1, 6)]
    with LoopbackServer({"/feed": static(rss(*titles))}) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            "[report]\nmax_items = 3\n[filter]\ninclude = []\n"
            f'[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n'
            '[email]\nenabled = true\nrecipients = ["r@example.com"]\n',
            encoding="utf-8",
        )
        argv = ["run", "--config", str(config), "--data-dir", str(tmp_path / "d")]
        # When the day is run, and the next day too, the feed unchanged
        assert main([*argv, "--now", "2026-11-20T20:00:00+08:00"]) == 0
        assert main([*argv, "--now", "2026-11-21T20:00:00+08:00"]) == 0

    reports = tmp_path / "d" / "site" / "reports"
    day1 = json.loads((reports / "2026-11-20.json").read_text(encoding="utf-8"))
    # Then the first edition shows the newest three in full and lists the other two, with their links
    assert [i["title"] for i in day1["items"]] == titles[:1:-1]
    assert [(i["title"], i["url"]) for i in day1["more_items"]] == [
        (titles[1], "https://example.com/2"),
        (titles[0], "https://example.com/1"),
    ]
    assert day1["unlisted"] == 0
    markdown = (reports / "2026-11-20.md").read_text(encoding="utf-8")
    assert (
        "*另有 2 条相关资讯未列出（每期最多详列 3 条），标题与链接见本期网页版和 JSON。*\n\n\n---\n"
        in markdown
    )
    assert titles[0] not in markdown
    page = html5lib.parse(
        (reports / "2026-11-20.html").read_text(encoding="utf-8"), namespaceHTMLElements=False
    )
    listed = [(a.text, a.get("href")) for a in page.iterfind(".//ul[@class='more-list']/li/bdi/a")]
    assert listed == [(titles[1], "https://example.com/2"), (titles[0], "https://example.com/1")]
    # and the email says there is more on the web
    (mail,) = (tmp_path / "d" / "outbox" / "2026-11-20").glob("*.eml")
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "另有 2 条资讯未在邮件中列出" in text and "另有 2 条资讯未在邮件中列出" in html  # no site_url
    # and the next edition repeats none of them
    day2 = json.loads((reports / "2026-11-21.json").read_text(encoding="utf-8"))
    assert day2["items"] == day2["more_items"] == []


TITLES = [f"大模型快讯 {n}：O{n}" for n in range(1, 6)]


def day_of_two_feeds(tmp_path: Path, report: str = "") -> dict[str, Any]:
    """The JSON edition of a day with two feeds: 甲's five stories (TITLES), 乙 carrying the oldest."""
    routes = {"/a": static(rss(*TITLES)), "/b": static(rss(TITLES[0]))}
    with LoopbackServer(routes) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            f"{report}[filter]\ninclude = []\n"
            f'[[sources]]\nname = "甲"\nurl = "{server.url("/a")}"\n'
            f'[[sources]]\nname = "乙"\nurl = "{server.url("/b")}"\n',
            encoding="utf-8",
        )
        argv = ["run", "--config", str(config), "--data-dir", str(tmp_path / "d")]
        assert main([*argv, "--now", "2026-11-20T20:00:00+08:00"]) == 0
    reports = tmp_path / "d" / "site" / "reports"
    return dict(json.loads((reports / "2026-11-20.json").read_text(encoding="utf-8")))


def test_a_listed_story_two_feeds_carried_names_both(tmp_path: Path) -> None:
    # Given two feeds, the second carrying the first's oldest story, and editions of three
    day = day_of_two_feeds(tmp_path, "[report]\nmax_items = 3\n")
    # Then the story listed past the three names both feeds as its sources
    listed = {i["title"]: i["sources"] for i in day["more_items"]}
    assert sorted(listed[TITLES[0]]) == sorted(["甲", "乙"])


def test_the_first_key_point_is_the_story_two_feeds_carried(tmp_path: Path) -> None:
    # Given two feeds, the second carrying the first's oldest story
    day = day_of_two_feeds(tmp_path)
    # Then the edition is newest first, but its first key point is the story both feeds told
    assert [i["title"] for i in day["items"]] == TITLES[::-1]
    assert day["key_points"][:2] == [TITLES[0], TITLES[4]]
