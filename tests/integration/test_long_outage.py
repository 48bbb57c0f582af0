"""An edition after a render outage longer than the first-seen index is kept (SEEN_INDEX_DAYS, the raw
bucket's ExpireOldSeenIndex rule on AWS): it says so, in its log and in its notes, rather than silently
holding only what the index still lists."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ai_news_tracker.config import SEEN_INDEX_DAYS, parse_config
from ai_news_tracker.log import SERVICE
from ai_news_tracker.models import Entry
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.store import LocalStore

DAY1 = datetime(2026, 6, 19, 0, 10, tzinfo=UTC)  # 08:10 in Shanghai
NOTE_START = "本期涵盖自 2026-06-19 以来首次抓取的资讯"


def pipeline(tmp_path: Path) -> Pipeline:
    config = parse_config(
        {"filter": {"include": []}, "sources": [{"name": "甲", "url": "https://example.com/feed.xml"}]}
    )
    return Pipeline(config, raw=LocalStore(tmp_path / "raw"), site=LocalStore(tmp_path / "site"))


def entry(name: str) -> Entry:
    return Entry(
        title=name, text=f"{name} 的正文", url=f"https://example.com/{name}", guid=None, published_at=None
    )


def build_after(tmp_path: Path, outage: timedelta, caplog: pytest.LogCaptureFixture) -> tuple[list[str], str]:
    """The notes of the edition built ``outage`` after the first one, and what it logged."""
    p = pipeline(tmp_path)
    p.repo.record_entries("甲", [entry("FIRST")], DAY1 - timedelta(hours=2))
    p.build(DAY1)
    now = DAY1 + outage
    p.repo.record_entries("甲", [entry("LATER")], now - timedelta(hours=2))
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        edition, _ = p.build(now)
    assert [i.title for i in edition.items] == ["LATER"]
    return list(edition.notes), "\n".join(r.getMessage() for r in caplog.records)


def test_an_edition_after_an_outage_longer_than_the_index_says_it_may_miss_items(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a first edition, then no render for a day more than the index is kept
    # When the next edition is built
    notes, _ = build_after(tmp_path, timedelta(days=SEEN_INDEX_DAYS + 1), caplog)
    # Then it logs a warning and its notes say since when it reaches and that older items may be missing
    (record,) = [r for r in caplog.records if r.getMessage() == "edition window older than the seen index"]
    assert record.levelno == logging.WARNING and vars(record)["kept_days"] == SEEN_INDEX_DAYS
    assert vars(record)["start"].startswith("2026-06-19T00:10")
    (note,) = notes
    assert note.startswith(NOTE_START) and f"只保留 {SEEN_INDEX_DAYS} 天" in note
    # And the published JSON and page carry the note
    day = (DAY1 + timedelta(days=SEEN_INDEX_DAYS + 1)).date()
    p = pipeline(tmp_path)
    stored = p.repo.load_edition(day)
    assert stored is not None
    p.publish(stored)
    assert json.loads((tmp_path / "site" / "reports" / f"{day}.json").read_text("utf-8"))["notes"] == [note]
    assert note in (tmp_path / "site" / "reports" / f"{day}.html").read_text("utf-8")


def test_an_edition_within_the_index_has_no_such_note(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a first edition, then no render for exactly as long as the index is kept
    notes, logged = build_after(tmp_path, timedelta(days=SEEN_INDEX_DAYS), caplog)
    # Then the next edition says nothing of it
    assert notes == [] and "seen index" not in logged
