"""What the functions hand to AWS stays inside its hard limits whatever the feeds and the configuration
say (moto enforces some of them, not all: sizes it counts otherwise are measured here as AWS does)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from lambda_support import Context, edition_resources, fake_credentials, load_handler
from loopback import Exchange, LoopbackServer, static
from moto import mock_aws

from ai_news_tracker.config import FetchConfig
from ai_news_tracker.service import RETURN_BYTES

REPO = Path(__file__).resolve().parents[2]
RAW, SITE, TABLE = "limits-raw", "limits-site", "limits-idempotency"
NOW = "2026-11-20T00:00:00Z"
DYNAMODB_ITEM_MAX = 400 * 1024
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>DeepSeek</title><link>https://example.com/1</link></item></channel></rss>"""


def hostile_status(exchange: Exchange) -> None:
    """A status code of the server's own with a reason phrase of 60,000 characters (http.client takes
    a status line of up to 64 KB)."""
    exchange._request.send_response(599, "x" * 60_000)
    exchange._request.send_header("Content-Length", "0")
    exchange._request.end_headers()
    exchange.started = True


@pytest.fixture
def hostile_feeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Under moto, a configuration of many feeds with long Chinese names, the first one answering, all
    the others behind a server answering a huge reason phrase; yields their number."""
    fake_credentials(monkeypatch)
    count = 200
    routes = {"/feed": hostile_status, "/good": static(FEED, headers={"Content-Type": "application/rss+xml"})}
    with LoopbackServer(routes) as server, mock_aws():
        urls = [server.url("/good")] + [server.url(f"/feed?n={i}") for i in range(1, count)]
        sources = "".join(
            f'[[sources]]\nname = "{"来源" * 200}{i}"\nurl = "{url}"\n' for i, url in enumerate(urls)
        )
        config = tmp_path / "config.toml"
        config.write_text(f"[fetch]\nretries = 0\n[filter]\ninclude = []\n{sources}", encoding="utf-8")
        edition_resources(monkeypatch, config, RAW, SITE, TABLE)
        yield count


def _item_size(item: dict[str, Any]) -> int:
    """A DynamoDB item's size as DynamoDB counts it: names and string values in UTF-8 bytes."""
    return sum(
        len(name.encode()) + len(str(next(iter(value.values()))).encode()) for name, value in item.items()
    )


def test_many_feeds_failing_with_huge_messages_keep_the_fetch_record_small(hostile_feeds: int) -> None:
    # Given a feed that answers, then many that fail with a 60,000-character reason phrase, every one
    # with a name of 401 characters
    # When the fetch function runs
    result = load_handler("fetch_feeds").lambda_handler({"scheduled_time": NOW}, Context())
    # Then it succeeds, and what it returns is bounded: the sources it lists plus those it counts are all,
    # the failed ones listed first
    assert len(result["sources"]) + result["more_sources"] == hostile_feeds
    assert result["more_sources"] > 0 and all(s["status"] == "http_error" for s in result["sources"])
    assert result["new_items"] == 1
    assert all(len(s["name"]) <= 300 and len(s["error"]) <= 300 for s in result["sources"])
    assert len(json.dumps(result, sort_keys=True)) < RETURN_BYTES + 1_000
    # And the idempotency record was completed, far below DynamoDB's 400 KB item size
    (record,) = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert record["status"]["S"] == "COMPLETED"
    assert _item_size(record) < DYNAMODB_ITEM_MAX // 4


# A fresh interpreter with the fetch function's imports fetches the leaderboard at argv[1] and prints how
# far its peak memory rose above what it was before the fetch, in MB (the peak resident set of its own
# address space, VmHWM: getrusage's ru_maxrss keeps the forking parent's across exec).
MEMORY_PROBE = """
import re, sys, tempfile
from datetime import UTC, datetime
from pathlib import Path
from ai_news_tracker import service
from ai_news_tracker.config import parse_config
from ai_news_tracker.pipeline import Pipeline, local_stores
def peak():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
board = {"provider": "arena-catalog", "category": "full", "url": sys.argv[1]}
config = parse_config({"leaderboard": board, "fetch": {"retries": 0, "deadline": 120, "read_timeout": 60}})
pipeline = Pipeline(config, *local_stores(Path(tempfile.mkdtemp())))
before = peak()
status = pipeline.fetch(datetime(2026, 11, 20, tzinfo=UTC), feeds=False).leaderboard
assert status.ok, status
print(peak() - before)
"""


def catalog_of_size(size: int) -> bytes:
    """A leaderboard in the shape of LM Arena's file (``{category: {model: {rating, rating_q975,
    rating_q025}}}``, 29 categories, indented) of a little under ``size`` bytes: the demo's models
    repeated."""
    demo = json.loads((REPO / "demo" / "leaderboard.json").read_text(encoding="utf-8"))
    models = list(next(iter(demo.values()))["text"]["overall"].items())
    categories = ["full", *(f"category_{n}" for n in range(28))]

    def build(per_category: int) -> bytes:
        table = {
            f"{name}-{i}": {
                "rating": score,
                "rating_q975": score + 20.123456789,
                "rating_q025": score - 20.987654321,
            }
            for i in range(per_category)
            for name, score in [models[i % len(models)]]
        }
        return json.dumps(dict.fromkeys(categories, table), indent=4).encode()

    return build(int(0.97 * size / len(build(1_000)) * 1_000))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc (Linux)")
def test_a_leaderboard_file_of_the_default_cap_fits_the_fetch_functions_memory() -> None:
    # Given a leaderboard file just under the default leaderboard_max_bytes, in the real file's shape
    cap = FetchConfig().leaderboard_max_bytes
    body = catalog_of_size(cap)
    assert 0.9 * cap < len(body) <= cap
    with LoopbackServer(
        {"/board.json": static(body, headers={"Content-Type": "application/json"})}
    ) as server:
        # When a fresh interpreter with the fetch function's imports fetches and parses it
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, server.url("/board.json")],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    # Then its memory rose by at most half the function's 256 MB (its imports take ~70 MB of the rest)
    assert float(done.stdout.splitlines()[-1]) < 128
