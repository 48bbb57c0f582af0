"""Leaderboard fetches a review found wrong, each fixed since: movements compared two different arena-catalog
files (text and vision); an undated file whose first date question failed was never asked again; a date a
run with an earlier clock stored was kept for good."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from editions import plain_edition
from loopback import LoopbackServer, static
from test_leaderboard_fetch import DAY1, pipeline

from ai_news_tracker.models import SourceStatus
from ai_news_tracker.render import Renderer

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _file(scores: dict[str, float]) -> bytes:
    return json.dumps(
        {"full": {m: {"rating": s, "rating_q975": s, "rating_q025": s} for m, s in scores.items()}}
    ).encode()


# arena-catalog publishes one file per arena, each with the same categories ("full", ...)
TEXT = _file({"gemini-3-pro": 1490.0, "glm-4.6": 1440.0, "qwen3-max": 1430.0, "gpt-5": 1420.0})
VISION = _file({"gemini-3-pro": 1300.0, "qwen3-max": 1250.0, "gpt-5": 1240.0, "glm-4.6": 1200.0})


def test_switching_the_url_from_the_text_arena_to_the_vision_arena_gives_no_movements(tmp_path: Path) -> None:
    headers = {"Content-Type": "application/json"}
    routes = {
        "/data/leaderboard-text.json": static(TEXT, headers=headers),
        "/data/leaderboard-vision.json": static(VISION, headers=headers),
    }
    with LoopbackServer(routes) as server:
        text = pipeline(tmp_path, server.url("/data/leaderboard-text.json"), "arena-catalog")
        text.fetch(DAY1, feeds=False)
        before = text.current_leaderboard()
        # When the operator points [leaderboard] url at the vision arena's file (provider, category unchanged)
        vision = pipeline(tmp_path, server.url("/data/leaderboard-vision.json"), "arena-catalog")
        vision.fetch(DAY1 + timedelta(days=1), feeds=False)
        after = vision.current_leaderboard()
    assert before is not None and after is not None
    previous = plain_edition(leaderboard=before, leaderboard_status=SourceStatus("LM Arena", "ok"))
    current = replace(
        plain_edition(leaderboard=after, leaderboard_status=SourceStatus("LM Arena", "ok")),
        date=previous.date + timedelta(days=1),
    )
    payload = json.loads(Renderer(vision.config, TEMPLATES).json(current, previous))
    moved = {row["model"]: row["movement"] for row in payload["leaderboard"]["domestic"]}
    # README: a change of url ... and movements compare only editions of the same ranking
    assert moved == {"qwen3-max": None, "glm-4.6": None}, moved


# -- an undated file on GitHub whose commit question failed once is never dated again --------------
from test_leaderboard_fetch import COMMIT, FEED, RAW_URL, GithubHttp, catalog, github_pipeline  # noqa: E402

from ai_news_tracker.errors import HTTPStatusFailure  # noqa: E402
from ai_news_tracker.http import Response  # noqa: E402
from ai_news_tracker.models import Validators  # noqa: E402


class RawGithubHttp(GithubHttp):
    """As raw.githubusercontent.com really answers: an ETag, and a 304 when it is sent back."""

    def fetch_many(self, jobs, *, deadline_at=None):  # type: ignore[no-untyped-def]
        answers = {}
        for key, url, validators, _ in jobs:
            if url == RAW_URL and validators is not None and validators.etag == '"v1"':
                answers[key] = Response(304, b"", {"etag": '"v1"'}, url, validators, not_modified=True)
            elif url == RAW_URL:
                headers = {"content-type": "text/plain; charset=utf-8", "etag": '"v1"'}
                answers[key] = Response(200, catalog(1486.6), headers, url, Validators('"v1"'))
            else:
                answers[key] = Response(200, FEED, {"content-type": "application/rss+xml"}, url, Validators())
        return answers


def test_a_file_first_fetched_while_github_refused_the_commit_question_is_dated_once_github_answers(
    tmp_path: Path,
) -> None:
    # Given the default leaderboard first fetched while api.github.com refused (rate limit, as on Lambda)
    http = RawGithubHttp(HTTPStatusFailure("403 Forbidden", 403))
    pipe = github_pipeline(tmp_path, http)
    pipe.fetch(DAY1)
    # When the rate limit has passed and the (unchanged) file is fetched on the next days
    http.commit_answer = COMMIT
    for days in (1, 2, 3):
        pipe.fetch(DAY1 + timedelta(days=days), feeds=False)
    board = pipe.current_leaderboard()
    # Then (pipeline: "asked again until the publisher answers") the file is dated by its commit: it
    # is 11 months old, and the edition must say so rather than "不详（2026-11-01 首次获取）" with no warning
    assert board is not None
    assert (board.snapshot_date, board.date_basis) == (date(2025, 12, 11), "published"), (
        board.snapshot_date,
        board.date_basis,
        http.asked,
    )


def test_a_date_a_run_with_an_earlier_clock_stored_before_is_asked_of_github_again(tmp_path: Path) -> None:
    # Given the default leaderboard stored as before the publisher's time was kept, by a run whose clock
    # (2025-06-01) was before the file's commit: its date cut to that day, "published", its ETag kept
    http = RawGithubHttp(COMMIT)
    pipe = github_pipeline(tmp_path, http)
    pipe.fetch(DAY1, feeds=False)
    stored = pipe.repo.leaderboard_snapshot("arena-catalog")
    assert stored is not None
    stored.pop("published_at", None)
    pipe.repo.save_leaderboard_snapshot("arena-catalog", {**stored, "snapshot_date": "2025-06-01"})
    # When the unchanged file is fetched the day after
    pipe.fetch(DAY1 + timedelta(days=1), feeds=False)
    # Then GitHub is asked again (the file downloaded, no 304) and the file dated by its commit
    board = pipe.current_leaderboard()
    assert board is not None and (board.snapshot_date, board.date_basis) == (date(2025, 12, 11), "published")
    # And once dated by the publisher's time, the file costs a 304 again, GitHub not asked
    asked = len(http.asked)
    pipe.fetch(DAY1 + timedelta(days=2), feeds=False)
    assert len(http.asked) == asked
