"""Cross-source duplicates: one story from several outlets is one cluster; different stories never.

The headlines here are invented for the tests (not real news).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest

from ai_news_tracker import dedupe
from ai_news_tracker.dedupe import (
    DEFAULT_THRESHOLD,
    Cluster,
    Fingerprint,
    clean_text,
    clean_title,
    cluster,
    conflict,
    reported_before,
    same_story,
    similarity,
    units,
    versions,
)
from ai_news_tracker.edition import newest_first
from ai_news_tracker.models import Item

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def item(
    id_: str, source: str, title: str, text: str = "", *, minutes: int = 0, published: bool = True
) -> Item:
    at = T0 + timedelta(minutes=minutes)
    return Item(
        id=id_, identity=f"url:https://example.com/{id_}", source=source, title=title, text=text,
        url=f"https://example.com/{id_}", published_at=at if published else None, first_seen=at,
    )  # fmt: skip


# One story told by three outlets in their own styles.
KR = item(
    "kr",
    "36Kr",
    "DeepSeek发布V4模型，API价格下调五成",
    "36氪获悉，深度求索（DeepSeek）今日正式发布新一代基座模型DeepSeek-V4并开源权重，代码与数学推理较V3.2"
    "显著提升，API输入价格下调50%，每百万token降至1元。这是深度求索今年发布的第二个主力模型。",
    minutes=30,
)
XZY = item(
    "xzy",
    "新智元",
    "刚刚，DeepSeek V4深夜炸场！API直接打五折，开源权重全放出",
    "新智元报道 编辑：桃桃【新智元导读】DeepSeek又来了！深度求索正式发布DeepSeek-V4并开源全部权重，"
    "代码和数学推理全面超越V3.2，API价格砍半，每百万token仅需1元。",
    minutes=10,
)
JQZX = item(
    "jqzx",
    "机器之心",
    "DeepSeek-V4发布：开源权重，API降价50%",
    "机器之心报道 编辑：杜伟 深度求索发布DeepSeek-V4，开源模型权重，"
    "代码、数学推理能力超过V3.2，API每百万token降至1元。",
    minutes=20,
)
# Another story about the same company on the same day.
INTERVIEW = item(
    "interview",
    "新智元",
    "梁文锋罕见受访：DeepSeek不急于融资，只做AGI",
    "新智元报道 编辑：艾伦【新智元导读】DeepSeek创始人梁文锋接受媒体专访，"
    "谈到公司暂无融资计划，将继续专注基础研究和AGI。",
    minutes=40,
)


def ids(clusters: list[Cluster]) -> list[tuple[str, ...]]:
    return [tuple(i.id for i in c.items) for c in clusters]


def test_the_same_story_from_two_outlets_is_one_cluster_listing_both_sources() -> None:
    # Given 36Kr's and 新智元's accounts of one release: different URLs, differently worded titles
    # When they are clustered
    clusters = cluster([KR, XZY])
    # Then they are one story with both sources, the fuller text first
    assert ids(clusters) == [("kr", "xzy")]
    assert clusters[0].sources == ("36Kr", "新智元")


def test_three_outlets_make_one_cluster() -> None:
    clusters = cluster([JQZX, KR, XZY])

    assert len(clusters) == 1
    assert set(clusters[0].sources) == {"36Kr", "新智元", "机器之心"}


def test_two_different_stories_about_the_same_company_stay_apart() -> None:
    # The release and an interview of the founder both name DeepSeek, and come the same day.
    clusters = cluster([KR, INTERVIEW])

    assert len(clusters) == 2
    assert not same_story(KR, INTERVIEW)


def test_the_same_funding_template_for_two_companies_stays_apart() -> None:
    a = item(
        "a",
        "36Kr",
        "智元机器人完成10亿元B轮融资",
        "36氪获悉，人形机器人公司智元机器人近日完成10亿元B轮融资，本轮由红杉中国领投。",
    )
    b = item(
        "b",
        "机器之心",
        "星海图完成10亿元B轮融资",
        "具身智能公司星海图宣布完成10亿元B轮融资，由高瓴资本领投，资金用于具身大模型研发。",
    )
    assert conflict(Fingerprint.of(a.title, a.text), Fingerprint.of(b.title, b.text)) == "evidence"
    assert not same_story(a, b, threshold=0.0)  # whatever the threshold


def test_different_versions_of_one_model_family_stay_apart_whatever_the_threshold() -> None:
    v31 = item("v31", "36Kr", "DeepSeek发布V3.1，采用混合推理架构", "36氪获悉，DeepSeek发布DeepSeek-V3.1。")
    v32 = item("v32", "新智元", "DeepSeek V3.2来了！稀疏注意力上线", "新智元报道 DeepSeek发布V3.2。")

    assert conflict(Fingerprint.of(v31.title, v31.text), Fingerprint.of(v32.title, v32.text)) == "versions"
    assert not same_story(v31, v32, threshold=0.0)


def test_an_item_matching_two_releases_joins_one_and_never_makes_them_one_story() -> None:
    # Given V3.1 and V3.2 of one family, and an item naming no version that matches each of them
    v31 = item(
        "v31",
        "36Kr",
        "DeepSeek发布V3.1，采用混合推理架构",
        "36氪获悉，DeepSeek今日发布DeepSeek-V3.1，采用混合推理架构，思考模式与非思考模式合一，"
        "上下文长度128K，杭州深度求索公司称其智能体能力明显增强。",
    )
    bridge = item(
        "br",
        "机器之心",
        "深度求索发布新版本，混合推理架构与稀疏注意力",
        "机器之心报道 深度求索公司今日发布DeepSeek新版本，采用混合推理架构，上下文长度128K，"
        "并引入DeepSeek稀疏注意力，杭州深度求索公司称其智能体能力明显增强。",
        minutes=5,
    )
    v32 = item(
        "v32",
        "新智元",
        "DeepSeek V3.2来了！稀疏注意力上线",
        "新智元报道 深度求索公司发布DeepSeek-V3.2，引入DeepSeek稀疏注意力，"
        "杭州深度求索公司称其智能体能力明显增强，上下文长度128K。",
        minutes=10,
    )
    assert same_story(v31, bridge) and same_story(bridge, v32) and not same_story(v31, v32)
    # When the three are clustered
    clusters = cluster([v31, bridge, v32])
    # Then the chain does not carry V3.1 and V3.2 into one story: the bridge joins one of them, and the
    # other release is still its own story in the edition
    assert sorted(sorted(i.id for i in c.items) for c in clusters) == [["br", "v32"], ["v31"]]


def test_different_products_of_one_family_stay_apart() -> None:
    sonnet = item("s", "36Kr", "Anthropic发布Claude Sonnet 4.5", "36氪获悉，Anthropic发布Claude Sonnet 4.5。")
    opus = item("o", "新智元", "Claude Opus 4.5杀疯了！", "新智元报道 Anthropic发布Claude Opus 4.5。")

    assert (
        conflict(Fingerprint.of(sonnet.title, sonnet.text), Fingerprint.of(opus.title, opus.text)) == "names"
    )
    assert not same_story(sonnet, opus, threshold=0.0)


def test_two_items_of_one_source_are_never_merged() -> None:
    # Even word for word the same and at threshold 0: identity handles one URL, not this module.
    twin = item("kr2", "36Kr", KR.title, KR.text)

    assert len(cluster([KR, twin], threshold=0.0)) == 2


def test_a_third_item_cannot_join_two_items_of_one_source() -> None:
    # Given two 36Kr items that both match one 新智元 item
    twin = item("kr2", "36Kr", KR.title + "（更新）", KR.text)
    # When clustered
    clusters = cluster([KR, twin, XZY])
    # Then 新智元 joins one of them only
    assert sorted(len(c.items) for c in clusters) == [1, 2]
    assert all(len(set(c.sources)) == len(c.items) for c in clusters)


def test_the_primary_item_has_the_longest_text_and_the_time_is_the_earliest() -> None:
    # KR has the longest text; XZY was published first (minute 10).
    (story,) = cluster([XZY, JQZX, KR])

    assert story.primary.id == "kr"
    assert story.published_at == XZY.published_at
    merged = story.merged()
    assert (merged.id, merged.title, merged.url, merged.text) == (KR.id, KR.title, KR.url, KR.text)
    assert merged.shown_at == T0 + timedelta(minutes=10)
    # The sources: the primary's first, then by earliest publication
    assert story.sources == ("36Kr", "新智元", "机器之心")


def test_the_sources_after_the_primary_are_listed_by_time_not_by_name() -> None:
    # Given 机器之心 told the story before 新智元 (by name, 新 U+65B0 sorts before 机 U+673A)
    earlier = T0 + timedelta(minutes=5)
    jqzx = replace(JQZX, published_at=earlier, first_seen=earlier)
    # When it is clustered
    (story,) = cluster([KR, XZY, jqzx])
    # Then 来源 lists the primary, then 机器之心, the earlier, then 新智元
    assert story.sources == ("36Kr", "机器之心", "新智元")
    assert story.merged().shown_at == earlier


def test_the_earliest_time_ignores_members_without_a_publication_date() -> None:
    undated = item("kr", "36Kr", KR.title, KR.text, minutes=1, published=False)

    (story,) = cluster([undated, XZY])

    assert story.primary.id == "kr"
    assert story.merged().published_at == XZY.published_at


def test_clusters_come_newest_first_by_the_time_they_show() -> None:
    other = item("other", "36Kr", "月之暗面完成新一轮融资", "36氪获悉，月之暗面完成新一轮融资。", minutes=15)

    clusters = cluster([other, KR, XZY, INTERVIEW])

    merged = [c.merged() for c in clusters]
    assert merged == newest_first(merged)
    assert [m.id for m in merged] == ["interview", "other", "kr"]  # kr's story shows minute 10


def test_the_output_does_not_depend_on_the_input_order() -> None:
    other = item("other", "36Kr", "月之暗面完成新一轮融资", "36氪获悉，月之暗面完成新一轮融资。", minutes=15)
    twin = item("kr2", "36Kr", KR.title, KR.text, minutes=30)
    items = [KR, XZY, JQZX, INTERVIEW, other, twin]
    expected = cluster(items)

    orders = list(permutations(items))  # 720 orders; every 36th of them
    for order in orders[::36]:
        assert cluster(order) == expected


def test_repeated_items_are_taken_once() -> None:
    assert ids(cluster([KR, KR, XZY, XZY])) == [("kr", "xzy")]


# -- stories published before (an earlier edition's) ----------------------------------------------
def test_another_outlets_later_report_of_a_published_story_is_reported_before() -> None:
    # Given 36Kr's account of the release, published in yesterday's edition
    # When today's items are 新智元's late account of it and an interview about the same company
    found = reported_before([XZY, INTERVIEW], [KR])
    # Then the late account is that story, and the interview is news
    assert found == {"xzy": KR}


def test_the_same_outlets_later_article_is_a_follow_up_not_a_repeat() -> None:
    # Given 36Kr's account published yesterday, and a 36Kr article today that reads like 新智元's
    follow_up = replace(XZY, id="kr2", source="36Kr")
    # Then it is news: one outlet does not tell a story twice (the rule of cluster)
    assert reported_before([follow_up], [KR]) == {}


def test_an_outlets_later_article_is_a_follow_up_when_it_was_not_the_published_storys_primary() -> None:
    # Given yesterday's story told by 36Kr and 新智元, shown with 36Kr's text (the fuller one)
    (story,) = cluster([KR, XZY])
    published = story.merged()
    assert published.source == "36Kr" and published.also_in == ("新智元",)
    # When 新智元 writes about it again today
    follow_up = replace(XZY, id="xzy2", identity="url:xzy2")
    # Then it is news, as when 新智元 had been the primary: one outlet does not tell a story twice
    assert reported_before([follow_up], [published]) == {}
    # And a repeat when 36Kr alone had told it
    assert set(reported_before([follow_up], [replace(published, also_in=(), also_urls=())])) == {"xzy2"}


def test_titles_alone_never_make_a_repeat() -> None:
    # Given Kimi K2's release published yesterday by its title alone (a feed without descriptions)
    launch = item("k2", "36Kr", "月之暗面发布Kimi K2")
    # When another outlet's title today names the same model: a later step of it, its text empty too
    open_weights = item("k2-open", "机器之心", "Kimi K2开源", minutes=24 * 60)
    # Then it is news, though the titles alone score as one story (the model's name decides them)
    fa, fb = Fingerprint.of(launch.title, ""), Fingerprint.of(open_weights.title, "")
    assert similarity(fa, fb) > DEFAULT_THRESHOLD and conflict(fa, fb) is None
    assert reported_before([open_weights], [launch]) == {}
    # And a repeat needs a lead on both sides: 新智元's late account is no repeat of a story published
    # without its text (listed under 更多资讯), nor is an account without one of a story told in full
    assert reported_before([replace(XZY, text="新智元报道 编辑：桃子【新智元导读】")], [KR]) == {}
    assert set(reported_before([XZY], [KR])) == {"xzy"}


def test_a_story_published_without_its_text_is_repeated_by_no_account_of_it() -> None:
    # Given a story shown yesterday by its title alone (机器之心's feed gives no descriptions)
    shown = item("k2", "机器之心", "月之暗面发布Kimi K2，开源万亿参数模型")
    # When another outlet today tells of the model's open weights, with a lead of its own
    today = item(
        "k2b", "36Kr", "Kimi K2开源万亿参数模型",
        "36氪获悉，月之暗面发布Kimi K2并开源，总参数1万亿，激活参数320亿。", minutes=1440,
    )  # fmt: skip
    # Then it is news, though the two read alike: a title alone says too little to hide a story
    assert similarity(Fingerprint.of(today.title, today.text), Fingerprint.of(shown.title, "")) > 0.5
    assert reported_before([today], [shown]) == {}


def test_a_column_of_another_outlet_under_the_same_name_is_no_repeat() -> None:
    # Given 量子位's column "AI日报" published yesterday, its stock opening and that day's news
    opening = "今天的AI圈发生了这些事："
    yesterday = item(
        "qbit",
        "量子位",
        "AI日报",
        opening + "智谱发布GLM-5，性能对标国际顶尖模型；月之暗面Kimi上线深度研究功能。",
    )
    # When another outlet's column of the same name brings today's news after the same opening
    today = item(
        "aitech",
        "AI科技评论",
        "AI日报",
        opening + "字节跳动豆包大模型降价；百度文心一言推出新版本。",
        minutes=1440,
    )
    # Then it is news: a name that says nothing of the story is a column's, not a story told again
    assert reported_before([today], [yesterday]) == {}
    # And the same column reprinted is still a repeat
    assert set(reported_before([replace(today, text=yesterday.text)], [yesterday])) == {"aitech"}


@pytest.mark.parametrize(
    ("yesterday_title", "today_title"),
    [("每日AI早报", "每日AI早报"), ("一周AI大事", "一周AI大事"), ("AI日报（第120期）", "AI日报（第121期）")],
)
def test_a_column_named_by_several_words_or_numbered_is_no_repeat(
    yesterday_title: str, today_title: str
) -> None:
    # Given another outlet's column published yesterday, its title naming no story
    yesterday = item(
        "a", "量子位", yesterday_title, "智谱发布GLM-5，性能对标国际顶尖模型；月之暗面Kimi上线深度研究功能。"
    )
    # When today's issue of a column of that name brings other news
    today = item("b", "新智元", today_title, "字节跳动豆包大模型降价；百度文心一言推出新版本。", minutes=1440)
    # Then it is news, whatever the name's words; the same issue reprinted is a repeat
    assert reported_before([today], [yesterday]) == {}
    assert set(reported_before([replace(today, text=yesterday.text)], [yesterday])) == {"b"}


@pytest.mark.parametrize(
    "description",
    ["Kimi K2开源，权重上线Hugging Face", "点击阅读原文", "阅读全文", "全文约2000字", "Read more"],
)
def test_a_description_that_says_nothing_past_the_title_is_no_lead(description: str) -> None:
    # Given Kimi K2's release published yesterday with its lead
    launch = item(
        "k2", "36Kr", "月之暗面发布Kimi K2", "36氪获悉，月之暗面今日发布新一代模型Kimi K2，支持长上下文。"
    )
    # When another outlet's feed gives its open weights today a description that is the title or a
    # stock line (bridges and RSSHub routes publish such descriptions)
    open_weights = item("k2-open", "新智元", "Kimi K2开源，权重上线Hugging Face", description, minutes=1440)
    # Then it is news: titles alone never make a repeat
    assert not Fingerprint.of(open_weights.title, open_weights.text).has_lead
    assert reported_before([open_weights], [launch]) == {}


def test_another_release_of_a_published_model_is_news() -> None:
    # Given V3.1 published yesterday; today another outlet's V3.2 release, whatever the threshold
    v31 = item(
        "v31", "36Kr", "DeepSeek发布V3.1，采用混合推理架构",
        "36氪获悉，DeepSeek今日正式发布DeepSeek-V3.1，API价格每百万输入Token 0.5元，并同步开源模型权重。",
    )  # fmt: skip
    v32 = item(
        "v32", "新智元", "DeepSeek V3.2来了！稀疏注意力上线",
        "新智元报道 编辑：桃子【新智元导读】DeepSeek今日正式发布DeepSeek-V3.2，API价格每百万输入Token 0.2元，"
        "并同步开源模型权重。",
        minutes=1440,
    )  # fmt: skip
    # Then it is no repeat, though the two launches read alike: the versions guard holds across days too
    fa, fb = Fingerprint.of(v32.title, v32.text), Fingerprint.of(v31.title, v31.text)
    assert fa.has_lead and fb.has_lead and similarity(fa, fb) > DEFAULT_THRESHOLD
    assert reported_before([v32], [v31]) == {}


def test_a_story_published_twice_before_is_the_one_it_reads_most_like() -> None:
    # Given the release in two earlier editions, by 36Kr and by 机器之心
    scores = {
        earlier.id: similarity(
            Fingerprint.of(XZY.title, XZY.text), Fingerprint.of(earlier.title, earlier.text)
        )
        for earlier in (KR, JQZX)
    }
    # When 新智元's account comes today
    (found,) = reported_before([XZY], [KR, JQZX]).values()
    # Then it names the story it is closest to
    assert found.id == max(scores, key=scores.__getitem__)


def test_nothing_is_reported_before_without_earlier_stories_or_with_merging_off() -> None:
    assert reported_before([XZY], []) == {}
    assert reported_before([], [KR]) == {}
    assert reported_before([XZY], [KR], threshold=1.01) == {}


def test_threshold_boundaries() -> None:
    score = similarity(Fingerprint.of(KR.title, KR.text), Fingerprint.of(XZY.title, XZY.text))
    assert DEFAULT_THRESHOLD < score < 1

    assert same_story(KR, XZY, threshold=score)  # the threshold is reached: one story
    assert not same_story(KR, XZY, threshold=score + 1e-9)
    assert not same_story(KR, XZY, threshold=1.01)
    assert len(cluster([KR, XZY, JQZX, INTERVIEW], threshold=1.01)) == 4


def test_nothing_to_cluster() -> None:
    assert cluster([]) == []
    empty = item("e1", "36Kr", "", "")
    other = item("e2", "新智元", "", "")
    assert len(cluster([empty, other], threshold=0.0)) == 2


def test_large_batches_index_the_rarest_features_and_agree_with_the_exact_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = item("other", "36Kr", "月之暗面完成新一轮融资", "36氪获悉，月之暗面完成新一轮融资。", minutes=15)
    items = [KR, XZY, JQZX, INTERVIEW, other]
    exact = cluster(items)

    monkeypatch.setattr(dedupe, "EXACT_UP_TO", 0)
    assert cluster(items) == exact


# -- repetitive text: the number of comparisons stays linear ----------------------------------------
# Every item of a feed opening and closing with the same two sentences (a reposting notice, a "follow
# us" line): their features are in every document, so before stop features every pair of two sources
# was a candidate (boilerplate_batch(300): 37,498 similarity calls; (2000): 1.7 million, 28 s, 590 MB,
# and 334 wrong merges, the boilerplate outweighing the rest of such short texts).
BOILERPLATE = (
    "本文由星河资讯整理发布，转载请联系授权，文中观点不代表平台立场。"
    "点击关注星河资讯，每天为你送上最新的行业动态与深度解读。"
)
SIX_SOURCES = ("36Kr", "机器之心", "新智元", "量子位", "智东西", "InfoQ")


def boilerplate_batch(n: int, retold: int) -> tuple[list[Item], set[tuple[str, str]]]:
    """``n`` items whose texts all wrap a short fact in BOILERPLATE; titles and facts are random CJK.

    The last ``retold`` items retell an earlier story from another source (a title tag added, the
    fact's ending reworded): the true duplicate pairs, returned beside the items. The facts are short,
    so beyond EXACT_UP_TO items each item's rarest features would run out before its 40th and take in
    boilerplate too.
    """
    rng = random.Random(n)  # noqa: S311 - reproducible made-up text, not a secret
    cjk = [chr(c) for c in range(0x4E00, 0x9FA6)]

    def word(k: int) -> str:
        return "".join(rng.choices(cjk, k=k))

    def news(k: int, source: str, title: str, fact: str) -> Item:
        return item(f"b{k:05d}", source, title, f"{BOILERPLATE}{fact}。{BOILERPLATE}", minutes=-k)

    stories = [(word(4) + "发布" + word(6), word(20)) for _ in range(n - retold)]
    items = [news(k, SIX_SOURCES[k % 6], title, fact) for k, (title, fact) in enumerate(stories)]
    pairs = set()
    for r in range(retold):
        k = r * (len(stories) // retold)
        title, fact = stories[k]
        items.append(
            news(len(stories) + r, SIX_SOURCES[(k + 1) % 6], "重磅：" + title, fact[:-3] + "据悉如此")
        )
        pairs.add((f"b{k:05d}", f"b{len(stories) + r:05d}"))
    return items, pairs


def counted_similarity(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the calls of :func:`dedupe.similarity` (a one-element list, updated in place)."""
    calls = [0]
    real = dedupe.similarity

    def counting(a: Fingerprint, b: Fingerprint) -> float:
        calls[0] += 1
        return real(a, b)

    monkeypatch.setattr(dedupe, "similarity", counting)
    return calls


# 300 items: every feature indexed (EXACT_UP_TO); 2,000: each item's rarest features
@pytest.mark.parametrize("n", [300, 2000], ids=["exact-index", "rarest-features-index"])
def test_items_sharing_boilerplate_cluster_by_their_own_text_in_linearly_many_comparisons(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given n items that all share the same boilerplate sentences, n/20 of them retelling another
    items, retold = boilerplate_batch(n, n // 20)
    calls = counted_similarity(monkeypatch)
    # When they are clustered
    clusters = cluster(items)
    # Then exactly the retold stories are merged, each with its original
    assert {tuple(sorted(i.id for i in c.items)) for c in clusters if len(c.items) > 1} == retold
    assert len(clusters) == n - len(retold)
    # And the boilerplate proposed no pair: a handful of comparisons, not one per pair of items
    assert calls[0] <= n, calls[0]


def test_stop_features_are_what_bounds_the_comparisons(monkeypatch: pytest.MonkeyPatch) -> None:
    items, retold = boilerplate_batch(300, 15)
    calls = counted_similarity(monkeypatch)
    cluster(items)
    with_stop_features = calls[0]

    calls[0] = 0
    monkeypatch.setattr(dedupe, "STOP_FEATURE_ITEMS", len(items))  # no feature is too common
    cluster(items)

    # Every pair of two sources is compared: 300 * 299 / 2 pairs, five in six of them of two sources
    assert calls[0] > 30_000
    assert with_stop_features == len(retold)


# -- normalisation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("36氪获悉，阿里发布新模型。", "阿里发布新模型。"),
        ("硬氪获悉，某公司完成融资。", "某公司完成融资。"),
        ("新智元报道 编辑：好困 桃子【新智元导读】智谱发布GLM-5。", "智谱发布glm-5。"),
        ("编辑 | 泽南、杜伟 这是个神奇的合作。", "这是个神奇的合作。"),
        ("作者 | 论文团队 编辑丨ScienceAI 当前，大模型", "当前,大模型"),
        ("梦晨 发自 凹非寺 量子位 | 公众号 QbitAI 华为发布声明", "华为发布声明"),
        ("机器之心报道 编辑：杜伟 阿里开源Qwen3.5", "阿里开源qwen3.5"),
        ("文｜周鑫雨 编译｜苏建勋 阿里开源Qwen3.5", "阿里开源qwen3.5"),  # the editions' labels
    ],
)
def test_outlet_boilerplate_is_removed_from_the_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("灵心巧手完成数亿元融资 | 早期项目", "灵心巧手完成数亿元融资"),
        ("MiniMax通过港交所上市聆讯丨最前线", "minimax通过港交所上市聆讯"),
        ("36氪首发｜灵心巧手完成数亿元融资", "灵心巧手完成数亿元融资"),
        ("刚刚，DeepSeek V4深夜炸场！", "deepseek v4深夜炸场!"),
        (
            "CVPR 2026 Oral｜告别模型合并冲突！南大等提出OrthoReg",
            "cvpr 2026 oral|告别模型合并冲突!南大等提出orthoreg",
        ),
    ],
)
def test_column_tags_are_removed_from_the_title(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


def test_units_ignore_punctuation_spaces_and_width() -> None:
    assert units(clean_title("DeepSeek-V4发布")) == ["deepseek", "v", "4", "发", "布"]
    assert units(clean_title("ＤｅｅｐＳｅｅｋ V4 发布")) == units(clean_title("DeepSeek-V4发布"))
    assert units(clean_title("Qwen3.5开源")) == ["qwen", "3.5", "开", "源"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("DeepSeek-V3.2来了", {"3.2"}),
        ("阿里开源Qwen3.5", {"3.5"}),
        ("GPT-5.2深夜突袭", {"5.2"}),
        ("阶跃星辰Step 3发布", {"3"}),
        ("腾讯混元3D 3.0开源", {"3"}),
        ("文心4.5开源", {"4.5"}),
        ("小米开源MiMo-V2-Flash，309B总参数", {"2", "309"}),
        ("寒武纪营收28.8亿元，同比增长40倍", set()),
        ("SWE-bench得分80.9%", set()),
        ("WAIC在上海开幕", set()),
        ("2026世界人工智能大会开幕", set()),
    ],
)
def test_versions_named_in_a_title(title: str, expected: set[str]) -> None:
    assert versions(clean_title(title)) == expected


def test_round_numbers_and_template_words_are_weak_evidence() -> None:
    # "10亿元", "B轮融资" and "完成" are generic; only the companies are distinctive.
    fp = Fingerprint.of("智元机器人完成10亿元B轮融资", "")
    assert "智\x1f元" in fp.title.distinct
    assert not {"1\x1f0", "10\x1f亿", "融\x1f资", "完\x1f成"} & fp.title.distinct
    # An exact figure is evidence.
    assert "28.81" in Fingerprint.of("寒武纪营收28.81亿元", "").title.distinct


def test_one_launch_whose_reports_name_two_subscription_tiers_is_one_story() -> None:
    # Given two outlets' reports of one launch (ChatGPT Atlas), each saying which paying users get its
    # agent mode first: one the Plus users, the other the Pro users (plans, not variants of a model)
    plus = item(
        "plus", "36Kr", "OpenAI推出ChatGPT Atlas浏览器，Plus用户可用智能体模式",
        "36氪获悉，OpenAI今日发布AI浏览器ChatGPT Atlas，首先登陆macOS，智能体模式向付费用户开放预览。",
    )  # fmt: skip
    pro = item(
        "pro", "IT之家", "OpenAI发布AI浏览器ChatGPT Atlas，Pro用户率先体验智能体模式",
        "OpenAI今日正式发布AI浏览器ChatGPT Atlas，首发macOS版本，智能体模式面向付费用户提供预览。",
    )  # fmt: skip
    # Then they are one story (similarity 0.58, far over the threshold)
    assert same_story(plus, pro)


def test_one_launch_headed_by_two_of_its_variants_is_one_story() -> None:
    # Given two outlets' reports of one release (Kimi K2 Thinking, its Turbo API the same day): one
    # names the model in Latin, the other as 思考模型 and heads its Turbo API
    kr = item(
        "kr", "36Kr", "月之暗面开源Kimi K2 Thinking，可连续执行300轮工具调用",
        "36氪获悉，月之暗面今日发布并开源思考模型Kimi K2 Thinking，可在无人干预下连续执行200至300轮工具调用，"
        "在HLE上取得44.9%。",
    )  # fmt: skip
    ith = item(
        "ith", "IT之家", "月之暗面Kimi K2思考模型开源，Turbo版API同步上线",
        "月之暗面今日开源Kimi K2思考模型，可连续执行200至300轮工具调用，HLE得分44.9%，"
        "高速版API同步上线开放平台。",
    )  # fmt: skip
    # Then they are one story (the same figures, the same day's release): not two because one title
    # says Thinking and the other Turbo
    assert same_story(kr, ith)


def test_a_launch_three_outlets_tell_is_one_cluster_when_one_names_both_variants_the_others_head() -> None:
    # Given one launch (豆包大模型1.6) told by three outlets: one heads its thinking version, one its
    # flash version, and the third names both
    thinking = item("t", "机器之心", "豆包大模型1.6发布，thinking版编程能力大幅提升")
    both = item(
        "b", "36Kr", "火山引擎发布豆包大模型1.6系列，含thinking与flash版本",
        "36氪获悉，火山引擎今日发布豆包大模型1.6系列，包括thinking与flash版本，编程能力大幅提升，首字延迟低至10毫秒。",
    )  # fmt: skip
    flash = item("f", "量子位", "豆包大模型1.6发布！flash版首字延迟低至10毫秒")
    # Then it is one cluster of three sources (a guard of variants, applied between every two members,
    # split it in two: the launch listed twice)
    assert [len(c.items) for c in cluster([thinking, both, flash])] == [3]
