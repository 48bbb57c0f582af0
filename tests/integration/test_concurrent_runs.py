"""Two runs at once over the same stores: builds and publishes of different days, and a fetch still storing
a new feed's archive while an edition is cut.

Each interleaving is forced by hand, not by timing: a store (or repository) hook runs the other run's
steps at a chosen point of this one, so every test takes the same path on every run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ai_news_tracker.config import parse_config
from ai_news_tracker.models import Edition, Entry
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.store import LocalStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
SOURCES = ("甲", "乙")


def at(day: int, hour: int = 8, minute: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


class Hooked(LocalStore):
    """A folder bucket that runs ``meanwhile`` once, just before its ``at``-th write (``put`` or
    ``put_if_absent``) of a key starting with ``prefix``."""

    def __init__(self, root: Path, prefix: str = "", at: int = 0) -> None:
        super().__init__(root)
        self.prefix, self.at, self.writes = prefix, at, 0
        self.meanwhile: Callable[[], object] | None = None
        self.fired = False

    def _before_write(self, key: str) -> None:
        if not key.startswith(self.prefix):
            return
        self.writes += 1
        if self.writes == self.at and self.meanwhile is not None:
            self.fired = True
            self.meanwhile()

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._before_write(key)
        super().put(key, data, content_type=content_type)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        self._before_write(key)
        return super().put_if_absent(key, data, content_type=content_type)


def pipeline(data: Path, *, raw: LocalStore | None = None, site: LocalStore | None = None) -> Pipeline:
    config = parse_config(
        {
            "report": {"lookback_hours": 24, "max_items": 100},
            "filter": {"include": []},
            "sources": [
                {"name": name, "url": f"https://{n}.example.com/feed"} for n, name in enumerate(SOURCES)
            ],
        }
    )
    return Pipeline(config, raw or LocalStore(data / "raw"), site or LocalStore(data / "site"))


def story(title: str, published: datetime) -> Entry:
    return Entry(
        title=title, text=f"{title}：大模型的正文。", url=f"https://example.com/{title}", guid=None,
        published_at=published,
    )  # fmt: skip


def stored(data: Path) -> dict[str, Edition]:
    return {
        path.stem: Edition.from_dict(json.loads(path.read_text("utf-8")))
        for path in sorted((data / "raw" / "editions").glob("*.json"))
    }


def titles_by_edition(data: Path) -> dict[str, list[str]]:
    return {day: sorted(i.title for i in edition.items) for day, edition in stored(data).items()}


# -- a publish of an older day while today's is published ---------------------------------------------
def three_days(data: Path) -> None:
    """The editions of 11-18 and 11-19 published; an item for 11-20 stored."""
    pipe = pipeline(data)
    for day in (18, 19):
        pipe.repo.record_entries("甲", [story(f"{day}日", at(day, 7))], at(day, 8))
        pipe.publish(pipe.build(at(day))[0])
    pipe.repo.record_entries("甲", [story("20日", at(20, 7))], at(20, 8))


# Publishing 11-18 again writes 10 files (its own 3, the 7 listing pages and assets); 11-19, 11 (and the
# page of 11-18 again): today's run is put before each of them
@pytest.mark.parametrize(
    ("republished", "write"), [(18, n) for n in range(1, 11)] + [(19, n) for n in range(1, 12)]
)
def test_republishing_an_older_day_while_today_is_published_keeps_today_in_every_listing(
    tmp_path: Path, republished: int, write: int
) -> None:
    # Given two published days, and the items of a third
    three_days(tmp_path)
    # When an older day is published again (`run --now`, a replayed render) and today's whole build
    # and publish run just before one of its writes of the site
    site = Hooked(tmp_path / "site", at=write)
    older = pipeline(tmp_path, site=site)
    edition, _ = older.build(at(republished))

    def today() -> None:
        pipe = pipeline(tmp_path)
        pipe.publish(pipe.build(at(20))[0])

    site.meanwhile = today
    older.publish(edition)
    assert site.fired
    # Then the archive, the feed and latest hold today's edition, and the day before links forward to it
    text = {name: (tmp_path / "site" / name).read_text("utf-8") for name in ("index.html", "feed.xml")}
    assert "2026-11-20" in text["index.html"] and "2026-11-20" in text["feed.xml"]
    assert (tmp_path / "site" / "latest.md").read_text("utf-8").startswith("# 2026-11-20")
    assert "2026-11-20.html" in (tmp_path / "site" / "reports" / "2026-11-19.html").read_text("utf-8")
