"""The relevance filter: whole words for Latin terms, substrings for Chinese ones."""

from __future__ import annotations

import pytest

from ai_news_tracker.relevance import RelevanceFilter


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("AGI", "荣耀发布MAGIC8系列新机", False),
        ("AGI", "在AGI-Next前沿峰会上", True),
        ("AI", "iMuse.AI 想用虚拟研发", True),
        ("AI", "AI内容产品", True),
        ("AI", "Magic8 Pro Air 机身", False),
        ("AI", "OpenAI 发布", False),
        ("ai", "生成式AI应用", True),
        ("DeepSeek", "deepseek-v3 上线", True),
        ("Qwen", "qwen3-235b 开源", True),
        ("Qwen", "Qwenlong 发布", False),
        ("GPT", "GPT-5 发布", True),
        ("GPT", "ChatGPT 流量", False),
        ("大模型", "豆包大模型最大的客户", True),
        ("混元", "腾讯混元发布新模型", True),
    ],
)
def test_term_matching(term: str, text: str, expected: bool) -> None:
    assert RelevanceFilter(include=[term]).keeps("", text) is expected


def test_empty_include_keeps_everything_but_excludes() -> None:
    keep_all = RelevanceFilter()
    excluding = RelevanceFilter(exclude=["手机"])

    assert keep_all.keeps("荣耀发布新手机", "")
    assert not excluding.keeps("荣耀发布新手机", "")
    assert excluding.keeps("大模型", "")


def test_exclude_wins_over_include() -> None:
    rules = RelevanceFilter(include=["AI"], exclude=["新机"])

    assert not rules.keeps("AI 手机新机发布", "")
    assert rules.keeps("AI 芯片", "")


def test_title_and_text_are_both_searched() -> None:
    rules = RelevanceFilter(include=["大模型"])

    assert rules.keeps("数据库为何成为新底座", "当大模型以狂飙之势席卷各行各业")
    assert rules.keeps("大模型周报", "")
    assert not rules.keeps("家装市场", "京东阿里入局")
