"""Leaderboard parsing and ranking over the real files in ``../shared/data/lmarena`` (read in place).

The folder lies outside the project; set ``AI_NEWS_TRACKER_SHARED_DATA`` to read it from elsewhere.
Every test is skipped when it is absent.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import pytest
from shared_data import DATA, require

from ai_news_tracker.leaderboard import (
    build_leaderboard,
    display_score,
    domestic_developer,
    parse_snapshot,
    rank_models,
)

pytestmark = pytest.mark.shared_data

LMARENA = DATA / "lmarena"
HISTORY = "lmarena-history-scores-trimmed.json"
CATALOG = "arena-catalog-leaderboard-text.json"


def _load(name: str) -> Any:
    return json.loads(require(LMARENA / name).read_bytes())


@pytest.fixture(scope="module")
def history() -> Any:
    return _load(HISTORY)


@pytest.fixture(scope="module")
def catalog() -> Any:
    return _load(CATALOG)


def _rows(rows: Any) -> list[tuple[int, str, int]]:
    return [(row.rank, row.model, display_score(row.score)) for row in rows]


def test_history_newest_snapshot(history: Any) -> None:
    snapshot = parse_snapshot("lmarena-history", history, "overall")
    assert snapshot.snapshot_date == date(2025, 5, 22)
    assert len(snapshot.scores) == 243


def test_history_top_and_domestic(history: Any) -> None:
    snapshot = parse_snapshot("lmarena-history", history, "overall")
    assert snapshot.snapshot_date is not None
    board = build_leaderboard("lmarena-history", snapshot.scores, snapshot.snapshot_date, 5, 10)
    assert board.models_ranked == 243
    assert _rows(board.global_top) == [
        (1, "gemini-2.5-pro-preview-05-06", 1446),
        (2, "gemini-2.5-pro-exp-03-25", 1433),
        (3, "gemini-2.5-flash-preview-05-20", 1418),
        (4, "o3-2025-04-16", 1409),
        (5, "chatgpt-4o-latest-20250326", 1405),
    ]
    assert _rows(board.domestic) == [
        (15, "deepseek-v3-0324", 1368),
        (20, "hunyuan-turbos-20250416", 1356),
        (21, "deepseek-r1", 1354),
        (29, "qwen2.5-max", 1337),
        (30, "qwen3-235b-a22b", 1337),
        (33, "qwen3-32b", 1324),
        (37, "deepseek-v3", 1315),
        (39, "qwq-32b", 1310),
        (41, "glm-4-plus-0111", 1307),
        (42, "qwen-plus-0125", 1307),
    ]
    assert [row.developer for row in board.domestic] == [
        "DeepSeek",
        "Tencent",
        "DeepSeek",
        "Alibaba",
        "Alibaba",
        "Alibaba",
        "DeepSeek",
        "Alibaba",
        "Zhipu AI",
        "Alibaba",
    ]


def test_history_every_category_of_the_newest_snapshot_parses(history: Any) -> None:
    for category in ("chinese", "coding", "creative_writing", "english", "hard_6", "math", "overall"):
        snapshot = parse_snapshot("lmarena-history", history, category)
        assert len(snapshot.scores) == 243, category


def test_catalog_full(catalog: Any) -> None:
    snapshot = parse_snapshot("arena-catalog", catalog, "full")
    assert snapshot.snapshot_date is None
    assert len(snapshot.scores) == 282
    ranked = rank_models(snapshot.scores)
    assert [row.model for row in ranked[:5]] == [
        "gemini-3-pro",
        "gemini-2.5-pro",
        "grok-4.1-thinking",
        "claude-opus-4-5-20251101",
        "gpt-5.1-high",
    ]
    domestic = {row.model: row for row in ranked if row.developer is not None}
    assert domestic["ernie-5.0-preview-1103"].rank == 6
    assert domestic["ernie-5.0-preview-1103"].developer == "Baidu"
    assert domestic["glm-4.6"].developer == "Zhipu AI"
    assert domestic["qwen3-max-preview"].developer == "Alibaba"


def test_catalog_domestic_list_keeps_global_ranks(catalog: Any) -> None:
    snapshot = parse_snapshot("arena-catalog", catalog, "full")
    board = build_leaderboard("arena-catalog", snapshot.scores, date(2025, 12, 11), 5, 10)
    assert board.domestic[0].model == "ernie-5.0-preview-1103"
    assert board.domestic[0].rank == 6
    assert [row.rank for row in board.domestic] == sorted(row.rank for row in board.domestic)
    assert all(row.developer is not None for row in board.domestic)


def _all_names(history: Any, catalog: Any) -> set[str]:
    names: set[str] = set()
    for snapshot in history.values():
        for section in snapshot.values():
            for table in section.values():
                names |= set(table)
    for table in catalog.values():
        names |= set(table)
    return names


def test_known_non_domestic_names_in_the_files_are_not_matched(history: Any, catalog: Any) -> None:
    names = _all_names(history, catalog)
    for name in ("starling-lm-7b-beta", "athene-v2-chat", "llava-onevision-qwen2-72b-ov", "llava-v1.6-34b"):
        assert name in names
        assert domestic_developer(name) is None, name


def test_every_name_of_both_files_keeps_its_reviewed_developer(history: Any, catalog: Any) -> None:
    # Every one of the 355 names was classified by hand (review "board"): the 102 matched are all Chinese
    # and no other is. A new prefix or org must not take in a foreign model, nor lose a Chinese one.
    names = _all_names(history, catalog)
    assert len(names) == 355
    found = Counter(developer for developer in map(domestic_developer, names) if developer is not None)
    assert found == {
        "Alibaba": 37,
        "DeepSeek": 18,
        "Zhipu AI": 12,
        "Tencent": 10,
        "01.AI": 7,
        "StepFun": 5,
        "Moonshot AI": 3,
        "Shanghai AI Lab": 3,
        "Ant Group": 2,
        "MiniMax": 2,
        "Baidu": 1,
        "Meituan": 1,
        "ModelBest": 1,
    }
