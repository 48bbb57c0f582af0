"""An unreachable summarizer still publishes the edition, with extractive points and a note saying so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loopback import LoopbackServer, static

from ai_news_tracker.cli import main

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>DeepSeek 发布新一代推理模型</title><link>https://example.com/a</link>
<pubDate>Fri, 20 Nov 2026 10:00:00 +0800</pubDate><description>大模型正文。</description></item>
</channel></rss>""".encode()


def test_unreachable_summarizer_falls_back_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackServer({"/feed": static(FEED)}) as feeds, LoopbackServer({}) as dead:
        config = tmp_path / "c.toml"
        config.write_text(
            f'[filter]\ninclude = []\n[[sources]]\nname = "甲"\nurl = "{feeds.url("/feed")}"\n'
            '[summarizer]\nprovider = "openai"\nmodel = "deepseek-chat"\n'
            f'base_url = "{dead.url("")}"\napi_key_env = "ANT_TEST_KEY"\ntimeout = 2\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("ANT_TEST_KEY", "sk-test")
        data = tmp_path / "data"
        # The model endpoint answers nothing useful (404 to every request)
        code = main(
            ["run", "--config", str(config), "--data-dir", str(data), "--now", "2026-11-20T12:00+08:00"]
        )

    assert code == 0
    md = (data / "site" / "reports" / "2026-11-20.md").read_text(encoding="utf-8")
    payload = json.loads((data / "site" / "reports" / "2026-11-20.json").read_text(encoding="utf-8"))
    assert "1. DeepSeek 发布新一代推理模型\n\n*摘要模型未能生成今日要点" in md
    assert payload["key_points"] == ["DeepSeek 发布新一代推理模型"]
    assert payload["notes"] and "摘要模型" in payload["notes"][0]
    html = (data / "site" / "reports" / "2026-11-20.html").read_text(encoding="utf-8")
    assert '<p class="note">摘要模型未能生成今日要点' in html


def test_a_run_whose_model_key_is_not_set_says_why_without_v_and_how_to_build_it_with_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a configuration asking a model for the key points, its key in a variable not exported
    monkeypatch.delenv("ANT_TEST_KEY", raising=False)
    with LoopbackServer({"/feed": static(FEED)}) as feeds:
        config = tmp_path / "c.toml"
        config.write_text(
            f'[filter]\ninclude = []\n[[sources]]\nname = "甲"\nurl = "{feeds.url("/feed")}"\n'
            '[summarizer]\nprovider = "openai"\nmodel = "deepseek-chat"\n'
            'base_url = "https://api.deepseek.com"\napi_key_env = "ANT_TEST_KEY"\n',
            encoding="utf-8",
        )
        run = ["run", "--config", str(config), "--data-dir", str(tmp_path), "--now", "2026-11-20T12:00+08:00"]
        # When the day is run (no -v), then again once the key is exported
        assert main(run) == 0
        first = capsys.readouterr().out.splitlines()
        monkeypatch.setenv("ANT_TEST_KEY", "sk-test")
        assert main(run) == 0
        again = capsys.readouterr().out.splitlines()
    # Then the first run says why the extractive points stand in (it said only "published …", the reason a
    # WARNING seen with -v) and how to build the day with the model; the second, which republishes the day
    # as built, says the same (its points are still the extractive ones)
    stored = f"delete {tmp_path}/raw/editions/2026-11-20.json and run again"
    assert "environment variable ANT_TEST_KEY is not set" in first[1] and stored in first[1], first
    assert again[0].startswith("republished") and "extractive key points" in again[1] and stored in again[1]
