"""A feed read with an access key in its URL (a WeChat-to-RSS bridge's ``?access_token=``): the key
reaches the bridge, and nothing the edition publishes shows it."""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackServer, redirect, static

from ai_news_tracker.cli import main

KEY = "S3CR3TK3Y"
NOW = "2026-11-20T20:00:00+08:00"


def test_an_item_linking_the_configured_feed_url_before_its_redirect_publishes_no_key(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        configured = server.url(f"/feed?access_token={KEY}")
        # Given a bridge that moved its feed (a redirect from the configured URL, key and all), whose
        # items link the configured URL, and one linking "#"
        items = (
            f"<item><title>DeepSeek 发布新模型</title><link>{configured.replace('&', '&amp;')}</link></item>"
            "<item><title>通义千问开源新版本</title><link>#</link></item>"
        )
        feed = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{items}'
        server.routes["/feed"] = redirect("/v2/feed.xml")
        server.routes["/v2/feed.xml"] = static(f"{feed}</channel></rss>".encode())
        config = tmp_path / "c.toml"
        config.write_text(
            f'[filter]\ninclude = []\n[[sources]]\nname = "桥"\nurl = "{configured}"\n', encoding="utf-8"
        )
        # When the day is run
        assert main(["run", "--config", str(config), "--data-dir", str(tmp_path / "d"), "--now", NOW]) == 0
    # Then the key reached the bridge, and no page, feed or data file of the site shows it
    assert any(KEY in request.query for request in server.requests)
    site = tmp_path / "d" / "site"
    published = {p: p.read_text(encoding="utf-8") for p in site.rglob("*") if p.is_file()}
    assert any("DeepSeek 发布新模型" in text for text in published.values())
    assert [str(p) for p, text in published.items() if KEY in text] == []
