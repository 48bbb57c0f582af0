"""Rebuilding a day already published ("Rebuild the newest edition" in the README's runbook) keeps the
cutoff it was published with: an item first seen after it belongs to the next day, whose email carries
it. The day was mailed already and is not mailed again, so an item taken into it by a rebuild at a later
time reached no subscriber; and its feed entry's ``published`` is the first publication's, not the
rebuild's.

Through the real command, one feed served on loopback, the clock given by ``--now``.
"""

from __future__ import annotations

import email
import email.policy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from loopback import LoopbackServer, static

from ai_news_tracker.cli import main

DAY1, DAY2 = "2026-01-20", "2026-01-21"
EARLY = ("早间：智谱发布 GLM-5 大模型", "https://36kr.com/p/1", "Tue, 20 Jan 2026 07:00:00 +0800")
NOON = ("午间：DeepSeek 开源 V4 大模型", "https://36kr.com/p/2", "Tue, 20 Jan 2026 11:30:00 +0800")
EVENING = ("傍晚：月之暗面发布 Kimi 大模型", "https://36kr.com/p/3", "Tue, 20 Jan 2026 14:30:00 +0800")
NEXT = ("次日：百度发布文心大模型新版", "https://36kr.com/p/4", "Wed, 21 Jan 2026 07:00:00 +0800")


def rss(*entries: tuple[str, str, str]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>{published}</pubDate>"
        f"<description>{title}。正文。</description></item>"
        for title, link, published in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>36kr</title>'
        f"<link>https://36kr.com/</link><description>d</description>{items}</channel></rss>"
    ).encode()


class Tracker:
    """The command over one data folder, and the feed it reads."""

    def __init__(self, server: LoopbackServer, root: Path) -> None:
        self.server, self.data, self.config = server, root / "data", root / "c.toml"
        self.config.write_text(
            '[report]\ntimezone = "Asia/Shanghai"\n'
            f'[[sources]]\nname = "36Kr"\nurl = "{server.url("/36kr")}"\n'
            '[email]\nenabled = true\nsender = "日报 <digest@example.com>"\nrecipients = ["a@example.com"]\n',
            encoding="utf-8",
        )

    def feed(self, *entries: tuple[str, str, str]) -> None:
        self.server.routes["/36kr"] = static(rss(*entries))

    def __call__(self, command: str, now: str) -> None:
        assert self.exit_code(command, now) == 0

    def exit_code(self, command: str, now: str) -> int:
        return main([command, "--config", str(self.config), "--data-dir", str(self.data), "--now", now])

    def delete_stored_edition(self, day: str) -> None:  # the runbook's first step
        (self.data / "raw" / "editions" / f"{day}.json").unlink()

    def edition(self, day: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.data / "site" / "reports" / f"{day}.json").read_text())
        return loaded

    def titles(self, day: str) -> list[str]:
        return sorted(item["title"] for item in self.edition(day)["items"])

    def mailed(self, day: str) -> list[str]:
        """The titles the day's one email carries (its text part)."""
        (eml,) = (self.data / "outbox" / day).glob("*.eml")
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        return sorted(title for title, _, _ in (EARLY, NOON, EVENING, NEXT) if title in text)

    def feed_entry(self, day: str) -> tuple[str, str]:
        feed = feedparser.parse((self.data / "site" / "feed.xml").read_bytes())
        (entry,) = [e for e in feed.entries if e.id.endswith(day)]
        return entry.published, entry.updated


@pytest.fixture
def tracker(tmp_path: Path) -> Iterator[Tracker]:
    """Day 1 published and mailed at 08:10 with the morning's story; at 12:00 a fetch saw the noon one."""
    with LoopbackServer({}) as server:
        tracker = Tracker(server, tmp_path)
        tracker.feed(EARLY)
        tracker("run", f"{DAY1}T08:10:00+08:00")
        tracker.feed(NOON, EARLY)
        tracker("fetch", f"{DAY1}T12:00:00+08:00")
        yield tracker


def test_a_day_rebuilt_later_keeps_its_cutoff_and_the_items_seen_since_are_mailed_the_next_day(
    tracker: Tracker,
) -> None:
    published = tracker.edition(DAY1)
    first_entry = tracker.feed_entry(DAY1)
    assert tracker.mailed(DAY1) == [EARLY[0]]
    # When the day is rebuilt at 15:00 (the stored edition deleted, as the runbook says)
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T15:00:00+08:00")
    # Then it holds what it was published with, up to the same cutoff, and says so unchanged
    rebuilt = tracker.edition(DAY1)
    assert tracker.titles(DAY1) == [EARLY[0]]
    assert rebuilt["window"] == published["window"] and rebuilt["generated_at"] == published["generated_at"]
    assert rebuilt == published
    # And its feed entry keeps the time of its first publication
    assert tracker.feed_entry(DAY1) == first_entry == ("2026-01-20T00:10:00Z", "2026-01-20T00:10:00Z")
    # And the next day starts from that cutoff: the story seen at noon is on its page and in its email
    tracker.feed(NEXT, NOON, EARLY)
    tracker("run", f"{DAY2}T08:10:00+08:00")
    assert tracker.edition(DAY2)["window"]["start"] == "2026-01-20T08:10:00+08:00"
    assert tracker.titles(DAY2) == tracker.mailed(DAY2) == sorted([NOON[0], NEXT[0]])


def test_a_day_rebuilt_later_with_other_content_is_updated_at_the_rebuild_and_published_as_first(
    tracker: Tracker,
) -> None:
    published = tracker.edition(DAY1)
    # When the configuration changes what the day says (its title) and it is rebuilt at 15:00
    text = tracker.config.read_text("utf-8").replace("[report]\n", '[report]\ntitle = "大模型日报"\n')
    tracker.config.write_text(text, "utf-8")
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T15:00:00+08:00")
    # Then its feed entry is updated at the rebuild's time, and still published at the first cutoff
    assert tracker.feed_entry(DAY1) == ("2026-01-20T00:10:00Z", "2026-01-20T07:00:00Z")
    rebuilt = tracker.edition(DAY1)
    assert rebuilt["title"] == "大模型日报" and rebuilt["updated_at"] == "2026-01-20T15:00:00+08:00"
    assert rebuilt["window"] == published["window"] and tracker.titles(DAY1) == [EARLY[0]]


def test_a_day_rebuilt_at_its_original_time_takes_in_nothing_its_feed_shows_since(tracker: Tracker) -> None:
    # Given the feed shows a story since 14:30 that no fetch saw yet
    published = tracker.edition(DAY1)
    tracker.feed(EVENING, NOON, EARLY)
    # When the day is rebuilt with its original time (the runbook: "the original one works too")
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T08:10:00+08:00")
    # Then it is what was published: the run's clock, behind what the feed shows, dates nothing in it
    assert tracker.edition(DAY1) == published
    # And both stories seen after its cutoff are in the next day's edition and email
    tracker.feed(NEXT, EVENING, NOON, EARLY)
    tracker("run", f"{DAY2}T08:10:00+08:00")
    assert tracker.titles(DAY2) == tracker.mailed(DAY2) == sorted([NOON[0], EVENING[0], NEXT[0]])


def test_a_day_rebuilt_after_its_feed_broke_says_how_the_feed_went_by_its_cutoff(
    tracker: Tracker, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the feed answering an HTML page since 14:00 (fetched fine at 08:10 and at noon)
    published = tracker.edition(DAY1)
    tracker.server.routes["/36kr"] = static(b"<html><body>\u7ef4\u62a4\u4e2d</body></html>")
    assert tracker.exit_code("fetch", f"{DAY1}T14:00:00+08:00") == 1  # nothing at all could be fetched
    # When the day is rebuilt at 15:00 (its run fetches the broken feed again)
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T15:00:00+08:00")
    # Then it says what it said: its feed fetched by its cutoff, not failed with the afternoon's error
    assert tracker.edition(DAY1) == published
    assert published["sources"][0]["status"] == "ok"
    md = (tracker.data / "site" / "reports" / f"{DAY1}.md").read_text("utf-8")
    assert "未能获取" not in md
    # And the next day, built on time, says the feed failed
    tracker("run", f"{DAY2}T08:10:00+08:00")
    assert tracker.edition(DAY2)["sources"][0]["status"] != "ok"


def test_a_day_rebuilt_after_a_source_was_added_does_not_list_it_among_its_failed_sources(
    tracker: Tracker,
) -> None:
    # Given a second feed added at 14:00, after the day was published (its stories all first seen since)
    published = tracker.edition(DAY1)
    tracker.server.routes["/mirror"] = static(rss(EVENING))
    config = tracker.config.read_text("utf-8").replace(
        "[email]", f'[[sources]]\nname = "镜像"\nurl = "{tracker.server.url("/mirror")}"\n[email]'
    )
    tracker.config.write_text(config, "utf-8")
    tracker("fetch", f"{DAY1}T14:00:00+08:00")
    # When the day is rebuilt at 15:00
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T15:00:00+08:00")
    # Then it is what was published: the feed added since is none of its sources (it was listed as
    # 镜像（尚未抓取） under 本期部分来源未能获取, and the day dated anew)
    assert tracker.edition(DAY1) == published
    # And the next day lists it, with its story
    tracker("run", f"{DAY2}T08:10:00+08:00")
    assert [s["name"] for s in tracker.edition(DAY2)["sources"]] == ["36Kr", "镜像"]
    assert EVENING[0] in tracker.titles(DAY2)


@pytest.mark.parametrize("clock", ["15:00:00", "08:10:00"])  # later; the original time
def test_a_day_rebuilt_over_a_lost_raw_store_is_built_at_the_run_not_published_empty(
    tracker: Tracker, clock: str
) -> None:
    # Given the raw store is lost (deleted, or a new data folder beside the published site)
    assert tracker.titles(DAY1) == [EARLY[0]]
    shutil.rmtree(tracker.data / "raw")
    # When the day is run again
    tracker.feed(EVENING, NOON, EARLY)
    tracker("run", f"{DAY1}T{clock}+08:00")
    # Then the published cutoff, which this raw store never fetched by, is not kept: the run fetches,
    # and the day is built at its time with everything the feed shows, not published empty
    rebuilt = tracker.edition(DAY1)
    assert rebuilt["window"]["end"] == f"2026-01-20T{clock}+08:00"
    assert tracker.titles(DAY1) == sorted([EARLY[0], NOON[0], EVENING[0]])


def test_a_rebuild_at_the_original_time_over_a_raw_store_fetched_again_since_is_refused_not_emptied(
    tracker: Tracker, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the raw store lost, and a scheduled fetch at 10:00 filling it again (first seen at 10:00)
    published = tracker.edition(DAY1)
    shutil.rmtree(tracker.data / "raw")
    tracker("fetch", f"{DAY1}T10:00:00+08:00")
    capsys.readouterr()
    # When the day is rebuilt with its original time, as the runbook allows
    assert tracker.exit_code("run", f"{DAY1}T08:10:00+08:00") == 1
    # Then nothing is published: readers keep the day as they have it, and the one line says what to do
    assert tracker.edition(DAY1) == published
    (line,) = capsys.readouterr().err.splitlines()
    assert "cannot rebuild 2026-01-20 at 2026-01-20T08:10:00+08:00: readers have it with 1 story and" in line
    assert "Rebuild it at a later time" in line
    # And rebuilt later, the day is built at that time with what the raw store holds again
    tracker("run", f"{DAY1}T15:00:00+08:00")
    assert tracker.titles(DAY1) == sorted([EARLY[0], NOON[0]])


def test_a_rebuild_over_a_raw_store_that_lost_its_items_but_not_its_sources_is_refused(
    tracker: Tracker, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the items and their first-seen index lost, the sources' states kept (a partial restore)
    published = tracker.edition(DAY1)
    for lost in ("items", "seen"):
        shutil.rmtree(tracker.data / "raw" / lost)
    tracker.delete_stored_edition(DAY1)
    # When the day is rebuilt at 15:00, Then it is refused: its cutoff is kept and nothing is left by then
    assert tracker.exit_code("run", f"{DAY1}T15:00:00+08:00") == 1
    assert "readers have it with 1 story and this raw store holds none of them" in capsys.readouterr().err
    assert tracker.edition(DAY1) == published


def test_a_day_rebuilt_with_its_only_source_disabled_is_published_without_its_stories(tmp_path: Path) -> None:
    # Given a day published with 36Kr's story, beside a second source with nothing relevant
    with LoopbackServer({}) as server:
        tracker = Tracker(server, tmp_path)
        text = tracker.config.read_text("utf-8")
        second = f'[[sources]]\nname = "机器之心"\nurl = "{server.url("/jqzx")}"\n'
        tracker.config.write_text(text.replace("[email]", second + "[email]"), "utf-8")
        server.routes["/jqzx"] = static(rss())
        tracker.feed(EARLY)
        tracker("run", f"{DAY1}T08:10:00+08:00")
        assert tracker.titles(DAY1) == [EARLY[0]]
        # When 36Kr is disabled and the day rebuilt (the raw store still holds its story: not lost)
        text = tracker.config.read_text("utf-8")
        tracker.config.write_text(
            text.replace('name = "36Kr"\n', 'name = "36Kr"\nenabled = false\n'), "utf-8"
        )
        tracker.delete_stored_edition(DAY1)
        tracker("run", f"{DAY1}T15:00:00+08:00")
        # Then the day is published again, without the disabled source's story
        assert tracker.titles(DAY1) == []


def test_a_day_published_by_a_release_that_listed_no_sources_keeps_its_cutoff(tracker: Tracker) -> None:
    # Given the day's published JSON without its "sources" list (an older release's, or a hand edit)
    path = tracker.data / "site" / "reports" / f"{DAY1}.json"
    published = json.loads(path.read_text("utf-8"))
    del published["sources"]
    path.write_text(json.dumps(published, ensure_ascii=False), "utf-8")
    # When the day is rebuilt at 15:00, Then the configured source's state still keeps its cutoff
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T15:00:00+08:00")
    assert tracker.edition(DAY1)["window"]["end"] == "2026-01-20T08:10:00+08:00"
    assert tracker.titles(DAY1) == [EARLY[0]]


def test_a_day_rebuilt_after_its_source_was_renamed_keeps_its_cutoff(tracker: Tracker) -> None:
    # Given the source renamed, its feed the same (the README: a rename keeps the source's items)
    text = tracker.config.read_text("utf-8").replace('name = "36Kr"', 'name = "36氪"')
    tracker.config.write_text(text, "utf-8")
    # When the day is rebuilt at 15:00
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T15:00:00+08:00")
    # Then it keeps the cutoff it was published with: this raw store fetched by then, under the old name
    assert tracker.edition(DAY1)["window"]["end"] == "2026-01-20T08:10:00+08:00"
    assert tracker.titles(DAY1) == [EARLY[0]]
    # And the story seen at noon is mailed the next day
    tracker.feed(NEXT, NOON, EARLY)
    tracker("run", f"{DAY2}T08:10:00+08:00")
    assert tracker.titles(DAY2) == tracker.mailed(DAY2) == sorted([NOON[0], NEXT[0]])


def test_a_day_rebuilt_with_a_time_before_its_cutoff_keeps_the_cutoff_it_was_published_with(
    tracker: Tracker,
) -> None:
    # Given the day published at 08:10 (a cron's few minutes late) with the story first seen then
    published = tracker.edition(DAY1)
    # When it is rebuilt with the time it was scheduled for, 08:00, before that cutoff
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T08:00:00+08:00")
    # Then it is what was published, up to the same cutoff: the story mailed with it stays in it
    assert tracker.edition(DAY1) == published
    # And the next day does not take it in again: only what was first seen after 08:10 is mailed
    tracker.feed(NEXT, NOON, EARLY)
    tracker("run", f"{DAY2}T08:10:00+08:00")
    assert tracker.titles(DAY2) == tracker.mailed(DAY2) == sorted([NOON[0], NEXT[0]])


def test_a_second_run_of_the_day_fetches_for_the_next_edition(tracker: Tracker) -> None:
    # Given the day built and mailed at 08:10, and a story the feed shows since 14:30
    tracker.feed(EVENING, NOON, EARLY)
    # When the whole cycle runs again that afternoon, the day's edition still stored
    tracker("run", f"{DAY1}T15:00:00+08:00")
    # Then the day is unchanged, and the story was fetched: the next day's edition and email carry it
    # although the next day's feed no longer lists it
    assert tracker.titles(DAY1) == [EARLY[0]]
    tracker.feed(NEXT)
    tracker("run", f"{DAY2}T08:10:00+08:00")
    assert tracker.titles(DAY2) == tracker.mailed(DAY2) == sorted([NOON[0], EVENING[0], NEXT[0]])


def test_a_published_json_that_is_no_object_counts_as_never_published(tracker: Tracker) -> None:
    # Given the day's published JSON replaced by valid JSON that is no edition (a bad restore)
    (tracker.data / "site" / "reports" / f"{DAY1}.json").write_text("[]", "utf-8")
    # When the day is rebuilt at 15:00
    tracker.delete_stored_edition(DAY1)
    tracker("run", f"{DAY1}T15:00:00+08:00")
    # Then it is built as a day never published, up to the rebuild's time
    assert tracker.edition(DAY1)["window"]["end"] == "2026-01-20T15:00:00+08:00"
    assert tracker.titles(DAY1) == sorted([EARLY[0], NOON[0]])
