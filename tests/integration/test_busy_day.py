"""A day with far more relevant news than an edition shows: the newest stories, duplicates merged.

Duplicate merging compares items with each other; over thousands of items it dominated a run's memory
(bench/scale.py). The edition shows the newest ``max_items`` stories, so only the newest
``max_items x CLUSTER_FACTOR`` relevant items are clustered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from ai_news_tracker import dedupe
from ai_news_tracker.config import parse_config
from ai_news_tracker.models import Entry
from ai_news_tracker.pipeline import CLUSTER_FACTOR, Pipeline
from ai_news_tracker.store import LocalStore

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
MAX_ITEMS = 3


def entry(n: int, title: str | None = None, source_url: str | None = None) -> Entry:
    return Entry(
        title=title or f"国产大模型 Model-{n} 发布第 {n} 版推理能力报告",
        text=f"第 {n} 篇：关于模型 {n} 的独立报道，编号 {n * 7919} 与其他文章无关。",
        url=source_url or f"https://example.com/news/{n}",
        guid=None,
        published_at=None,
    )


def test_a_busy_day_shows_its_newest_stories_with_duplicates_merged(tmp_path: Path) -> None:
    # Given 400 relevant items first seen over the day, the newest two being one story told twice
    config = parse_config(
        {
            "report": {"max_items": MAX_ITEMS},
            "filter": {"include": []},
            "sources": [
                {"name": "Wire", "url": "https://example.com/wire.xml"},
                {"name": "Other", "url": "https://example.org/other.xml"},
            ],
        }
    )
    pipeline = Pipeline(config, raw=LocalStore(tmp_path / "raw"), site=LocalStore(tmp_path / "site"))
    start = NOW - timedelta(hours=20)
    for n in range(400):
        pipeline.repo.record_entries("Wire", [entry(n)], start + timedelta(minutes=2 * n))
    story = "智谱发布 GLM-5 开源大模型，推理成本下降一半"
    newest = start + timedelta(minutes=2 * 400)
    pipeline.repo.record_entries("Wire", [entry(400, story)], newest)
    pipeline.repo.record_entries("Other", [entry(401, story, "https://example.org/glm-5")], newest)

    # When the day's edition is built
    clustered: list[int] = []

    def spy(items: Any, threshold: float) -> Any:
        clustered.append(len(items))
        return real(items, threshold)

    real = dedupe.cluster
    with mock.patch.object(dedupe, "cluster", spy):
        edition, rebuilt = pipeline.build(NOW)

    # Then it shows the newest stories, the duplicate as one item from both sources
    assert not rebuilt
    assert [item.title for item in edition.items] == [
        story,
        "国产大模型 Model-399 发布第 399 版推理能力报告",
        "国产大模型 Model-398 发布第 398 版推理能力报告",
    ]
    assert {edition.items[0].source, *edition.items[0].also_in} == {"Wire", "Other"}
    # and only the newest few times max_items items were compared with each other
    assert clustered == [MAX_ITEMS * CLUSTER_FACTOR]
