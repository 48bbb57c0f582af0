"""Leaderboard fetches a review found wrong, each fixed since: movements compared two different arena-catalog
files (text and vision); an undated file whose first date question failed was never asked again; a date a
run with an earlier clock stored was kept for good; a file going back in time replaced the newer ranking; a
frozen ranking was told to readers only; a change to another category of the file re-dated an unchanged
ranking; and, in that fix, a category switched to took the date of the file before, and a snapshot stored
by the release before refused its publisher's date or was re-dated by another category's change; a newer
file was refused against a ranking dated only by the day it was first seen; a day built after the next
day's fetch (rebuilt, or published late) showed the next day's ranking."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from editions import plain_edition
from loopback import Exchange, LoopbackServer, static
from test_leaderboard_fetch import (
    COMMIT,
    DAY1,
    FEED,
    FEED_URL,
    RAW_URL,
    GithubHttp,
    catalog,
    github_pipeline,
    pipeline,
)

from ai_news_tracker.config import parse_config
from ai_news_tracker.errors import HTTPStatusFailure
from ai_news_tracker.http import Response
from ai_news_tracker.log import SERVICE
from ai_news_tracker.models import SourceStatus, Validators, iso
from ai_news_tracker.pipeline import Pipeline, local_stores
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


def test_a_failed_switch_to_another_arenas_file_shows_the_last_ranking_under_its_own_name(
    tmp_path: Path,
) -> None:
    text_url = "/data/leaderboard-text.json"
    with LoopbackServer({text_url: static(TEXT, headers={"Content-Type": "application/json"})}) as server:
        pipeline(tmp_path, server.url(text_url), "arena-catalog").fetch(DAY1, feeds=False)
        # When the operator points the section at the vision arena's file, named so, and its fetch fails
        board = {"provider": "arena-catalog", "url": server.url("/404.json"), "name": "LM Arena Vision"}
        config = parse_config({"sources": [{"name": "甲", "url": FEED_URL}], "leaderboard": board})
        vision = Pipeline(config, *local_stores(tmp_path))
        failed = vision.fetch(DAY1 + timedelta(days=1), feeds=False).leaderboard
        shown = vision.current_leaderboard()
    edition = plain_edition(leaderboard=shown, leaderboard_status=failed)
    # Then the text arena's last ranking is shown under its own name, as one of a failed category switch is
    # under its own category, and said to be the former source's (it was headed "LM Arena Vision")
    renderer = Renderer(config, TEMPLATES)
    markdown, page = renderer.markdown(edition), renderer.html(edition)
    assert "## 国产模型排行榜 (LM Arena)\n" in markdown and "LM Arena Vision)" not in markdown
    assert "*⚠️ 此为此前数据源的榜单：本期截止前未获取到新配置数据源的榜单。*" in markdown
    assert "国产模型排行榜 (LM Arena)</h2>" in page and "此为此前数据源的榜单" in page


# -- an undated file on GitHub whose commit question failed once is never dated again --------------


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


def _history(day: str, scores: dict[str, float]) -> bytes:
    return json.dumps({day: {"text": {"overall": scores}}}).encode()


NEWER = _history("20251101", {"gemini-3-pro": 1500.0, "deepseek-v3.2": 1450.0, "qwen3-max": 1440.0})
OLDER = _history("20250601", {"gemini-2.5-pro": 1460.0, "yi-lightning": 1300.0, "glm-4-plus": 1290.0})


def test_a_file_answering_an_older_snapshot_does_not_replace_the_newer_ranking_shown(tmp_path: Path) -> None:
    body = {"content": NEWER}

    def board(exchange: Exchange) -> None:
        exchange.respond(200, body["content"], {"Content-Type": "application/json"})

    with LoopbackServer({"/board": board}) as server:
        # Given the history file's snapshot of 2025-11-01 fetched and shown
        pipe = pipeline(tmp_path, server.url("/board"), "lmarena-history")
        pipe.fetch(DAY1, feeds=False)
        # When the next day's fetch gets an older copy of the file (a CDN node not yet updated, a
        # force-push), whose newest snapshot is of 2025-06-01
        body["content"] = OLDER
        pipe.fetch(DAY1 + timedelta(days=1), feeds=False)
    # Then the ranking shown does not go back five months (the web edition would otherwise mark every
    # model of June 新上榜 against the previous edition's November ranking)
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2025, 11, 1)


def test_a_ranking_older_than_max_age_days_is_reported_to_the_operator(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the default leaderboard (arena-catalog on GitHub), last committed on 2025-12-11, and
    # max_age_days = 30: a publisher that stopped updating, as the replaced tool's file did
    pipe = github_pipeline(tmp_path, GithubHttp(COMMIT))
    caplog.set_level(logging.DEBUG, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)
    # When the day's leaderboard fetch and render run (the ranking 325 days old)
    pipe.fetch(DAY1)
    edition, _ = pipe.build(DAY1)
    assert "⚠️ 已 325 天未更新" in pipe.renderer.markdown(edition)  # readers are told
    # Then the operator is told too: a WARNING (or worse) naming the leaderboard, as a feed gone quiet
    # has its alarm (before the fix nothing above INFO was logged, no metric, no alarm)
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING and "leaderboard" in r.getMessage()]
    assert warned, [(r.levelname, r.getMessage()) for r in caplog.records]


def _catalog(full: dict[str, float], chinese: dict[str, float]) -> bytes:
    def table(scores: dict[str, float]) -> dict[str, Any]:
        return {m: {"rating": s, "rating_q975": s, "rating_q025": s} for m, s in scores.items()}

    return json.dumps({"full": table(full), "chinese": table(chinese)}).encode()


FULL = {"gemini-3-pro": 1490.0, "glm-4.6": 1441.2, "qwq-32b": 1329.4}


class _RawFile(GithubHttp):
    """raw.githubusercontent.com answering ``body`` (a file whose other category changed; a CDN node that
    may still hold the file before its last commit), api.github.com the repository's latest commit."""

    def __init__(self, body: bytes) -> None:
        super().__init__(COMMIT)
        self.body = body

    def fetch_many(
        self, jobs: list[tuple[Any, str, Any, Any]], *, deadline_at: float | None = None
    ) -> dict[Any, Response | Any]:
        answers = {
            RAW_URL: (self.body, {"content-type": "text/plain; charset=utf-8"}),
            FEED_URL: (FEED, {"content-type": "application/rss+xml"}),
        }
        return {key: Response(200, *answers[url], url, Validators()) for key, url, _, _ in jobs}


def test_a_change_to_another_category_does_not_make_an_unchanged_ranking_look_new(tmp_path: Path) -> None:
    # Given the default leaderboard ("full") committed on 2025-12-11 and fetched
    http = _RawFile(_catalog(FULL, {"glm-4.6": 1500.0}))
    pipe = github_pipeline(tmp_path, http)
    pipe.fetch(DAY1, feeds=False)
    # When, 60 days later, a commit of the day before changes only the file's "chinese" category
    later = DAY1 + timedelta(days=60)
    http.body = _catalog(FULL, {"glm-4.6": 1510.0})
    http.commit_answer = json.dumps(
        [{"sha": "e1", "commit": {"committer": {"date": iso(later - timedelta(days=1))}}}]
    ).encode()
    pipe.fetch(later, feeds=False)
    # Then the "full" ranking, the very same scores since 2025-12-11, keeps that date (and its warning);
    # before the fix it was dated by the other category's commit, 2026-12-30, and shown as fresh
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2025, 12, 11)


def test_a_ranking_stored_by_the_release_before_keeps_its_date_while_its_file_is_unchanged(
    tmp_path: Path,
) -> None:
    # Given the default leaderboard, committed on 2025-12-11, stored as the release before stored it (its
    # fingerprint the whole file's digest)
    http = GithubHttp(COMMIT)
    pipe = github_pipeline(tmp_path, http)
    pipe.fetch(DAY1, feeds=False)
    stored = pipe.repo.leaderboard_snapshot("arena-catalog")
    assert stored is not None
    stored.pop("file_fingerprint")
    stored["fingerprint"] = hashlib.sha256(catalog(http.leader_score)).hexdigest()
    pipe.repo.save_leaderboard_snapshot("arena-catalog", stored)
    asked = len(http.asked)
    # When this release fetches the unchanged file 60 days later, the repository's latest commit now newer
    later = DAY1 + timedelta(days=60)
    http.commit_answer = json.dumps(
        [{"sha": "e2", "commit": {"committer": {"date": iso(later - timedelta(days=1))}}}]
    ).encode()
    pipe.fetch(later, feeds=False)
    # Then the ranking keeps its date, and GitHub is not asked again
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2025, 12, 11)
    assert len(http.asked) == asked


class _Published:
    """A file its publisher dates (Last-Modified), as served now."""

    def __init__(self, body: bytes, modified: str) -> None:
        self.body, self.modified = body, modified

    def __call__(self, exchange: Exchange) -> None:
        headers = {"Content-Type": "application/json", "Last-Modified": self.modified}
        exchange.respond(200, self.body, headers)


def test_a_category_switched_to_after_only_it_changed_is_dated_by_its_own_change(tmp_path: Path) -> None:
    served = _Published(_catalog(FULL, {"glm-4.6": 1500.0}), "Thu, 01 Oct 2026 08:00:00 GMT")
    with LoopbackServer({"/board": served}) as server:
        # Given the "full" ranking of a file published on 2026-10-01, fetched on 11-01
        pipeline(tmp_path, server.url("/board"), "arena-catalog").fetch(DAY1, feeds=False)
        # And the file published again on 11-19 with only its "chinese" category changed, fetched on
        # 11-20 ("full" rightly keeps its date of 10-01)
        served.body = _catalog(FULL, {"glm-4.6": 1510.0, "qwen3-max": 1490.0})
        served.modified = "Thu, 19 Nov 2026 08:00:00 GMT"
        later = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        later.fetch(DAY1 + timedelta(days=19), feeds=False)
        # When the operator switches to the "chinese" category, the file unchanged since 11-19
        chinese = pipeline(tmp_path, server.url("/board"), "arena-catalog", category="chinese")
        chinese.fetch(DAY1 + timedelta(days=20), feeds=False)
    # Then the chinese ranking, changed on 11-19, is dated 11-19 (before the fix: 10-01, the full
    # ranking's date: the edition warned readers it was 51 days old and LeaderboardStaleAlarm rang)
    current = chinese.current_leaderboard()
    assert current is not None and current.category == "chinese"
    assert current.snapshot_date == date(2026, 11, 19)


def test_a_first_seen_ranking_stored_by_the_release_before_takes_its_publishers_date(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _catalog(FULL, {"glm-4.6": 1500.0})
    served: dict[str, str] = {}  # no Last-Modified at first: the publisher did not answer (a rate limit)

    def board(exchange: Exchange) -> None:
        exchange.respond(200, body, {"Content-Type": "application/json", **served})

    with LoopbackServer({"/board": board}) as server:
        # Given the file first seen on 11-01, its publisher unknown, stored as the release before stored
        # it (its fingerprint the whole file's digest, no file_fingerprint)
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        pipe.fetch(DAY1, feeds=False)
        stored = pipe.repo.leaderboard_snapshot("arena-catalog")
        assert stored is not None and stored["date_basis"] == "first_seen"
        stored.pop("file_fingerprint", None)
        stored["fingerprint"] = hashlib.sha256(body).hexdigest()
        pipe.repo.save_leaderboard_snapshot("arena-catalog", stored)
        # When this release fetches the unchanged file, its publisher now dating it 2025-12-11
        served["Last-Modified"] = "Thu, 11 Dec 2025 08:00:00 GMT"
        caplog.set_level(logging.DEBUG, logger=SERVICE)
        monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)
        for days in (1, 2, 3):
            pipe.fetch(DAY1 + timedelta(days=days), feeds=False)
    # Then the very same ranking is dated by its publisher, as the release before dated it (before the
    # fix it was refused as "older than the one shown" at every fetch, for good: shown as fresh,
    # downloaded whole)
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2025, 12, 11)
    assert not [r for r in caplog.records if r.getMessage() == "leaderboard older than the one shown"]


def test_a_ranking_stored_by_the_release_before_is_not_re_dated_by_a_change_to_another_category(
    tmp_path: Path,
) -> None:
    served = _Published(_catalog(FULL, {"glm-4.6": 1500.0}), "Thu, 11 Dec 2025 08:00:00 GMT")
    with LoopbackServer({"/board": served}) as server:
        # Given the "full" ranking of a file published on 2025-12-11, stored as the release before stored
        # it (its fingerprint the whole file's digest, no file_fingerprint)
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        pipe.fetch(DAY1, feeds=False)
        stored = pipe.repo.leaderboard_snapshot("arena-catalog")
        assert stored is not None and stored["snapshot_date"] == "2025-12-11"
        stored.pop("file_fingerprint", None)
        stored["fingerprint"] = hashlib.sha256(served.body).hexdigest()
        pipe.repo.save_leaderboard_snapshot("arena-catalog", stored)
        # When, after the upgrade, the file is published again on 11-19 with only "chinese" changed
        served.body = _catalog(FULL, {"glm-4.6": 1510.0})
        served.modified = "Thu, 19 Nov 2026 08:00:00 GMT"
        pipe.fetch(DAY1 + timedelta(days=19), feeds=False)
    # Then the unchanged "full" ranking keeps its date of 2025-12-11 and its stale warning, as it does for
    # a snapshot this release stored (before the fix it was dated 11-19 and shown as fresh, for as long
    # as it stayed unchanged: the frozen ranking the fix meant to keep telling)
    current = pipe.current_leaderboard()
    assert current is not None and current.snapshot_date == date(2025, 12, 11)


def test_a_newer_file_committed_before_the_day_the_ranking_shown_was_first_seen_replaces_it(
    tmp_path: Path,
) -> None:
    # Given the default leaderboard fetched on 11-01 while GitHub's API refused the commit question (its
    # rate limit for shared addresses such as Lambda's): the ranking is dated by the day first seen, 11-01
    http = _RawFile(catalog(1486.6))
    http.commit_answer = HTTPStatusFailure("403 Forbidden", 403)
    pipe = github_pipeline(tmp_path, http)
    pipe.fetch(DAY1, feeds=False)
    shown = pipe.current_leaderboard()
    assert shown is not None and (str(shown.snapshot_date), shown.date_basis) == ("2026-11-01", "first_seen")
    # When the file of a commit dated 10-31 (gemini-3-pro at 1510.0) is fetched next, the API answering:
    # git's committer date is when it was made, not pushed (or the 11-01 fetch had a CDN copy from before)
    http.body = catalog(1510.0)
    http.commit_answer = json.dumps(
        [{"sha": "e8", "commit": {"committer": {"date": "2026-10-31T10:00:00Z"}}}]
    ).encode()
    for days in (1, 2, 3):
        pipe.fetch(DAY1 + timedelta(days=days), feeds=False)
    # Then the new ranking is shown: 11-01 was only the day the older file was first seen, no date of its
    # own (before the fix it was refused at every fetch as "leaderboard older than the one shown", the
    # older ranking staying shown until another commit)
    current = pipe.current_leaderboard()
    assert current is not None and current.global_top[0].score == 1510


# -- a day built after the next day's leaderboard fetch showed the next day's ranking ------------------

DAY2 = DAY1 + timedelta(days=1)
# qwen3-max passes glm-4.6 overnight
RANKED = _file({"gemini-3-pro": 1490.0, "glm-4.6": 1441.0, "qwen3-max": 1400.0})
PASSED = _file({"gemini-3-pro": 1500.0, "glm-4.6": 1399.0, "qwen3-max": 1410.0})


def _board_and_feed(body: dict[str, bytes]) -> dict[str, Any]:
    """Routes of a leaderboard file answering what ``body["board"]`` holds at each request, and a feed."""
    return {
        "/board": lambda exchange: exchange.respond(200, body["board"], {"Content-Type": "application/json"}),
        "/feed": static(FEED, headers={"Content-Type": "application/rss+xml"}),
    }


def test_a_day_rebuilt_after_the_next_days_leaderboard_fetch_shows_the_ranking_it_had(tmp_path: Path) -> None:
    body = {"board": RANKED}
    with LoopbackServer(_board_and_feed(body)) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        # Given day 1 published, then the next morning's leaderboard fetch taking a new ranking
        first = pipe.run(DAY1)
        body["board"] = PASSED
        pipe.fetch(DAY2 - timedelta(hours=1), feeds=False)
        # When day 1 is rebuilt with its time (README: "Rebuild the newest edition"), then day 2 published
        (tmp_path / "raw" / "editions" / f"{first.edition.date}.json").unlink()
        rebuilt = pipe.run(DAY1)
        second = pipe.run(DAY2)
    # Then the rebuilt day shows the ranking it had (it showed the next day's, 数据日期 2026-11-02)
    assert rebuilt.edition.leaderboard == first.edition.leaderboard
    # And day 2's movements are against it: qwen3-max passed glm-4.6 (it showed `same`, one board twice)
    payload = json.loads((tmp_path / "site" / "reports" / f"{second.edition.date}.json").read_text("utf-8"))
    moved = {row["model"]: row["movement"] for row in payload["leaderboard"]["domestic"]}
    assert moved["qwen3-max"] == {"change": "up", "previous_rank": 3, "delta": 1}


def test_a_day_built_before_any_ranking_kept_was_fetched_says_so(tmp_path: Path) -> None:
    routes = {
        "/board": static(RANKED, headers={"Content-Type": "application/json"}),
        "/feed": static(FEED, headers={"Content-Type": "application/rss+xml"}),
    }
    with LoopbackServer(routes) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        # Given the feeds fetched on day 1, the leaderboard first fetched the next morning
        pipe.fetch(DAY1, leaderboard=False)
        pipe.fetch(DAY2 - timedelta(hours=1), feeds=False)
        # When the section is pointed at another file, not fetched yet, and day 1 is built with its time (a
        # ranking of the source configured is shown, if none was fetched by then the first fetched after)
        other = pipeline(tmp_path, server.url("/other"), "arena-catalog")
        edition, _ = other.build(DAY1)
    # Then it shows no ranking, and says why as the day did on time: the leaderboard was not fetched by
    # its time (its status then; it said 本期截止前未获取到榜单 under the next morning's ok)
    assert edition.leaderboard is None
    assert "*排行榜暂不可用: 尚未抓取*" in other.renderer.markdown(edition)
    board = json.loads(other.renderer.json(edition))["leaderboard"]
    assert (board["available"], board["error"]) == (False, "never fetched")


def _named_pipeline(tmp_path: Path, url: str, board_name: str) -> Pipeline:
    board: dict[str, Any] = {"provider": "arena-catalog", "url": url, "name": board_name}
    sources = [{"name": "甲", "url": url.replace("board", "feed")}]
    config = parse_config({"sources": sources, "leaderboard": board})
    raw, site = local_stores(tmp_path)
    return Pipeline(config, raw, site)


def _catalog_and_feed() -> dict[str, Any]:
    return {
        "/board": static(catalog(1490.0), headers={"Content-Type": "application/json"}),
        "/feed": static(FEED, headers={"Content-Type": "application/rss+xml"}),
    }


def _sources_said(tmp_path: Path, day: str) -> list[tuple[str, str]]:
    payload = json.loads((tmp_path / "site" / "reports" / f"{day}.json").read_text("utf-8"))
    return [(s["name"], s["status"]) for s in payload["sources"]]


def test_a_day_rebuilt_after_the_next_leaderboard_fetch_names_the_leaderboard_as_configured(
    tmp_path: Path,
) -> None:
    with LoopbackServer(_catalog_and_feed()) as server:
        # Given the leaderboard fetched fine for days as "LM Arena", then renamed "LMArena 文本榜"
        before = _named_pipeline(tmp_path, server.url("/board"), "LM Arena")
        before.fetch(DAY1 - timedelta(days=3), feeds=False)
        pipe = _named_pipeline(tmp_path, server.url("/board"), "LMArena 文本榜")
        # And day 1 published on time (its leaderboard fetched fine under the new name just before)
        pipe.fetch(DAY1 - timedelta(hours=1), feeds=False)
        day = pipe.run(DAY1).edition.date.isoformat()
        on_time = _sources_said(tmp_path, day)
        # When the next morning's leaderboard fetch runs, and day 1 is rebuilt with its time
        pipe.fetch(DAY1 + timedelta(hours=23), feeds=False)
        (tmp_path / "raw" / "editions" / f"{day}.json").unlink()
        pipe.run(DAY1)
    # Then it names the leaderboard as it did on time, as configured (a review found "LM Arena": the name
    # of the status its fetches began saying ok with, days before)
    assert ("LMArena 文本榜", "ok") in on_time
    assert _sources_said(tmp_path, day) == on_time


def test_a_day_rebuilt_after_its_leaderboard_was_added_does_not_call_the_ranking_it_shows_unfetched(
    tmp_path: Path,
) -> None:
    with LoopbackServer(_catalog_and_feed()) as server:
        # Given day 1 published without a leaderboard
        raw, site = local_stores(tmp_path)
        sources = [{"name": "甲", "url": server.url("/feed")}]
        feeds = parse_config({"sources": sources, "leaderboard": {"enabled": False}})
        day = Pipeline(feeds, raw, site).run(DAY1).edition.date.isoformat()
        # When [leaderboard] is turned on and the day rebuilt an hour later, as the CLI says to (its run
        # fetches the leaderboard for the first time, after the day's cutoff)
        pipe = _named_pipeline(tmp_path, server.url("/board"), "LM Arena")
        (tmp_path / "raw" / "editions" / f"{day}.json").unlink()
        rebuilt = pipe.run(DAY1 + timedelta(hours=1)).edition
    md = (tmp_path / "site" / "reports" / f"{day}.md").read_text("utf-8")
    # Then the day shows the ranking its run fetched (README: a day rebuilt after a change of the
    # configuration shows what its run fetched), and does not say on the same page that the leaderboard
    # was not fetched (a review found it among the sources that failed: LM Arena（尚未抓取）)
    assert rebuilt.leaderboard is not None
    assert rebuilt.leaderboard_status is not None and rebuilt.leaderboard_status.ok
    assert "未能获取" not in md


# -- the newest day rebuilt after a [leaderboard] change showed the ranking of the configuration before --


def test_the_newest_day_rebuilt_after_a_category_change_shows_the_category_configured(tmp_path: Path) -> None:
    routes = {
        "/board": static(catalog(1490.0), headers={"Content-Type": "application/json"}),
        "/feed": static(FEED, headers={"Content-Type": "application/rss+xml"}),
    }
    with LoopbackServer(routes) as server:
        # Given day 1 published with the overall ranking ("full")
        first = pipeline(tmp_path, server.url("/board"), "arena-catalog").run(DAY1)
        # When the operator configures the Chinese-prompt ranking and builds the day again (README: "to
        # build the newest day again after changing the configuration, delete DIR/raw/editions/<day>.json")
        chinese = pipeline(tmp_path, server.url("/board"), "arena-catalog", category="chinese")
        (tmp_path / "raw" / "editions" / f"{first.edition.date}.json").unlink()
        rebuilt = chinese.run(DAY1 + timedelta(hours=2))
    # Then the rebuilt day shows the category configured, fetched by that run (it showed the old one, with
    # ⚠️ 此为此前数据源的榜单：本期截止前未获取到新配置数据源的榜单)
    assert rebuilt.edition.leaderboard is not None
    assert rebuilt.edition.leaderboard.category == "chinese"
    assert rebuilt.edition.leaderboard.other_source is None


def test_the_newest_day_rebuilt_over_a_failed_switch_is_dated_anew_for_its_note(tmp_path: Path) -> None:
    routes = {
        "/board": static(TEXT, headers={"Content-Type": "application/json"}),
        "/feed": static(FEED, headers={"Content-Type": "application/rss+xml"}),
    }
    with LoopbackServer(routes) as server:
        # Given day 1 published with the text arena's ranking
        first = pipeline(tmp_path, server.url("/board"), "arena-catalog").run(DAY1)
        # When the section is pointed at another file whose fetch fails, and the day is built again
        board = {"provider": "arena-catalog", "url": server.url("/404.json"), "name": "LM Arena Vision"}
        feed = {"name": "甲", "url": server.url("/feed")}
        config = parse_config({"sources": [feed], "leaderboard": board})
        (tmp_path / "raw" / "editions" / f"{first.edition.date}.json").unlink()
        rebuilt = Pipeline(config, *local_stores(tmp_path)).run(DAY1 + timedelta(hours=2))
    # Then the same rows are shown under the note, and the JSON names the source they are from
    payload = json.loads((tmp_path / "site" / "reports" / f"{first.edition.date}.json").read_text("utf-8"))
    assert rebuilt.edition.leaderboard is not None and rebuilt.edition.leaderboard.other_source == "LM Arena"
    assert payload["leaderboard"]["other_source"] == "LM Arena"
    # And the day says it changed (its feed entry's updated), as the note is news to readers of the rows
    assert payload["updated_at"] != payload["generated_at"]


def test_the_newest_day_rebuilt_after_a_leaderboard_section_was_added_shows_it(tmp_path: Path) -> None:
    routes = {
        "/board": static(RANKED, headers={"Content-Type": "application/json"}),
        "/feed": static(FEED, headers={"Content-Type": "application/rss+xml"}),
    }
    with LoopbackServer(routes) as server:
        # Given day 1 published without a [leaderboard] section
        config = parse_config({"sources": [{"name": "甲", "url": server.url("/feed")}]})
        first = Pipeline(config, *local_stores(tmp_path)).run(DAY1)
        # When the section is added and the day built again later that day
        (tmp_path / "raw" / "editions" / f"{first.edition.date}.json").unlink()
        rebuilt = pipeline(tmp_path, server.url("/board"), "arena-catalog").run(DAY1 + timedelta(hours=2))
    # Then it shows the ranking that run fetched (it said 排行榜暂不可用: 本期截止前未获取到榜单)
    assert rebuilt.edition.leaderboard is not None


def test_the_newest_day_rebuilt_after_its_snapshot_was_deleted_shows_the_one_fetched_again(
    tmp_path: Path,
) -> None:
    body = {"board": RANKED}
    with LoopbackServer(_board_and_feed(body)) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "arena-catalog")
        first = pipe.run(DAY1)
        # Given a snapshot its publisher withdrew, deleted as README says, and the day built again
        body["board"] = PASSED
        (tmp_path / "raw" / "leaderboard" / "arena-catalog.json").unlink()
        (tmp_path / "raw" / "editions" / f"{first.edition.date}.json").unlink()
        rebuilt = pipe.run(DAY1 + timedelta(hours=2))
    # Then it shows the ranking fetched again (it said 排行榜暂不可用: 本期截止前未获取到榜单)
    assert rebuilt.edition.leaderboard is not None
    assert rebuilt.edition.leaderboard.global_top[0].score == 1500


# -- the same ranking dated anew kept the time it was first fetched ---------------------------------------


def _history(*days: str) -> bytes:
    """An lmarena-history file whose snapshots of ``days`` all hold one unchanged ranking."""
    scores = {"gemini-3-pro": 1490.0, "glm-4.6": 1441.0, "qwen3-max": 1400.0}
    return json.dumps({day: {"text": {"overall": scores}} for day in days}).encode()


def test_a_day_rebuilt_after_the_next_fetch_dated_its_unchanged_ranking_anew_shows_the_date_it_had(
    tmp_path: Path,
) -> None:
    body = {"board": _history("20261031")}
    with LoopbackServer(_board_and_feed(body)) as server:
        pipe = pipeline(tmp_path, server.url("/board"), "lmarena-history")
        # Given day 1 published with the snapshot of 10-31
        first = pipe.run(DAY1)
        # And the next morning's fetch finding the daily scrape of 11-02, its scores unchanged
        body["board"] = _history("20261031", "20261102")
        pipe.fetch(DAY2 - timedelta(hours=1), feeds=False)
        # When day 1 is rebuilt with its time (README: "Rebuild the newest edition")
        (tmp_path / "raw" / "editions" / f"{first.edition.date}.json").unlink()
        rebuilt = pipe.run(DAY1)
    # Then it shows the ranking as it had it, dated 10-31 (it showed the next day's date: 数据日期 11-02,
    # age_days -1)
    assert first.edition.leaderboard is not None and rebuilt.edition.leaderboard is not None
    assert first.edition.leaderboard.snapshot_date == date(2026, 10, 31)
    assert rebuilt.edition.leaderboard.snapshot_date == date(2026, 10, 31)


def test_a_failed_switch_to_another_provider_shows_no_board_until_its_first_fetch(tmp_path: Path) -> None:
    # README ([leaderboard]): snapshots are kept per provider, so a new `provider` has no board until its
    # first fetch (a new `url` or `category` shows the last ranking of the one before)
    history = json.dumps({"20261031": {"text": {"overall": {"glm-4.6": 1400.0, "gpt-5": 1300.0}}}}).encode()
    with LoopbackServer({"/board": static(history, headers={"Content-Type": "application/json"})}) as server:
        # Given the lmarena-history ranking fetched
        pipeline(tmp_path, server.url("/board"), "lmarena-history").fetch(DAY1, feeds=False)
        # When the section is switched to arena-catalog, whose fetch fails
        catalog_pipe = pipeline(tmp_path, server.url("/missing"), "arena-catalog")
        failed = catalog_pipe.fetch(DAY1 + timedelta(days=1), feeds=False).leaderboard
        shown = catalog_pipe.current_leaderboard(DAY1 + timedelta(days=1))
    # Then no ranking is shown, and the edition says the fetch failed
    assert failed is not None and not failed.ok
    assert shown is None
    edition = plain_edition(leaderboard=shown, leaderboard_status=failed)
    assert "*排行榜暂不可用: " in catalog_pipe.renderer.markdown(edition)


def test_a_failed_switch_over_a_ranking_stored_by_the_release_before_is_not_headed_by_the_new_name(
    tmp_path: Path,
) -> None:
    text_url = "/data/leaderboard-text.json"
    with LoopbackServer({text_url: static(TEXT, headers={"Content-Type": "application/json"})}) as server:
        pipeline(tmp_path, server.url(text_url), "arena-catalog").fetch(DAY1, feeds=False)
        # Given the text arena's ranking as the release before stored it (no name, no first fetch time)
        path = tmp_path / "raw" / "leaderboard" / "arena-catalog.json"
        stored = json.loads(path.read_text("utf-8"))
        for key in ("name", "first_fetched_at", "earlier"):
            stored.pop(key)
        path.write_text(json.dumps(stored), "utf-8")
        # When, after the upgrade, the section is pointed at the vision arena's file, named so, and its
        # fetch fails
        board = {"provider": "arena-catalog", "url": server.url("/404.json"), "name": "LM Arena Vision"}
        config = parse_config({"sources": [{"name": "甲", "url": FEED_URL}], "leaderboard": board})
        vision = Pipeline(config, *local_stores(tmp_path))
        failed = vision.fetch(DAY1 + timedelta(days=1), feeds=False).leaderboard
        shown = vision.current_leaderboard(DAY1 + timedelta(days=1))
    # Then the text arena's rows, said to be the former source's, are headed by the default name, not by
    # the vision arena's (a heading the note under it contradicted)
    edition = plain_edition(leaderboard=shown, leaderboard_status=failed)
    markdown = Renderer(config, TEMPLATES).markdown(edition)
    assert "此为此前数据源的榜单" in markdown
    assert "## 国产模型排行榜 (LM Arena)\n" in markdown


# committed 04:00 in Shanghai on the day DAY1 (09:00 there) first sees the file
SAME_DAY_COMMIT = json.dumps(
    [{"sha": "c9558b6", "commit": {"committer": {"date": "2026-10-31T20:00:00Z"}}}]
).encode()


def test_a_day_rebuilt_after_its_ranking_was_dated_by_its_publisher_shows_the_date_basis_it_had(
    tmp_path: Path,
) -> None:
    # Given day 1 published while api.github.com refused the commit question: its ranking dated by the day
    # first seen (不详（… 首次获取）)
    http = RawGithubHttp(HTTPStatusFailure("403 Forbidden", 403))
    pipe = github_pipeline(tmp_path, http)
    first = pipe.run(DAY1)
    assert first.edition.leaderboard is not None and first.edition.leaderboard.date_basis == "first_seen"
    published = (tmp_path / "site" / "reports" / f"{first.edition.date}.json").read_text("utf-8")
    # And the next fetch, GitHub answering: the unchanged file was committed that same day
    http.commit_answer = SAME_DAY_COMMIT
    pipe.fetch(DAY1 + timedelta(hours=12), feeds=False)
    # When day 1 is rebuilt with its time (README: "Rebuild the newest edition"), nothing changed
    (tmp_path / "raw" / "editions" / f"{first.edition.date}.json").unlink()
    rebuilt = pipe.run(DAY1)
    # Then it shows the ranking as readers have it, not revised (a review found 数据日期: 2026-11-01, the
    # publisher's, and the day dated anew)
    assert rebuilt.edition.leaderboard == first.edition.leaderboard
    assert (tmp_path / "site" / "reports" / f"{first.edition.date}.json").read_text("utf-8") == published
