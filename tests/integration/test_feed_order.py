"""Items that show one time (their first-seen time) keep the order their feed lists them in, newest first:
on the page, in the key points and in which of them fit into ``max_items``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from loopback import LoopbackServer, static

from ai_news_tracker.cli import main

NOW = "2026-01-20T12:00:00+08:00"


def feed(items: list[tuple[str, str | None]]) -> bytes:
    """An RSS feed listing ``items`` (title, pubDate or None) in this order."""
    entries = "".join(
        f"<item><title>{title}</title><link>https://example.com/{n}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for n, (title, date) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"{entries}</channel></rss>"
    ).encode()


def run(tmp_path: Path, body: bytes, max_items: int) -> tuple[list[str], list[str], list[str]]:
    """The titles of the day's edition as its page shows them, its key points, and the titles its JSON
    lists past the cap."""
    with LoopbackServer({"/feed": static(body)}) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            f"[report]\nmax_items = {max_items}\n[filter]\ninclude = []\nexclude = []\n"
            f'[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n',
            encoding="utf-8",
        )
        data = tmp_path / "data"
        assert main(["run", "--config", str(config), "--data-dir", str(data), "--now", NOW]) == 0
    page = (data / "site" / "reports" / "2026-01-20.md").read_text(encoding="utf-8")
    edition = json.loads((data / "site" / "reports" / "2026-01-20.json").read_text(encoding="utf-8"))
    shown = re.findall(r"^### (快讯\d)$", page, re.MULTILINE)
    return shown, edition["key_points"], [i["title"] for i in edition["more_items"]]


@pytest.mark.parametrize(
    "dates",
    [
        pytest.param([None] * 5, id="undated"),
        # A feed whose clock is ahead (or that writes Beijing time with +0000): dated after the fetch
        pytest.param([f"Tue, 20 Jan 2026 11:{m}:00 +0000" for m in (50, 40, 30, 20, 10)], id="ahead"),
    ],
)
def test_items_shown_at_their_first_seen_time_keep_the_feeds_order(
    tmp_path: Path, dates: list[str | None]
) -> None:
    # Given a feed listing 快讯5 … 快讯1, newest first, whose items all show the time of the fetch
    titles = [f"快讯{n}" for n in range(5, 0, -1)]
    # When the day is run with room for three of them
    shown, points, more = run(tmp_path, feed(list(zip(titles, dates, strict=True))), max_items=3)
    # Then the page shows the feed's newest three in its order, its key points too, and lists the other
    # two after them
    assert shown == points == titles[:3]
    assert more == titles[3:]
