"""Safe links, URL normalisation and item identity (ai_news_tracker.identity)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ai_news_tracker.identity import (
    TRACKING_PARAMETERS,
    feed_scope,
    guid_alias,
    identity_key,
    is_feed_scope,
    item_id,
    loggable_url,
    normalize_url,
    safe_link,
    without_user_info,
)

WECHAT = (
    "https://mp.weixin.qq.com/s?__biz=MzI3MTA0MTk1MA==&mid=2652680000&idx=2&sn=0123456789abcdef"
    "&chksm=f1234567&scene=21#rd"
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://36kr.com/p/3646630011031426?f=rss", "https://36kr.com/p/3646630011031426?f=rss"),
        ("  https://36kr.com/p/1?f=rss\n", "https://36kr.com/p/1?f=rss"),
        (
            "http://www.jiqizhixin.com/articles/2026-01-20-2",
            "http://www.jiqizhixin.com/articles/2026-01-20-2",
        ),
        ("HTTPS://Example.COM/Path?Q=1#frag", "HTTPS://Example.COM/Path?Q=1#frag"),  # kept as given
        (WECHAT, WECHAT),
        ("https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
        ("https://例子.测试/路径", "https://例子.测试/路径"),
    ],
)
def test_safe_link_keeps_http_links_as_given(url: str, expected: str) -> None:
    assert safe_link(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "   ",
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "mailto:editor@36kr.com",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "//example.com/no-scheme",
        "/relative/without/base",
        "example.com/no-scheme",
        "http:/one-slash",
        "https://",
        "https:///path-only",
        "https://example.com:99999/",
        "https://example.com:port/",
        "http://[::1/",
        "https://exa mple.com/",
        "https://example.com/a\nb",
        "https://example.com/\x00",
        "http://<script>/",
        "https://example.com/\ud800",
        "not a url at all",
        # a browser's host differs from urlsplit's: "\\" ends the authority (WHATWG), and user info
        "https://evil.example\\@36kr.com/p/1",
        "https://example.com\\@evil.example/",
        "https://36kr.com\\p\\1",
        "https://google.com@evil.example/",
        "https://user:secret@example.com/a",
        "https://@example.com/a",
        "http://a@b@evil.example/",
    ],
)
def test_safe_link_refuses_everything_but_http_with_a_host(url: str | None) -> None:
    assert safe_link(url) is None


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("/p/1", "https://36kr.com/feed", "https://36kr.com/p/1"),
        ("p/1", "https://36kr.com/news/feed", "https://36kr.com/news/p/1"),
        ("?page=2", "https://a.example/list?page=1", "https://a.example/list?page=2"),
        # a path takes none of the base's query, where a bridge keeps its access key
        ("item/5", "https://bridge.example/feed/1.xml?access_token=K", "https://bridge.example/feed/item/5"),
        ("//cdn.example/x", "https://36kr.com/feed", "https://cdn.example/x"),
        ("https://other.example/x", "https://36kr.com/feed", "https://other.example/x"),
        # an unsafe link stays unsafe whatever the base
        ("javascript:alert(1)", "https://36kr.com/feed", None),
        # a base that is not http(s) resolves nothing
        ("/p/1", "javascript:alert(1)//", None),
        ("/p/1", "file:///etc/", None),
        ("/p/1", "", None),
        ("/p/1", None, None),
    ],
)
def test_safe_link_resolves_relative_links_against_an_http_base(
    url: str, base: str | None, expected: str | None
) -> None:
    assert safe_link(url, base) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # 36Kr: ?f=rss, utm_*, www., http, fragment — all one article
        ("https://36kr.com/p/3646630011031426?f=rss", "https://36kr.com/p/3646630011031426"),
        ("http://www.36kr.com/p/3646630011031426?utm_source=x#top", "https://36kr.com/p/3646630011031426"),
        ("https://36kr.com/p/1?utm_medium=rss&UTM_Campaign=a&f=rss", "https://36kr.com/p/1"),
        # host and ports
        ("HTTP://WWW.Example.COM", "https://example.com/"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://wwwx.example.com/a", "https://wwwx.example.com/a"),
        ("http://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
        # path kept (case, trailing slash); non-ASCII and escapes in one spelling
        ("https://example.com/A/b/", "https://example.com/A/b/"),
        ("https://example.com/新闻", "https://example.com/%E6%96%B0%E9%97%BB"),
        ("https://example.com/%e6%96%b0%e9%97%bb", "https://example.com/%E6%96%B0%E9%97%BB"),
        # remaining parameters sorted; source and timestamp are not tracking
        (
            "https://example.com/s?b=2&a=1&source=rss&timestamp=9",
            "https://example.com/s?a=1&b=2&source=rss&timestamp=9",
        ),
        ("https://example.com/s?q=%E6%96%B0+x&empty=", "https://example.com/s?empty=&q=%E6%96%B0+x"),
        ("https://example.com/s?spm=a.b&from=timeline&ref=x&fbclid=1&gclid=2", "https://example.com/s"),
        # WeChat: the article parameters stay, the share/client parameters go
        (
            WECHAT + "&sharer_sharetime=1&sharer_shareid=2&clicktime=3&enterid=4&subscene=5&ascene=6"
            "&devicetype=7&version=8&nettype=WIFI&lang=zh_CN&exportkey=9&pass_ticket=x&wx_header=1",
            "https://mp.weixin.qq.com/s?__biz=MzI3MTA0MTk1MA%3D%3D&idx=2&mid=2652680000&sn=0123456789abcdef",
        ),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_the_same_36kr_article_normalises_to_one_identity() -> None:
    # Given the same article as 36Kr's feed and a shared link spell it
    from_feed = "https://36kr.com/p/3646630011031426?f=rss"
    shared = "http://www.36kr.com/p/3646630011031426?utm_source=x#top"
    # When both are normalised
    # Then they are one identity
    assert normalize_url(from_feed) == normalize_url(shared)


def test_wechat_articles_of_one_push_stay_distinct() -> None:
    # Given two articles of one WeChat push: same __biz and mid, different idx and sn
    first = "https://mp.weixin.qq.com/s?__biz=MzA==&mid=265&idx=1&sn=aaa&chksm=1#rd"
    second = "https://mp.weixin.qq.com/s?__biz=MzA==&mid=265&idx=2&sn=bbb&chksm=2#rd"
    # Then their identities differ, and each keeps every identifying parameter
    assert normalize_url(first) != normalize_url(second)
    for name in ("__biz=", "mid=", "idx=", "sn="):
        assert name in normalize_url(first)


@pytest.mark.parametrize(
    "url",
    [
        "https://36kr.com/p/1?f=rss",
        WECHAT,
        "https://example.com/新闻?q=新+闻&b=%2F&a=1#x",
        "http://WWW.Example.com:80",
        "https://example.com/s?q=100%&r=%zz",
    ],
)
def test_normalize_url_is_idempotent(url: str) -> None:
    once = normalize_url(url)
    assert normalize_url(once) == once


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("//google.com@evil.example/x", "https://36kr.com/feed"),
        ("https://evil.example\\@36kr.com/p/1", "https://36kr.com/feed"),
        ("/p/1", "https://user@36kr.com/feed"),  # a base with user info resolves nothing
    ],
)
def test_safe_link_refuses_user_info_and_backslashes_after_resolving(url: str, base: str) -> None:
    assert safe_link(url, base) is None


@pytest.mark.parametrize(
    ("fake", "real"),
    [
        ("https://evil.example\\@36kr.com/p/1", "https://36kr.com/p/1"),
        ("https://google.com@evil.example/", "https://evil.example/"),
        ("https://example.com\\@evil.example/", "https://evil.example/"),
    ],
)
def test_a_link_a_browser_reads_otherwise_never_takes_another_articles_identity(fake: str, real: str) -> None:
    # Given a link whose host for a browser is not the host urlsplit finds, and the real article
    # When both entries are identified
    fake_key = identity_key(fake, None, "假新闻", "正文", "bridge")
    real_key = identity_key(real, None, "真新闻", "正文", "36Kr")
    # Then the fake one is identified by its content, never by the real article's URL
    assert fake_key.startswith("hash:") and real_key == "url:" + normalize_url(real)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://a.example/", "/relative", ""])
def test_normalize_url_refuses_non_http_urls(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        normalize_url(url)


def test_tracking_parameters_never_include_the_wechat_article_keys() -> None:
    assert {"__biz", "mid", "idx", "sn", "source", "timestamp"}.isdisjoint(TRACKING_PARAMETERS)
    assert {"f", "spm", "chksm", "scene", "pass_ticket"} <= TRACKING_PARAMETERS


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    ("url", "guid", "title", "text", "expected"),
    [
        # a safe link wins, in its identity form
        ("https://36kr.com/p/1?f=rss", "guid-1", "t", "x", "url:https://36kr.com/p/1"),
        (" http://www.36kr.com/p/1 ", None, "t", "x", "url:https://36kr.com/p/1"),
        # no safe link: the guid, stripped
        (None, "  8f14e45fceea167a5a36dedd4bea2543 ", "t", "x", "guid:8f14e45fceea167a5a36dedd4bea2543"),
        ("", "uuid-1", "t", "x", "guid:uuid-1"),
        ("javascript:alert(1)", "uuid-1", "t", "x", "guid:uuid-1"),
        ("/relative/only", "uuid-1", "t", "x", "guid:uuid-1"),
        # neither (36Kr 快讯 items with empty <link> and <guid>): the content
        (None, None, "标题", "正文", "hash:" + _sha256("标题\n正文")),
        ("", "   ", " 标题 \n", "正\u200b文  内容", "hash:" + _sha256("标题\n正文 内容")),
    ],
)
def test_identity_key_prefers_url_then_guid_then_content(
    url: str | None, guid: str | None, title: str, text: str, expected: str
) -> None:
    assert identity_key(url, guid, title, text) == expected


def test_identity_key_of_content_ignores_whitespace_but_not_wording() -> None:
    # Given two link-less entries that differ only in whitespace, and a third with other words
    a = identity_key(None, None, "DeepSeek 发布新模型", "<p>正文</p>")
    b = identity_key(None, "", "DeepSeek  发布新模型\n", "<p>正文</p> ")
    c = identity_key(None, None, "DeepSeek 发布新模型", "<p>另一篇</p>")
    # Then the first two are one item and the third is another
    assert a == b
    assert a != c


def test_identity_key_keeps_title_and_text_apart() -> None:
    # "ab" + "c" and "a" + "bc" must not collide
    assert identity_key(None, None, "ab", "c") != identity_key(None, None, "a", "bc")


@pytest.mark.parametrize(
    "identity",
    ["url:https://36kr.com/p/1", "guid:uuid-1", "hash:" + "0" * 64, "", "中文"],
)
def test_item_id_is_24_hex_digits_of_sha256(identity: str) -> None:
    result = item_id(identity)
    assert result == _sha256(identity)[:24]
    assert len(result) == 24
    assert int(result, 16) >= 0


def test_item_id_is_stable_and_distinct() -> None:
    # Stored items are keyed by it: a changed value would orphan every stored item.
    assert item_id("url:https://36kr.com/p/1") == "ba783d26d7ad2ad4d7f0b784"
    assert item_id("url:https://36kr.com/p/1") != item_id("url:https://36kr.com/p/2")


def test_a_feeds_scope_is_its_first_name_and_its_url_and_never_a_source_name() -> None:
    # Given a feed, the same feed fetched again, and another URL under the same name
    first, again = feed_scope("甲", "https://a.example/feed"), feed_scope("甲", "https://a.example/feed")
    moved = feed_scope("甲", "https://b.example/feed")
    # Then one feed makes one scope, another URL another, and a source's name is none
    assert first == again != moved
    assert is_feed_scope(first) and not is_feed_scope("甲")


def test_a_guid_without_a_link_is_one_item_within_its_feed_only(tmp_path: Path) -> None:
    # Given two feeds that number their link-less entries "1", "2"… each on its own
    from ai_news_tracker.models import Entry
    from ai_news_tracker.repository import RawRepository
    from ai_news_tracker.store import LocalStore

    repo = RawRepository(LocalStore(tmp_path))
    now = datetime(2026, 11, 20, tzinfo=UTC)
    jia = [Entry("甲的大模型新闻", "甲", None, "1", None)]
    yi = [Entry("乙的另一条新闻", "乙", None, "1", None)]
    # When both are recorded
    _, new_jia = repo.record_entries("甲", jia, now)
    _, new_yi = repo.record_entries("乙", yi, now)
    # Then each feed's "1" is its own item: the second is not taken for the first and lost
    assert [i.title for i in new_jia + new_yi] == ["甲的大模型新闻", "乙的另一条新闻"]
    # And within one feed a guid is still one item, however often it is shown
    assert repo.record_entries("甲", jia, now)[1] == []


def test_a_feed_cannot_claim_another_sources_article_with_a_link_browsers_read_otherwise(
    tmp_path: Path,
) -> None:
    # Given a bridge feed whose link urlsplit reads as 36Kr's article and a browser as evil.example,
    # listed before 36Kr's own feed with the real article
    from ai_news_tracker.config import Config, FilterConfig, SourceConfig
    from ai_news_tracker.http import Response
    from ai_news_tracker.models import Validators
    from ai_news_tracker.pipeline import Pipeline
    from ai_news_tracker.store import LocalStore

    def rss(title: str, link: str) -> bytes:
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
            f"<title>{title}</title><link>{link}</link><description>{title}的正文。</description>"
            "<pubDate>Fri, 20 Nov 2026 08:00:00 +0800</pubDate></item></channel></rss>"
        ).encode()

    feeds = {
        "https://bridge.example/feed": rss(
            "假消息：大模型公司宣布破产", "https://evil.example\\@36kr.com/p/1"
        ),
        "https://36kr.com/feed": rss("智谱发布新一代大模型", "https://36kr.com/p/1"),
    }

    class Feeds:
        def fetch_many(
            self, jobs: list[tuple[Any, str, Any, Any]], *, deadline_at: float | None = None
        ) -> dict[Any, Response]:
            headers = {"content-type": "application/rss+xml"}
            return {
                key: Response(200, feeds[url], headers, url, Validators(None, None)) for key, url, *_ in jobs
            }

    config = Config(
        sources=(
            SourceConfig("bridge", "https://bridge.example/feed"),
            SourceConfig("36Kr", "https://36kr.com/feed"),
        ),
        filter=FilterConfig(),
    )
    pipeline = Pipeline(config, LocalStore(tmp_path / "raw"), LocalStore(tmp_path / "site"), http=Feeds())  # type: ignore[arg-type]
    now = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    # When both are fetched and the day's edition is built
    pipeline.fetch(now, leaderboard=False)
    edition, _ = pipeline.build(now)
    # Then they are two items: 36Kr's article under its own title and source, the fake one without a link
    by_title = {item.title: item for item in edition.items}
    assert by_title["智谱发布新一代大模型"].sources == ("36Kr",)
    assert by_title["智谱发布新一代大模型"].url == "https://36kr.com/p/1"
    assert by_title["假消息：大模型公司宣布破产"].sources == ("bridge",)
    assert by_title["假消息：大模型公司宣布破产"].url is None
    # And no edition links to evil.example
    markdown, page = pipeline.renderer.markdown(edition), pipeline.renderer.html(edition)
    assert "evil.example" not in markdown and "evil.example" not in page
    assert "**来源**: 36Kr |" in markdown and "bridge, 36Kr" not in markdown


@pytest.mark.parametrize(
    ("url", "guid", "aliased"),
    [
        ("https://36kr.com/p/1?f=rss", "https://www.36kr.com/p/1", False),  # the guid is the link
        ("https://36kr.com/p/1", "https://36kr.com/p/1", False),
        ("https://36kr.com/p/1", None, False),
        ("https://36kr.com/p/1", "  ", False),
        (None, "wx-42", True),  # identified by its guid for now: a link it gains later finds it
        ("javascript:alert(1)", "wx-42", True),
        ("https://mp.weixin.qq.com/s/AbC", "wx-42", True),
        ("https://mp.weixin.qq.com/s/AbC", "https://mp.weixin.qq.com/s?__biz=M&mid=2", True),
    ],
)
def test_an_entry_has_a_guid_alias_when_it_has_a_guid_that_is_not_its_link(
    url: str | None, guid: str | None, aliased: bool
) -> None:
    assert (guid_alias(url, guid, "标题", "甲") is not None) == aliased


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://bob:s3cret@rsshub.example.org/feed?x=1", "https://rsshub.example.org/feed?x=1"),
        ("https://bob:p@ss@example.com/a@b", "https://example.com/a@b"),
        ("https://example.com/feed", "https://example.com/feed"),
        ("https://example.com/a@b", "https://example.com/a@b"),  # an @ in the path is no user info
    ],
)
def test_without_user_info_keeps_the_url_but_its_credentials(url: str, shown: str) -> None:
    assert without_user_info(url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # a WeChat-to-RSS bridge's access key, an RSSHub key: the names stay, the values go
        (
            "https://bridge.example/feed/1.xml?access_token=S3CR3T",
            "https://bridge.example/feed/1.xml?access_token=***",
        ),
        (
            "https://bob:s3cret@rsshub.example.org/wx?key=K&limit=20",
            "https://rsshub.example.org/wx?key=***&limit=***",
        ),
        ("https://example.com/feed?S3CR3T", "https://example.com/feed?***"),  # a bare value may be the key
        ("https://example.com/feed?a=&b=1#S3CR3T", "https://example.com/feed?a=&b=***#***"),
        ("https://example.com/feed", "https://example.com/feed"),
        ("https://example.com/feed?", "https://example.com/feed?"),
        ("https://example.com/a@b?x=y@z", "https://example.com/a@b?x=***"),
        ("/ok?key=S3CR3T", "/ok?key=***"),  # a path with its query, as urllib3 logs it
        ("http://[::1/x?k=S3CR3T", "http://[::1/x?k=***"),  # not parsable as a URL: masked all the same
        ("GET", "GET"),
    ],
)
def test_loggable_url_shows_a_url_without_its_credentials(url: str, shown: str) -> None:
    assert loggable_url(url) == shown
