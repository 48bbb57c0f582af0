"""What the editions say about the leaderboard they show: which ranking it is, how old, and what it lacks.

Every format is read: the Markdown, the web page, the JSON and both parts of the email.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from editions import email_bodies, plain_edition
from web_audit import audit, strict_parse

from ai_news_tracker.config import Config, LeaderboardConfig
from ai_news_tracker.leaderboard import build_leaderboard
from ai_news_tracker.models import Edition, SourceStatus
from ai_news_tracker.render import Renderer

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CONFIG = Config(leaderboard=LeaderboardConfig(provider="arena-catalog", category="chinese"))
SCORES = {"gemini-3-pro": 1500.0, "ernie-5.0-preview-1103": 1509.0, "glm-4.6": 1505.0, "gpt-5": 1490.0}


def board_edition(
    scores: dict[str, float] = SCORES, snapshot: date = date(2026, 11, 15), **board: object
) -> Edition:
    leaderboard = build_leaderboard("arena-catalog", scores, snapshot, 2, 10, **board)  # type: ignore[arg-type]
    return plain_edition(leaderboard=leaderboard, leaderboard_status=SourceStatus("LM Arena", "ok"))


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(CONFIG, TEMPLATES)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def email_parts(edition: Edition) -> tuple[str, str]:
    """The text part (its lines ended by \\n), and the text the HTML part shows."""
    text, html = email_bodies(edition, CONFIG)
    shown = _Text()
    shown.feed(html)
    return text.replace("\r\n", "\n"), "".join(shown.parts)


def source_line(markdown: str) -> str:
    (line,) = [line for line in markdown.splitlines() if line.startswith("*数据来源:")]
    return line


# -- which ranking ---------------------------------------------------------------------------------


def test_every_format_names_the_category_and_its_style_control(renderer: Renderer) -> None:
    # Given the chinese ranking of arena-catalog's file without style control
    edition = board_edition(category="chinese", style_control=False)
    # Then the Markdown's data-source line names it, on its one line
    line = source_line(renderer.markdown(edition))
    assert "| 榜单: chinese（未启用风格控制） | 数据日期: 2026-11-15 |" in line
    # And the web page and both parts of the email say the same
    page = renderer.html(edition)
    assert audit(page) == []
    (source,) = [p for p in strict_parse(page).iter("p") if p.get("class") == "source"]
    assert "榜单: chinese（未启用风格控制）" in "".join(source.itertext())
    text, html = email_parts(edition)
    assert "榜单: chinese（未启用风格控制） | 数据日期: 2026-11-15" in text
    assert "榜单: chinese（未启用风格控制）" in html
    # And the JSON carries it as data
    payload = json.loads(renderer.json(edition))["leaderboard"]
    assert (payload["category"], payload["style_control"]) == ("chinese", False)


def test_a_style_controlled_ranking_says_so(renderer: Renderer) -> None:
    edition = board_edition(category="full", style_control=True)
    assert "| 榜单: full（已启用风格控制） |" in source_line(renderer.markdown(edition))


def test_an_edition_stored_before_the_category_was_recorded_names_none(renderer: Renderer) -> None:
    # Given an older stored edition: its leaderboard has no category
    edition = board_edition()
    line = source_line(renderer.markdown(edition))
    # Then its line reads as it did, with no empty 榜单
    assert "榜单" not in line and "| [原始数据](https://github.com/lmarena/arena-catalog) | 数据日期:" in line
    assert json.loads(renderer.json(edition))["leaderboard"]["category"] is None


def test_the_ranking_of_another_source_than_configured_is_headed_by_its_name_with_a_note(
    renderer: Renderer,
) -> None:
    # Given the last ranking of the source before a switch whose fetch failed (the edition stored it)
    edition = Edition.from_dict(board_edition(category="full", other_source="Text Arena").to_dict())
    note = "⚠️ 此为此前数据源的榜单：本期截止前未获取到新配置数据源的榜单。"
    # Then every format heads it by that source's name, not the one configured (LM Arena), with the note
    markdown = renderer.markdown(edition)
    assert "## 国产模型排行榜 (Text Arena)" in markdown and f"*{note}*" in markdown
    page = renderer.html(edition)
    assert audit(page) == [] and "国产模型排行榜 (Text Arena)</h2>" in page and note in page
    text, html = email_parts(edition)
    assert "【国产模型排行榜 (Text Arena)】" in text and note in text
    assert "国产模型排行榜 (Text Arena)" in html and note in html
    # And the JSON names that source as data
    assert json.loads(renderer.json(edition))["leaderboard"]["other_source"] == "Text Arena"
    # And a ranking of the source configured has no note, and the JSON names no other source
    assert "此为此前数据源" not in renderer.markdown(board_edition())
    assert json.loads(renderer.json(board_edition()))["leaderboard"]["other_source"] is None


def test_an_unavailable_leaderboard_names_the_configured_category_in_the_json(renderer: Renderer) -> None:
    failed = SourceStatus("LM Arena", "timeout")
    edition = replace(board_edition(), leaderboard=None, leaderboard_status=failed)
    payload = json.loads(renderer.json(edition))["leaderboard"]
    assert (payload["available"], payload["category"], payload["style_control"]) == (False, "chinese", None)
    assert payload["other_source"] is None


# -- how old ---------------------------------------------------------------------------------------


def test_the_stale_warning_of_a_file_first_seen_long_ago_gives_no_data_date(renderer: Renderer) -> None:
    # Given an undated file its publisher did not date, first seen 50 days before the edition
    edition = board_edition(snapshot=date(2026, 10, 1), date_basis="first_seen")
    # Then the web page's warning says the day it was first fetched as such, as its data-source line does
    page = renderer.html(edition)
    (warning,) = [p for p in strict_parse(page).iter("p") if p.get("class") == "warning"]
    expected = "⚠️ 排行榜数据日期不详，自 2026-10-01 首次获取以来已 50 天未更新，排名仅供参考。"
    assert "".join(warning.itertext()) == expected
    (source,) = [p for p in strict_parse(page).iter("p") if p.get("class") == "source"]
    assert "数据日期: 不详（2026-10-01 首次获取）" in "".join(source.itertext())
    # And so do both parts of the email, never calling it the day the data stopped at
    for part in email_parts(edition):
        assert expected in part and "停留在" not in part


def test_the_stale_warning_of_a_dated_file_gives_its_date(renderer: Renderer) -> None:
    edition = board_edition(snapshot=date(2026, 10, 1))
    expected = "⚠️ 排行榜数据停留在 2026-10-01，已 50 天未更新，排名仅供参考。"
    assert expected in renderer.html(edition)
    for part in email_parts(edition):
        assert expected in part


def test_the_stale_warning_starts_the_day_after_max_age_days(renderer: Renderer) -> None:
    # Given max_age_days 30 and the edition of 2026-11-20
    assert CONFIG.leaderboard is not None and CONFIG.leaderboard.max_age_days == 30
    # When the snapshot is exactly 30 days old, Then no format warns
    edition = board_edition(snapshot=date(2026, 10, 21))
    for output in (renderer.markdown(edition), renderer.html(edition), *email_parts(edition)):
        assert "⚠️" not in output and "未更新" not in output
    assert json.loads(renderer.json(edition))["leaderboard"]["stale"] is False
    # When it is 31 days old, Then every format does
    edition = board_edition(snapshot=date(2026, 10, 20))
    assert "| ⚠️ 已 31 天未更新，排名仅供参考 |" in renderer.markdown(edition)
    expected = "⚠️ 排行榜数据停留在 2026-10-20，已 31 天未更新，排名仅供参考。"
    for output in (renderer.html(edition), *email_parts(edition)):
        assert expected in output
    assert json.loads(renderer.json(edition))["leaderboard"]["stale"] is True


# -- what it lacks ---------------------------------------------------------------------------------

FOREIGN = {"gemini-3-pro": 1500.0, "gpt-5": 1490.0, "claude-opus-4-5": 1480.0}


def test_a_ranking_without_a_recognised_chinese_model_says_so(renderer: Renderer) -> None:
    # Given a ranking in which no model is recognised as Chinese
    edition = board_edition(FOREIGN)
    # Then the Markdown keeps the table's headers (the contract's shape) and says it is empty, in one line
    markdown = renderer.markdown(edition)
    assert (
        "### 国产模型排名\n\n| 全球排名 | 模型 | ELO 分数 |\n|---------|------|---------|\n\n"
        "*本期榜单中未识别到国产模型*\n\n*数据来源:"
    ) in markdown
    # And the web page and both parts of the email say it instead of showing an empty table
    page = renderer.html(edition)
    assert audit(page) == []
    tree = strict_parse(page)
    assert len(tree.findall(".//table")) == 1  # the global top alone
    assert "本期榜单中未识别到国产模型" in [p.text for p in tree.iter("p") if p.get("class") == "empty"]
    text, html = email_parts(edition)
    assert "国产模型排名\n本期榜单中未识别到国产模型\n" in text and "全球排名 |" not in text
    assert "本期榜单中未识别到国产模型" in html and "全球排名" not in html


def test_bytedances_dola_seed_model_is_on_the_domestic_table(renderer: Renderer) -> None:
    # Given lmarena.ai's text board of February 2026, where ByteDance's dola-seed-2.0-preview is 5th
    scores = {
        "claude-opus-4-6-thinking": 1504.0,
        "gemini-3-pro": 1486.0,
        "gpt-5.4-high": 1484.0,
        "qwen3.5-max-preview": 1465.0,
        "dola-seed-2.0-preview": 1463.0,
        "glm-5": 1456.0,
    }
    board = build_leaderboard("arena-catalog", scores, date(2026, 2, 20), 5, 10)
    # When the edition shows its tables
    markdown = renderer.markdown(
        plain_edition(leaderboard=board, leaderboard_status=SourceStatus("LM Arena", "ok"))
    )
    # Then the model the global top 5 shows is on the domestic table too, between Qwen and GLM
    domestic = markdown.split("### 国产模型排名", 1)[1].split("*数据来源:", 1)[0]
    assert "| 4 | qwen3.5-max-preview | 1465 |" in domestic
    assert "| 5 | dola-seed-2.0-preview | 1463 |" in domestic
    assert "| 6 | glm-5 | 1456 |" in domestic


def test_a_domestic_table_configured_away_is_not_called_empty() -> None:
    config = Config(leaderboard=LeaderboardConfig(domestic_n=0))
    edition = plain_edition(
        leaderboard=build_leaderboard("arena-catalog", SCORES, date(2026, 11, 15), 2, 0),
        leaderboard_status=SourceStatus("LM Arena", "ok"),
    )
    assert "未识别到国产模型" not in Renderer(config, TEMPLATES).markdown(edition)
