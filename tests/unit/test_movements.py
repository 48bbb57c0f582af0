"""The leaderboard's movements since the previous edition (ai_news_tracker.leaderboard.movements)."""

from __future__ import annotations

from datetime import date

import pytest

from ai_news_tracker.leaderboard import Movement, build_leaderboard, movements
from ai_news_tracker.models import Leaderboard

BEFORE = {
    "gemini-3-pro": 1500.0,
    "qwen3-max": 1480.0,
    "gpt-5": 1470.0,
    "glm-4.6": 1460.0,
    "deepseek-v3.2": 1450.0,
    "kimi-k2": 1440.0,
    "doubao-seed-1.6": 1430.0,
    "minimax-m2": 1400.0,  # 8th: below the domestic table of 5
}


def board(
    scores: dict[str, float],
    *,
    top_n: int = 2,
    domestic_n: int = 5,
    provider: str = "x",
    category: str | None = "overall",
) -> Leaderboard:
    return build_leaderboard(provider, scores, date(2026, 11, 15), top_n, domestic_n, category=category)


def test_no_previous_leaderboard_gives_no_movements() -> None:
    assert movements(board(BEFORE), None) == {}


def test_a_previous_leaderboard_of_another_provider_does_not_compare() -> None:
    assert movements(board(BEFORE), board(BEFORE, provider="y")) == {}


def test_a_previous_leaderboard_of_another_category_does_not_compare() -> None:
    # Given the operator switched from the overall ranking to the chinese one, whose ranks differ
    chinese = {"qwen3-max": 1520.0, "glm-4.6": 1510.0, "gemini-3-pro": 1500.0, "kimi-k2": 1400.0}
    # Then no arrow compares the two (as in a first edition), rather than ↑ for every domestic model
    assert movements(board(chinese, category="chinese"), board(BEFORE, category="overall")) == {}


def test_a_previous_leaderboard_with_other_style_control_does_not_compare() -> None:
    # Given arena-catalog's style-controlled file after its plain one (the same category, other ranks)
    day = date(2026, 11, 15)
    controlled = build_leaderboard("x", BEFORE, day, 2, 5, category="overall", style_control=True)
    plain = build_leaderboard("x", BEFORE, day, 2, 5, category="overall", style_control=False)
    assert movements(controlled, plain) == {}
    # And a leaderboard whose source does not say (None) compares with either
    assert movements(controlled, board(BEFORE)) != {}


def test_a_previous_edition_stored_without_its_category_still_compares() -> None:
    # Given an edition stored before the category was recorded (read back with category None)
    previous = Leaderboard.from_dict(board(BEFORE, category=None).to_dict())
    assert previous.category is None
    # Then it is taken for the same ranking, so the day after an upgrade keeps its arrows
    assert {m.kind for m in movements(board(BEFORE), previous).values()} == {"same"}


def test_the_category_is_stored_with_the_edition() -> None:
    stored = board(BEFORE, category="chinese").to_dict()
    assert stored["category"] == "chinese"
    assert Leaderboard.from_dict(stored) == board(BEFORE, category="chinese")


def test_the_same_leaderboard_again_moves_nobody() -> None:
    moved = movements(board(BEFORE), board(BEFORE))
    assert list(moved) == ["qwen3-max", "glm-4.6", "deepseek-v3.2", "kimi-k2", "doubao-seed-1.6"]
    assert {m.kind for m in moved.values()} == {"same"}
    assert all(m.change == 0 and m.previous_rank == m.rank for m in moved.values())


def test_up_down_and_new_with_the_global_rank_change() -> None:
    # Given deepseek overtakes three models, qwen slips below gpt-5, and minimax enters the table
    after = BEFORE | {"deepseek-v3.2": 1490.0, "qwen3-max": 1465.0, "minimax-m2": 1445.0}
    moved = movements(board(after), board(BEFORE))
    # Then each domestic row has its movement, as ranks in the global ranking
    assert moved["deepseek-v3.2"] == Movement("up", rank=2, previous_rank=5, change=3)
    assert moved["qwen3-max"] == Movement("down", rank=4, previous_rank=2, change=-2)
    assert moved["glm-4.6"] == Movement("down", rank=5, previous_rank=4, change=-1)
    assert moved["minimax-m2"] == Movement("new", rank=6, previous_rank=None, change=0)
    assert moved["kimi-k2"] == Movement("down", rank=7, previous_rank=6, change=-1)
    assert "doubao-seed-1.6" not in moved  # pushed off the domestic table: no row, no movement


def test_a_model_is_found_in_the_previous_global_top_too() -> None:
    # Given a previous edition whose domestic table held a single model, but whose global top held qwen
    previous = board(BEFORE, top_n=3, domestic_n=1)
    assert [r.model for r in previous.domestic] == ["qwen3-max"]
    current = board(BEFORE | {"qwen3-max": 1510.0, "glm-4.6": 1475.0})
    moved = movements(current, previous)
    assert moved["qwen3-max"].kind == "up" and moved["qwen3-max"].previous_rank == 2
    assert moved["glm-4.6"].kind == "new"  # it was on neither of the previous tables


@pytest.mark.parametrize(
    ("movement", "symbol", "label"),
    [
        (Movement("up", 2, 5, 3), "↑3", "上升 3 位（上期第 5 名）"),
        (Movement("down", 9, 8, -1), "↓1", "下降 1 位（上期第 8 名）"),
        (Movement("same", 4, 4, 0), "–", "排名不变"),
        (Movement("new", 20, None, 0), "新", "新上榜"),
    ],
)
def test_what_a_movement_shows(movement: Movement, symbol: str, label: str) -> None:
    assert movement.symbol == symbol
    assert movement.label == label


def test_the_json_form_of_a_movement() -> None:
    assert Movement("down", 9, 8, -1).to_dict() == {"change": "down", "previous_rank": 8, "delta": -1}
    assert Movement("new", 9, None, 0).to_dict() == {"change": "new", "previous_rank": None, "delta": 0}
