"""The raw store's domain view: first-seen times that never move, and windows found by first-seen time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ai_news_tracker.errors import StorageError
from ai_news_tracker.identity import content_alias, item_id
from ai_news_tracker.models import CLOCK_YEARS, Entry, Item, SourceStatus
from ai_news_tracker.repository import (
    ALIASES_VERSION,
    EDITION_CENTURY,
    STATUSES_KEPT,
    SUMMARIES_KEY,
    SUMMARY_VERSION,
    RawRepository,
    SourceState,
    ids_shown_by,
    make_item,
    source_key,
    status_at,
    with_status,
)
from ai_news_tracker.store import LocalStore

T0 = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


def entry(n: int, url: str | None = None) -> Entry:
    return Entry(
        title=f"标题 {n}", text=f"正文 {n}", url=url or f"https://36kr.com/p/{n}?f=rss", guid=None,
        published_at=T0 - timedelta(hours=1),
    )  # fmt: skip


def test_fetching_again_never_duplicates_or_moves_first_seen(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))

    shown, new = repo.record_entries("36Kr", [entry(1), entry(2)], T0)
    shown_again, new_again = repo.record_entries(
        "36Kr", [entry(1), entry(2), entry(3)], T0 + timedelta(hours=2)
    )

    assert len(shown) == 2 and len(new) == 2
    assert len(shown_again) == 3 and [i.title for i in new_again] == ["标题 3"]
    first = repo.get_item(new[0].id)
    assert first is not None and first.first_seen == T0
    assert len(list((tmp_path / "items").iterdir())) == 3


def test_an_item_keeps_its_place_in_its_feed_when_first_seen(tmp_path: Path) -> None:
    # Given a feed read twice, the second time with a new entry at its top
    repo = RawRepository(LocalStore(tmp_path))
    _, first = repo.record_entries("36Kr", [entry(1), entry(2)], T0)
    _, second = repo.record_entries("36Kr", [entry(3), entry(1), entry(2)], T0 + timedelta(hours=2))
    # Then each item is stored with its place in the feed when it was first seen (0: the top, the newest)
    stored = {n: repo.get_item(i.id) for n, i in zip((1, 2, 3), [*first, *second], strict=True)}
    assert {n: i.feed_position for n, i in stored.items() if i is not None} == {1: 0, 2: 1, 3: 0}


def test_an_item_stored_before_feed_positions_were_kept_still_loads(tmp_path: Path) -> None:
    # Given an item as releases before the feed position stored it
    repo = RawRepository(LocalStore(tmp_path))
    _, (new,) = repo.record_entries("36Kr", [entry(1)], T0)
    path = tmp_path / "items" / f"{new.id}.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored.pop("feed_position") == 0
    path.write_text(json.dumps(stored), encoding="utf-8")
    # Then it loads, with no position, and is written back in its old form
    old = repo.get_item(new.id)
    assert old == replace(new, feed_position=None)
    assert old is not None and old.to_dict() == stored


def test_same_article_with_other_tracking_parameters_is_one_item(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))

    _, from_feed = repo.record_entries("36Kr", [entry(1, "https://36kr.com/p/1?f=rss")], T0)
    _, from_other = repo.record_entries("Other", [entry(1, "https://www.36kr.com/p/1?utm_source=x#top")], T0)

    assert len(from_feed) == 1 and from_other == []


def test_items_are_found_by_first_seen_window_across_days(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))
    times = [T0 + timedelta(hours=h) for h in (0, 20, 30, 50)]
    for n, when in enumerate(times):
        repo.record_entries("36Kr", [entry(n)], when)

    found = repo.items_first_seen(times[0], times[2])

    assert sorted(i.title for i in found) == ["标题 1", "标题 2"]


def test_index_entry_without_item_is_ignored(tmp_path: Path) -> None:
    # Given a crash after the index entry was written but before the item was created
    store = LocalStore(tmp_path)
    repo = RawRepository(store)
    orphan = make_item("36Kr", entry(9), T0)
    store.put(f"seen/{T0.date().isoformat()}/{T0.strftime('%Y%m%dT%H%M%S%fZ')}-{orphan.id}", b"")
    # When the window is read, the orphan does not show
    assert repo.items_first_seen(T0 - timedelta(hours=1), T0 + timedelta(hours=1)) == []
    # And the next fetch stores the item for real, first seen then
    later = T0 + timedelta(hours=2)
    _, new = repo.record_entries("36Kr", [entry(9)], later)
    assert [i.first_seen for i in new] == [later]
    assert [i.id for i in repo.items_first_seen(T0, later)] == [orphan.id]


class IndexesBeforeAnotherFetch(LocalStore):
    """A raw store whose writer, once it has written an index entry, waits while ``meanwhile`` runs
    (once) before it goes on to create the item."""

    def __init__(self, root: Path, meanwhile: Callable[[], object]) -> None:
        super().__init__(root)
        self.meanwhile: Callable[[], object] | None = meanwhile

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        super().put(key, data, content_type=content_type)
        meanwhile, self.meanwhile = self.meanwhile, None
        if key.startswith("seen/") and meanwhile is not None:
            meanwhile()


def test_an_item_two_fetches_raced_for_is_found_in_one_window_only(tmp_path: Path) -> None:
    # Given two fetches on either side of an edition's cut that both find a story new: fetch B (just after
    # the cut) writes its index entry, then fetch A (just before it) stores the item, so B's creation loses
    cut = T0 + timedelta(hours=18)
    fetch_a, fetch_b = cut - timedelta(minutes=1), cut + timedelta(minutes=1)
    a = RawRepository(LocalStore(tmp_path))
    stored: list[list[str]] = []
    b = RawRepository(
        IndexesBeforeAnotherFetch(
            tmp_path, lambda: stored.append([i.id for i in a.record_entries("36Kr", [entry(1)], fetch_a)[1]])
        )
    )
    _, new_in_b = b.record_entries("36Kr", [entry(1)], fetch_b)
    assert new_in_b == [] and len(stored[0]) == 1 and len(a.store.list("seen/")) == 2  # B's entry stays
    # When the editions before and after the cut read their windows
    before = a.items_first_seen(cut - timedelta(days=1), cut)
    after = a.items_first_seen(cut, cut + timedelta(days=1))
    # Then the story is in the edition of its stored first-seen time only, never in both
    assert [(i.id, i.first_seen) for i in before] == [(stored[0][0], fetch_a)]
    assert after == []


def test_duplicates_within_one_feed_are_counted_once(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))

    shown, new = repo.record_entries("机器之心", [entry(1), entry(1)], T0)

    assert len(shown) == 1 and len(new) == 1


def wechat(title: str, url: str, guid: str | None = "wx-42") -> Entry:
    return Entry(title=title, text="正文", url=url, guid=guid, published_at=T0 - timedelta(hours=1))


def test_an_article_whose_link_changes_but_not_its_guid_is_the_same_item(tmp_path: Path) -> None:
    # Given a bridge's article stored under its short link
    repo = RawRepository(LocalStore(tmp_path))
    shown, new = repo.record_entries(
        "新智元", [wechat("智谱发布 GLM-5", "https://mp.weixin.qq.com/s/AbC")], T0
    )
    # When the bridge shows it again under its long link, the same guid and title
    long = "https://mp.weixin.qq.com/s?__biz=MzI&mid=22&idx=1&sn=ff"
    shown_again, new_again = repo.record_entries(
        "新智元", [wechat("智谱发布 GLM-5", long)], T0 + timedelta(hours=2)
    )
    # Then it is not new, and it is shown as the item stored first
    assert len(new) == 1 and new_again == []
    assert shown_again == shown == [new[0].id]


def test_a_reused_guid_with_another_title_and_link_is_a_new_item(tmp_path: Path) -> None:
    # Given a feed that numbers its guids by position: "1" is whatever is newest
    repo = RawRepository(LocalStore(tmp_path))
    _, first = repo.record_entries("甲", [wechat("第一篇", "https://example.com/a", guid="1")], T0)
    # When its newest article is another one, under the same guid
    _, second = repo.record_entries(
        "甲", [wechat("第二篇", "https://example.com/b", guid="1")], T0 + timedelta(hours=1)
    )
    # Then it is a new item
    assert [i.title for i in first + second] == ["第一篇", "第二篇"]


def test_the_same_guid_and_title_in_another_feed_is_that_feeds_own(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))
    _, first = repo.record_entries("甲", [wechat("同题", "https://example.com/a", guid="7")], T0)
    _, other = repo.record_entries("乙", [wechat("同题", "https://example.org/z", guid="7")], T0)
    assert len(first) == len(other) == 1


@pytest.mark.parametrize("dated", [True, False])
def test_a_column_of_the_same_title_each_day_under_a_reused_guid_loses_no_day(
    tmp_path: Path, dated: bool
) -> None:
    # Given a feed whose daily briefing is always titled the same, under guid "1", at another link
    repo = RawRepository(LocalStore(tmp_path))

    def briefing(day: int) -> Entry:
        return Entry(
            title="AI 大模型 早报", text=f"第 {day} 天", url=f"https://brief.example.com/{day}", guid="1",
            published_at=T0 + timedelta(days=day) if dated else None,
        )  # fmt: skip

    # When two days' briefings are fetched, together and then apart
    _, together = repo.record_entries("甲", [briefing(1), briefing(2)], T0 + timedelta(days=2))
    _, apart = repo.record_entries("甲", [briefing(3)], T0 + timedelta(days=3))
    # Then every day's is an item of its own
    assert [i.text for i in together + apart] == ["第 1 天", "第 2 天", "第 3 天"]


def test_items_stored_before_aliases_existed_get_theirs_on_their_sources_first_fetch(tmp_path: Path) -> None:
    # Given a bridge's article stored by a version without aliases
    import shutil

    repo = RawRepository(LocalStore(tmp_path))
    shown, _ = repo.record_entries("新智元", [wechat("智谱发布 GLM-5", "https://mp.weixin.qq.com/s/AbC")], T0)
    shutil.rmtree(tmp_path / "aliases")
    # When its source is fetched for the first time since, the article still under its short link
    again = [wechat("智谱发布 GLM-5", "https://mp.weixin.qq.com/s/AbC")]
    repo.record_entries("新智元", again, T0 + timedelta(hours=1), known=shown, backfill_aliases=True)
    # Then a later switch to its long link keeps the item
    long = "https://mp.weixin.qq.com/s?__biz=MzI&mid=22&idx=1&sn=ff"
    _, new = repo.record_entries(
        "新智元", [wechat("智谱发布 GLM-5", long)], T0 + timedelta(hours=2), known=shown
    )
    assert new == []


def test_an_article_whose_link_and_updated_date_change_together_is_the_same_item(tmp_path: Path) -> None:
    # Given an Atom bridge's entry (its date is its <updated>), stored under its short link
    repo = RawRepository(LocalStore(tmp_path))
    _, new = repo.record_entries("新智元", [wechat("智谱发布 GLM-5", "https://mp.weixin.qq.com/s/AbC")], T0)
    # When the bridge shows it under its long link, its updated date bumped with it
    moved = replace(
        wechat("智谱发布 GLM-5", "https://mp.weixin.qq.com/s?__biz=MzI&mid=22&idx=1&sn=ff"),
        published_at=T0 + timedelta(minutes=90),
    )
    _, again = repo.record_entries("新智元", [moved], T0 + timedelta(hours=2))
    # Then it is the same item
    assert len(new) == 1 and again == []


def test_textless_columns_under_a_reused_guid_are_told_apart_by_their_dates(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))
    days = [
        Entry(
            title="早报",
            text="",
            url=f"https://brief.example.com/{d}",
            guid="1",
            published_at=T0 + timedelta(days=d),
        )
        for d in (1, 2)
    ]
    _, new = repo.record_entries("甲", days, T0 + timedelta(days=2))
    assert len(new) == 2


class AliasWriteFails(LocalStore):
    """A bucket whose alias writes fail: an S3 error, or a crash, right after an item's own write."""

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        if key.startswith("aliases/"):
            raise StorageError(f"injected: cannot write {key!r}")
        return super().put_if_absent(key, data, content_type=content_type)


def test_an_alias_lost_after_its_item_was_stored_is_written_when_the_item_is_found_again(
    tmp_path: Path,
) -> None:
    # Given a bridge's article stored, but the fetch failed writing its alias (so the source's state,
    # and the item among its known ids, were never saved)
    short = wechat("智谱发布 GLM-5", "https://mp.weixin.qq.com/s/AbC")
    with pytest.raises(StorageError):
        RawRepository(AliasWriteFails(tmp_path)).record_entries("新智元", [short], T0)
    repo = RawRepository(LocalStore(tmp_path))
    # When the next fetch of the established source finds the article stored
    shown, new = repo.record_entries("新智元", [short], T0 + timedelta(hours=1))
    # Then a later switch to its long link is still the same item, not a new one
    long = "https://mp.weixin.qq.com/s?__biz=MzI&mid=22&idx=1&sn=ff"
    _, again = repo.record_entries(
        "新智元", [wechat("智谱发布 GLM-5", long)], T0 + timedelta(hours=2), known=shown
    )
    assert new == [] and again == []


def test_the_pages_layout_version_is_kept_beside_the_editions_and_never_taken_for_one(tmp_path: Path) -> None:
    # Given one stored edition, and no layout version recorded (pages published before versions were)
    repo = RawRepository(LocalStore(tmp_path))
    repo.store.put("editions/2026-01-20.json", b"{}")
    assert repo.pages_version() == 0
    # When a publish records the layout its pages were written with
    repo.save_pages_version(3)
    # Then it is read back, and the editions, and the claim on the one after them, are as they were
    assert repo.pages_version() == 3
    assert repo.edition_dates() == [date(2026, 1, 20)]
    assert repo.claim_successor(date(2026, 1, 20), date(2026, 1, 21)) == date(2026, 1, 21)
    # And a record that does not read as a number is no version: the pages are written again
    repo.store.put("editions/site/pages-version", b"\xff")
    assert repo.pages_version() == 0
    # And the settings the pages show are kept with their version; a release that records none ("3")
    # left them unknown, and one that reads the version alone reads this as none (int fails)
    repo.save_pages_version(3, "0123abcd")
    assert repo.pages_layout() == (3, "0123abcd")
    repo.store.put("editions/site/pages-version", b"3")
    assert repo.pages_layout() == (3, "")
    repo.save_pages_version(3, "0123abcd")
    with pytest.raises(ValueError):
        int(repo.store.get("editions/site/pages-version") or b"")


def test_the_editions_are_listed_alone_and_every_day_they_can_have_is_listed(tmp_path: Path) -> None:
    # Given an edition with its summary, the summaries together, a claim and an announcement beside it
    class Listings(LocalStore):
        def list(self, prefix: str) -> list[str]:
            keys = super().list(prefix)
            listed.extend(keys)
            return keys

    listed: list[str] = []
    repo = RawRepository(Listings(tmp_path))
    repo.store.put("editions/2026-01-20.json", b"{}")
    for key in ("summaries/2026-01-20.json", "summaries/all.json", "successors/first", "announced/x.json"):
        repo.store.put(f"editions/{key}", b"{}")
    # Then the edition alone is listed (on S3, the others are never sent: three keys a day did not page
    # in a listing of the editions); and every day a run's clock allows is of the century listed
    assert repo.edition_dates() == [date(2026, 1, 20)]
    assert listed == ["editions/2026-01-20.json"]
    assert {str(year)[:2] for year in CLOCK_YEARS} == {EDITION_CENTURY}


def test_the_summaries_stored_together_are_none_when_of_another_version_or_unreadable(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))
    assert repo.load_summaries() == {}
    # Given summaries of another layout, then an object that does not read as summaries
    repo.store.put(SUMMARIES_KEY, json.dumps({"version": SUMMARY_VERSION + 1, "summaries": []}).encode())
    assert repo.load_summaries() == {}
    repo.store.put(SUMMARIES_KEY, json.dumps({"version": SUMMARY_VERSION, "summaries": [{}]}).encode())
    # Then none are taken: each day's is read alone
    assert repo.load_summaries() == {}


def test_the_progress_of_a_pages_rewrite_is_kept_for_its_layout_version_only(tmp_path: Path) -> None:
    # Given one stored edition, and no page written again yet
    repo = RawRepository(LocalStore(tmp_path))
    repo.store.put("editions/2026-01-20.json", b"{}")
    assert repo.pages_rewritten_since(2) is None
    # When a publish records the oldest day whose page it wrote again in layout 2
    repo.save_pages_rewritten_since(2, date(2025, 11, 3))
    # Then it is read back for that layout, and is no progress towards another one
    assert repo.pages_rewritten_since(2) == date(2025, 11, 3)
    assert repo.pages_rewritten_since(3) is None
    # nor towards the same layout showing other settings (a site moved meanwhile)
    assert repo.pages_rewritten_since(2, "0123abcd") is None
    repo.save_pages_rewritten_since(2, date(2025, 11, 3), "0123abcd")
    assert repo.pages_rewritten_since(2, "0123abcd") == date(2025, 11, 3)
    assert repo.pages_rewritten_since(2) is None
    # And it is never taken for an edition
    assert repo.edition_dates() == [date(2026, 1, 20)]
    # And a record that does not read is no progress: the pages are written again
    repo.store.put("editions/site/pages-rewrite", b'{"version": 2, "since": "11/03"}')
    assert repo.pages_rewritten_since(2) is None
    repo.store.put("editions/site/pages-rewrite", b"[" * 2000 + b"]" * 2000)
    assert repo.pages_rewritten_since(2) is None


def test_a_link_less_item_stored_before_guids_were_scoped_to_their_feed_is_not_new_again(
    tmp_path: Path,
) -> None:
    # Given a flash-news feed's link-less entry stored by a release that identified it by its guid alone
    from ai_news_tracker.identity import feed_scope, item_id
    from ai_news_tracker.models import Item

    repo = RawRepository(LocalStore(tmp_path))
    flash = Entry("快讯：某大模型开放API", "正文", None, "flash-1", T0)
    old = Item(
        id=item_id("guid:flash-1"), identity="guid:flash-1", source="快讯", title=flash.title,
        text=flash.text, url=None, published_at=T0, first_seen=T0,
    )  # fmt: skip
    repo.store.put(f"items/{old.id}.json", json.dumps(old.to_dict()).encode())
    # When the upgraded release fetches the feed again
    shown, new = repo.record_entries("快讯", [flash], T0 + timedelta(days=1))
    # Then it is the item stored before, not news of the day
    assert new == [] and shown == [old.id]
    # And another feed numbering its own entry the same is still its own item
    _, other = repo.record_entries("别的快讯", [replace(flash, title="另一条")], T0 + timedelta(days=1))
    assert [i.title for i in other] == ["另一条"]
    # And the same source's once renamed (its scope kept), but not a source's of another scope (a feed's)
    later = T0 + timedelta(days=2)
    assert repo.record_entries("快讯台", [flash], later, scope="快讯") == ([old.id], [])
    moved = repo.record_entries(
        "快讯", [replace(flash, title="新源")], later, [old.id], scope=feed_scope("快讯", "u")
    )
    assert [i.title for i in moved[1]] == ["新源"]


# -- stored objects of the wrong shape: a hand edit, a bad restore, a sync cut short that still parses --
LOADERS: dict[str, tuple[str, Callable[[RawRepository], object]]] = {
    "edition": ("editions/2026-01-20.json", lambda repo: repo.load_edition(date(2026, 1, 20))),
    "source": (f"sources/{source_key('36Kr')}.json", lambda repo: repo.source_state("36Kr")),
    "item": ("items/abc.json", lambda repo: repo.get_item("abc")),
    "article": ("articles/abc.json", lambda repo: repo.article("abc")),
    "leaderboard": (
        "leaderboard/arena-catalog.json",
        lambda repo: repo.leaderboard_snapshot("arena-catalog"),
    ),
}


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(
    "body",
    [b"null", b"[]", b"0", b"[1]", b'"edition"', b"[" * 2000 + b"]" * 2000],
    ids=["null", "empty-list", "zero", "list", "string", "nested-past-the-parser"],
)
def test_a_stored_value_that_is_no_json_object_is_a_storage_error_naming_its_key(
    tmp_path: Path, loader: str, body: bytes
) -> None:
    # Given a stored object that is valid JSON (or nested too deeply to read) but no JSON object
    key, load = LOADERS[loader]
    repo = RawRepository(LocalStore(tmp_path))
    repo.store.put(key, body)
    # When it is loaded, Then it is a storage error naming it, never taken for absent
    with pytest.raises(StorageError, match=re.escape(repr(key))):
        load(repo)


def stored_edition(tmp_path: Path) -> dict[str, Any]:
    from ai_news_tracker.models import Edition

    item = make_item("36Kr", entry(1), T0)
    edition = Edition(
        date=date(2026, 1, 20), title="AI 日报", timezone="Asia/Shanghai", generated_at=T0,
        window_start=None, window_end=T0, key_points=("要点",), items=(item,), sources=(), leaderboard=None,
    )  # fmt: skip
    repo = RawRepository(LocalStore(tmp_path))
    assert repo.save_edition(edition) and repo.load_edition(edition.date) == edition
    data: dict[str, Any] = json.loads((tmp_path / "editions" / "2026-01-20.json").read_bytes())
    return data


BOARD = {"snapshot_date": "2026-01-20", "scores": {"glm-4.6": 1441.2}}  # a stored snapshot's good part
WRONG_SHAPES = [
    pytest.param("edition", lambda good: {}, id="edition-empty"),
    pytest.param(
        "edition", lambda good: {k: v for k, v in good.items() if k != "items"}, id="edition-no-items"
    ),
    pytest.param("edition", lambda good: good | {"date": 5}, id="edition-numeric-date"),
    pytest.param("edition", lambda good: good | {"items": [1]}, id="edition-number-for-item"),
    pytest.param("edition", lambda good: good | {"generated_at": "2026-01-20T10:00"}, id="edition-no-offset"),
    *(
        pytest.param(
            "edition", lambda good, wrong=wrong: good | {"shown_with": wrong}, id=f"edition-shown-with-{name}"
        )
        for name, wrong in {
            "empty": {},
            "list": [],
            "false": False,
            "null": None,
            "negative-chars": {"summary_chars": -1, "key_points": 5, "board": None},
            "text-points": {"summary_chars": 300, "key_points": "5", "board": None},
            "board-enabled-text": {
                "summary_chars": 300,
                "key_points": 5,
                "board": {
                    "name": "甲",
                    "max_age_days": 30,
                    "domestic_n": 10,
                    "provider": "p",
                    "category": "c",
                    "enabled": "yes",
                },
            },
            "board-age": {
                "summary_chars": 300,
                "key_points": 5,
                "board": {
                    "name": "甲",
                    "max_age_days": 0,
                    "domestic_n": 10,
                    "provider": "p",
                    "category": "c",
                },
            },
        }.items()
    ),
    pytest.param("source", lambda good: {"validators": [1]}, id="source-list-for-validators"),
    pytest.param("source", lambda good: {"status": {"name": "36Kr"}}, id="source-status-without-word"),
    pytest.param(
        "source",
        lambda good: {"status": {"name": "36Kr", "status": "ok", "fetched": "many"}},
        id="source-count",
    ),
    pytest.param("source", lambda good: {"last_new_at": 5}, id="source-numeric-time"),
    pytest.param("source", lambda good: {"recent_ids": 5}, id="source-number-for-ids"),
    pytest.param("item", lambda good: {}, id="item-empty"),
    pytest.param("item", lambda good: good["items"][0] | {"first_seen": "yesterday"}, id="item-time"),
    pytest.param("item", lambda good: good["items"][0] | {"also_in": 5}, id="item-number-for-sources"),
    pytest.param("leaderboard", lambda good: {}, id="leaderboard-empty"),
    pytest.param(
        "leaderboard", lambda good: {"snapshot_date": "2026-01-20", "scores": [1]}, id="leaderboard-list"
    ),
    pytest.param(
        "leaderboard",
        lambda good: {"snapshot_date": "2026-01-20", "scores": {"glm-4.6": "high"}},
        id="leaderboard-text-score",
    ),
    pytest.param(
        "leaderboard",
        lambda good: {"snapshot_date": 20260120, "scores": {"glm-4.6": 1441.2}},
        id="leaderboard-numeric-date",
    ),
    pytest.param(
        "leaderboard",
        lambda good: {**BOARD, "earlier": [{**BOARD, "first_fetched_at": "2026-01-20T08:10:00"}]},
        id="leaderboard-earlier-time-without-offset",
    ),
    pytest.param("leaderboard", lambda good: {**BOARD, "earlier": [5]}, id="leaderboard-earlier-number"),
]


@pytest.mark.parametrize(("loader", "shape"), WRONG_SHAPES)
def test_a_stored_object_of_the_wrong_shape_is_a_storage_error_naming_its_key(
    tmp_path: Path, loader: str, shape: Callable[[dict[str, Any]], object]
) -> None:
    # Given a stored object that is a JSON object, but not what its loader reads
    wrong = shape(stored_edition(tmp_path / "good"))
    key, load = LOADERS[loader]
    repo = RawRepository(LocalStore(tmp_path / "bad"))
    repo.store.put(key, json.dumps(wrong).encode())
    # When it is loaded, Then it is a storage error naming it: not a KeyError, TypeError or ValueError
    with pytest.raises(StorageError, match=re.escape(repr(key))):
        load(repo)


def test_absent_objects_are_still_absent(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))
    assert repo.load_edition(date(2026, 1, 20)) is None and repo.get_item("abc") is None
    assert repo.source_state("36Kr") == SourceState() and repo.article("abc") is None
    assert repo.leaderboard_snapshot("arena-catalog") is None


def flash(n: int, guid: str | None) -> Entry:
    """A newsflash whose feed links every entry to the same list page."""
    return Entry(
        title=f"快讯 {n}", text=f"快讯正文 {n}", url="https://news.example.cn/flash", guid=guid,
        published_at=T0 - timedelta(hours=n),
    )  # fmt: skip


@pytest.mark.parametrize("guids", [True, False], ids=["with guids", "without guids"])
def test_newsflashes_that_share_one_link_are_each_kept_across_fetches(tmp_path: Path, guids: bool) -> None:
    # Given a newsflash feed that links each entry to its list page, with one entry the first time
    repo = RawRepository(LocalStore(tmp_path))
    first_shown, first_new = repo.record_entries("快讯", [flash(1, "f1" if guids else None)], T0)
    # When it lists two newer ones above it, then a fourth, each fetch with the ones before
    later = [flash(n, f"f{n}" if guids else None) for n in (3, 2, 1)]
    shown, new = repo.record_entries("快讯", later, T0 + timedelta(hours=2), known=first_shown)
    shown_4, new_4 = repo.record_entries(
        "快讯", [flash(4, "f4" if guids else None), *later], T0 + timedelta(hours=4), known=shown
    )
    # Then each flash is one item, stored when first seen, and the first keeps its id
    assert [i.title for i in first_new] == ["快讯 1"]
    assert [i.title for i in new] == ["快讯 3", "快讯 2"] and [i.title for i in new_4] == ["快讯 4"]
    assert shown[-1] == first_shown[0] and len(set(shown_4)) == 4
    assert set(shown_4) == set(shown) | {new_4[0].id}


# Run under several hash seeds: which entry kept a shared link once hung on the order of a set
NEWSFLASH_AFTER_THE_FIRST_LEFT = """
import sys, tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from ai_news_tracker.models import Entry
from ai_news_tracker.repository import RawRepository
from ai_news_tracker.store import LocalStore
T0 = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
flash = lambda title: Entry(title, "点击查看详情", "https://news.example.cn/flash", None, T0)
repo = RawRepository(LocalStore(Path(tempfile.mkdtemp())))
shown, _ = repo.record_entries("快讯", [flash("快讯乙"), flash("快讯甲")], T0)
_, new = repo.record_entries("快讯", [flash("快讯丙"), flash("快讯乙")], T0 + timedelta(hours=2), known=shown)
print(",".join(item.title for item in new))
"""


@pytest.mark.parametrize("seed", range(6))
def test_a_newsflash_is_new_after_the_one_that_kept_the_shared_link_left_the_feed(seed: int) -> None:
    # Given a newsflash feed linking each entry to its list page, all with one boilerplate text, whose
    # oldest entry (the one stored under the link) then leaves it as a new one tops it
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(REPO / "layers" / "core")}
    # When the second fetch is recorded (in a process of its own hash seed)
    done = subprocess.run(
        [sys.executable, "-c", NEWSFLASH_AFTER_THE_FIRST_LEFT], check=False, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    # Then the new flash is news, whatever the seed (one of the two sharing the text was taken for the
    # one stored under the link, by the order of a set: the new one, in about half of the processes)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "快讯丙"


def test_an_entry_that_gains_its_link_later_is_the_item_stored_first(tmp_path: Path) -> None:
    # Given a bridge's article listed with its guid before its link was ready
    repo = RawRepository(LocalStore(tmp_path))
    shown, new = repo.record_entries("新智元", [wechat("智谱发布 GLM-5", "")], T0)
    # When the next fetch gives it its link, the same guid, title and text
    again, new_again = repo.record_entries(
        "新智元",
        [wechat("智谱发布 GLM-5", "https://mp.weixin.qq.com/s/AbC")],
        T0 + timedelta(hours=2),
        known=shown,
    )
    # Then it is the item stored first, not a new one
    assert len(new) == 1 and new_again == [] and again == shown


@pytest.mark.parametrize("known", [True, False], ids=["known to its source", "found in storage"])
def test_an_item_stored_while_an_empty_link_hid_its_permalink_guid_is_not_new_again(
    tmp_path: Path, known: bool
) -> None:
    # Given an entry whose <link> was empty, stored by a release that took that for its link: without
    # one, identified by its guid
    repo = RawRepository(LocalStore(tmp_path))
    permalink = "https://site.example/news/1"
    shown, _ = repo.record_entries("甲", [Entry("智谱发布GLM-5", "正文", None, permalink, T0)], T0)
    # When the upgraded release reads the guid as the link it stands for
    linked = Entry("智谱发布GLM-5", "正文", permalink, permalink, T0)
    again, new = repo.record_entries("甲", [linked], T0 + timedelta(days=1), known=shown if known else ())
    # Then it is the item stored before, not news of the day
    assert new == [] and again == shown


def zero(title: str, text: str, published: datetime | None = T0) -> Entry:
    """A link-less entry of a feed that gives every entry guid "0"."""
    return Entry(title=title, text=text, url=None, guid="0", published_at=published)


class Fetches:
    """One source fetched every two hours as the pipeline fetches it: known is its recent ids."""

    def __init__(self, tmp_path: Path) -> None:
        self.repo = RawRepository(LocalStore(tmp_path))
        self.recent: list[str] = []

    def fetch(self, *entries: Entry, upgraded: bool = False) -> list[str]:
        """The titles of the new items; ``upgraded``: the source's first fetch by a newer release."""
        now = T0 + timedelta(hours=2 * (len(self.recent) + 1))
        recorded = self.repo.record_entries("甲", entries, now, known=self.recent, backfill_aliases=upgraded)
        shown, new = recorded
        self.recent = list(dict.fromkeys(shown + self.recent))
        return [item.title for item in new]


@pytest.mark.parametrize(
    ("text", "published"),
    [(None, T0), ("点击阅读全文", T0), ("", T0), ("", None)],
    ids=["own texts", "one boilerplate text", "text-less, one date", "neither text nor date"],
)
def test_link_less_entries_that_share_guid_0_are_each_new_once(
    tmp_path: Path, text: str | None, published: datetime | None
) -> None:
    # Given a link-less feed giving every entry guid "0" (and one boilerplate text, or none)
    feed = Fetches(tmp_path)
    body = lambda title: f"{title}的正文" if text is None else text  # noqa: E731
    z = lambda *titles: [zero(t, body(t), published) for t in titles]  # noqa: E731
    # When it is fetched with two articles, then a new one tops it each time, the oldest leaving it
    new = [
        feed.fetch(*z("豆包降价", "混元发布")),
        feed.fetch(*z("千问开源", "豆包降价", "混元发布")),
        feed.fetch(*z("智谱发布 GLM-5", "千问开源", "豆包降价")),
        feed.fetch(*z("Kimi K3", "智谱发布 GLM-5")),
    ]
    # Then each article is new once, when it is first shown (only the first of a fetch was kept, and a
    # new one taken for the article stored under "0" once that had left the feed)
    assert new == [["豆包降价", "混元发布"], ["千问开源"], ["智谱发布 GLM-5"], ["Kimi K3"]]


def test_an_article_a_guid_0_feed_shows_alone_is_new_once_shown_beside_another(tmp_path: Path) -> None:
    # Given a link-less feed giving every entry guid "0", fetched with two articles
    feed = Fetches(tmp_path)
    feed.fetch(zero("豆包降价", "降价的正文"), zero("混元发布", "发布的正文"))
    # When it shows a new article alone (nothing tells it from the one stored under "0"), then a newer one
    # above it
    alone = feed.fetch(zero("智谱发布 GLM-5", "GLM-5 的正文"))
    beside = feed.fetch(zero("Kimi K3", "K3 的正文"), zero("智谱发布 GLM-5", "GLM-5 的正文"))
    # Then it is new then: late, not lost (README)
    assert alone == [] and beside == ["Kimi K3", "智谱发布 GLM-5"]


STABLE = [
    Entry("混元发布新模型", "混元的正文", None, "post-3", T0),
    Entry("豆包降价", "豆包的正文", None, "post-2", T0),
    Entry("千问开源", "千问的正文", None, "post-1", T0),
]
GLITCH = [STABLE[0], replace(STABLE[1], guid="post-3"), STABLE[2]]  # 豆包 under 混元's guid


def test_a_link_less_article_shown_once_under_its_neighbours_guid_is_not_new_again(tmp_path: Path) -> None:
    # Given a link-less feed under its articles' own guids, fetched once
    feed = Fetches(tmp_path)
    feed.fetch(*STABLE)
    # When one fetch shows an article under its neighbour's guid (a template glitch), then the feed
    # recovers and its newest article comes with its title and its text both edited
    edited = Entry("更新：腾讯混元发布新模型", "正文第二版，补充了参数规模", None, "post-3", T0)
    new = [feed.fetch(*GLITCH), feed.fetch(*STABLE), feed.fetch(edited, *STABLE[1:])]
    # Then nothing is new again: 豆包 is found under its own guid by its title and text, and the edited
    # article is the one its guid names
    assert new == [[], [], []]


@pytest.mark.parametrize(
    ("url", "guid"), [("https://news.example.cn/flash", None), (None, "0")], ids=["one link", "guid 0"]
)
def test_entries_of_one_title_told_apart_by_their_text_are_each_new_once(
    tmp_path: Path, url: str | None, guid: str | None
) -> None:
    # Given a feed giving every entry one title ("36氪快讯", a column's name) and one link, or guid "0"
    # for want of one: only their texts tell them apart
    repo = RawRepository(LocalStore(tmp_path))
    flash = lambda text: Entry("36氪快讯", text, url, guid, T0)  # noqa: E731
    shown, first = repo.record_entries("快讯", [flash("快讯乙"), flash("快讯甲")], T0)
    # When a new flash tops it
    later = [flash("快讯丙"), flash("快讯乙"), flash("快讯甲")]
    _, second = repo.record_entries("快讯", later, T0 + timedelta(hours=2), known=shown)
    # Then the new flash is news, and the one stored under the shared identity (甲) is not news again
    # (the title names every entry: the newest was taken for the one stored under it)
    assert [i.text for i in first] == ["快讯乙", "快讯甲"] and [i.text for i in second] == ["快讯丙"]


def test_a_link_less_article_stored_before_content_aliases_is_not_new_under_its_neighbours_guid(
    tmp_path: Path,
) -> None:
    # Given a link-less feed under its articles' own guids, its items stored by the release before content
    # aliases (2026-12-01): none of them is known by its title and text
    feed = Fetches(tmp_path)
    feed.fetch(*STABLE)
    for e in STABLE:
        (tmp_path / "aliases" / item_id(content_alias("甲", e.title, e.text, e.published_at))).unlink()
    # When this release fetches it as it was (its first fetch of the source), then once with an article
    # under its neighbour's guid, as the glitch above
    new = [feed.fetch(*STABLE, upgraded=True), feed.fetch(*GLITCH)]
    # Then the article is not news again (the release before took it for its neighbour: not new either)
    assert new == [[], []]


def test_a_source_state_of_the_release_that_wrote_guid_aliases_alone_gets_the_content_aliases() -> None:
    # Given a source state stored when "aliased" was true or false (guid aliases, or none, written)
    old = [SourceState.from_dict({"aliased": flag}) for flag in (True, False)]
    # Then its next fetch is the one that writes the aliases of a newer version
    assert [state.aliased for state in old] == [1, 0] and ALIASES_VERSION == 2


def test_a_link_less_article_stored_under_its_guid_alone_is_not_new_under_its_neighbours_guid(
    tmp_path: Path,
) -> None:
    # Given a link-less feed's articles stored by a release that identified them by their guid alone
    # (before guids were scoped to their feed, 2026-11-30), with no alias
    feed = Fetches(tmp_path)
    for e in STABLE:
        old = Item(
            id=item_id(f"guid:{e.guid}"), identity=f"guid:{e.guid}", source="甲", title=e.title,
            text=e.text, url=None, published_at=T0, first_seen=T0,
        )  # fmt: skip
        feed.repo.store.put(f"items/{old.id}.json", json.dumps(old.to_dict()).encode())
        feed.recent.append(old.id)
    # When this release fetches it as it was (its first fetch of the source), then once with an article
    # under its neighbour's guid, as the glitch above
    new = [feed.fetch(*STABLE, upgraded=True), feed.fetch(*GLITCH)]
    # Then no article is news again (混元 was: the backfill wrote no content alias for the items it
    # found under their former ids)
    assert new == [[], []]


@pytest.mark.parametrize(
    ("url", "guid"), [("https://news.example.cn/flash", None), (None, "0")], ids=["one link", "guid 0"]
)
def test_a_column_of_the_stored_articles_title_is_new_once_that_article_has_left_the_feed(
    tmp_path: Path, url: str | None, guid: str | None
) -> None:
    # Given a feed whose entries share one link, or guid "0", and one of them a daily column ("AI日报"),
    # the one stored under the shared identity
    feed = Fetches(tmp_path)
    daily = lambda text, day: Entry("AI日报", text, url, guid, T0 + timedelta(days=day))  # noqa: E731
    other = Entry("混元发布", "混元的正文", url, guid, T0)
    first = feed.fetch(other, daily("12月1日：豆包降价", 0))
    # When the next day's column tops it, the day before's having left the feed
    second = feed.fetch(daily("12月2日：千问开源", 1), other)
    # Then the new column is news (a title shared with the article that left names no entry of the fetch)
    assert first == ["混元发布", "AI日报"] and second == ["AI日报"]


def test_entries_sharing_one_link_and_guid_0_are_each_new_once(tmp_path: Path) -> None:
    # Given a newsflash feed linking every entry to its list page and giving each guid "0"
    feed = Fetches(tmp_path)
    link = "https://news.example.cn/flash"
    flash = lambda title: Entry(title, f"{title}的正文", link, "0", T0)  # noqa: E731
    # When it is fetched, then a new flash tops it
    new = [
        feed.fetch(flash("甲"), flash("乙"), flash("丙")),
        feed.fetch(flash("丁"), flash("甲"), flash("乙"), flash("丙")),
    ]
    # Then each flash is new once (those identified apart from the link all took the guid "0": one item)
    assert new == [["甲", "乙", "丙"], ["丁"]]


def test_a_flash_stored_under_guid_0_of_a_one_link_feed_by_the_release_before_is_not_new_again(
    tmp_path: Path,
) -> None:
    # Given a newsflash feed linking every entry to its list page and giving each guid "0", fetched by the
    # release before content identities (2026-12-01): the oldest flash kept the link, the newest was
    # stored under the guid "0" (and 乙, taken for it, was not stored)
    feed = Fetches(tmp_path)
    link = "https://news.example.cn/flash"
    flash = lambda title: Entry(title, f"{title}的正文", link, "0", T0)  # noqa: E731
    by_link = make_item("甲", flash("丙"), T0)
    by_guid = replace(make_item("甲", flash("甲"), T0), id=item_id("guid:甲\n0"), identity="guid:甲\n0")
    for old in (by_guid, by_link):
        feed.repo.store.put(f"items/{old.id}.json", json.dumps(old.to_dict()).encode())
        feed.recent.append(old.id)
    # When this release fetches it as it was (its first fetch of the source)
    new = feed.fetch(flash("甲"), flash("乙"), flash("丙"), upgraded=True)
    # Then the flash the release before stored is not news again (乙, never stored, is: late, not lost)
    assert new == ["乙"]


def test_an_owed_mail_record_without_recipients_is_a_storage_error_not_a_day_no_run_mailed(
    tmp_path: Path,
) -> None:
    # Given the owed record of a day stored as an empty JSON object (a hand edit, a bad restore)
    repo = RawRepository(LocalStore(tmp_path))
    repo.store.put("mail/owed/2026-11-20", b"{}")
    # When the day's recipients are read, Then it is a storage error naming the key, not read as absent
    # ("no run mailed this day": the mail sent to no one)
    with pytest.raises(StorageError, match="mail/owed/2026-11-20"):
        repo.mail_recipients(date(2026, 11, 20))


# -- a source's statuses and carried items as of a moment (a day built after its cutoff) ----------------


def _status(word: str, hour: float, error: str | None = None) -> SourceStatus:
    return SourceStatus("36Kr", word, error, checked_at=T0 + timedelta(hours=hour))


def _fetched(*statuses: SourceStatus, state: SourceState | None = None) -> SourceState:
    for status in statuses:
        state = with_status(state or SourceState(), status)
    assert state is not None
    return state


def test_a_source_says_at_a_moment_the_status_its_fetches_had_by_then() -> None:
    # Given a feed fetched fine twice, then failing twice (the second failure a later hour's)
    state = _fetched(_status("ok", 0), _status("ok", 1), _status("http_error", 2, "HTTP 404"))
    state = _fetched(_status("http_error", 3, "HTTP 404"), state=state)
    # Then a moment between the good fetches, or before the failures, has it ok; the failure's hour, failed;
    # after its last, its last; the history holds what changed only (the first of each)
    assert status_at(state, T0 + timedelta(minutes=30)) == _status("ok", 0)
    assert status_at(state, T0 + timedelta(hours=1, minutes=59)) == _status("ok", 0)
    assert status_at(state, T0 + timedelta(hours=2)) == _status("http_error", 2, "HTTP 404")
    assert status_at(state, T0 + timedelta(days=1)) == _status("http_error", 3, "HTTP 404")
    assert [s.checked_at for s in state.status_history] == [T0, T0 + timedelta(hours=2)]
    # And before its first fetch it had none (never fetched by then)
    assert status_at(state, T0 - timedelta(minutes=1)) is None


def test_a_source_whose_state_was_kept_before_its_history_says_its_last_status_before_it() -> None:
    # Given a state stored by a release that kept no history: ok at hour 0
    old = SourceState.from_dict(SourceState(status=_status("ok", 0)).to_dict() | {"status_history": None})
    # When it fails at hour 5
    state = _fetched(_status("http_error", 5, "HTTP 500"), state=old)
    # Then from hour 0 on it was ok; before, what it was is not known: its last (as before this was kept)
    assert status_at(state, T0 + timedelta(hours=4)) == _status("ok", 0)
    assert status_at(state, T0 - timedelta(hours=1)) == _status("http_error", 5, "HTTP 500")


def test_a_source_keeps_two_weeks_of_statuses_and_the_one_in_effect_before_them() -> None:
    # Given a feed failing and recovering each day for three weeks
    state = SourceState()
    for day in range(21):
        state = _fetched(_status("ok", day * 24), _status("timeout", day * 24 + 12, "slow"), state=state)
    # Then the statuses of the last 14 days are kept, and the one in effect when they begin
    kept = [s.checked_at for s in state.status_history]
    since = T0 + timedelta(hours=20 * 24 + 12) - timedelta(days=14)
    assert len([k for k in kept if k is not None and k <= since]) == 1 and len(kept) == 29
    # And a moment before them is not known any more (its last), one within them is
    assert status_at(state, T0 + timedelta(days=1)) == _status("timeout", 20 * 24 + 12, "slow")
    assert status_at(state, T0 + timedelta(days=19, hours=13)) == _status("timeout", 19 * 24 + 12, "slow")
    # And a flapping feed keeps at most STATUSES_KEPT changes
    for hour in range(STATUSES_KEPT + 10):
        state = _fetched(_status("ok" if hour % 2 else "timeout", 600 + hour / 60, "x"), state=state)
    assert len(state.status_history) == STATUSES_KEPT


def test_a_source_state_keeps_its_statuses_and_carried_items_through_storage(tmp_path: Path) -> None:
    repo = RawRepository(LocalStore(tmp_path))
    state = replace(
        _fetched(_status("ok", 0), _status("parse_error", 1, "HTML")),
        recent_ids=("a", "b"),
        carried_at=(("b", T0),),
    )
    repo.save_source_state("36Kr", state)
    assert repo.source_state("36Kr") == state


def test_a_source_had_shown_by_a_moment_its_items_but_those_it_carried_first_after_it() -> None:
    # Given a mirror that shows "a" (its own), and "b" and "c", stored first by another source, first
    # carried at hours 1 and 3
    state = SourceState(
        recent_ids=("c", "b", "a"),
        carried_at=(("b", T0 + timedelta(hours=1)), ("c", T0 + timedelta(hours=3))),
    )
    # Then at hour 2 it had shown "b" and "a", at hour 3 all three
    assert ids_shown_by(state, T0 + timedelta(hours=2)) == ("b", "a")
    assert ids_shown_by(state, T0 + timedelta(hours=3)) == ("c", "b", "a")
