"""The relevance filter: whole words for Latin terms, substrings for Chinese ones; scoring; [filter]."""

from __future__ import annotations

import pytest

from ai_news_tracker.config import FilterConfig, parse_config
from ai_news_tracker.errors import ConfigError
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


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        # a capital or a digit after a lower-case end starts the next part of a joined name
        ("DeepSeek", "DeepSeekMath-V2：自我验证的数学推理", True),
        ("DeepSeek", "DeepSeekV3.2发布", True),
        ("Hunyuan", "腾讯开源HunyuanImage 3.0", True),
        ("Qwen", "QwenLong-L1.5发布", True),
        ("Kimi", "KimiK2实测", True),
        ("MiniMax", "MiniMaxAI开源M2", True),
        # a lower-case letter still continues the word, in any case
        ("DeepSeek", "deepseekmath", False),
        ("AI", "Aid for farmers", False),
        ("AI", "Air 机身", False),
        ("AI", "AIR 机身", False),
        # an all-capitals run is one word: AI is not in AIGC or AIDS
        ("AI", "AIGC 应用", False),
        ("AI", "AIDS 防治", False),
        ("AI", "AIoT 平台", False),
        ("GPT", "GPTBot 爬虫", False),
        ("GPT", "GPTs 商店", False),
        # the start of a term is unchanged: GPT not inside ChatGPT, AI not inside OpenAI
        ("GPT", "ChatGPT 流量", False),
        ("AI", "OpenAI 发布", False),
    ],
)
def test_a_joined_name_matches_at_a_capital(term: str, text: str, expected: bool) -> None:
    assert RelevanceFilter(include=[term]).keeps("", text) is expected


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("618", "可灵年化收入突破6180万美元", False),
        ("Step-3", "Step-3.5-Flash开源", True),
        ("618", "618大促", True),
        ("618", "今年618，家电卖得好", True),
        ("618", "开源618B参数的MoE大模型", False),  # a model's size, not the shopping festival
        ("H20", "英伟达H200获准对华出口", False),
        ("H20", "英伟达H20恢复供货", True),
        ("B200", "B2000 显示器", False),
        ("双11", "双11预售", True),
        ("双11", "双111", False),
    ],
)
def test_a_term_ending_in_a_digit_is_a_whole_number(term: str, text: str, expected: bool) -> None:
    assert RelevanceFilter(include=[term]).keeps("", text) is expected


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("字节Seed", "字节 Seed 发布 Seed2.0", True),
        ("千问App", "千问 App 月活突破 2 亿", True),
        ("千问App", "千问\u3000App 上线", True),  # an ideographic space: NFKC's U+0020
        ("AI芯片", "国产 AI 芯片", True),
        ("字节Seed", "字节  Seed", False),  # one space, not any run of them
        ("字节Seed", "字节 Seedance", False),  # the end of a Latin term is still a word's end
        ("Scaling Law", "ScalingLaw", False),  # a space between Latin words is the term's own
    ],
)
def test_a_term_joining_chinese_and_latin_matches_with_a_space_between(
    term: str, text: str, expected: bool
) -> None:
    # Given a term that joins Chinese and Latin, and a headline setting a space between them, as
    # 机器之心 and many outlets do ("腾讯 Hy3", "千问 App")
    # When the filter of that term reads it
    # Then it matches, as the same headline without the space does
    assert RelevanceFilter(include=[term]).keeps("", text) is expected


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("DeepSeek", "ＤｅｅｐＳｅｅｋ发布新版本"),
        ("Qwen", "Ｑｗｅｎ３发布"),
        ("Kimi", "Ｋｉｍｉ Ｋ２开源"),
        ("AI", "ＡＩ芯片"),
        ("H20", "Ｈ２０恢复供货"),
        ("ＧＬＭ", "GLM-4.6 发布"),  # a full-width term too
    ],
)
def test_full_width_latin_matches_as_its_ascii_form(term: str, text: str) -> None:
    rules = RelevanceFilter(include=[term], threshold=3)

    assert rules.keeps(text, "")  # in the title
    assert rules.keeps("", text + text + text)  # and in the text


def test_full_width_digits_still_end_a_number_term() -> None:
    rules = RelevanceFilter(include=["H20"])

    assert not rules.keeps("英伟达Ｈ２００获准对华出口", "")
    assert not rules.keeps("ＡＩＧＣ", "") and not RelevanceFilter(include=["AI"]).keeps("ＡＩＧＣ", "")


def test_normalised_text_is_cut_at_text_chars_and_excluded_anywhere() -> None:
    # "㍿" (one character) is "株式会社" (four) under NFKC: the lede is cut after normalising
    rules = RelevanceFilter(include=["大模型"], exclude=["ＳＰＡＭ"], text_chars=7)

    assert not rules.keeps("", "㍿㍿大模型")
    assert rules.keeps("", "㍿大模型")
    assert not rules.keeps("大模型", "啊" * 100 + "spam")


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


# --- scoring -------------------------------------------------------------------------------------


def test_defaults_keep_the_plain_include_filter() -> None:
    rules = RelevanceFilter(include=["大模型"])

    assert rules.score("", "大模型") == 1.0  # one text occurrence of a weight-1 term: the threshold
    assert rules.score("大模型", "") == 3.0  # the title counts title_factor times
    assert rules.keeps("", "大模型") and not rules.keeps("家装", "京东")


def test_title_weighs_more_than_text_and_text_is_capped() -> None:
    rules = RelevanceFilter(include=["AI"], title_factor=3.0, text_cap=2)

    assert rules.score("AI", "") == 3.0
    assert rules.score("", "AI AI AI AI AI") == 2.0
    assert rules.score("AI", "AI") == 4.0


def test_negative_weights_outweigh_a_passing_mention() -> None:
    rules = RelevanceFilter(include=["AI"], weights={"手机": -2, "新机": -3}, threshold=3)

    assert rules.keeps("AI 公司发布新产品", "")
    assert not rules.keeps("某品牌发布AI手机新机", "")
    assert rules.score("某品牌发布AI手机新机", "") == 3 - 6 - 9


def test_weights_override_include_and_add_terms() -> None:
    rules = RelevanceFilter(include=["模型", "混元"], weights=[("模型", 0.5), ("腾讯音乐", -3.0)])

    assert rules.score("", "模型") == 0.5
    assert rules.score("", "混元") == 1.0
    assert rules.score("", "腾讯音乐") == -3.0


def test_a_term_inside_a_longer_matched_term_does_not_count_again() -> None:
    rules = RelevanceFilter(include=["大模型", "模型"], weights={"大模型": 3, "汽车": -2, "小米汽车": -3})

    assert rules.score("", "大模型") == 3.0  # not 3 + 1
    assert rules.score("", "大模型 模型") == 4.0
    assert rules.score("", "小米汽车") == -3.0  # not -3 - 2
    assert rules.score("", "汽车") == -2.0


def test_only_the_lede_is_read_when_text_chars_is_set() -> None:
    rules = RelevanceFilter(include=["大模型"], text_chars=10)

    assert rules.keeps("", "大模型" + "啊" * 100)
    assert not rules.keeps("", "啊" * 100 + "大模型")
    assert RelevanceFilter(include=["大模型"]).keeps("", "啊" * 100 + "大模型")  # default: all the text
    assert not RelevanceFilter(include=["大模型"], exclude=["外卖"], text_chars=10).keeps(
        "大模型", "啊" * 100 + "外卖"
    )  # an exclude term drops the item wherever it is


def test_empty_include_keeps_every_item_whatever_the_weights() -> None:
    rules = RelevanceFilter(weights={"手机": -5}, threshold=3, exclude=["外卖"])

    assert rules.keeps("荣耀发布新手机", "")
    assert rules.score("荣耀发布新手机", "") == -15.0  # still scored, for the explanation
    assert not rules.keeps("外卖大战", "")


def test_exclude_drops_whatever_the_score() -> None:
    rules = RelevanceFilter(include=["大模型"], exclude=["股价"])

    assert rules.score("大模型概念股股价大涨", "") == float("-inf")
    assert not rules.keeps("大模型", "股价")


def test_explanation_names_the_terms_that_matched() -> None:
    rules = RelevanceFilter(include=["AI", "大模型"], weights={"大模型": 3, "手机": -2}, threshold=4)

    why = rules.explain("AI 手机", "大模型 大模型")

    assert not why.kept
    assert {(m.term, m.in_title, m.text_count, m.points) for m in why.matches} == {
        ("AI", True, 0, 3.0),
        ("手机", True, 0, -6.0),
        ("大模型", False, 2, 6.0),
    }
    assert why.score == 3.0 - 6.0 + 6.0
    assert str(why).startswith("dropped: score 3 (threshold 4): ")
    assert "大模型(+3; text×2) +6" in str(why)
    assert str(RelevanceFilter(exclude=["外卖"]).explain("外卖", "")) == "dropped: excluded by '外卖'"


def test_apply_keeps_the_relevant_items_in_order() -> None:
    from datetime import UTC, datetime

    from ai_news_tracker.models import Item

    def item(title: str) -> Item:
        return Item(title, title, "36Kr", title, "", None, None, datetime(2026, 1, 1, tzinfo=UTC))

    rules = RelevanceFilter(include=["混元"], weights={"腾讯音乐": -3})
    items = [item("腾讯混元发布新模型"), item("腾讯音乐发布财报"), item("混元再更新")]

    assert [i.title for i in rules.apply(items)] == ["腾讯混元发布新模型", "混元再更新"]


# --- the [filter] section ------------------------------------------------------------------------


def test_filter_section_is_read_into_the_filter() -> None:
    config = parse_config(
        {
            "filter": {
                "include": ["大模型"],
                "threshold": 3,
                "title_factor": 2.5,
                "text_cap": 2,
                "text_chars": 400,
                "weights": {"大模型": 3, "手机": -2.5},
            }
        }
    )

    rules = config.filter
    assert rules.threshold == 3.0 and rules.title_factor == 2.5 and rules.text_cap == 2
    assert rules.text_chars == 400
    assert rules.weights == (("大模型", 3.0), ("手机", -2.5))
    scoring = RelevanceFilter.from_config(rules)
    assert scoring.score("大模型", "") == 7.5
    assert not scoring.keeps("大模型手机", "")


def test_filter_defaults_are_the_plain_filter() -> None:
    config = parse_config({"filter": {"include": ["大模型"]}})
    rules = RelevanceFilter.from_config(config.filter)

    assert rules == RelevanceFilter(include=("大模型",))
    assert RelevanceFilter.from_config(FilterConfig()).keeps("手机", "")


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ({"threshold": "3"}, "filter.threshold", "expected a number"),
        ({"threshold": float("nan")}, "filter.threshold", "finite"),
        ({"title_factor": -1}, "filter.title_factor", "not negative"),
        ({"text_cap": 1.5}, "filter.text_cap", "expected an integer"),
        ({"text_chars": -1}, "filter.text_chars", "must not be negative"),
        ({"weights": ["手机"]}, "filter.weights", "table of term = number"),
        ({"weights": {"手机": "-2"}}, 'filter.weights."手机"', "expected a number, got a string"),
        ({"weights": {"手机": True}}, 'filter.weights."手机"', "expected a number, got a boolean"),
        ({"weights": {"手机": float("-inf")}}, 'filter.weights."手机"', "finite"),
        ({"weights": {" ": 1}}, "filter.weights", "must not be empty"),
        ({"include": ["AI", " "]}, "filter.include[1]", "must not be empty"),
        ({"wieghts": {}}, "filter.wieghts", "unknown key"),
        ({"threshhold": 3}, "filter.threshhold", "unknown key"),
    ],
)
def test_bad_filter_key_is_named(section: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"filter": section})

    assert caught.value.key == key
    assert words in str(caught.value)


def test_filter_must_be_a_table() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"filter": ["AI"]})

    assert caught.value.key == "filter"
