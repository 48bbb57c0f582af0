"""Leaderboard files a review found shown wrong: each test failed before its fix (model names that
are links, invisible or huge)."""

from __future__ import annotations

import unicodedata
from datetime import date

import html5lib
import pytest
from github_markdown import github_html, text_of
from test_leaderboard_editions import CONFIG, TEMPLATES, board_edition, email_parts

from ai_news_tracker.errors import InvalidLeaderboard
from ai_news_tracker.leaderboard import build_leaderboard, parse_snapshot
from ai_news_tracker.render import Renderer


# -- 1. a link in a model name is linked by mail clients ---------------------------------------------
def test_a_link_or_address_in_a_model_name_is_broken_in_the_email_as_in_feed_text() -> None:
    # Given a leaderboard file whose model names are a URL and an address (the file is third-party data)
    scores = {"https://evil.example/login": 1600.0, "ops@evil.example": 1550.0, "glm-4.6": 1500.0}
    text, shown = email_parts(board_edition(scores))
    # Then, as for feed text (text.unlinked), neither part carries them in a shape mail clients link
    for part in (text, shown):
        assert "https://evil.example/login" not in part
        assert "ops@evil.example" not in part


# -- 2. a model with no visible name is ranked and shown as a blank row ------------------------------
@pytest.mark.parametrize("name", ["\u0000", "\u202e", "\u200b", "\u200b\u200b\u2060"])
def test_a_model_named_by_invisible_characters_alone_is_never_shown_as_a_blank_leader(name: str) -> None:
    # Given the overall category's best entry has a name of control / format characters alone
    data = {
        "full": {name: {"rating": 1600.0}, "gemini-3-pro": {"rating": 1500.0}, "glm-4.6": {"rating": 1490.0}}
    }
    try:
        snapshot = parse_snapshot("arena-catalog", data, "full")
    except InvalidLeaderboard:
        return  # README: an entry lacking a model name fails the category by name
    board = build_leaderboard("arena-catalog", snapshot.scores, date(2026, 11, 15), 2, 10)
    markdown = Renderer(CONFIG, TEMPLATES).markdown(board_edition(snapshot.scores))
    tree = html5lib.parse(github_html(markdown), namespaceHTMLElements=False)
    first_table = tree.find(".//table")
    cells = [text_of(row.findall("td")[1]) for row in first_table.iter("tr") if row.findall("td")]
    # what a reader sees: format (zero-width), control and space characters show nothing
    visible = ["".join(c for c in cell if unicodedata.category(c)[0] not in "CZ") for cell in cells]
    # Then no row of the global top reads as a model without a name
    assert all(visible), (
        f"global top shows a blank model name: {cells!r} (ranks {[r.rank for r in board.global_top]})"
    )


# -- 4. an unbounded model name made the email too long for Gmail ------------------------------------
def test_a_file_with_a_huge_model_name_is_refused_by_name() -> None:
    # Given a leaderboard file whose leader's name is 300,000 characters (a broken or hostile file): it
    # made every format about 600 KB, and pushed the email past what Gmail shows unclipped
    data = {"full": {"qwen-" + "x" * 300_000: {"rating": 1600.0}, "glm-4.6": {"rating": 1500.0}}}
    # Then the file is refused, saying why (the edition names the leaderboard's failure instead)
    with pytest.raises(InvalidLeaderboard, match="at most 200 characters"):
        parse_snapshot("arena-catalog", data, "full")
