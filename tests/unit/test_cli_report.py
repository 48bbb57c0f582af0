"""The one line ``fetch`` and ``run`` print: what a developer reads after adding a feed."""

from __future__ import annotations

from datetime import date

import pytest
from editions import plain_edition

from ai_news_tracker.cli import report_fetch, report_run
from ai_news_tracker.mail import SendReport
from ai_news_tracker.models import SourceStatus
from ai_news_tracker.pipeline import FetchReport, PublishReport
from ai_news_tracker.summarize import FALLBACK_NOTE

OK_BOARD = SourceStatus("LM Arena", "ok")
FAILED = SourceStatus("机器之心", "http_error", "HTTP 404 Not Found")


@pytest.mark.parametrize(
    ("report", "line"),
    [
        (
            FetchReport((SourceStatus("36Kr", "ok", new=2), SourceStatus("新智元", "ok", new=1)), OK_BOARD),
            "fetched 2 of 2 feeds and the leaderboard, 3 new items",
        ),
        (
            FetchReport((FAILED,), OK_BOARD),
            "fetched 0 of 1 feed and the leaderboard, 0 new items; "
            "failed: 机器之心: http_error (HTTP 404 Not Found)",
        ),
        (
            FetchReport(
                (SourceStatus("36Kr", "ok", new=1),), SourceStatus("LM Arena", "timeout", "no answer")
            ),
            "fetched 1 of 1 feed, 1 new item; failed: LM Arena: timeout (no answer)",
        ),
        (FetchReport((SourceStatus("36Kr", "ok"),), None), "fetched 1 of 1 feed, 0 new items"),
    ],
    ids=["all-ok", "the-feed-failed", "the-leaderboard-failed", "no-leaderboard"],
)
def test_fetch_counts_feeds_apart_from_the_leaderboard(
    report: FetchReport, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_fetch(report) == 0
    assert capsys.readouterr().out == line + "\n"


@pytest.mark.parametrize(
    ("email_on", "items", "said"),
    [
        (True, 1, "email: no one to send to ([email] recipients is empty)"),
        (True, 0, "email: not sent, the edition has no items"),
        (False, 1, None),
    ],
    ids=["no-recipients", "no-items", "email-off"],
)
def test_run_says_why_no_email_went_out_when_email_is_on(
    email_on: bool, items: int, said: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a run that published, with no email report
    report = PublishReport(plain_edition(items), ("reports/2026-11-20.md",))
    # When its line is printed
    assert report_run(report, "data", email_on=email_on) == 0
    # Then it says why no mail went out, when email is on
    line = capsys.readouterr().out
    assert (said in line) if said else ("email" not in line)
    assert line.endswith(" -> data/site/reports/2026-11-20.md\n")


def test_runs_line_names_the_days_markdown_though_the_page_before_was_written_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a publish that wrote the day before's page first (to link forward), then the day's files
    keys = ("reports/2026-11-19.html", "reports/2026-11-20.md", "reports/2026-11-20.json")
    # When its line is printed
    assert report_run(PublishReport(plain_edition(1), keys), "data", email_on=False) == 0
    # Then it names the day's own Markdown (it named the first key written: the day before's page)
    assert capsys.readouterr().out.endswith(" -> data/site/reports/2026-11-20.md\n")


def test_runs_line_counts_the_readers_whose_mail_is_pending(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a run whose mail to one reader went out, and to another is pending (claimed by another run)
    email = SendReport(date(2026, 11, 20), "s", sent={"a@example.org": "outbox/2026-11-20/a@example.org.eml"})
    email.pending["b@example.org"] = "claimed by a concurrent run"
    report = PublishReport(plain_edition(1), ("reports/2026-11-20.md",), email=email)
    # When its line is printed
    assert report_run(report, "data", email_on=True) == 0
    # Then the line counts that reader too, as stderr names them (it said "1 new message" alone)
    out, err = capsys.readouterr()
    assert "; email: 1 new message, 1 pending -> " in out, out
    assert err == "ai-news-tracker: email not sent: b@example.org (claimed by a concurrent run)\n"


@pytest.mark.parametrize(
    ("rebuilt", "newest", "failure", "said"),
    [
        (False, False, "environment variable DEEPSEEK_API_KEY is not set", "the extractive key points stand "
         "in, the model failed: environment variable DEEPSEEK_API_KEY is not set; to build it again with the "
         "model, delete data/raw/editions/2026-11-20.json and run again"),
        (True, True, None, "as built before, the extractive key points standing in for the model's; to build "
         "it again with the current configuration, delete data/raw/editions/2026-11-20.json and run again"),
        (True, False, None, "as built before, the extractive key points standing in for the model's: an "
         "edition older than the newest is kept as it was built"),
    ],
    ids=["built-now", "newest-run-again", "older-run-again"],
)  # fmt: skip
def test_run_says_the_extractive_points_stand_in_for_the_model_s_and_how_to_build_it_with_the_model(
    rebuilt: bool, newest: bool, failure: str | None, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a day whose key points are the extractive ones, the model's not used (the edition's note)
    report = PublishReport(plain_edition(1, notes=(FALLBACK_NOTE,)), ("reports/2026-11-20.md",), rebuilt)
    # When its lines are printed, without -v (the model's failure is a WARNING in the log)
    assert report_run(report, "data", newest=newest, points_failed=failure) == 0
    # Then the second one says so, why when built now, and how to build it again with the model
    assert capsys.readouterr().out.splitlines()[1] == f"  ({said})"
