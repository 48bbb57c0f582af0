"""Two runs at once over the same stores: builds and publishes of different days, a fetch still storing
a new feed's archive while an edition is cut, and two fetches (a cron `fetch` and a `run` both at 08:00,
an operator's `{}` invoke of the fetch function beside the scheduled one).

Each interleaving is forced by hand, not by timing: a store (or repository, or HTTP client) hook runs
the other run's steps at a chosen point of this one, so every test takes the same path on every run.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ai_news_tracker.config import parse_config
from ai_news_tracker.errors import EditionError, HTTPStatusFailure, SourceFailure
from ai_news_tracker.http import Response
from ai_news_tracker.models import Edition, Entry, Validators
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.repository import SourceState
from ai_news_tracker.store import LocalStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
SOURCES = ("甲", "乙")


def at(day: int, hour: int = 8, minute: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


class Hooked(LocalStore):
    """A folder bucket that runs ``meanwhile`` once, just before its ``at``-th write (``put`` or
    ``put_if_absent``) of a key starting with ``prefix``."""

    def __init__(self, root: Path, prefix: str = "", at: int = 0) -> None:
        super().__init__(root)
        self.prefix, self.at, self.writes = prefix, at, 0
        self.meanwhile: Callable[[], object] | None = None
        self.fired = False

    def _before_write(self, key: str) -> None:
        if not key.startswith(self.prefix):
            return
        self.writes += 1
        if self.writes == self.at and self.meanwhile is not None:
            self.fired = True
            self.meanwhile()

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._before_write(key)
        super().put(key, data, content_type=content_type)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        self._before_write(key)
        return super().put_if_absent(key, data, content_type=content_type)


def pipeline(
    data: Path,
    *,
    raw: LocalStore | None = None,
    site: LocalStore | None = None,
    title: str = "国产大模型日报",
) -> Pipeline:
    config = parse_config(
        {
            "report": {"lookback_hours": 24, "max_items": 100, "title": title},
            "filter": {"include": []},
            "sources": [
                {"name": name, "url": f"https://{n}.example.com/feed"} for n, name in enumerate(SOURCES)
            ],
        }
    )
    return Pipeline(config, raw or LocalStore(data / "raw"), site or LocalStore(data / "site"))


def story(title: str, published: datetime) -> Entry:
    return Entry(
        title=title, text=f"{title}：大模型的正文。", url=f"https://example.com/{title}", guid=None,
        published_at=published,
    )  # fmt: skip


def stored(data: Path) -> dict[str, Edition]:
    return {
        path.stem: Edition.from_dict(json.loads(path.read_text("utf-8")))
        for path in sorted((data / "raw" / "editions").glob("*.json"))
    }


def titles_by_edition(data: Path) -> dict[str, list[str]]:
    return {day: sorted(i.title for i in edition.items) for day, edition in stored(data).items()}


# -- two builds of consecutive days -------------------------------------------------------------------
def missed_day(data: Path) -> Pipeline:
    """The edition of 11-18 published; the render of 11-19 failed; an item for each of 11-19 and 11-20."""
    first = pipeline(data)
    first.repo.record_entries("甲", [story("十八日", at(18, 7))], at(18, 8))
    first.publish(first.build(at(18))[0])
    first.repo.record_entries("甲", [story("十九日", at(19, 9))], at(19, 10))
    first.repo.record_entries("甲", [story("二十日", at(20, 6))], at(20, 8))
    return first


@pytest.mark.parametrize("outer", ["backfill", "schedule"])
@pytest.mark.parametrize("point", [1, 2], ids=["before-the-claim", "before-the-edition"])
def test_a_missed_day_built_while_the_next_day_builds_puts_every_item_in_one_edition(
    tmp_path: Path, outer: str, point: int
) -> None:
    # Given a missed day (11-19), its items and the next day's stored
    missed_day(tmp_path)
    # When the operator's backfill of 11-19 (README runbook) and the schedule's 11-20 build at once:
    # the other whole build runs before this one's first (or second) write of the editions
    days = {"backfill": at(19, 23), "schedule": at(20)}
    inner_day = days["schedule" if outer == "backfill" else "backfill"]
    hooked = Hooked(tmp_path / "raw", prefix="editions/", at=point)
    outcome: dict[str, str] = {}

    def build(pipe: Pipeline, now: datetime) -> None:
        try:
            pipe.publish(pipe.build(now)[0])
            outcome[now.date().isoformat()] = "built"
        except EditionError as refused:
            outcome[now.date().isoformat()] = str(refused)

    hooked.meanwhile = lambda: build(pipeline(tmp_path), inner_day)
    build(pipeline(tmp_path, raw=hooked), days[outer])
    assert hooked.fired
    # Then one of them is refused, naming the other; retried, the schedule starts from what stands
    (refused,) = [(day, why) for day, why in outcome.items() if why != "built"]
    other = "2026-11-19" if refused[0] == "2026-11-20" else "2026-11-20"
    assert len(outcome) == 2 and other in refused[1], outcome
    build(pipeline(tmp_path), at(20))
    found = titles_by_edition(tmp_path)
    placed = sorted(title for titles in found.values() for title in titles)
    assert placed == sorted(["十八日", "十九日", "二十日"]), found
    editions = list(stored(tmp_path).values())
    for before, after in itertools.pairwise(editions):
        assert after.window_start == before.window_end, (before.date, after.date)
    assert "2026-11-20" in (tmp_path / "site" / "latest.md").read_text("utf-8")


def test_the_rebuild_runbook_still_rebuilds_the_newest_edition_and_the_next_day_waits_for_it(
    tmp_path: Path,
) -> None:
    # Given the editions of 11-18 and 11-19, and an item for 11-20
    pipe = missed_day(tmp_path)
    pipe.publish(pipe.build(at(19, 23))[0])
    before = stored(tmp_path)["2026-11-19"]
    # When the operator deletes the newest stored edition to rebuild it (README runbook), and the
    # next day's schedule builds in that gap
    (tmp_path / "raw" / "editions" / "2026-11-19.json").unlink()
    with pytest.raises(EditionError, match=r"2026-11-19 is being built as the edition after 2026-11-18"):
        pipeline(tmp_path).build(at(20))
    rebuilt, was_stored = pipeline(tmp_path).build(at(19, 23))
    # Then the day is rebuilt from the same start, and the next day, retried, starts at its cutoff
    assert not was_stored and rebuilt.window_start == before.window_start
    after, _ = pipeline(tmp_path).build(at(20))
    assert after.window_start == rebuilt.window_end
    assert [i.title for i in after.items] == ["二十日"]


@pytest.mark.parametrize("published", [True, False], ids=["a-rebuild-under-way", "a-render-that-died"])
def test_the_next_day_refused_by_a_day_not_stored_says_how_out_and_never_to_give_up_a_published_day(
    tmp_path: Path, published: bool
) -> None:
    # Given 11-19 claimed as the edition after 11-18 but not stored: published, then deleted to be
    # rebuilt (README runbook), or a render of it that died between its claim and its edition
    pipe = missed_day(tmp_path)
    if published:
        pipe.publish(pipe.build(at(19, 23))[0])
        (tmp_path / "raw" / "editions" / "2026-11-19.json").unlink()
    else:
        pipe.repo.claim_successor(at(18).date(), at(19).date())
    # When the next day's render runs
    with pytest.raises(EditionError) as refused:
        pipeline(tmp_path).build(at(20))
    # Then it says to build 11-19 again; giving the day up (deleting the claim) only for a day never
    # published: its items, mailed already, would go out again in 11-20's edition
    assert "build 2026-11-19 again" in str(refused.value)
    assert ("editions/successors/2026-11-18" in str(refused.value)) is not published


# -- a publish of an older day while today's is published ---------------------------------------------
def three_days(data: Path) -> None:
    """The editions of 11-18 and 11-19 published; an item for 11-20 stored."""
    pipe = pipeline(data)
    for day in (18, 19):
        pipe.repo.record_entries("甲", [story(f"{day}日", at(day, 7))], at(day, 8))
        pipe.publish(pipe.build(at(day))[0])
    pipe.repo.record_entries("甲", [story("20日", at(20, 7))], at(20, 8))


# Publishing 11-18 again writes 10 files (its own 3, the 7 listing pages and assets); 11-19, 11 (and the
# page of 11-18 again): today's run is put before each of them
@pytest.mark.parametrize(
    ("republished", "write"), [(18, n) for n in range(1, 11)] + [(19, n) for n in range(1, 12)]
)
def test_republishing_an_older_day_while_today_is_published_keeps_today_in_every_listing(
    tmp_path: Path, republished: int, write: int
) -> None:
    # Given two published days, and the items of a third
    three_days(tmp_path)
    # When an older day is published again (`run --now`, a replayed render) and today's whole build
    # and publish run just before one of its writes of the site
    site = Hooked(tmp_path / "site", at=write)
    older = pipeline(tmp_path, site=site)
    edition, _ = older.build(at(republished))

    def today() -> None:
        pipe = pipeline(tmp_path)
        pipe.publish(pipe.build(at(20))[0])

    site.meanwhile = today
    older.publish(edition)
    assert site.fired
    # Then the archive, the feed and latest hold today's edition, and the day before links forward to it
    text = {name: (tmp_path / "site" / name).read_text("utf-8") for name in ("index.html", "feed.xml")}
    assert "2026-11-20" in text["index.html"] and "2026-11-20" in text["feed.xml"]
    assert (tmp_path / "site" / "latest.md").read_text("utf-8").startswith("# 2026-11-20")
    assert "2026-11-20.html" in (tmp_path / "site" / "reports" / "2026-11-19.html").read_text("utf-8")


# Publishing 11-18 again writes 10 files: the runbook's rebuild of today is put before each of them
@pytest.mark.parametrize("write", range(1, 11))
def test_a_rebuild_of_the_newest_day_during_a_republish_of_an_older_one_is_in_every_listing(
    tmp_path: Path, write: int
) -> None:
    # Given three published days, the newest under the title 国产大模型日报
    three_days(tmp_path)
    pipe = pipeline(tmp_path)
    pipe.publish(pipe.build(at(20))[0])
    # When an older day is published again and, just before one of its writes of the site, the README's
    # "Rebuild the newest edition" runs whole: its stored edition deleted, built under a new title, published
    site = Hooked(tmp_path / "site", at=write)
    older = pipeline(tmp_path, site=site)
    edition, _ = older.build(at(18))

    def rebuild() -> None:
        (tmp_path / "raw" / "editions" / "2026-11-20.json").unlink()
        again = pipeline(tmp_path, title="新日报")
        again.publish(again.build(at(20))[0])

    site.meanwhile = rebuild
    older.publish(edition)
    assert site.fired
    # Then latest and the feed show the day as rebuilt, as its own page does
    shown = {
        key: (tmp_path / "site" / key).read_text("utf-8") for key in ("latest.md", "latest.html", "feed.xml")
    }
    assert shown["latest.md"].startswith("# 2026-11-20 新日报")
    assert "<h1>2026-11-20 新日报</h1>" in shown["latest.html"]
    assert "2026-11-20 新日报" in shown["feed.xml"]


# -- a new feed's first fetch storing while the edition is cut ------------------------------------------
@pytest.mark.parametrize("first_edition", [False, True])
def test_a_new_feeds_archive_stored_after_the_cut_is_in_no_edition(
    tmp_path: Path, first_edition: bool
) -> None:
    pipe = pipeline(tmp_path)
    cut = at(19)
    if not first_edition:  # Given an edition of the established feed 甲 the day before
        pipe.repo.record_entries("甲", [story("甲十八日", at(18, 7))], at(18, 8))
        pipe.build(at(18))
    # and 乙 added: its first fetch at 08:00 marks it new, then stores its October archive and its
    # news, all first seen at 08:00, while the 08:10 render cuts the edition in the middle
    pipe.repo.record_entries("甲", [story("甲十九日", at(19, 7))], at(19, 8))
    pipe.repo.save_source_state("乙", SourceState(first_fetched_at=at(19, 8)))
    pipe.repo.record_entries("乙", [story("乙新闻一", at(19, 6))], at(19, 8))
    pipe.build(cut)
    archive = [story(f"乙旧文{n}", datetime(2026, 10, 10 + n, 9, 0, tzinfo=SHANGHAI)) for n in range(4)]
    pipe.repo.record_entries("乙", [story("乙新闻二", at(19, 7)), *archive], at(19, 8))
    # When the next day's edition is built
    pipe.repo.record_entries("甲", [story("甲二十日", at(20, 7))], at(20, 8))
    pipe.build(at(20))
    # Then the archive is in neither edition, as when the fetch does not overlap the cut; its news is
    found = titles_by_edition(tmp_path)
    assert found["2026-11-20"] == sorted(["甲二十日", "乙新闻二"]), found
    assert found["2026-11-19"] == sorted(["甲十九日", "乙新闻一"]), found
    assert not any("旧文" in title for titles in found.values() for title in titles)


# -- two fetches at once ----------------------------------------------------------------------------------
SUMMARY = "研究团队提出一种分层长程记忆机制，让智能体在千步任务中保持上下文。"
PAGE = f'<html><head><meta name="description" content="{SUMMARY}"></head><body></body></html>'.encode()


def rss(items: list[tuple[str, str, datetime, str]]) -> bytes:
    """A feed of (title, link, published, text) items."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        f"<pubDate>{published.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate>"
        f"<description><![CDATA[{text}]]></description></item>"
        for title, link, published, text in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'.encode()


class Web:
    """Feeds and article pages by URL; ``fail`` makes a feed answer 429 (a bridge that takes one request
    at a time); ``meanwhile`` runs once while the feeds of a fetch are asked (the other fetch, whole)."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.fail: set[str] = set()
        self.meanwhile: Callable[[], object] | None = None
        self.asked: list[str] = []

    def fetch_many(
        self, jobs: list[tuple[Any, ...]], *, deadline_at: float | None = None
    ) -> dict[Any, Response | SourceFailure]:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        answers: dict[Any, Response | SourceFailure] = {}
        for key, url, *_ in jobs:
            self.asked.append(url)
            if url in self.fail:
                answers[key] = HTTPStatusFailure("HTTP 429 Too Many Requests", 429)
            else:
                answers[key] = Response(200, self.pages[url], {}, url, Validators(None, None))
        return answers


def fetching(data: Path, web: Web, sources: list[dict[str, Any]], **fetch: Any) -> Pipeline:
    config = parse_config(
        {
            "report": {"lookback_hours": 24, "max_items": 100},
            "filter": {"include": []},
            "fetch": fetch,
            "sources": sources,
        }
    )
    return Pipeline(config, LocalStore(data / "raw"), LocalStore(data / "site"), http=web)  # type: ignore[arg-type]


@pytest.mark.parametrize("owed", [False, True], ids=["none-owed", "one-owed-already"])
def test_article_pages_one_fetch_owes_are_not_forgotten_by_a_fetch_running_beside_it(
    tmp_path: Path, owed: bool
) -> None:
    # Given 机器之心's feed, asked one article page a run, fetched at 06:00 (with two items without
    # text: one page owed since), and three items without text in it since
    feed = "https://jiqizhixin.example/rss"
    older = [f"https://jiqizhixin.example/older/{n}" for n in range(2 if owed else 0)]
    links = [f"https://jiqizhixin.example/articles/{n}" for n in range(3)]
    items = [(f"机器之心 第{n}篇：大模型研究", link, at(20, 6 + n, 0), "") for n, link in enumerate(links)]
    before = [(f"机器之心 早前第{n}篇：大模型研究", link, at(20, 4, n), "") for n, link in enumerate(older)]
    early = "https://jiqizhixin.example/early"
    before.append(("机器之心：大模型早报", early, at(20, 5, 0), "大模型的正文。"))
    web = Web({feed: rss(before), **dict.fromkeys(links + older, PAGE)})
    sources = [{"name": "机器之心", "url": feed, "article_text": True}]

    def fetch(now: datetime) -> None:
        fetching(tmp_path, web, sources, article_fetches=1).fetch(now)

    fetch(at(20, 6, 0))
    web.pages[feed] = rss([*reversed(items), *before])

    # When two fetches run at once: the second reads the source's state, and while its feed is being
    # asked, the first runs whole (stores the items, asks one page, owes the others)
    web.meanwhile = lambda: fetch(at(20, 8, 0))
    fetch(at(20, 8, 1))
    # and the next runs fetch the feed every two hours before the day's edition
    for hour in (10, 12, 14):
        fetch(at(20, hour, 0))
    edition, _ = fetching(tmp_path, web, sources, article_fetches=1).build(at(20, 16, 0))

    # Then every page was asked once and every item has its page's summary, as without the overlap
    # (the second fetch wrote back the debt it had read, and the pages the first owed were never asked)
    assert [web.asked.count(link) for link in links + older] == [1] * len(links + older), web.asked
    textless = [item.text for item in edition.items if not item.text.startswith("大模型")]
    assert textless == [SUMMARY] * len(links + older)


@pytest.mark.parametrize("change", ["added", "moved"])
def test_a_new_feeds_archive_stays_out_of_the_edition_when_a_fetch_beside_its_first_one_fails(
    tmp_path: Path, change: str
) -> None:
    # Given an established feed 甲 with yesterday's edition, and 乙 added today (or pointed at another
    # feed: a new feed): its feed holds one story of today and its October archive
    first, second, former = "https://jia.example/feed", "https://yi.example/feed", "https://yi.example/old"
    news = ("乙：智谱发布新一代多模态模型", "https://yi.example/news", at(20, 6), "大模型的正文。")
    archive = [
        (f"乙：旧文{n}", f"https://yi.example/old/{n}", datetime(2026, 10, 10 + n, tzinfo=SHANGHAI), "旧文。")
        for n in range(4)
    ]
    yesterday = ("甲：大模型昨日新闻", "https://jia.example/19", at(19, 7), "正文。")
    today = ("甲：大模型今日新闻", "https://jia.example/20", at(20, 7), "正文。")
    formerly = ("乙：昨日新闻", "https://yi.example/19", at(19, 6), "正文。")
    web = Web({first: rss([yesterday]), second: rss([news, *archive]), former: rss([formerly])})
    sources = [{"name": "甲", "url": first}, {"name": "乙", "url": second}]
    before = sources[:1] + ([{"name": "乙", "url": former}] if change == "moved" else [])
    fetching(tmp_path, web, before).fetch(at(19, 8, 0))
    fetching(tmp_path, web, before).build(at(19, 8, 10))
    web.pages[first] = rss([today, yesterday])

    # When two fetches of today run at once: the second reads the states, and while its feeds are being
    # asked the first runs whole (乙's first answer: its archive stored, 乙 marked new); 乙 answers the
    # second one 429 (a bridge that takes one request at a time)
    def first_fetch() -> None:
        fetching(tmp_path, web, sources).fetch(at(20, 8, 0))
        web.fail = {second}

    web.meanwhile = first_fetch
    fetching(tmp_path, web, sources).fetch(at(20, 8, 1))
    edition, _ = fetching(tmp_path, web, sources).build(at(20, 8, 10))

    # Then the archive is in no edition, as when the fetches do not overlap; today's story is
    titles = sorted(item.title for item in (*edition.items, *edition.more))
    assert titles == sorted(["甲：大模型今日新闻", "乙：智谱发布新一代多模态模型"]), titles


def test_a_moved_feeds_archive_stays_out_when_a_fetch_beside_its_first_one_stores_it_too(
    tmp_path: Path,
) -> None:
    # Given 乙 established at one feed, then pointed at another, which holds its October archive
    former, moved = "https://yi.example/old", "https://yi.example/feed"
    archive = [
        (f"乙：旧文{n}", f"https://yi.example/old/{n}", datetime(2026, 10, 10 + n, tzinfo=SHANGHAI), "旧文。")
        for n in range(4)
    ]
    web = Web(
        {former: rss([("乙：昨日新闻", "https://yi.example/19", at(19, 6), "正文。")]), moved: rss(archive)}
    )
    fetching(tmp_path, web, [{"name": "乙", "url": former}]).fetch(at(19, 8, 0))
    fetching(tmp_path, web, [{"name": "乙", "url": former}]).build(at(19, 8, 10))
    sources = [{"name": "乙", "url": moved}]
    # When a fetch of the moved feed runs whole after another said the feed new and stored two of its items
    raw = Hooked(tmp_path / "raw", prefix="items/", at=3)
    raw.meanwhile = lambda: fetching(tmp_path, web, sources).fetch(at(20, 8, 1))
    config = fetching(tmp_path, web, sources).config
    Pipeline(config, raw, LocalStore(tmp_path / "site"), http=web).fetch(at(20, 8, 0))  # type: ignore[arg-type]
    edition, _ = fetching(tmp_path, web, sources).build(at(20, 8, 10))
    # Then the feed stays new since the first fetch: the archive either stored is in no edition
    assert raw.fired
    assert [item.title for item in (*edition.items, *edition.more)] == []
