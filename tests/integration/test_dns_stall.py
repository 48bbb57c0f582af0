"""A name lookup that stalls (an unreachable resolver retried: ``getaddrinfo`` blocking 20-40 s) during a
fetch: the run's deadline must still hold, and the other sources keep what they brought.

``socket.getaddrinfo`` is replaced: one made-up host name stalls, then fails as glibc does when no name
server answers (EAI_AGAIN); every other name resolves as usual, the feeds answering from loopback.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from lambda_support import Context, edition_resources, fake_credentials, load_handler
from loopback import LoopbackServer, static
from moto import mock_aws

from ai_news_tracker import service
from ai_news_tracker.config import FetchConfig
from ai_news_tracker.errors import FetchTimeout, SourceFailure
from ai_news_tracker.http import HttpClient, Response

RAW, SITE, TABLE = "dns-raw-bucket", "dns-site-bucket", "dns-idempotency"
NOW = "2026-11-20T00:00:00Z"
STALLED = "stalled.feeds.test"  # the one name whose look-up hangs
STALL = service.FETCH_RESERVE + 5  # seconds: an unreachable resolver, retried (glibc: 20-40 s)
MARGIN = 1.0
# The invocation's time left: 3 s for its requests (its set-up on a busy machine included) before the reserve
LEFT = service.FETCH_RESERVE + 3


def rss(title: str, link: str, text: str = "正文。") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><link>{link}</link>"
        "<pubDate>Fri, 20 Nov 2026 07:30:00 +0800</pubDate>"
        f"<description><![CDATA[{text}]]></description></item></channel></rss>"
    ).encode()


@pytest.fixture
def stalled_name(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """``STALLED`` takes ``STALL`` s to resolve, then is not found; the times its look-ups began."""
    real = socket.getaddrinfo
    released = threading.Event()
    began: list[float] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == STALLED:
            began.append(time.monotonic())
            released.wait(STALL)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield began
    released.set()  # a look-up still stalled at the end of the test ends now


@dataclass
class CountingDown(Context):
    """A Lambda context whose remaining time runs down from ``remaining_ms`` as Lambda's does."""

    remaining_ms: int = 60_000

    def __post_init__(self) -> None:
        self.ends_at = time.monotonic() + self.remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.ends_at - time.monotonic()) * 1000), 0)


@pytest.fixture
def aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    fake_credentials(monkeypatch)
    with mock_aws():
        config = tmp_path / "config.toml"
        config.write_text("", encoding="utf-8")
        edition_resources(monkeypatch, config, RAW, SITE, TABLE)
        yield config


def raw_keys() -> set[str]:
    s3 = boto3.client("s3", region_name="us-east-1")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=RAW)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def invoke_keeping_watch(remaining_s: float) -> tuple[dict[str, Any], float, set[str]]:
    """The fetch function invoked with ``remaining_s`` of its Timeout left: its result, how long it took,
    and the raw bucket's keys when Lambda would have stopped it."""
    handler = load_handler("fetch_feeds").lambda_handler  # imported first: no part of the time left
    context = CountingDown(remaining_ms=int(remaining_s * 1000))
    at_timeout: set[str] = set()
    watch = threading.Timer(remaining_s, lambda: at_timeout.update(raw_keys() or {"(empty)"}))
    watch.start()
    started = time.monotonic()
    try:
        result: dict[str, Any] = handler({"scheduled_time": NOW}, context)
    finally:
        took = time.monotonic() - started
        watch.cancel()
    return result, took, at_timeout


def test_a_feed_whose_name_lookup_stalls_past_the_invocation_does_not_cost_the_others_their_run(
    aws: Path, stalled_name: list[float]
) -> None:
    # Given two feeds that answer at once and a third whose host name a resolver takes longer than the
    # fetch function's reserve to give up on, and a run with 3 s left before its requests must end
    with LoopbackServer({}) as server:
        for n in (1, 2, 3):
            server.routes[f"/{n}.xml"] = static(rss(f"大模型新闻{n}", f"https://example.com/{n}"))
        stalled = server.url("/3.xml").replace("127.0.0.1", STALLED)
        aws.write_text(
            "[filter]\ninclude = []\n[fetch]\nretries = 0\n"
            f'[[sources]]\nname = "甲"\nurl = "{server.url("/1.xml")}"\n'
            f'[[sources]]\nname = "乙"\nurl = "{server.url("/2.xml")}"\n'
            f'[[sources]]\nname = "丙"\nurl = "{stalled}"\n',
            encoding="utf-8",
        )
        # When the fetch function runs
        result, took, at_timeout = invoke_keeping_watch(LEFT)
    # Then the stalled look-up began before the run's deadline for requests
    assert len(stalled_name) == 1
    # And the function returned before Lambda would have stopped it, the two feeds' items stored
    # (a real invocation is stopped at its Timeout: what the run fetched is lost, nothing stored)
    assert took < LEFT, f"returned {took:.1f} s in, past its Timeout; stored then: {at_timeout}"
    assert {(s["name"], s["status"]) for s in result["sources"]} == {
        ("甲", "ok"),
        ("乙", "ok"),
        ("丙", "timeout"),
    }


def test_an_article_page_whose_name_lookup_stalls_past_the_invocation_does_not_cost_the_run(
    aws: Path, stalled_name: list[float]
) -> None:
    # Given a feed without text (article_text) whose item links to a page on another site, whose host
    # name a resolver takes longer than the fetch function's reserve to give up on
    with LoopbackServer({}) as server:
        server.routes["/feed.xml"] = static(
            rss("机器之心：大模型研究", f"http://{STALLED}/articles/1", text="")
        )
        aws.write_text(
            "[filter]\ninclude = []\n[fetch]\nretries = 0\n"
            f'[[sources]]\nname = "机器之心"\nurl = "{server.url("/feed.xml")}"\narticle_text = true\n',
            encoding="utf-8",
        )
        # When the fetch function runs with 3 s left before its requests must end
        result, took, at_timeout = invoke_keeping_watch(LEFT)
    # Then the page's look-up (the destination check) began before that deadline
    assert len(stalled_name) == 1
    # And the function returned before Lambda would have stopped it, the page owed to the next run
    # (stopped, the item's page is never asked again: it is no new item at the next run)
    assert took < LEFT, f"returned {took:.1f} s in, past its Timeout; stored then: {at_timeout}"
    assert [(s["name"], s["status"]) for s in result["sources"]] == [("机器之心", "ok")]


def test_fetch_many_returns_the_answers_it_has_at_its_deadline_whatever_a_name_lookup_does(
    stalled_name: list[float],
) -> None:
    # Given a feed answering at once and one on a host whose name lookup stalls
    with LoopbackServer({"/feed": static(rss("新闻", "https://example.com/1"))}) as server:
        jobs = [
            ("fast", server.url("/feed"), None, None),
            ("stalled", server.url("/feed").replace("127.0.0.1", STALLED), None, None),
        ]
        client = HttpClient(FetchConfig(retries=0))
        # When both are fetched with 1 s left before the run's deadline
        started = time.monotonic()
        results = client.fetch_many(jobs, deadline_at=started + 1.0)
        took = time.monotonic() - started
    # Then the answers come back at that deadline: the fast feed's, and a timeout for the other
    assert took < 1.0 + MARGIN, f"returned {took:.1f} s after a 1 s deadline"
    assert isinstance(results["fast"], Response)
    assert isinstance(results["stalled"], FetchTimeout)


def test_a_single_request_keeps_to_the_run_s_deadline_whatever_its_name_lookup_does(
    stalled_name: list[float],
) -> None:
    # Given a URL on a host whose name lookup stalls (as the leaderboard's commit date, asked alone)
    client = HttpClient(FetchConfig(retries=0))
    started = time.monotonic()
    # When it is asked for with 1 s left before the run's deadline
    with pytest.raises(SourceFailure) as failure:
        client.get(f"http://{STALLED}/repos/o/r/commits", deadline_at=started + 1.0)
    took = time.monotonic() - started
    # Then the request has ended by that deadline, a timeout
    assert took < 1.0 + MARGIN, f"returned {took:.1f} s after a 1 s deadline"
    assert isinstance(failure.value, FetchTimeout)
