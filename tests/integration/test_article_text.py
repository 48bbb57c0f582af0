"""Items whose feed has no text (机器之心) get the article page's own summary — politely — or none."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loopback import Exchange, LoopbackServer, static

from ai_news_tracker import pipeline as pipelines
from ai_news_tracker.articles import article_summary
from ai_news_tracker.cli import main
from ai_news_tracker.config import Config, FetchConfig, FilterConfig, SourceConfig
from ai_news_tracker.http import HttpClient
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.store import LocalStore

SUMMARY = "研究团队提出一种分层长程记忆机制，让智能体在千步任务中保持上下文。"
PAGE = f"""<!DOCTYPE html><html><head><meta charset="gbk">
<meta name="description" content="{SUMMARY}&lt;script&gt;alert(1)&lt;/script&gt;">
<title>t</title></head><body><script>alert(1)</script><p>正文</p></body></html>""".encode("gbk")


def feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>机器之心 第{n}篇：大模型研究</title><link>{base}/articles/{n}</link>"
        f"<pubDate>Fri, 20 Nov 2026 1{n}:00:00 +0800</pubDate><description><![CDATA[]]></description></item>"
        for n in range(3)
    )
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{items}</channel></rss>".encode()


def serve_textless_feed(server: LoopbackServer) -> None:
    """The feed of three items without text at /feed, and each item's article page."""
    server.routes["/feed"] = static(feed(server.url("")))
    for n in range(3):
        server.routes[f"/articles/{n}"] = static(PAGE, headers={"Content-Type": "text/html"})


def one_page_a_run(server: LoopbackServer, name: str) -> str:
    """A configuration of that feed as ``name``, asking one article page a run."""
    return (
        f'[filter]\ninclude = []\n[[sources]]\nname = "{name}"\nurl = "{server.url("/feed")}"\n'
        "article_text = true\n[fetch]\nretries = 0\narticle_fetches = 1\n"
    )


def test_summary_comes_from_the_page_meta_only() -> None:
    # a script in the summary is markup, and markup is dropped: only the page's text remains
    assert article_summary(PAGE, {}) == SUMMARY
    assert article_summary(b"<html><head></head><body><p>x</p></body></html>", {}) == ""
    og = b'<meta property="og:description" content="OG &amp; text">'
    assert article_summary(og, {"content-type": "text/html; charset=utf-8"}) == "OG & text"


def test_textless_items_get_the_page_summary_once(tmp_path: Path) -> None:
    with LoopbackServer({}) as server:
        server.routes["/feed"] = static(feed(server.url("")))
        server.routes["/articles/0"] = static(PAGE, headers={"Content-Type": "text/html"})
        server.routes["/articles/1"] = static(b"<html><head></head><body>no summary</body></html>")
        # /articles/2 answers 404
        config = tmp_path / "c.toml"
        config.write_text(
            f'[filter]\ninclude = []\n[[sources]]\nname = "机器之心"\nurl = "{server.url("/feed")}"\n'
            "article_text = true\n[fetch]\nretries = 0\n",
            encoding="utf-8",
        )
        data = tmp_path / "data"
        args = ["--config", str(config), "--data-dir", str(data)]
        assert main(["fetch", *args, "--now", "2026-11-20T13:00+08:00"]) == 0
        assert main(["fetch", *args, "--now", "2026-11-20T15:00+08:00"]) == 0
        assert main(["run", *args, "--now", "2026-11-20T16:00+08:00"]) == 0
        hits = {n: server.hits(f"/articles/{n}") for n in range(3)}

    # One request per article, whatever the number of fetches, and the page's summary in the edition
    assert hits == {0: 1, 1: 1, 2: 1}
    payload = json.loads((data / "site" / "reports" / "2026-11-20.json").read_text(encoding="utf-8"))
    texts = {item["title"]: item["summary"] for item in payload["items"]}
    assert texts["机器之心 第0篇：大模型研究"] == SUMMARY
    assert texts["机器之心 第1篇：大模型研究"] == "" and texts["机器之心 第2篇：大模型研究"] == ""
    md = (data / "site" / "reports" / "2026-11-20.md").read_text(encoding="utf-8")
    assert SUMMARY in md and "script" not in md


def trickle(exchange: Exchange) -> None:
    exchange.start(200, {"Content-Type": "application/rss+xml"})
    while exchange.write(b"<") and not exchange.wait(0.05):
        pass


def test_an_article_page_the_run_s_deadline_left_unasked_is_asked_at_the_next_run(tmp_path: Path) -> None:
    with LoopbackServer({}) as server:
        # Given 机器之心's feed, and another that trickles until the run's deadline (its invocation's end,
        # less FETCH_RESERVE), so that the article pages' turn comes after it
        server.routes["/feed"] = static(feed(server.url("")))
        server.routes["/slow"] = trickle
        server.routes["/articles/0"] = static(PAGE, headers={"Content-Type": "text/html"})
        config = Config(
            sources=(
                SourceConfig("机器之心", server.url("/feed"), article_text=True),
                SourceConfig("慢", server.url("/slow")),
            ),
            filter=FilterConfig(),
            fetch=FetchConfig(retries=0),
        )
        now = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
        with HttpClient(config.fetch) as http:
            raw = LocalStore(tmp_path / "raw")
            pipeline = Pipeline(config, raw, LocalStore(tmp_path / "site"), http=http)
            # When a run ends its requests before the pages are asked, and the next run has the time
            report = pipeline.fetch(now, deadline_at=time.monotonic() + 1.0)
            unasked = server.hits("/articles/0")
            server.routes["/slow"] = static(feed(server.url("")).replace(b"/articles/", b"/other/"))
            pipeline.fetch(now + timedelta(hours=1), deadline_at=time.monotonic() + 60)
            asked = server.hits("/articles/0")

    # Then the pages never asked for are asked then, once (nothing stored for them meanwhile), and the
    # item has its page's text
    assert [s.status for s in report.statuses] == ["ok", "timeout"] and unasked == 0
    assert asked == 1
    records = [json.loads(p.read_text()) for p in (tmp_path / "raw" / "articles").glob("*.json")]
    assert SUMMARY in [r["text"] for r in records]
    assert pipeline.repo.source_state("机器之心").articles_owed == ()


def test_article_links_leaving_the_feeds_origin_are_refused_and_never_requested(tmp_path: Path) -> None:
    # Given a hostile feed on the source's site whose items link to its own page, straight to another
    # origin (an internal service on loopback), and to its own page that redirects there
    internal_page = b'<html><head><meta name="description" content="INTERNAL-SECRET"></head></html>'
    with LoopbackServer({}) as site, LoopbackServer({"/admin": static(internal_page)}) as internal:
        links = [site.url("/articles/0"), internal.url("/admin"), site.url("/go")]
        items = "".join(
            f"<item><title>大模型 第{n}篇</title><link>{link}</link>"
            f"<pubDate>Fri, 20 Nov 2026 1{n}:00:00 +0800</pubDate><description></description></item>"
            for n, link in enumerate(links)
        )
        head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        site.routes["/feed"] = static(f"{head}{items}</channel></rss>".encode())
        site.routes["/articles/0"] = static(PAGE, headers={"Content-Type": "text/html"})
        site.routes["/go"] = static(b"", 302, {"Location": internal.url("/admin")})
        config = tmp_path / "c.toml"
        config.write_text(
            f'[filter]\ninclude = []\n[[sources]]\nname = "S"\nurl = "{site.url("/feed")}"\n'
            "article_text = true\n[fetch]\nretries = 0\n",
            encoding="utf-8",
        )
        data = tmp_path / "data"

        # When the source is fetched and the day's edition published
        args = ["--config", str(config), "--data-dir", str(data)]
        assert main(["fetch", *args, "--now", "2026-11-20T15:00+08:00"]) == 0
        assert main(["run", *args, "--now", "2026-11-20T16:00+08:00"]) == 0
        internal_requests = list(internal.requests)
        own_hits = (site.hits("/articles/0"), site.hits("/go"))

    # Then the page on the feed's origin is read, the internal service never asked, and the two other
    # links are recorded as refused, naming the host
    assert internal_requests == [] and own_hits == (1, 1)
    records = [json.loads(p.read_text()) for p in sorted((data / "raw" / "articles").glob("*.json"))]
    assert sorted(r["status"] for r in records) == ["blocked_destination", "blocked_destination", "ok"]
    refused = {r["error"] for r in records if r["status"] == "blocked_destination"}
    assert refused == {f"refused 127.0.0.1:{internal.port}: not a public address"}
    published = "".join(p.read_text(encoding="utf-8") for p in (data / "site").rglob("*.json"))
    assert SUMMARY in published and "INTERNAL-SECRET" not in published


# 喆 and 昇 are outside GB2312, 𠮷 outside GBK: read strictly as labelled, they garble the rest of the text.
GB18030_SUMMARY = "商汤科技发布日日新大模型，徐立与王喆介绍昇腾适配，𠮷野家接入"


@pytest.mark.parametrize(
    ("meta", "headers"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', {}),
        ('<meta charset="GB2312">', {}),
        ("", {"content-type": "text/html; charset=GB2312"}),
        ("", {"content-type": "text/html; charset=gbk"}),
    ],
)
def test_a_page_labelled_gb2312_or_gbk_is_read_as_gb18030(meta: str, headers: dict[str, str]) -> None:
    # Given a page labelled GB2312 (or GBK), as Chinese sites label their GBK/GB18030 text
    page = f'{meta}<meta name="description" content="{GB18030_SUMMARY}">'.encode("gb18030")
    # Then its summary reads as written, as feeds labelled so do
    assert article_summary(page, headers) == GB18030_SUMMARY


@pytest.mark.parametrize(
    ("meta", "headers"),
    [('<meta charset="iso-8859-1">', {}), ("", {"content-type": "text/html; charset=ISO-8859-1"})],
)
def test_a_page_labelled_latin_1_is_read_as_windows_1252(meta: str, headers: dict[str, str]) -> None:
    # Given a page labelled ISO-8859-1 whose dashes and curly quotes are windows-1252's, as browsers read it
    page = f'{meta}<meta name="description" content="Café — “AI”">'.encode("cp1252")
    assert article_summary(page, headers) == "Café — “AI”"


@pytest.mark.parametrize(
    ("meta", "headers"), [('<meta charset="big5">', {}), ("", {"content-type": "text/html; charset=Big5"})]
)
def test_a_page_labelled_big5_is_read_as_browsers_read_it(meta: str, headers: dict[str, str]) -> None:
    # Given a Taiwanese page labelled Big5, written as its sites write it (cp950: ‧, ETEN's 裏 and 恒)
    page = f'{meta}<meta name="description" content="黃仁勳‧輝達發表AI晶片，裏面恒定">'.encode("cp950")
    assert article_summary(page, headers) == "黃仁勳‧輝達發表AI晶片，裏面恒定"


def test_an_empty_description_gives_way_to_the_og_description() -> None:
    page = b'<meta name="description" content=" "><meta property="og:description" content="the summary">'
    assert article_summary(page, {}) == "the summary"


def test_the_http_charset_wins_over_a_disagreeing_meta() -> None:
    # Given a server that says GB18030 for a page whose template's meta still says UTF-8
    page = '<meta charset="utf-8"><meta name="description" content="智谱发布新模型">'.encode("gb18030")
    # Then the header's charset is the one read (as browsers do: the HTTP header wins)
    assert article_summary(page, {"content-type": "text/html; charset=gb18030"}) == "智谱发布新模型"


@pytest.mark.parametrize("label", ["x-unknown", "zlib", "rot13"])
def test_a_page_labelled_with_no_character_set_python_reads_is_read_as_utf_8(label: str) -> None:
    page = f'<meta charset="{label}"><meta name="description" content="智谱发布新模型">'.encode()
    assert article_summary(page, {}) == "智谱发布新模型"
    assert article_summary(page, {"content-type": f"text/html; charset={label}"}) == "智谱发布新模型"


def test_article_pages_past_article_fetches_are_asked_at_the_next_runs(tmp_path: Path) -> None:
    # Given a feed of three items without text, and one article page a run
    with LoopbackServer({}) as server:
        serve_textless_feed(server)
        config, data = tmp_path / "c.toml", tmp_path / "data"
        config.write_text(one_page_a_run(server, "机器之心"), encoding="utf-8")
        args = ["--config", str(config), "--data-dir", str(data)]
        # When the feed is fetched three times (it has nothing new after the first), then the day run
        for hour in ("13", "14", "15"):
            assert main(["fetch", *args, "--now", f"2026-11-20T{hour}:00+08:00"]) == 0
        assert main(["run", *args, "--now", "2026-11-20T16:00+08:00"]) == 0
        hits = {n: server.hits(f"/articles/{n}") for n in range(3)}

    # Then each page was asked once, one a run, and every item has its summary: the cap spreads the
    # pages over the runs, as a page the deadline left unasked is owed to the next (a page left out by
    # the cap was never asked again, its item without text for good)
    assert hits == {0: 1, 1: 1, 2: 1}
    payload = json.loads((data / "site" / "reports" / "2026-11-20.json").read_text(encoding="utf-8"))
    assert [item["summary"] for item in payload["items"]] == [SUMMARY] * 3


def test_the_pages_owed_are_at_most_some_runs_worth_those_owed_longest_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a feed of three items without text, one article page a run, and one run's worth owed at most
    monkeypatch.setattr(pipelines, "ARTICLES_OWED_RUNS", 1)
    with LoopbackServer({}) as server:
        serve_textless_feed(server)
        config = Config(
            sources=(SourceConfig("机器之心", server.url("/feed"), article_text=True),),
            filter=FilterConfig(),
            fetch=FetchConfig(retries=0, article_fetches=1),
        )
        now = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
        with HttpClient(config.fetch) as http:
            raw = LocalStore(tmp_path / "raw")
            pipeline = Pipeline(config, raw, LocalStore(tmp_path / "site"), http=http)
            # When the feed is fetched three times
            owed = []
            for hour in range(3):
                pipeline.fetch(now + timedelta(hours=hour))
                owed.append(len(pipeline.repo.source_state("机器之心").articles_owed))
            hits = [server.hits(f"/articles/{n}") for n in range(3)]

    # Then one page is asked a run while one is owed, and the third is dropped, not piled up
    assert owed == [1, 0, 0]
    assert sorted(hits) == [0, 1, 1]


def test_a_page_owed_before_its_source_was_renamed_is_asked_from_the_feed_s_origin(tmp_path: Path) -> None:
    # Given a feed of three items without text on its own host, one article page a run, so two are owed
    with LoopbackServer({}) as server:
        serve_textless_feed(server)
        config, data = tmp_path / "c.toml", tmp_path / "data"
        args = ["--config", str(config), "--data-dir", str(data)]
        config.write_text(one_page_a_run(server, "机器之心"), encoding="utf-8")
        assert main(["fetch", *args, "--now", "2026-11-20T13:00+08:00"]) == 0
        # When the source is renamed (its feed, its items and its debt kept) and fetched twice more
        config.write_text(one_page_a_run(server, "机器之心 Pro"), encoding="utf-8")
        for hour in ("14", "15"):
            assert main(["fetch", *args, "--now", f"2026-11-20T{hour}:00+08:00"]) == 0
        hits = sorted(server.hits(f"/articles/{n}") for n in range(3))

    # Then the pages owed are asked at the feed's origin, as they were before the rename (they were
    # refused as leaving it: the item's source, its old name, is no configured source)
    assert hits == [1, 1, 1]
