"""Which items an edition holds: pure functions over items and times.

An edition covers the items first seen since the previous edition's cutoff (its ``window_end``);
the first edition takes the items published within ``lookback_hours`` before its cutoff. So across
days every item lands in exactly one edition, and a missed day is caught up by the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from .models import Item

FIRST_EDITION_MARGIN = timedelta(days=1)  # how far before the lookback an item may have been first seen


def first_edition_scan_start(cutoff: datetime, lookback_hours: int) -> datetime:
    """How far back the first edition looks in the first-seen index (items are seen after publication)."""
    return cutoff - timedelta(hours=lookback_hours) - FIRST_EDITION_MARGIN


def in_first_window(item: Item, cutoff: datetime, lookback_hours: int) -> bool:
    start = cutoff - timedelta(hours=lookback_hours)
    return item.first_seen <= cutoff and start < item.shown_at


def newest_first(items: Iterable[Item]) -> list[Item]:
    """Newest first by the shown time; ties broken by first-seen time, then id, for a stable order."""
    return sorted(items, key=lambda i: (i.shown_at, i.first_seen, i.id), reverse=True)


def select_items(
    candidates: Iterable[Item],
    cutoff: datetime,
    previous_cutoff: datetime | None,
    lookback_hours: int,
) -> list[Item]:
    """The items of an edition, newest first, before relevance filtering and the cap."""
    if previous_cutoff is None:
        chosen = [i for i in candidates if in_first_window(i, cutoff, lookback_hours)]
    else:
        chosen = [i for i in candidates if previous_cutoff < i.first_seen <= cutoff]
    unique = {item.id: item for item in chosen}
    return newest_first(unique.values())


def cap(items: Sequence[Item], max_items: int) -> list[Item]:
    return list(items[:max_items])
