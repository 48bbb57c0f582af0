"""The web edition in a real browser: headless Chromium, driven by Selenium, over loopback HTTP.

The site is the demo run (``demo/``, fictional news) of 2026-11-20, after a stored edition of the
day before whose leaderboard is the demo's older snapshot, so the page shows movements. ``site/`` is
served by ``http.server`` on 127.0.0.1 with the Content-Type each file is published with
(``store.content_type_for``) and the response headers CloudFront adds (the Content-Security-Policy,
``nosniff`` and the rest, read from ``template.yaml``), so a page that needed anything the policy
forbids (a script, an inline style, a font or image from elsewhere) would log an error, and a file whose
type the browser misreads (the feed without its charset) would show so.

Checked for the edition page, ``latest.html`` and the archive (and an archive of 400 days, whose month
list jumps to a month): no console errors, every item title visible, nothing wider than a phone's
screen; the Atom feed opened by its link reads as UTF-8.
Screenshots at phone (390×844, light and dark) and desktop (1280×900) widths land in
``test-artifacts/`` (gitignored) for people to look at.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and Selenium; the
test skips with the reason when they are absent. Selenium never downloads a driver here: the paths of
both binaries are given.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from editions import plain_edition, plain_items

from ai_news_tracker.cli import main
from ai_news_tracker.config import Config
from ai_news_tracker.leaderboard import build_leaderboard
from ai_news_tracker.models import Edition, EditionSummary, Repeat, SourceStatus
from ai_news_tracker.render import ARCHIVE_POINTS, Renderer
from ai_news_tracker.repository import RawRepository
from ai_news_tracker.store import LocalStore, content_type_for

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
sys.path.insert(0, str(REPO / "demo"))

import run_demo  # noqa: E402

DAY, PREVIOUS_DAY = "2026-11-20", date(2026, 11, 19)
# What CloudFormation substitutes in template.yaml's !Sub strings, for a stack in us-east-1.
STACK = {"SubscriptionApi": "abc123example", "AWS::Region": "us-east-1", "AWS::URLSuffix": "amazonaws.com"}
SUBSCRIBE_URL = "https://abc123example.execute-api.us-east-1.amazonaws.com/subscribe"
PHONE, DESKTOP = (390, 844), (1280, 900)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # no name resolves: no network
]


# -- the site ---------------------------------------------------------------------------------------
def _previous_edition() -> Edition:
    """The day before, as if built by an earlier run: a few points and the demo's older snapshot."""
    history = json.loads((REPO / "demo" / "leaderboard.json").read_text(encoding="utf-8"))
    scores = {k: float(v) for k, v in history["20261101"]["text"]["overall"].items()}
    cutoff = datetime(2026, 11, 19, 5, 50, 39, tzinfo=UTC)
    return Edition(
        date=PREVIOUS_DAY,
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=cutoff,
        window_start=None,
        window_end=cutoff,
        key_points=("前一天的第一条要点", "前一天的第二条要点"),
        items=(),
        sources=(),
        leaderboard=build_leaderboard("lmarena-history", scores, date(2026, 11, 1), 5, 10),
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    data = tmp / "data"
    assert RawRepository(LocalStore(data / "raw")).save_edition(_previous_edition())
    server = run_demo.start_server()
    try:
        host, port = server.server_address[:2]
        config = tmp / "demo.toml"
        text = run_demo.config_text(f"http://{host!s}:{port}")  # with the stack's subscribe form:
        text = text.replace("[report]\n", f'[report]\nsubscribe_url = "{SUBSCRIBE_URL}"\n', 1)
        config.write_text(text, encoding="utf-8")
        argv = ["run", "--config", str(config), "--data-dir", str(data), "--now", run_demo.DEMO_NOW]
        assert main(argv) == 0
    finally:
        server.shutdown()
        server.server_close()
    return data / "site"


def cloudfront_headers() -> dict[str, str]:
    """The security headers of SiteResponseHeadersPolicy in template.yaml, as CloudFront sends them."""

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if suffix == "Sub" and isinstance(node, yaml.ScalarNode):  # as CloudFormation substitutes it
            return re.sub(
                r"\$\{([^}]+)\}", lambda m: STACK.get(m.group(1), m.group(0)), loader.construct_scalar(node)
            )
        return None

    Loader.add_multi_constructor("!", tagged)
    template = yaml.load((REPO / "template.yaml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
    policy = template["Resources"]["SiteResponseHeadersPolicy"]["Properties"]
    security = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    return {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }


class SiteHandler(SimpleHTTPRequestHandler):
    headers_to_add: dict[str, str] = {}  # noqa: RUF012 - set once per server below

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        """The Content-Type the publisher stores each file with, which S3 and CloudFront serve."""
        return content_type_for(str(path))

    def end_headers(self) -> None:
        for name, value in self.headers_to_add.items():
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing file gets the site's 404.html, as template.yaml's CustomErrorResponses serve it."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(directory: Path) -> Iterator[str]:
    """``directory`` over loopback HTTP, as CloudFront serves the site; yields its base URL."""
    handler = type("Handler", (SiteHandler,), {"headers_to_add": cloudfront_headers()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, name="site-http", daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host!s}:{port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    yield from serve(site)


LONG_ARCHIVE_DAYS = 400  # 2025-01-01 to 2026-02-04: two years in the month list, a day over a year


@pytest.fixture(scope="module")
def long_archive_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An archive of 400 daily editions, each with five key points of the default summarizer's 60
    characters, and the site's assets."""
    folder = tmp_path_factory.mktemp("long-archive")
    summaries = []
    for n in range(LONG_ARCHIVE_DAYS):
        day = date(2025, 1, 1) + timedelta(days=n)
        points = tuple((f"第{k}条：" + "某国产大模型发布新版本并开源" * 5)[:60] for k in range(1, 6))
        cutoff = datetime(day.year, day.month, day.day, 0, 10, tzinfo=UTC)
        summaries.append(EditionSummary(day, "国产大模型日报", cutoff, points, 30))
    renderer = Renderer(Config(), REPO / "templates")
    write_site(folder, renderer, {"index.html": renderer.index(summaries)})
    yield from serve(folder)


def write_site(folder: Path, renderer: Renderer, pages: dict[str, str]) -> None:
    """``pages`` (by their keys) and the site's assets, written under ``folder`` as published."""
    for key, text in {**pages, **renderer.assets()}.items():
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / key).write_text(text, encoding="utf-8")


# -- the browser ------------------------------------------------------------------------------------
@dataclass
class Browser:
    driver: Any

    def open(self, url: str, width: int, height: int, *, dark: bool = False, forced: bool = False) -> None:
        """``forced``: forced colours (Windows High Contrast), which draws every background alike."""
        self.driver.get_log("browser")  # drop what earlier pages logged
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        features = [
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"},
            {"name": "forced-colors", "value": "active" if forced else "none"},
        ]
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
        self.driver.get(url)

    def errors(self) -> list[dict[str, Any]]:
        """The page's errors. Not Chromium's own request for /favicon.ico, which it makes for a
        document with no icon of its own (feed.xml) and may log late, during the next test."""
        return [
            entry
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE" and "/favicon.ico " not in entry["message"]
        ]

    def screenshot(self, name: str) -> Path:
        """The whole page, not only the viewport."""
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def script(self, source: str) -> Any:
        return self.driver.execute_script(source)

    def wait_for_url(self, url: str, seconds: float = 10) -> None:
        """Until a navigation started by a click or a submit has reached ``url`` (fails on timeout)."""
        from selenium.webdriver.support.wait import WebDriverWait

        WebDriverWait(self.driver, seconds).until(lambda driver: driver.current_url == url)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("headless Chromium needs Debian's chromium and chromium-driver (apt-get install)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=chromedriver))
    driver.set_page_load_timeout(30)
    try:
        yield Browser(driver)
    finally:
        driver.quit()


def visible_titles(browser: Browser) -> list[str]:
    from selenium.webdriver.common.by import By

    headings = browser.driver.find_elements(By.CSS_SELECTOR, "article.item h3")
    return [h.text for h in headings if h.is_displayed() and h.size["height"] > 0]


def accessibility_tree(page: Browser) -> list[dict[str, Any]]:
    """The nodes a screen reader is given (Chromium's accessibility tree, ignored nodes left out)."""
    page.driver.execute_cdp_cmd("Accessibility.enable", {})
    nodes = page.driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    return [node for node in nodes if not node.get("ignored")]


def ax_value(node: dict[str, Any], key: str) -> Any:
    return (node.get(key) or {}).get("value")


def ax_property(node: dict[str, Any], name: str) -> Any:
    return next((p["value"].get("value") for p in node.get("properties", ()) if p["name"] == name), None)


def horizontal_overflow(browser: Browser) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return int(
        browser.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


# Every ISO date of the page's visible text, and every "首见 MM-DD" of a story already reported, whose
# characters lie on more than one line: browsers may break a line after the hyphen between digits, and
# "2026-" alone reads as a year, "首见 11-" as no day at all.
SPLIT_DATES = r"""
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node; (node = walker.nextNode()); ) {
  for (const m of node.data.matchAll(/\d{4}-\d{2}-\d{2}|首见 \d{2}-\d{2}/g)) {
    const range = document.createRange();
    range.setStart(node, m.index);
    range.setEnd(node, m.index + m[0].length);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (tops.size > 1) out.push(node.data.slice(Math.max(0, m.index - 10), m.index + 16).trim());
  }
}
return out;
"""


# The lines (those matching arguments[0]) where a text is drawn out of its place: a text not itself
# right-to-left drawn in pieces on one line ("36 ‹an Arabic title› Kr"), or left of the text before it
# on the same line (a time drawn before the Arabic source name it follows). Such a title reads right to
# left inside, but the line reads left to right.
OUT_OF_ORDER = r"""
const rtl = /[\u0590-\u08ff]/;
const same_line = (a, b) => a.top < b.bottom && b.top < a.bottom;
const out = [];
for (const line of document.querySelectorAll(arguments[0])) {
  const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
  let before = [];
  for (let node; (node = walker.nextNode()); ) {
    if (!node.data.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const boxes = [...range.getClientRects()].filter(r => r.width > 0);
    const pieces = boxes.filter(b => !rtl.test(node.data) && same_line(b, boxes[0]));
    pieces.sort((a, b) => a.left - b.left);
    const split = pieces.some((b, i) => i > 0 && b.left - pieces[i - 1].right > 1);
    const left = before.filter(b => boxes.length && same_line(b, boxes[0]));
    const behind = left.length > 0 && boxes[0].left < Math.max(...left.map(b => b.right)) - 1;
    if (split || behind) out.push([line.textContent.trim(), node.data.trim()]);
    before = boxes;
  }
}
return out;
"""


# -- the tests --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    path: str
    size: tuple[int, int]
    dark: bool
    shot: str  # the screenshot's name in test-artifacts/


EDITION_VIEWS = [
    View(f"reports/{DAY}.html", PHONE, False, "edition-phone"),
    View(f"reports/{DAY}.html", PHONE, True, "edition-phone-dark"),
    View(f"reports/{DAY}.html", DESKTOP, False, "edition-desktop"),
    View(f"reports/{DAY}.html", DESKTOP, True, "edition-desktop-dark"),
    View("latest.html", PHONE, False, "latest-phone"),
]


@pytest.mark.parametrize("view", EDITION_VIEWS, ids=lambda view: view.shot)
def test_the_edition_page_shows_every_item_without_errors(
    browser: Browser, base_url: str, site: Path, view: View
) -> None:
    payload = json.loads((site / "reports" / f"{DAY}.json").read_text(encoding="utf-8"))
    expected = [item["title"] for item in payload["items"]]
    # When the page is opened
    browser.open(base_url + view.path, *view.size, dark=view.dark)
    # Then it has its title and styles, logs no errors, and every item's title is visible
    assert browser.driver.title == f"{DAY} 国产大模型日报"
    assert browser.script("return getComputedStyle(document.querySelector('main')).maxWidth") != "none"
    assert browser.errors() == []
    assert len(expected) >= 12 and visible_titles(browser) == expected
    # And the leaderboard is two tables, the domestic one with the movements since the day before
    assert browser.script("return document.querySelectorAll('table.board').length") == 2
    moves = browser.script("return [...document.querySelectorAll('td.move')].map(td => td.textContent)")
    assert [m.split()[0] for m in moves] == ["↓1", "↓1", "↓2", "↓2", "↓2", "↓1", "–", "新", "↓2", "新"]
    # And nothing is wider than the window
    assert horizontal_overflow(browser) == 0
    assert browser.screenshot(view.shot).stat().st_size > 10_000


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_no_date_on_the_edition_page_is_broken_across_lines(
    browser: Browser, base_url: str, width: int
) -> None:
    # Given the edition page on a phone and on a desktop
    browser.open(base_url + f"reports/{DAY}.html", width, 900)
    # Then every date it shows (the items' times, the leaderboard's, the footer's) is on one line
    assert browser.script(SPLIT_DATES) == []


def reported_stories(count: int) -> tuple[Repeat, ...]:
    """``count`` stories already reported, first told on 11-18, their titles of 1 to 14 characters, then
    twice as long, and so on: at any phone's width some "首见 11-18" after them falls at a line's end."""
    headline = "某国产大模型发布新版本并开源"
    titles = [headline[: 1 + n % 14] * (1 + n // 14) for n in range(count)]
    return tuple(
        Repeat(replace(story, id=f"r{n}", title=title), date(2026, 11, 18), "x")
        for n, (story, title) in enumerate(zip(plain_items(count), titles, strict=True))
    )


@pytest.fixture(scope="module")
def reported_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An edition page listing 56 stories already reported."""
    folder = tmp_path_factory.mktemp("reported")
    renderer = Renderer(Config(), REPO / "templates")
    page = renderer.html(replace(plain_edition(3), repeats=reported_stories(56)))
    write_site(folder, renderer, {f"reports/{DAY}.html": page})
    yield from serve(folder)


@pytest.mark.parametrize("width", [320, 360, 390, 414])
def test_the_day_a_story_was_first_reported_is_never_broken_across_lines(
    browser: Browser, reported_url: str, width: int
) -> None:
    # Given an edition listing stories already reported, each "首见 11-18", on a phone
    browser.open(reported_url + f"reports/{DAY}.html", width, 900)
    assert browser.script("return document.querySelectorAll('#reported + ul li').length") == 56
    # Then each is on one line, as every other date of the page is (never "首见 11-" then "18")
    assert browser.script(SPLIT_DATES) == []


ARABIC, HEBREW = "نموذج ذكاء اصطناعي جديد مفتوح المصدر", "מודל בינה מלאכותית חדש בקוד פתוח"


def right_to_left_edition() -> Edition:
    """An edition whose items, stories past max_items and stories already reported have Arabic and
    Hebrew titles, from 36Kr or from a source of an Arabic name, which also failed."""
    first, second, third = plain_items(3)
    items = (replace(first, title=ARABIC), replace(second, title=HEBREW, source="الجزيرة"), third)
    more = tuple(replace(story, id=f"m{story.id}") for story in items)
    repeats = tuple(Repeat(replace(story, id=f"r{story.id}"), date(2026, 11, 18), "x") for story in items)
    failed = (SourceStatus("الجزيرة", "timeout"), SourceStatus("36Kr", "timeout"))
    return replace(
        plain_edition(0), items=items, more=more, repeats=repeats, sources=failed, key_points=(ARABIC,)
    )


@pytest.fixture(scope="module")
def right_to_left_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """That edition's page, and an archive whose key points are those titles."""
    folder = tmp_path_factory.mktemp("right-to-left")
    renderer = Renderer(Config(), REPO / "templates")
    cutoff = datetime(2026, 11, 20, 0, 10, tzinfo=UTC)
    summaries = [
        EditionSummary(date(2026, 11, 20) - timedelta(days=n), "国产大模型日报", cutoff, (ARABIC, HEBREW), 3)
        for n in range(ARCHIVE_POINTS + 2)
    ]
    pages = {
        f"reports/{DAY}.html": renderer.html(right_to_left_edition()),
        "index.html": renderer.index(summaries),
    }
    write_site(folder, renderer, pages)
    yield from serve(folder)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_right_to_left_title_or_source_leaves_the_words_beside_it_in_their_place(
    browser: Browser, right_to_left_url: str, width: int
) -> None:
    # Given an edition whose titles and a source's name are Arabic and Hebrew, in every place a page
    # shows them: the items, the lists of 更多资讯 and of stories already reported, the archive
    for page in (f"reports/{DAY}.html", "index.html"):
        browser.open(right_to_left_url + page, width, 900)
        # Then every line reads left to right around them: each source drawn whole to the right of its
        # title ("36Kr", not "36 ‹title› Kr"), each time to the right of its source
        assert browser.script("return document.querySelectorAll('main li').length") >= 7
        assert browser.driver.execute_script(OUT_OF_ORDER, "main h3, main p, main li") == []


@pytest.mark.parametrize(("size", "shot"), [(PHONE, "index-phone"), (DESKTOP, "index-desktop")])
def test_the_archive_lists_every_edition_newest_first(
    browser: Browser, base_url: str, size: tuple[int, int], shot: str
) -> None:
    from selenium.webdriver.common.by import By

    browser.open(base_url + "index.html", *size)
    assert browser.errors() == []
    issues = browser.driver.find_elements(By.CSS_SELECTOR, "article.issue h3")
    assert [h.text.split()[0] for h in issues if h.is_displayed()] == [DAY, PREVIOUS_DAY.isoformat()]
    points = browser.driver.find_elements(By.CSS_SELECTOR, "article.issue li")
    assert len(points) == 5 + 2 and all(p.is_displayed() for p in points)
    assert horizontal_overflow(browser) == 0
    browser.screenshot(shot)


@pytest.mark.parametrize(("size", "shot"), [(PHONE, "index-long-phone"), (DESKTOP, "index-long-desktop")])
def test_a_long_archive_lists_every_day_and_jumps_to_a_month(
    browser: Browser, long_archive_url: str, size: tuple[int, int], shot: str
) -> None:
    from selenium.webdriver.common.by import By

    # Given the archive of 400 days, opened
    browser.open(long_archive_url + "index.html", *size)
    assert browser.errors() == []
    # Then the month list is on the first screen, and every day is shown: the newest with their points
    months = browser.driver.find_element(By.CSS_SELECTOR, "nav.months")
    assert months.is_displayed() and months.rect["y"] < size[1]
    issues = browser.driver.find_elements(By.CSS_SELECTOR, "article.issue h3")
    lines = browser.driver.find_elements(By.CSS_SELECTOR, "ol.days li")
    assert len(issues) == ARCHIVE_POINTS and len(issues) + len(lines) == LONG_ARCHIVE_DAYS
    assert all(line.is_displayed() for line in lines[:: LONG_ARCHIVE_DAYS // 20])
    assert horizontal_overflow(browser) == 0
    browser.screenshot(shot)
    # When a reader picks 2025's March in the month list
    row = next(r for r in months.find_elements(By.CSS_SELECTOR, "ul.years > li") if r.text.startswith("2025"))
    row.find_element(By.LINK_TEXT, "3 月").click()
    browser.wait_for_url(long_archive_url + "index.html#m2025-03")
    # Then March 2025's heading is at the top of the window, its first line the 31st
    top = browser.script("return document.getElementById('m2025-03').getBoundingClientRect().top")
    assert 0 <= top < 40
    section = browser.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby='m2025-03']")
    assert section.find_element(By.CSS_SELECTOR, "ol.days li").text.startswith("2025-03-31 星期一")
    assert browser.errors() == []


def test_the_links_between_pages_work(browser: Browser, base_url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.open(base_url + "index.html", *DESKTOP)
    browser.driver.find_element(By.LINK_TEXT, "阅读最新一期").click()
    browser.wait_for_url(f"{base_url}reports/{DAY}.html")
    browser.driver.find_element(By.PARTIAL_LINK_TEXT, "上一期").click()
    browser.wait_for_url(f"{base_url}reports/{PREVIOUS_DAY.isoformat()}.html")
    assert browser.driver.find_elements(By.CSS_SELECTOR, "article.item") == []  # it had no items
    browser.driver.find_element(By.PARTIAL_LINK_TEXT, "下一期").click()  # and forward again
    browser.wait_for_url(f"{base_url}reports/{DAY}.html")
    assert browser.errors() == []


def test_the_feed_opened_in_the_browser_reads_as_utf8(browser: Browser, base_url: str) -> None:
    from selenium.webdriver.common.by import By

    # Given the archive, whose "Atom 订阅" link readers click
    browser.open(base_url + "index.html", *DESKTOP)
    # When they follow it (feed.xml served with its published type, under nosniff)
    browser.driver.find_element(By.LINK_TEXT, "Atom 订阅").click()
    browser.wait_for_url(f"{base_url}feed.xml")
    # Then the browser reads it as UTF-8: the Chinese title is shown as written, not as mojibake
    assert browser.script("return document.characterSet") == "UTF-8"
    text = browser.script("return (document.body || document.documentElement).textContent")
    assert "<title>国产大模型日报</title>" in text, text[:300]
    assert "å›½" not in text


def test_the_subscribe_form_fits_a_phone_and_the_site_s_csp_lets_it_post_to_the_api_only(
    browser: Browser, base_url: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    # Given the edition page on a phone, served with the CloudFront headers of template.yaml
    browser.open(base_url + f"reports/{DAY}.html", *PHONE)
    form = browser.driver.find_element(By.CSS_SELECTOR, "section.subscribe form")
    field = form.find_element(By.NAME, "email")
    button = form.find_element(By.TAG_NAME, "button")
    # Then the form is there, within the width of the phone
    assert form.get_attribute("action") == SUBSCRIBE_URL and form.get_attribute("method") == "post"
    assert field.is_displayed() and button.is_displayed()
    assert button.rect["x"] + button.rect["width"] <= PHONE[0] and horizontal_overflow(browser) == 0
    assert browser.errors() == []

    def csp_violations() -> list[str]:
        return [e["message"] for e in browser.errors() if "Content Security Policy" in e["message"]]

    # When a reader subscribes, the post leaves for the API (no name resolves here: it goes no further)
    field.send_keys("reader@example.org")
    button.click()
    # (its navigation ends on the browser's error page: left pending, it could replace the next page)
    browser.wait_for_url(SUBSCRIBE_URL)
    assert csp_violations() == []
    # And a form sent anywhere else is refused by the CSP (what proves the check above can fail)
    browser.open(base_url + f"reports/{DAY}.html", *PHONE)
    WebDriverWait(browser.driver, 10).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "section.subscribe form")
    )
    browser.script(
        "const f = document.querySelector('section.subscribe form');"
        "f.action = 'https://elsewhere.example/collect'; f.email.value = 'a@example.org'; f.submit();"
    )
    seen: list[str] = []
    WebDriverWait(browser.driver, 10).until(
        lambda _: seen.extend(csp_violations()) or any("elsewhere.example" in m for m in seen)
    )
    assert browser.driver.current_url == f"{base_url}reports/{DAY}.html"  # and the page stayed


MOVEMENT_NAME = re.compile(r"(上升|下降) \d+ 位（上期第 \d+ 名）|新上榜|排名不变")


def test_a_screen_reader_hears_each_movement_and_link_once_and_knows_which_story_a_link_opens(
    browser: Browser, base_url: str
) -> None:
    # Given the edition page, as a screen reader is given it
    browser.open(base_url + f"reports/{DAY}.html", *DESKTOP)
    nodes = accessibility_tree(browser)
    # Then each movement of the domestic table is said once, in words: not "↓1 下降 1 位…"
    moves = browser.script("return document.querySelectorAll('td.move').length")
    cells = [ax_value(n, "name") for n in nodes if ax_value(n, "role") == "cell"]
    said = [name for name in cells if MOVEMENT_NAME.search(name or "")]
    assert len(said) == moves == 10 and all(MOVEMENT_NAME.fullmatch(name) for name in said), said
    # And an item's links (阅读原文, another outlet's report) are named without the arrow drawn after
    # them, each after its story, so that a list of the page's links tells them apart
    links = [
        ax_value(n, "name")
        for n in nodes
        if ax_value(n, "role") == "link" and re.match(r"阅读原文：|\S+的报道：", ax_value(n, "name") or "")
    ]
    # (the title of the story each link sits in, in the order of the page)
    stories = browser.script(
        "return [...document.querySelectorAll('p.more a')]"
        ".map(a => a.closest('article').querySelector('h3').textContent)"
    )
    assert len(links) == len(stories) > 12 and any("的报道：" in name for name in links)
    assert [name.split("：", 1)[1] for name in links] == stories
    assert len(set(links)) == len(links)
    # And on the archive, each edition's 阅读全文, Markdown and JSON say which day they open
    browser.open(base_url + "index.html", *DESKTOP)
    nodes = accessibility_tree(browser)
    formats = [
        (ax_value(n, "name"), ax_value(n, "description"))
        for n in nodes
        if ax_value(n, "role") == "link" and ax_value(n, "name") in ("阅读全文", "Markdown", "JSON")
    ]
    days = [DAY, PREVIOUS_DAY.isoformat()]
    assert [(name, (described or "")[:10]) for name, described in formats] == [
        (name, day) for day in days for name in ("阅读全文", "Markdown", "JSON")
    ]


def test_a_screen_reader_moving_down_a_leaderboard_column_hears_which_model_each_row_is(
    browser: Browser, base_url: str, site: Path
) -> None:
    board = json.loads((site / "reports" / f"{DAY}.json").read_text(encoding="utf-8"))["leaderboard"]
    models = [row["model"] for row in board["global_top"] + board["domestic"]]
    # Given the edition page, with its two leaderboard tables, as a screen reader is given it
    browser.open(base_url + f"reports/{DAY}.html", *DESKTOP)
    nodes = accessibility_tree(browser)
    # Then each row of both tables has its model as its row header: a reader moving down the ELO or the
    # 变化 column hears "qwen3-max, 1434", not "1434" after "1434" with no model named
    headers = [ax_value(n, "name") for n in nodes if ax_value(n, "role") == "rowheader"]
    assert len(models) >= 15 and headers == models


# Slips the subscribe endpoint refuses (a type=email field lets them through), and addresses the field
# must keep taking.
MISTYPED = [
    "name@qqcom",
    "name@163",
    "zhang.san@gmail",
    ".name@qq.com",
    "name.@qq.com",
    "na..me@qq.com",
    "na me@qq.com",
]
TYPED_RIGHT = [
    "name@qq.com",
    "zhang.san@gmail.com",
    "o'brien+news@163.com",
    "x@mail.example.co.uk",
    "x@bücher.example",
]


def test_the_subscribe_field_catches_the_slips_the_server_refuses_before_they_are_sent(
    browser: Browser, base_url: str
) -> None:
    from ai_news_tracker.subscribers import InvalidAddress, normalise_address

    # Given the archive's subscribe form
    browser.open(base_url + "index.html", *DESKTOP)

    field = browser.driver.find_element("id", "subscribe-email")

    def accepted(value: str) -> bool:
        """Whether the field takes ``value`` typed in (Chromium then writes a domain as punycode)."""
        field.clear()
        field.send_keys(value)
        return bool(browser.driver.execute_script("return arguments[0].checkValidity()", field))

    # When a reader types a missing dot in the domain or a stray dot in the name, the field refuses it
    # before it is sent (WCAG 3.3.1), as the server would
    assert {value: accepted(value) for value in MISTYPED} == dict.fromkeys(MISTYPED, False)
    for value in MISTYPED:
        with pytest.raises(InvalidAddress):
            normalise_address(value)
    # And says what it wants: the title the browser shows beside its own message
    title = browser.script("return document.getElementById('subscribe-email').title")
    assert "“.”" in title and "qq.com" in title
    # And every address the server takes, the field takes too
    assert {value: accepted(value) for value in TYPED_RIGHT} == dict.fromkeys(TYPED_RIGHT, True)
    assert all(normalise_address(value) for value in TYPED_RIGHT)
    assert browser.errors() == []


def test_the_subscribe_field_posts_as_typed_what_a_chinese_input_method_types(
    browser: Browser, base_url: str
) -> None:
    from ai_news_tracker.subscribers import normalise_address

    # Given the archive's subscribe form, and addresses typed with a Chinese input method's ＠ and 。,
    # which the server reads as "@" and ".", in its full-width mode, and one of a domain IDNA 2008
    # keeps apart from fass.de
    browser.open(base_url + "index.html", *DESKTOP)
    field = browser.driver.find_element("id", "subscribe-email")
    typed = ["name＠qq.com", "name@qq。com", "x@faß.de", " name@qq.com "]
    typed += ["１２３４５６＠ｑｑ。ｃｏｍ", "ｚｈａｎｇ．ｓａｎ@qq.com"]
    assert [normalise_address(value) for value in typed] == [
        "name@qq.com",
        "name@qq.com",
        "x@xn--fa-hia.de",
        "name@qq.com",
        "123456@qq.com",
        "zhang.san@qq.com",
    ]
    taken = {}
    for value in typed:
        # When the reader types it in
        field.clear()
        field.send_keys(value)
        valid = browser.driver.execute_script("return arguments[0].checkValidity()", field)
        taken[value] = (valid, field.get_property("value"))
    # Then the field takes each, as it takes every address the server takes, and posts it as typed
    # (type=email refused ＠ and 。, "Please include an '@'", and posted faß.de as fass.de)
    assert taken == {value: (True, value) for value in typed}


def test_the_subscribe_field_and_the_server_agree_on_what_is_an_address(
    browser: Browser, base_url: str
) -> None:
    from ai_news_tracker.subscribers import InvalidAddress, normalise_address

    def server_takes(value: str) -> bool:
        try:
            return bool(normalise_address(value))
        except InvalidAddress:
            return False

    # Given the archive's subscribe form, and addresses the server takes with a character the pattern
    # reads as a space or not as a dot: a pasted zero-width no-break space (U+FEFF, which IDNA ignores
    # and Python does not count as a space), and a small or leader full stop (IDNA maps them to ".")
    browser.open(base_url + "index.html", *DESKTOP)
    field = browser.driver.find_element("id", "subscribe-email")
    values = ["name@qq.com\ufeff", "\ufeffname@qq.com", "name@qq\ufeff.com"]
    values += ["name@qq\ufe52com", "name@qq\u2024com"]
    taken = {}
    for value in values:
        # When the reader enters it
        browser.driver.execute_script("arguments[0].value = arguments[1]", field, value)
        taken[value] = bool(browser.driver.execute_script("return arguments[0].checkValidity()", field))
    # Then the field takes what the server takes (it refused them: a reader blocked before the post)
    assert taken == {value: server_takes(value) for value in values}


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two computed colours (``rgb(r, g, b)`` or ``rgba(…)``, opaque)."""

    def luminance(color: str) -> float:
        r, g, b = (int(part) / 255 for part in re.findall(r"[\d.]+", color)[:3])
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_links_are_not_told_by_colour_alone_and_the_form_can_be_seen(
    browser: Browser, base_url: str, dark: bool
) -> None:
    # Given the edition page, in light and dark mode
    browser.open(base_url + f"reports/{DAY}.html", *DESKTOP, dark=dark)
    # Then every link inside text (阅读原文, the data source, the footer) is underlined (WCAG 1.4.1)
    lines = browser.script(
        "return [...document.querySelectorAll('main p a, .site-footer a')]"
        ".map(a => getComputedStyle(a).textDecorationLine)"
    )
    assert len(lines) > 12 and set(lines) == {"underline"}
    # And the subscribe field's border stands out from its card at 3:1 at least (WCAG 1.4.11)
    border, card = browser.script(
        "return [getComputedStyle(document.querySelector('#subscribe-email')).borderTopColor,"
        " getComputedStyle(document.querySelector('section.subscribe')).backgroundColor]"
    )
    assert contrast(border, card) >= 3, (border, card)
    # And in forced colours (Windows High Contrast), where its red is gone, the button keeps an outline
    browser.open(base_url + f"reports/{DAY}.html", *DESKTOP, dark=dark, forced=True)
    width, style = browser.script(
        "const b = getComputedStyle(document.querySelector('.subscribe button'));"
        " return [b.borderTopWidth, b.borderTopStyle]"
    )
    assert style != "none" and width != "0px", (width, style)
    browser.open(base_url + f"reports/{DAY}.html", *DESKTOP, dark=dark)
    # And the first tab stop skips to the edition (WCAG 2.4.1)
    from selenium.webdriver.common.keys import Keys

    browser.driver.find_element("tag name", "body").send_keys(Keys.TAB)
    assert browser.script("return document.activeElement.getAttribute('href')") == "#main"
    assert browser.script("return document.activeElement.getBoundingClientRect().top") >= 0  # shown


def test_an_address_the_site_does_not_have_shows_its_404_page_and_leads_back(
    browser: Browser, base_url: str
) -> None:
    from selenium.webdriver.common.by import By

    # When a reader opens an edition that does not exist (a mistyped date), on a phone
    browser.open(base_url + "reports/2099-01-01.html", *PHONE)
    # Then the site's own page says so, styled (its links work from any path), without other errors
    assert browser.driver.title == "页面不存在 · 国产大模型日报"
    assert browser.script("return getComputedStyle(document.querySelector('main')).maxWidth") != "none"
    status_line = "the server responded with a status of 404"
    assert [e for e in browser.errors() if status_line not in e["message"]] == []
    assert horizontal_overflow(browser) == 0
    browser.screenshot("not-found-phone")
    # And its first link leads to the newest edition
    browser.driver.find_element(By.LINK_TEXT, "阅读最新一期").click()
    browser.wait_for_url(f"{base_url}latest.html")
    assert browser.driver.title == f"{DAY} 国产大模型日报"


# A summary as 机器之心's feed gives them: Chinese text, then a link too long for the rest of the line.
LINKED_SUMMARY = (
    "研究团队提出了新一代开源具身智能训练平台，在仿真精度与训练吞吐量两个维度上同时取得了领先水平的突破。"
    "论文链接：https://arxiv.org/abs/2605.01234v2-embodied-simulation-playground-benchmark-suite"
    " 项目主页与代码均已公开。"
)


@pytest.fixture(scope="module")
def linked_summary_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An edition page whose one item's summary runs into a long link."""
    folder = tmp_path_factory.mktemp("linked-summary")
    story = replace(
        plain_items(1)[0], source="机器之心", title="开源具身智能训练平台发布", text=LINKED_SUMMARY
    )
    renderer = Renderer(Config(), REPO / "templates")
    page = renderer.html(replace(plain_edition(0), items=(story,), key_points=(story.title,)))
    write_site(folder, renderer, {f"reports/{DAY}.html": page})
    yield from serve(folder)


# The horizontal advance from each Chinese character of the summary to the next one on the same line,
# in CSS pixels, with the font size: a justified line that a long link broke early spreads its
# characters apart ("练 吞 吐 量 两 个 维 度 …").
CJK_ADVANCES = """
const p = document.querySelector('.summary');
const text = p.firstChild;
const range = document.createRange();
const boxes = [];
for (let i = 0; i < text.length; i++) {
  range.setStart(text, i); range.setEnd(text, i + 1);
  const box = range.getBoundingClientRect();
  boxes.push({ch: text.data[i], left: box.left, top: box.top});
}
const cjk = /[\\u4e00-\\u9fff]/;
const advances = [];
for (let i = 0; i + 1 < boxes.length; i++) {
  const [a, b] = [boxes[i], boxes[i + 1]];
  if (cjk.test(a.ch) && cjk.test(b.ch) && Math.abs(a.top - b.top) < 1) advances.push(b.left - a.left);
}
return [advances, parseFloat(getComputedStyle(p).fontSize)];
"""


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_summary_running_into_a_long_link_keeps_its_characters_together(
    browser: Browser, linked_summary_url: str, size: tuple[int, int]
) -> None:
    # Given an item whose summary reaches a link too long to fit on the line it starts on
    browser.open(linked_summary_url + f"reports/{DAY}.html", *size)
    # Then every Chinese character of the summary sits next to the one before it, as in running text:
    # no line is stretched to the width of the column
    advances, font_size = browser.script(CJK_ADVANCES)
    assert len(advances) > 40
    assert max(advances) <= font_size * 1.1, (max(advances), font_size)
    # And the link wraps inside the column instead of widening the page
    assert horizontal_overflow(browser) == 0
