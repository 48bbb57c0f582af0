"""Six days of the tracker's life against feeds that move with simulated time (the issue's acceptance check).

A :class:`Publisher` serves four feeds on 127.0.0.1, each showing its newest :data:`DEPTH` articles at the
publisher's clock, like 36Kr's feed holds its latest 30 of ~100 articles a day. Three sources date their
items, each in another shape (36Kr's ``2026-11-20 18:01:25  +0800``, RFC 822 with ``+0800``, RFC 822 in
GMT); the fourth dates nothing, so its items take their first-seen time.

The tracker is driven in-process through ``cli.main`` with ``--now`` as its clock: ``fetch`` every two
hours from 2026-11-15 00:00 (Asia/Shanghai) and ``run`` at 08:00 on 11-16 … 11-21, with the run of
11-18 missed, the run of 11-19 answered with 500 by every source, and 11-20 run twice (08:00, 20:00).

The expected editions are computed from what the publisher actually served (first exposure of each URL):
the first edition holds the items shown as published within 24 h before its cutoff; every later one the
items first seen since the previous cutoff.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import random
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import feedparser
import pytest
from loopback import Exchange, LoopbackServer
from web_audit import archive_links, audit, strict_parse

from ai_news_tracker.cli import main

SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
DEPTH = 8  # items a feed shows: its newest ones
LOOKBACK = timedelta(hours=24)


# -- the publishers ----------------------------------------------------------------------------------
def kr36_date(t: datetime) -> str:
    return t.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S  +0800")  # 36Kr: two spaces before the offset


def rfc822_cst(t: datetime) -> str:
    return format_datetime(t.astimezone(CST))  # Fri, 20 Nov 2026 18:01:25 +0800


def rfc822_gmt(t: datetime) -> str:
    return format_datetime(t.astimezone(UTC), usegmt=True)  # Fri, 20 Nov 2026 10:01:25 GMT


@dataclass(frozen=True)
class Source:
    name: str
    path: str
    link: Callable[[int, datetime], str]  # the article URL from its number and publication time
    date_format: Callable[[datetime], str] | None  # None: the feed dates nothing
    every: tuple[int, int]  # minutes between two articles, drawn uniformly


SOURCES = (
    Source(
        "36Kr", "/36kr/feed", lambda n, t: f"https://36kr.com/p/{3_500_000 + n}?f=rss", kr36_date, (40, 90)
    ),
    Source(
        "机器之心",
        "/jiqizhixin/rss",
        lambda n, t: f"https://www.jiqizhixin.com/articles/{t.astimezone(CST):%Y-%m-%d}-{n}",
        rfc822_cst,
        (40, 90),
    ),
    Source(
        "新智元",
        "/xinzhiyuan/rss",
        lambda n, t: f"https://mp.weixin.qq.com/s/xzy{n:05d}",
        rfc822_gmt,
        (40, 90),
    ),
    Source(
        "量子位",
        "/qbitai/feed",
        lambda n, t: f"https://www.qbitai.com/2026/11/{9000 + n}.html",
        None,
        (120, 240),
    ),
)


@dataclass(frozen=True)
class Article:
    source: Source
    number: int
    url: str
    published: datetime  # when it appears in its feed

    @property
    def title(self) -> str:
        return f"{self.source.name} 快讯 {self.number}：国产大模型进展"

    @property
    def dated(self) -> bool:
        return self.source.date_format is not None


def render_rss(source: Source, articles: list[Article]) -> bytes:
    items = []
    for a in articles:
        date_element = f"<pubDate>{source.date_format(a.published)}</pubDate>" if source.date_format else ""
        items.append(
            f"<item><title><![CDATA[{a.title}]]></title><link>{escape(a.url)}</link>"
            f'<guid isPermaLink="false">{source.path}#{a.number}</guid>'
            f"<description><![CDATA[<p>{a.title}。正文第一段。</p>]]></description>{date_element}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(source.name)}</title><link>https://example.com{source.path}</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class Publisher:
    """Articles published on a schedule; each feed shows the newest DEPTH at ``now``, with an ETag."""

    def __init__(
        self,
        sources: tuple[Source, ...],
        since: datetime,
        until: datetime,
        seed: int,
        pinned: dict[str, list[datetime]] | None = None,
    ) -> None:
        rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
        self.sources = {s.path: s for s in sources}
        self.articles: dict[str, list[Article]] = {}
        for source in sources:
            times = list((pinned or {}).get(source.path, []))
            t = since + timedelta(minutes=rng.uniform(0, source.every[1]))
            while t <= until:
                times.append(t.replace(microsecond=0))
                t += timedelta(minutes=rng.uniform(*source.every))
            times.sort()
            self.articles[source.path] = [
                Article(source, n, source.link(n, t), t.astimezone(UTC)) for n, t in enumerate(times)
            ]
        self.by_url = {a.url: a for arts in self.articles.values() for a in arts}
        assert len(self.by_url) == sum(map(len, self.articles.values()))  # URLs are unique
        self.now = since
        self.down: set[str] = set()  # paths answering 500
        self.first_exposed: dict[str, datetime] = {}  # URL -> publisher clock when first served
        self._lock = threading.Lock()

    def install(self, server: LoopbackServer) -> None:
        for path in self.sources:
            server.routes[path] = self.handle

    def showing(self, path: str) -> list[Article]:
        visible = [a for a in self.articles[path] if a.published <= self.now]
        return visible[-DEPTH:][::-1]

    def handle(self, exchange: Exchange) -> None:
        if exchange.path in self.down:
            exchange.respond(500, b"internal error", {"Content-Type": "text/plain"})
            return
        shown = self.showing(exchange.path)
        body = render_rss(self.sources[exchange.path], shown)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if exchange.headers.get("if-none-match") == etag:
            exchange.respond(304, b"", {"ETag": etag})
            return
        with self._lock:
            for article in shown:
                self.first_exposed.setdefault(article.url, self.now)
        exchange.respond(200, body, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag})

    def shown_at(self, url: str) -> datetime:
        """The time an edition should show: the publication date, else the first-seen time."""
        article = self.by_url[url]
        return article.published if article.dated else self.first_exposed[url]


# -- driving the command -----------------------------------------------------------------------------
def write_config(path: Path, server: LoopbackServer, sources: tuple[Source, ...]) -> Path:
    lines = [
        "[report]",
        "max_items = 200",
        "lookback_hours = 24",
        # the simulated stories are one template with another number: they are not the same story
        # told twice, but they look alike, so cross-outlet merging is off here (windows are tested)
        "dedupe_threshold = 2.0",
        "[filter]",
        "include = []",
        "[fetch]",
        "retries = 1",
        "backoff = 0.0",
        "connect_timeout = 2",
        "read_timeout = 2",
        "deadline = 5",
    ]
    for source in sources:
        lines += ["[[sources]]", f'name = "{source.name}"', f'url = "{server.url(source.path)}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def cli(command: str, config: Path, data_dir: Path, now: datetime) -> Outcome:
    """``ai-news-tracker COMMAND`` in-process, with its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([command, "--config", str(config), "--data-dir", str(data_dir), "--now", now.isoformat()])
    return Outcome(code, out.getvalue(), err.getvalue())


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 0 is 2026-11-15, in Shanghai."""
    return datetime(2026, 11, 15, hour, minute, tzinfo=SHANGHAI) + timedelta(days=day)


def edition_json(data_dir: Path, day: date) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((data_dir / "site" / "reports" / f"{day}.json").read_text("utf-8"))
    return data


def edition_urls(data_dir: Path) -> dict[date, list[str]]:
    editions = {}
    for path in sorted((data_dir / "site" / "reports").glob("*.json")):
        items = json.loads(path.read_text("utf-8"))["items"]
        editions[date.fromisoformat(path.stem)] = [link["url"] for item in items for link in item["links"]]
    return editions


# -- the six days ------------------------------------------------------------------------------------
START, END = at(0, 0), at(6, 8)
RUNS = [at(1, 8), at(2, 8), at(4, 8), at(5, 8), at(5, 20), at(6, 8)]  # 11-18 missed; 11-20 twice
CUTOFFS = [at(1, 8), at(2, 8), at(4, 8), at(5, 8), at(6, 8)]  # the re-run keeps 11-20's cutoff
EVERYONE_DOWN = {at(4, 8), at(4, 10)}  # 11-19: the run and the next fetch get 500 from every source
KR36_DOWN = {at(2, 14)}  # 11-17 14:00: only 36Kr answers 500
PINNED_36KR = datetime(2026, 11, 20, 18, 1, 25, tzinfo=CST)  # shown in 36Kr's own date format
KR36 = SOURCES[0]


@dataclass
class Simulation:
    publisher: Publisher
    data_dir: Path
    outcomes: dict[datetime, Outcome] = field(default_factory=dict)
    day5_first: dict[str, bytes] = field(default_factory=dict)
    day5_rerun: dict[str, bytes] = field(default_factory=dict)

    def urls_first_seen(self, after: datetime, until: datetime) -> set[str]:
        return {u for u, t in self.publisher.first_exposed.items() if after < t <= until}

    def expected_editions(self) -> dict[date, set[str]]:
        first = CUTOFFS[0]
        exposed = self.publisher.first_exposed
        expected = {
            first.date(): {
                u for u, t in exposed.items() if t <= first and self.publisher.shown_at(u) > first - LOOKBACK
            }
        }
        for previous, cutoff in itertools.pairwise(CUTOFFS):
            expected[cutoff.date()] = self.urls_first_seen(previous, cutoff)
        return expected


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulation]:
    tmp = tmp_path_factory.mktemp("multi_day")
    publisher = Publisher(
        SOURCES, START - timedelta(days=1), END, seed=20261115, pinned={KR36.path: [PINNED_36KR]}
    )
    simulation = Simulation(publisher, tmp / "data")
    with LoopbackServer() as server:
        publisher.install(server)
        config = write_config(tmp / "config.toml", server, SOURCES)
        now = START
        while now <= END:
            command = "run" if now in RUNS else "fetch"
            publisher.now = now
            publisher.down = set(publisher.sources) if now in EVERYONE_DOWN else set()
            if now in KR36_DOWN:
                publisher.down = {KR36.path}
            outcome = cli(command, config, simulation.data_dir, now)
            simulation.outcomes[now] = outcome
            reports = simulation.data_dir / "site" / "reports"
            if now == at(5, 8):  # keep the first 11-20 edition to compare with the re-run's
                simulation.day5_first = {p.name: p.read_bytes() for p in reports.glob("2026-11-20.*")}
            if now == at(5, 20):  # and the re-run's (the 11-21 publish links its page forward)
                simulation.day5_rerun = {p.name: p.read_bytes() for p in reports.glob("2026-11-20.*")}
            now += timedelta(hours=2)
    yield simulation


def test_every_fetch_and_run_succeeds_except_the_outage(sim: Simulation) -> None:
    for when, outcome in sim.outcomes.items():
        if when == at(4, 10):  # a fetch while every source answers 500
            continue
        assert outcome.code == 0, (when, outcome)
        assert outcome.err == "", (when, outcome.err)
        assert "Traceback" not in outcome.out
    assert [r for r in RUNS if "edition" not in sim.outcomes[r].out] == []


def test_every_item_published_after_the_first_lookback_lands_in_exactly_one_edition(sim: Simulation) -> None:
    editions = edition_urls(sim.data_dir)
    expected = sim.expected_editions()
    pub = sim.publisher
    lookback_start = CUTOFFS[0] - LOOKBACK
    # One edition per day that was run (11-18 missed), each exactly the computed window
    assert sorted(editions) == sorted(expected) == [c.date() for c in CUTOFFS]
    for day, urls in editions.items():
        assert len(urls) == len(set(urls)), f"duplicates in {day}"
        assert len(urls) < 200, f"the cap may hide items of {day}"
        assert set(urls) == expected[day], day
    # No item appears in two editions
    all_listed = [u for urls in editions.values() for u in urls]
    assert len(all_listed) == len(set(all_listed))
    # Every URL the feeds ever showed is listed, except those older than the first edition's lookback
    exposed = set(pub.first_exposed)
    too_old = {u for u in exposed if pub.shown_at(u) <= lookback_start}
    assert too_old, "the scenario should exercise the first edition's lookback"
    assert set(all_listed) == exposed - too_old
    # And nothing published in between slipped off a feed unseen
    published = {a.url for a in pub.by_url.values() if lookback_start < a.published <= CUTOFFS[-1]}
    assert published <= set(all_listed)


def test_editions_list_items_newest_first_with_their_local_time(sim: Simulation) -> None:
    pub = sim.publisher
    block = re.compile(r"\*\*来源\*\*: (.+?) \| \*\*时间\*\*: (\S+ \S+)\n(?:.*\n)*?\[阅读原文\]\((\S+)\)")
    for cutoff in CUTOFFS:
        markdown = (sim.data_dir / "site" / "reports" / f"{cutoff.date()}.md").read_text("utf-8")
        shown = block.findall(markdown)
        assert [url for _, _, url in shown] == edition_urls(sim.data_dir)[cutoff.date()]
        for source, time, url in shown:
            assert source == pub.by_url[url].source.name
            assert time == pub.shown_at(url).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"), url
        times = [pub.shown_at(url) for _, _, url in shown]
        assert times == sorted(times, reverse=True)


def test_the_web_edition_lists_every_edition_in_the_archive_and_the_feed(sim: Simulation) -> None:
    site = sim.data_dir / "site"
    days = sorted(edition_urls(sim.data_dir), reverse=True)
    assert len(days) == 5  # 11-18 was missed
    # The archive links every edition's page, newest first, and each page is valid HTML5
    index = strict_parse((site / "index.html").read_text(encoding="utf-8"))
    assert archive_links(index) == [f"reports/{d}.html" for d in days]
    for day in days:
        assert audit((site / "reports" / f"{day}.html").read_text(encoding="utf-8")) == [], day
    # The feed has one entry per edition, with stable ids and UTC times
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.version == "atom10" and not feed.bozo
    assert [e.id for e in feed.entries] == [f"tag:ai-news-tracker,2026:edition/{d}" for d in days]
    assert all(e.updated.endswith("Z") for e in feed.entries)
    # latest.* are the newest edition
    assert (site / "latest.md").read_bytes() == (site / "reports" / f"{days[0]}.md").read_bytes()


def test_missed_day_is_caught_up_by_the_next_edition(sim: Simulation) -> None:
    reports = sim.data_dir / "site" / "reports"
    assert list(reports.glob("2026-11-18.*")) == []
    on_missed_day = sim.urls_first_seen(at(3, 0), at(4, 0))
    assert on_missed_day
    assert on_missed_day <= set(edition_urls(sim.data_dir)[date(2026, 11, 19)])
    window = edition_json(sim.data_dir, date(2026, 11, 19))["window"]
    assert window == {"start": at(2, 8).isoformat(), "end": at(4, 8).isoformat()}


def test_rerun_of_a_day_publishes_the_same_bytes_and_later_items_go_to_the_next_day(sim: Simulation) -> None:
    reports = sim.data_dir / "site" / "reports"
    assert sorted(sim.day5_first) == ["2026-11-20.html", "2026-11-20.json", "2026-11-20.md"]
    assert sim.day5_rerun == sim.day5_first
    # Later, only its page changed: it links forward to the next edition
    for name, first in sim.day5_first.items():
        forward = b'href="2026-11-21.html" rel="next"'
        if name.endswith(".html"):
            assert forward in (reports / name).read_bytes() and forward not in first
        else:
            assert (reports / name).read_bytes() == first, name
    assert sim.outcomes[at(5, 20)].out.startswith("republished the 2026-11-20 edition")
    between = sim.urls_first_seen(at(5, 8), at(5, 20))  # fetched up to and by the re-run
    assert between
    day6 = set(edition_urls(sim.data_dir)[date(2026, 11, 21)])
    assert between <= day6
    assert between.isdisjoint(edition_urls(sim.data_dir)[date(2026, 11, 20)])
    pinned = next(a for a in sim.publisher.articles[KR36.path] if a.published == PINNED_36KR)
    assert pinned.url in day6


def test_run_whose_fetch_fails_publishes_naming_the_failures_and_the_next_edition_catches_up(
    sim: Simulation,
) -> None:
    # The 11-19 run: every source answered 500, yet the edition is published from earlier fetches
    outcome = sim.outcomes[at(4, 8)]
    assert outcome.code == 0
    assert outcome.out.startswith("published the 2026-11-19 edition") and "failed:" in outcome.out
    edition = edition_json(sim.data_dir, date(2026, 11, 19))
    statuses = {s["name"]: s for s in edition["sources"]}
    assert set(statuses) == {s.name for s in SOURCES}
    for status in statuses.values():
        assert status["status"] == "http_error" and "500" in status["error"]
    assert edition["items"]
    markdown = (sim.data_dir / "site" / "reports" / "2026-11-19.md").read_text("utf-8")
    failure_line = next(line for line in markdown.splitlines() if line.startswith("*本期部分来源未能获取"))
    assert all(f"{s.name}（服务器报错）" in failure_line for s in SOURCES)
    # Everything published from the last good fetch (06:00) to the next one (12:00) is in 11-20's edition
    meanwhile = {a.url for a in sim.publisher.by_url.values() if at(4, 6) < a.published <= at(4, 12)}
    assert meanwhile
    assert meanwhile <= set(edition_urls(sim.data_dir)[date(2026, 11, 20)])
    # That edition no longer names failures
    assert all(s["status"] == "ok" for s in edition_json(sim.data_dir, date(2026, 11, 20))["sources"])


def test_fetch_exits_0_when_a_source_works_and_1_with_one_line_when_none_does(sim: Simulation) -> None:
    partial = sim.outcomes[at(2, 14)]
    assert partial.code == 0 and partial.err == ""
    assert "failed: 36Kr: http_error" in partial.out
    nothing = sim.outcomes[at(4, 10)]
    assert nothing.code == 1 and nothing.out == ""
    assert nothing.err.count("\n") == 1 and "Traceback" not in nothing.err
    assert nothing.err.startswith("ai-news-tracker: nothing could be fetched: ")
    assert all(s.name in nothing.err for s in SOURCES)


# -- single-purpose scenarios ------------------------------------------------------------------------
@pytest.fixture
def two_feeds(tmp_path: Path) -> Iterator[tuple[Publisher, Path, Path]]:
    """36Kr (dated, its own format) and 量子位 (undated), with articles published only where pinned."""
    kr36, qbit = SOURCES[0], SOURCES[3]
    never = datetime(2000, 1, 1, tzinfo=UTC)  # no scheduled articles: only the pinned ones
    publisher = Publisher(
        (kr36, qbit),
        since=never,
        until=never,
        seed=1,
        pinned={
            kr36.path: [PINNED_36KR, datetime(2026, 11, 21, 9, 30, tzinfo=CST)],
            qbit.path: [
                datetime(2026, 11, 20, 21, 40, tzinfo=CST),
                datetime(2026, 11, 21, 9, 40, tzinfo=CST),
            ],
        },
    )
    with LoopbackServer() as server:
        publisher.install(server)
        yield publisher, write_config(tmp_path / "c.toml", server, (kr36, qbit)), tmp_path / "data"


def test_36kr_date_is_shown_without_shift_and_an_undated_item_shows_its_first_seen_time(
    two_feeds: tuple[Publisher, Path, Path],
) -> None:
    publisher, config, data = two_feeds
    publisher.now = datetime(2026, 11, 20, 21, 47, 13, tzinfo=SHANGHAI)
    assert cli("fetch", config, data, publisher.now).code == 0
    publisher.now = datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)
    # the second 36Kr and 量子位 articles are not published yet at 08:00
    assert cli("run", config, data, publisher.now).code == 0

    markdown = (data / "site" / "reports" / "2026-11-21.md").read_text("utf-8")
    assert "**来源**: 36Kr | **时间**: 2026-11-20 18:01\n" in markdown
    assert "**来源**: 量子位 | **时间**: 2026-11-20 21:47\n" in markdown
    items = {i["source"]: i for i in edition_json(data, date(2026, 11, 21))["items"]}
    assert items["36Kr"]["published_at"] == "2026-11-20T18:01:25+08:00"
    assert items["量子位"]["published_at"] is None
    assert items["量子位"]["first_seen"] == "2026-11-20T21:47:13+08:00"


def test_building_an_edition_before_a_later_one_fails_with_one_line(
    two_feeds: tuple[Publisher, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    publisher, config, data = two_feeds
    publisher.now = datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)
    argv = ["run", "--config", str(config), "--data-dir", str(data)]
    assert main([*argv, "--now", publisher.now.isoformat()]) == 0
    capsys.readouterr()

    code = main([*argv, "--now", "2026-11-20T08:00:00+08:00"])

    captured = capsys.readouterr()
    assert code == 1
    assert (
        captured.err == "ai-news-tracker: cannot build 2026-11-20: the edition of 2026-11-21 exists already\n"
    )
    assert captured.out == ""
    assert not (data / "site" / "reports" / "2026-11-20.md").exists()


def test_re_running_a_day_before_the_latest_edition_publishes_its_stored_edition_again(
    two_feeds: tuple[Publisher, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the editions of 11-20 and 11-21
    publisher, config, data = two_feeds
    for day in (20, 21):
        publisher.now = datetime(2026, 11, day, 8, 0, tzinfo=SHANGHAI)
        assert cli("run", config, data, publisher.now).code == 0
    files = ("reports/2026-11-20.md", "reports/2026-11-20.json", "latest.md", "index.html", "feed.xml")
    before = {name: (data / "site" / name).read_bytes() for name in files}
    raw_before = {p: p.read_bytes() for p in (data / "raw").rglob("*") if p.is_file()}
    capsys.readouterr()
    # When 11-20 is run again, after 11-21
    argv = ["run", "--config", str(config), "--data-dir", str(data), "--now", "2026-11-20T08:00:00+08:00"]
    code = main(argv)
    # Then its stored edition is published again, the same bytes, and 11-21 stays the latest
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    assert "2026-11-20" in captured.out and "republished" in captured.out
    assert {name: (data / "site" / name).read_bytes() for name in files} == before
    assert "# 2026-11-21 " in before["latest.md"].decode("utf-8")
    # And nothing was fetched with that day's clock: the raw store is as it was
    assert {p: p.read_bytes() for p in (data / "raw").rglob("*") if p.is_file()} == raw_before


def test_the_newest_edition_is_rebuilt_with_the_current_configuration_once_its_stored_copy_is_removed(
    two_feeds: tuple[Publisher, Path, Path],
) -> None:
    # Given the editions of 11-20 and 11-21, the newer with 36Kr's article among its items
    publisher, config, data = two_feeds
    for day in (20, 21):
        publisher.now = datetime(2026, 11, day, 8, 0, tzinfo=SHANGHAI)
        assert cli("run", config, data, publisher.now).code == 0
    before = edition_json(data, date(2026, 11, 21))
    assert "36Kr" in {i["source"] for i in before["items"]}
    # When the operator excludes that article's words, removes the stored edition (README: runbook)
    # and runs the day again, later the same day
    title = next(i["title"] for i in before["items"] if i["source"] == "36Kr")
    text = config.read_text("utf-8").replace("include = []", f"include = []\nexclude = [{json.dumps(title)}]")
    config.write_text(text, encoding="utf-8")
    (data / "raw" / "editions" / "2026-11-21.json").unlink()
    assert cli("run", config, data, datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)).code == 0
    # Then the day is built again from the same window, without that article, and 11-20 is untouched
    after = edition_json(data, date(2026, 11, 21))
    assert title not in {i["title"] for i in after["items"]}
    assert after["window"]["start"] == before["window"]["start"]
    assert len(after["items"]) == len(before["items"]) - 1


@pytest.mark.parametrize(
    ("command", "clock", "code"),
    [
        # someone tries to backfill the missed 11-20 edition (refused: 11-21 exists), but its fetch ran
        pytest.param("run", datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI), 1, id="refused-backfill-run"),
        # a late retry of an earlier scheduled fetch: what it saw counts as seen just after the cutoff
        pytest.param("fetch", datetime(2026, 11, 21, 6, 0, tzinfo=SHANGHAI), 0, id="fetch-behind-cutoff"),
    ],
)
def test_a_command_with_a_clock_behind_the_latest_edition_loses_none_of_the_items_it_saw(
    two_feeds: tuple[Publisher, Path, Path], command: str, clock: datetime, code: int
) -> None:
    # Given the 11-21 edition was cut at 08:00, and by 10:00 both feeds show an article published since
    publisher, config, data = two_feeds
    publisher.now = datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)
    assert cli("run", config, data, publisher.now).code == 0
    publisher.now = datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)
    late = {a.url for arts in publisher.articles.values() for a in arts if a.published > at(6, 8)}
    assert len(late) == 2
    # When the command runs at 10:00 with its clock behind that cutoff
    assert cli(command, config, data, clock).code == code
    # Then the articles it saw still reach the next edition
    publisher.now = datetime(2026, 11, 22, 8, 0, tzinfo=SHANGHAI)
    assert cli("run", config, data, publisher.now).code == 0
    assert late <= set(edition_urls(data)[date(2026, 11, 22)])
