"""Real-world feed and server behaviours that broke a promise of README.md (a hostile review's
findings, each fixed since: the comments say what happened before).

Feeds are served on 127.0.0.1 by the loopback server; all feed content is invented for these tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from loopback import Exchange, LoopbackServer, static

from ai_news_tracker.cli import main

NOW = "2026-11-20T20:00:00+08:00"
DAY = "2026-11-20"
PUB = "Fri, 20 Nov 2026 10:00:00 +0800"


def rss(items: Sequence[tuple[str, str | None, str | None]], *, decl: str | None = "utf-8") -> str:
    """An RSS 2.0 document of ``(title, link, guid)`` items, each with a short text of its own."""
    parts = []
    for title, link, guid in items:
        xml = f"<title>{title}</title><description>{title}：正文第一段，说明这次发布的细节。</description>"
        if link is not None:
            xml += f"<link>{link}</link>"
        if guid is not None:
            xml += f'<guid isPermaLink="false">{guid}</guid>'
        parts.append(f"<item>{xml}<pubDate>{PUB}</pubDate></item>")
    encoding = f' encoding="{decl}"' if decl else ""
    return (
        f'<?xml version="1.0"{encoding}?>\n<rss version="2.0"><channel><title>频道</title>'
        f"<link>https://news.example.cn/</link><description>d</description>{''.join(parts)}</channel></rss>\n"
    )


def write_config(path: Path, sources: dict[str, str]) -> Path:
    text = "[filter]\ninclude = []\n[report]\ndedupe_threshold = 2.0\n"
    text += "[fetch]\nretries = 0\ndeadline = 5\nread_timeout = 3\nconnect_timeout = 2\n"
    for name, url in sources.items():
        text += f'[[sources]]\nname = "{name}"\nurl = "{url}"\n'
    path.write_text(text, encoding="utf-8")
    return path


def run(config: Path, data: Path, command: str = "run", now: str = NOW) -> int:
    return main([command, "--config", str(config), "--data-dir", str(data), "--now", now])


def edition(data: Path, day: str = DAY) -> dict:
    return json.loads((data / "site" / "reports" / f"{day}.json").read_text(encoding="utf-8"))


def source(published: dict, name: str) -> dict:
    return next(s for s in published["sources"] if s["name"] == name)


def titles(published: dict) -> set[str]:
    return {i["title"] for i in published["items"]} | {i["title"] for i in published.get("more_items", [])}


GOOD = rss([("DeepSeek 发布 V4 模型", "https://good.example/a/1", None)])


# -- 1. a charset label that names no text encoding crashes the whole run ---------------------------
def test_a_gbk_feed_labelled_with_a_non_text_codec_is_that_sources_failure_alone(tmp_path: Path) -> None:
    # Given a good feed, and a GBK feed without an encoding in its XML declaration whose Content-Type
    # charset is a codec Python knows but that is no text encoding ("base64", "hex", "rot13", "idna":
    # a misconfigured server, or garbage)
    bad = rss([("智谱发布 GLM-5 大模型", "https://bad.example/a/1", None)], decl=None).encode("gbk")
    with LoopbackServer(
        {
            "/good.xml": static(
                GOOD.encode(), headers={"Content-Type": "application/rss+xml; charset=utf-8"}
            ),
            "/bad.xml": static(bad, headers={"Content-Type": "application/rss+xml; charset=base64"}),
        }
    ) as server:
        config = write_config(
            tmp_path / "c.toml", {"好": server.url("/good.xml"), "坏": server.url("/bad.xml")}
        )
        # When the day is run
        code = run(config, tmp_path / "d")
    # Then the edition is out (it crashed the run: LookupError), with the good feed's item and the bad
    # one's, its label ignored as no character set, its body read as an undeclared one (GB18030)
    assert code == 0
    published = edition(tmp_path / "d")
    assert {"DeepSeek 发布 V4 模型", "智谱发布 GLM-5 大模型"} <= titles(published)
    assert source(published, "坏")["status"] == "ok"


# -- 2. a 304 to a request that sent no validators ---------------------------------------------------
def test_a_304_to_a_first_unconditional_request_is_named_not_ok_with_nothing(tmp_path: Path) -> None:
    # Given a new source whose server (a broken cache in front of a bridge) answers 304, with no body, to
    # a GET that carried no If-None-Match / If-Modified-Since
    with LoopbackServer(
        {
            "/good.xml": static(
                GOOD.encode(), headers={"Content-Type": "application/rss+xml; charset=utf-8"}
            ),
            "/bridge.xml": static(b"", status=304, headers={"ETag": '"x"'}),
        }
    ) as server:
        config = write_config(
            tmp_path / "c.toml", {"好": server.url("/good.xml"), "桥": server.url("/bridge.xml")}
        )
        assert run(config, tmp_path / "d") == 0
        sent = [r.headers for r in server.requests if r.path == "/bridge.xml"]
    assert sent and "if-none-match" not in sent[0] and "if-modified-since" not in sent[0]
    # Then (README, Failures: a source that answers "nothing ... is named in the edition ... and is
    # never reported as '0 new items'") the source is not "ok" with nothing: it was never read at all
    bridge = source(edition(tmp_path / "d"), "桥")
    assert bridge["status"] == "http_error" and "304" in str(bridge), bridge


# -- 3. items that all link the same page collapse into one ------------------------------------------
def test_distinct_entries_sharing_one_non_feed_link_are_each_kept(tmp_path: Path) -> None:
    # Given a feed (a 快讯 list, a bridge) whose every item links the same list page, each with a guid,
    # title and text of its own
    feed = rss(
        [
            ("DeepSeek 发布 V4 模型", "https://news.example.cn/flash", "flash-101"),
            ("阿里通义千问 Qwen4 开源", "https://news.example.cn/flash", "flash-102"),
            ("月之暗面 Kimi K3 上线", "https://news.example.cn/flash", "flash-103"),
        ]
    )
    with LoopbackServer(
        {"/flash.xml": static(feed.encode(), headers={"Content-Type": "application/rss+xml; charset=utf-8"})}
    ) as server:
        config = write_config(tmp_path / "c.toml", {"快讯": server.url("/flash.xml")})
        assert run(config, tmp_path / "d") == 0
    # Then (README: "no item is lost"; "keeps every item it has ever seen") the three stories are there
    published = edition(tmp_path / "d")
    assert titles(published) == {"DeepSeek 发布 V4 模型", "阿里通义千问 Qwen4 开源", "月之暗面 Kimi K3 上线"}


# -- 4. a feed's URL changed under the same name keeps the old URL's validators ----------------------
def test_a_source_moved_to_a_new_url_is_first_fetched_there_in_full(tmp_path: Path) -> None:
    old_feed = rss([("旧地址的文章", "https://old.example/a/1", None)])
    new_feed = rss([("DeepSeek 发布 V4 模型", "https://new.example/a/1", None)])
    old_modified = "Fri, 20 Nov 2026 01:00:00 GMT"

    def new_host(exchange: Exchange) -> None:
        # a static file server: 304 when If-Modified-Since is not before its file's own time
        if exchange.headers.get("if-modified-since"):
            exchange.respond(304)
        else:
            exchange.respond(
                200,
                new_feed.encode(),
                {
                    "Content-Type": "application/rss+xml; charset=utf-8",
                    "Last-Modified": "Thu, 19 Nov 2026 23:00:00 GMT",
                },
            )

    with LoopbackServer(
        {
            "/old.xml": static(
                old_feed.encode(),
                headers={"Content-Type": "application/rss+xml", "Last-Modified": old_modified},
            ),
            "/new.xml": new_host,
        }
    ) as server:
        data = tmp_path / "d"
        # Given a source fetched at its old address
        assert (
            run(
                write_config(tmp_path / "a.toml", {"机器之心": server.url("/old.xml")}),
                data,
                "fetch",
                "2026-11-20T10:00:00+08:00",
            )
            == 0
        )
        # When its url is changed in the configuration (same name: the outlet moved its feed) and the day run
        assert run(write_config(tmp_path / "b.toml", {"机器之心": server.url("/new.xml")}), data) == 0
        first_at_new = next(r for r in server.requests if r.path == "/new.xml")
    # Then the new address is asked unconditionally (as README promises for the leaderboard: "A change
    # of provider, url or category makes the next fetch download the file in full") and its item is in
    # the edition; the old address's If-Modified-Since made it a 304, and the item never came
    assert "if-modified-since" not in first_at_new.headers
    assert "DeepSeek 发布 V4 模型" in titles(edition(data))


# -- 5. a feed cut off after some entries is "ok", and its validators stop the rest coming ----------
def test_a_feed_cut_off_mid_document_is_not_taken_whole(tmp_path: Path) -> None:
    full = rss(
        [
            ("DeepSeek 发布 V4 模型", "https://cut.example/a/1", None),
            ("阿里通义千问 Qwen4 开源", "https://cut.example/a/2", None),
            ("月之暗面 Kimi K3 上线", "https://cut.example/a/3", None),
        ]
    ).encode()
    cut = full[: full.index("阿里通义千问".encode()) + 6]  # mid-title of the second item

    def feed(exchange: Exchange) -> None:
        # the first answer is cut off by a proxy (close-delimited: no Content-Length to tell); the origin
        # then answers the ETag it gave with a 304, as it should
        if exchange.headers.get("if-none-match") == '"v1"':
            exchange.respond(304, headers={"ETag": '"v1"'})
            return
        exchange.start(200, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": '"v1"'})
        exchange.write(full if exchange.count > 1 else cut)

    with LoopbackServer({"/feed.xml": feed}) as server:
        config = write_config(tmp_path / "c.toml", {"源": server.url("/feed.xml")})
        data = tmp_path / "d"
        assert run(config, data, "fetch", "2026-11-20T10:00:00+08:00") == 0
        assert run(config, data, "fetch", "2026-11-20T14:00:00+08:00") == 0
        assert run(config, data) == 0
    # Then (README: "no item is lost between runs"; garbage "is named") the three items reach the day,
    # or the cut-off answer is a named failure whose validators are not kept
    published = edition(data)
    assert {"阿里通义千问 Qwen4 开源", "月之暗面 Kimi K3 上线"} <= titles(published), (
        titles(published),
        source(published, "源"),
    )


# -- 6. GBK declared in the XML, ISO-8859-1 in the header: mojibake published as ok -----------------
def test_a_gbk_feed_behind_a_latin1_default_header_is_read_as_gbk(tmp_path: Path) -> None:
    # Given a GBK feed whose XML declaration says gb2312, served with Apache's/Tomcat's old default
    # "text/xml; charset=ISO-8859-1"
    body = rss([("智谱发布 GLM-5 大模型", "https://gbk.example/a/1", None)], decl="gb2312").encode("gbk")
    with LoopbackServer(
        {"/gbk.xml": static(body, headers={"Content-Type": "text/xml; charset=ISO-8859-1"})}
    ) as server:
        config = write_config(tmp_path / "c.toml", {"老站": server.url("/gbk.xml")})
        assert run(config, tmp_path / "d") == 0
    published = edition(tmp_path / "d")
    # Then (README, Character sets: "GB2312 and GBK read as GB18030") the title reads as written, not as
    # windows-1252 mojibake (ÖÇÆ×·¢²¼…) published under status "ok"
    assert titles(published) == {"智谱发布 GLM-5 大模型"}, (titles(published), source(published, "老站"))


# -- 7. an entry whose link appears on a later fetch (same guid, title, text) becomes a second item -----
def test_an_entry_that_gains_its_link_later_stays_the_item_seen_first(tmp_path: Path) -> None:
    # Given a bridge that lists an article before it has resolved its link (guid, title and text given),
    # and with the link on the next fetch: nothing else changes
    before = rss([("DeepSeek 发布 V4 模型", None, "wx-20261120-1")])
    after = rss([("DeepSeek 发布 V4 模型", "https://mp.weixin.qq.com/s/AbCdEf123", "wx-20261120-1")])
    headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
    with LoopbackServer() as server:
        config = write_config(tmp_path / "c.toml", {"新智元": server.url("/wx.xml")})
        data = tmp_path / "d"
        server.routes["/wx.xml"] = static(before.encode(), headers=headers)
        assert run(config, data, "fetch", "2026-11-20T10:00:00+08:00") == 0
        server.routes["/wx.xml"] = static(after.encode(), headers=headers)
        assert run(config, data) == 0
    # Then (README, Identity: "An article whose feed changes its link but keeps its guid, title and text
    # ... stays the item seen first"; "a retry never duplicates an item") the edition shows it once
    published = edition(data)
    shown = [i["title"] for i in published["items"] + published.get("more_items", [])]
    assert shown == ["DeepSeek 发布 V4 模型"], shown
    assert len(list((data / "raw" / "items").glob("*.json"))) == 1
