"""Editions when the configuration changes between days: what earlier editions did still holds."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from loopback import LoopbackServer, static

from ai_news_tracker.config import parse_config
from ai_news_tracker.models import Entry
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.store import LocalStore

DAY1 = datetime(2026, 6, 19, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
FEED = [{"name": "甲", "url": "https://example.com/feed.xml"}]


def pipeline(tmp_path: Path, lookback_hours: int = 24, sources: list[dict[str, Any]] = FEED) -> Pipeline:
    config = parse_config(
        {"report": {"lookback_hours": lookback_hours}, "filter": {"include": []}, "sources": sources}
    )
    return Pipeline(config, raw=LocalStore(tmp_path / "raw"), site=LocalStore(tmp_path / "site"))


def rss(*items: str) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{''.join(items)}</channel></rss>".encode()


def rss_item(title: str, date: str, link: str | None = None, guid: str | None = None) -> str:
    guid_xml = f"<guid>{guid}</guid>" if guid else ""
    return (
        f"<item><title>{title}</title><link>{link or f'https://example.com/{title}'}</link>{guid_xml}"
        f"<pubDate>{date}</pubDate></item>"
    )


def entry(name: str) -> Entry:
    return Entry(
        title=name, text=f"{name} 的正文", url=f"https://example.com/{name}", guid=None, published_at=None
    )


def test_a_longer_lookback_after_the_first_edition_does_not_bring_back_what_it_never_covered(
    tmp_path: Path,
) -> None:
    # Given an undated item seen three days before the first edition, which a 24-hour lookback left out
    first = pipeline(tmp_path, lookback_hours=24)
    first.repo.record_entries("甲", [entry("OLD")], DAY1 - timedelta(days=3))
    first.repo.record_entries("甲", [entry("FRESH")], DAY1 - timedelta(hours=2))
    day1, _ = first.build(DAY1)
    assert [i.title for i in day1.items] == ["FRESH"]
    # When lookback_hours becomes a week and the next day's edition is built
    later = pipeline(tmp_path, lookback_hours=168)
    later.repo.record_entries("甲", [entry("DAY2")], DAY1 + timedelta(hours=5))
    day2, _ = later.build(DAY1 + timedelta(days=1))
    # Then it holds only what came since the first edition
    assert [i.title for i in day2.items] == ["DAY2"]


def test_a_feed_added_later_brings_its_news_but_not_its_archive(tmp_path: Path) -> None:
    day1_news = rss_item("甲今日", "Fri, 19 Jun 2026 15:00:00 +0800")
    routes = {"/a.xml": static(rss(day1_news, rss_item("甲旧文", "Thu, 28 Nov 2019 10:00:00 +0800")))}
    with LoopbackServer(routes) as server:
        sources = [{"name": "甲", "url": server.url("/a.xml")}]
        # Given a first edition of one feed, which dates one of its items 2019 (a wrong date, say)
        first = pipeline(tmp_path, sources=sources)
        first.fetch(DAY1 - timedelta(hours=3))
        first.build(DAY1)
        # When a second feed is added the next day, its archive from 2019 beside its news, and the first
        # feed shows a new item it also dates 2019
        server.routes["/b.xml"] = static(
            rss(
                rss_item("乙今日", "Sat, 20 Jun 2026 15:00:00 +0800"),
                rss_item("乙旧文", "Thu, 28 Nov 2019 10:00:00 +0800"),
            )
        )
        server.routes["/a.xml"] = static(
            rss(day1_news, rss_item("甲又一篇", "Thu, 28 Nov 2019 11:00:00 +0800"))
        )
        later = pipeline(tmp_path, sources=[*sources, {"name": "乙", "url": server.url("/b.xml")}])
        later.fetch(DAY1 + timedelta(hours=5))
        day2, _ = later.build(DAY1 + timedelta(days=1))
    # Then the next edition holds the new feed's news but not its archive, and all of the first feed's
    assert sorted(i.title for i in day2.items) == sorted(["乙今日", "甲又一篇"])


def test_the_first_fetch_after_an_upgrade_gives_the_items_it_shows_their_guid_aliases(tmp_path: Path) -> None:
    feed = rss(
        rss_item(
            "智谱发布 GLM-5", "Fri, 19 Jun 2026 10:00:00 +0800", "https://mp.weixin.qq.com/s/AbC", "wx-1"
        )
    )
    with LoopbackServer({"/feed.xml": static(feed)}) as server:
        pipe = pipeline(tmp_path, sources=[{"name": "新智元", "url": server.url("/feed.xml")}])
        # Given a source fetched by a version that wrote no aliases
        pipe.fetch(DAY1)
        shutil.rmtree(tmp_path / "raw" / "aliases")
        pipe.repo.save_source_state("新智元", replace(pipe.repo.source_state("新智元"), aliased=False))
        # When it is fetched again
        pipe.fetch(DAY1 + timedelta(hours=1))
    # Then the item it shows has its alias, and the source is not asked to again
    assert len(list((tmp_path / "raw" / "aliases").iterdir())) == 1
    assert pipe.repo.source_state("新智元").aliased


def test_a_new_source_is_known_as_new_before_its_items_are_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = rss(rss_item("旧文", "Thu, 28 Nov 2019 10:00:00 +0800"))
    with LoopbackServer({"/b.xml": static(feed)}) as server:
        pipe = pipeline(tmp_path, sources=[{"name": "乙", "url": server.url("/b.xml")}])
        # Given the storing of a new source's items is interrupted (a crash, or an edition cut meanwhile)
        seen: list[object] = []

        def interrupted(*args: object, **kwargs: object) -> None:
            seen.append(pipe.repo.source_state("乙").first_fetched_at)
            raise RuntimeError("interrupted")

        monkeypatch.setattr(pipe.repo, "record_entries", interrupted)
        with pytest.raises(RuntimeError):
            pipe.fetch(DAY1)
    # Then the source was already known as new, from its first answer on
    assert seen == [DAY1]
