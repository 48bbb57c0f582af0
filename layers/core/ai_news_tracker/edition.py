"""Which items an edition holds: pure functions over items and times.

An edition covers the items first seen since the previous edition's cutoff (its ``window_end``), but
for the archive of a feed added since (its items published :data:`OLD_NEWS` before that cutoff; a
source established before it whose URL changed since keeps what it brought before, ``moves``); the
first edition takes the items published within ``lookback_hours`` before its cutoff. So across days
every item lands in at most one edition, every item of an established feed in exactly one, and a missed
day is caught up by the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from .models import Edition, Item, Repeat

FIRST_EDITION_MARGIN = timedelta(days=1)  # how far before the lookback an item may have been first seen
# An item a source first fetched in a later edition's window shows, published this long before that
# window, is old news: the archive of a feed added since. Only for such new sources: an established
# feed's items are news whatever dates it gives them (a feed with a wrong, fixed date loses nothing).
OLD_NEWS = timedelta(days=7)


def first_edition_scan_start(cutoff: datetime, lookback_hours: int) -> datetime:
    """How far back the first edition looks in the first-seen index (items are seen after publication)."""
    return cutoff - timedelta(hours=lookback_hours) - FIRST_EDITION_MARGIN


def in_first_window(item: Item, cutoff: datetime, lookback_hours: int) -> bool:
    start = cutoff - timedelta(hours=lookback_hours)
    return item.first_seen <= cutoff and start < item.shown_at


def is_old_news(item: Item, window_start: datetime) -> bool:
    """Whether an item of a later edition was published :data:`OLD_NEWS` or more before its window."""
    return item.published is not None and item.published <= window_start - OLD_NEWS


_UNDATED = datetime.min.replace(tzinfo=UTC)


def newest_key(item: Item) -> tuple[datetime, datetime, datetime, int, str]:
    """What orders items newest first (the larger, the newer): the shown time; then the first-seen time;
    then, for the items of one fetch that show its time (undated, or dated after it: a feed's clock or
    zone ahead), the feed's own order: the date it gives, then its place in the feed (the top is the
    newest); then the id, for a stable order (an item stored before its place was kept: by id alone)."""
    position = -item.feed_position if item.feed_position is not None else 0
    return (item.shown_at, item.first_seen, item.published_at or _UNDATED, position, item.id)


def newest_first(items: Iterable[Item]) -> list[Item]:
    """Newest first by :func:`newest_key`: the shown time, ties in the feed's order."""
    return sorted(items, key=newest_key, reverse=True)


def select_items(
    candidates: Iterable[Item],
    cutoff: datetime,
    previous_cutoff: datetime | None,
    lookback_hours: int,
    new_sources: Mapping[str, datetime | None] | None = None,
) -> list[Item]:
    """The items of an edition, newest first, before relevance filtering and the cap.

    ``new_sources`` are the sources whose feed was first fetched since ``previous_cutoff``: their old
    news is left out (:data:`OLD_NEWS`); for a source established before it whose URL changed since, with
    when the new URL first answered: what it first saw before then, its established URL brought (None: a
    source first fetched since, all of it, whatever URLs or names it had)."""
    if previous_cutoff is None:
        chosen = [i for i in candidates if in_first_window(i, cutoff, lookback_hours)]
    else:
        since = new_sources or {}
        chosen = [
            i
            for i in candidates
            if previous_cutoff < i.first_seen <= cutoff and not _archive(i, since, previous_cutoff)
        ]
    unique = {item.id: item for item in chosen}
    return newest_first(unique.values())


def _archive(item: Item, new_sources: Mapping[str, datetime | None], previous_cutoff: datetime) -> bool:
    """Whether ``item`` is the archive of a feed added since ``previous_cutoff``: its old news, of a
    source first fetched since, or first seen from an established source's feed since that feed was
    first fetched (``new_sources``)."""
    if item.source not in new_sources:
        return False
    since = new_sources[item.source]
    return (since is None or item.first_seen >= since) and is_old_news(item, previous_cutoff)


def for_points(items: Sequence[Item]) -> list[Item]:
    """The edition's items (newest first) in the order its key points take them: the stories the most
    feeds carried first, what many outlets report being the day's news, then the newest. The items
    themselves stay newest first."""
    position = {item.id: n for n, item in enumerate(items)}
    return sorted(items, key=lambda item: (-len(item.sources), position[item.id]))


MORE_LISTED = 100  # stories past max_items that an edition lists by title and link; the rest are counted


def split_shown(
    stories: Sequence[Item], older: Sequence[Item], max_items: int, listed: int = MORE_LISTED
) -> tuple[list[Item], list[Item], int]:
    """An edition's relevant stories, newest first, split by how it shows them.

    ``stories`` are the merged stories and ``older`` the relevant items too old to have been merged with
    them. The newest ``max_items`` are shown in full; the next ``listed`` by title and link (kept
    without their text); the number of those past them is counted. Nothing is dropped unsaid."""
    rest = [*stories[max_items:], *older]
    more = [replace(item, text="") for item in rest[:listed]]
    return list(stories[:max_items]), more, len(rest) - len(more)


# The editions a day's stories are compared with, to tell a story published already (a repeat): the one
# before it, and those cut within REPEATS_WITHIN before its cutoff, at most REPEAT_EDITIONS in all.
REPEATS_WITHIN = timedelta(hours=72)
REPEAT_EDITIONS = 3


def published_stories(editions: Iterable[Edition]) -> list[Item]:
    """The stories ``editions`` published, shown in full or listed past them, in the editions' order."""
    return [item for edition in editions for item in (*edition.items, *edition.more)]


def split_repeats(
    items: Sequence[Item], reported: Callable[[Item], Item | None], wanted: int
) -> tuple[list[Item], list[tuple[Item, Item]], list[Item]]:
    """An edition's relevant items (newest first) checked one at a time, newest first, until ``wanted`` of
    them are no repeat (``reported``: the published story an item is, or None): those (the news), the
    repeats among the items checked, each with the story it is, and the items past them, not checked. A
    repeat takes no place among the ``wanted``, however many there are."""
    news: list[Item] = []
    repeats: list[tuple[Item, Item]] = []
    for n, item in enumerate(items):
        if len(news) >= wanted:
            return news, repeats, list(items[n:])
        story = reported(item)
        if story is None:
            news.append(item)
        else:
            repeats.append((item, story))
    return news, repeats, []


def listed_repeats(
    repeats: Iterable[tuple[Item, Item]],
    editions: Iterable[Edition],
    merge: Callable[[Sequence[Item]], list[Item]],
) -> list[Repeat]:
    """The repeats (items, each with the story of one of the earlier ``editions`` it is) as an edition
    lists them, newest first: those of one story merged (``merge``: the day's clustering, so two outlets'
    late reports of it are one entry), each kept without its text, naming the day that published it."""
    day_of = {item.id: edition.date for edition in editions for item in (*edition.items, *edition.more)}
    by_story: dict[str, list[Item]] = {}
    for item, story in repeats:
        by_story.setdefault(story.id, []).append(item)
    listed = [
        Repeat(replace(merged, text=""), day_of[story_id], story_id)
        for story_id, group in by_story.items()
        for merged in merge(group)
    ]
    return sorted(listed, key=lambda r: newest_key(r.item), reverse=True)


def configured_carriers(
    items: Iterable[Item], shown_by: Mapping[str, Iterable[str]], renamed: Mapping[str, str]
) -> list[Item]:
    """The items the configured sources carry, each credited to one of them.

    ``shown_by`` maps each configured (enabled) source to the ids it showed lately, and ``renamed`` a
    source no longer configured to the configured one that fetches its feed now. An item is stored
    under the source that showed it first: when that source is no longer configured (removed, or
    ``enabled = false``), the item is credited to the source it was renamed to, else to the first
    configured source that showed it too, or left out, so an edition names no source it does not list."""
    showing = {name: set(ids) for name, ids in shown_by.items()}

    def carrier(item: Item) -> str | None:
        if item.source in showing:
            return item.source
        if item.source in renamed:
            return renamed[item.source]
        return next((name for name, ids in showing.items() if item.id in ids), None)

    carried = ((item, carrier(item)) for item in items)
    return [item if name == item.source else replace(item, source=name) for item, name in carried if name]


def credit_carriers(items: Iterable[Item], shown_by: Mapping[str, Iterable[str]]) -> list[Item]:
    """Each item also credited to the other sources that showed that very item (the same link).

    An item is stored once, under the source that showed it first; ``shown_by`` maps each source to
    the ids it showed lately, so a second feed carrying the article (a mirror, another bridge) is
    named too, whichever was configured or fetched first. Sources are added in ``shown_by``'s order.
    """
    showing = {name: set(ids) for name, ids in shown_by.items()}

    def credit(item: Item) -> Item:
        extra = tuple(name for name, ids in showing.items() if item.id in ids and name not in item.sources)
        if not extra:
            return item
        return replace(
            item, also_in=item.also_in + extra, also_urls=item.also_urls + (item.url,) * len(extra)
        )

    return [credit(item) for item in items]


# How much later than the time readers have a rebuilt day's changed content is dated at least: the
# domain has no clock of its own, and a rebuild at the original time has the original cutoff.
REVISED_AFTER = timedelta(seconds=1)


def revised_at(
    generated_at: datetime, published: datetime | None, changed: bool, rebuilt_at: datetime | None = None
) -> datetime | None:
    """An edition's ``updated_at``: when what it says last changed, None when that is its ``generated_at``.

    ``published`` is when what readers have of the day last changed (None: nothing published), and
    ``changed`` whether this edition says something else. Unchanged, it keeps that time, so building a
    day again gives the same bytes; changed, it is dated when it was rebuilt (``rebuilt_at``, else its
    cutoff), or just after that time when that is not later (a rebuild at the original time): a feed reader
    refreshes an entry whose time grew.
    """
    if published is None:
        return None
    updated = max(rebuilt_at or generated_at, published + REVISED_AFTER) if changed else published
    return updated if updated != generated_at else None
