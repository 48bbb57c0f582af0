"""Acceptance: feeds shaped like the three real sources, carrying the sample report's items, plus the
lmarena-history snapshot, give back the sample report (with its deliberate departures).

Nothing is copied into the project: the items are read from ``../shared/spec`` at test time and
served from loopback in the shapes 36Kr, 机器之心 and the 新智元 WeChat bridge publish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from loopback import LoopbackServer, static
from shared_data import DATA, SPEC, require

from ai_news_tracker import text
from ai_news_tracker.cli import main

pytestmark = pytest.mark.shared_data

NOW = "2026-01-20T13:50:39+08:00"
ITEM = re.compile(
    r"### (?P<title>.+)\n\n\*\*来源\*\*: (?P<source>\S+) \| \*\*时间\*\*: (?P<time>[\d-]+ [\d:]+)\n\n"
    r"(?:(?P<text>.+)\n\n)?\[阅读原文\]\((?P<url>\S+)\)"
)
# The departures the contract requires: qwq-32b (Alibaba) is domestic, so it enters the domestic
# table at its global rank and step-2 drops out of the top 10; the source line names the ranking (the
# category, without style control), gives the snapshot's own date and warns that it is old.
DOMESTIC = """| 全球排名 | 模型 | ELO 分数 |
|---------|------|---------|
| 15 | deepseek-v3-0324 | 1368 |
| 20 | hunyuan-turbos-20250416 | 1356 |
| 21 | deepseek-r1 | 1354 |
| 29 | qwen2.5-max | 1337 |
| 30 | qwen3-235b-a22b | 1337 |
| 33 | qwen3-32b | 1324 |
| 37 | deepseek-v3 | 1315 |
| 39 | qwq-32b | 1310 |
| 41 | glm-4-plus-0111 | 1307 |
| 42 | qwen-plus-0125 | 1307 |
"""
SOURCE_LINE = (
    "*数据来源: [LM Arena (lmarena.ai)](https://lmarena.ai/) | [原始数据](https://github.com/nakasyou/lmarena-history)"
    " | 榜单: overall（未启用风格控制）"
    " | 数据日期: 2025-05-22 | ⚠️ 已 243 天未更新，排名仅供参考 | 更新时间: 2026-01-20 13:50*\n\n---\n"
)


@dataclass(frozen=True)
class SampleItem:
    title: str
    source: str
    time: datetime
    text: str
    url: str

    def description(self) -> str:
        # The sample cut each text at 300 characters; the article goes on after that.
        if not self.text:
            return ""
        return (
            f"<p>{escape(self.text.rstrip())}</p><p>（后文略）</p>"
            if len(self.text) >= 300
            else f"<p>{escape(self.text)}</p>"
        )


def sample_items(sample: str) -> list[SampleItem]:
    details = sample.split("## 详细资讯", 1)[1]
    return [
        SampleItem(
            m["title"],
            m["source"],
            datetime.fromisoformat(m["time"] + ":00+08:00"),
            m["text"] or "",
            m["url"],
        )
        for m in ITEM.finditer(details)
    ]


def rss(title: str, items: list[str]) -> bytes:
    body = "".join(items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://example.com/</link><description>{title}</description>{body}</channel></rss>"
    ).encode()


def kr36_item(item: SampleItem) -> str:
    # 36Kr's own feed: CDATA link with ?f=rss, and dates like "2026-01-20 10:56:00  +0800"
    return (
        f"<item><title><![CDATA[{item.title}]]></title><link><![CDATA[{item.url}]]></link>"
        f"<pubDate>{item.time:%Y-%m-%d %H:%M:%S}  +0800</pubDate>"
        f"<description><![CDATA[{item.description()}]]></description></item>"
    )


def jiqizhixin_item(item: SampleItem) -> str:
    # 机器之心: RFC 822 dates and empty descriptions
    return (
        f"<item><title><![CDATA[{item.title}]]></title><link>{escape(item.url)}</link>"
        f"<guid>{escape(item.url)}</guid><pubDate>{format_datetime(item.time)}</pubDate>"
        "<description><![CDATA[]]></description></item>"
    )


def bridge_item(item: SampleItem) -> str:
    # The WeChat-to-RSS bridge: entity-escaped links, +0800 dates, 32-hex guids, HTML in CDATA
    guid = f"{abs(hash(item.url)):032x}"[:32]
    return (
        f"<item><title><![CDATA[{item.title}]]></title><link>{escape(item.url)}</link>"
        f"<guid>{guid}</guid><pubDate>{format_datetime(item.time)}</pubDate>"
        f"<description><![CDATA[{item.description()}]]></description></item>"
    )


SHAPES = {
    "36Kr": ("36kr", kr36_item),
    "机器之心": ("jiqizhixin", jiqizhixin_item),
    "新智元": ("aiera", bridge_item),
}


def test_sample_report_is_given_back(tmp_path: Path) -> None:
    sample = require(SPEC / "sample-report-2026-01-20.md").read_text(encoding="utf-8")
    scores = require(DATA / "lmarena" / "lmarena-history-scores-trimmed.json").read_bytes()
    items = sample_items(sample)
    assert len(items) == 8

    # Given the sample's items served as the three sources publish them, and the snapshot
    routes = {"/scores.json": static(scores, headers={"Content-Type": "application/json"})}
    for source, (slug, shape) in SHAPES.items():
        feed = rss(source, [shape(i) for i in items if i.source == source])
        routes[f"/{slug}.xml"] = static(feed, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    with LoopbackServer(routes) as server:
        config = tmp_path / "config.toml"
        sources = "".join(
            f'[[sources]]\nname = "{name}"\nurl = "{server.url(f"/{slug}.xml")}"\n\n'
            for name, (slug, _) in SHAPES.items()
        )
        config.write_text(
            "[filter]\ninclude = []\n\n"
            + sources
            + f'[leaderboard]\nprovider = "lmarena-history"\nurl = "{server.url("/scores.json")}"\n',
            encoding="utf-8",
        )
        # When the day's edition is built at the sample's time
        code = main(["run", "--config", str(config), "--data-dir", str(tmp_path / "data"), "--now", NOW])
    assert code == 0
    ours = (tmp_path / "data" / "site" / "reports" / "2026-01-20.md").read_text(encoding="utf-8")

    # Then everything but the required departures is the sample, byte for byte
    head, _, rest = ours.partition("## 今日要点\n\n")
    assert head == "# 2026-01-20 国产大模型日报\n\n"
    points, _, rest = rest.partition("\n---\n\n")
    assert re.fullmatch(r"(\d\. .+\n){5}", points), points
    assert sample.split("### 全球 Top 5", 1)[1].split("### 国产模型排名")[0] in rest
    assert DOMESTIC + "\n" + SOURCE_LINE in rest
    # and the items are the sample's, but for the outlets' bylines and headers before each lead, which
    # an edition leaves out (作者丨…, 新智元报道 编辑：…【新智元导读】): the text shown starts with the lead
    details = sample.split("## 详细资讯", 1)[1]
    for item in items:
        if item.text:
            details = details.replace(item.text, edition_text(item), 1)
    assert ours.split("## 详细资讯", 1)[1] == details
    assert "作者丨" not in ours and "【新智元导读】" not in ours


def edition_text(item: SampleItem) -> str:
    """What the edition shows of a sample item's text: from its lead, the first 300 characters."""
    return text.truncate(text.shown_text(text.html_to_text(item.description())), 300)
