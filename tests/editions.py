"""A small edition for tests that need one: plain items from 36Kr on 2026-11-20, no leaderboard; and
the golden files' check (:func:`check_golden`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ai_news_tracker.config import Config
from ai_news_tracker.mail import bodies, build_message
from ai_news_tracker.models import Edition, Item, SourceStatus

CUTOFF = datetime(2026, 11, 20, 0, 0, 7, tzinfo=UTC)  # 08:00:07 in Shanghai


def plain_items(count: int = 3) -> tuple[Item, ...]:
    """Items 1..count: "第 n 条资讯", text "第 n 条资讯的正文。", each with its own 36Kr link."""
    return tuple(
        Item(
            id=f"id{n}",
            identity=f"identity{n}",
            source="36Kr",
            title=f"第 {n} 条资讯",
            text=f"第 {n} 条资讯的正文。",
            url=f"https://36kr.com/p/{n}",
            published_at=CUTOFF,
            first_seen=CUTOFF,
        )
        for n in range(1, count + 1)
    )


def plain_edition(items: int = 3, **changes: Any) -> Edition:
    """The edition of 2026-11-20 with ``items`` plain items, no key points, no leaderboard."""
    edition = Edition(
        date=date(2026, 11, 20),
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=CUTOFF,
        window_start=None,
        window_end=CUTOFF,
        key_points=(),
        items=plain_items(items),
        sources=(SourceStatus("36Kr", "ok"),),
        leaderboard=None,
        leaderboard_status=None,
    )
    return replace(edition, **changes)


TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def email_bodies(edition: Edition, config: Config) -> tuple[str, str]:
    """The text and HTML parts of ``edition``'s email to one reader, without links to unsubscribe."""
    message = build_message(
        edition,
        config,
        recipient="reader@example.org",
        web_url=None,
        unsubscribe_url=None,
        unsubscribe_mailto=None,
        templates_dir=TEMPLATES,
    )
    return bodies(message)


def check_golden(golden: Path, produced: str, env: Mapping[str, str] = os.environ) -> None:
    """``produced`` must equal the golden file. ``UPDATE_GOLDEN=1`` writes it first (review the diff),
    never under CI (``CI`` set); any other value of ``UPDATE_GOLDEN`` (``0``, ``false``: an inherited or
    mistyped variable) fails, rather than rewriting the file and comparing the output with itself."""
    update = env.get("UPDATE_GOLDEN", "")
    if update == "1" and not env.get("CI"):
        golden.write_text(produced, encoding="utf-8")
    elif update:
        raise AssertionError(
            f"UPDATE_GOLDEN={update!r}: only UPDATE_GOLDEN=1, outside CI, rewrites golden files"
        )
    assert produced == golden.read_text(encoding="utf-8"), f"{golden.name} differs from its golden file"
