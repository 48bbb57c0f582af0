"""Sources renamed, moved or enabled again across days (README: Windows, Identity, Stories told twice,
[[sources]]): found by a review of how stored items become daily editions; the first three failed
before the feed became its URL (a renamed source lost an old-dated item and took its own follow-up for
a repeat; a moved one published its new feed's archive as news); the link-less ones failed before a
feed's items were identified within its scope (identity.feed_scope), kept in its state, not its name;
the url-change ones, while a new url was a new feed unless it showed what the source stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from loopback import LoopbackServer, static
from review_days_lib import Tracker

SH = "+08:00"


def rss(entries: list[tuple[str, str | None, str, str]]) -> bytes:
    """entries: (title, link or None, guid, RFC 822 date): a feed numbering its items by their guid."""
    items = "".join(
        f"<item><title>{title}</title>" + (f"<link>{link}</link>" if link else "")
        + f'<guid isPermaLink="false">{guid}</guid><description>{title}。</description>'
        f"<pubDate>{date}</pubDate></item>"
        for title, link, guid, date in entries
    )  # fmt: skip
    return f'<rss version="2.0"><channel><title>f</title>{items}</channel></rss>'.encode()


def serve(server: LoopbackServer, path: str, entries: list[tuple[str, str | None, str, str]]) -> None:
    server.routes[path] = static(rss(entries), headers={"Content-Type": "application/rss+xml"})


def news(t: Tracker, day: str) -> list[str]:
    edition = t.edition(day)
    return [i["title"] for key in ("items", "more_items", "reported_before") for i in edition[key]]


OLD = ("智谱发布 GLM 新模型", None, "flash-101", "Thu, 19 Nov 2026 06:00:00 +0800")
NEW = ("DeepSeek 开源推理模型", None, "flash-102", "Fri, 20 Nov 2026 06:00:00 +0800")
LINKED = ("月之暗面发布 Kimi 新版本", "https://a.example/kimi", "a-1", OLD[3])


def test_a_renamed_source_does_not_publish_its_link_less_items_again(tmp_path: Path) -> None:
    """README, Identity: a link-less item is its guid within its feed; [[sources]]: a source renamed
    (the same url) stays the feed it was."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a"),))
        serve(server, "/a", [OLD])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the source renamed (same URL), its feed showing a new item above the one published
        t.write_config((("乙", "/a"),))
        serve(server, "/a", [NEW, OLD])
        # When the next day is run
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then only the new item is news: the other is 11-19's
    assert news(t, "2026-11-20") == [NEW[0]]


def test_a_renamed_bridge_that_switches_an_articles_link_keeps_the_item(tmp_path: Path) -> None:
    """README, Identity: an article whose feed changes its link but keeps its guid, title and text (a
    WeChat bridge switching URL forms) stays the item seen first, after a rename too."""
    title, _, guid, date = OLD
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a"),))
        serve(server, "/a", [(title, "https://mp.weixin.qq.com/s/AbCdEf", guid, date)])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the source renamed, then its bridge showing the article under its other link
        t.write_config((("乙", "/a"),))
        serve(server, "/a", [(title, "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1", guid, date)])
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then it is the item 11-19 published, not news again
    assert t.urls("2026-11-20") == []


def test_a_source_pointed_at_another_feed_numbering_its_items_alike_takes_them_for_its_own(
    tmp_path: Path,
) -> None:
    """README, Identity: a link-less item is its guid within its source, whatever URL it is given; a
    known limitation: to follow another feed numbering its items alike, add it under a new name."""
    mine = ("智谱发布 GLM 新模型", None, "1", "Thu, 19 Nov 2026 06:00:00 +0800")
    other = ("DeepSeek 开源推理模型", None, "1", "Fri, 20 Nov 2026 06:00:00 +0800")
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a"),))
        serve(server, "/a", [mine])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the source pointed at another feed numbering its items from "1" too, which is also
        # added under a new name
        serve(server, "/b", [other])
        t.write_config((("甲", "/b"), ("乙", "/b")))
        # When the next day is run
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then the other feed's "1" is news under the new name alone: under 甲 it is the item stored
    assert news(t, "2026-11-20") == [other[0]]


def test_a_feeds_access_key_rotated_does_not_publish_its_link_less_items_again(tmp_path: Path) -> None:
    """README, [[sources]]: a url may carry the feed's access key (RSSHub's ``?key=``); the same feed
    under a rotated key is no new feed whose items are news again."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a?key=old"),))
        serve(server, "/a", [OLD])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the feed's access key rotated, the feed showing a new item above the one published
        t.write_config((("甲", "/a?key=new"),))
        serve(server, "/a", [NEW, OLD])
        # When the next day is run
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then only the new item is news: the other is 11-19's
    assert news(t, "2026-11-20") == [NEW[0]]


def test_a_bridge_whose_access_key_rotated_keeps_an_article_it_then_shows_under_its_other_link(
    tmp_path: Path,
) -> None:
    """README, Identity: a WeChat bridge's article under its other link stays the item seen first,
    after the bridge's url changed to another access token too."""
    title, _, guid, date = OLD
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a?access_token=old"),))
        serve(server, "/a", [(title, "https://mp.weixin.qq.com/s/AbCdEf", guid, date)])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the bridge's access token rotated, the feed unchanged
        t.write_config((("甲", "/a?access_token=new"),))
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
        # When the bridge then shows the article under its other link
        serve(server, "/a", [(title, "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1", guid, date)])
        assert t.cli("run", f"2026-11-21T08:00:00{SH}")[0] == 0
    # Then it is the item 11-19 published, not news again
    assert t.urls("2026-11-21") == []


def test_a_feed_asked_for_more_of_its_history_publishes_no_archive(tmp_path: Path) -> None:
    """README, Windows: what a source's new url first brings dated a week before the window is no news;
    a url showing more of the same feed's history (RSSHub's ``?limit=``) brings items weeks old."""
    history = [
        (
            f"旧闻第{n}条：百度文心更新",
            f"https://a.example/old-{n}",
            f"old-{n}",
            "Sun, 01 Nov 2026 06:00:00 +0800",
        )
        for n in range(3)
    ]
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a?limit=1"),))
        serve(server, "/a", [LINKED])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the source asking its feed for more items: the one published and its history
        t.write_config((("甲", "/a?limit=50"),))
        serve(server, "/a", [LINKED, *history])
        # When the next day is run
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then items published three weeks ago are no news
    assert news(t, "2026-11-20") == []


def test_a_source_pointed_back_at_its_feed_does_not_publish_its_link_less_items_again(
    tmp_path: Path,
) -> None:
    """README, Identity: a source's link-less items keep their scope through any url change; pointed at
    another feed for a few hours and back (or fetched with the former configuration meanwhile)."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a"),))
        serve(server, "/a", [LINKED, OLD])
        serve(server, "/b", [("另一个源的新闻", "https://b.example/1", "b-1", OLD[3])])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the source pointed at another feed that afternoon, and back again that evening
        t.write_config((("甲", "/b"),))
        assert t.cli("fetch", f"2026-11-19T14:00:00{SH}")[0] == 0
        t.write_config((("甲", "/a"),))
        # When the next day is run, its feed unchanged
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then the link-less item is 11-19's, not news again
    assert OLD[0] not in news(t, "2026-11-20")


def test_a_renamed_source_keeps_an_item_it_dates_long_ago(tmp_path: Path) -> None:
    """README, [[sources]]: "a source renamed, the same url, keeps them, credited to its new name";
    Windows: "an established feed's items are kept whatever dates it gives them". A renamed feed is
    the same established feed: its new item must land in the next edition whatever date it gives."""
    a = (
        "智谱发布 GLM 新模型",
        "https://example.org/a",
        datetime(2026, 11, 19, 6, 0, tzinfo=UTC),
        "智谱今天发布了新模型。",
    )
    # the feed's new article carries an old (wrong) date, as the README's "wrong, fixed date" feed does
    b = (
        "DeepSeek 开源推理模型",
        "https://example.org/b",
        datetime(2026, 10, 1, 0, 0, tzinfo=UTC),
        "DeepSeek 今天开源了推理模型。",
    )
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, sources=(("甲", "/a"),))
        t.feed("/a", [a])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        assert t.urls("2026-11-19") == [a[1]]
        # the source is renamed (same URL), and its feed shows a new article
        t.write_config((("乙", "/a"),))
        t.feed("/a", [b, a])
        code, _out, err = t.cli("run", f"2026-11-20T08:00:00{SH}")
        assert code == 0, err
    assert t.urls("2026-11-20") == [b[1]], "the renamed feed's new item is in no edition"


def test_a_renamed_source_whose_first_fetch_failed_still_follows_its_feed(tmp_path: Path) -> None:
    # Given an established source 甲, renamed 乙 (same URL) on a day its feed was down
    a, b = (
        (
            "智谱发布 GLM 新模型",
            "https://example.org/a",
            datetime(2026, 11, 19, 6, 0, tzinfo=UTC),
            "正文甲。",
        ),
        ("DeepSeek 开源推理模型", "https://example.org/b", datetime(2026, 10, 1, tzinfo=UTC), "正文乙。"),
    )
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, sources=(("甲", "/a"),))
        t.feed("/a", [a])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        t.write_config((("乙", "/a"),))
        t.down("/a")
        assert t.cli("fetch", f"2026-11-19T20:00:00{SH}")[0] == 1  # its one feed failed
        # When the feed is back, with a new article it dates long ago
        t.feed("/a", [b, a])
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then the article is news: the feed stayed the established one its failures did not replace
    assert t.urls("2026-11-20") == [b[1]]


A = (
    "智谱发布 GLM 新模型",
    "https://example.org/a",
    datetime(2026, 11, 19, 6, 0, tzinfo=UTC),
    "智谱今天发布了新模型。",
)
# a feed's archive: five stories published 8 to 12 days before the 11-20 edition's cutoff
ARCHIVE = [
    (
        f"旧闻 {n}：某模型更新",
        f"https://bridge.example/old{n}",
        datetime(2026, 11, 11 - n, tzinfo=UTC),
        f"旧闻正文 {n}。",
    )
    for n in range(5)
]


def test_a_source_moved_to_another_feed_does_not_publish_that_feeds_archive_as_news(tmp_path: Path) -> None:
    """README, Windows: "An edition holds what was first seen since the previous edition's cutoff, but
    for the archive of a feed added since (its items published a week or more before that cutoff...)".
    A feed is its URL (a source renamed with the same url is the same feed); pointing 新智元 at another
    bridge adds that feed: its week-old archive must not be the next edition's news."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, sources=(("新智元", "/bridge-a"),))
        t.feed("/bridge-a", [A])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        t.cli("run", f"2026-11-20T08:00:00{SH}")
        # the dead bridge is replaced by another one: same source name, another feed URL
        t.feed("/bridge-b", ARCHIVE)
        t.write_config((("新智元", "/bridge-b"),))
        assert t.cli("run", f"2026-11-21T08:00:00{SH}")[0] == 0
    assert t.urls("2026-11-21") == [], "the new feed's archive (8-12 days old) is published as news"


def test_items_an_established_feed_brought_are_kept_when_the_source_moves_before_the_edition(
    tmp_path: Path,
) -> None:
    """README, Windows: an established feed's items are kept whatever dates they give; only what the
    new feed brings is its archive."""
    # (back after an outage, the feed shows an article of ten days ago)
    caught_up = (
        "DeepSeek 开源推理模型",
        "https://x.example/b",
        datetime(2026, 11, 10, tzinfo=UTC),
        "正文乙。",
    )
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, sources=(("甲", "/old"),))
        t.feed("/old", [A])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        t.feed("/old", [caught_up, A])
        assert t.cli("fetch", f"2026-11-19T14:00:00{SH}")[0] == 0
        # Given the source then pointed at a mirror showing the same articles
        t.feed("/new", [caught_up, A])
        t.write_config((("甲", "/new"),))
        # When the next day is run
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then the article the established feed brought at 14:00 is its news
    assert t.urls("2026-11-20") == [caught_up[1]]


def test_a_source_enabled_again_catches_up_as_after_an_outage(tmp_path: Path) -> None:
    """README, [[sources]] enabled: a source disabled and enabled again is no new feed: what its feed
    still holds that no edition had is caught up, as after an outage (a feed pointed at another URL is
    new: test above)."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, sources=(("甲", "/a"), ("乙", "/b")))
        t.feed("/a", [A])
        t.feed(
            "/b",
            [("乙的第一条：模型", "https://b.example/first", datetime(2026, 10, 18, tzinfo=UTC), "正文。")],
        )
        assert t.cli("run", f"2026-10-19T08:00:00{SH}")[0] == 0  # 乙 established
        t.write_config((("甲", "/a"),))  # 乙 disabled (removed) for a month
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
        t.feed("/b", ARCHIVE)
        t.write_config((("甲", "/a"), ("乙", "/b")))  # and enabled again
        assert t.cli("run", f"2026-11-21T08:00:00{SH}")[0] == 0
    assert sorted(t.urls("2026-11-21")) == sorted(story[1] for story in ARCHIVE)


FIRST = (
    "DeepSeek 发布 V4 大模型，性能大幅提升",
    "https://example.org/v4",
    datetime(2026, 11, 19, 6, 0, tzinfo=UTC),
    "DeepSeek 今日正式发布 V4 大模型，在多项评测中性能大幅提升，支持百万上下文，API 价格不变。",
)
FOLLOW_UP = (
    "DeepSeek V4 大模型开源，性能大幅提升",
    "https://example.org/v4-open",
    datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
    "DeepSeek 今日正式开源 V4 大模型权重，在多项评测中性能大幅提升，支持百万上下文，API 价格不变。",
)


def test_a_renamed_outlets_own_follow_up_is_news_not_a_repeat(tmp_path: Path) -> None:
    """README, Stories told twice: "An outlet's own later article on a story it told is news (a
    follow-up)"; [[sources]]: a source renamed (same url) keeps its items, credited to its new name.
    Unrenamed, this very follow-up is news (shown in full); after the rename it is listed as a repeat of
    the outlet's own story, hidden from the items."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a"),))
        t.feed("/a", [FIRST])
        assert t.cli("run", f"2026-11-19T20:00:00{SH}")[0] == 0
        t.write_config((("乙", "/a"),))  # renamed, same feed
        t.feed("/a", [FOLLOW_UP, FIRST])
        assert t.cli("run", f"2026-11-20T20:00:00{SH}")[0] == 0
    edition = t.edition("2026-11-20")
    assert [i["url"] for i in edition["reported_before"]] == []
    assert [i["url"] for i in edition["items"]] == [FOLLOW_UP[1]]


@pytest.mark.parametrize(
    "changed",
    [("乙", "/b?key=second"), ("乙", "/c"), ("丙", "/b?key=first")],
    ids=["its-key-corrected", "pointed-at-another-feed", "renamed"],
)
def test_a_source_added_then_changed_before_its_first_edition_publishes_no_archive(
    tmp_path: Path, changed: tuple[str, str]
) -> None:
    """README, Windows: no archive of a feed added since the last edition; a source added, then given
    another url (its bridge's key corrected, or another feed) or renamed before that edition, is still
    one added since."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, sources=(("甲", "/a"),))
        t.feed("/a", [A])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given a source added at 14:00, its first fetch storing its bridge's archive
        t.feed("/b", ARCHIVE)
        t.feed(
            "/c", [("乙：今日新闻", "https://c.example/1", datetime(2026, 11, 19, 10, tzinfo=UTC), "正文。")]
        )
        t.write_config((("甲", "/a"), ("乙", "/b?key=first")))
        assert t.cli("fetch", f"2026-11-19T14:00:00{SH}")[0] == 0
        # And its url or name changed that evening
        t.write_config((("甲", "/a"), changed))
        # When the next day is run
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then the archive of the feed added since is no news
    assert [u for u in t.urls("2026-11-20") if "old" in u] == []


BETWEEN = ("百度文心旧闻：十天前的发布会", "https://b.example/old", "b-old", "Mon, 09 Nov 2026 06:00 +0800")


@pytest.mark.parametrize("last", ["/a", "/c"])
def test_a_source_moved_twice_before_an_edition_publishes_none_of_the_feed_between(
    tmp_path: Path, last: str
) -> None:
    """README, Windows: what a source's new url first brings dated a week before the window is no news;
    pointed at another feed for a few hours, then back (or at a third url), the archive that feed
    brought meanwhile is no news either (its moves: the first since the last edition counts)."""
    with LoopbackServer() as server:
        t = Tracker(server, tmp_path, threshold=0.27, sources=(("甲", "/a"),))
        serve(server, "/a", [LINKED])
        serve(server, "/b", [BETWEEN])
        serve(server, "/c", [LINKED])
        assert t.cli("run", f"2026-11-19T08:00:00{SH}")[0] == 0
        # Given the source pointed at another feed at 10:00, its ten-day-old item stored then
        t.write_config((("甲", "/b"),))
        assert t.cli("fetch", f"2026-11-19T10:00:00{SH}")[0] == 0
        # and pointed at another url again at 14:00
        t.write_config((("甲", last),))
        assert t.cli("fetch", f"2026-11-19T14:00:00{SH}")[0] == 0
        # When the next day is run
        assert t.cli("run", f"2026-11-20T08:00:00{SH}")[0] == 0
    # Then the other feed's ten-day-old item is no news
    assert BETWEEN[0] not in news(t, "2026-11-20")
