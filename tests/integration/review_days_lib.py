"""Helpers for the day-by-day review: one or more feeds on loopback, the CLI driven with --now."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from loopback import LoopbackServer, static

from ai_news_tracker.cli import main


def rss(entries: list[tuple[str, str, datetime | None, str]]) -> bytes:
    """entries: (title, link, published or None, text)."""
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        + (f"<pubDate>{format_datetime(p)}</pubDate>" if p else "")
        + f"<description>{escape(text)}</description></item>"
        for t, link, p, text in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>f</title>'
        f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>"
    ).encode()


class Tracker:
    def __init__(
        self,
        server: LoopbackServer,
        root: Path,
        *,
        tz: str = "Asia/Shanghai",
        extra: str = "",
        threshold: float = 2.0,
        sources: tuple[tuple[str, str], ...] = (("甲", "/a"),),
    ) -> None:
        self.server, self.root = server, root
        self.data, self.config = root / "data", root / "c.toml"
        self.tz, self.extra, self.threshold = tz, extra, threshold
        self.write_config(sources)

    def write_config(self, sources: tuple[tuple[str, str], ...]) -> None:
        text = (
            f'[report]\ntimezone = "{self.tz}"\ndedupe_threshold = {self.threshold}\n{self.extra}'
            "[filter]\ninclude = []\n"
            "[fetch]\nretries = 0\nconnect_timeout = 2\nread_timeout = 2\ndeadline = 5\n"
        )
        for name, path in sources:
            text += f'[[sources]]\nname = "{name}"\nurl = "{self.server.url(path)}"\n'
        self.config.write_text(text, encoding="utf-8")

    def feed(self, path: str, entries: list[tuple[str, str, datetime | None, str]]) -> None:
        self.server.routes[path] = static(rss(entries), headers={"Content-Type": "application/rss+xml"})

    def down(self, path: str) -> None:
        self.server.routes[path] = static(b"oops", status=500)

    def cli(self, command: str, now: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([command, "--config", str(self.config), "--data-dir", str(self.data), "--now", now])
        return code, out.getvalue(), err.getvalue()

    def edition(self, day: str) -> dict[str, Any]:
        return json.loads((self.data / "site" / "reports" / f"{day}.json").read_text("utf-8"))

    def days(self) -> list[str]:
        return sorted(p.stem for p in (self.data / "site" / "reports").glob("*.json"))

    def urls(self, day: str) -> list[str]:
        e = self.edition(day)
        return [i["url"] for k in ("items", "more_items", "reported_before") for i in e.get(k, [])]

    def all_urls(self) -> dict[str, list[str]]:
        return {d: self.urls(d) for d in self.days()}
