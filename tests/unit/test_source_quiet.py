"""How long each source has gone without anything new (``FetchReport.quiet_hours``, the metric of the
alarm on a stale feed): per source, so a mirror of another feed is not taken for a dead one; and a feed
a run's deadline left unasked, which is no failure of its own and is asked first at the next run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ai_news_tracker.config import Config, FetchConfig, FilterConfig, SourceConfig
from ai_news_tracker.errors import FetchTimeout, OutOfTime, SourceFailure
from ai_news_tracker.http import Response
from ai_news_tracker.models import Validators
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.store import LocalStore

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def feed(numbers: range) -> bytes:
    items = "".join(
        f"<item><title>大模型新闻 {n}</title><link>https://example.com/a/{n}</link>"
        f"<pubDate>Fri, 20 Nov 2026 08:00:00 +0800</pubDate></item>"
        for n in numbers
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    )


class Feeds:
    """Each URL answers a feed of items 1..newest[url]."""

    def __init__(self, newest: dict[str, int]) -> None:
        self.newest = newest

    def fetch_many(
        self, jobs: list[tuple[Any, str, Any, Any]], *, deadline_at: float | None = None
    ) -> dict[Any, Response]:
        def answer(url: str) -> Response:
            body = feed(range(1, self.newest[url] + 1))
            return Response(200, body, {"content-type": "application/rss+xml"}, url, Validators(None, None))

        return {key: answer(url) for key, url, *_ in jobs}


def test_a_mirror_with_new_items_is_not_quiet_and_a_frozen_feed_is(tmp_path: Path) -> None:
    # Given the original and its mirror (the same articles), and a third feed that stopped changing
    original, mirror, frozen = "https://a.example/feed", "https://b.example/feed", "https://c.example/feed"
    config = Config(
        sources=(SourceConfig("原站", original), SourceConfig("镜像", mirror), SourceConfig("停更", frozen)),
        filter=FilterConfig(),
        fetch=FetchConfig(),
    )
    http = Feeds({original: 3, mirror: 3, frozen: 3})
    pipeline = Pipeline(config, LocalStore(tmp_path / "raw"), LocalStore(tmp_path / "site"), http=http)  # type: ignore[arg-type]
    assert pipeline.fetch(T0).quiet_hours == {"原站": 0.0, "镜像": 0.0, "停更": 0.0}
    # When 73 hours later the original and its mirror show a new article, the third the same old ones
    http.newest = {original: 4, mirror: 4, frozen: 3}
    report = pipeline.fetch(T0 + timedelta(hours=73))
    # Then the mirror had something new too (its items are stored under the original); only the
    # frozen feed is quiet, for the 73 hours since it last showed something new
    assert report.quiet_hours == {"原站": 0.0, "镜像": 0.0, "停更": 73.0}


class OneFeedInTime:
    """The first feed asked hangs until the run's deadline; the others' turns come after it."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def fetch_many(
        self, jobs: list[tuple[Any, str, Any, Any]], *, deadline_at: float | None = None
    ) -> dict[Any, Response | SourceFailure]:
        (first, url, *_), *rest = jobs
        self.asked.append(url)
        answers: dict[Any, Response | SourceFailure] = {first: FetchTimeout("not complete in time")}
        if url.startswith("https://fine."):
            body = feed(range(1, 3))
            headers = {"content-type": "application/rss+xml"}
            answers[first] = Response(200, body, headers, url, Validators(None, None))
        return answers | {key: OutOfTime(OutOfTime.reason) for key, *_ in rest}


def test_a_feed_the_run_s_deadline_left_unasked_is_no_failure_and_is_asked_first_next_time(
    tmp_path: Path,
) -> None:
    # Given more feeds than the run has time for: the first in the configuration hangs, the second answers
    hanging, fine = "https://hanging.example/feed", "https://fine.example/feed"
    config = Config(
        sources=(SourceConfig("挂起", hanging), SourceConfig("正常", fine)),
        filter=FilterConfig(),
        fetch=FetchConfig(),
    )
    http = OneFeedInTime()
    pipeline = Pipeline(config, LocalStore(tmp_path / "raw"), LocalStore(tmp_path / "site"), http=http)  # type: ignore[arg-type]

    # When the fetch runs at two scheduled times, each ending its requests at its deadline
    first = pipeline.fetch(T0)
    kept = pipeline.repo.source_state("正常")
    second = pipeline.fetch(T0 + timedelta(hours=1))

    # Then the feed left unasked is not counted as failing (nor its state touched), and is asked first next
    assert [(s.status, s.consecutive_failures) for s in first.sources] == [("timeout", 1), ("timeout", 0)]
    assert kept.status is None
    assert http.asked == [hanging, fine]
    assert [(s.status, s.consecutive_failures) for s in second.sources] == [("timeout", 1), ("ok", 0)]
