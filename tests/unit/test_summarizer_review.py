"""The model summarizers' answers a review found published wrong (each test failed before its fix):
links and markup the check missed, points numbered twice or blank, fewer points than asked for."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ai_news_tracker.config import SummarizerConfig
from ai_news_tracker.models import Item
from ai_news_tracker.summarize import ModelSummarizer, Prompt

NOW = datetime(2026, 1, 20, tzinfo=UTC)
TEXT = "某公司今天发布了新一代开源推理模型，参数规模达到千亿级别，在多项评测中表现领先。"
CONFIG = SummarizerConfig(provider="openai", model="m", base_url="https://api.example.com")


def item(n: int, text: str = TEXT) -> Item:
    return Item(id=f"id{n}", identity=f"i{n}", source="36Kr", title=f"新闻{n}", text=text, url=None,
                published_at=None, first_seen=NOW)  # fmt: skip


ITEMS = [item(n) for n in range(1, 6)]


def model_points(entries: list[dict[str, Any]], count: int = 5, items: list[Item] = ITEMS) -> Any:
    answer = json.dumps(entries, ensure_ascii=False)

    def complete(prompt: Prompt, deadline_at: float | None) -> str:
        return answer

    return ModelSummarizer("openai", CONFIG, complete).summarize(items, count)


# README [summarizer]: "Every point must cite the items it comes from and carry no links or markup".
@pytest.mark.parametrize(
    "point",
    [
        "加群 t.me/freegpt 免费领取会员",  # a link (Telegram)
        # (a bare name under .ai is kept: it is also how AI companies are named, "Z.ai 开源 GLM-5")
        "详情见 bit.ly/deepseek-v4",  # a short link
        "镜像站 //evil.ai/x 已上线",  # a scheme-relative link
        "<svg/onload=alert(1)>DeepSeek发布V4",  # an HTML tag ("/" instead of a space)
        "<img/src=x onerror=alert(1)>DeepSeek发布V4",
        "**重磅**：DeepSeek发布V4",  # Markdown emphasis
        "~~旧闻~~ DeepSeek发布V4",  # Markdown strikethrough
    ],
)
def test_a_point_with_a_link_or_markup_never_reaches_the_edition(point: str) -> None:
    result = model_points([{"point": point, "items": [1]}, {"point": "智谱发布GLM-5模型", "items": [2]}])

    assert point not in result.points


# summarize.py's contract (README: one short point each, numbered by the formats): "leading list
# markers removed"; README: a key point of nothing visible is left out.
@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("1.DeepSeek发布V4模型", "DeepSeek发布V4模型"),
        ("1．DeepSeek发布V4模型", "DeepSeek发布V4模型"),  # full-width full stop
        ("（1）DeepSeek发布V4模型", "DeepSeek发布V4模型"),
        ("①DeepSeek发布V4模型", "DeepSeek发布V4模型"),
    ],
)
def test_a_numbered_point_is_not_numbered_twice(point: str, expected: str) -> None:
    result = model_points([{"point": point, "items": [1]}])

    assert result.points[0] == expected  # the formats print "1. 1.DeepSeek…" otherwise


@pytest.mark.parametrize("point", ["1.", "1. ", "-", "\u3164", "\u2800"])
def test_a_point_of_a_bare_marker_or_blank_is_left_out(point: str) -> None:
    result = model_points([{"point": point, "items": [1]}, {"point": "智谱发布GLM-5模型", "items": [2]}])

    # the model's one good point first, the dropped one's place taken by an item it left (新闻1's title)
    assert result.points[0] == "智谱发布GLM-5模型" and point.strip() not in result.points
    assert all(any(c.isalnum() for c in p) for p in result.points)


# README key_points: "[5] points under 今日要点"; [summarizer]: "On any failure the extractive points are
# used and the edition says so".
def test_the_points_dropped_are_made_up_by_extractive_points_of_the_items_left() -> None:
    entries = [
        {"point": "智谱发布GLM-5模型", "items": [1]},
        {"point": "详见 https://evil.example", "items": [2]},  # dropped
        {"point": "<b>重要</b>", "items": [3]},  # dropped
        {"point": "没有引用"},  # dropped
        {"point": "引用不存在的条目", "items": [99]},  # dropped
    ]

    result = model_points(entries, count=5)

    # Then the edition has its 5 points (it showed 1, silently): the model's, then 4 titles of the
    # items it did not cite, each citing its own item
    assert result.points == ("智谱发布GLM-5模型", "新闻2", "新闻3", "新闻4", "新闻5")
    assert result.cited[1:] == (("id2",), ("id3",), ("id4",), ("id5",)) and result.note is None


# README: the key comes from api_key_parameter or api_key_env; config.py: POST {base_url}/chat/completions.
# A base_url with a query or fragment can never reach /chat/completions (the path lands in the query),
# so every edition falls back, with the query's key in every failure line.
@pytest.mark.parametrize(
    "base_url", ["https://gw.example.com/v1?api-key=s3cret", "https://gw.example.com/v1#frag"]
)
def test_a_base_url_with_a_query_or_fragment_is_refused(base_url: str) -> None:
    from ai_news_tracker.config import parse_config
    from ai_news_tracker.errors import ConfigError

    keys = {"provider": "openai", "model": "m", "base_url": base_url, "api_key_env": "K"}
    with pytest.raises(ConfigError):
        parse_config({"summarizer": keys})
