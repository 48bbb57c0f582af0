"""Publishing the web edition (Pipeline.publish) over several days, on local folders and on moto S3.

Each publish writes the day's .md, .json and .html, then rewrites index.html, feed.xml, latest.html,
latest.md and assets/ from every stored edition. A re-run of any day writes the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import feedparser
import html5lib
import pytest
from moto import mock_aws

from ai_news_tracker.aws import S3Store, Settings, announcement, cache_control_for, load_deployed_config
from ai_news_tracker.config import Config, LeaderboardConfig, ReportConfig, parse_config
from ai_news_tracker.errors import ConfigError, StorageError
from ai_news_tracker.leaderboard import build_leaderboard
from ai_news_tracker.models import Edition, Entry, Item, SourceStatus
from ai_news_tracker.pipeline import BACKFILLED, PAGES_REWRITTEN, PAGES_VERSION, Pipeline
from ai_news_tracker.repository import SUMMARIES_KEY, RawRepository
from ai_news_tracker.store import LocalStore, content_type_for

CONFIG = Config(leaderboard=LeaderboardConfig(provider="lmarena-history"))
DAYS = [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
SCORES = [
    {"gemini-3-pro": 1500.0, "qwen3-max": 1480.0, "glm-4.6": 1470.0, "deepseek-v3.2": 1460.0},
    {"gemini-3-pro": 1500.0, "qwen3-max": 1480.0, "glm-4.6": 1450.0, "deepseek-v3.2": 1460.0},
    {"gemini-3-pro": 1500.0, "qwen3-max": 1440.0, "glm-4.6": 1450.0, "kimi-k2": 1490.0},
]
SHARED = (
    "assets/style.css",
    "assets/favicon.svg",
    "index.html",
    "404.html",
    "feed.xml",
    "latest.html",
    "latest.md",
)


def edition(n: int) -> Edition:
    """The ``n``-th day's edition from the 18th (DAYS[n] for the first three)."""
    day = DAYS[0] + timedelta(days=n)
    cutoff = datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)
    item = Item(
        id=f"id{n}",
        identity=f"identity{n}",
        source="36Kr",
        title=f"{day} 的资讯",
        text="正文。",
        url=f"https://36kr.com/p/{n}",
        published_at=cutoff,
        first_seen=cutoff,
    )
    return Edition(
        date=day,
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=cutoff,
        window_start=None,
        window_end=cutoff,
        key_points=(f"{day} 的要点",),
        items=(item,),
        sources=(SourceStatus("36Kr", "ok"),),
        leaderboard=build_leaderboard("lmarena-history", SCORES[n % 3], date(2026, 11, 15), 2, 10),
        leaderboard_status=SourceStatus("LM Arena", "ok"),
    )


class Site:
    def __init__(self, root: Path, config: Config = CONFIG) -> None:
        self.root = root
        self.repo = RawRepository(LocalStore(root / "raw"))
        self.pipeline = Pipeline(config, LocalStore(root / "raw"), LocalStore(root / "site"))

    def publish(self, n: int) -> tuple[str, ...]:
        """Like a run: the edition is stored as built, then published."""
        self.repo.save_edition(edition(n))
        return self.pipeline.publish(edition(n))

    def files(self) -> dict[str, bytes]:
        site = self.root / "site"
        return {
            p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()
        }

    def text(self, key: str) -> str:
        return (self.root / "site" / key).read_text(encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def test_each_publish_writes_the_day_and_rewrites_the_archive_feed_and_latest(site: Site) -> None:
    for n, day in enumerate(DAYS):
        keys = site.publish(n)
        # The page of the edition before, which now links forward to this one (first: a publish stopped
        # after it leaves this day's files missing, which the next publish writes back with it)
        again = (f"reports/{DAYS[n - 1]}.html",) if n else ()
        assert keys[: len(again)] == again
        day_files = (f"reports/{day}.md", f"reports/{day}.json", f"reports/{day}.html")
        assert keys[len(again) : len(again) + 3] == day_files
        assert set(keys[len(again) + 3 :]) == set(SHARED)
        # The archive lists every edition so far, newest first
        index = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(site.text("index.html"))
        listed = [a.get("href") for a in index.iterfind(".//article/h3/a")]
        assert listed == [f"reports/{d}.html" for d in reversed(DAYS[: n + 1])]
        # The feed has one entry per edition
        feed = feedparser.parse(site.text("feed.xml"))
        assert feed.version == "atom10" and not feed.bozo
        assert [e.id.rsplit("/", 1)[1] for e in feed.entries] == [str(d) for d in reversed(DAYS[: n + 1])]
        assert feed.feed.updated == f"{day}T00:00:00Z"
        # latest.* are the newest edition
        assert site.text("latest.md") == site.text(f"reports/{day}.md")
        assert f"<h1>{day} 国产大模型日报</h1>" in site.text("latest.html")


def test_the_json_edition_carries_each_domestic_models_movement(site: Site) -> None:
    for n in range(3):
        site.publish(n)
    first = json.loads(site.text("reports/2026-11-18.json"))["leaderboard"]["domestic"]
    assert [row["movement"] for row in first] == [None, None, None]  # nothing to compare with
    third = json.loads(site.text("reports/2026-11-20.json"))["leaderboard"]["domestic"]
    assert [(row["model"], row["movement"]) for row in third] == [
        ("kimi-k2", {"change": "new", "previous_rank": None, "delta": 0}),
        ("glm-4.6", {"change": "up", "previous_rank": 4, "delta": 1}),
        ("qwen3-max", {"change": "down", "previous_rank": 2, "delta": -2}),
    ]
    assert "↓2" in site.text("reports/2026-11-20.html")


def test_re_running_any_day_writes_the_same_bytes(site: Site) -> None:
    for n in range(3):
        site.publish(n)
    before = site.files()
    # When an earlier day is published again (a re-run returns the stored edition)
    site.pipeline.publish(edition(1))
    site.pipeline.publish(edition(2))
    # Then every file is byte for byte the same, latest.* still the newest edition
    assert site.files() == before


def test_a_day_s_page_links_the_next_edition_once_there_is_one(site: Site) -> None:
    # Given the 18th published: its page can only link back
    site.publish(0)
    assert 'rel="next"' not in site.text("reports/2026-11-18.html")
    # When the 19th is published
    keys = site.publish(1)
    # Then the 18th's page, and only that, is written again, now linking forward to the 19th
    assert 'href="2026-11-19.html" rel="next">下一期 2026-11-19 →</a>' in site.text("reports/2026-11-18.html")
    assert [k for k in keys if k.startswith("reports/2026-11-18")] == ["reports/2026-11-18.html"]
    # And the newest page (latest.html too) has no next edition to link
    assert 'rel="next"' not in site.text("reports/2026-11-19.html")
    assert 'rel="next"' not in site.text("latest.html")
    # And publishing the 19th again leaves every page as it was
    before = site.files()
    site.pipeline.publish(edition(1))
    assert site.files() == before


def test_pages_missing_for_stored_editions_are_backfilled(site: Site) -> None:
    # Given editions stored before the web edition existed: no HTML page for them
    for n in range(2):
        site.repo.save_edition(edition(n))
    # When the next edition is published
    site.publish(2)
    # Then every stored edition has its page, with its movements
    pages = sorted(k for k in site.files() if k.endswith(".html") and k.startswith("reports/"))
    assert pages == [f"reports/{d}.html" for d in DAYS]
    page = site.text("reports/2026-11-19.html")  # compared with the 18th: glm-4.6 3rd -> 4th
    assert ">↓1<" in page and ">↑1<" in page and 'href="2026-11-18.html" rel="prev"' in page
    # and links forward as a page written then would
    assert 'href="2026-11-20.html" rel="next"' in page
    assert 'href="2026-11-19.html" rel="next"' in site.text("reports/2026-11-18.html")


@pytest.mark.parametrize("stopped_at", [".md", "previous page"], ids=["before its files", "after them"])
def test_the_day_before_a_day_whose_publish_stopped_links_forward_to_it_once_its_files_are_back(
    tmp_path: Path, stopped_at: str
) -> None:
    # Given the 18th published, and the 19th stored but its publish stopped (a site bucket refusing a
    # write, a timeout) before its own files or before the 18th's page was written again
    failing = f"reports/{DAYS[1]}.md" if stopped_at == ".md" else f"reports/{DAYS[0]}.html"
    site = Site(tmp_path)
    site.publish(0)
    site.pipeline = Pipeline(CONFIG, LocalStore(tmp_path / "raw"), PutFails(tmp_path / "site", failing))
    with pytest.raises(StorageError):
        site.publish(1)
    # When the 20th is published, writing what the 19th lacks back
    site.publish(2)
    # Then the chain of pages is whole: 18th → 19th → 20th (the 18th never linked forward)
    assert 'href="2026-11-19.html" rel="next"' in site.text("reports/2026-11-18.html")
    assert 'href="2026-11-20.html" rel="next"' in site.text("reports/2026-11-19.html")
    assert 'href="2026-11-19.html" rel="prev"' in site.text("reports/2026-11-20.html")


def test_a_long_run_of_missing_files_is_backfilled_newest_first_a_bounded_number_of_days_a_publish(
    site: Site,
) -> None:
    # Given more stored editions than a publish backfills, none of them on the site (a site bucket
    # emptied, or made anew beside the raw bucket)
    count = BACKFILLED + 5
    for n in range(count):
        site.repo.save_edition(edition(n))
    # published by this version: no page to write again
    site.repo.save_pages_version(PAGES_VERSION, site.pipeline.renderer.page_settings)
    days = [edition(n).date for n in range(count)]
    # When the next day is published
    keys = site.publish(count)

    # Then the newest BACKFILLED days got their three files, the oldest none yet (a render must fit its
    # time), while the archive lists them all
    def published(day: date) -> bool:
        return all(f"reports/{day}.{suffix}" in site.files() for suffix in ("md", "json", "html"))

    assert [published(day) for day in days] == [False] * 5 + [True] * BACKFILLED
    assert len([k for k in keys if k.startswith("reports/")]) == 3 * BACKFILLED + 3
    assert f'href="reports/{days[0]}.html"' in site.text("index.html")
    # And the next publish writes the rest, each as a publish of its day writes it
    site.pipeline.publish(edition(count))
    assert all(published(day) for day in days)
    assert site.text(f"reports/{days[4]}.html") == site.pipeline.renderer.html(
        edition(4), edition(3), next_date=days[5]
    )


def published_without_the_forward_link(pipeline: Pipeline, days: int) -> None:
    """The first ``days`` editions stored and published as a version without the 下一期 link left them:
    pages that link back only, and no layout version recorded in the raw store."""
    previous = None
    for n in range(days):
        pipeline.repo.save_edition(edition(n))
        base = f"reports/{edition(n).date}"
        files = {
            f"{base}.md": pipeline.renderer.markdown(edition(n)),
            f"{base}.json": pipeline.renderer.json(edition(n), previous),
            f"{base}.html": pipeline.renderer.html(edition(n), previous),
        }
        for key, text in files.items():
            pipeline.site.put(key, text.encode("utf-8"), content_type=content_type_for(key))
        previous = edition(n)


def test_pages_published_before_the_forward_link_all_get_it_at_the_next_publish(tmp_path: Path) -> None:
    # Given two days published by a version whose pages had no 下一期 link
    site = Site(tmp_path / "upgraded")
    published_without_the_forward_link(site.pipeline, 2)
    assert not [d for d in DAYS[:2] if 'rel="next"' in site.text(f"reports/{d}.html")]
    # When the next day is published
    keys = site.publish(2)
    # Then every page with a later edition links to it, the oldest too (not only the day before)
    assert 'href="2026-11-19.html" rel="next"' in site.text("reports/2026-11-18.html")
    assert 'href="2026-11-20.html" rel="next"' in site.text("reports/2026-11-19.html")
    # And only the pages were written again: the Markdown and JSON carry no link, they stay as published
    assert [k for k in keys if k.startswith("reports/2026-11-18")] == ["reports/2026-11-18.html"]
    # And each page has the bytes a site published by this version from the start has
    fresh = Site(tmp_path / "fresh")
    for n in range(3):
        fresh.publish(n)
    assert {k: v for k, v in site.files().items() if k.endswith(".html")} == {
        k: v for k, v in fresh.files().items() if k.endswith(".html")
    }
    # When the day is published again
    before = site.files()
    keys = site.pipeline.publish(edition(2))
    # Then no older page is written again (the layout is recorded as current), and nothing changed
    assert [k for k in keys if k.startswith("reports/")] == [
        "reports/2026-11-19.html",
        "reports/2026-11-20.md",
        "reports/2026-11-20.json",
        "reports/2026-11-20.html",
    ]
    assert site.files() == before


class PutFails(LocalStore):
    """A site folder whose first put of ``key`` fails, as S3 or a Lambda timeout may stop a publish."""

    def __init__(self, root: Path, key: str) -> None:
        super().__init__(root)
        self.key, self.failed = key, False

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        if key == self.key and not self.failed:
            self.failed = True
            raise StorageError(f"cannot write {key!r}: SlowDown")
        super().put(key, data, content_type=content_type)


def html_pages(site: Site) -> dict[str, bytes]:
    return {k: v for k, v in site.files().items() if k.endswith(".html")}


def test_a_publish_that_fails_rewriting_the_pages_leaves_the_layout_old_and_the_next_writes_the_rest(
    tmp_path: Path,
) -> None:
    # Given six days published by a version whose pages had no 下一期 link
    site = Site(tmp_path / "upgraded")
    published_without_the_forward_link(site.pipeline, 6)
    # When the next day's publish fails writing one of the older pages again
    failing = PutFails(tmp_path / "upgraded" / "site", "reports/2026-11-19.html")
    site.repo.save_edition(edition(6))
    with pytest.raises(StorageError):
        Pipeline(CONFIG, LocalStore(tmp_path / "upgraded" / "raw"), failing).publish(edition(6))
    # Then the layout is not recorded as current: that page still has the old one
    assert failing.failed and site.repo.pages_version() == 0
    assert 'rel="next"' not in site.text("reports/2026-11-19.html")
    # When the day is published again (Lambda's retry, or the next day's render)
    site.pipeline.publish(edition(6))
    # Then every page has the bytes a site published by this version from the start has
    fresh = Site(tmp_path / "fresh")
    for n in range(7):
        fresh.publish(n)
    assert html_pages(site) == html_pages(fresh)
    assert site.repo.pages_version() == PAGES_VERSION


def test_a_long_archive_of_old_pages_is_rewritten_a_bounded_batch_per_publish_newest_first(
    tmp_path: Path,
) -> None:
    # Given 150 days published by a version whose pages had no 下一期 link
    site = Site(tmp_path)
    published_without_the_forward_link(site.pipeline, 150)
    old = sorted(k for k in site.files() if k.startswith("reports/") and k.endswith(".html"))
    rewritten: list[list[str]] = []
    # When the next four days are published, one a day
    for n in range(150, 154):
        site.repo.save_edition(edition(n))
        keys = site.pipeline.publish(edition(n))
        # (the day's page and its previous one are written by every publish)
        fresh = {f"reports/{edition(n).date}.html", f"reports/{edition(n - 1).date}.html"}
        rewritten.append([k for k in keys if k in old and k not in fresh])
        # Then the layout is recorded as current only once no old page is left
        assert site.repo.pages_version() == (PAGES_VERSION if n >= 152 else 0)
    # Then the first three rewrote every old page, newest first, none more than once, each no more than
    # the bound (a render must fit its time); the fourth rewrote none
    assert [len(batch) for batch in rewritten] == [
        PAGES_REWRITTEN,
        PAGES_REWRITTEN,
        149 - 2 * PAGES_REWRITTEN,
        0,
    ]
    assert [k for batch in rewritten for k in batch] == sorted(old, reverse=True)[1:]
    # And every page has the bytes a publish of its day writes now, with the 下一期 link
    renderer = site.pipeline.renderer
    for n in range(153):
        expected = renderer.html(edition(n), edition(n - 1) if n else None, next_date=edition(n + 1).date)
        assert site.text(f"reports/{edition(n).date}.html") == expected


def page_links(site: Site) -> dict[str, tuple[str | None, str | None]]:
    """Each dated page's og:url and the address its subscribe form posts to."""

    def links(page: str) -> tuple[str | None, str | None]:
        tree = html5lib.parse(page, namespaceHTMLElements=False)
        og = [m.get("content") for m in tree.iter("meta") if m.get("property") == "og:url"]
        return next(iter(og), None), next((f.get("action") for f in tree.iter("form")), None)

    return {k: links(v.decode("utf-8")) for k, v in html_pages(site).items() if k.startswith("reports/")}


def test_after_the_site_or_its_subscription_endpoint_moves_every_dated_page_names_the_new_one(
    tmp_path: Path,
) -> None:
    # Given three days published while the site and its subscription endpoint were at their old addresses
    old = ReportConfig(
        site_url="https://old.example.cn", subscribe_url="https://api-old.example.cn/subscribe"
    )
    for n in range(3):
        Site(tmp_path, replace(CONFIG, report=old)).publish(n)
    # When both move ([report] site_url and subscribe_url; on AWS the stack's SITE_URL after adding a
    # custom domain, SUBSCRIPTION_API_URL for a new API) and the next day is published
    new = ReportConfig(site_url="https://digest.example.cn", subscribe_url="https://api.example.cn/subscribe")
    site = Site(tmp_path, replace(CONFIG, report=new))
    site.publish(3)
    # Then every dated page gives the address it is read at (link previews and shares, og:url) and posts
    # to the endpoint that exists (the site's CSP names that one alone), not only the day and the one before
    assert page_links(site) == {
        f"reports/{d}.html": (
            f"https://digest.example.cn/reports/{d}.html",
            "https://api.example.cn/subscribe",
        )
        for d in (edition(n).date for n in range(4))
    }
    # And the next publish with the same settings writes no older page again
    keys = site.publish(4)
    assert [k for k in keys if k.endswith(".html") and k.startswith("reports/")] == [
        f"reports/{edition(3).date}.html",
        f"reports/{edition(4).date}.html",
    ]


@pytest.mark.parametrize("then", ["taken back", "moved again"])
def test_a_move_taken_back_or_made_again_before_every_page_names_it_leaves_no_page_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    # Given more days published at the site's address than a publish writes again (2 here)
    monkeypatch.setattr("ai_news_tracker.pipeline.PAGES_REWRITTEN", 2)
    old, moved = ("digest.example.cn", "api.example.cn"), ("news.example.cn", "api-new.example.cn")
    settings = {"taken back": old, "moved again": ("ai.example.cn", "api-ai.example.cn")}[then]

    def at(addresses: tuple[str, str]) -> Site:
        site_url, api = (f"https://{host}" for host in addresses)
        report = ReportConfig(site_url=site_url, subscribe_url=f"{api}/subscribe")
        return Site(tmp_path, replace(CONFIG, report=report))

    for n in range(9):
        at(old).publish(n)
    # When the site and its endpoint move and a day is published (its pages and two more at the new
    # address, the rest left for the next publishes), then the move is taken back or made again elsewhere
    at(moved).publish(9)
    site = at(settings)
    for n in range(10, 15):
        site.publish(n)
    # Then every dated page names the address of the settings now, and posts to the endpoint the CSP allows
    site_url, api = (f"https://{host}" for host in settings)
    assert page_links(site) == {page: (f"{site_url}/{page}", f"{api}/subscribe") for page in page_links(site)}
    # And the next publish with the same settings writes no older page again
    keys = site.publish(15)
    assert [k for k in keys if k.startswith("reports/") and k.endswith(".html")] == [
        f"reports/{edition(14).date}.html",
        f"reports/{edition(15).date}.html",
    ]


def test_a_fresh_stores_first_publish_records_no_rewrite_progress(site: Site) -> None:
    # Given a raw store no release has published from (no pages-version, no pages-rewrite)
    # When its first day is published
    site.publish(0)
    # Then the layout is recorded as current, and no progress of a rewrite there never was (no
    # "version 0 since 0001-01-01" record, which the raw store would keep for good)
    assert site.repo.pages_layout() == (PAGES_VERSION, site.pipeline.renderer.page_settings)
    assert site.repo.store.get("editions/site/pages-rewrite") is None


def test_a_move_set_back_after_a_publish_with_it_stopped_leaves_no_page_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given more days published than a publish writes again (2 here), moved once to another address,
    # which took several publishes to reach every page (its progress record is left behind)
    monkeypatch.setattr("ai_news_tracker.pipeline.PAGES_REWRITTEN", 2)
    old, custom = ("digest.example.cn", "api.example.cn"), ("news.example.cn", "api-new.example.cn")

    def config(addresses: tuple[str, str]) -> Config:
        site_url, api = (f"https://{host}" for host in addresses)
        return replace(CONFIG, report=ReportConfig(site_url=site_url, subscribe_url=f"{api}/subscribe"))

    for n in range(9):
        Site(tmp_path, config(custom)).publish(n)
    site = Site(tmp_path, config(old))
    for n in range(9, 13):
        site.publish(n)
    assert site.repo.pages_layout()[1] == site.pipeline.renderer.page_settings  # every page at the old one
    # When a custom domain is set and the day's publish stops after writing pages (S3, or the render's
    # time running out on the pages it writes again), and the domain is taken back before a publish
    # with it succeeds, and the next days are published
    site.repo.save_edition(edition(13))
    failing = PutFails(tmp_path / "site", "index.html")
    with pytest.raises(StorageError):
        Pipeline(config(custom), LocalStore(tmp_path / "raw"), failing).publish(edition(13))
    for n in range(14, 17):
        site.publish(n)
    # Then every dated page names the site's address and posts to the endpoint the CSP allows
    site_url, api = (f"https://{host}" for host in old)
    assert page_links(site) == {page: (f"{site_url}/{page}", f"{api}/subscribe") for page in page_links(site)}


class Counted(LocalStore):
    """A site folder that counts the writes of each key, and runs ``meanwhile`` before the first write
    of the archive (index.html), once the day's pages are written."""

    def __init__(self, root: Path, meanwhile: Callable[[], object]) -> None:
        super().__init__(root)
        self.puts: Counter[str] = Counter()
        self.meanwhile = meanwhile

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        if key == "index.html" and not self.puts[key]:
            self.meanwhile()
        self.puts[key] += 1
        super().put(key, data, content_type=content_type)


def test_an_edition_stored_during_the_rewrite_has_only_the_page_before_it_written_again(
    tmp_path: Path,
) -> None:
    # Given seven days published by a version whose pages had no 下一期 link
    site = Site(tmp_path)
    published_without_the_forward_link(site.pipeline, 7)
    # When the fourth day is published again (a replayed render) while the next day's run stores its
    # edition, after this publish wrote the older pages again
    counted = Counted(tmp_path / "site", lambda: site.repo.save_edition(edition(7)))
    Pipeline(CONFIG, LocalStore(tmp_path / "raw"), counted).publish(edition(3))
    # Then the publish wrote its pages again with the new edition listed: the page that was the newest,
    # to link forward to it, but no other page it had written already
    pages = {
        key: n for key, n in counted.puts.items() if key.startswith("reports/") and key.endswith(".html")
    }
    assert pages == {
        "reports/2026-11-18.html": 1,
        "reports/2026-11-19.html": 1,
        "reports/2026-11-20.html": 2,  # the day before the edition: every round writes it
        "reports/2026-11-21.html": 2,  # the edition's
        "reports/2026-11-22.html": 1,
        "reports/2026-11-23.html": 1,
        "reports/2026-11-24.html": 2,
        "reports/2026-11-25.html": 1,  # the new edition's, missing
    }
    assert 'href="2026-11-25.html" rel="next"' in site.text("reports/2026-11-24.html")


class EditionReads(LocalStore):
    """A raw folder that counts the reads of stored editions in full (``editions/<day>.json``)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads = 0

    def get(self, key: str) -> bytes | None:
        self.reads += key.startswith("editions/") and key.count("/") == 1 and key.endswith(".json")
        return super().get(key)


def test_a_publish_reads_in_full_only_the_editions_it_renders_however_long_the_archive(
    tmp_path: Path,
) -> None:
    # Given a year of editions published, the site whole and in the current layout
    raw = EditionReads(tmp_path / "raw")
    pipeline = Pipeline(CONFIG, raw, LocalStore(tmp_path / "site"))
    repo = RawRepository(raw)
    for n in range(365):
        repo.save_edition(edition(n))
        for suffix in ("md", "json", "html"):
            pipeline.site.put(f"reports/{edition(n).date}.{suffix}", b"published")
    repo.save_pages_version(PAGES_VERSION, pipeline.renderer.page_settings)
    pipeline.publish(edition(364))
    raw.reads = 0
    # When the next day is published
    repo.save_edition(edition(365))
    pipeline.publish(edition(365))
    # Then it read the editions it renders (the day before, for the movements and its page's 下一期
    # link, and the one before that, for that page's movements), not every one for the archive and the
    # feed (~200 KB each in production: a render's work grew by one every day)
    assert raw.reads == 2
    # While the archive lists every day, with the key points of the newest, and the feed its newest 50
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert index.count('href="reports/2026-11-18.html"') == 1 and "2027-11-18 的要点" in index
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_text("utf-8"))
    assert len(feed.entries) == 50 and "2027-11-18 的要点" in feed.entries[0].summary


@pytest.mark.parametrize(
    "stored",
    ["{", '{"version": 1, "date": "2026-11-18"}', '{"version": 999}', "stale"],
    ids=["no JSON", "of another shape", "of another version", "stale"],
)
def test_a_summary_beside_an_edition_that_cannot_be_used_is_made_again_from_it(
    site: Site, stored: str
) -> None:
    # Given three days published, and the summary kept beside the first broken, of another layout, or
    # (for the day before the newest, whose publish may have stopped before it) saying other things
    for n in range(2):
        site.publish(n)
    day = DAYS[0] if stored != "stale" else DAYS[1]
    key = site.root / "raw" / "editions" / "summaries" / f"{day}.json"
    if stored == "stale":
        summary = json.loads(key.read_text("utf-8")) | {"key_points": ["旧的要点"]}
        stored = json.dumps(summary, ensure_ascii=False)
    key.write_text(stored, encoding="utf-8")
    # (and the summaries stored together lost: a publish reads a day's own when it is not among them)
    (site.root / "raw" / SUMMARIES_KEY).unlink()
    # When the next day is published
    site.publish(2)
    # Then the archive and the feed show what that edition says, and the summary is whole again
    assert f"{day} 的要点" in site.text("index.html") and "旧的要点" not in site.text("index.html")
    entries = {e.id.rsplit("/", 1)[1]: e for e in feedparser.parse(site.text("feed.xml")).entries}
    assert f"{day} 的要点" in entries[str(day)].summary
    assert json.loads(key.read_text("utf-8"))["key_points"] == [f"{day} 的要点"]


def test_a_publish_with_a_site_url_links_the_feed_absolutely(tmp_path: Path) -> None:
    config = replace(CONFIG, report=ReportConfig(site_url="https://digest.example.cn"))
    site = Site(tmp_path, config)
    site.publish(0)
    feed = feedparser.parse(site.text("feed.xml"))
    assert feed.entries[0].link == "https://digest.example.cn/reports/2026-11-18.html"
    assert 'href="../index.html"' in site.text("reports/2026-11-18.html")  # pages stay relative


def rebuild(root: Path, max_items: int) -> Site:
    """The runbook's "Rebuild the newest edition": its stored edition deleted, built again at the
    original time (the same clock) with the configuration of the day, and published."""
    sources = [  # the items' sources, never fetched here
        {"name": "36Kr", "url": "https://36kr.com/feed"},
        {"name": "机器之心", "url": "https://www.jiqizhixin.com/rss"},
    ]
    config = {"report": {"max_items": max_items}, "filter": {"include": []}, "sources": sources}
    site = Site(root, parse_config(config))
    (root / "raw" / "editions" / "2026-11-20.json").unlink(missing_ok=True)
    built, rebuilt = site.pipeline.build(REBUILT_AT)
    assert not rebuilt
    site.pipeline.publish(built)
    return site


REBUILT_AT = datetime(2026, 11, 20, 0, 10, tzinfo=UTC)


def entry_updated(site: Site) -> tuple[str, str]:
    (entry,) = feedparser.parse(site.text("feed.xml")).entries
    return entry.published, entry.updated


def test_a_rebuilt_day_whose_content_changed_is_updated_in_the_feed_and_only_then(tmp_path: Path) -> None:
    # Given a day of five stories, published
    raw = RawRepository(LocalStore(tmp_path / "raw"))
    for n in range(5):
        story = Entry(f"国产大模型 {n} 号发布", f"第 {n} 条正文", f"https://36kr.com/p/{n}", None, None)
        raw.record_entries("36Kr", [story], REBUILT_AT - timedelta(hours=n + 1))
    site = rebuild(tmp_path, max_items=5)
    assert entry_updated(site) == ("2026-11-20T00:10:00Z", "2026-11-20T00:10:00Z")
    # When it is rebuilt at its original time with the same configuration
    before = site.files()
    site = rebuild(tmp_path, max_items=5)
    # Then nothing changed, the feed included
    assert site.files() == before
    # When it is rebuilt with another configuration, which shows three stories in full
    site = rebuild(tmp_path, max_items=3)
    # Then its feed entry says it was updated (after what readers had), and the JSON says when
    published, updated = entry_updated(site)
    assert published == "2026-11-20T00:10:00Z" and updated > published
    assert feedparser.parse(site.text("feed.xml")).feed.updated == updated
    payload = json.loads(site.text("reports/2026-11-20.json"))
    assert len(payload["items"]) == 3 and payload["generated_at"] == "2026-11-20T08:10:00+08:00"
    assert payload["updated_at"] > payload["generated_at"]
    # And a re-run (the rebuilt edition stored) writes the same bytes
    after = site.files()
    site.pipeline.publish(site.pipeline.build(REBUILT_AT)[0])
    assert site.files() == after
    # And each rebuild that changes it again moves the entry's time on
    site = rebuild(tmp_path, max_items=2)
    assert entry_updated(site)[1] > updated


def as_the_previous_version_wrote_it(payload: dict[str, Any], raw: RawRepository) -> dict[str, Any]:
    """A day's JSON as the version before the forward link wrote it: no ``updated_at``, no
    ``more_items`` in its sources (whose ``items`` counted only the stories shown in full), no
    ``category`` or ``style_control`` in its leaderboard, each item's ``summary_truncated`` measured
    on its whole stored text (a byline counted), over the default summary_chars, and its title as the
    feed had it (runs of spaces not made one)."""
    older = {key: value for key, value in payload.items() if key != "updated_at"}

    def stored_text(item_id: str) -> str:
        stored = raw.get_item(item_id)
        assert stored is not None
        return stored.text

    def stored_title(item_id: str) -> str:
        stored = raw.get_item(item_id)
        assert stored is not None
        return stored.title

    older["items"] = [
        {**item, "summary_truncated": len(stored_text(item["id"])) > 300, "title": stored_title(item["id"])}
        for item in payload["items"]
    ]
    older["sources"] = [
        {
            **{k: v for k, v in source.items() if k != "more_items"},
            "items": source["items"] - source["more_items"],
        }
        for source in payload["sources"]
    ]
    older["leaderboard"] = {
        k: v for k, v in payload["leaderboard"].items() if k not in ("category", "style_control")
    }
    return older


def test_a_day_the_previous_version_published_rebuilt_unchanged_keeps_the_time_readers_have(
    tmp_path: Path,
) -> None:
    # Given a day of five stories, three shown in full, published by the previous version; the newest
    # is over summary_chars (300) only with its byline, which that version counted as cut
    raw = RawRepository(LocalStore(tmp_path / "raw"))
    for n in range(5):  # (titles with a run of spaces, which that version gave as the feed had them)
        story = Entry(f"国产大模型  {n} 号发布", f"第 {n} 条正文", f"https://36kr.com/p/{n}", None, None)
        raw.record_entries("36Kr", [story], REBUILT_AT - timedelta(hours=n + 1))
    bylined = Entry(
        "智谱发布 GLM-5 大模型",
        "机器之心报道 编辑：泽南 " + "智谱发布GLM-5，" * 29,  # 290 characters shown
        "https://www.jiqizhixin.com/a/1",
        None,
        None,
    )
    raw.record_entries("机器之心", [bylined], REBUILT_AT - timedelta(minutes=30))
    published = tmp_path / "site" / "reports" / "2026-11-20.json"
    rebuild(tmp_path, max_items=3)
    payload = json.loads(published.read_text("utf-8"))
    older = as_the_previous_version_wrote_it(payload, raw)
    assert [item["summary_truncated"] for item in older["items"]] != [
        item["summary_truncated"] for item in payload["items"]
    ]
    assert [item["title"] for item in older["items"]] != [item["title"] for item in payload["items"]]
    published.write_text(json.dumps(older, ensure_ascii=False, indent=2), "utf-8")
    # When the new version rebuilds it at its original time with the same configuration (README: runbook)
    site = rebuild(tmp_path, max_items=3)
    # Then readers are not told it was updated: what both versions write says the same
    assert entry_updated(site) == ("2026-11-20T00:10:00Z", "2026-11-20T00:10:00Z")
    assert json.loads(published.read_text("utf-8")) == payload
    # And a rebuild of such a day that changes what it says is still an update
    published.write_text(json.dumps(older, ensure_ascii=False, indent=2), "utf-8")
    site = rebuild(tmp_path, max_items=2)
    assert entry_updated(site)[1] > "2026-11-20T00:10:00Z"


# -- on S3 ------------------------------------------------------------------------------------------
@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="raw")
        client.create_bucket(Bucket="site")
        yield client


def test_on_s3_every_file_is_typed_and_only_dated_reports_are_cached_long(s3: Any) -> None:
    pipeline = Pipeline(CONFIG, S3Store("raw", s3), S3Store("site", s3, public=True))
    RawRepository(S3Store("raw", s3)).save_edition(edition(0))
    keys = pipeline.publish(edition(0))

    def head(key: str) -> tuple[str, str]:
        answer = s3.head_object(Bucket="site", Key=key)
        return answer["ContentType"], answer["CacheControl"]

    long, short = "public, max-age=300, s-maxage=86400", "public, max-age=300"  # long: at the CDN only
    assert {key: head(key) for key in keys} == {
        "reports/2026-11-18.md": ("text/markdown; charset=utf-8", long),
        "reports/2026-11-18.json": ("application/json", long),
        "reports/2026-11-18.html": ("text/html; charset=utf-8", long),
        "assets/style.css": ("text/css; charset=utf-8", short),
        "assets/favicon.svg": ("image/svg+xml", short),
        "index.html": ("text/html; charset=utf-8", short),
        "404.html": ("text/html; charset=utf-8", short),
        "feed.xml": ("application/atom+xml; charset=utf-8", short),
        "latest.html": ("text/html; charset=utf-8", short),
        "latest.md": ("text/markdown; charset=utf-8", short),
    }
    assert cache_control_for("latest.html") == short


def test_on_s3_the_pages_written_again_for_a_new_layout_are_replaced_once(s3: Any) -> None:
    # Given two days published on S3 by a version whose pages had no 下一期 link
    site = S3Store("site", s3, public=True)
    pipeline = Pipeline(CONFIG, S3Store("raw", s3), site)
    published_without_the_forward_link(pipeline, 2)
    # When the next day is published
    pipeline.repo.save_edition(edition(2))
    pipeline.publish(edition(2))
    # Then both older pages were replaced with other bytes (the render function invalidates them)
    assert site.replaced == {"reports/2026-11-18.html", "reports/2026-11-19.html"}
    assert 'rel="next"' in s3.get_object(Bucket="site", Key="reports/2026-11-18.html")["Body"].read().decode()
    # When a later invocation (another environment) publishes the day again
    again = S3Store("site", s3, public=True)
    Pipeline(CONFIG, S3Store("raw", s3), again).publish(edition(2))
    # Then it replaces nothing: the layout was recorded as current in the raw bucket
    assert again.replaced == set()


def test_the_deployments_site_url_fills_an_empty_site_url(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[report]\n", encoding="utf-8")
    settings = Settings("r", "s", site_url="https://d111111abcdef8.cloudfront.net", config_file=str(config))
    assert load_deployed_config(settings).report.site_url == "https://d111111abcdef8.cloudfront.net"
    config.write_text('[report]\nsite_url = "https://digest.example.cn"\n', encoding="utf-8")
    assert load_deployed_config(settings).report.site_url == "https://digest.example.cn"  # the file wins
    config.write_text("[report]\n", encoding="utf-8")
    assert load_deployed_config(replace(settings, site_url="")).report.site_url == ""
    for bad in ("javascript:alert(1)", "https://d111111abcdef8.cloudfront.net/#"):
        with pytest.raises(ConfigError) as raised:
            load_deployed_config(replace(settings, site_url=bad))
        assert raised.value.key == "SITE_URL"


def test_the_announcement_names_the_web_page_too() -> None:
    message = announcement(Settings("r", "s", site_url="https://digest.example.cn"), edition(0))
    assert message["html_url"] == "https://digest.example.cn/reports/2026-11-18.html"
    assert message["url"] == "https://digest.example.cn/reports/2026-11-18.md"  # unchanged


# -- a day stored anew since the summaries were stored together is shown as stored -----------------
REBUILT = replace(edition(2), key_points=("重建后的要点",), updated_at=datetime(2026, 11, 20, 9, tzinfo=UTC))


def rebuilt_newest(site: Site, tmp_path: Path) -> None:
    """README's "Rebuild the newest edition": the edition of the 20th deleted, the day built again."""
    (tmp_path / "raw" / "editions" / f"{DAYS[2]}.json").unlink()
    site.repo.save_edition(REBUILT)


def assert_shown_as_rebuilt(site: Site) -> None:
    index = site.text("index.html")
    assert "重建后的要点" in index and f"{DAYS[2]} 的要点" not in index
    entries = {e.id.rsplit("/", 1)[1]: e for e in feedparser.parse(site.text("feed.xml")).entries}
    assert "重建后的要点" in entries[str(DAYS[2])].summary
    assert entries[str(DAYS[2])].updated == "2026-11-20T09:00:00Z"


def stopped_publisher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """A publish that stops (a Lambda timeout) once the day's own files are written, before the archive."""
    stopped = Pipeline(CONFIG, LocalStore(tmp_path / "raw"), LocalStore(tmp_path / "site"))

    def timed_out(*args: object) -> None:
        raise TimeoutError("Task timed out after 60.00 seconds")

    monkeypatch.setattr(stopped, "_summaries", timed_out)
    return stopped


def test_a_rebuilt_day_whose_publish_stopped_is_shown_as_rebuilt_by_a_publish_of_an_older_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three days published, and the newest rebuilt (README: its edition deleted, the day run
    # again) with other key points, its publish stopped (a Lambda timeout) once its own files were
    # written, before the archive
    site = Site(tmp_path)
    for n in range(3):
        site.publish(n)
    rebuilt_newest(site, tmp_path)
    with pytest.raises(TimeoutError):
        stopped_publisher(tmp_path, monkeypatch).publish(REBUILT)
    assert "重建后的要点" in site.text(f"reports/{DAYS[2]}.html")
    # When an older day is published again (`run --now` of the 18th) before the next day's
    site.pipeline.publish(edition(0))
    # Then the archive and the feed say what the stored edition (and the page) of the 20th says, as
    # they did when a publish read every stored edition
    assert_shown_as_rebuilt(site)


# -- a long archive: a day's publish reads what it shows in one object, not one a day ----------------
class Requests(LocalStore):
    """A raw folder that counts its reads and listings as S3 would bill them (a listing: a request for
    each 1,000 keys it returns)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.requests: Counter[str] = Counter()

    def get(self, key: str) -> bytes | None:
        self.requests["get " + key.rsplit("/", 1)[0]] += 1
        return super().get(key)

    def list(self, prefix: str) -> list[str]:
        keys = super().list(prefix)
        self.requests["list " + prefix] += max(1, -(-len(keys) // 1000))
        return keys


def requests_of_a_publish(root: Path, days: int) -> int:
    raw = Requests(root / "raw")
    pipeline = Pipeline(CONFIG, raw, LocalStore(root / "site"))
    repo = RawRepository(raw)
    for n in range(days):
        repo.save_edition(edition(n))
        for suffix in ("md", "json", "html"):
            pipeline.site.put(f"reports/{edition(n).date}.{suffix}", b"published")
    repo.save_pages_version(PAGES_VERSION, pipeline.renderer.page_settings)
    pipeline.publish(edition(days - 1))  # the summaries all stored
    repo.save_edition(edition(days))
    raw.requests.clear()
    pipeline.publish(edition(days))
    return sum(raw.requests.values())


def test_the_requests_of_a_days_publish_do_not_grow_with_the_archive(tmp_path: Path) -> None:
    # Given the same site after a year of editions and after three
    year = requests_of_a_publish(tmp_path / "year1", 365)
    years = requests_of_a_publish(tmp_path / "year3", 3 * 365)
    # When the next day is published on each, Then it makes about as many requests of the raw store on
    # both: not one more for every day the archive holds (369 after a year, 1,103 after three, when each
    # day's summary was read alone), only a listing's page more for each 1,000 editions
    assert year < 30 and years <= year + 5, (year, years)


def test_a_day_rebuilt_by_the_release_before_is_shown_as_rebuilt_once_this_one_is_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three days published by this release (their summaries stored together too)
    site = Site(tmp_path)
    for n in range(3):
        site.publish(n)
    # and a rollback to the release before (76c97d9: it reads and writes each day's summary alone, never
    # editions/summaries/all.json), which rebuilds the newest day and publishes the next two
    before = Pipeline(CONFIG, LocalStore(tmp_path / "raw"), LocalStore(tmp_path / "site"))
    monkeypatch.setattr(before.repo, "load_summaries", lambda: {}, raising=False)
    monkeypatch.setattr(before.repo, "save_summaries", lambda summaries: None, raising=False)
    rebuilt_newest(site, tmp_path)
    before.publish(REBUILT)
    for n in (3, 4):
        site.repo.save_edition(edition(n))
        before.publish(edition(n))
    assert "重建后的要点" in site.text("index.html")
    # When this release is deployed again and publishes the next day (README's rollback steps followed:
    # they delete the pages' layout records, nothing of the summaries)
    site.publish(5)
    # Then the archive and the feed still say what the stored edition of the 20th (and its page) says
    assert_shown_as_rebuilt(site)


def test_a_rebuilt_day_is_shown_as_rebuilt_when_the_next_days_publish_stopped_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three days published, and the newest rebuilt, its publish stopped (a Lambda timeout) once its
    # own files were written, before the archive
    site = Site(tmp_path)
    for n in range(3):
        site.publish(n)
    rebuilt_newest(site, tmp_path)
    stopped = stopped_publisher(tmp_path, monkeypatch)
    with pytest.raises(TimeoutError):
        stopped.publish(REBUILT)
    # and the next day's edition stored, its publish stopped at the same place (each of its tries)
    site.repo.save_edition(edition(3))
    with pytest.raises(TimeoutError):
        stopped.publish(edition(3))
    # When the day after is published
    site.publish(4)
    # Then the archive and the feed say what the stored edition of the 20th (and its page) says, as they
    # did when a publish read each day's summary, which the rebuild stored with the edition
    assert "重建后的要点" in site.text(f"reports/{DAYS[2]}.html")
    assert_shown_as_rebuilt(site)
