"""Rendering an :class:`Edition` with the Jinja2 templates in ``templates/``.

The functions here only shape data for the templates (times in the report's timezone, rounded scores,
short summaries); the templates decide the layout, and the escaping filters make sure feed text stays
text in every format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from .config import Config
from .leaderboard import display_score, snapshot_age_days
from .markdown import escape_inline, escape_table_cell, link_target
from .models import Edition, Item, SourceStatus
from .text import truncate

PROVIDER_LINKS = {
    "lmarena-history": "https://github.com/nakasyou/lmarena-history",
    "arena-catalog": "https://github.com/lmarena/arena-catalog",
}
SITE_LABEL, SITE_URL = "LM Arena (lmarena.ai)", "https://lmarena.ai/"

FAILURE_LABELS = {
    "timeout": "超时",
    "connection_error": "无法连接",
    "http_error": "服务器报错",
    "redirect_loop": "重定向循环",
    "too_large": "响应过大",
    "empty": "空响应",
    "not_a_feed": "返回网页而非订阅源",
    "blocked": "被反爬验证拦截",
    "malformed": "内容无法解析",
    "not_fetched": "尚未抓取",
}


def default_templates_dir() -> Path:
    """``templates/`` of the checkout (editable install) or of the deployed bundle beside the package."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here.parents[1] / "templates",
        here.parents[2] / "templates",
        here.parent / "templates",
    ):
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "templates"


def local_time(dt: datetime, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.astimezone(tz).strftime(fmt)


@dataclass(frozen=True)
class Renderer:
    config: Config
    templates_dir: Path

    @cached_property
    def env(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters["md"] = escape_inline
        env.filters["md_cell"] = escape_table_cell
        env.filters["md_url"] = link_target
        env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "indent": 2, "sort_keys": False}
        return env

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.report.timezone)

    def markdown(self, edition: Edition) -> str:
        return self.env.get_template("edition.md.j2").render(self._context(edition)).rstrip("\n")

    def json(self, edition: Edition) -> str:
        text = self.env.get_template("edition.json.j2").render(edition=self.json_payload(edition))
        json.loads(text)  # the template must produce valid JSON; fail here rather than publish it
        return text

    # -- view models ---------------------------------------------------------------------------
    def _context(self, edition: Edition) -> dict[str, Any]:
        return {
            "date": edition.date.isoformat(),
            "title": edition.title,
            "key_points": list(edition.key_points),
            "board": self._board(edition),
            "failed_sources": [
                {"name": s.name, "label": FAILURE_LABELS.get(s.status, s.status)}
                for s in self._all_statuses(edition)
                if not s.ok
            ],
            "items": [self._item(item) for item in edition.items],
            "generated_minute": local_time(edition.generated_at, self.tz),
            "generated_second": local_time(edition.generated_at, self.tz, "%Y-%m-%d %H:%M:%S"),
        }

    def _item(self, item: Item) -> dict[str, Any]:
        return {
            "title": item.title or "(无标题)",
            "source": item.source,
            "time": local_time(item.shown_at, self.tz),
            "summary": truncate(item.text, self.config.report.summary_chars),
            "url": item.url,
        }

    def _board(self, edition: Edition) -> dict[str, Any]:
        cfg = self.config.leaderboard
        board = edition.leaderboard
        name = cfg.name if cfg else "LM Arena"
        if board is None:
            status = edition.leaderboard_status
            reason = status.error if status and status.error else "未配置排行榜"
            return {"available": False, "name": name, "reason": reason}
        age = snapshot_age_days(board.snapshot_date, edition.date)
        max_age = cfg.max_age_days if cfg else 30
        return {
            "available": True,
            "name": name,
            "top_n": len(board.global_top),
            "global_top": [self._row(r.rank, r.model, r.score) for r in board.global_top],
            "domestic": [self._row(r.rank, r.model, r.score) for r in board.domestic],
            "site_label": SITE_LABEL,
            "site_url": SITE_URL,
            "data_url": PROVIDER_LINKS.get(board.provider, SITE_URL),
            "snapshot_date": board.snapshot_date.isoformat(),
            "stale_days": age if age > max_age else 0,
        }

    @staticmethod
    def _row(rank: int, model: str, score: float) -> dict[str, Any]:
        return {"rank": rank, "model": model, "score": display_score(score)}

    @staticmethod
    def _all_statuses(edition: Edition) -> list[SourceStatus]:
        statuses = list(edition.sources)
        if edition.leaderboard_status is not None:
            statuses.append(edition.leaderboard_status)
        return statuses

    def json_payload(self, edition: Edition) -> dict[str, Any]:
        tz = self.tz
        counts: dict[str, int] = {}
        for item in edition.items:
            counts[item.source] = counts.get(item.source, 0) + 1
        board = edition.leaderboard
        sources = [
            {"name": s.name, "status": s.status, "items": counts.get(s.name, 0), "error": s.error}
            for s in edition.sources
        ]
        if edition.leaderboard_status is not None:
            s = edition.leaderboard_status
            sources.append(
                {
                    "name": s.name,
                    "status": s.status,
                    "items": board.models_ranked if board else 0,
                    "error": s.error,
                }
            )
        return {
            "date": edition.date.isoformat(),
            "title": edition.title,
            "generated_at": edition.generated_at.astimezone(tz).isoformat(),
            "window": {
                "start": edition.window_start.astimezone(tz).isoformat() if edition.window_start else None,
                "end": edition.window_end.astimezone(tz).isoformat(),
            },
            "key_points": list(edition.key_points),
            "leaderboard": self._board_payload(edition),
            "items": [
                {
                    "id": item.id,
                    "title": item.title,
                    "source": item.source,
                    "published_at": item.published_at.astimezone(tz).isoformat()
                    if item.published_at
                    else None,
                    "first_seen": item.first_seen.astimezone(tz).isoformat(),
                    "summary": truncate(item.text, self.config.report.summary_chars),
                    "url": item.url,
                }
                for item in edition.items
            ],
            "sources": sources,
        }

    def _board_payload(self, edition: Edition) -> dict[str, Any] | None:
        board = edition.leaderboard
        if board is None:
            return None
        cfg = self.config.leaderboard
        age = snapshot_age_days(board.snapshot_date, edition.date)

        def rows(models: Any) -> list[dict[str, Any]]:
            return [
                {
                    "rank": r.rank,
                    "model": r.model,
                    "score": display_score(r.score),
                    "exact_score": r.score,
                    "developer": r.developer,
                }
                for r in models
            ]

        return {
            "provider": board.provider,
            "snapshot_date": board.snapshot_date.isoformat(),
            "age_days": age,
            "stale": age > (cfg.max_age_days if cfg else 30),
            "models_ranked": board.models_ranked,
            "global_top": rows(board.global_top),
            "domestic": rows(board.domestic),
        }
