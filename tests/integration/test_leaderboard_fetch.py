"""Fetching the leaderboard through the pipeline: the snapshot's own date, and conditional GET."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from loopback import Exchange, LoopbackServer

from ai_news_tracker.config import parse_config
from ai_news_tracker.errors import HTTPStatusFailure, SourceFailure
from ai_news_tracker.http import Response
from ai_news_tracker.log import SERVICE
from ai_news_tracker.models import Validators, iso
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


def pipeline(tmp_path: Path, url: str, provider: str, category: str | None = None) -> Pipeline:
    board: dict[str, Any] = {"provider": provider, "url": url}
    if category is not None:
        board["category"] = category
    feed = {"name": "甲", "url": url.replace("board", "feed")}
    config = parse_config({"sources": [feed], "leaderboard": board})
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


def test_a_changed_category_is_parsed_again_though_the_file_is_unchanged(tmp_path: Path) -> None:
    sent: list[int] = []

    def board(exchange: Exchange) -> None:  # as raw.githubusercontent.com: an ETag, 304 when it matches
        if exchange.headers.get("if-none-match") == '"v1"':
            sent.append(304)
            exchange.respond(304, headers={"ETag": '"v1"'})
        else:
            sent.append(200)
            exchange.respond(200, catalog(1486.6), {"ETag": '"v1"', "Content-Type": "application/json"})

    with LoopbackServer({"/board": board}) as server:
        # Given the overall ranking fetched, then the operator switching to the chinese one
        pipeline(tmp_path, server.url("/board"), "arena-catalog").fetch(DAY1, feeds=False)
        chinese = pipeline(tmp_path, server.url("/board"), "arena-catalog", category="chinese")
        # When the unchanged file is fetched again, and once more the day after
        chinese.fetch(DAY1 + timedelta(days=1), feeds=False)
        chinese.fetch(DAY1 + timedelta(days=2), feeds=False)

    # Then the switch downloads the file whole and ranks its chinese category; and the file, which no
    # publisher dates here (no Last-Modified, not on GitHub), is downloaded whole again the day after,
    # to ask its publisher again (a 304 would keep it dated by the day first seen for good)
    assert sent == [200, 200, 200]
    current = chinese.current_leaderboard()
    assert current is not None and current.category == "chinese"
    assert [(r.rank, r.model, r.score) for r in current.global_top] == [(1, "glm-4.6", 1500.0)]
    # And the file keeps the day it was first seen: it did not change
    assert current.snapshot_date == date(2026, 11, 1)


def test_a_failed_switch_keeps_the_last_ranking_under_its_own_category(tmp_path: Path) -> None:
    def board(exchange: Exchange) -> None:
        exchange.respond(200, catalog(1486.6), {"ETag": '"v1"', "Content-Type": "application/json"})

    with LoopbackServer({"/board": board}) as server:
        # Given the full ranking stored, then a category the file does not have
        pipeline(tmp_path, server.url("/board"), "arena-catalog").fetch(DAY1, feeds=False)
        coding = pipeline(tmp_path, server.url("/board"), "arena-catalog", category="coding")
        report = coding.fetch(DAY1 + timedelta(days=1), feeds=False)

    # Then the fetch fails by name, and the edition keeps the full ranking, saying it is the full one
    assert report.leaderboard is not None and report.leaderboard.status == "malformed"
    assert "no category 'coding'" in (report.leaderboard.error or "")
    current = coding.current_leaderboard()
    assert current is not None and current.category == "full"
    assert current.global_top[0].model == "gemini-3-pro"


def test_a_partly_migrated_file_never_shows_a_wrong_leader(tmp_path: Path) -> None:
    body = {"content": catalog(1486.6)}

    def board(exchange: Exchange) -> None:
        exchange.respond(200, body["content"], {"Content-Type": "application/json"})

    with LoopbackServer({"/board": board}) as server:
        # Given a good file, then one whose leader's rating was renamed (the others not yet)
        pipeline(tmp_path, server.url("/board"), "arena-catalog").fetch(DAY1, feeds=False)
        migrated = json.loads(catalog(1486.6))
        migrated["full"]["gemini-3-pro"] = {"score": 1490.0}
        body["content"] = json.dumps(migrated).encode()
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        report = pipe.fetch(DAY1 + timedelta(days=1), feeds=False)

    # Then the fetch fails by name, counting the unusable entries, and glm-4.6 is not promoted to #1
    assert report.leaderboard is not None and report.leaderboard.status == "malformed"
    assert "has 1 of 3 entries without a model name or a numeric score" in (report.leaderboard.error or "")
    current = pipe.current_leaderboard()
    assert current is not None and [r.model for r in current.global_top][:2] == ["gemini-3-pro", "glm-4.6"]
    assert current.snapshot_date == date(2026, 11, 1)  # the last good snapshot, with its own date


@pytest.mark.parametrize("provider", ["lmarena-history", "arena-catalog"])
def test_a_leaderboard_file_nested_past_the_parsers_limit_fails_by_name_and_the_edition_is_published(
    tmp_path: Path, provider: str
) -> None:
    # Given a leaderboard URL answering 2 KB of nested brackets (json.loads raises RecursionError there)
    def board(exchange: Exchange) -> None:
        exchange.respond(200, b"[" * 1000 + b"]" * 1000, {"Content-Type": "application/json"})

    def feed(exchange: Exchange) -> None:
        exchange.respond(200, FEED, {"Content-Type": "application/rss+xml"})

    with LoopbackServer({"/board": board, "/feed": feed}) as server:
        pipe = pipeline(tmp_path, server.url("/board"), provider)
        # When the whole cycle runs
        report = pipe.run(DAY1)

    # Then the leaderboard is the malformed source it is, and the day's edition is published naming it
    assert report.fetch is not None and report.fetch.leaderboard is not None
    assert (report.fetch.leaderboard.status, report.fetch.leaderboard.error) == (
        "malformed",
        "the leaderboard file is not JSON",
    )
    status = report.edition.leaderboard_status
    assert status is not None and status.error == "the leaderboard file is not JSON"
    assert [item.title for item in report.edition.items] == ["DeepSeek"]
    assert "reports/2026-11-01.html" in report.keys


def test_a_ranking_without_a_recognised_chinese_model_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = {"full": {"gemini-3-pro": {"rating": 1500.0}, "gpt-5": {"rating": 1490.0}}}

    def board(exchange: Exchange) -> None:
        exchange.respond(200, json.dumps(foreign).encode(), {"Content-Type": "application/json"})

    caplog.set_level(logging.WARNING, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)
    with LoopbackServer({"/board": board}) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        pipe.fetch(DAY1, feeds=False)
    # When the edition's leaderboard is ranked, Then the operator is told the domestic rule found nothing
    current = pipe.current_leaderboard()
    assert current is not None and current.domestic == ()
    (record,) = [r for r in caplog.records if r.getMessage() == "no domestic model recognised"]
    assert (vars(record)["category"], vars(record)["models_ranked"]) == ("full", 2)


# -- an undated file, dated by its publisher ----------------------------------------------------------
RAW_URL = "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/leaderboard-text.json"
COMMITS_URL = (
    "https://api.github.com/repos/lmarena/arena-catalog/commits"
    "?path=data%2Fleaderboard-text.json&sha=main&per_page=1"
)


class GithubHttp:
    """The two publishers a default run asks: raw.githubusercontent.com (which sends no Last-Modified)
    for the file, api.github.com for its latest commit (answering, or refusing as a rate limit does)."""

    def __init__(self, commit_answer: bytes | SourceFailure) -> None:
        self.commit_answer = commit_answer
        self.asked: list[str] = []
        self.leader_score = 1486.6  # the file's content: another score, another file

    def fetch_many(
        self, jobs: list[tuple[Any, str, Any, Any]], *, deadline_at: float | None = None
    ) -> dict[Any, Response | SourceFailure]:
        answers = {
            RAW_URL: (
                catalog(self.leader_score),
                {"content-type": "text/plain; charset=utf-8", "etag": '"v1"'},
            ),
            FEED_URL: (FEED, {"content-type": "application/rss+xml"}),
        }
        return {key: Response(200, *answers[url], url, Validators()) for key, url, _, _ in jobs}

    def get(
        self, url: str, validators: Any = None, max_bytes: int | None = None, deadline_at: float | None = None
    ) -> Response:
        self.asked.append(url)
        if isinstance(self.commit_answer, SourceFailure):
            raise self.commit_answer
        return Response(200, self.commit_answer, {"content-type": "application/json"}, url, Validators())


def github_pipeline(tmp_path: Path, http: GithubHttp) -> Pipeline:
    config = parse_config(
        {
            "sources": [{"name": "甲", "url": FEED_URL}],
            "leaderboard": {"provider": "arena-catalog", "max_age_days": 30},
        }
    )
    raw, site = local_stores(tmp_path)
    return Pipeline(config, raw, site, http=http)  # type: ignore[arg-type]


FEED_URL = "https://example.com/feed"
FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>DeepSeek</title>'
    b"<link>https://example.com/a</link><pubDate>Sun, 01 Nov 2026 08:00:00 +0800</pubDate></item>"
    b"</channel></rss>"
)
COMMIT = json.dumps([{"sha": "c9558b6", "commit": {"committer": {"date": "2025-12-11T09:30:00Z"}}}]).encode()


def test_an_undated_file_on_github_is_dated_by_its_latest_commit(tmp_path: Path) -> None:
    # Given the default leaderboard (arena-catalog on raw.githubusercontent.com), last committed in 2025
    http = GithubHttp(COMMIT)
    pipe = github_pipeline(tmp_path, http)
    # When it is fetched for the first time, nearly a year later
    pipe.fetch(DAY1)
    board = pipe.current_leaderboard()
    # Then its date is the commit's, not the day it was fetched, and the edition warns that it is old
    assert http.asked == [COMMITS_URL]
    assert board is not None and (board.snapshot_date, board.date_basis) == (date(2025, 12, 11), "published")
    edition, _ = pipe.build(DAY1)
    markdown = pipe.renderer.markdown(edition)
    assert "| 数据日期: 2025-12-11 | ⚠️ 已 325 天未更新，排名仅供参考 | 更新时间:" in markdown
    # And it names the ranking: upstream's leaderboard-text.json is the one without style control
    assert "| 榜单: full（未启用风格控制） | 数据日期: 2025-12-11 |" in markdown


def test_an_undated_file_its_publisher_does_not_date_says_it_was_first_seen(tmp_path: Path) -> None:
    # Given GitHub refusing the commit question (its rate limit for shared addresses such as Lambda's)
    http = GithubHttp(HTTPStatusFailure("403 Forbidden", 403))
    pipe = github_pipeline(tmp_path, http)
    # When the file is fetched
    pipe.fetch(DAY1)
    edition, _ = pipe.build(DAY1)
    # Then the edition does not pass the day it was fetched off as the data's date
    markdown = pipe.renderer.markdown(edition)
    assert "| 数据日期: 不详（2026-11-01 首次获取） | 更新时间:" in markdown
    payload = json.loads(pipe.renderer.json(edition, None))
    assert payload["leaderboard"]["date_basis"] == "first_seen"
    # And a later full download asks again, and takes the publisher's date once it answers
    http.commit_answer = COMMIT
    pipe.fetch(DAY1 + timedelta(hours=2), feeds=False)
    board = pipe.current_leaderboard()
    assert board is not None and (board.snapshot_date, board.date_basis) == (date(2025, 12, 11), "published")


def test_a_commit_answer_nested_past_the_parsers_limit_leaves_the_file_dated_when_first_seen(
    tmp_path: Path,
) -> None:
    # Given api.github.com answering the commit question with 2 KB of nested brackets
    http = GithubHttp(b"[" * 1000 + b"]" * 1000)
    pipe = github_pipeline(tmp_path, http)
    # When the undated file is fetched
    report = pipe.fetch(DAY1)
    # Then the ranking is stored, dated the day it was first seen, as when GitHub does not answer
    assert http.asked == [COMMITS_URL]
    assert report.leaderboard is not None and report.leaderboard.ok
    board = pipe.current_leaderboard()
    assert board is not None and (board.snapshot_date, board.date_basis) == (date(2026, 11, 1), "first_seen")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "0001-01-01T05:00:00+08:00"])
def test_a_commit_dated_before_the_calendars_first_day_leaves_the_file_dated_when_first_seen(
    tmp_path: Path, moment: str
) -> None:
    # Given GitHub answering with a commit time that is valid ISO but before 0001-01-01 in UTC
    http = GithubHttp(json.dumps([{"commit": {"committer": {"date": moment}}}]).encode())
    pipe = github_pipeline(tmp_path, http)
    # When the undated file is fetched, Then the fetch goes on and the file is dated when first seen
    report = pipe.fetch(DAY1)
    assert report.leaderboard is not None and report.leaderboard.ok
    board = pipe.current_leaderboard()
    assert board is not None and (board.snapshot_date, board.date_basis) == (date(2026, 11, 1), "first_seen")


def test_a_snapshot_dated_in_the_future_is_not_shown_as_current(tmp_path: Path) -> None:
    # Given a history file whose newest key is a year after the fetch, beside the real snapshot
    history = json.dumps(
        {
            "20261025": {"text": {"overall": {"deepseek-r1": 1360.0, "gemini-2.5-pro": 1450.0}}},
            "20271231": {"text": {"overall": {"made-up-model": 1999.0}}},
        }
    ).encode()

    def board(exchange: Exchange) -> None:
        exchange.respond(200, history, {"Content-Type": "application/json"})

    with LoopbackServer({"/board": board}) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "lmarena-history")
        pipe.fetch(DAY1, feeds=False)
    # Then the edition shows the real snapshot with its own date
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2026, 10, 25)
    assert [r.model for r in current.global_top] == ["gemini-2.5-pro", "deepseek-r1"]


def test_a_snapshot_not_due_at_one_fetch_is_shown_once_its_day_has_come_though_the_file_is_unchanged(
    tmp_path: Path,
) -> None:
    # Given a history file whose newest snapshot is dated two days after the first fetch, and a server
    # that answers 304 to the validators it gave
    history = json.dumps(
        {
            "20261025": {"text": {"overall": {"deepseek-r1": 1360.0}}},
            "20261103": {"text": {"overall": {"deepseek-r1": 1370.0, "qwen3-max": 1400.0}}},
        }
    ).encode()
    answers: list[int] = []

    def board(exchange: Exchange) -> None:
        status = 304 if exchange.headers.get("if-none-match") == '"v1"' else 200
        answers.append(status)
        exchange.respond(
            status, b"" if status == 304 else history, {"Content-Type": "application/json", "ETag": '"v1"'}
        )

    with LoopbackServer({"/board": board}) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "lmarena-history")
        pipe.fetch(DAY1, feeds=False)
        first = pipe.current_leaderboard()
        # When it is fetched again after the newer snapshot's day, the file unchanged
        pipe.fetch(DAY1 + timedelta(days=5), feeds=False)
    # Then the newer snapshot is shown: the first answer's validators were not kept, so it was read again
    assert first is not None and first.snapshot_date == date(2026, 10, 25)
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2026, 11, 3)
    assert answers == [200, 200]


def test_a_last_modified_header_dates_an_undated_file(tmp_path: Path) -> None:
    def board(exchange: Exchange) -> None:
        exchange.respond(
            200,
            catalog(1486.6),
            {"Content-Type": "application/json", "Last-Modified": "Wed, 01 Oct 2025 08:00:00 GMT"},
        )

    with LoopbackServer({"/board": board}) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        pipe.fetch(DAY1, feeds=False)
    current = pipe.current_leaderboard()
    assert current is not None and (current.snapshot_date, current.date_basis) == (
        date(2025, 10, 1),
        "published",
    )


BACKDATED = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)  # a run's clock before the file's commit of 2025-12-11


def test_a_file_committed_after_the_runs_clock_is_not_there_yet_for_that_run(tmp_path: Path) -> None:
    # Given the default leaderboard (arena-catalog on GitHub), whose latest commit is of 2025-12-11
    pipe = github_pipeline(tmp_path, GithubHttp(COMMIT))
    # When a run with a clock in the past (`--now 2025-06-01`, an event's older "now") fetches it
    report = pipe.fetch(BACKDATED)
    # Then the file (data of December) is not stored as published on the run's day: the edition of that
    # day says the leaderboard was not published yet, as for a history file of later snapshots alone
    assert report.leaderboard is not None and report.leaderboard.status == "not_published"
    assert pipe.current_leaderboard() is None
    edition, _ = pipe.build(BACKDATED)
    markdown = pipe.renderer.markdown(edition)
    assert "*排行榜暂不可用: 该日尚未发布*" in markdown
    assert "*本期部分来源未能获取: LM Arena（该日尚未发布）*" in markdown


def test_a_file_a_run_with_an_earlier_clock_saw_is_dated_by_its_commit_later(tmp_path: Path) -> None:
    # Given the default leaderboard once fetched by a run whose clock was before the file's commit
    pipe = github_pipeline(tmp_path, GithubHttp(COMMIT))
    pipe.fetch(BACKDATED, feeds=False)
    # When an ordinary run fetches the same, unchanged file later
    pipe.fetch(DAY1, feeds=False)
    board = pipe.current_leaderboard()
    # Then it is dated by its commit, as when it is first fetched on that day (not 2025-06-01 for good)
    assert board is not None
    assert (board.snapshot_date, board.date_basis) == (date(2025, 12, 11), "published")


def commit_at(moment: datetime) -> bytes:
    return json.dumps([{"sha": "d1", "commit": {"committer": {"date": iso(moment)}}}]).encode()


def test_a_file_committed_after_a_retried_runs_scheduled_time_leaves_the_stored_ranking_no_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the default leaderboard fetched and dated by its commit on one day
    http = GithubHttp(COMMIT)
    pipe = github_pipeline(tmp_path, http)
    pipe.fetch(DAY1)
    # When the next day's fetch, scheduled at 01:00 but retried at 01:20 (its event keeps its
    # scheduled_time), finds the file changed by a commit of 01:10
    scheduled = DAY1 + timedelta(days=1)
    http.leader_score, http.commit_answer = 1490.0, commit_at(scheduled + timedelta(minutes=10))
    caplog.set_level(logging.INFO, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)
    report = pipe.fetch(scheduled)
    # Then the edition shows the ranking stored before, the leaderboard of its time, and names no
    # failure beside it: the fetch is ok, and no failure is counted for the alarm
    assert report.leaderboard is not None and report.leaderboard.ok
    assert report.leaderboard.consecutive_failures == 0
    edition, _ = pipe.build(scheduled)
    markdown = pipe.renderer.markdown(edition)
    assert "数据日期: 2025-12-11" in markdown and "该日尚未发布" not in markdown
    (record,) = [
        r for r in caplog.records if r.getMessage() == "leaderboard not published by the run's clock"
    ]
    assert vars(record)["provider"] == "arena-catalog"
    # And the next day's run downloads the file (no validators kept) and dates it by that commit
    assert pipe.repo.source_state("leaderboard:arena-catalog").validators.empty
    pipe.fetch(scheduled + timedelta(days=1), feeds=False)
    board = pipe.current_leaderboard()
    assert board is not None and (board.snapshot_date, board.global_top[0].score) == (
        date(2026, 11, 2),
        1490.0,
    )


def test_a_history_file_of_later_snapshots_alone_leaves_the_stored_ranking_no_failure(tmp_path: Path) -> None:
    history = json.dumps({"20261025": {"text": {"overall": {"deepseek-r1": 1360.0}}}}).encode()

    def board(exchange: Exchange) -> None:
        exchange.respond(200, history, {"Content-Type": "application/json", "ETag": '"v1"'})

    with LoopbackServer({"/board": board}) as server:
        # Given a history file's snapshot of 2026-10-25 stored
        pipe = pipeline(tmp_path, server.url("/board"), "lmarena-history")
        pipe.fetch(DAY1, feeds=False)
        # When a run with an earlier clock (`--now 2026-10-20`) finds its snapshots all dated later
        earlier = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
        report = pipe.fetch(earlier, feeds=False)
    # Then the stored ranking stays, with no failure named beside it, and the file is read again next time
    assert report.leaderboard is not None and report.leaderboard.ok
    assert report.leaderboard.consecutive_failures == 0
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2026, 10, 25)
    assert pipe.repo.source_state("leaderboard:lmarena-history").validators.empty
