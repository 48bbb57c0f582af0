"""The extractive summarizer: one short point per leading item, no network."""

from __future__ import annotations

from datetime import UTC, datetime

from ai_news_tracker.models import Item
from ai_news_tracker.summarize import extractive_points, first_sentence, key_point, shorten

NOW = datetime(2026, 1, 20, tzinfo=UTC)


def item(title: str, text: str = "") -> Item:
    return Item(id=title, identity=title, source="s", title=title, text=text, url=None,
                published_at=None, first_seen=NOW)  # fmt: skip


def test_point_is_the_title_without_its_column_tag() -> None:
    assert key_point(item("某公司发布新一代推理模型 | 早期项目"), 60) == "某公司发布新一代推理模型"
    assert key_point(item("某手机厂商发布两款新机型丨最前线"), 60) == "某手机厂商发布两款新机型"
    assert key_point(item("A | B 两家公司合作"), 60) == "A | B 两家公司合作"


def test_untitled_item_gives_its_first_sentence() -> None:
    assert key_point(item("", "第一句话。第二句话。"), 60) == "第一句话。"
    assert first_sentence("没有句号的文本") == "没有句号的文本"


def test_points_are_short_and_marked_when_cut() -> None:
    assert shorten("一" * 80, 60) == "一" * 59 + "…"
    assert shorten("短", 60) == "短"


def test_one_point_per_leading_item_without_repeats() -> None:
    items = [item("甲"), item("甲"), item("乙"), item("丙"), item("丁")]

    assert extractive_points(items, 3, 60) == ["甲", "乙", "丙"]
    assert extractive_points(items, 0, 60) == []
