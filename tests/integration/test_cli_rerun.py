"""A day run again through the command: it publishes the edition as stored, and says how to build the
newest one again after a configuration change (what a developer tuning the filter does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from loopback import LoopbackServer, static

from ai_news_tracker.cli import main

HEAD = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
FIRST_DAY = (
    "<item><title>DeepSeek 发布新模型</title><link>https://example.com/a</link></item>"
    "<item><title>通义千问开源新版本</title><link>https://example.com/b</link></item>"
)
NEXT_DAY = "<item><title>Kimi 发布长文本模型</title><link>https://example.com/c</link></item>"
FEEDS = (
    f"{HEAD}{FIRST_DAY}</channel></rss>".encode(),
    f"{HEAD}{NEXT_DAY}{FIRST_DAY}</channel></rss>".encode(),
)
DAYS = ("2026-11-19", "2026-11-20")


def config(path: Path, url: str, exclude: str = "") -> Path:
    path.write_text(
        f'[filter]\ninclude = []\nexclude = [{exclude}]\n[[sources]]\nname = "甲"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return path


def run(path: Path, data: Path, day: str) -> int:
    return main(["run", "--config", str(path), "--data-dir", str(data), "--now", f"{day}T20:00:00+08:00"])


def two_days(tmp_path: Path, server: LoopbackServer) -> tuple[Path, Path]:
    """Both days published, each with what the feed brought that day: the config file and data folder."""
    path, data = config(tmp_path / "c.toml", server.url("/feed")), tmp_path / "data"
    for day, feed in zip(DAYS, FEEDS, strict=True):
        server.routes["/feed"] = static(feed)
        assert run(path, data, day) == 0
    return path, data


def test_the_newest_day_run_again_says_how_to_build_it_with_the_new_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LoopbackServer() as server:
        # Given two days published, then a term excluded in the configuration
        path, data = two_days(tmp_path, server)
        config(path, server.url("/feed"), exclude='"Kimi"')
        capsys.readouterr()
        # When the newest day is run again
        assert run(path, data, DAYS[1]) == 0
        # Then it is published as stored, and the command says how to build it anew
        published, hint = capsys.readouterr().out.splitlines()
        assert published.startswith(f"republished the {DAYS[1]} edition: 1 item")
        stored = data / "raw" / "editions" / f"{DAYS[1]}.json"
        assert str(stored) in hint and "current configuration" in hint
        page = data / "site" / "reports" / f"{DAYS[1]}.md"
        assert "Kimi" in page.read_text(encoding="utf-8")
        # And doing what it says builds the day with the excluded term left out
        stored.unlink()
        assert run(path, data, DAYS[1]) == 0
    assert capsys.readouterr().out.startswith(f"published the {DAYS[1]} edition: 0 items")
    assert "Kimi" not in page.read_text(encoding="utf-8")


def test_an_older_day_run_again_says_it_stays_as_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LoopbackServer() as server:
        # Given two days published
        path, data = two_days(tmp_path, server)
        capsys.readouterr()
        # When the older day is run again
        assert run(path, data, DAYS[0]) == 0
    # Then it is published as stored, with no advice to delete it: the next day's window starts at it
    published, note = capsys.readouterr().out.splitlines()
    assert published.startswith(f"republished the {DAYS[0]} edition: 2 items")
    assert "kept as it was built" in note and "delete" not in note


def test_a_day_run_again_after_the_configuration_changed_shows_as_it_was_published(tmp_path: Path) -> None:
    text = "深度求索发布新一代推理模型，在数学和代码评测上大幅领先上一代，并同步开源了模型权重与技术报告。"
    feed = (
        f"{HEAD}<item><title>DeepSeek 发布新模型</title><link>https://example.com/a</link>"
        f"<description>{text}</description></item></channel></rss>"
    ).encode()
    with LoopbackServer() as server:
        server.routes["/feed"] = static(feed)
        # Given a day published with the default summary length and key points
        path, data = config(tmp_path / "c.toml", server.url("/feed")), tmp_path / "data"
        assert run(path, data, DAYS[0]) == 0
        reports = data / "site" / "reports"
        before = {p.name: p.read_bytes() for p in sorted(reports.iterdir())}
        assert text.encode() in before[f"{DAYS[0]}.json"]
        # When the summaries are made shorter and the key points turned off, and the day is run again
        path.write_text(
            path.read_text(encoding="utf-8") + "[report]\nsummary_chars = 10\nkey_points = 0\n",
            encoding="utf-8",
        )
        assert run(path, data, DAYS[0]) == 0
        # Then it is published as it was built: every file of it the same bytes ("republished")
        assert {p.name: p.read_bytes() for p in sorted(reports.iterdir())} == before
        # And built again (its stored edition deleted), it shows the new settings
        (data / "raw" / "editions" / f"{DAYS[0]}.json").unlink()
        assert run(path, data, DAYS[0]) == 0
    markdown = (reports / f"{DAYS[0]}.md").read_text(encoding="utf-8")
    assert text[:10] in markdown and text[:11] not in markdown and "今日要点" not in markdown
