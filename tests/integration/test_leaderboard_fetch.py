"""Fetching the leaderboard through the pipeline: the snapshot's own date, and conditional GET."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from loopback import Exchange, LoopbackServer

from ai_news_tracker.config import parse_config
from ai_news_tracker.pipeline import Pipeline, local_stores

DAY1 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def catalog(leader_score: float) -> bytes:
    return json.dumps(
        {
            "full": {
                "gemini-3-pro": {"rating": leader_score, "rating_q975": 1, "rating_q025": 1},
                "glm-4.6": {"rating": 1441.2, "rating_q975": 1, "rating_q025": 1},
                "qwq-32b": {"rating": 1329.4, "rating_q975": 1, "rating_q025": 1},
            },
            "chinese": {"glm-4.6": {"rating": 1500.0, "rating_q975": 1, "rating_q025": 1}},
        }
    ).encode()


def pipeline(tmp_path: Path, url: str, provider: str) -> Pipeline:
    config = parse_config(
        {
            "sources": [{"name": "甲", "url": url.replace("board", "feed")}],
            "leaderboard": {"provider": provider, "url": url},
        }
    )
    raw, site = local_stores(tmp_path)
    return Pipeline(config, raw, site)


def test_arena_catalog_shows_the_day_a_changed_file_was_first_seen(tmp_path: Path) -> None:
    body = {"content": catalog(1486.6)}

    def board(exchange: Exchange) -> None:  # no validators: every fetch downloads the file again
        exchange.respond(200, body["content"], {"Content-Type": "application/json"})

    with LoopbackServer({"/board": board}) as server:
        # Given the file first seen on day 1, then unchanged for a week, then changed
        first = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        first.fetch(DAY1, feeds=False)
        pipeline(tmp_path, server.url("/board"), "arena-catalog").fetch(DAY1 + timedelta(days=7), feeds=False)
        unchanged = first.current_leaderboard()
        body["content"] = catalog(1490.0)
        pipeline(tmp_path, server.url("/board"), "arena-catalog").fetch(DAY1 + timedelta(days=9), feeds=False)
        changed = first.current_leaderboard()

    # Then the unchanged file keeps its first day, and the changed one is dated when it was first seen
    assert unchanged is not None and unchanged.snapshot_date == date(2026, 11, 1)
    assert changed is not None and changed.snapshot_date == date(2026, 11, 10)
    assert [(r.rank, r.model) for r in changed.domestic] == [(2, "glm-4.6"), (3, "qwq-32b")]


def test_unchanged_leaderboard_costs_a_304(tmp_path: Path) -> None:
    history = json.dumps(
        {
            "20250522": {"text": {"overall": {"deepseek-r1": 1354.46, "gemini-2.5-pro": 1446.0}}},
            "20250601": {"text": {"overall": {"deepseek-r1": 1360.0, "gemini-2.5-pro": 1450.0}}},
            "20240629": {"text": {"overall": {"deepseek-r1": 1.0}}},
        }
    ).encode()
    sent: list[int] = []

    def board(exchange: Exchange) -> None:
        if exchange.headers.get("if-none-match") == '"v1"':
            sent.append(304)
            exchange.respond(304, headers={"ETag": '"v1"'})
        else:
            sent.append(200)
            exchange.respond(200, history, {"ETag": '"v1"', "Content-Type": "application/json"})

    with LoopbackServer({"/board": board}) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "lmarena-history")
        first = pipe.fetch(DAY1, feeds=False)
        second = pipe.fetch(DAY1 + timedelta(hours=24), feeds=False)

    assert sent == [200, 304]
    assert first.leaderboard is not None and first.leaderboard.ok
    assert second.leaderboard is not None and second.leaderboard.ok and second.leaderboard.not_modified
    board_now = pipe.current_leaderboard()
    # The newest snapshot is the largest key, whatever the file's order
    assert board_now is not None and board_now.snapshot_date == date(2025, 6, 1)
    assert [r.score for r in board_now.global_top] == [1450.0, 1360.0]
