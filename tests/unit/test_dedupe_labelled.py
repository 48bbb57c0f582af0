"""Cross-source duplicates measured: labelled pairs, and the real feeds in ``../shared/data``.

``tests/fixtures/dedupe/pairs.toml`` holds 82 invented pairs (40 the same story told by two outlets,
42 different stories, most of them hard: same company, same model family, same funding template).
The module's settings were designed on them, so their figures are train == test; ``holdout.toml``
was written after the settings were frozen. ``bench/dedupe.py`` prints the figures, a
cross-validation of the threshold, and the time to cluster 5,000 items.

The real feeds hold few cross-outlet duplicates; what they test is that clustering their union merges
no two different stories, even when every item counts as its own source (so that only the score and
the guards keep items apart).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from shared_data import DATA

from ai_news_tracker.dedupe import DEFAULT_THRESHOLD, Cluster, cluster, same_story
from ai_news_tracker.feeds import parse_feed
from ai_news_tracker.identity import identity_key, item_id
from ai_news_tracker.models import Item

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dedupe"
REAL = DATA / "feeds" / "real"
T0 = datetime(2026, 11, 20, tzinfo=UTC)
KINDS = {"same-story", "same-company", "same-family", "event-type", "related", "unrelated"}


@dataclass(frozen=True)
class Pair:
    id: str
    same: bool
    kind: str
    a: Item
    b: Item


def load(name: str) -> list[Pair]:
    data = tomllib.loads((FIXTURES / name).read_text(encoding="utf-8"))
    pairs = []
    for raw in data["pair"]:
        a, b = (
            Item(
                id=f"{raw['id']}-{side}",
                identity=f"test:{raw['id']}-{side}",
                source=raw[side]["source"],
                title=raw[side]["title"],
                text=raw[side]["text"],
                url=None,
                published_at=T0 + timedelta(minutes=n),
                first_seen=T0 + timedelta(minutes=n),
            )
            for n, side in enumerate(("a", "b"))
        )
        pairs.append(Pair(raw["id"], raw["same"], raw["kind"], a, b))
    return pairs


def precision_recall(pairs: Sequence[Pair]) -> tuple[float, float, list[str]]:
    verdicts = [(p, same_story(p.a, p.b, DEFAULT_THRESHOLD)) for p in pairs]
    tp = sum(1 for p, merged in verdicts if merged and p.same)
    fp = sum(1 for p, merged in verdicts if merged and not p.same)
    fn = sum(1 for p, merged in verdicts if not merged and p.same)
    wrong = [f"{p.id} [{p.kind}] {p.a.title} | {p.b.title}" for p, merged in verdicts if merged != p.same]
    return tp / (tp + fp), tp / (tp + fn), wrong


@pytest.mark.parametrize("name", ["pairs.toml", "holdout.toml", "blind.toml"])
def test_the_fixture_is_well_formed(name: str) -> None:
    pairs = load(name)
    assert len({p.id for p in pairs}) == len(pairs)
    assert {p.kind for p in pairs} <= KINDS
    assert all((p.kind == "same-story") == p.same for p in pairs)
    assert all(p.a.source != p.b.source for p in pairs)  # the verdict rests on the text alone
    if name == "pairs.toml":
        same = sum(p.same for p in pairs)
        assert len(pairs) >= 60
        assert abs(same - (len(pairs) - same)) <= 4  # about half and half


@pytest.mark.parametrize("name", ["pairs.toml", "holdout.toml"])
def test_precision_and_recall_on_labelled_pairs(name: str) -> None:
    # Reached: pairs.toml 1.000 / 0.975 (one 新智元 headline missed), holdout.toml 1.000 / 1.000.
    precision, recall, wrong = precision_recall(load(name))

    assert precision >= 0.95, wrong
    assert recall >= 0.9, wrong


def test_the_blind_pairs_are_judged_as_when_they_were_measured() -> None:
    # Given eighty pairs a reviewer wrote blind on 2026-12-02, without reading this module, its settings
    # or the other pair files (blind.toml)
    precision, recall, wrong = precision_recall(load("blind.toml"))
    # Then, measured held out, precision is 0.808 and recall 0.600: five different stories merged (a
    # model's Mini beside its Pro's price cut, two funding rounds of one investor, two carriers' server
    # tenders, a ministry's Q&A on a plan beside the plan, a listing rumour beside the filing) and
    # fourteen of the 35 same stories missed, mostly an English report beside a Chinese one (the names
    # guard) or a dramatic title beside a plain one. A guard of variants (Mini, Pro, Flash …) kept bd19
    # apart, and split launches whose reports head two plans or variants (tests/unit/test_dedupe.py): not
    # made
    assert (round(precision, 3), round(recall, 3)) == (0.808, 0.6)
    assert sorted(line.split()[0] for line in wrong) == [
        "bd06", "bd08", "bd11", "bd12", "bd19", "bd21", "bd24", "bd31", "bd32", "bd35",
        "bd37", "bd41", "bd46", "bd49", "bd55", "bd64", "bd68", "bd73", "bd76",
    ]  # fmt: skip


def test_in_one_window_different_stories_never_meet_and_a_story_is_split_only_by_its_sources() -> None:
    # Given all 164 items of pairs.toml in one window, as an edition would see them
    pairs = load("pairs.toml")
    clusters = cluster([item for p in pairs for item in (p.a, p.b)])
    where = {i.id: c for c in clusters for i in c.items}
    # Then no two items labelled different stories are in one cluster
    assert [p.id for p in pairs if not p.same and where[p.a.id] is where[p.b.id]] == []
    # And a story's two items are apart only when one outlet's place is taken by its other copy of
    # the story (negatives reuse some headlines: 36Kr's DeepSeek V4 is in s01, d01 and d39), or when
    # the pair is missed on its own too (s06)
    split = [p for p in pairs if p.same and where[p.a.id] is not where[p.b.id]]
    unexplained = [
        p.id
        for p in split
        if p.b.source not in where[p.a.id].sources and p.a.source not in where[p.b.id].sources
    ]
    assert unexplained == [p.id for p in pairs if p.same and not same_story(p.a, p.b)]
    assert len(split) < len(pairs) // 2


# -- the real feeds --------------------------------------------------------------------------------
def real_items(*, every_item_its_own_source: bool) -> list[Item]:
    if not REAL.is_dir():
        pytest.skip(f"shared data not found: {REAL}")
    items = []
    for path in sorted(REAL.glob("*.xml")):
        entries = parse_feed(path.read_bytes(), {}, "https://example.com/", ZoneInfo("Asia/Shanghai"))
        for n, entry in enumerate(entries):
            identity = identity_key(entry.url, entry.guid, entry.title, entry.text)
            source = f"{path.stem}#{n}" if every_item_its_own_source else path.stem
            items.append(
                Item(
                    id=item_id(f"{source}|{identity}"),
                    identity=identity,
                    source=source,
                    title=entry.title,
                    text=entry.text,
                    url=entry.url,
                    published_at=entry.published_at,
                    first_seen=T0,
                )
            )
    return items


def merges(clusters: list[Cluster]) -> list[list[str]]:
    return [[f"{i.source}: {i.title}" for i in c.items] for c in clusters if len(c.items) > 1]


@pytest.mark.shared_data
@pytest.mark.parametrize("every_item_its_own_source", [False, True], ids=["by-feed", "by-item"])
def test_the_real_feeds_merge_no_different_stories(every_item_its_own_source: bool) -> None:
    # Given the union of the five real feeds (92 items: 36Kr, 36Kr AI, 36Kr 快讯, 机器之心, 新智元)
    items = real_items(every_item_its_own_source=every_item_its_own_source)
    assert len(items) >= 90
    assert len(Counter(i.id for i in items)) == len(items)
    # When they are clustered
    clusters = cluster(items)
    # Then nothing is merged. Inspected by hand: the feeds hold no story told by two of them (the
    # nearest pairs, by-item, are 36Kr AI's several takes on OpenAI o1 and on OpenAI's funding round,
    # one outlet reposting different authors; they score at most 0.25).
    assert len(merges(clusters)) <= 1, merges(clusters)
