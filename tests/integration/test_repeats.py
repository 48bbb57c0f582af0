"""A story already published is not news the next day: another outlet's later report of it is a repeat.

Two days through the real command, feeds served on loopback. On 2031-12-04 36Kr carries DeepSeek's V4
release; on 12-05 新智元 (a WeChat bridge, a day late as usual) carries the same story under its own
dramatic title, beside a story nobody told before. The second edition shows the fresh story in full
and lists the late report compactly under 已报道事件的后续与转载 (首见 12-04), in every format; its
key points come from the news alone. Day 12-05's Markdown, JSON and page are golden files
(``UPDATE_GOLDEN=1`` rewrites them, as in ``test_golden_edition.py``).
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from editions import check_golden
from loopback import LoopbackServer, static

from ai_news_tracker.cli import main
from ai_news_tracker.config import parse_config
from ai_news_tracker.models import Entry
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.store import LocalStore

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
DAY1, DAY2 = "2031-12-04", "2031-12-05"
NOW1, NOW2 = "2031-12-04T08:10:00+08:00", "2031-12-05T08:10:00+08:00"

LEAD = (
    "12月3日，深度求索正式发布DeepSeek-V4，总参数1.2万亿，激活参数520亿，在SWE-bench Verified上"
    "得分78.4%，API价格每百万输入Token 0.5元，并同步开源模型权重。"
)
V4_36KR = ("DeepSeek发布V4：1.2万亿参数，SWE-bench得分78.4%", "https://36kr.com/p/3100001", LEAD)
V4_XZY = (
    "刚刚！DeepSeek-V4杀疯了，1.2万亿参数开源",
    "https://mp.weixin.qq.com/s/v4late",
    f"新智元报道 编辑：桃子【新智元导读】{LEAD}",
)
GLM = (
    "智谱发布GLM-5：代码能力追平Claude Opus",
    "https://36kr.com/p/3100002",
    "12月3日晚，智谱正式发布新一代基座模型GLM-5，在多项代码评测中与Claude Opus持平，已在开放平台上线。",
)
KIMI = (
    "月之暗面开源Kimi-K3，长上下文扩展到400万Token",
    "https://mp.weixin.qq.com/s/k3fresh",
    "新智元报道 编辑：好困【新智元导读】月之暗面今日开源Kimi-K3，上下文窗口扩展到400万Token，"
    "在长文档问答评测中领先同类开源模型。",
)


def rss(name: str, entries: list[tuple[tuple[str, str, str], str]]) -> bytes:
    items = "".join(
        f"<item><title><![CDATA[{title}]]></title><link>{link}</link><pubDate>{published}</pubDate>"
        f"<description><![CDATA[<p>{text}</p>]]></description></item>"
        for (title, link, text), published in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
        f"<link>https://{name}.example.cn/</link><description>d</description>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def two_days(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Day 1 run with 36Kr's report, then day 2 with 新智元's late report of it and a fresh story."""
    routes = {
        "/36kr": static(
            rss(
                "36kr",
                [(V4_36KR, "Wed, 03 Dec 2031 10:00:00 +0800"), (GLM, "Wed, 03 Dec 2031 21:00:00 +0800")],
            )
        ),
        "/xzy": static(rss("xzy", [])),
    }
    with LoopbackServer(routes) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            '[report]\ntimezone = "Asia/Shanghai"\n'
            f'[[sources]]\nname = "36Kr"\nurl = "{server.url("/36kr")}"\n'
            f'[[sources]]\nname = "新智元"\nurl = "{server.url("/xzy")}"\n'
            '[email]\nenabled = true\nsender = "日报 <digest@example.com>"\nrecipients = ["a@example.com"]\n',
            encoding="utf-8",
        )
        data = tmp_path / "data"
        assert main(["run", "--config", str(config), "--data-dir", str(data), "--now", NOW1]) == 0
        # the next day the WeChat bridge posts the same story, and one nobody told before
        server.routes["/xzy"] = static(
            rss(
                "xzy",
                [(V4_XZY, "Thu, 04 Dec 2031 09:00:00 +0800"), (KIMI, "Thu, 04 Dec 2031 20:00:00 +0800")],
            )
        )
        assert main(["run", "--config", str(config), "--data-dir", str(data), "--now", NOW2]) == 0
        yield config, data


def report(data: Path, day: str, suffix: str) -> str:
    return (data / "site" / "reports" / f"{day}.{suffix}").read_text(encoding="utf-8")


def payload(data: Path, day: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(report(data, day, "json"))
    return loaded


def test_a_story_published_yesterday_is_listed_as_reported_not_shown_again(
    two_days: tuple[Path, Path],
) -> None:
    _, data = two_days
    first, second = payload(data, DAY1), payload(data, DAY2)
    # Day 1 showed 36Kr's report in full
    (v4,) = [i for i in first["items"] if i["url"] == V4_36KR[1]]
    # Then day 2 shows only the fresh story in full
    assert [i["title"] for i in second["items"]] == [KIMI[0]]
    # And lists 新智元's late report as reported before, naming the day and the story it repeats
    (repeat,) = second["reported_before"]
    assert repeat["title"] == V4_XZY[0] and repeat["url"] == V4_XZY[1] and repeat["sources"] == ["新智元"]
    assert repeat["reported_on"] == DAY1 and repeat["reported_item"] == v4["id"]
    # And no key point is made of it
    assert second["key_points"] and not any("DeepSeek" in point for point in second["key_points"])
    # And the Markdown keeps the contract's shape: no item block, one italic note pointing to the web
    markdown = report(data, DAY2, "md")
    assert V4_XZY[0] not in markdown and "### 月之暗面开源Kimi-K3" in markdown
    assert (
        "\n*另有 1 条资讯为此前已报道事件的后续或转载，不再详列，标题与链接见本期网页版和 JSON。*\n"
        in markdown
    )
    # And the page lists it under 已报道事件的后续与转载, linking to the day that reported it
    page = report(data, DAY2, "html")
    listed = page[page.index('<h3 id="reported">已报道事件的后续与转载</h3>') :]
    assert V4_XZY[1] in listed and f'href="{DAY1}.html">首见 12-04</a>' in listed
    assert page.count(V4_XZY[1]) == 1  # listed once, not as an item


def test_the_email_lists_the_repeat_under_its_own_heading_not_among_the_news(
    two_days: tuple[Path, Path],
) -> None:
    _, data = two_days
    (eml,) = (data / "outbox" / DAY2).glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text_part, html_part = message.get_body(("plain",)), message.get_body(("html",))
    assert text_part is not None and html_part is not None
    text, html = text_part.get_content().replace("\r\n", "\n"), html_part.get_content()
    news, reported = text.split("【已报道事件的后续与转载】")
    assert KIMI[0] in news and V4_XZY[0] not in news
    assert f"- {V4_XZY[0]}\n   来源: 新智元 | 首见 12-04\n   {V4_XZY[1]}\n" in reported
    assert html.index(KIMI[0]) < html.index("已报道事件的后续与转载</h3>") < html.index(V4_XZY[0])
    assert "新智元 · 首见 12-04" in re.sub(r"<[^>]*>", "", html)  # (as text: its date kept on one line)


def test_a_rerun_and_a_rebuild_of_the_day_give_the_same_edition(two_days: tuple[Path, Path]) -> None:
    config, data = two_days
    published = {suffix: report(data, DAY2, suffix) for suffix in ("md", "json", "html")}
    # When day 2 is run again, then rebuilt (its stored edition deleted, as the runbook does)
    assert main(["run", "--config", str(config), "--data-dir", str(data), "--now", NOW2]) == 0
    (data / "raw" / "editions" / f"{DAY2}.json").unlink()
    assert main(["run", "--config", str(config), "--data-dir", str(data), "--now", NOW2]) == 0
    # Then it is compared with the editions before it only, and says the same, byte for byte
    assert {suffix: report(data, DAY2, suffix) for suffix in published} == published
    # And day 1 is untouched by its successor's repeat
    assert [i["url"] for i in payload(data, DAY1)["items"]] == [GLM[1], V4_36KR[1]]


def test_a_repeat_several_feeds_carried_names_each_of_them(tmp_path: Path) -> None:
    # Given 36Kr's report on day 1; on day 2 新智元's late one, a mirror of 新智元's feed carrying that
    # very article, and 量子位's own late report of the story under another link
    qbit = ("DeepSeek-V4发布：1.2万亿参数", "https://www.qbitai.com/2031/12/v4", f"量子位 报道 {LEAD}")
    late = [(V4_XZY, "Thu, 04 Dec 2031 09:00:00 +0800"), (KIMI, "Thu, 04 Dec 2031 20:00:00 +0800")]
    routes = {
        "/36kr": static(rss("36kr", [(V4_36KR, "Wed, 03 Dec 2031 10:00:00 +0800")])),
        "/xzy": static(rss("xzy", [])),
        "/mirror": static(rss("mirror", [])),
        "/qbit": static(rss("qbit", [])),
    }
    with LoopbackServer(routes) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            '[report]\ntimezone = "Asia/Shanghai"\n'
            + "".join(
                f'[[sources]]\nname = "{name}"\nurl = "{server.url(path)}"\n'
                for name, path in (
                    ("36Kr", "/36kr"),
                    ("新智元", "/xzy"),
                    ("新智元镜像", "/mirror"),
                    ("量子位", "/qbit"),
                )
            )
            + '[email]\nenabled = true\nsender = "日报 <digest@example.com>"\n'
            + 'recipients = ["a@example.com"]\n',
            encoding="utf-8",
        )
        data = tmp_path / "data"
        assert main(["run", "--config", str(config), "--data-dir", str(data), "--now", NOW1]) == 0
        server.routes["/xzy"] = server.routes["/mirror"] = static(rss("xzy", late))
        server.routes["/qbit"] = static(rss("qbit", [(qbit, "Thu, 04 Dec 2031 10:00:00 +0800")]))
        assert main(["run", "--config", str(config), "--data-dir", str(data), "--now", NOW2]) == 0
    # When day 2 is published, Then the story is listed once, naming every feed that carried it
    (repeat,) = payload(data, DAY2)["reported_before"]
    assert sorted(repeat["sources"]) == ["新智元", "新智元镜像", "量子位"]
    # And so does the email
    (eml,) = (data / "outbox" / DAY2).glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text_part = message.get_body(("plain",))
    assert text_part is not None
    (line,) = [x for x in text_part.get_content().splitlines() if "首见 12-04" in x]
    assert all(name in line for name in ("新智元", "新智元镜像", "量子位")), line


@pytest.mark.parametrize("suffix", ["md", "json", "html"])
def test_the_edition_with_a_repeat_matches_its_golden_file(two_days: tuple[Path, Path], suffix: str) -> None:
    _, data = two_days
    check_golden(GOLDEN / f"repeat-{DAY2}.{suffix}", report(data, DAY2, suffix))


# -- how far back a day looks: the Pipeline over a local store ------------------------------------------
DAY0 = datetime(2031, 12, 4, 0, 10, tzinfo=UTC)  # 08:10 in Shanghai


def entry(story: tuple[str, str, str]) -> Entry:
    title, link, text = story
    return Entry(title=title, text=text, url=link, guid=None, published_at=None)


def filler(n: int) -> Entry:
    """A story of its own for day ``n`` (an edition needs news, or a source that answered)."""
    return Entry(
        title=f"第 {n} 天的独立报道：模型 M{n * 7919} 发布",
        text=f"第 {n} 篇独立报道，编号 {n * 104729}，与其他文章无关。",
        url=f"https://36kr.com/p/filler{n}",
        guid=None,
        published_at=None,
    )


def test_a_day_of_repeats_alone_is_published_when_no_feed_answers_its_run(tmp_path: Path) -> None:
    blocked = static(
        b"<!DOCTYPE html><html><body>blocked</body></html>", headers={"Content-Type": "text/html"}
    )
    routes = {
        "/36kr": static(rss("36kr", [(V4_36KR, "Wed, 03 Dec 2031 10:00:00 +0800")])),
        "/xzy": static(rss("xzy", [])),
    }
    with LoopbackServer(routes) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            '[report]\ntimezone = "Asia/Shanghai"\n'
            f'[[sources]]\nname = "36Kr"\nurl = "{server.url("/36kr")}"\n'
            f'[[sources]]\nname = "新智元"\nurl = "{server.url("/xzy")}"\n',
            encoding="utf-8",
        )
        data = tmp_path / "data"
        run = ["--config", str(config), "--data-dir", str(data)]
        # Given day 1 published with 36Kr's report of V4
        assert main(["run", *run, "--now", NOW1]) == 0
        # And day 2's morning fetch bringing 新智元's late report of it, and nothing else
        server.routes["/xzy"] = static(rss("xzy", [(V4_XZY, "Thu, 04 Dec 2031 09:00:00 +0800")]))
        assert main(["fetch", *run, "--now", "2031-12-05T06:00:00+08:00"]) == 0
        # When at the day's run every feed answers an HTML page
        server.routes["/36kr"] = server.routes["/xzy"] = blocked
        # Then the day is still published: it has something to tell, the late report
        assert main(["run", *run, "--now", NOW2]) == 0
    second = payload(data, DAY2)
    assert second["items"] == [] and [r["url"] for r in second["reported_before"]] == [V4_XZY[1]]
    # And both feeds are named as failed
    assert {s["name"]: s["status"] == "ok" for s in second["sources"]} == {"36Kr": False, "新智元": False}


def daily_pipeline(tmp_path: Path, max_items: int = 30) -> Pipeline:
    config = parse_config(
        {
            "report": {"timezone": "Asia/Shanghai", "max_items": max_items},
            "filter": {"include": []},
            "sources": [
                {"name": "36Kr", "url": "https://36kr.example/rss"},
                {"name": "新智元", "url": "https://x.example/rss"},
            ],
        }
    )
    return Pipeline(config, raw=LocalStore(tmp_path / "raw"), site=LocalStore(tmp_path / "site"))


@pytest.mark.parametrize(
    ("late_day", "days_built", "repeat"),
    [
        (3, [1, 2, 3], True),  # the third edition after the one that published it: cut 72 h later
        (4, [2, 4], False),  # 96 h later, not the edition before: news again (the look back is bounded)
        (7, [7], True),  # a week without an edition: the edition before it is always compared with
    ],
    ids=["72-hours", "96-hours", "previous-edition-a-week-back"],
)
def test_a_day_compares_its_stories_with_the_previous_edition_and_those_of_the_last_72_hours(
    tmp_path: Path, late_day: int, days_built: list[int], repeat: bool
) -> None:
    # Given 36Kr's report of the release in the edition of day 0, and editions on ``days_built``
    pipe = daily_pipeline(tmp_path)
    pipe.repo.record_entries("36Kr", [entry(V4_36KR), filler(0)], DAY0 - timedelta(hours=2))
    pipe.build(DAY0)
    for n in days_built:
        cutoff = DAY0 + timedelta(days=n)
        if n == late_day:  # When 新智元's late report of it comes in the window of ``late_day``
            pipe.repo.record_entries("新智元", [entry(V4_XZY)], cutoff - timedelta(hours=2))
        pipe.repo.record_entries("36Kr", [filler(n)], cutoff - timedelta(hours=3))
        edition, _ = pipe.build(cutoff)
    # Then it is a repeat of day 0's story while that edition is compared with, else news again
    shown = [item.url for item in edition.items]
    assert (V4_XZY[1] in shown) is not repeat
    assert [(r.item.url, r.reported_on.isoformat()) for r in edition.repeats] == (
        [(V4_XZY[1], DAY1)] if repeat else []
    )


# -- a day of many repeats: they take no place, and nothing listed as news is one ---------------------
COMPANIES = ["深度求索", "智谱", "月之暗面", "百川智能", "阶跃星辰", "面壁智能"]
MODELS = ["DeepSeek-V9", "GLM-9", "Kimi-K9", "Baichuan-9", "Step-9", "MiniCPM-9"]
FIELDS = ["数学", "代码", "长文本", "多模态", "推理", "翻译"]


def launch(k: int, outlet: str) -> Entry:
    """Company ``k``'s launch as 36Kr tells it, or 新智元 a day late under its own dramatic title."""
    title = f"{COMPANIES[k]}发布{MODELS[k]}，参数规模{(k + 3) * 111}亿"
    text = (
        f"{COMPANIES[k]}今日正式发布{MODELS[k]}大模型，参数规模{(k + 3) * 111}亿，在{FIELDS[k]}评测中得分"
        f"{60 + k * 3}.{k}分，定价每百万Token {k + 1}.{k}元。"
    )
    if outlet == "新智元":
        title, text = f"刚刚！{title}", f"新智元报道 编辑：桃子【新智元导读】{text}"
    host = "36kr.com" if outlet == "36Kr" else "mp.weixin.qq.com"
    return Entry(title=title, text=text, url=f"https://{host}/p/launch{k}", guid=None, published_at=None)


def test_repeats_take_no_place_among_the_news_and_none_is_listed_as_news(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an edition of 2 stories whose merging looks at the newest 2 relevant items (max_items x 1)
    monkeypatch.setattr("ai_news_tracker.pipeline.CLUSTER_FACTOR", 1)
    pipe = daily_pipeline(tmp_path, max_items=2)
    # And day 0's edition showing 36Kr's launches 0 and 1
    pipe.repo.record_entries("36Kr", [launch(0, "36Kr"), launch(1, "36Kr")], DAY0 - timedelta(hours=2))
    first, _ = pipe.build(DAY0)
    assert len(first.items) == 2
    # When day 1's newest item is 新智元's late report of launch 0, then three fresh stories, and its
    # oldest 新智元's late report of launch 1
    cutoff = DAY0 + timedelta(days=1)
    pipe.repo.record_entries("新智元", [launch(1, "新智元")], cutoff - timedelta(hours=20))
    pipe.repo.record_entries("36Kr", [launch(n, "36Kr") for n in (2, 3, 4)], cutoff - timedelta(hours=10))
    pipe.repo.record_entries("新智元", [launch(0, "新智元")], cutoff - timedelta(hours=1))
    edition, _ = pipe.build(cutoff)
    # Then the fresh stories are the news, shown in full and listed, the newest max_items in full
    fresh = {launch(n, "36Kr").url for n in (2, 3, 4)}
    assert len(edition.items) == 2 and {i.url for i in [*edition.items, *edition.more]} == fresh
    # And both late reports are listed as repeats of day 0's stories, neither among the news
    assert sorted(r.item.url for r in edition.repeats) == [launch(0, "新智元").url, launch(1, "新智元").url]
    assert {r.reported_on.isoformat() for r in edition.repeats} == {DAY1}
    assert edition.key_points
