"""``[report] key_points`` and ``subtitle`` in every format: Markdown, the pages, the feed, the email.

``key_points = 0`` turns 今日要点 off: no format then tells readers "本期没有新的要点" (no new key
points) above a full list of items, which is what an edition without points says when points are on.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from editions import plain_edition
from web_audit import strict_parse

from ai_news_tracker.config import Config, LeaderboardConfig, ReportConfig, parse_config
from ai_news_tracker.errors import ConfigError
from ai_news_tracker.mail import build_message
from ai_news_tracker.models import Edition, EditionSummary, SourceStatus
from ai_news_tracker.render import Renderer, configured_shown_with

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NO_POINTS = "本期没有新的要点"


def edition(key_points: tuple[str, ...] = (), notes: tuple[str, ...] = ()) -> Edition:
    failed_board = SourceStatus("LM Arena", "http_error", "HTTP 503")
    return plain_edition(key_points=key_points, notes=notes, leaderboard_status=failed_board)


def config(**report: object) -> Config:
    return Config(report=replace(ReportConfig(), **report), leaderboard=LeaderboardConfig())


def outputs(cfg: Config, ed: Edition) -> dict[str, str]:
    renderer = Renderer(cfg, TEMPLATES)
    summaries = [ed.summary()]
    mail = build_message(
        ed,
        cfg,
        recipient="reader@example.org",
        web_url=None,
        unsubscribe_url=None,
        unsubscribe_mailto="mailto:unsubscribe@example.org?subject=unsubscribe",
        templates_dir=TEMPLATES,
    )
    text, html = (part.get_content() for part in mail.iter_parts())  # multipart/alternative
    return {
        "markdown": renderer.markdown(ed),
        "page": renderer.html(ed),
        "archive": renderer.index(summaries),
        "feed": renderer.feed(summaries),
        "mail text": text,
        "mail html": html,
    }


def test_key_points_0_leaves_the_section_out_of_every_format() -> None:
    # Given a configuration that turns key points off, and the edition it builds (no points)
    cfg = config(key_points=0)
    # When every format is rendered
    out = outputs(cfg, edition())
    # Then none has a 今日要点 section, and none says the day had no points
    for name, text in out.items():
        assert NO_POINTS not in text, name
        assert "今日要点" not in text, name
    assert out["markdown"].startswith("# 2026-11-20 国产大模型日报\n\n## 国产模型排行榜 (LM Arena)\n")
    # And the feed's entry sums the edition up by its items instead
    entry = feedparser.parse(out["feed"]).entries[0]
    assert entry.summary == "本期共 3 条资讯。"
    for page in ("page", "archive"):
        strict_parse(out[page])


def test_with_key_points_on_an_edition_without_points_says_so_everywhere() -> None:
    out = outputs(config(key_points=5), edition())
    for name, text in out.items():
        assert "今日要点" in text or name == "archive", name
        assert NO_POINTS in text, name


def test_points_of_a_stored_edition_are_shown_even_after_key_points_became_0() -> None:
    # Given an edition built with points, rendered again after the configuration turned them off
    out = outputs(config(key_points=0), edition(key_points=("要点甲", "要点乙")))
    # Then its points are still shown: they are part of the edition
    for name, text in out.items():
        assert "要点甲" in text and "要点乙" in text, name


def test_the_feed_and_archive_read_as_an_edition_was_built_after_key_points_are_turned_on() -> None:
    # Given an edition built and published while key_points = 0 (no 今日要点 section)
    built = config(key_points=0)
    ed = replace(edition(), shown_with=configured_shown_with(built))
    before = outputs(built, ed)
    # When key points are turned back on and the next publish writes the feed and the archive again
    after = outputs(config(key_points=5), ed)
    # Then they say what they said (the entry's updated did not move: readers keep their copy)
    for name in ("page", "archive", "feed"):
        assert NO_POINTS not in after[name] and "今日要点" not in after[name], name
    assert feedparser.parse(after["feed"]).entries[0] == feedparser.parse(before["feed"]).entries[0]


@pytest.mark.parametrize(
    ("subtitle", "shown"),
    [
        (None, "每日国产大模型与 AI 资讯"),  # the default
        ("A daily digest of model news", "A daily digest of model news"),
        ("", None),
    ],
    ids=["default", "custom", "none"],
)
def test_the_subtitle_is_the_configured_one_or_none(subtitle: str | None, shown: str | None) -> None:
    cfg = config() if subtitle is None else config(title="Model Digest", subtitle=subtitle)
    out = outputs(cfg, edition(key_points=("要点甲",)))
    feed = feedparser.parse(out["feed"]).feed
    if shown is None:
        assert "每日国产大模型与 AI 资讯" not in out["page"] + out["archive"] + out["feed"]
        assert "subtitle" not in feed
        assert '<p class="kicker">星期五</p>' in out["page"]
        assert 'class="kicker"' not in out["archive"]
    else:
        assert f'<p class="kicker">星期五 · {shown}</p>' in out["page"]
        assert f'<p class="kicker">{shown}</p>' in out["archive"]
        assert feed.subtitle == shown
    for page in ("page", "archive"):
        strict_parse(out[page])


def test_a_subtitle_on_more_than_one_line_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^config key 'report\.subtitle': must be one line"):
        parse_config({"report": {"subtitle": "第一行\n第二行"}})


def test_an_edition_summary_keeps_its_points() -> None:  # what the archive and the feed are made from
    ed = edition(key_points=("要点甲",))
    assert ed.summary() == EditionSummary(ed.date, ed.title, ed.generated_at, ("要点甲",), 3)


def test_a_cut_text_is_marked_in_the_email_and_the_json_as_on_the_page() -> None:
    # Given summary_chars = 5: "第 1 条资讯的正文。" is cut, a text of four characters is not
    cfg = config(summary_chars=5)
    ed = edition()
    ed = replace(ed, items=(ed.items[0], replace(ed.items[1], text="恰好四字")))
    out = outputs(cfg, ed)
    payload = json.loads(Renderer(cfg, TEMPLATES).json(ed))
    # Then the page, the email's two parts and the JSON tell the cut text from the whole one
    assert "第 1 条…" in out["page"] and "恰好四字…" not in out["page"]
    for part in ("mail text", "mail html"):
        assert "第 1 条…" in out[part] and "恰好四字" in out[part] and "恰好四字…" not in out[part]
    assert [(i["summary"], i["summary_truncated"]) for i in payload["items"]] == [
        ("第 1 条", True),
        ("恰好四字", False),
    ]
    # And the Markdown cuts as the sample edition does, without a mark
    assert "\n第 1 条\n" in out["markdown"]
