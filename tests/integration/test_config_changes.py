"""Editions when the configuration changes between days: what earlier editions did still holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ai_news_tracker.config import parse_config
from ai_news_tracker.models import Entry
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.store import LocalStore

DAY1 = datetime(2026, 6, 19, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


def pipeline(tmp_path: Path, lookback_hours: int) -> Pipeline:
    config = parse_config(
        {
            "report": {"lookback_hours": lookback_hours},
            "filter": {"include": []},
            "sources": [{"name": "甲", "url": "https://example.com/feed.xml"}],
        }
    )
    return Pipeline(config, raw=LocalStore(tmp_path / "raw"), site=LocalStore(tmp_path / "site"))


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
    from loopback import LoopbackServer, static

    def rss(*items: tuple[str, str]) -> bytes:
        body = "".join(
            f"<item><title>{title}</title><link>https://example.com/{title}</link>"
            f"<pubDate>{date}</pubDate></item>"
            for title, date in items
        )
        head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        return f"{head}{body}</channel></rss>".encode()

    day1_news = ("甲今日", "Fri, 19 Jun 2026 15:00:00 +0800")
    routes = {"/a.xml": static(rss(day1_news, ("甲旧文", "Thu, 28 Nov 2019 10:00:00 +0800")))}
    with LoopbackServer(routes) as server:
        sources = [{"name": "甲", "url": server.url("/a.xml")}]
        # Given a first edition of one feed, which dates one of its items 2019 (a wrong date, say)
        first = Pipeline(
            parse_config({"filter": {"include": []}, "sources": sources}),
            raw=LocalStore(tmp_path / "raw"),
            site=LocalStore(tmp_path / "site"),
        )
        first.fetch(DAY1 - timedelta(hours=3))
        first.build(DAY1)
        # When a second feed is added the next day, its archive from 2019 beside its news, and the first
        # feed shows a new item it also dates 2019
        server.routes["/b.xml"] = static(
            rss(("乙今日", "Sat, 20 Jun 2026 15:00:00 +0800"), ("乙旧文", "Thu, 28 Nov 2019 10:00:00 +0800"))
        )
        server.routes["/a.xml"] = static(rss(day1_news, ("甲又一篇", "Thu, 28 Nov 2019 11:00:00 +0800")))
        later = Pipeline(
            parse_config(
                {
                    "filter": {"include": []},
                    "sources": [*sources, {"name": "乙", "url": server.url("/b.xml")}],
                }
            ),
            raw=LocalStore(tmp_path / "raw"),
            site=LocalStore(tmp_path / "site"),
        )
        later.fetch(DAY1 + timedelta(hours=5))
        day2, _ = later.build(DAY1 + timedelta(days=1))
    # Then the next edition holds the new feed's news but not its archive, and all of the first feed's
    assert sorted(i.title for i in day2.items) == sorted(["乙今日", "甲又一篇"])


def test_the_first_fetch_after_an_upgrade_gives_the_items_it_shows_their_guid_aliases(tmp_path: Path) -> None:
    import shutil
    from dataclasses import replace

    from loopback import LoopbackServer, static

    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>智谱发布 GLM-5</title><link>https://mp.weixin.qq.com/s/AbC</link><guid>wx-1</guid>"
        "<pubDate>Fri, 19 Jun 2026 10:00:00 +0800</pubDate></item></channel></rss>"
    ).encode()
    with LoopbackServer({"/feed.xml": static(feed)}) as server:
        config = parse_config(
            {"filter": {"include": []}, "sources": [{"name": "新智元", "url": server.url("/feed.xml")}]}
        )
        pipe = Pipeline(config, raw=LocalStore(tmp_path / "raw"), site=LocalStore(tmp_path / "site"))
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
    from loopback import LoopbackServer, static

    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>旧文</title><link>https://example.com/old</link>"
        "<pubDate>Thu, 28 Nov 2019 10:00:00 +0800</pubDate></item></channel></rss>"
    ).encode()
    with LoopbackServer({"/b.xml": static(feed)}) as server:
        pipe = Pipeline(
            parse_config(
                {"filter": {"include": []}, "sources": [{"name": "乙", "url": server.url("/b.xml")}]}
            ),
            raw=LocalStore(tmp_path / "raw"),
            site=LocalStore(tmp_path / "site"),
        )
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
