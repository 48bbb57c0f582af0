"""Feed bytes to entries: the shapes of the Chinese AI feeds, encodings, and named failures for non-feeds.

Every fixture is written here, inline, after the shapes described in ../shared/data/feeds (no copies).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ai_news_tracker import feeds, text
from ai_news_tracker.errors import Blocked, EmptyResponse, MalformedFeed, NotAFeed, SourceFailure
from ai_news_tracker.feeds import MARKUP_PER_CHAR, TEXT_MAX_CHARS, parse_feed
from ai_news_tracker.identity import identity_key
from ai_news_tracker.log import SERVICE
from ai_news_tracker.models import Entry

SHANGHAI = ZoneInfo("Asia/Shanghai")
RSS = {"content-type": "application/rss+xml; charset=utf-8"}


def parse(
    body: bytes, headers: dict[str, str] | None = None, url: str = "https://36kr.com/feed"
) -> list[Entry]:
    return parse_feed(body, RSS if headers is None else headers, url, SHANGHAI)


def rss(items: str, decl: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return f"""{decl}
<rss version="2.0"><channel><title>测试源</title><link>https://example.cn/</link>
<description>测试</description>{items}</channel></rss>""".encode()


# -- the shapes of the real sources -------------------------------------------------------------
KR36_OFFICIAL = rss("""
<item>
  <title><![CDATA[智谱发布GLM-5：国产大模型再进一步]]></title>
  <link><![CDATA[https://36kr.com/p/3123456789012345?f=rss]]></link>
  <pubDate>2026-06-19 18:01:25  +0800</pubDate>
  <description><![CDATA[<p>36氪获悉，智谱今日发布&nbsp;GLM-5&hellip;</p><p><img src="https://img.36krcdn.com/a.jpg"
   data-img-size-val="1080,780" referrerpolicy="no-referrer"/>第二段：推理能力&amp;代码能力提升。</p>
   <script>track("36kr")</script>]]></description>
  <author>36氪</author>
</item>
<item>
  <title><![CDATA[月之暗面完成新一轮融资]]></title>
  <link><![CDATA[https://36kr.com/newsflashes/3123456789099999?f=rss]]></link>
  <pubDate>2026-06-19 17:30:00  +0800</pubDate>
  <description><![CDATA[<p>快讯正文。</p>]]></description>
</item>""")


def test_36kr_official_shape() -> None:
    first, second = parse(KR36_OFFICIAL)

    assert first.title == "智谱发布GLM-5：国产大模型再进一步"
    assert first.url == "https://36kr.com/p/3123456789012345?f=rss"
    assert first.published_at == datetime(2026, 6, 19, 10, 1, 25, tzinfo=UTC)
    assert first.text == "36氪获悉，智谱今日发布 GLM-5… 第二段：推理能力&代码能力提升。"
    assert second.url == "https://36kr.com/newsflashes/3123456789099999?f=rss"
    assert second.published_at == datetime(2026, 6, 19, 9, 30, tzinfo=UTC)


def test_36kr_rsshub_entity_escaped_description() -> None:
    body = rss("""<item><title>上线自营家装App</title><link>https://www.36kr.com/p/3859635190010881</link>
<description>&lt;p&gt;Tech星球独家获悉&amp;nbsp;京东&lt;/p&gt;
  &lt;p class=&quot;image-wrapper&quot;&gt;&lt;img src=&quot;https://img.36krcdn.com/x.jpg&quot;&gt;&lt;/p&gt;
  &lt;h2&gt;&lt;strong&gt;01&lt;/strong&gt;&lt;/h2&gt;&lt;p&gt;正文&lt;/p&gt;</description>
<pubDate>Sat, 20 Jun 2026 03:45:44 GMT</pubDate></item>""")

    (entry,) = parse(body)

    assert entry.text == "Tech星球独家获悉 京东 01 正文"
    assert entry.published_at == datetime(2026, 6, 20, 3, 45, 44, tzinfo=UTC)


def test_jiqizhixin_shape_with_empty_description() -> None:
    body = rss("""<item><title><![CDATA[机器之心：DeepSeek 发布新模型]]></title>
<link>https://www.jiqizhixin.com/articles/2026-06-19-3</link><description></description>
<guid>https://www.jiqizhixin.com/articles/2026-06-19-3</guid>
<pubDate>Fri, 19 Jun 2026 09:12:00 +0800</pubDate></item>""")

    (entry,) = parse(body, url="https://www.jiqizhixin.com/rss")

    assert entry.text == ""
    assert entry.title == "机器之心：DeepSeek 发布新模型"
    assert entry.url == entry.guid == "https://www.jiqizhixin.com/articles/2026-06-19-3"
    assert entry.published_at == datetime(2026, 6, 19, 1, 12, tzinfo=UTC)


def test_bare_guid_is_not_resolved_against_the_feed_url() -> None:
    body = rss("""<item><title>A</title><link>https://www.jiqizhixin.com/articles/329a995f-78a5</link>
<guid>329a995f-78a5</guid></item><item><title>B</title><guid>9b68945bdd9deb89</guid></item>""")

    first, second = parse(body, url="https://rsshub.example/jiqizhixin")

    assert first.guid == "329a995f-78a5"
    assert (second.guid, second.url) == ("9b68945bdd9deb89", None)  # a guid standing in for a link


PERMALINK = "https://site.example/news/1"


@pytest.mark.parametrize(
    ("item", "link"),
    [
        (f'<link></link><guid isPermaLink="true">{PERMALINK}</guid>', PERMALINK),
        (f"<link/><guid>{PERMALINK}</guid>", PERMALINK),
        (f"<link> </link><guid>{PERMALINK}</guid>", PERMALINK),
        (f"<guid>{PERMALINK}</guid><link><![CDATA[]]></link>", PERMALINK),
        (f'<link></link><guid isPermaLink="false">{PERMALINK}</guid>', None),
        ("<link></link><guid>news-1</guid>", None),
    ],
)
def test_an_empty_link_is_none_so_a_permalink_guid_stands_for_it(item: str, link: str | None) -> None:
    # Given an item whose <link> is empty, with a guid that may be its permalink (RSS 2.0: isPermaLink
    # true or absent) and an absolute URL
    body = rss(f"<item><title>智谱发布GLM-5</title>{item}</item>")
    # When it is parsed
    (entry,) = parse(body, url="https://site.example/feed")
    # Then it is linked as without the empty <link>: to its guid when that is such a permalink
    assert entry.url == link


def test_wechat_bridge_links_keep_their_article_parameters() -> None:
    link = (
        "http://mp.weixin.qq.com/s?__biz=MzI3MTA0MTk1MA==&amp;mid=2652698427&amp;idx=2"
        "&amp;sn=c1f38b51b3baac833bb4fb822fdb929d&amp;chksm=f01e9daf#rd"
    )
    body = rss(f"""<item><title><![CDATA[新智元：大模型周报]]></title><link>{link}</link>
<guid>d6038bb0115ac05418583d23615f7134</guid><pubDate>Thu, 07 May 2026 17:20:00 +0800</pubDate>
<description><![CDATA[<img src="http://mmbiz.qpic.cn/a/640?wx_fmt=png"/><p>新智元报道</p><img/>]]></description></item>""")

    (entry,) = parse(body, url="https://plink.anyfeeder.com/weixin/AI_era")

    assert entry.url == link.replace("&amp;", "&")
    assert entry.guid == "d6038bb0115ac05418583d23615f7134"
    assert entry.text == "新智元报道"


def test_atom_feed_takes_the_longest_of_content_and_summary() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.cn/">
  <title>Atom</title><id>urn:feed</id><updated>2026-06-19T10:00:00+08:00</updated>
  <entry>
    <title type="html">&lt;b&gt;Qwen3&lt;/b&gt; &amp;amp; friends</title>
    <link rel="alternate" href="posts/qwen3"/>
    <id>tag:blog.example.cn,2026:1</id>
    <updated>2026-06-19T09:00:00+08:00</updated>
    <summary>short</summary>
    <content type="html">&lt;p&gt;A much longer body about Qwen3.&lt;/p&gt;</content>
  </entry>
</feed>"""

    (entry,) = parse(body, {"content-type": "application/atom+xml"}, url="https://blog.example.cn/atom.xml")

    assert entry.title == "Qwen3 & friends"
    assert entry.text == "A much longer body about Qwen3."
    assert entry.url == "https://blog.example.cn/posts/qwen3"
    assert entry.guid == "tag:blog.example.cn,2026:1"
    assert entry.published_at == datetime(2026, 6, 19, 1, 0, tzinfo=UTC)


# -- encodings -----------------------------------------------------------------------------------
GBK_ITEMS = "<item><title>百度文心大模型发布</title><link>https://example.cn/1</link><description>国产大模型。</description></item>"


def test_gbk_with_the_charset_only_in_the_content_type() -> None:
    body = rss(GBK_ITEMS, decl='<?xml version="1.0"?>').decode().encode("gbk")

    (entry,) = parse(body, {"Content-Type": "text/xml; charset=GBK"})

    assert (entry.title, entry.text) == ("百度文心大模型发布", "国产大模型。")


@pytest.mark.parametrize(
    "headers", [{}, {"content-type": "text/xml"}, {"content-type": "application/rss+xml"}]
)
def test_gbk_with_only_the_xml_declaration(headers: dict[str, str]) -> None:
    body = rss(GBK_ITEMS, decl='<?xml version="1.0" encoding="gbk"?>').decode().encode("gbk")

    (entry,) = parse(body, headers)

    assert entry.title == "百度文心大模型发布"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
@pytest.mark.parametrize(
    "label", ["base64", "hex", "rot13", "zlib", "bz2", "quopri", "uu", "idna", "punycode", "undefined"]
)
def test_a_charset_label_that_names_no_character_set_is_ignored(encoding: str, label: str) -> None:
    # Given a feed whose Content-Type names a codec Python knows that is no character set (a
    # misconfigured server): the body's own bytes decoding with it crashed the whole run (LookupError)
    body = rss(GBK_ITEMS, decl='<?xml version="1.0"?>').decode().encode(encoding)
    # When it is parsed
    (entry,) = parse(body, {"Content-Type": f"application/rss+xml; charset={label}"})
    # Then the label is ignored, and the body read as an undeclared one is
    assert entry.title == "百度文心大模型发布"


@pytest.mark.parametrize("header", ["ISO-8859-1", "windows-1252", "latin1"])
def test_a_gbk_feed_behind_an_old_servers_default_latin1_charset_is_read_as_it_declares(header: str) -> None:
    # Given a GBK feed that declares gb2312, served with Apache's or Tomcat's old default charset
    body = rss(GBK_ITEMS, decl='<?xml version="1.0" encoding="gb2312"?>').decode().encode("gbk")
    # When it is parsed
    (entry,) = parse(body, {"Content-Type": f"text/xml; charset={header}"})
    # Then it reads as the document says (read as Latin-1 it was 百度 → °Ù¶È)
    assert entry.title == "百度文心大模型发布"


def test_gb2312_declaration_reads_gbk_only_characters() -> None:
    # "镕" is in GBK/GB18030 but not in GB2312; feedparser reads a gb2312 label as gb18030.
    items = "<item><title>朱镕基谈人工智能</title><link>https://example.cn/2</link></item>"
    body = rss(items, decl='<?xml version="1.0" encoding="gb2312"?>').decode().encode("gb18030")

    (entry,) = parse(body, {"content-type": "application/xml"})

    assert entry.title == "朱镕基谈人工智能"


# Taiwan's Big5 is cp950's: ‧ between the parts of a name, and ETEN's 裏 and 恒, which strict Big5 lacks.
BIG5_TITLES = ["黃仁勳‧輝達發表AI晶片，裏面恒定", "黃仁勳‧輝達發表AI晶片"]


@pytest.mark.parametrize("title", BIG5_TITLES, ids=["eten", "strict-big5"])
@pytest.mark.parametrize(
    ("decl", "headers"),
    [
        ('<?xml version="1.0" encoding="big5"?>', {}),
        ('<?xml version="1.0"?>', {"content-type": "application/rss+xml; charset=big5"}),
    ],
)
def test_a_big5_feed_reads_as_browsers_read_big5(title: str, decl: str, headers: dict[str, str]) -> None:
    # Given a Taiwanese feed labelled Big5, written as its sites write it (cp950)
    body = f'{decl}<rss version="2.0"><channel><item><title>{title}</title></item></channel></rss>'
    # When it is parsed
    (entry,) = parse(body.encode("cp950"), headers)
    # Then the title reads as written (strict Big5 made 裏面恒定 �堶梨琠w and ‧ a bullet)
    assert entry.title == title


def test_undeclared_non_utf8_body_is_read_as_gb18030() -> None:
    body = rss(GBK_ITEMS, decl="").decode().encode("gbk")

    (entry,) = parse(body, {})

    assert entry.title == "百度文心大模型发布"


def test_undeclared_utf8_body_without_content_type() -> None:
    (entry,) = parse(rss(GBK_ITEMS, decl=""), {})

    assert entry.title == "百度文心大模型发布"


CUT_OFF_ITEMS = """<item><title>智谱发布新模型</title><link>https://e.cn/1</link><description>大模型</description>
</item><item><title>第二条</title><link>https://e.cn/2</link></item>"""


@pytest.mark.parametrize(
    ("decl", "headers"),
    [
        ('<?xml version="1.0" encoding="UTF-8"?>', {}),
        ('<?xml version="1.0" encoding="UTF-8"?>', {"content-type": "text/xml"}),
        ('<?xml version="1.0"?>', {"content-type": "application/rss+xml; charset=utf-8"}),
        ('<?xml version="1.0"?>', {"content-type": 'text/xml; charset="UTF8"'}),
        ("\ufeff", {"content-type": "application/xml"}),  # a BOM
        ('<?xml version="1.0"?>', {}),  # nothing declared: UTF-8 is the default
        ("", {"content-type": "application/rss+xml"}),
    ],
)
def test_one_invalid_utf8_sequence_spoils_only_itself(decl: str, headers: dict[str, str]) -> None:
    # Given a UTF-8 feed whose description ends in a character cut off after 2 of its 3 bytes
    body = rss(CUT_OFF_ITEMS, decl=decl).replace("型</desc".encode(), "型".encode()[:2] + b"</desc")

    # When it is parsed
    first, second = parse(body, headers)

    # Then only the broken character reads U+FFFD, not the whole feed as windows-1252 / iso-8859-2
    assert (first.title, first.text, second.title) == ("智谱发布新模型", "大模\ufffd", "第二条")


def test_a_gbk_feed_under_a_servers_default_utf8_charset_is_read_as_it_declares() -> None:
    # Given a GB2312 feed served with the web server's "charset=utf-8", which its bytes are not
    body = rss(GBK_ITEMS, decl='<?xml version="1.0" encoding="gb2312"?>').decode().encode("gb2312")

    (entry,) = parse(body, {"content-type": "text/html; charset=utf-8"})

    assert (entry.title, entry.text) == ("百度文心大模型发布", "国产大模型。")


BROKEN_GBK = "<item><title>阿里通义千问大模型发布</title><link>https://example.cn/3</link></item>" + GBK_ITEMS


@pytest.mark.parametrize(
    ("decl", "headers"),
    [
        ('<?xml version="1.0" encoding="gbk"?>', {}),
        ('<?xml version="1.0" encoding="GB2312"?>', {"content-type": "application/rss+xml"}),
        ('<?xml version="1.0"?>', {"content-type": "text/xml; charset=GBK"}),
        ("", {}),  # nothing declared: read as GB18030, the legacy encoding of Chinese sites
    ],
)
def test_one_invalid_byte_in_a_gbk_feed_spoils_only_its_character(decl: str, headers: dict[str, str]) -> None:
    # Given a GBK feed where one character's two bytes are garbage (a description cut by bytes, a bad copy)
    body = rss(BROKEN_GBK, decl=decl).decode().encode("gbk").replace("千".encode("gbk"), b"\xff\xff")

    # When it is parsed
    first, second = parse(body, headers)

    # Then only that character reads U+FFFD; before, feedparser read the whole feed as windows-1252
    assert first.title.startswith("阿里通义") and first.title.endswith("问大模型发布")
    assert "\ufffd" in first.title and first.title.isprintable()
    assert (second.title, second.text) == ("百度文心大模型发布", "国产大模型。")


def test_a_gbk_feed_served_as_utf8_without_a_declaration_of_its_own_is_read_as_gbk() -> None:
    # Given GBK bytes under a web server's default charset=utf-8, and no XML declaration to say otherwise
    body = rss(GBK_ITEMS, decl="").decode().encode("gbk")

    (entry,) = parse(body, {"content-type": "application/xml; charset=utf-8"})

    # Then it reads as what it is; before, every Chinese character read U+FFFD
    assert (entry.title, entry.text) == ("百度文心大模型发布", "国产大模型。")


def test_feed_served_as_text_html_is_still_a_feed() -> None:
    (entry,) = parse(rss(GBK_ITEMS), {"content-type": "text/html; charset=utf-8"})

    assert entry.title == "百度文心大模型发布"


def test_entities_in_an_item_are_decoded_and_nbsp_collapsed() -> None:
    body = rss("<item><title>测试&hellip;标题&nbsp;&nbsp;完</title><link>https://example.cn/e</link></item>")

    (entry,) = parse(body)

    assert entry.title == "测试…标题 完"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "DeepSeek R1 的 &lt;think&gt; 标签 与 vector&lt;int&gt; 以及 a&lt;b",
            "DeepSeek R1 的 <think> 标签 与 vector<int> 以及 a<b",
        ),
        ("&lt;think&gt;\n  推理 &lt;/think&gt;", "<think> 推理 </think>"),
        ("&lt;think&gt;&nbsp;标签&hellip;", "<think> 标签…"),  # undefined in XML: the lenient parser
        ("<![CDATA[Qwen3 的 <tool_call> 格式]]>", "Qwen3 的 <tool_call> 格式"),
    ],
)
def test_a_plain_text_title_is_kept_literally(title: str, expected: str) -> None:
    # Given an RSS title that feedparser reads as text/plain, with "<" and ">" in it
    body = rss(f"<item><title>{title}</title><link>https://example.cn/t</link></item>")

    # When the feed is parsed, Then the title reads as written (whitespace collapsed), nothing stripped
    (entry,) = parse(body)
    assert entry.title == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("智谱 &lt;em&gt;GLM-5&lt;/em&gt; 发布", "智谱 GLM-5 发布"),
        ("<![CDATA[<b>36氪</b>首发]]>", "36氪首发"),
        ("AI&amp;nbsp;行业 &amp;amp; 资本", "AI 行业 & 资本"),
    ],
)
def test_a_title_of_escaped_html_is_still_read_as_html(title: str, expected: str) -> None:
    # Given a title of entity-escaped HTML, as 36Kr's RSSHub feeds have, which feedparser takes for HTML
    body = rss(f"<item><title>{title}</title><link>https://example.cn/t</link></item>")

    (entry,) = parse(body)

    assert entry.title == expected


def test_atom_text_constructs_of_type_text_are_kept_literally() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><id>urn:f</id>
  <entry><id>urn:1</id><title type="text">&lt;b&gt;x&lt;/b&gt;</title><link href="https://e.cn/1"/>
    <summary type="text">Use   &lt;br&gt; for a line break &amp;amp; more</summary></entry>
  <entry><id>urn:2</id><title type="html">&lt;b&gt;y&lt;/b&gt;</title><link href="https://e.cn/2"/>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>a &amp;lt; b</p></div></content>
  </entry>
</feed>"""

    first, second = parse(body, {"content-type": "application/atom+xml"})

    assert (first.title, first.text) == ("<b>x</b>", "Use <br> for a line break &amp; more")
    assert (second.title, second.text) == ("y", "a &lt; b")


@pytest.mark.parametrize(
    "reference",
    ["&#xD800;", "&#xdfff;", "&#55296;", "&#57343;", "&#x110000;", "&#99999999999;", "&#x0000D800;"],
)
@pytest.mark.parametrize("where", ["title", "description"])
def test_references_to_no_character_read_as_replacement_characters(reference: str, where: str) -> None:
    # Given a reference to a lone surrogate or beyond U+10FFFF, on which feedparser itself raises
    body = rss(
        f"<item><title>标题{reference if where == 'title' else ''}</title><link>https://example.cn/e</link>"
        f"<description>正文{reference if where == 'description' else ''}</description></item>"
    )

    # When the feed is parsed, Then the entry is kept and the reference reads U+FFFD, as in a browser
    (entry,) = parse(body)
    assert (entry.title, entry.text) == (
        ("标题\ufffd", "正文") if where == "title" else ("标题", "正文\ufffd")
    )


def test_references_to_characters_are_kept() -> None:
    body = rss("<item><title>&#x4E2D;&#22269;&#x1F600;</title><link>https://example.cn/e</link></item>")

    (entry,) = parse(body)

    assert entry.title == "中国\U0001f600"


def test_a_feed_the_parser_fails_on_is_a_malformed_source_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a feedparser that raises on this body (as it did on &#x110000;)
    import feedparser

    def crash(*args: object, **kwargs: object) -> None:
        raise ValueError("chr() arg not in range(0x110000)")

    monkeypatch.setattr(feedparser, "parse", crash)

    # Then the source fails by name, with the parser's error, and the others are untouched
    with pytest.raises(MalformedFeed, match=r"the feed parser failed \(ValueError: chr\(\) arg"):
        parse(rss("<item><title>标题</title></item>"))


# -- links, dates, order, caps --------------------------------------------------------------------
@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "mailto:a@example.cn", "  "]
)
def test_unsafe_or_empty_links_give_no_url(link: str) -> None:
    body = rss(f"<item><title>t</title><link>{link}</link></item>")

    (entry,) = parse(body)

    assert entry.url is None


def test_relative_links_are_resolved_against_the_feed_url() -> None:
    body = rss(
        "<item><title>t</title><link>/p/42?f=rss</link></item><item><title>u</title><link>p/43</link></item>"
    )

    first, second = parse(body, url="https://36kr.com/feeds/main")

    assert first.url == "https://36kr.com/p/42?f=rss"
    assert second.url == "https://36kr.com/feeds/p/43"


# A WeChat-to-RSS bridge: its URL carries the access key that the bridge's feeds are read with
BRIDGE = "https://bridge.example/feed/123.xml?access_token=S3CR3T"


@pytest.mark.parametrize(
    "item",
    [
        "<link>#</link>",
        "<link>#top</link>",
        "<link>?</link>",
        f"<link>{BRIDGE}</link>",
        f"<link>{BRIDGE}#comments</link>",
        "<link>http://www.bridge.example/feed/123.xml?access_token=S3CR3T</link>",
        f"<guid>{BRIDGE}</guid>",  # no <link>: the guid stands for it
    ],
)
def test_a_link_to_the_feed_itself_is_no_article_link_and_never_shows_the_feeds_key(item: str) -> None:
    # Given a bridge's item whose link is only a fragment or a bare "?", or the feed's own URL
    body = rss(f"<item><title>t</title>{item}</item>")

    # When it is parsed at the bridge's URL, access key and all
    (entry,) = parse(body, url=BRIDGE)

    # Then the item has no link, as an item without <link>: no page or email gets the feed's key
    assert entry.url is None


def test_a_link_to_the_feed_as_configured_before_a_redirect_is_no_article_link_either() -> None:
    # Given a bridge that redirected its configured URL (key and all) to another address, and an item
    # that links the configured one
    body = rss(f"<item><title>t</title><link>{BRIDGE}</link></item>")

    # When it is parsed at the address it was fetched from, knowing the one asked for
    (entry,) = parse_feed(body, RSS, "https://cdn.bridge.example/feed/123/", UTC, requested=BRIDGE)

    # Then the item has no link: the configured URL's key is shown nowhere
    assert entry.url is None


def test_items_that_link_only_their_own_feed_stay_distinct_items() -> None:
    # Given two items of a bridge, without guids, that both link "#" (or "#top")
    body = rss(
        "<item><title>甲发布新模型</title><link>#</link></item><item><title>乙完成融资</title><link>#top</link></item>"
    )

    # When they are parsed
    first, second = parse(body, url=BRIDGE)

    # Then each is an item of its own, not one shared "link" that keeps only the first
    assert identity_key(first.url, first.guid, first.title, first.text, "桥") != identity_key(
        second.url, second.guid, second.title, second.text, "桥"
    )


def test_relative_links_of_a_feed_with_a_query_do_not_take_its_query() -> None:
    # Given a bridge's items with a relative path, another query of the feed, and an absolute path
    body = rss(
        "<item><title>a</title><link>item/5</link></item><item><title>b</title><link>?p=1</link></item>"
        "<item><title>c</title><link>/p/6#c</link></item>"
    )

    # When they are parsed at the bridge's URL
    entries = parse(body, url=BRIDGE)

    # Then each link is resolved as a browser would, and none carries the feed's key
    assert [e.url for e in entries] == [
        "https://bridge.example/feed/item/5",
        "https://bridge.example/feed/123.xml?p=1",
        "https://bridge.example/p/6#c",
    ]


def test_dates_without_offset_are_read_in_the_sources_timezone() -> None:
    body = rss("""
<item><title>a</title><link>https://e.cn/a</link><pubDate>2026-06-19 18:01:25</pubDate></item>
<item><title>b</title><link>https://e.cn/b</link><pubDate>2026-06-19T08:00:00</pubDate></item>
<item><title>c</title><link>https://e.cn/c</link><pubDate>not a date</pubDate></item>
<item><title>d</title><link>https://e.cn/d</link></item>""")

    a, b, c, d = parse(body)

    assert a.published_at == datetime(2026, 6, 19, 10, 1, 25, tzinfo=UTC)  # not 18:01 UTC
    assert b.published_at == datetime(2026, 6, 19, 0, 0, tzinfo=UTC)
    assert c.published_at is None and d.published_at is None


def test_updated_is_used_when_there_is_no_published_date() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>t</title><link href="https://e.cn/t"/><id>1</id><updated>2026-06-19T12:00:00Z</updated></entry></feed>"""

    (entry,) = parse(body, {"content-type": "application/atom+xml"})

    assert entry.published_at == datetime(2026, 6, 19, 12, 0, tzinfo=UTC)


def test_feed_order_is_kept_even_when_dates_are_not_sorted() -> None:
    body = rss("""
<item><title>1</title><link>https://e.cn/1</link><pubDate>Thu, 07 May 2026 11:31:39 +0000</pubDate></item>
<item><title>2</title><link>https://e.cn/2</link><pubDate>Thu, 07 May 2026 13:24:23 +0000</pubDate></item>
<item><title>3</title><link>https://e.cn/3</link><pubDate>Thu, 07 May 2026 08:10:32 +0000</pubDate></item>""")

    assert [e.title for e in parse(body)] == ["1", "2", "3"]


def test_entries_without_title_text_or_link_are_skipped() -> None:
    body = rss("""<item><title>kept</title></item><item><guid isPermaLink="false">only-a-guid</guid></item>
<item><description>&lt;p&gt;text only&lt;/p&gt;</description></item><item><link>https://e.cn/x</link></item>""")

    entries = parse(body)

    assert [(e.title, e.text, e.url) for e in entries] == [
        ("kept", "", None),
        ("", "text only", None),
        ("", "", "https://e.cn/x"),
    ]


def test_the_parsers_log_lines_name_a_bridge_feed_without_its_access_key(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a bridge's feed, read with the key in its URL, with an entity XML does not define and an
    # enclosure-only item: both are logged
    body = rss("""<item><title>a&nbsp;b</title><link>https://e.cn/a</link></item>
<item><enclosure url="https://e.cn/a.mp3" length="1" type="audio/mpeg"/></item>""")
    caplog.set_level(logging.INFO, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)

    # When it is parsed
    parse(body, url=BRIDGE)

    # Then both lines name the feed, its parameters' names but not their values
    logged = {r.getMessage(): vars(r)["url"] for r in caplog.records if r.name.startswith(SERVICE)}
    assert logged == {
        "feed entries skipped": "https://bridge.example/feed/123.xml?access_token=***",
        "feed parsed with errors": "https://bridge.example/feed/123.xml?access_token=***",
    }
    assert "S3CR3T" not in caplog.text and all("S3CR3T" not in str(vars(r)) for r in caplog.records)


def test_skipped_entries_are_logged_with_the_reason(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an item with nothing but an enclosure beside an ordinary one
    body = rss("""<item><enclosure url="https://e.cn/a.mp3" length="1" type="audio/mpeg"/></item>
<item><title>kept</title><link>https://e.cn/k</link></item>""")
    # (a CLI run earlier in the process set the service logger up: ERROR, not propagated)
    caplog.set_level(logging.INFO, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)

    # When the feed is parsed
    entries = parse(body, url="https://e.cn/podcast.xml")

    # Then the enclosure-only item is dropped, and a log line says so, for which feed and why
    assert [e.title for e in entries] == ["kept"]
    (record,) = [r for r in caplog.records if r.getMessage() == "feed entries skipped"]
    assert (record.levelno, vars(record)["url"], vars(record)["skipped"], vars(record)["reason"]) == (
        logging.INFO,
        "https://e.cn/podcast.xml",
        1,
        "no title, text or link",
    )


def test_a_feed_whose_entries_are_all_empty_is_malformed_not_empty() -> None:
    body = rss('<item><guid isPermaLink="false">a</guid></item><item><title> </title></item>')

    with pytest.raises(MalformedFeed, match="2 entries, none with a title, text or link"):
        parse(body)


def test_an_entry_whose_title_and_text_are_bidi_controls_alone_is_skipped_as_empty() -> None:
    # Given an entry titled and described with bidi overrides and isolates only, and no link
    invisible = "\u202e&#x2066;\u200f"
    body = rss(f"<item><title>{invisible}</title><description>{invisible}</description></item>"
               "<item><title>智谱发布新模型</title><link>https://36kr.com/p/1</link></item>")  # fmt: skip

    # Then only the readable entry is kept
    assert [entry.title for entry in parse(body)] == ["智谱发布新模型"]
    # And a feed of nothing else has no entry a reader could see: malformed, not "no news"
    with pytest.raises(MalformedFeed, match="1 entry, none with a title, text or link"):
        parse(rss(f"<item><title>{invisible}</title></item>"))


def test_an_entry_whose_title_and_text_are_fillers_alone_is_skipped_as_empty() -> None:
    # Given an entry titled and described with invisible characters no rule removes from a text
    # (INVISIBLE SEPARATOR, HANGUL FILLER, a variation selector, a TAG character), and no link
    invisible = "\u2063\u3164\ufe0f\U000e0041"
    # Then a feed of nothing else has no entry a reader could see: malformed, not "no news"
    with pytest.raises(MalformedFeed, match="1 entry, none with a title, text or link"):
        parse(rss(f"<item><title>{invisible}</title><description>{invisible}</description></item>"))


def test_text_is_capped() -> None:
    body = rss(f"<item><title>long</title><description>{'字' * (TEXT_MAX_CHARS * 2)}</description></item>")

    (entry,) = parse(body)

    assert len(entry.text) == TEXT_MAX_CHARS


def test_a_stored_text_is_cut_where_it_always_was_even_inside_a_number() -> None:
    # Given a link-less, guid-less entry (known by its title and text) whose text runs past the stored
    # length in the middle of a number
    text = "字" * (TEXT_MAX_CHARS - 2) + "1988年"
    body = rss(f"<item><title>长文</title><description>{text}</description></item>")
    # When parsed, Then its stored text is the first TEXT_MAX_CHARS characters, as every release stored
    # it: the same entry keeps its identity (what is shown is cut again before the number)
    (entry,) = parse(body)
    assert entry.text == text[:TEXT_MAX_CHARS]


def test_a_huge_hostile_description_is_read_only_as_far_as_the_kept_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a 2.75 MB description (under the 5 MB cap) of unterminated "<![CDATA[" sections, each before
    # a character of text: parsing all of it took minutes, over the fetch function's time
    description = "<![CDATA[>字" * 250_000
    body = rss(f"<item><title>t</title><description><![CDATA[{description}]]></description></item>")
    read: list[int] = []

    def html_to_text(fragment: str) -> str:
        read.append(len(fragment))
        return text.html_to_text(fragment)

    monkeypatch.setattr(feeds, "html_to_text", html_to_text)

    # When the feed is parsed
    (entry,) = parse(body)

    # Then the kept text is what a reader sees, and no more markup is parsed than a small multiple of it
    assert entry.text == "字" * TEXT_MAX_CHARS
    assert max(read) <= MARKUP_PER_CHAR * TEXT_MAX_CHARS


def test_heavily_styled_text_is_kept_whole() -> None:
    # Given WeChat-style markup: every paragraph in styled sections, 8 characters of markup per character
    style = "margin: 0px; padding: 0px; max-width: 100%; box-sizing: border-box !important; color: #3e3e3e"
    paragraph = "大模型推理能力显著提升，" * 4 + "。"
    html = (
        f'<section style="{style}"><p style="{style}"><span style="{style}">{paragraph}</span></p></section>'
    )
    count = TEXT_MAX_CHARS // len(paragraph) + 1
    body = rss(f"<item><title>t</title><description><![CDATA[{html * count}]]></description></item>")
    assert len(html) > 7 * len(paragraph)

    (entry,) = parse(body)

    assert entry.text == " ".join([paragraph] * count)[:TEXT_MAX_CHARS]


def test_scripts_and_styles_never_reach_the_text() -> None:
    body = rss("""<item><title>t</title><description>&lt;p&gt;ok&lt;/p&gt;
&lt;script&gt;alert(1)&lt;/script&gt;&lt;style&gt;p{color:red}&lt;/style&gt;&lt;iframe src="https://v.qq.com/x"&gt;fallback&lt;/iframe&gt;</description></item>""")

    (entry,) = parse(body)

    assert entry.text == "ok"


# -- the only way to get no entries ---------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        rss(""),
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
        rss("<title>&nbsp;undefined XML entity, but the document is complete</title>"),
    ],
)
def test_a_complete_feed_without_entries_is_legitimately_empty(body: bytes) -> None:
    assert parse(body) == []


# -- named failures -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body", [b"", b"   \r\n\t ", b"\xef\xbb\xbf\n", b"<!-- nothing -->\r\n", b'<?xml version="1.0"?>']
)
def test_empty_bodies(body: bytes) -> None:
    with pytest.raises(EmptyResponse):
        parse(body)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"<!DOCTYPE html><html><head><title>36\xe6\xb0\xaa</title></head><body>hi</body></html>", RSS),
        (b"\xef\xbb\xbf\n<!-- x -->\n<HTML lang=zh><body>data-service</body></HTML>", {}),
        (b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x"><html/>', RSS),
        (
            b"<div><p>\xe6\x95\xb0\xe6\x8d\xae\xe6\x9c\x8d\xe5\x8a\xa1</p></div>",
            {"content-type": "text/html"},
        ),
    ],
)
def test_html_pages_are_not_feeds(body: bytes, headers: dict[str, str]) -> None:
    with pytest.raises(NotAFeed, match="answered an HTML page, not a feed"):
        parse(body, headers)


SOGOU_CAPTCHA = """
<!DOCTYPE HTML>
<html><head><meta charset="utf-8"><title>搜狗搜索</title>
<script src="static/js/antispider.min.js?v=2"></script></head>
<body><div class="content-box">
<p class="p2">用户您好，您的访问过于频繁，为确认本次访问为正常用户行为，需要您协助验证。</p>
<form name="authform" method="POST" id="seccodeForm" action="/">
<img id="seccodeImage" src="util/seccode.php?tc=1500993379">
<input id="seccodeInput" placeholder="请输入验证码">
</form></div></body></html>
"""


@pytest.mark.parametrize(
    ("body", "url"),
    [
        (SOGOU_CAPTCHA.encode(), "https://weixin.sogou.com/weixin?type=1&query=AI_era"),
        (SOGOU_CAPTCHA.encode("gbk"), "https://weixin.sogou.com/weixin?type=1&query=AI_era"),
        (rss(GBK_ITEMS), "https://weixin.sogou.com/antispider/?from=%2fweixin"),
        (b"<html><body>ok</body></html>", "https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=x"),
        (
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>",
            "https://x.cn/",
        ),
        (b"<html><body><div class='g-recaptcha'></div></body></html>", "https://x.cn/feed"),
    ],
)
def test_captcha_and_anti_bot_pages_are_blocked(body: bytes, url: str) -> None:
    with pytest.raises(Blocked, match="anti-bot page"):
        parse(body, {"content-type": "text/html; charset=utf-8"}, url=url)


def test_an_antispider_url_is_blocked_even_with_an_empty_body() -> None:
    with pytest.raises(Blocked):
        parse(b"", {}, url="https://weixin.sogou.com/antispider/?from=%2Fweixin")


def test_the_word_captcha_inside_a_feed_does_not_block_it() -> None:
    body = rss(
        "<item><title>新的 CAPTCHA 破解模型：请输入验证码已成历史</title><link>https://e.cn/c</link></item>"
    )

    assert len(parse(body)) == 1


@pytest.mark.parametrize(
    "body",
    [
        bytes(range(256)) * 4,
        b'{"items": [{"title": "json is not a feed"}]}',
        b"plain text, not a feed",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>cut</title><ite',
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>cut off before any item</title>',
        b"<!-- never closed",
        b"<root><child>well-formed XML, but not a feed</child></root>",
    ],
)
def test_garbage_is_malformed_never_an_empty_list(body: bytes) -> None:
    with pytest.raises(MalformedFeed):
        parse(body)


def test_a_truncated_feed_keeps_the_entries_that_arrived() -> None:
    body = (
        rss("""<item><title>第一条</title><link>https://e.cn/1</link></item>
<item><title>第二条</title><link>https://e.cn/2</link></item>""")[:-20]
        + b"<item><title>cut in the midd"
    )

    entries = parse(body)

    assert [e.title for e in entries] == ["第一条", "第二条"]


def test_a_body_that_names_a_local_file_is_not_read_from_disk(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(rss("<item><title>local secret</title><link>https://e.cn/s</link></item>"))

    with pytest.raises(SourceFailure):
        parse(str(secret).encode())


def test_failures_are_source_failures_with_a_status_word() -> None:
    for body, status in [(b"", "empty"), (b"<html></html>", "not_a_feed"), (b"{}", "malformed")]:
        with pytest.raises(SourceFailure) as caught:
            parse(body)
        assert caught.value.status == status


def test_a_feed_s_own_entities_are_never_expanded_nor_read_from_elsewhere(tmp_path: Path) -> None:
    # Given a feed whose DTD defines a billion laughs (nine levels of ten) and an external entity
    # naming a file of this machine
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    laughs = '<!ENTITY l0 "哈">' + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE rss [{laughs}'
        f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        '<rss version="2.0"><channel><title>t</title>'
        "<item><title>&l9;</title><link>https://36kr.com/p/1</link></item>"
        "<item><title>读取&xxe;</title><link>https://36kr.com/p/2</link></item>"
        "<item><title>智谱发布新模型</title><link>https://36kr.com/p/3</link></item>"
        "</channel></rss>"
    ).encode()
    # When it is parsed
    entries = parse(body)
    # Then no entity grew into a billion characters, no file's text is in any entry, and the feed's
    # other entries are read
    assert all(len(entry.title) < 100 for entry in entries)
    assert not any("机密" in entry.title + entry.text for entry in entries)
    assert entries[-1].title == "智谱发布新模型"
