"""Leaderboard parsing, ranking and the domestic-model rule, over small inline files."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ai_news_tracker.errors import FAILURE_CHARS, InvalidLeaderboard, NotPublishedYet
from ai_news_tracker.leaderboard import (
    DOMESTIC_DEVELOPERS,
    DOMESTIC_ORGS,
    KEPT_RANKINGS,
    Snapshot,
    build_leaderboard,
    commit_time,
    content_fingerprint,
    display_score,
    domestic_developer,
    github_commits_url,
    is_stale,
    kept_rankings,
    kept_with,
    last_modified,
    latest_day,
    parse_snapshot,
    rank_models,
    ranking_fingerprint,
    shown_at,
    snapshot_age_days,
    style_control,
)
from ai_news_tracker.models import Leaderboard, RankedModel

# --- lmarena-history -------------------------------------------------------------------------------


def test_history_newest_snapshot_is_the_largest_key_not_the_last() -> None:
    data = {
        "20250101": {"text": {"overall": {"old-model": 1200.0}}},
        "20250522": {"text": {"overall": {"new-model": 1300.0}}, "vision": {"overall": {"v": 1.0}}},
        "20240629": {"text": {"overall": {"older-model": 1100.0}}},
    }
    snapshot = parse_snapshot("lmarena-history", data, "overall")
    assert snapshot == Snapshot(scores={"new-model": 1300.0}, snapshot_date=date(2025, 5, 22))


def test_history_snapshots_dated_after_the_latest_day_are_not_data_yet() -> None:
    # Given a file whose newest key is a day no place on Earth has reached at the fetch
    data = {
        "20250522": {"text": {"overall": {"real-model": 1300.0}}},
        "20271231": {"text": {"overall": {"made-up": 1999.0}}},
    }
    # When it is read on 2026-11-20, Then the real snapshot is the one shown, with its own (old) date
    snapshot = parse_snapshot("lmarena-history", data, "overall", latest=date(2026, 11, 20))
    assert snapshot == Snapshot(
        scores={"real-model": 1300.0}, snapshot_date=date(2025, 5, 22), held_back=True
    )
    # And a file of future snapshots alone is a named failure, not a board
    with pytest.raises(
        NotPublishedYet, match=r"no snapshot dated by 2026-11-20 \(its latest is dated 2027-12-31\)"
    ):
        parse_snapshot(
            "lmarena-history", {"20271231": data["20271231"]}, "overall", latest=date(2026, 11, 20)
        )


@pytest.mark.parametrize(
    ("now", "latest"),
    [
        (datetime(2026, 11, 20, 9, 59, tzinfo=UTC), date(2026, 11, 20)),  # 23:59 at UTC+14
        (datetime(2026, 11, 20, 10, 0, tzinfo=UTC), date(2026, 11, 21)),  # midnight at UTC+14
    ],
)
def test_the_latest_day_is_the_date_where_the_day_is_furthest_ahead(now: datetime, latest: date) -> None:
    assert latest_day(now) == latest
    # whatever zone the clock is given in (the command's is the report's)
    assert latest_day(now.astimezone(ZoneInfo("Asia/Shanghai"))) == latest


def test_a_snapshot_dated_on_the_latest_day_is_current() -> None:
    data = {"20261119": {"text": {"overall": {"a": 1.0}}}, "20261120": {"text": {"overall": {"b": 2.0}}}}
    snapshot = parse_snapshot("lmarena-history", data, "overall", latest=date(2026, 11, 20))
    assert (snapshot.snapshot_date, snapshot.held_back) == (date(2026, 11, 20), False)


def test_history_ignores_keys_that_are_not_8_digit_dates() -> None:
    data = {
        "20250101": {"text": {"overall": {"a": 1.0}}},
        "latest": {"text": {"overall": {"b": 2.0}}},
        "2025-06-01": {"text": {"overall": {"c": 3.0}}},
        "202506011": {"text": {"overall": {"d": 4.0}}},
        "20251399": {"text": {"overall": {"e": 5.0}}},  # eight digits, no such day
        "２０２５０７０１": {"text": {"overall": {"f": 6.0}}},  # full-width digits
    }
    snapshot = parse_snapshot("lmarena-history", data, "overall")
    assert snapshot.snapshot_date == date(2025, 1, 1)
    assert snapshot.scores == {"a": 1.0}


def test_history_reads_the_requested_text_category() -> None:
    data = {"20250522": {"text": {"overall": {"a": 1.0}, "chinese": {"b": 2.0, "c": 3}}}}
    snapshot = parse_snapshot("lmarena-history", data, "chinese")
    assert snapshot.scores == {"b": 2.0, "c": 3.0}
    assert all(type(v) is float for v in snapshot.scores.values())


def test_history_with_entries_without_a_numeric_score_fails_naming_them() -> None:
    # Given a category in which some entries have no usable score (any of them might be the leader)
    table = {"a": 1300.5, "b": "1400", "c": None, "d": True, "e": [1], "f": {"rating": 1.0}, "": 5.0}
    # Then the snapshot fails, saying how many and which, rather than ranking the rest as fact
    with pytest.raises(InvalidLeaderboard) as info:
        parse_snapshot("lmarena-history", {"20250522": {"text": {"overall": table}}}, "overall")
    assert str(info.value) == (
        "leaderboard snapshot 20250522 category 'overall' has 6 of 7 entries without a model name or a"
        " numeric score (first: 'b': '1400')"
    )


# --- arena-catalog ---------------------------------------------------------------------------------


def _entry(rating: Any) -> dict[str, Any]:
    return {"rating": rating, "rating_q975": 0.0, "rating_q025": 0.0}


def test_catalog_reads_the_rating_and_has_no_date() -> None:
    data = {
        "chinese": {"x": _entry(1500.0)},
        "full": {"gemini-3-pro": _entry(1486.6), "glm-4.6": _entry(1441.2)},
        "odd": {"x": {"score": 1.0}},  # another category's shape is not this one's concern
    }
    snapshot = parse_snapshot("arena-catalog", data, "full")
    assert snapshot == Snapshot(scores={"gemini-3-pro": 1486.6, "glm-4.6": 1441.2}, snapshot_date=None)


@pytest.mark.parametrize(
    "table",
    [
        # a partly migrated file: the leader's rating renamed, or written as a string
        {"gemini": {"score": 1500}, "qwen3-max": _entry(1400), "gpt": _entry(1300)},
        {"gemini": _entry("1500.1"), "qwen3-max": _entry(1400)},
        # one odd entry among many still fails: it may be the leader
        {"gemini": _entry(None)} | {f"m{i}": _entry(1000.0 + i) for i in range(50)},
        {"gemini": _entry(False), "qwen3-max": _entry(1400)},
        {"gemini": 1500.0, "qwen3-max": _entry(1400)},
    ],
)
def test_catalog_never_ranks_the_rest_when_an_entry_has_no_numeric_rating(table: dict[str, Any]) -> None:
    with pytest.raises(InvalidLeaderboard, match=r"category 'full' has 1 of \d+ entries without") as info:
        parse_snapshot("arena-catalog", {"full": table}, "full")
    assert "(first: 'gemini': " in str(info.value) and info.value.status == "malformed"


# --- which ranking ---------------------------------------------------------------------------------

CATALOG_DATA = "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data"


@pytest.mark.parametrize(
    ("provider", "url", "category", "controlled"),
    [
        # lmarena-history holds both: a category and its _style_control twin
        ("lmarena-history", "https://example.com/scores.json", "overall", False),
        ("lmarena-history", "https://example.com/scores.json", "overall_style_control", True),
        # arena-catalog publishes them as two files
        ("arena-catalog", f"{CATALOG_DATA}/leaderboard-text.json", "full", False),
        ("arena-catalog", f"{CATALOG_DATA}/leaderboard-text-style-control.json", "full", True),
        ("arena-catalog", f"{CATALOG_DATA}/leaderboard-text-style-control.json?x=1", "chinese", True),
        # a file of another name says nothing
        ("arena-catalog", "http://127.0.0.1:8000/board", "full", None),
        ("arena-catalog", "https://mirror.example/catalog.json", "full", None),
    ],
)
def test_style_control_is_what_the_source_says(
    provider: str, url: str, category: str, controlled: bool | None
) -> None:
    assert style_control(provider, url, category) is controlled


# --- invalid files ---------------------------------------------------------------------------------

_GOOD = {"m": 1.0}


@pytest.mark.parametrize(
    ("provider", "data", "category", "message"),
    [
        ("lmarena-history", [], "overall", "leaderboard is a list, expected an object"),
        ("lmarena-history", None, "overall", "leaderboard is null"),
        ("lmarena-history", {}, "overall", "no dated snapshot"),
        ("lmarena-history", {"latest": {"text": {"overall": _GOOD}}}, "overall", "no dated snapshot"),
        ("lmarena-history", {"20250522": []}, "overall", "snapshot 20250522 is a list"),
        ("lmarena-history", {"20250522": {"vision": {}}}, "overall", "no 'text' section (has: vision)"),
        ("lmarena-history", {"20250522": {"text": "x"}}, "overall", "'text' section is a string"),
        (
            "lmarena-history",
            {"20250522": {"text": {"chinese": _GOOD, "coding": _GOOD}}},
            "overall",
            "snapshot 20250522 has no category 'overall' (has: chinese, coding)",
        ),
        # the newest snapshot decides, even when an older one has the category
        (
            "lmarena-history",
            {"20240101": {"text": {"overall": _GOOD}}, "20250101": {"text": {"coding": _GOOD}}},
            "overall",
            "snapshot 20250101 has no category 'overall'",
        ),
        ("lmarena-history", {"20250522": {"text": {"overall": [1.0]}}}, "overall", "'overall' is a list"),
        ("lmarena-history", {"20250522": {"text": {"overall": {}}}}, "overall", "'overall' is empty"),
        (
            "lmarena-history",
            {"20250522": {"text": {"overall": {"a": "1", "b": None, "c": True}}}},
            "overall",
            "'overall' has no numeric scores (among 3 entries)",
        ),
        (
            "lmarena-history",
            {"20250522": {"text": {"overall": {"a": 1.0, "b": math.nan}}}},
            "overall",
            "not a finite number for 'b'",
        ),
        (
            "lmarena-history",
            {"20250522": {"text": {"overall": {"a": math.inf}}}},
            "overall",
            "not a finite number for 'a'",
        ),
        (
            "lmarena-history",
            {"20250522": {"text": {"overall": {"a": 10**400}}}},
            "overall",
            "not a finite number for 'a'",
        ),
        ("arena-catalog", [], "full", "leaderboard is a list, expected an object of categories"),
        ("arena-catalog", "text", "full", "leaderboard is a string"),
        (
            "arena-catalog",
            {"chinese": {}, "coding": {}},
            "full",
            "leaderboard has no category 'full' (has: chinese, coding)",
        ),
        ("arena-catalog", {"full": 3}, "full", "category 'full' is a number"),
        ("arena-catalog", {"full": {}}, "full", "category 'full' is empty"),
        ("arena-catalog", {"full": {"a": 1.0, "b": {"q": 2}}}, "full", "no numeric scores (among 2 entries)"),
        ("arena-catalog", {"full": {"a": _entry(-math.inf)}}, "full", "not a finite number for 'a'"),
        ("lmarena", {}, "overall", "unknown leaderboard provider 'lmarena'"),
    ],
)
def test_invalid_files_raise_with_a_message_naming_the_problem(
    provider: str, data: Any, category: str, message: str
) -> None:
    with pytest.raises(InvalidLeaderboard) as info:
        parse_snapshot(provider, data, category)
    assert message in str(info.value)
    assert info.value.status == "malformed"


def test_missing_category_message_lists_only_some_of_many_categories() -> None:
    data = {f"cat{i:02d}": {"m": _entry(1.0)} for i in range(20)}
    with pytest.raises(InvalidLeaderboard, match=r"has: cat00, .*cat11, \.\.\. 8 more\)"):
        parse_snapshot("arena-catalog", data, "full")


def test_a_failure_lists_category_names_on_one_line_as_text() -> None:
    # Given a file whose category names hold a line break and a bidi override
    data = {"evil\nSECOND LINE \u202eRTL": {"m": _entry(1.0)}, "ok": {"m": _entry(1.0)}}
    # Then the failure, which the command prints and the JSON edition gives, names them on one line
    with pytest.raises(InvalidLeaderboard) as info:
        parse_snapshot("arena-catalog", data, "full")
    assert str(info.value) == "leaderboard has no category 'full' (has: evil SECOND LINE RTL, ok)"


def test_a_failure_listing_huge_category_names_is_cut_to_a_short_message() -> None:
    # Given a file whose categories have names of 50,000 characters (any JSON key the server chose)
    data = {"类" * 50_000 + str(i): {"m": _entry(1.0)} for i in range(3)}
    # When the configured category is missing, Then the message names it within FAILURE_CHARS
    with pytest.raises(InvalidLeaderboard, match=r"^leaderboard has no category 'full' \(has: 类") as info:
        parse_snapshot("arena-catalog", data, "full")
    assert len(str(info.value)) <= FAILURE_CHARS and str(info.value).endswith("…)")


# --- ranking ---------------------------------------------------------------------------------------


def test_rank_is_by_exact_score_even_when_the_shown_numbers_are_equal() -> None:
    scores = {f"filler-{i:02d}": 1400.0 + i for i in range(28)}
    scores |= {"qwen3-235b-a22b": 1336.84, "qwen2.5-max": 1337.36, "gpt-4o": 1200.0}
    ranked = {row.model: row for row in rank_models(scores)}
    assert ranked["qwen2.5-max"] == RankedModel(
        rank=29, model="qwen2.5-max", score=1337.36, developer="Alibaba"
    )
    assert ranked["qwen3-235b-a22b"].rank == 30
    assert display_score(1337.36) == display_score(1336.84) == 1337
    assert ranked["gpt-4o"] == RankedModel(rank=31, model="gpt-4o", score=1200.0, developer=None)


def test_equal_scores_share_a_rank_and_are_listed_by_model_name_whatever_the_input_order() -> None:
    # Given three models with exactly the same score between two others
    first = rank_models({"b": 1300.0, "a": 1300.0, "c": 1400.0, "aa": 1300.0, "z": 1200.0})
    second = rank_models({"aa": 1300.0, "z": 1200.0, "c": 1400.0, "a": 1300.0, "b": 1300.0})
    # Then they share rank 2, the next model is 5th, and the order does not depend on the input's
    assert first == second
    assert [(r.rank, r.model) for r in first] == [(1, "c"), (2, "a"), (2, "aa"), (2, "b"), (5, "z")]


def test_a_shared_rank_shows_in_both_tables_of_the_edition() -> None:
    scores = {"gpt-z": 1500.5, "b-model": 1400.0, "a-model": 1400.0, "qwen-x": 1390.4, "deepseek-y": 1390.4}
    board = build_leaderboard("lmarena-history", scores | {"c": 1300.0}, date(2026, 1, 1), 5, 5)
    assert [(r.rank, r.model) for r in board.global_top] == [
        (1, "gpt-z"),
        (2, "a-model"),
        (2, "b-model"),
        (4, "deepseek-y"),
        (4, "qwen-x"),
    ]
    assert [(r.rank, r.model) for r in board.domestic] == [(4, "deepseek-y"), (4, "qwen-x")]


def test_rank_models_of_nothing_is_empty() -> None:
    assert rank_models({}) == []


def test_build_leaderboard_keeps_global_ranks_in_the_domestic_list() -> None:
    scores = {
        "gemini-2.5-pro": 1450.0,
        "deepseek-r1": 1420.0,
        "o3": 1410.0,
        "claude-opus-4": 1400.0,
        "qwen3-max": 1390.0,
        "llava-onevision-qwen2-72b-ov": 1385.0,
        "gpt-4o": 1380.0,
        "glm-4.6": 1370.0,
        "kimi-k2": 1360.0,
    }
    board = build_leaderboard("arena-catalog", scores, date(2025, 12, 11), top_n=3, domestic_n=3)
    assert board == Leaderboard(
        provider="arena-catalog",
        snapshot_date=date(2025, 12, 11),
        global_top=(
            RankedModel(1, "gemini-2.5-pro", 1450.0, None),
            RankedModel(2, "deepseek-r1", 1420.0, "DeepSeek"),
            RankedModel(3, "o3", 1410.0, None),
        ),
        domestic=(
            RankedModel(2, "deepseek-r1", 1420.0, "DeepSeek"),
            RankedModel(5, "qwen3-max", 1390.0, "Alibaba"),
            RankedModel(8, "glm-4.6", 1370.0, "Zhipu AI"),
        ),
        models_ranked=9,
    )
    assert Leaderboard.from_dict(board.to_dict()) == board


def test_build_leaderboard_with_fewer_models_than_asked() -> None:
    board = build_leaderboard("lmarena-history", {"gpt-4o": 1.0}, date(2025, 5, 22), top_n=5, domestic_n=10)
    assert [r.model for r in board.global_top] == ["gpt-4o"]
    assert board.domestic == ()
    assert board.models_ranked == 1


def test_build_leaderboard_rejects_negative_sizes() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        build_leaderboard("lmarena-history", {"a": 1.0}, date(2025, 5, 22), top_n=-1, domestic_n=1)


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (1404.7, 1405),
        (1404.5, 1405),  # a half rounds up, where round() would give 1404
        (1403.5, 1404),
        (1404.49, 1404),
        (1433.258004402091, 1433),
        (1446.0, 1446),
        (0.5, 1),
        (-0.5, -1),  # halves go away from zero
    ],
)
def test_display_score_rounds_half_up(score: float, shown: int) -> None:
    assert display_score(score) == shown


def test_display_score_shows_any_finite_score_whole() -> None:
    # a board stored before scores were bounded can be shown still (28 digits were the limit)
    assert display_score(1e29) == 99999999999999991433150857216
    assert len(str(display_score(1.7e308))) == 309


@pytest.mark.parametrize("score", [1e29, -1e7, 1_000_001, 10**30])
def test_a_score_no_rating_has_is_a_named_failure(score: float) -> None:
    # Given an otherwise good file with one absurd score
    data = {"20261120": {"text": {"overall": {"qwen3-max": score, "gpt-5": 1400.0}}}}
    # Then it is refused, as malformed, naming the model
    with pytest.raises(InvalidLeaderboard, match="has a score no rating has for 'qwen3-max'"):
        parse_snapshot("lmarena-history", data, "overall")
    # And the limit itself is still a score
    ok = {"20261120": {"text": {"overall": {"qwen3-max": 1_000_000, "gpt-5": -1_000_000}}}}
    assert parse_snapshot("lmarena-history", ok, "overall").scores["qwen3-max"] == 1_000_000


def test_two_names_that_differ_in_unpaired_surrogates_alone_are_a_named_failure() -> None:
    # Given the leader and another model whose names become the same once made writable
    names = ("qwen" + chr(0xD800), "qwen" + chr(0xDC00))  # written out, ruff takes the two for one key
    data = {"full": {names[0]: _entry(1500.0), names[1]: _entry(1.0), "gpt": _entry(1400.0)}}
    assert len(data["full"]) == 3
    # Then the file is refused rather than the leader silently lost
    with pytest.raises(InvalidLeaderboard, match="has two models named 'qwen\ufffd'"):
        parse_snapshot("arena-catalog", data, "full")


@pytest.mark.parametrize("score", [math.nan, math.inf, -math.inf])
def test_display_score_rejects_non_finite_scores(score: float) -> None:
    with pytest.raises(ValueError, match="not finite"):
        display_score(score)


# --- the domestic rule -----------------------------------------------------------------------------

DOMESTIC = [
    ("deepseek-v3-0324", "DeepSeek"),
    ("deepseek-r1", "DeepSeek"),
    ("DeepSeek-V3.2-Exp", "DeepSeek"),
    ("deepseek", "DeepSeek"),
    ("qwq-32b", "Alibaba"),
    ("qwen3-235b-a22b", "Alibaba"),
    ("qwen2.5-max", "Alibaba"),
    ("Qwen-Plus", "Alibaba"),
    ("qwen-plus-0125", "Alibaba"),
    ("qvq-72b-preview", "Alibaba"),
    ("Qwen/Qwen3-32B", "Alibaba"),
    ("z-image-turbo", "Alibaba"),  # lmarena.ai's text-to-image board: Tongyi-MAI's Z-Image
    ("wan2.5-t2i-preview", "Alibaba"),  # the same board: Alibaba's Wan (通义万相)
    ("wan2.2-a14b", "Alibaba"),
    ("glm-4-plus-0111", "Zhipu AI"),
    ("glm-4.5v", "Zhipu AI"),
    ("chatglm3-6b", "Zhipu AI"),
    ("chatglm-6b", "Zhipu AI"),
    ("cogvlm2-llama3-chat-19b", "Zhipu AI"),
    ("cogvideox-5b", "Zhipu AI"),
    ("autoglm-phone-9b", "Zhipu AI"),
    ("codegeex4-all-9b", "Zhipu AI"),
    ("kimi-k2-0711-preview", "Moonshot AI"),
    ("moonshot-v1-128k", "Moonshot AI"),
    ("minimax-m1", "MiniMax"),
    ("MiniMax-Text-01", "MiniMax"),
    ("abab6.5s-chat", "MiniMax"),
    ("hailuo-02-pro", "MiniMax"),  # lmarena.ai's video boards
    ("step-2-16k-exp-202412", "StepFun"),
    ("step-3", "StepFun"),
    ("step-1o-turbo-202506", "StepFun"),
    ("hunyuan-turbos-20250416", "Tencent"),
    ("Hunyuan-T1", "Tencent"),
    ("hy3-preview", "Tencent"),  # Hunyuan's 2026 name (tencent/Hy3-preview)
    ("HY-Image-3.0", "Tencent"),
    ("doubao-seed-1.6", "ByteDance"),
    ("doubao-1.5-pro-32k", "ByteDance"),
    ("seed-oss-36b-instruct", "ByteDance"),
    ("seed1.6-thinking", "ByteDance"),
    ("seedream-3", "ByteDance"),  # arena-catalog's leaderboard-image.json, 8th of 25 in "full"
    ("seedance-1-pro", "ByteDance"),
    ("bagel", "ByteDance"),  # ByteDance Seed's BAGEL, the same file's last
    ("dola-seed-2.0-preview", "ByteDance"),  # lmarena.ai's text board, February 2026 (Dola: BytePlus's name)
    ("dola-seed-2-1-turbo-260628", "ByteDance"),  # BytePlus's model ids
    ("dola-seedream-5-0-pro-260628", "ByteDance"),
    ("seededit-3.0", "ByteDance"),  # lmarena.ai's image-edit board
    ("dreamina-seedance-1-0-pro", "ByteDance"),  # its video boards (Dreamina: 即梦 abroad)
    ("ernie-5.0-preview-1103", "Baidu"),
    ("ERNIE 4.5", "Baidu"),
    ("yi-lightning", "01.AI"),
    ("yi-34b-chat", "01.AI"),
    ("yi", "01.AI"),
    ("baichuan2-13b-chat", "Baichuan"),
    ("Baichuan-M2", "Baichuan"),
    ("spark-x1", "iFlytek"),
    ("iflytek-spark-4.0", "iFlytek"),
    ("sensenova-v6-pro", "SenseTime"),
    ("sensechat-5", "SenseTime"),
    ("internlm2_5-20b-chat", "Shanghai AI Lab"),
    ("internvl2-26b", "Shanghai AI Lab"),
    ("intern-s1", "Shanghai AI Lab"),  # 书生 Intern-S1, the science model
    ("intern-s1-mini", "Shanghai AI Lab"),
    ("mimo-v2-flash", "Xiaomi"),
    ("MiMo-7B-RL", "Xiaomi"),
    ("longcat-flash-chat", "Meituan"),
    ("ling-1t", "Ant Group"),
    ("ling-flash-2.0", "Ant Group"),
    ("ring-1t", "Ant Group"),
    ("minicpm-v-2_6", "ModelBest"),
    ("minicpm4-8b", "ModelBest"),
    ("pangu-ultra-moe", "Huawei"),
    ("telechat2-115b", "China Telecom"),
    ("TeleChat-12B", "China Telecom"),
    ("  qwen3-32b  ", "Alibaba"),  # surrounding blanks are ignored
    ("stepfun-2", "StepFun"),
    ("kat-coder-pro", "Kuaishou"),
    ("KAT-Dev", "Kuaishou"),
    ("kwaipilot-kat-v1", "Kuaishou"),
    ("kling-2.5-turbo-1080p", "Kuaishou"),  # lmarena.ai's video boards
    ("kling-v2-1-master", "Kuaishou"),
    ("vidu-q2", "Shengshu"),  # the same boards: 生数科技's Vidu
    ("pixverse-v5.6", "AIsphere"),  # the same boards, above kling-2.5-turbo-1080p: 爱诗科技's PixVerse
    ("hidream-o1-image", "HiDream.ai"),  # the text-to-image board: 智象未来's HiDream
    ("skywork-o1", "Kunlun Tech"),
    ("360gpt-pro", "Qihoo 360"),
    ("360zhinao2-o1", "Qihoo 360"),
    ("xverse-65b", "XVERSE"),
    ("dots.llm1", "Xiaohongshu"),
    ("dots.vlm1", "Xiaohongshu"),
    # a name carrying its org (Hugging Face's spelling) is decided by the org
    ("moonshotai/Kimi-K2-Instruct", "Moonshot AI"),
    ("zai-org/GLM-4.6", "Zhipu AI"),
    ("THUDM/glm-4-9b-chat", "Zhipu AI"),
    ("MiniMaxAI/MiniMax-M1-80k", "MiniMax"),
    ("baidu/ERNIE-4.5-300B-A47B-PT", "Baidu"),
    ("tencent/Hunyuan-A13B-Instruct", "Tencent"),
    ("XiaomiMiMo/MiMo-7B-RL", "Xiaomi"),
    ("inclusionAI/Ling-1T", "Ant Group"),
    ("stepfun-ai/step3", "StepFun"),
    ("ByteDance-Seed/Seed-OSS-36B-Instruct", "ByteDance"),
    ("Kwaipilot/KAT-Dev", "Kuaishou"),
    ("Skywork/Skywork-OR1-32B", "Kunlun Tech"),
    ("rednote-hilab/dots.llm1.inst", "Xiaohongshu"),
    ("deepseek-ai/DeepSeek-V3", "DeepSeek"),  # an org named as its models are
    ("internlm/internlm3-8b-instruct", "Shanghai AI Lab"),
    ("Tongyi-MAI/Z-Image-Turbo", "Alibaba"),
    ("Wan-AI/Wan2.2-T2V-A14B", "Alibaba"),
    ("internlm/Intern-S1", "Shanghai AI Lab"),
    ("tencent/Hy3-preview", "Tencent"),
]

NOT_DOMESTIC = [
    # other labs
    "gemini-2.5-pro",
    "gpt-4o",
    "claude-3-5-sonnet",
    "mistral-large",
    "ministral-8b-2410",
    "llama-3.1-405b-instruct",
    "gemma-3-27b-it",
    "grok-4.1",
    "o3-mini",
    # a domestic name that is not at the start
    "starling-lm-7b-beta",
    "llava-v1.6-34b",
    "llava-onevision-qwen2-72b",
    "athene-v2-chat",
    "intellect-3-glm",
    "meta/deepseek-distill",
    # another lab's derivative of a Chinese model is that lab's, whatever its name
    "unsloth/Qwen3-8B-GGUF",
    "nvidia/DeepSeek-R1-FP4",
    "/qwen3-32b",  # an empty org
    "\u212aimi/qwen3",  # an org that only case-folds to a Chinese lab's name is not one
    "\u212awaipilot/x",
    # a pattern not followed by a separator, a digit or the end
    "deepseeker-7b",
    "qwenlike-7b",
    "qwqx",
    "qvqa",
    "glmx-1",
    "chatglmer",
    "cogvlmx",
    "codegeexy",
    "kimino-1",
    "moonshots",
    "minimaxi",
    "ababa-7b",
    "stepwise-7b",
    "steps",
    "hunyuanx",
    "doubaox",
    "seeder-1",
    "seedreams",
    "seededits",
    "z-imagery",
    "z-images",
    "wanda-7b",
    "wanderer",
    "hyena-7b",
    "hyperclovax-seed-think-14b",  # NAVER's
    "intern-sx",
    "internship-7b",
    "klingon-7b",
    "vidur",
    "pixversed",
    "hidreams",
    "hailuos",
    "dreaminaa",
    "cogvideoxl",
    "autoglmx",
    "bagels-7b",
    "dolan-7b",
    "dolar",
    "erniex",
    "ernies-7b",
    "yield-7b",
    "yiddish-llm",
    "yiyi-7b",
    "baichuanx",
    "sparkle",
    "sparkling-7b",
    "iflytekx",
    "sensenovax",
    "sensechats",
    "internlmx",
    "internvlx",
    "mimosa-7b",
    "longcats",
    "lingo-7b",
    "lingua-7b",
    "ringo-7b",
    "ringer",
    "minicpmx",
    "pangus",
    "telechats",
    "katana-7b",
    "kat-coderx",
    "skyworks",
    "360gptx",
    "xversex",
    "dots.llmx",
    "dots-llm1",
    "stepfunny",
    # unicode look-alikes do not pass for ASCII letters
    "\u212aimi-k2",  # KELVIN SIGN, which case-folds to "k"
    "qwen\uff13-32b",  # full-width digit three
    "",
]


@pytest.mark.parametrize(("model", "developer"), DOMESTIC)
def test_domestic_models(model: str, developer: str) -> None:
    assert domestic_developer(model) == developer


@pytest.mark.parametrize("model", NOT_DOMESTIC)
def test_not_domestic_models(model: str) -> None:
    assert domestic_developer(model) is None


def test_every_developer_of_the_table_is_tested() -> None:
    assert {developer for _, developer in DOMESTIC_DEVELOPERS} == {developer for _, developer in DOMESTIC}


def test_every_org_names_a_developer_of_the_table() -> None:
    developers = {developer for _, developer in DOMESTIC_DEVELOPERS}
    assert set(DOMESTIC_ORGS.values()) <= developers
    assert all(org == org.lower() for org in DOMESTIC_ORGS)  # looked up lower-cased


def test_every_pattern_of_the_table_is_tested_positively() -> None:
    # each alternative of each row matches at least one name of DOMESTIC
    for pattern, developer in DOMESTIC_DEVELOPERS:
        alternatives = re.fullmatch(r"\(\?:([^()]+)\)\(\?=.*", pattern.pattern)
        assert alternatives, pattern.pattern
        for prefix in alternatives.group(1).replace("\\", "").split("|"):
            assert any(
                name.strip().lower().startswith(prefix) and dev == developer for name, dev in DOMESTIC
            ), prefix


# --- age and fingerprint ---------------------------------------------------------------------------


def test_snapshot_age_days() -> None:
    assert snapshot_age_days(date(2025, 5, 22), date(2025, 5, 22)) == 0
    assert snapshot_age_days(date(2025, 5, 22), date(2025, 6, 21)) == 30
    assert snapshot_age_days(date(2025, 5, 22), date(2025, 5, 21)) == -1


def test_staleness_boundary() -> None:
    snapshot = date(2025, 5, 22)
    assert not is_stale(snapshot, date(2025, 6, 21), 30)  # 30 days old
    assert is_stale(snapshot, date(2025, 6, 22), 30)  # 31 days old
    assert not is_stale(snapshot, date(2025, 5, 21), 30)  # newer than the edition


def test_content_fingerprint() -> None:
    assert content_fingerprint(b"") == hashlib.sha256(b"").hexdigest()
    assert content_fingerprint(b'{"full": {}}') == hashlib.sha256(b'{"full": {}}').hexdigest()
    assert content_fingerprint(b"a") != content_fingerprint(b"b")
    assert len(content_fingerprint(b"a")) == 64


def test_a_ranking_is_fingerprinted_by_its_scores_not_by_the_file_around_them() -> None:
    # Given one category's scores, read from two files laid out differently
    scores = {"glm-4.6": 1441.2, "qwq-32b": 1329.4}
    # Then their order does not change the fingerprint, and any score or model does
    assert ranking_fingerprint(scores) == ranking_fingerprint(dict(reversed(scores.items())))
    assert ranking_fingerprint(scores) != ranking_fingerprint({**scores, "qwq-32b": 1329.5})
    assert ranking_fingerprint(scores) != ranking_fingerprint({**scores, "kimi-k2": 1400.0})


def test_a_model_name_with_a_lone_surrogate_is_kept_as_writable_text() -> None:
    # Given a leaderboard file whose JSON escapes a lone surrogate in a model name ("\\ud800")
    data = {"20261120": {"text": {"overall": {"qwen3-max\ud800": 1500.0, "gpt-5": 1490.0}}}}

    # When it is parsed and ranked
    snapshot = parse_snapshot("lmarena-history", data, "overall")
    board = build_leaderboard("lmarena-history", snapshot.scores, date(2026, 11, 20), 5, 10)

    # Then the name reads U+FFFD there, and every name can be written as UTF-8
    assert "qwen3-max\ufffd" in snapshot.scores
    assert [m.model for m in board.domestic] == ["qwen3-max\ufffd"]
    assert all(m.model.encode("utf-8") for m in board.global_top + board.domestic)


# --- any JSON: a snapshot or a named failure --------------------------------------------------------
_KEYS = st.sampled_from(["20261120", "20260101", "20261399", "text", "overall", "rating", "x"]) | st.text(
    max_size=6
)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["overall", "text", "20261120", "20261331", "qwen3-max\ud800", "rating"])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)
_names = st.sampled_from(["qwen3-max", "glm-4.6\ud800", "", "  ", "deepseek-v3.2"]) | st.text(max_size=10)
# the providers' own shapes, with anything as the scores: the deep paths get exercised too
_history = st.dictionaries(
    st.sampled_from(["20261120", "20251231", "20261399"]),
    st.fixed_dictionaries(
        {"text": st.fixed_dictionaries({"overall": st.dictionaries(_names, _json, max_size=5)})}
    ),
    min_size=1,
    max_size=2,
)
_catalog = st.fixed_dictionaries(
    {"overall": st.dictionaries(_names, st.fixed_dictionaries({"rating": _json}) | _json, max_size=5)}
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.tuples(st.sampled_from(["lmarena-history", "arena-catalog"]), _json),
        st.tuples(st.just("lmarena-history"), _history),
        st.tuples(st.just("arena-catalog"), _catalog),
    )
)
@example(("arena-catalog", {"overall": {"glm-4.6\ud800": {"rating": 1400}, "x": {"rating": 1300.5}}}))
def test_any_json_gives_a_snapshot_or_a_named_failure(case: tuple[str, Any]) -> None:
    # Given whatever JSON a leaderboard URL answers, When it is parsed and ranked
    provider, data = case
    try:
        snapshot = parse_snapshot(provider, data, "overall")
    except InvalidLeaderboard:
        return  # Then either the source fails by name
    # or every score is a finite number under a name UTF-8 can hold, and the board can be built
    assert all(math.isfinite(s) and name.encode("utf-8") for name, s in snapshot.scores.items())
    build_leaderboard(provider, snapshot.scores, snapshot.snapshot_date or date(2026, 11, 20), 5, 10)


# -- dating an undated file by its publisher ------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw_url", "expected"),
    [
        (
            "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/leaderboard-text.json",
            "https://api.github.com/repos/lmarena/arena-catalog/commits"
            "?path=data%2Fleaderboard-text.json&sha=main&per_page=1",
        ),
        (
            "https://raw.githubusercontent.com/o/r/refs/heads/dev/a%20b/c.json",
            "https://api.github.com/repos/o/r/commits?path=a+b%2Fc.json&sha=dev&per_page=1",
        ),
        (
            "https://raw.githubusercontent.com/o/r/v1.2/scores.json",
            "https://api.github.com/repos/o/r/commits?path=scores.json&sha=v1.2&per_page=1",
        ),
        ("https://raw.githubusercontent.com/o/r/main", None),  # no file
        ("https://raw.githubusercontent.com/o/r/main/x.json?token=1", None),
        ("http://raw.githubusercontent.com/o/r/main/x.json", None),
        ("https://example.com/o/r/main/x.json", None),
        ("https://raw.githubusercontent.com.evil.example/o/r/main/x.json", None),
    ],
)
def test_github_commits_url_asks_about_the_raw_file_only(raw_url: str, expected: str | None) -> None:
    assert github_commits_url(raw_url) == expected


def test_commit_time_reads_githubs_answer_and_nothing_else() -> None:
    answer = [{"sha": "c9558b6", "commit": {"committer": {"date": "2025-12-11T09:30:00Z"}}}]
    assert commit_time(answer) == datetime(2025, 12, 11, 9, 30, tzinfo=UTC)
    for junk in ([], {}, None, [{"commit": {}}], [{"commit": {"committer": {"date": "yesterday"}}}], "x"):
        assert commit_time(junk) is None
    assert commit_time([{"commit": {"committer": {"date": "2025-12-11T09:30:00"}}}]) is None  # no zone


def test_last_modified_reads_an_http_date_and_nothing_else() -> None:
    assert last_modified({"last-modified": "Wed, 01 Oct 2025 08:00:00 GMT"}) == datetime(
        2025, 10, 1, 8, 0, tzinfo=UTC
    )
    for headers in ({}, {"last-modified": ""}, {"last-modified": "soon"}, {"last-modified": "1 Oct 2025"}):
        assert last_modified(headers) is None


# --- the rankings a stored snapshot keeps ----------------------------------------------------------


def fetched(score: float, hour: int) -> dict[str, Any]:
    """A snapshot of one source whose one model scores ``score``, fetched on 2026-11-01 at ``hour``."""
    scores = {"glm-4.6": score}
    return {
        "source": "s1",
        "fingerprint": ranking_fingerprint(scores),
        "scores": scores,
        "snapshot_date": "2026-10-31",
        "fetched_at": f"2026-11-01T{hour:02}:00:00Z",
    }


def test_a_day_shows_the_newest_ranking_kept_that_was_first_fetched_by_its_cutoff() -> None:
    # Given a ranking fetched at 01:00 and again at 02:00, then another at 03:00
    stored = None
    for score, hour in ((1.0, 1), (1.0, 2), (2.0, 3)):
        stored = kept_with(fetched(score, hour), stored)

    def at(hour: int) -> float | None:
        shown = shown_at(stored, datetime(2026, 11, 1, hour, 30, tzinfo=UTC), "s1")
        return shown["scores"]["glm-4.6"] if shown else None

    # Then a day cut at 01:30 shows the first (first fetched at 01:00), one cut at 03:30 the second, and
    # one cut before any was fetched the first fetched after it (a day built again after a configuration
    # change: what its run fetched)
    assert (at(0), at(1), at(2), at(3)) == (1.0, 1.0, 1.0, 2.0)


def test_the_same_scores_dated_anew_are_another_ranking_kept() -> None:
    # Given a ranking fetched at 01:00, then at 03:00 the same scores dated a day later
    stored = kept_with({**fetched(1.0, 3), "snapshot_date": "2026-11-01"}, kept_with(fetched(1.0, 1), None))
    # Then a day cut at 02:00 shows the date it had then
    shown = shown_at(stored, datetime(2026, 11, 1, 2, 0, tzinfo=UTC), "s1")
    assert shown is not None and shown["snapshot_date"] == "2026-10-31"


def test_a_day_shows_a_ranking_of_the_source_configured_before_one_of_another() -> None:
    # Given the ranking of source s1 fetched at 01:00, then one of s2 at 03:00
    stored = kept_with({**fetched(2.0, 3), "source": "s2"}, kept_with(fetched(1.0, 1), None))

    def at(hour: int, source: str) -> float | None:
        shown = shown_at(stored, datetime(2026, 11, 1, hour, 30, tzinfo=UTC), source)
        return shown["scores"]["glm-4.6"] if shown else None

    # Then s1's days show s1's and s2's days s2's, even cut before it was fetched; a source none is kept
    # of shows the newest of another fetched by then (a switch whose fetch failed), else none
    assert (at(3, "s1"), at(0, "s2"), at(3, "s3"), at(0, "s3")) == (1.0, 2.0, 2.0, None)


def test_a_stored_snapshot_keeps_a_bounded_number_of_rankings_newest_first() -> None:
    stored = None
    for hour in range(KEPT_RANKINGS + 3):
        stored = kept_with(fetched(float(hour), hour), stored)
    kept = [ranking["scores"]["glm-4.6"] for ranking in kept_rankings(stored)]
    assert kept == [float(hour) for hour in reversed(range(3, KEPT_RANKINGS + 3))]


def test_a_ranking_stored_before_first_fetch_times_were_kept_is_shown_for_any_day() -> None:
    # Given a snapshot a release before stored (no first_fetched_at), fetched again unchanged
    legacy = {k: v for k, v in fetched(1.0, 5).items() if k != "fetched_at"}
    stored = kept_with(fetched(1.0, 6), legacy)
    # Then a day cut before either fetch still shows it, as before
    assert shown_at(stored, datetime(2026, 11, 1, 0, 0, tzinfo=UTC), "s1") is not None
