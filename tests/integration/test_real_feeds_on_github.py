"""The real feeds of ``../shared/data/feeds/real`` through a whole run, read where the Markdown edition
is read: on GitHub (cmark-gfm, its own renderer).

Real text brings what invented text forgets: 36Kr's entity-escaped articles, ``&`` in names, addresses,
URLs and Markdown-looking punctuation in the middle of Chinese. Whatever it holds, the edition GitHub
shows must have only the links the edition makes and each item's title and text exactly as the JSON
edition has them. Read in place, served from loopback; skipped when the shared data is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from github_markdown import EDITION_TAGS, github_view
from loopback import LoopbackServer, static
from shared_data import DATA, require

from ai_news_tracker.cli import main

pytestmark = pytest.mark.shared_data

REAL = DATA / "feeds" / "real"
NOW = "2026-06-20T08:00:00+08:00"
DAY = "2026-06-20"
LEADERBOARD_LINKS = {
    ("LM Arena (lmarena.ai)", "https://lmarena.ai/"),
    ("原始数据", "https://github.com/nakasyou/lmarena-history"),
}


def undated(feed: bytes) -> bytes:
    return re.sub(rb"<pubDate>[^<]*</pubDate>", b"", feed)


def test_real_feed_text_reads_as_text_on_github(tmp_path: Path) -> None:
    feeds = sorted(require(REAL).glob("*.xml"))
    scores = require(DATA / "lmarena" / "lmarena-history-scores-trimmed.json").read_bytes()
    assert feeds
    # Given every real feed, served as its source serves it but without its items' dates (some are of
    # 2019, past the longest lookback_hours: undated, an item is as new as when it was first seen, so
    # every one is in the edition), and no relevance filter
    routes = {
        f"/{path.name}": static(undated(path.read_bytes()), headers={"Content-Type": "application/rss+xml"})
        for path in feeds
    }
    routes["/scores.json"] = static(scores, headers={"Content-Type": "application/json"})
    with LoopbackServer(routes) as server:
        config = tmp_path / "config.toml"
        config.write_text(
            "[report]\nmax_items = 200\n\n"
            + "[filter]\ninclude = []\n\n"
            + "".join(
                f'[[sources]]\nname = "{p.stem}"\nurl = "{server.url("/" + p.name)}"\n\n' for p in feeds
            )
            + f'[leaderboard]\nprovider = "lmarena-history"\nurl = "{server.url("/scores.json")}"\n',
            encoding="utf-8",
        )
        # When a day's edition is built from them
        code = main(["run", "--config", str(config), "--data-dir", str(tmp_path / "data"), "--now", NOW])
    assert code == 0
    reports = tmp_path / "data" / "site" / "reports"
    payload = json.loads((reports / f"{DAY}.json").read_text(encoding="utf-8"))
    items = payload["items"]
    assert all(source["status"] == "ok" for source in payload["sources"]), payload["sources"]
    assert len(items) > 50

    # Then GitHub shows only the edition's links: each item's 阅读原文 and the leaderboard's
    view = github_view((reports / f"{DAY}.md").read_text(encoding="utf-8"))
    assert set(view.links) == {("阅读原文", i["url"]) for i in items if i["url"]} | LEADERBOARD_LINKS
    assert view.tags <= EDITION_TAGS, view.tags - EDITION_TAGS
    # and every title and text exactly as the JSON edition has them
    assert view.titles == ["全球 Top 5", "国产模型排名"] + [i["title"] for i in items]
    assert [i["summary"] for i in items if i["summary"] and i["summary"].strip() not in view.paragraphs] == []
