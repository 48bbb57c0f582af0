"""Golden-file test: the demo day's whole edition, Markdown, JSON and HTML, byte for byte.

The demo feeds (``demo/``, written for this project) are served from loopback and the real command
runs in-process with a fixed ``--now``. To accept an intended change of the output, run
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/integration/test_golden_edition.py`` and review the diff.
"""

from __future__ import annotations

import email
import email.policy
import json
import sys
import tomllib
from pathlib import Path

import pytest
from editions import check_golden

from ai_news_tracker.cli import main

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
sys.path.insert(0, str(REPO / "demo"))

import run_demo  # noqa: E402


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    server = run_demo.start_server()
    host, port = server.server_address[:2]
    config = tmp_path / "demo.toml"
    config.write_text(run_demo.config_text(f"http://{host!s}:{port}"), encoding="utf-8")
    yield config
    server.shutdown()
    server.server_close()


def _check(name: str, produced: str) -> None:
    check_golden(GOLDEN / name, produced)


def test_demo_edition_matches_golden_files(demo_config: Path, tmp_path: Path) -> None:
    # Given the demo feeds and leaderboard served on loopback
    data = tmp_path / "data"
    # When the demo day's edition is built
    assert (
        main(["run", "--config", str(demo_config), "--data-dir", str(data), "--now", run_demo.DEMO_NOW]) == 0
    )
    # Then the Markdown, the JSON and the web page are exactly the reviewed ones
    reports = data / "site" / "reports"
    _check("demo-2026-11-20.md", (reports / "2026-11-20.md").read_text(encoding="utf-8"))
    _check("demo-2026-11-20.json", (reports / "2026-11-20.json").read_text(encoding="utf-8"))
    _check("demo-2026-11-20.html", (reports / "2026-11-20.html").read_text(encoding="utf-8"))
    # And latest.md is the newest edition's Markdown, byte for byte
    assert (data / "site" / "latest.md").read_bytes() == (reports / "2026-11-20.md").read_bytes()
    # And the phone launch the demo feeds hold is left out, as a real run leaves it out
    assert "星野手机" in (REPO / "demo" / "feeds" / "36kr.xml").read_text(encoding="utf-8")
    assert "星野手机" not in (reports / "2026-11-20.md").read_text(encoding="utf-8")


def test_golden_edition_has_the_sample_shape() -> None:
    # The reviewed golden file itself keeps the contract's shape (a guard against accepting a bad diff)
    text = (GOLDEN / "demo-2026-11-20.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[:5] == [
        "# 2026-11-20 国产大模型日报",
        "## 今日要点",
        "## 国产模型排行榜 (LM Arena)",
        "### 全球 Top 5",
        "### 国产模型排名",
    ]
    assert "## 详细资讯" in headings
    assert "| 排名 | 模型 | ELO 分数 |\n|-----|------|---------|\n" in text
    assert "| 全球排名 | 模型 | ELO 分数 |\n|---------|------|---------|\n" in text
    assert text.endswith("\n\n\n---\n\n*本日报由 AI News Tracker 自动生成，更新时间: 2026-11-20 13:50:39*")
    payload = json.loads((GOLDEN / "demo-2026-11-20.json").read_text(encoding="utf-8"))
    assert {"date", "generated_at", "key_points", "leaderboard", "items", "sources"} <= payload.keys()
    assert len(payload["items"]) == text.count("[阅读原文](")
    # the same story told by 36Kr and 新智元 is one item naming both outlets
    assert text.count("Step-R2") >= 1 and "**来源**: 36Kr、新智元 |" in text
    (merged,) = [i for i in payload["items"] if len(i["sources"]) > 1]
    assert merged["sources"] == ["36Kr", "新智元"] and merged["source"] == "36Kr"


def test_the_demo_leaves_a_configuration_that_sends_its_email_edition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given `make demo` run into a data folder
    data = tmp_path / "demo-data"
    assert run_demo.main(["--data-dir", str(data)]) == 0
    # Then it says how to send the email edition, with the configuration it left there
    printed = capsys.readouterr().out
    assert f"send --config {data / 'config.toml'} --data-dir {data} --date 2026-11-20" in printed
    # When that command is run
    argv = ["send", "--config", str(data / "config.toml"), "--data-dir", str(data), "--date", "2026-11-20"]
    assert main(argv) == 0
    # Then the demo's reader has the edition as a .eml file
    (mail,) = (data / "outbox" / "2026-11-20").glob("*.eml")
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert mail.name == "reader@example.org.eml" and message["Subject"] == "2026-11-20 国产大模型日报"


def test_the_demo_configuration_says_which_server_it_was_written_for() -> None:
    # Given the configuration the demo writes for a loopback server
    text = run_demo.config_text("http://127.0.0.1:5555")
    config = tomllib.loads(text)
    # Then every URL is that server's, and the comments say so instead of naming a port as a placeholder
    urls = [source["url"] for source in config["sources"]] + [config["leaderboard"]["url"]]
    assert urls and all(url.startswith("http://127.0.0.1:5555/") for url in urls)
    assert text.startswith("# Written by demo/run_demo.py for the loopback server at http://127.0.0.1:5555")
    assert "placeholder {base}:" in text
