"""The relevance filter of config/default.toml on hand-labelled headlines, and the cases issue 6 names.

The labels (tests/fixtures/relevance/labels.toml) name entries of the real feeds in ../shared/data and
the items of the sample report in ../shared/spec, read in place; those tests skip when the files are
absent. They load the set with bench/relevance.py, which prints the same figures.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from shared_data import DATA, SPEC, require

from ai_news_tracker.config import load_config
from ai_news_tracker.leaderboard import DOMESTIC_DEVELOPERS, domestic_developer
from ai_news_tracker.relevance import RelevanceFilter

REPO = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    name = "bench_relevance"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "relevance.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


bench = _bench()


@pytest.fixture(scope="module")
def default_filter() -> RelevanceFilter:
    return RelevanceFilter.from_config(load_config(REPO / "config" / "default.toml").filter)


@pytest.fixture(scope="module")
def labelled() -> list[Any]:
    for path in bench.labelled_files(data=DATA, spec=SPEC):
        require(path)
    items: list[Any] = bench.load_labelled(data=DATA, spec=SPEC)
    return items


@pytest.mark.shared_data
def test_every_entry_of_the_labelled_files_is_labelled(labelled: list[Any]) -> None:
    # load_labelled refuses labels without an entry and entries without a label
    relevant = sum(1 for item in labelled if item.relevant)
    assert len(labelled) >= 100
    assert 30 <= relevant <= len(labelled) - 30  # both classes well represented


@pytest.mark.shared_data
def test_default_filter_reaches_precision_and_recall(
    labelled: list[Any], default_filter: RelevanceFilter
) -> None:
    scores = bench.measure(default_filter, labelled)

    # Measured when the labels were made: precision 45/47 = 0.957 (two false positives, stories with
    # an AI word in the title while being about something else), recall 45/45 = 1.0; with the written
    # headlines (2025–26 names; phone, car, property and crypto launches naming AI), 81/83 = 0.976 and
    # 81/81; with the held-out sixty and the misses they showed (below), 220/235 = 0.936 and 220/225;
    # with the weights and headlines made for those misses, 241/244 = 0.988 and 241/241; with the blind
    # eighty (below), 278/281 = 0.989 and 278/281; with the second blind sixty, 308/312 = 0.987 and 308/311;
    # with the third blind eighty, 352/359 = 0.981 and 352/357.
    wrong = [f"{i.file} {i.key}" for i in (*scores.false_positives, *scores.false_negatives)]
    assert scores.precision >= 0.93, wrong
    assert scores.recall >= 0.95, wrong


@pytest.mark.shared_data
def test_default_filter_beats_the_plain_include_filter(
    labelled: list[Any], default_filter: RelevanceFilter
) -> None:
    plain = RelevanceFilter(default_filter.include, default_filter.exclude)

    assert bench.measure(default_filter, labelled).f1 > bench.measure(plain, labelled).f1


def test_every_written_headline_is_classified_as_labelled(default_filter: RelevanceFilter) -> None:
    # The headlines written for the labels (tests/fixtures/relevance/headlines.toml) need no shared
    # data: every one must come out as labelled
    name = "fixtures/relevance/headlines.toml"
    labels = tomllib.loads(bench.LABELS.read_text(encoding="utf-8"))[name]
    entries = dict(bench.entries_of(REPO / "tests" / name))
    assert set(entries) == set(labels)

    wrong = {
        key: str(default_filter.explain(title, text))
        for key, (title, text) in entries.items()
        if default_filter.keeps(title, text) is not labels[key]["relevant"]
    }

    assert not wrong, wrong


def test_the_fresh_headlines_are_classified_as_well_as_the_rest(default_filter: RelevanceFilter) -> None:
    # The eighty headlines a reviewer wrote before reading the weights (tests/fixtures/relevance/
    # headlines-fresh.toml; no shared data): before the weights made for them, precision 0.796 and
    # recall 0.975; now one known false positive (the film 《盘古》: a release date would also drop
    # AI-made films)
    assert _misses(default_filter, "fixtures/relevance/headlines-fresh.toml", 80) == ["pangu-film"]


def test_the_late_2026_headlines_are_classified_as_labelled(default_filter: RelevanceFilter) -> None:
    # The eighty late-2026 headlines a reviewer wrote to find what the filter gets wrong (tests/fixtures/
    # relevance/headlines-late-2026.toml; no shared data): before the weights made for them, precision
    # 0.667 and recall 0.783; now every one comes out as labelled
    name = "fixtures/relevance/headlines-late-2026.toml"
    labels = tomllib.loads(bench.LABELS.read_text(encoding="utf-8"))[name]
    entries = dict(bench.entries_of(REPO / "tests" / name))
    assert set(entries) == set(labels) and len(entries) == 80

    wrong = {
        key: str(default_filter.explain(title, text))
        for key, (title, text) in entries.items()
        if default_filter.keeps(title, text) is not labels[key]["relevant"]
    }

    assert not wrong, wrong


def test_the_heldout_headlines_miss_only_what_they_missed_when_labelled(
    default_filter: RelevanceFilter,
) -> None:
    # The sixty headlines a reviewer held out from the late-2026 weights (tests/fixtures/relevance/
    # headlines-heldout.toml; no shared data): precision 0.531 and recall 0.567 then; after the weights
    # made for the misses they showed, 0.676 and 0.833, seventeen left: phones, a car, laptops, a graphics
    # card and a memory package (努比亚, 智己, 笔记本, 显卡, LPDDR), admissions and pay (考研, 本科招生,
    # 年薪), a lab's market value, a token and results saying AI (市值, 代币, 营收), an AI-chip maker's
    # listing day, a paper naming no field word (稀疏注意力), products [filter] did not know (Gemma, Trae,
    # 灵光). The weights made for those kinds, with headlines of each kind written first (headlines.toml),
    # leave none
    assert _misses(default_filter, "fixtures/relevance/headlines-heldout.toml", 60) == []


def test_the_blind_headlines_miss_only_what_they_missed_when_labelled(
    default_filter: RelevanceFilter,
) -> None:
    # The eighty headlines a reviewer wrote blind, without reading the weights, their tests or the other
    # headline files (tests/fixtures/relevance/headlines-blind.toml; no shared data), measured held out:
    # precision 0.750 and recall 0.750 before the weights made for the held-out sixty's misses, 1.000 and
    # 0.925 after them (none made for these). Left, not chased: an AI-chip maker's listing day told by its
    # market value, a phone maker's open on-device model, and a commentary on token volumes
    assert _misses(default_filter, "fixtures/relevance/headlines-blind.toml", 80) == [
        "axera-hk-listing",
        "honor-magiclm-open",
        "token-economy",
    ]


def test_the_second_blind_headlines_miss_only_what_they_missed_when_labelled(
    default_filter: RelevanceFilter,
) -> None:
    # Sixty headlines of a typical day's feed a reviewer wrote blind (tests/fixtures/relevance/
    # headlines-blind2.toml; no shared data), measured held out: precision 0.909 and recall 1.0 with the
    # weights before this set's session, 0.968 and 1.0 after (none made for these). Left, not chased: a
    # phone launch naming its maker's model (蓝心大模型加持 AI 修图), the maker and the price weighing less
    assert _misses(default_filter, "fixtures/relevance/headlines-blind2.toml", 60) == ["b2-vivo-x300-ultra"]


def test_the_third_blind_headlines_miss_only_what_they_missed_when_labelled(
    default_filter: RelevanceFilter,
) -> None:
    # Eighty headlines of the filter's hard cases a reviewer wrote blind (tests/fixtures/relevance/
    # headlines-blind3.toml; no shared data), measured held out with the weights of 2026-12-02: precision
    # 0.936 and recall 0.957. Left, not chased: two car makers' own driving models (小鹏's VLA 大模型, 蔚来's
    # world model NWM: the maker weighs as a car launch's, and a car launch names those models too),
    # NVIDIA's market value beside 黄仁勋, a parenting piece on "the AI era", robots dancing at a gala
    assert _misses(default_filter, "fixtures/relevance/headlines-blind3.toml", 80) == [
        "b3-humanoid-robot-gala-rehearsal",
        "b3-nio-world-model-nwm-2",
        "b3-nvidia-market-cap-5-trillion",
        "b3-opinion-kids-learning-ai-era",
        "b3-xpeng-second-gen-vla-foundation-model",
    ]


def test_the_fourth_blind_headlines_miss_only_what_they_missed_when_labelled(
    default_filter: RelevanceFilter,
) -> None:
    # A hundred hard headlines a reviewer wrote blind (tests/fixtures/relevance/headlines-blind4.toml; no
    # shared data), measured held out with the weights of 2026-12-02: precision 0.933 and recall 0.933.
    # Missed: 小鹏's own foundation model (the maker weighs as a car launch's), 荣耀's open on-device model
    # beside 手机, MiniMax's listing prospectus (招股书, 营收), and three stories naming AI once in the title
    # (a celebrity's AI filter, a SaaS company's funding, a brand's AI-made advert). Not chased: weighing the
    # makers that train models half, with 基座模型 and 训练数据 counting, kept this set's and the third's car
    # makers' models, and ten car and sports stories a review wrote then (the tests of car makers' sales
    # and of 训练数据 in its sports sense, below)
    assert _misses(default_filter, "fixtures/relevance/headlines-blind4.toml", 100) == [
        "b4-ai-ad-backlash",
        "b4-celebrity-ai-filter",
        "b4-honor-on-device-3b-open",
        "b4-minimax-hk-prospectus",
        "b4-saas-funding-ai-mention",
        "b4-xpeng-physical-foundation-model",
    ]


def test_the_fifth_blind_headlines_miss_only_what_they_missed_when_labelled(
    default_filter: RelevanceFilter,
) -> None:
    # A hundred more a reviewer wrote blind (tests/fixtures/relevance/headlines-blind5.toml; the writer read
    # no weight, test or headline file), measured held out with the weights of 2026-12-02: precision 0.860,
    # recall 0.956 (43 of 45 relevant). Kept wrongly: share prices and listings of AI companies (摩尔线程's
    # first day, 智谱's fall, 宇树's listing tutoring, Nvidia's shares), an app's dark mode (豆包), study
    # tablets naming 讯飞 and AI toys; missed: 小鹏's world foundation model again, and the regulator's
    # campaign against AI face-swap sales (带货). Not tuned: earlier sets label an AI company's listing day
    # funding (moore-listing, metax-listing), this one market; and tunings of the car makers and of the
    # words naming AI once regressed under review before (the tests above and below)
    assert _misses(default_filter, "fixtures/relevance/headlines-blind5.toml", 100) == [
        "b5-ai-learning-machine-sales",
        "b5-ai-toy-sales-surge",
        "b5-cac-deep-synthesis-crackdown",
        "b5-doubao-app-dark-mode",
        "b5-moore-threads-ipo-first-day",
        "b5-nvidia-market-cap-en",
        "b5-unitree-ipo-counseling",
        "b5-xpeng-world-model-paper",
        "b5-zhipu-hk-shares-fall",
    ]


def _misses(rules: RelevanceFilter, name: str, count: int) -> list[str]:
    """The keys of a written headline file (tests/fixtures/relevance) the filter gets wrong, sorted."""
    labels = tomllib.loads(bench.LABELS.read_text(encoding="utf-8"))[name]
    entries = dict(bench.entries_of(REPO / "tests" / name))
    assert set(entries) == set(labels) and len(entries) == count
    labelled = [
        bench.Labelled(name, key, title, text, labels[key]["relevant"], labels[key]["reason"])
        for key, (title, text) in entries.items()
    ]
    scores = bench.measure(rules, labelled)
    return sorted(i.key for i in (*scores.false_positives, *scores.false_negatives))


# Names of the leaderboard's domestic developers that are ordinary English words or too short to be
# news alone: a headline's "Seed", "Step" or "Hy" says nothing, so [filter] names their models' specific
# forms (Seed-OSS, Seedream, Ling-1T, StepFun, 腾讯Hy) instead, or none (Bagel); the short ones by their
# numbers, as the table ranks them (hy3-preview, wan2.5-t2i-preview): those forms must be kept.
GENERIC_NAMES = frozenset({"seed", "step", "yi", "spark", "ling", "ring", "bagel", "hy", "wan"})
SHORT_NAMES = frozenset({"hy", "wan"})


def _leaderboard_names() -> list[str]:
    """The names DOMESTIC_DEVELOPERS recognises a Chinese model by (each pattern's alternatives)."""
    names = []
    for pattern, _ in DOMESTIC_DEVELOPERS:
        found = re.match(r"\(\?:(.*?)\)\(\?=", pattern.pattern)
        assert found, pattern.pattern
        names += [re.sub(r"\\(.)", r"\1", name) for name in found[1].split("|")]
    return names


def test_every_domestic_model_name_of_the_leaderboard_is_on_topic(default_filter: RelevanceFilter) -> None:
    # So the two lists cannot drift apart: the ranking table must not list a model (Doubao-Seed-1.6)
    # whose news the filter drops
    names = _leaderboard_names()
    assert set(names) > GENERIC_NAMES and all(domestic_developer(f"{name}-2") for name in names)

    dropped = [
        name for name in names if name not in GENERIC_NAMES and not default_filter.keeps(f"{name}-2发布", "")
    ]
    numbered = [
        f"{name}{number}发布" for name in SHORT_NAMES for number in ("2", "3", "-2", " 3", "3.0", "2.5")
    ]
    dropped += [title for title in numbered if not default_filter.keeps(title, "")]

    assert not dropped, dropped


def _filter_model_names() -> list[str]:
    """The Latin names of config/default.toml's block of domestic models (its Chinese names left out)."""
    lines = [
        line.strip() for line in (REPO / "config" / "default.toml").read_text(encoding="utf-8").splitlines()
    ]
    starts = [i for i, line in enumerate(lines) if line.startswith("# 2025–26 domestic models")]
    ends = [i for i, line in enumerate(lines) if line == "# (the domestic models end here)"]
    assert len(starts) == len(ends) == 1 and starts[0] < ends[0], "the block's two comments are not in place"
    block = [line.split("#", 1)[0] for line in lines[starts[0] : ends[0]]]  # every line's comment left out
    return [name for name in re.findall(r'"([^"]+)"', "\n".join(block)) if name.isascii()]


def test_every_latin_model_name_the_filter_lists_is_one_the_leaderboard_knows() -> None:
    # Given the names [filter] lists as the leaderboard's Chinese models (Kling, Vidu, Hailuo, CogVideoX)
    names = _filter_model_names()
    include = load_config(REPO / "config" / "default.toml").filter.include
    assert len(names) > 30 and set(names) <= set(include)
    # Then the leaderboard counts each as a Chinese model's: the comment saying so is true
    unknown = [name for name in names if domestic_developer(name) is None]
    assert not unknown, unknown


@pytest.mark.shared_data
def test_sample_day_drops_the_phone_launch_and_keeps_every_ai_item(default_filter: RelevanceFilter) -> None:
    sample = require(SPEC / "sample-report-2026-01-20.md")
    items = [entry for _, entry in bench.entries_of(sample)]
    assert len(items) == 8

    dropped = [title for title, text in items if not default_filter.keeps(title, text)]

    assert len(dropped) == 1
    assert "荣耀" in dropped[0] and "Magic8" in dropped[0]


@pytest.mark.parametrize(
    ("title", "text", "kept"),
    [
        # 小米: cars and phones vs its MiMo model
        ("小米汽车新款SUV开启预订，续航里程再提升", "小米汽车今日宣布新车型开启预订", False),
        ("小米SU7交付量创新高", "", False),
        ("小米发布新一代手机，影像和续航全面升级", "新机搭载全新芯片，机身更薄", False),
        ("小米开源MiMo推理模型，数学与代码能力领先同尺寸模型", "", True),
        ("小米MiMo大模型团队公布最新技术报告", "", True),
        # 腾讯: music vs 混元
        ("腾讯音乐发布季度财报，在线音乐付费用户增长", "腾讯音乐娱乐集团今日公布业绩", False),
        ("腾讯混元开源新一代多模态模型", "", True),
        # 百度: maps vs 文心
        ("百度地图上线新版车道级导航", "百度地图今日宣布", False),
        ("百度发布文心大模型新版本，推理能力大幅提升", "", True),
        # AGI as a word, not inside MAGIC8
        ("荣耀MAGIC8系列新机开售", "", False),
        ("从大模型到AGI还有多远", "", True),
        # markets and shops that name AI companies
        ("AI概念股集体涨停，算力板块领涨A股", "", False),
        ("外卖平台门店数量突破百万", "", False),
    ],
)
def test_same_company_on_and_off_topic(
    default_filter: RelevanceFilter, title: str, text: str, kept: bool
) -> None:
    assert default_filter.keeps(title, text) is kept, default_filter.explain(title, text)


# Headlines a reader of the digest would see in late 2026, written by a reviewer of the filter (most of
# them also in tests/fixtures/relevance/headlines-late-2026.toml), each of a kind the README's promise
# and labels.toml's classes decide


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "燧原科技科创板IPO获受理，拟募资60亿元",
            "燧原科技是腾讯投资的云端AI训练和推理芯片企业，本次募资将用于新一代芯片研发。",
            id="enflame-ipo",
        ),
        pytest.param(
            "昆仑芯完成新一轮融资，估值超过210亿元",
            "昆仑芯前身为百度智能芯片及架构部，此轮融资后将推进独立上市。",
            id="kunlunxin-round",
        ),
        pytest.param(
            "天数智芯港股IPO定价，募资约37亿港元",
            "天数智芯是国内较早实现通用GPU量产的企业，产品已在多个智算中心部署。",
            id="iluvatar-ipo",
        ),
        pytest.param("瀚博半导体科创板IPO获受理，拟募资30亿元", "", id="vastai-ipo"),
        pytest.param("爱芯元智港股上市首日涨超30%", "", id="axera-listing-day"),
        pytest.param(
            "壁仞科技港股上市首日股价涨超80%，市值突破千亿港元",
            "这家国产GPU公司此次募资约55亿港元，基石投资者包括多家国资背景基金。",
            id="biren-listing-day",
        ),
        pytest.param(
            "海光信息发布深算四号DCU，训练性能提升2倍",
            "海光称新品兼容主流生态，已获多家互联网公司批量订单。",
            id="hygon-dcu",
        ),
    ],
)
def test_news_of_a_domestic_ai_chip_maker_is_kept(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given news of a Chinese AI-chip maker other than 昇腾, 寒武纪, 摩尔线程, 沐曦 and 壁仞: its listing
    # or funding, as "沐曦股份科创板IPO获受理" (labelled funding), or a product; or any one's listing day
    # told with its rise and market value (壁仞 scored 0.5)
    # When the default filter reads it
    # Then it is kept
    assert default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("美国拟批准H200对华出口，需缴纳25%分成", id="h200"),
        pytest.param("H800禁售两年后，国内公司靠什么训练", id="h800"),
        pytest.param("美国批准AMD向中国出口MI308芯片，需缴纳15%分成", id="amd-mi308"),
    ],
)
def test_an_export_rule_naming_a_data_centre_gpu_is_kept(default_filter: RelevanceFilter, title: str) -> None:
    # Given a chip export rule or a compute story naming NVIDIA's or AMD's data-centre GPU alone (as
    # H100, H20 and B200 are named)
    # When the default filter reads its title
    # Then it is kept (H200 and MI308 scored 0: no term)
    assert default_filter.keeps(title, ""), default_filter.explain(title, "")


@pytest.mark.parametrize(
    ("title", "text", "kept"),
    [
        # NVIDIA's China data-centre part after H20 is RTX-branded: compute and export news, as H20's is
        pytest.param(
            "多家大厂暂停采购英伟达RTX Pro 6000D",
            "知情人士称，监管部门要求企业停止测试和下单这款面向中国市场的特供芯片。",
            True,
            id="rtx-pro-6000d",
        ),
        pytest.param("多家大廠暫停採購輝達RTX Pro 6000D", "", True, id="rtx-pro-6000d-traditional"),
        pytest.param(
            "网信办约谈英伟达，要求说明RTX Pro 6000D安全风险",
            "网信办称已要求英伟达就相关产品的漏洞后门风险作出说明并提交证明材料。",
            True,
            id="rtx-pro-6000d-cac",
        ),
        pytest.param(
            "魔改48G显存4090显卡成大模型推理硬通货，一卡难求",
            "深圳华强北的改装显卡价格一个月涨了三成，买家多是部署私有化模型的中小企业。",
            True,
            id="modded-4090-for-llms",
        ),
        pytest.param(
            "英伟达DGX Station工作站开售，可本地运行万亿参数模型",
            "这款搭载GB300超级芯片的桌面AI超级计算机面向研究人员和开发者。",
            True,
            id="dgx-station",
        ),
        # a gamer's card is no AI news
        pytest.param(
            "英伟达RTX 5080 Super显卡亮相CES，显存升级至24GB",
            "这款游戏显卡将于春季上市，支持DLSS 5帧生成技术。",
            False,
            id="gaming-card",
        ),
    ],
)
def test_ai_compute_naming_an_rtx_part_or_a_graphics_card_is_kept_a_gamers_card_dropped(
    default_filter: RelevanceFilter, title: str, text: str, kept: bool
) -> None:
    # Given NVIDIA's China AI chip (RTX Pro 6000D), graphics cards bought for LLM inference, an AI
    # workstation (DGX Station), or a graphics card for games
    # When the default filter reads it
    # Then the compute news is kept (RTX, 显卡, 工作站 at -2 cancelled 英伟达 or 大模型), the card dropped
    assert default_filter.keeps(title, text) is kept, default_filter.explain(title, text)


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("云康宝发布智能体脂秤新品，支持心率监测", id="smart-body-fat-scale"),
        pytest.param("网飞《三体》第二季定档，面壁者计划登场", id="wallfacer"),
        pytest.param("北大数字人文研究中心成立，首批发布10个古籍数据库", id="digital-humanities"),
        pytest.param("中科院团队实现二氧化碳高效电催化生成合成气", id="syngas"),
        pytest.param("中科院團隊實現二氧化碳高效電催化生成合成氣", id="syngas-traditional"),
        pytest.param("上海光伏展开幕，钙钛矿组件效率再创新高", id="shanghai-pv"),
        pytest.param("上海光机所研制出新型超快激光器", id="shanghai-optics-institute"),
        pytest.param("云南澄江发现寒武纪化石新物种", id="cambrian-fossil"),
        pytest.param("寒武纪时期的海洋生物如何演化出眼睛", id="cambrian-period"),
    ],
)
def test_an_on_topic_term_inside_an_everyday_word_does_not_keep_an_item(
    default_filter: RelevanceFilter, title: str
) -> None:
    # Given a headline holding an on-topic term inside another word: 智能体 in 智能体脂秤 (a smart body-fat
    # scale), 面壁 in 面壁者 (The Three-Body Problem's Wallfacers), 数字人 in 数字人文 (digital humanities),
    # 生成合成 in 生成合成气 (producing syngas), 海光 across 上海|光伏 and 上海|光机所, 寒武纪 the Cambrian
    # period
    # When the default filter reads it
    # Then it is dropped, as 智能体验 and 数字人才 are (each was kept on that one term)
    assert not default_filter.keeps(title, ""), default_filter.explain(title, "")


@pytest.mark.parametrize(
    ("title", "kept"),
    [
        pytest.param("沪深300指数成分股调整，宁德时代权重升至第一", False, id="index-weighting"),
        pytest.param("MSCI下调中国股票权重", False, id="msci"),
        pytest.param("MSCI下調中國股票權重", False, id="msci-traditional"),
        pytest.param("新高考改革：综合素质评价权重提高", False, id="exam-weighting"),
        pytest.param("小红书调整推荐规则，收藏权重高于点赞", False, id="ranking-rule"),
        # a model's weights, a car maker's too
        pytest.param("小鹏开源VLA大模型权重，供行业免费使用", True, id="car-makers-open-weights"),
        pytest.param("理想汽车开源 MindVLA-o1 基座权重，附 87 页技术报告", True, id="base-model-weights"),
    ],
)
def test_weights_are_a_models_only_in_the_words_that_say_so(
    default_filter: RelevanceFilter, title: str, kept: bool
) -> None:
    # Given a headline naming 权重: an index's, an exam's or a ranking rule's weighting, or a model's
    # weights in the words releases use (开源权重, 大模型权重, 基座权重, 权重文件, open weights …)
    # When the default filter reads it
    # Then only the model's is kept (权重 alone weighed 1, the threshold in a title)
    assert default_filter.keeps(title, "") is kept, default_filter.explain(title, "")


@pytest.mark.parametrize(
    ("title", "text", "kept"),
    [
        pytest.param(
            "AI应用概念股午后拉升，易点天下涨超15%",
            "CPO、液冷服务器方向同步走强，多只个股涨超10%。",
            False,
            id="ai-stocks-rally",
        ),
        pytest.param(
            "算力板块午后拉升，中际旭创涨超8%",
            "光模块、服务器方向领涨，新易盛、工业富联跟涨。",
            False,
            id="compute-board",
        ),
        pytest.param(
            "港股AI板块走弱，商汤跌超5%",
            "恒生科技指数收跌1.2%，科技股普遍承压。",
            False,
            id="sensetime-fall",
        ),
        pytest.param(
            "港股收评：恒指涨1.2%，智谱、MiniMax领涨",
            "恒生科技指数涨1.8%，大模型概念股表现活跃，智谱收涨12%。",
            False,
            id="hk-close",
        ),
        pytest.param("港股收评：恒指涨1.2%，智谱、MiniMax领涨", "", False, id="hk-close-title-alone"),
        pytest.param("A股午评：三大指数集体上涨，算力租赁板块走强", "", False, id="a-share-midday"),
        pytest.param("港股午評：恒指升0.8%，商湯、智譜走強", "", False, id="hk-midday-traditional"),
        pytest.param("收评丨创业板指涨2%，AI应用方向领涨", "", False, id="close-bar"),
        pytest.param(
            "摩尔线程盘中涨超20%，成交额突破百亿元",
            "国产GPU概念股午后集体走强，沐曦股份跟涨逾10%。",
            False,
            id="moore-intraday",
        ),
        pytest.param(
            "人工智能ETF规模突破500亿元，年内净流入居前",
            "多只跟踪人工智能指数的基金近一个月获资金加仓。",
            False,
            id="ai-etf",
        ),
        # a lab's own listing is funding news, its first day's rise told in the same words
        pytest.param(
            "智谱港股上市首日，成为“全球大模型第一股”",
            "智谱开盘报价较发行价上涨超30%，市值突破千亿港元。",
            True,
            id="zhipu-listing",
        ),
        pytest.param("MiniMax港股上市首日涨超50%", "", True, id="minimax-first-day"),
        pytest.param("智谱港股上市首日市值突破千亿港元", "", True, id="zhipu-hk-listing-day-market-value"),
        pytest.param(
            "MiniMax港股上市首日收涨109%，市值突破1200亿港元",
            "MiniMax今日正式在港交所挂牌交易，成为继智谱之后第二家登陆港股的大模型公司。",
            True,
            id="minimax-hk-listing-day",
        ),
        pytest.param("MiniMax港股上市首日股价翻倍", "", True, id="minimax-hk-listing-day-share-price"),
        pytest.param("壁仞科技首日开盘涨超80%，市值突破千亿港元", "", True, id="listing-day-opening-rise"),
        pytest.param("摩尔线程上市首日股价涨超400%", "", True, id="listing-day-share-price"),
        # but a listing day alone is no AI news: any company's (36Kr's newsflashes carry many)
        pytest.param("蜜雪冰城上市首日大涨43%", "", False, id="listing-day-outside-ai"),
        pytest.param("蜜雪冰城上市首日大漲43%", "", False, id="listing-day-outside-ai-traditional"),
        pytest.param("老铺黄金上市首日，开盘即翻倍", "", False, id="listing-day-opening"),
        pytest.param("蜜雪冰城港股上市首日涨超40%", "", False, id="hk-listing-day-outside-ai"),
        pytest.param("新股首日涨超200%，今年打新收益创新高", "", False, id="new-shares-first-day"),
        pytest.param(
            "蜜雪冰城上市首日，公司创始人身家破千亿",
            "蜜雪冰城此次全球发售约1.7亿股，公开发售部分获超5000倍认购。",
            False,
            id="listing-day-outside-ai-with-text",
        ),
        # and an app's use rising (日活上涨超) is its news, a share price's (股价…上涨超) is not
        pytest.param("豆包日活上涨超30%", "", True, id="usage-rise"),
        pytest.param(
            "千问日活上涨超40%，阿里称春节AI红包带来1亿新用户",
            "千问App春节期间累计发放红包30亿元，用户可用语音让千问帮忙点奶茶、订电影票。",
            True,
            id="usage-rise-with-text",
        ),
        # a lab's or an AI-chip maker's share price, whatever it reaches (labels.toml: cambricon-shares)
        pytest.param("寒武纪股价突破1500元，超越茅台成新股王", "", False, id="ai-chip-share-price"),
        pytest.param("摩尔线程股价较发行价上涨10倍", "", False, id="ai-chip-share-price-since-listing"),
        pytest.param("沐曦股价再创新高", "", False, id="ai-chip-share-price-high"),
        pytest.param("燧原股价年内翻倍", "", False, id="ai-chip-share-price-doubled"),
        pytest.param("MiniMax股价较发行价翻倍", "", False, id="lab-share-price"),
        pytest.param("智谱市值突破5000亿港元，超过百度", "", False, id="lab-market-value"),
        pytest.param("币安上线AI Agent概念代币，24小时涨超300%", "", False, id="ai-token"),
        pytest.param("Web3项目发布AI Agent，Token空投开启", "", False, id="ai-token-airdrop"),
        pytest.param("美团三季度营收950亿元，王兴：AI投入不会减少", "", False, id="results-saying-ai"),
        pytest.param("美团2026年营收3800亿元，王兴：AI投入不会减少", "", False, id="year-results-saying-ai"),
        pytest.param("寒武纪三季度营收同比增长逾14倍，扭亏为盈", "", True, id="ai-chip-makers-results"),
        pytest.param(
            "Cursor年化营收突破20亿美元",
            "AI编程工具Cursor母公司Anysphere称企业客户贡献了超过一半收入。",
            True,
            id="ai-companys-revenue",
        ),
        pytest.param("Midjourney年营收突破5亿美元，仍未融资", "", True, id="ai-lab-revenue"),
        pytest.param("AI编程独角兽Lovable年化营收突破2亿美元", "", True, id="ai-startups-revenue"),
        pytest.param("AI陪伴应用“猫箱”年营收突破10亿元", "", True, id="ai-companion-apps-revenue"),
        pytest.param("秘塔AI搜索年营收破亿，付费用户超百万", "", True, id="ai-search-startups-revenue"),
        pytest.param("微软：AI业务年化营收突破130亿美元", "", True, id="ai-business-revenue"),
        pytest.param(
            "英伟达市值突破5万亿美元，成全球首家",
            "受数据中心业务强劲增长推动，英伟达股价年内上涨超50%。",
            False,
            id="nvda-cap",
        ),
    ],
)
def test_a_stock_market_item_naming_ai_is_dropped_a_labs_listing_kept(
    default_filter: RelevanceFilter, title: str, text: str, kept: bool
) -> None:
    # Given a market item (labels.toml: market, finance) naming AI, a compute sector or AI labs' shares
    # in the words newsflashes use when no stock hits its limit (涨超, 概念股, 收评, 盘中, ETF), or a
    # lab's listing day, or a listing day of a company outside AI
    # When the default filter reads it
    # Then the market item is dropped, as "AI概念股集体涨停，算力板块领涨A股" is, and the lab's listing kept
    # (港股上市首日 scored 港股上市's -0.5, as long as 上市首日 and left of it: 智谱港股上市首日市值… 0)
    # (上市首日 alone weighed 1, the threshold in a title: 蜜雪冰城上市首日大涨43% was kept; 股价 -2 left 3
    # of a lab's or an AI-chip maker's 9; 营收 -1 cancelled Cursor and Midjourney, weighing 1, though an AI
    # company's revenue is its news: labels.toml's kling-revenue; and the title's AI, where no weight names
    # the company: 0 each)
    assert default_filter.keeps(title, text) is kept, default_filter.explain(title, text)


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("世界人工智能大会SAIL奖今日下午评选揭晓", id="afternoon-judging"),
        pytest.param("世界人工智能大會SAIL獎今日下午評選揭曉", id="afternoon-judging-traditional"),
        pytest.param("DeepSeek-V4中午评测：代码能力追平Claude Opus 5", id="noon-review"),
        pytest.param("智谱GLM-5通过国家验收评估", id="acceptance-review"),
        pytest.param("工信部：将出台大模型应用验收评估规范", id="acceptance-spec"),
        pytest.param("华为昇腾广招生态伙伴", id="ecosystem-partners"),
        pytest.param("谷歌AI笔记本NotebookLM上线中文播客功能", id="notebooklm"),
        pytest.param("DeepSeek降价：每百万代币输入1元", id="price-per-million-tokens"),
        pytest.param("清华团队发布推理模型慢思考研究：更长的思维不一定更准", id="slow-thinking-study"),
        pytest.param("Kimi团队发布长思考研究新成果", id="long-thinking-study"),
        pytest.param("OpenAI公开o5深度思考研究细节", id="deep-thinking-study"),
        pytest.param("Meta公开Llama 5训练细节供参考研究", id="for-reference-and-research"),
        pytest.param("豆包电脑版支持上传音频，一键生成会议纪要", id="upload-audio"),
        pytest.param("Gemini App支持上传音频文件，可直接总结播客内容", id="upload-audio-gemini"),
        pytest.param("AI音乐平台支持上传音乐生成翻唱", id="upload-music"),
        pytest.param("ChatGPT上线群聊功能，分享界面全新改版", id="share-screen"),
        pytest.param("Kimi上线共享界面，多人可同时编辑同一对话", id="shared-screen"),
        pytest.param("大模型“终极越狱”攻击曝光，主流模型无一幸免", id="ultimate-jailbreak"),
        pytest.param("上海信通院发布AI安全评测报告，12款国产模型参评", id="shanghai-caict"),
        pytest.param("AI能直接生成游戏本身吗？谷歌Genie 3给出答案", id="the-game-itself"),
        pytest.param("谷歌Colab笔记本全面接入Gemini 3", id="colab-notebook"),
        pytest.param("Jupyter笔记本接入Claude，数据分析一键完成", id="jupyter-notebook"),
        pytest.param("DeepSeek V4 API降价：输入价格降至0.5元/百万代币", id="yuan-per-million-tokens"),
        pytest.param("DeepSeek降价：每100万代币输入价格降至1元", id="per-1000000-tokens"),
        pytest.param("Claude Opus 5支持百万代币上下文，价格不变", id="million-token-context"),
        pytest.param("谷歌：Gemini每月处理代币量突破1000万亿", id="token-volume"),
    ],
)
def test_an_off_topic_word_in_another_sense_does_not_drop_ai_news(
    default_filter: RelevanceFilter, title: str
) -> None:
    # Given AI news holding an off-topic signal's word in another sense: a market wrap's 午评 or 收评 across
    # two words (下午|评选, 中午|评测, 验收|评估, not "港股收评：…"), 招生 across 招 and 生态, 笔记本 in
    # NotebookLM's Chinese name, 代币 for a model's tokens (as some outlets translate them: 每百万代币,
    # 元/百万代币, 每100万代币, 百万代币上下文, 处理代币量), 考研 across 思考|研究 (a model's slow or deep
    # thinking studied) and 参考|研究 (released for reference and research),
    # a maker's name across two words (传音 in 上传音频, 享界 in 分享界面, 极越 in 终极越狱, 海信 in
    # 上海信通院), 游戏本 in 游戏本身 (the game itself), 笔记本 for a code notebook (Colab, Jupyter)
    # When the default filter reads it
    # Then it is kept (午评 and 收评 alone took 18 off it: 0 for DeepSeek-V4中午评测; 招生 -2, 笔记本 and
    # 代币 -3 cancelled 昇腾, AI and DeepSeek: 0, -6 and 0; 考研 -3 the
    # lab or 推理模型 named: 0, 0, 0, -3; the makers' names and the laptops' words 0 or less each)
    assert default_filter.keeps(title, ""), default_filter.explain(title, "")


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "小米17 Ultra发布：超级小爱接入MiMo大模型，到手价5999元",
            "新品搭载徕卡一英寸主摄，国补后价格更低。",
            id="xiaomi17-mimo",
        ),
        pytest.param(
            "iQOO 15正式发布，蓝心大模型加持游戏助手",
            "这款性能旗舰采用2K直屏和7000mAh电池，首发价4199元。",
            id="iqoo15",
        ),
        pytest.param(
            "真我GT8 Pro发布，首发AI大模型影像",
            "真我与理光联合调校影像系统，国补后到手价3599元。",
            id="realme-gt8",
        ),
        pytest.param(
            "理想i6上市，VLA司机大模型全系标配",
            "这款纯电SUV提供两种电池版本，限时权益价24.98万元。",
            id="li-i6",
        ),
    ],
)
def test_a_phone_or_car_launch_naming_a_model_is_dropped(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given a phone or car launch whose title names a model (大模型, MiMo, 蓝心), with its series and its
    # price in the words launches use (到手价, 首发价, 国补, 权益价; iQOO, 真我GT, 理想i6)
    # When the default filter reads it
    # Then it is dropped: "its series and a launch's price say it is a phone" (README, [filter.weights])
    assert not default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "蔚来11月交付4.6万台，世界模型加持的ES8成销量主力",
            "其中乐道品牌交付2.1万台，萤火虫交付6000台，同比增长近一倍。",
            id="nio-deliveries",
        ),
        pytest.param(
            "小鹏交付量连续12个月破3万，VLA大模型用户渗透率达九成",
            "MONA M03与G7合计贡献过半，X9月销稳定在8000台以上。",
            id="xpeng-deliveries",
        ),
        pytest.param(
            "蔚来ET5全系降价3万元，世界模型NWM随车免费开通",
            "即日起下定的用户可享受新价格，老车主可获得等额积分补偿。",
            id="nio-price-cut",
        ),
        pytest.param(
            "小鹏召回1.2万辆P7+，VLA大模型识别施工锥桶存在缺陷",
            "36氪获悉，据市场监管总局消息，小鹏将通过远程升级方式为召回范围内的车辆免费更新软件。",
            id="xpeng-recall",
        ),
        pytest.param(
            "理想汽车推送OTA 8.1，MindVLA支持跨楼层找车位",
            "36氪获悉，理想汽车12月2日起向i6、i8和L系列用户分批推送新版本，预计两周内完成。",
            id="li-auto-ota",
        ),
        pytest.param(
            "李斌：蔚来世界模型已领先行业一年，明年全面盈利",
            "在蔚来第三季度财报电话会上，李斌表示公司将控制成本，四季度目标交付15万台。",
            id="nio-ceo-profit-talk",
        ),
        pytest.param(
            "荣耀Magic8系列发布，YOYO智能体背后是自研端侧基座模型",
            "新机搭载骁龙8至尊版，电池容量7000mAh，4499元起。",
            id="honor-phone-launch-foundation-model",
        ),
    ],
)
def test_a_car_makers_sales_recall_or_update_naming_its_model_is_dropped(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given a car's deliveries, recall, price cut or software update, or a boss's talk of results, by a maker
    # that trains its own models, naming that model (or a phone launch naming its on-device 基座模型)
    # When the default filter reads it
    # Then it is dropped: car (or phone) news under the label rules. Weighing those makers' names half, to
    # keep their own models' news (the blind sets' 小鹏 and 蔚来 misses), kept every one of these: one model
    # word in a title (3 × 3) outweighed the name (-1.5 × 3), and 交付, 召回, 降价 and OTA weigh nothing
    assert not default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "华为运动健康上线骑行功率计，训练数据实时同步",
            "用户可在华为运动健康App中查看功率区间、踏频和心率变化，支持导入第三方码表。",
            id="cycling-app",
        ),
        pytest.param(
            "马拉松热背后：跑者的训练数据成了运动品牌的新资产",
            "从高驰到佳明，运动手表厂商正通过社区和训练计划留住用户，跑者则越来越在意配速和心率区间。",
            id="marathon-runners",
        ),
        pytest.param(
            "中超球队引入GPS背心，球员训练数据实时监控",
            "俱乐部体能教练称，球员每堂训练课的冲刺次数和跑动距离都会被记录。",
            id="football-club",
        ),
    ],
)
def test_training_data_in_its_sports_sense_does_not_keep_an_item(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given a runner's, a cyclist's or a footballer's 训练数据 (training records)
    # When the default filter reads it
    # Then it is dropped: 训练数据 is no AI term alone (weighing 1, it alone reached the threshold in a title)
    assert not default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text", "kept"),
    [
        pytest.param(
            "斑马智行发布座舱大模型元神3.0",
            "新模型已搭载于上汽、大众等多个品牌车型，端侧推理延迟低于300毫秒。",
            True,
            id="cockpit-model",
        ),
        pytest.param("理想汽车开源座舱大模型MindGPT", "", True, id="car-makers-cockpit-model"),
        pytest.param("问界M9上市，搭载座舱大模型，售价46.98万元起", "", False, id="car-launch"),
    ],
)
def test_a_model_made_for_cars_cockpits_is_kept_a_car_launch_naming_it_dropped(
    default_filter: RelevanceFilter, title: str, text: str, kept: bool
) -> None:
    # Given a model released for cars' cockpits (座舱大模型), by a supplier or a car maker, or a car's
    # launch naming one
    # When the default filter reads it
    # Then the model is kept (座舱 -2 cancelled 大模型 in the title) and the launch dropped
    assert default_filter.keeps(title, text) is kept, default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "AI陪伴让人找回“真我”？斯坦福联合清华研究了10万名用户",
            "论文发现，每天与AI伴侣聊天超过2小时的用户孤独感反而上升。",
            id="true-self",
        ),
        pytest.param("大模型有没有“真我”？一篇论文这样回答", "", id="a-models-true-self"),
    ],
)
def test_ai_news_in_the_everyday_words_of_a_phone_series_is_kept(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given AI news naming 真我 as "the true self", not realme's series (真我GT8, 真我Neo7)
    # When the default filter reads it
    # Then it is kept (真我 alone weighed as a series: the first scored -5)
    assert default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "AutoGLM 2.0上线：能在云手机里帮你点外卖、订酒店",
            "智谱发布新一代手机智能体，可在云端虚拟手机中跨App执行上百步操作。",
            id="autoglm-cloud-phone",
        ),
        pytest.param(
            "阿里云百炼上线MCP广场，一键部署200余个服务",
            "开发者可在百炼平台调用地图、搜索、支付等MCP服务，快速构建应用。",
            id="bailian-mcp",
        ),
    ],
)
def test_an_agent_launch_is_kept_whatever_its_demo_does(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given an agent product's launch by a Chinese lab or cloud, told by what it does for a user (a
    # phone agent ordering food in a cloud phone, as 豆包手机助手's news is; an MCP marketplace)
    # When the default filter reads it
    # Then it is kept (AutoGLM in the title scored 9; 手机 and 外卖 took 19 off it)
    assert default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "联想发布新一代AI PC，内置天禧个人智能体",
            "新款ThinkBook搭载英特尔酷睿Ultra处理器，本地NPU算力达50 TOPS。",
            id="ai-pc",
        ),
        pytest.param(
            "雷鸟X3 Pro AI眼镜发布，首发价3999元",
            "新品采用双目全彩光波导显示，支持实时翻译、导航和拍照识物。",
            id="ai-glasses",
        ),
        pytest.param("Rokid AI眼镜开启预约", "", id="ai-glasses-no-price"),
        pytest.param(
            "1688上线AI采购助手，帮商家一键找厂比价",
            "阿里巴巴旗下批发平台称，已有超过10万家商家使用该功能下单。",
            id="1688-ai",
        ),
    ],
)
def test_a_gadget_or_shop_feature_naming_ai_is_dropped(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given a gadget's launch or a shop's feature naming AI in its title (labels.toml: other-tech,
    # retail, as the robot vacuum "追觅发布AI扫地机器人" and the AI fridge are)
    # When the default filter reads it
    # Then it is dropped ("AI" alone in a title reached the threshold, nothing weighing against it)
    assert not default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param("国家广播电视总局发布人工智能生成内容标识管理细则", "", id="sarft-rule"),
        pytest.param("國家廣播電視總局發佈人工智能生成內容標識管理細則", "", id="sarft-rule-traditional"),
        pytest.param(
            "国家广播电视总局：AI生成微短剧须在片头显著标识",
            "总局要求网络视听平台对利用人工智能生成合成的微短剧、网络电影进行显著标识。",
            id="sarft-label",
        ),
    ],
)
def test_the_broadcasting_regulators_ai_rules_are_kept(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given an AI rule of 国家广播电视总局 (the regulator of online video, 广电总局), whose name holds 电视,
    # a TV set's word
    # When the default filter reads it
    # Then it is kept as policy (电视 took 6 off it: 0 for the first; the labelling rule was dropped before
    # 电视 weighed anything, 生成合成 not named)
    assert default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text", "kept"),
    [
        pytest.param("「康宁杰瑞」预填充注射器产线投产，年产能达1亿支", "", False, id="syringe-plant"),
        pytest.param(
            "预填充注射器企业「普洛康裕」完成3亿元B轮融资",
            "本轮融资将用于扩建玻璃预填充注射器产线。",
            False,
            id="syringe-round",
        ),
        pytest.param("2026年度个税汇算今起开始，App可自动预填充收入信息", "", False, id="tax-form"),
        pytest.param("微软提出新预填充加速方案，首Token延迟降低60%", "", True, id="llm-prefill"),
        pytest.param(
            "长上下文预填充提速9倍：清华团队提出可训练分块稀疏注意力", "", True, id="llm-prefill-paper"
        ),
    ],
)
def test_a_prefilled_syringe_or_form_is_not_a_models_prefill(
    default_filter: RelevanceFilter, title: str, text: str, kept: bool
) -> None:
    # Given a medical-device item on prefilled syringes (预填充注射器), an app prefilling a tax form, or a
    # paper on an LLM's prefill
    # When the default filter reads it
    # Then only the paper is kept (预填充 weighed 2 in all: the syringe plant and the tax form scored 6)
    assert default_filter.keeps(title, text) is kept, default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text", "kept"),
    [
        pytest.param(
            "教育部公布新增本科专业名单，人工智能相关专业点增至600个",
            "今年新增专业点集中在人工智能、集成电路和低空技术等领域。",
            False,
            id="ai-major",
        ),
        pytest.param(
            "高考志愿填报：人工智能专业分数线连续三年领跑",
            "多所高校计算机类与人工智能专业录取位次上升，家长咨询量大增。",
            False,
            id="gaokao-ai",
        ),
        pytest.param(
            "2027届校招：人工智能岗位平均月薪超2.5万元",
            "招聘平台数据显示，算法工程师仍是最紧缺的岗位之一。",
            False,
            id="ai-salary",
        ),
        # but a lab hiring, its pay named too, and models sitting the exam, are AI news
        pytest.param("DeepSeek开启校招", "", True, id="lab-hiring"),
        pytest.param("DeepSeek开启校招，月薪最高8万", "", True, id="lab-hiring-pay"),
        pytest.param("大模型挑战高考数学题", "", True, id="models-sit-gaokao"),
        pytest.param("AI高考成绩单出炉：最强模型理科总分超过清华分数线", "", True, id="models-beat-cutoff"),
        pytest.param("考研数学一真题，国产大模型能拿几分？", "", True, id="models-sit-kaoyan"),
    ],
)
def test_an_education_or_jobs_item_naming_ai_is_dropped_unless_about_a_model(
    default_filter: RelevanceFilter, title: str, text: str, kept: bool
) -> None:
    # Given a university-major, admissions or campus-hiring item naming 人工智能 (labels.toml has
    # 腾讯校招 as business, the teachers' 星火计划 as other-tech)
    # When the default filter reads it
    # Then it is dropped, unless a model or a lab is what it is about (考研 -3 cancelled 大模型 sitting its
    # papers)
    assert default_filter.keeps(title, text) is kept, default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text", "kept"),
    [
        pytest.param(
            "腾讯广告提出GPR：用一个生成式模型替代广告推荐的级联排序",
            "论文已被KDD 2026接收，该方法已在微信视频号广告系统全量上线，广告收入提升3.2%。",
            True,
            id="ads-model-paper",
        ),
        pytest.param(
            "腾讯三季度营收1930亿元，AI拉动广告收入增长21%",
            "腾讯控股公布三季度业绩，营销服务与金融科技业务表现稳健。",
            False,
            id="tencent-q3",
        ),
    ],
)
def test_a_model_for_advertising_is_ai_news_advertising_revenue_is_not(
    default_filter: RelevanceFilter, title: str, text: str, kept: bool
) -> None:
    # Given a lab's generative model for ad ranking, or a company's results whose ad revenue AI drove
    # When the default filter reads it
    # Then the model is kept (广告 took 5 off it: 2.5) and the results dropped (labels.toml: market)
    assert default_filter.keeps(title, text) is kept, default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "字节 Seed 发布 Seed2.0 Pro，数学推理登顶",
            "字节跳动 Seed 团队今日发布通用模型 Seed2.0 系列，Pro 版在 IMO 级数学题上得分领先。",
            id="bytedance-seed-spaced",
        ),
        pytest.param(
            "千问 App 月活突破 2 亿，阿里称将接入更多生活服务",
            "千问 App 上线一年，已覆盖点外卖、订机票、查快递等 400 多项日常功能。",
            id="qianwen-app-spaced",
        ),
        # a model under the name its news gives it
        pytest.param(
            "Wan2.5-Preview登顶Artificial Analysis视频榜",
            "阿里开源视频模型新版支持音画同步生成，可一次输出10秒1080P视频。",
            id="wan-video",
        ),
        pytest.param(
            "书生Intern-S2正式开放下载",
            "上海人工智能实验室表示，这是其迄今规模最大的科学模型，已在材料和药物研发中试用。",
            id="intern-s2",
        ),
        pytest.param("蚂蚁灵光App上线首周下载量破200万", "", id="lingguang"),
        pytest.param("Trae国内版月活突破200万", "", id="trae"),
        pytest.param("理想开源MindVLA，供自动驾驶研究者使用", "", id="mindvla"),
        pytest.param("蚂蚁开源Ling-2.0，推理能力大幅提升", "", id="ling-2"),
        pytest.param(
            "腾讯 Hy3 正式版上线，编程与工具调用能力再提升",
            "Hy3 正式版在代码与工具调用评测中进入第一梯队，已在腾讯云上线。",
            id="tencent-hy3",
        ),
    ],
)
def test_a_domestic_model_is_kept_as_outlets_write_its_name(
    default_filter: RelevanceFilter, title: str, text: str
) -> None:
    # Given a Chinese model's news, its name spaced from the Chinese around it (字节 Seed, 千问 App) or a
    # name [filter] did not list (Wan, Intern-S, Hy3: 腾讯混元's 2026 models; apps and forms of names)
    # When the default filter reads it
    # Then it is kept, as the same headline unspaced is
    assert default_filter.keeps(title, text), default_filter.explain(title, text)


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [
        ("讯飞星火X1正式发布", "訊飛星火X1正式發佈"),
        ("零一万物发表新模型", "零一萬物發表新模型"),
        ("腾讯元宝接入新功能", "騰訊元寶接入新功能"),
        ("快手可灵2.1上线", "快手可靈2.1上線"),
        ("阶跃星辰发布多模态智能体", "階躍星辰發佈多模態智能體"),
        ("华为盘古与即梦开源", "華為盤古與即夢開源"),
        ("荣耀Magic8系列新机首销", "榮耀Magic8系列新機首銷"),
        ("小鹏P7+新车上市，搭载AI芯片", "小鵬P7+新車上市，搭載AI晶片"),
        ("阶跃递表港交所，元宝上线新功能", "階躍遞表港交所，元寶上線新功能"),
        ("豆包手机助手发布", "豆包手機助手發佈"),
        ("央行：数字人民币试点扩大", "央行：數字人民幣試點擴大"),
        ("红米K90发布，全新智能体验", "紅米K90發佈，全新智能體驗"),
        ("培养数字人才，建设智能体育公园", "培養數字人才，建設智能體育公園"),
        ("数字人文中心发布智能体脂秤", "數字人文中心發佈智能體脂秤"),
        ("金元宝销量阶跃式增长，扫地机器人开售", "金元寶銷量階躍式增長，掃地機器人開售"),
        ("工信部发布智能体验证规范", "工信部發佈智慧體驗證規範"),  # Taiwan's 智慧體, not 智慧體驗
        ("工信部发布智能体验收规范", "工信部發佈智慧體驗收規範"),
        ("通义万相与腾讯 Hy3 上线", "通義萬相與騰訊 Hy3 上線"),
        ("蚂蚁灵光App上线，灵光上线新功能", "螞蟻靈光App上線，靈光上線新功能"),
        ("昆仑芯与天数智芯融资", "崑崙芯與天數智芯融資"),
        ("爱芯元智、云天励飞与后摩智能上市首日涨超", "愛芯元智、雲天勵飛與後摩智能上市首日漲超"),
        ("港股上市首日跌超，首日股价跌超", "港股上市首日跌超，首日股價跌超"),
        ("港股上市首日涨超，首日开盘涨超，首日开盘跌超", "港股上市首日漲超，首日開盤漲超，首日開盤跌超"),
        ("港股上市首日股价涨超，港股上市首日股价跌超", "港股上市首日股價漲超，港股上市首日股價跌超"),
        ("港股收评：智谱盘中涨超5%，成交额放大", "港股收評：智譜盤中漲超5%，成交額放大"),
        ("币安代币币价，营收与净利润", "幣安代幣幣價，營收與淨利潤"),
        ("年化营收，年营收突破、年营收破与年营收超", "年化營收，年營收突破、年營收破與年營收超"),
        ("新机接入大模型，国补后到手价更低", "新機接入大模型，國補後到手價更低"),
        ("阿里云百炼上线云手机与虚拟手机", "阿里雲百煉上線雲手機與虛擬手機"),
        ("AI眼镜与AI PC发布", "AI眼鏡與AI PC發佈"),
        ("新增本科专业，志愿填报看分数线", "新增本科專業，志願填報看分數線"),
        ("考研报考与高考志愿，秋招薪资", "考研報考與高考志願，秋招薪資"),
        ("考研数学、考研英语与考研真题", "考研數學、考研英語與考研真題"),
        ("慢思考研究，供参考研究", "慢思考研究，供參考研究"),
        ("上传音频，分享界面，终极越狱，上海信通院", "上傳音頻，分享界面，終極越獄，上海信通院"),
        ("游戏本身与游戏本体，Colab笔记本与Jupyter笔记本", "遊戲本身與遊戲本體，Colab筆記本與Jupyter筆記本"),
        ("百万代币上下文，每100万代币，万亿代币", "百萬代幣上下文，每100萬代幣，萬億代幣"),
        ("处理代币、代币消耗、代币调用、输入代币", "處理代幣、代幣消耗、代幣調用、輸入代幣"),
        ("输出代币", "輸出代幣"),
        ("座舱大模型", "座艙大模型"),
        ("广招生态伙伴，每百万代币与每千代币", "廣招生態夥伴，每百萬代幣與每千代幣"),
        ("线性注意力与长上下文：推理时扩展的预填充", "線性注意力與長上下文：推理時擴展的預填充"),
        ("预填充注射器", "預填充注射器"),
        ("自动预填充，预填充阶段与预填充加速", "自動預填充，預填充階段與預填充加速"),
        ("生成合成气与生成合成氨", "生成合成氣與生成合成氨"),
        ("上海光机所，寒武纪化石、寒武纪时期与寒武纪生物", "上海光機所，寒武紀化石、寒武紀時期與寒武紀生物"),
        ("努比亚与红魔的笔记本、显卡和闪存", "努比亞與紅魔的筆記本、顯卡和閃存"),
        ("岚图座舱与创维电视，开源权重", "嵐圖座艙與創維電視，開源權重"),
        ("开放权重的大模型权重、基座权重与权重文件", "開放權重的大模型權重、基座權重與權重文件"),
        ("模型权重开源", "模型權重開源"),
        ("国家广播电视总局与广电总局的电视剧", "國家廣播電視總局與廣電總局的電視劇"),
    ],
)
def test_a_headline_in_traditional_characters_scores_as_in_simplified(
    default_filter: RelevanceFilter, simplified: str, traditional: str
) -> None:
    # Given a headline as Taiwan's and Hong Kong's outlets write it (訊飛星火, 零一萬物 scored 0)
    # Then it scores as the same headline in simplified characters, on topic or off
    assert default_filter.score(traditional, "") == default_filter.score(simplified, ""), (
        default_filter.explain(traditional, "")
    )
