"""Edition windows: which items an edition holds, across days, missed days and re-runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from ai_news_tracker.edition import (
    for_points,
    listed_repeats,
    newest_first,
    revised_at,
    select_items,
    split_repeats,
    split_shown,
)
from ai_news_tracker.errors import EditionError
from ai_news_tracker.models import Edition, Item, SourceStatus
from ai_news_tracker.pipeline import check_publishable, fetched_by, published_ids
from ai_news_tracker.repository import SourceState

T0 = datetime(2026, 1, 20, 5, 50, tzinfo=UTC)  # 13:50 in Shanghai


def item(id_: str, first_seen: datetime, published: datetime | None = None) -> Item:
    return Item(
        id=id_, identity=f"url:{id_}", source="s", title=id_, text="", url=None,
        published_at=published, first_seen=first_seen,
    )  # fmt: skip


def test_first_edition_takes_items_published_within_the_lookback() -> None:
    # Given items first seen by the first fetch, published 2 h, 23 h and 25 h before the cutoff
    fresh = item("fresh", T0, T0 - timedelta(hours=2))
    edge = item("edge", T0, T0 - timedelta(hours=23, minutes=59))
    old = item("old", T0, T0 - timedelta(hours=25))
    # When the first edition is built at T0 with a 24-hour lookback
    chosen = select_items([old, fresh, edge], cutoff=T0, previous_cutoff=None, lookback_hours=24)
    # Then only the items published within the window are in it, newest first
    assert [i.id for i in chosen] == ["fresh", "edge"]


def test_a_date_in_the_future_reads_as_when_the_item_was_first_seen() -> None:
    # Given items first seen at the cutoff whose feeds date them after it: a placeholder year, and a
    # time eight hours ahead (a feed's local time read as UTC), beside an ordinary item
    bogus = item("bogus", T0, datetime(2099, 1, 1, tzinfo=UTC))
    shifted = item("shifted", T0 - timedelta(hours=1), T0 + timedelta(hours=7))
    ordinary = item("ordinary", T0, T0 - timedelta(hours=2))
    # When the first edition is built
    chosen = select_items([ordinary, bogus, shifted], cutoff=T0, previous_cutoff=None, lookback_hours=24)
    # Then no item shows a time after it was first seen, and the order follows the times shown
    assert [(i.id, i.shown_at) for i in chosen] == [
        ("bogus", T0),
        ("shifted", T0 - timedelta(hours=1)),
        ("ordinary", T0 - timedelta(hours=2)),
    ]
    assert bogus.published == T0 and ordinary.published == T0 - timedelta(hours=2)
    assert item("undated", T0).published is None and item("undated", T0).shown_at == T0


def test_later_edition_takes_items_first_seen_since_the_previous_cutoff() -> None:
    previous = T0 - timedelta(days=1)
    late_but_old = item("late", previous + timedelta(hours=3), T0 - timedelta(days=3))
    already = item("already", previous, previous - timedelta(hours=1))
    after_cutoff = item("next", T0 + timedelta(seconds=1), T0)

    chosen = select_items([late_but_old, already, after_cutoff], T0, previous, 24)

    # An item first seen after the previous cutoff is in, however old its publication date;
    # one first seen exactly at the previous cutoff belonged to that edition.
    assert [i.id for i in chosen] == ["late"]


def test_windows_over_many_days_hold_each_item_exactly_once() -> None:
    # Given a fetch every two hours for five days, each finding two new items
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = [
        item(f"d{h}-{n}", start + timedelta(hours=h), start + timedelta(hours=h) - timedelta(minutes=30))
        for h in range(0, 5 * 24, 2)
        for n in range(2)
    ]
    # When editions are built daily at 06:00 UTC, one day missed (day 3) and one built twice (day 4)
    cutoffs = [start + timedelta(days=d, hours=6) for d in (1, 2, 4, 5)]
    previous = None
    seen: list[str] = []
    for cutoff in cutoffs:
        edition = select_items(items, cutoff, previous, 24)
        assert edition == select_items(items, cutoff, previous, 24)  # a re-run selects the same
        seen += [i.id for i in edition]
        previous = cutoff
    # Then every item after the first lookback lands in exactly one edition
    expected = [i.id for i in items if i.published_at and i.published_at > cutoffs[0] - timedelta(hours=24)]
    expected = [i.id for i in items if i.first_seen <= cutoffs[-1] and i.id in expected]
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))


def test_order_is_newest_first_with_a_stable_tie_break() -> None:
    same = T0 - timedelta(hours=1)
    a, b = item("a", T0, same), item("b", T0, same)
    undated = item("undated", T0 - timedelta(minutes=10))

    assert [i.id for i in newest_first([a, undated, b])] == ["undated", "b", "a"]
    assert [i.id for i in newest_first([b, a, undated])] == ["undated", "b", "a"]


def test_items_shown_at_one_time_keep_their_feeds_order() -> None:
    # Given one fetch of a feed listing five undated items, newest first, and of one whose clock is ahead
    undated = [replace(item(f"u{n}", T0), feed_position=n) for n in range(5)]
    ahead = [
        replace(item(f"a{n}", T0, T0 + timedelta(hours=8) - timedelta(minutes=n)), feed_position=n)
        for n in range(5)
    ]
    for listed in (undated, ahead):
        # When they are ordered, whatever order they come in (their ids are hashes)
        for shuffled in (listed, listed[::-1], listed[2:] + listed[:2]):
            # Then they are in the feed's order, each showing its first-seen time
            assert newest_first(shuffled) == listed
    assert {i.shown_at for i in undated + ahead} == {T0}


def test_a_feed_date_after_the_fetch_orders_the_items_shown_at_its_time() -> None:
    # Given items of one fetch shown at its time, a feed listing them oldest first but dating them ahead
    later, earlier = item("a", T0, T0 + timedelta(hours=8)), item("b", T0, T0 + timedelta(hours=7))
    # Then the later date comes first, whatever its place in the feed or its id
    assert newest_first([replace(earlier, feed_position=0), replace(later, feed_position=1)])[0] == replace(
        later, feed_position=1
    )


def test_the_newest_are_shown_in_full_the_next_listed_and_the_rest_counted() -> None:
    # Given 40 merged stories and 5 older relevant items that were not merged
    stories = newest_first(
        replace(item(str(n), T0, T0 - timedelta(minutes=n)), text=f"正文 {n}") for n in range(40)
    )
    older = newest_first(item(f"old{n}", T0, T0 - timedelta(hours=2, minutes=n)) for n in range(5))
    # When an edition of 30 items that lists 12 more is cut
    shown, more, unlisted = split_shown(stories, older, 30, listed=12)
    # Then the newest 30 are shown, the next 12 listed without their text, and the last 3 counted
    assert [i.id for i in shown] == [str(n) for n in range(30)]
    assert [i.id for i in more] == [*(str(n) for n in range(30, 40)), "old0", "old1"]
    assert all(i.text == "" for i in more) and all(i.text for i in shown)
    assert unlisted == 3


def test_a_quiet_day_has_nothing_more() -> None:
    stories = newest_first(item(str(n), T0, T0 - timedelta(minutes=n)) for n in range(4))
    assert split_shown(stories, [], 30) == (stories, [], 0)


def test_an_item_two_feeds_showed_is_credited_to_both() -> None:
    # Given an item stored under the source that showed it first, and one already merged with 乙
    from dataclasses import replace

    from ai_news_tracker.edition import credit_carriers

    shared = replace(item("shared", T0), source="甲", url="https://example.com/a/1")
    merged = replace(item("merged", T0), source="甲", also_in=("乙",), also_urls=("https://b/1",))
    own = replace(item("own", T0), source="甲")
    # When the sources' recently shown ids say 镜像 showed the shared one and 乙 the merged one
    shown_by = {"甲": ["shared", "merged", "own"], "乙": ["merged"], "镜像": ["shared", "other"]}
    shared_c, merged_c, own_c = credit_carriers([shared, merged, own], shown_by)
    # Then the shared item names both, with the same link, and nothing is credited twice or invented
    assert shared_c.sources == ("甲", "镜像") and shared_c.also_urls == ("https://example.com/a/1",)
    assert merged_c == merged and own_c == own


def test_the_key_points_take_the_stories_most_feeds_carried_first_then_the_newest() -> None:
    # Given four items newest first, the third told by two feeds and the fourth by three
    items = newest_first(item(str(n), T0, T0 - timedelta(minutes=n)) for n in range(4))
    items[2] = replace(items[2], also_in=("乙",))
    items[3] = replace(items[3], also_in=("乙", "丙"))
    # Then the points take the most carried first, and the rest newest first
    assert [i.id for i in for_points(items)] == ["3", "2", "0", "1"]
    # while the edition keeps its order
    assert [i.id for i in items] == ["0", "1", "2", "3"]


def test_a_later_edition_leaves_out_the_archive_of_a_feed_added_since() -> None:
    # Given the previous cutoff, and items first seen since: from a feed added since, its archive of two
    # years ago, one published eight days before the cutoff, one six days before, one undated and one
    # of today; from an established feed, one whose feed dates it two years ago (a wrong, fixed date)
    previous = T0 - timedelta(days=1)
    seen = T0 - timedelta(hours=1)
    archive = item("archive", seen, T0 - timedelta(days=730))
    eight = item("eight", seen, previous - timedelta(days=8))
    six = item("six", seen, previous - timedelta(days=6))
    undated = item("undated", seen)
    today = item("today", seen, T0 - timedelta(hours=3))
    added = [replace(i, source="新") for i in (archive, eight, six, undated, today)]
    misdated = replace(item("misdated", seen, T0 - timedelta(days=730)), source="老")
    # When the edition is cut
    chosen = select_items([*added, misdated], T0, previous, 24, new_sources={"新": None})
    # Then the new feed's old news is left out, its week kept, and the established feed loses nothing
    assert [i.id for i in chosen] == ["undated", "today", "six", "misdated"]


def test_what_a_source_moved_since_brought_before_the_move_is_its_established_feeds() -> None:
    # Given a source pointed at another feed an hour before the cutoff, and two items of ten days ago
    # first seen since the previous cutoff: one before the move (its former feed's), one by the new feed
    previous, moved = T0 - timedelta(days=1), T0 - timedelta(hours=1)
    before = replace(item("before", moved - timedelta(hours=5), T0 - timedelta(days=10)), source="甲")
    archive = replace(item("archive", moved, T0 - timedelta(days=10)), source="甲")
    # When the edition is cut
    chosen = select_items([before, archive], T0, previous, 24, new_sources={"甲": moved})
    # Then only the new feed's is its archive
    assert [i.id for i in chosen] == ["before"]


def test_a_rebuilt_day_is_dated_by_when_what_it_says_last_changed() -> None:
    second = timedelta(seconds=1)
    # Never published before: its cutoff
    assert revised_at(T0, None, changed=True) is None
    # Published, and the same again: the time readers have, whichever it is
    assert revised_at(T0, T0, changed=False) is None
    assert revised_at(T0, T0 + 5 * second, changed=False) == T0 + 5 * second
    # Changed, rebuilt at the original time (or before what readers have): just after that
    assert revised_at(T0, T0, changed=True) == T0 + second
    assert revised_at(T0, T0 + 5 * second, changed=True) == T0 + 6 * second
    # Changed, rebuilt at a later time of the day: its own cutoff
    assert revised_at(T0 + timedelta(hours=3), T0, changed=True) is None


def test_the_stories_reported_before_are_split_from_the_news_naming_the_day_and_keeping_no_text() -> None:
    # Given today's stories, newest first, one of which an edition of 01-19 published as "old"
    published = replace(item("old", T0 - timedelta(days=1)), text="昨天的正文")
    yesterday = Edition(
        date=date(2026, 1, 19), title="t", timezone="Asia/Shanghai", generated_at=T0 - timedelta(days=1),
        window_start=None, window_end=T0 - timedelta(days=1), key_points=(), items=(published,), sources=(),
        leaderboard=None,
    )  # fmt: skip
    stories = [replace(item(id_, T0), text=f"{id_} 的正文") for id_ in ("a", "late", "b", "c")]
    # When they are checked until 2 are news, with "late" found to be that story
    news, repeated, unchecked = split_repeats(stories, lambda i: published if i.id == "late" else None, 2)
    # Then the news keep their order, the repeat takes no place among them, and the rest is not checked
    assert [i.id for i in news] == ["a", "b"] and [i.id for i in unchecked] == ["c"]
    # And the repeat names the day and the story, without its text
    repeats = listed_repeats(repeated, [yesterday], list)
    assert [(r.item.id, r.item.text, r.reported_on, r.reported_item) for r in repeats] == [
        ("late", "", date(2026, 1, 19), "old")
    ]


def test_the_repeats_are_listed_newest_first_those_of_one_story_merged() -> None:
    # Given two stories an edition of 01-19 published
    old1, old2 = item("old1", T0 - timedelta(days=1)), item("old2", T0 - timedelta(days=1))
    yesterday = Edition(
        date=date(2026, 1, 19), title="t", timezone="Asia/Shanghai", generated_at=T0 - timedelta(days=1),
        window_start=None, window_end=T0 - timedelta(days=1), key_points=(), items=(old1,), sources=(),
        leaderboard=None, more=(old2,),
    )  # fmt: skip
    # When today two items repeat the first and a later one the second
    a, b, c = (item(id_, T0 + timedelta(minutes=n)) for n, id_ in enumerate("abc"))
    merge = lambda group: [replace(group[0], also_in=tuple(i.source for i in group[1:]))]  # noqa: E731
    repeats = listed_repeats([(a, old1), (c, old2), (b, old1)], [yesterday], merge)
    # Then each story's repeats are one entry, the newest first
    assert [(r.item.id, r.reported_item) for r in repeats] == [("c", "old2"), ("a", "old1")]
    assert repeats[1].item.also_in == (b.source,)


def test_a_source_counts_as_fetched_by_a_cutoff_from_its_first_good_answer() -> None:
    cutoff = datetime(2026, 1, 20, 0, 10, tzinfo=UTC)
    # A source first answering before the cutoff, at it, or after it
    assert fetched_by(SourceState(first_fetched_at=cutoff - timedelta(days=3)), cutoff)
    assert fetched_by(SourceState(first_fetched_at=cutoff), cutoff)
    assert not fetched_by(SourceState(first_fetched_at=cutoff + timedelta(seconds=1)), cutoff)
    # A source established before its first answer was kept counts when it showed anything
    assert fetched_by(SourceState(recent_ids=("a1",)), cutoff)
    # A source that never answered well (a new raw store, or failures only) does not
    assert not fetched_by(SourceState(), cutoff)


def test_repeats_shown_at_one_time_keep_their_feeds_order() -> None:
    # Given five stories an edition of 01-19 published, and five undated items of one fetch today that
    # repeat them, listed newest first by their feed (their ids, hashes, in another order)
    olds = [item(f"old{n}", T0 - timedelta(days=1)) for n in range(5)]
    yesterday = Edition(
        date=date(2026, 1, 19), title="t", timezone="Asia/Shanghai", generated_at=T0 - timedelta(days=1),
        window_start=None, window_end=T0 - timedelta(days=1), key_points=(), items=tuple(olds), sources=(),
        leaderboard=None,
    )  # fmt: skip
    late = [replace(item(id_, T0), feed_position=n) for n, id_ in enumerate("qxbzd")]
    # When the repeats are listed, whatever order they were found in
    for found in (late, late[::-1], late[2:] + late[:2]):
        repeats = listed_repeats(list(zip(found, olds, strict=True)), [yesterday], list)
        # Then they are in the feed's order, as the day's news of that fetch are
        assert [r.item.id for r in repeats] == list("qxbzd")


# -- the rebuild guard (pipeline.check_publishable) --------------------------------------------------
DAY, CUT = date(2026, 11, 20), datetime(2026, 11, 20, 0, 10, tzinfo=UTC)
OK = (SourceStatus("a", "ok"),)
PUBLISHED = {"items": [{"id": "a"}, {"id": "b"}], "more_items": [{"id": "c"}]}


def test_published_ids_are_those_shown_and_listed_and_nothing_else() -> None:
    assert published_ids(PUBLISHED) == {"a", "b", "c"}
    assert published_ids({"items": [{"title": "an older release's item, no id"}], "more_items": "x"}) == set()
    assert published_ids(None) == set()


@pytest.mark.parametrize("held", [{"a"}, {"c"}, {"b", "z"}])
def test_a_rebuild_holding_any_story_readers_have_is_published(held: set[str]) -> None:
    # a raw store that lost some of the day's stories, or holds only one listed past max_items
    check_publishable(DAY, CUT, stories=0, sources=OK, published=PUBLISHED, held=held)


def test_a_rebuild_holding_none_of_them_is_refused_naming_the_day_and_what_to_do() -> None:
    with pytest.raises(
        EditionError,
        match=r"cannot rebuild 2026-11-20 .*3 stories.*later time.*delete reports/2026-11-20.json",
    ):
        check_publishable(DAY, CUT, stories=5, sources=OK, published=PUBLISHED, held={"z"})


def test_a_quiet_day_with_one_source_down_is_published_empty_and_a_day_of_no_source_is_not() -> None:
    down = SourceStatus("b", "http_error", "502")
    check_publishable(DAY, CUT, stories=0, sources=(*OK, down), published=None, held=set())
    with pytest.raises(EditionError, match="no feed could be fetched"):
        check_publishable(DAY, CUT, stories=0, sources=(down,), published=None, held=set())
    check_publishable(DAY, CUT, stories=1, sources=(down,), published=None, held=set())  # a repeat told
