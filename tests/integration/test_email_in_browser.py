"""The HTML part of the email edition in a real browser (headless Chromium, driven by Selenium).

An email is read on a phone as often as on a desktop: the part must fit a 375 px screen however long
an unbroken string in it is (a long link in an item's text, a title or a model name without spaces),
and the leaderboard's column headers must stay on one line. The part is taken from the message
exactly as :func:`ai_news_tracker.mail.build_message` builds it, written to a file and opened there;
screenshots land in ``test-artifacts/`` (gitignored) for people to look at.

It must read for everyone too: every text at 4.5:1 against what is behind it, the confirmation mails
as well (WCAG 1.4.3), links inside running text underlined (1.4.1), each item a heading whose
阅读原文 link names it (1.3.1, 2.4.4), as the screen reader finds them in Chromium's accessibility tree.

Uses the ``browser`` fixture of ``test_browser``: skipped, with the reason, where Chromium,
chromium-driver or Selenium are absent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from editions import plain_edition, plain_items
from test_browser import (  # noqa: F401 - browser: the fixture
    OUT_OF_ORDER,
    SPLIT_DATES,
    Browser,
    accessibility_tree,
    ax_property,
    ax_value,
    browser,
    contrast,
    horizontal_overflow,
    reported_stories,
    right_to_left_edition,
)

from ai_news_tracker.config import Config, EmailConfig, LeaderboardConfig
from ai_news_tracker.mail import bodies, build_confirmation, build_message, build_subscribed_notice
from ai_news_tracker.models import Edition, Item, Leaderboard, RankedModel, Repeat, SourceStatus

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
CONFIG = Config(
    email=EmailConfig(enabled=True, sender="国产大模型日报 <digest@example.com>"),
    leaderboard=LeaderboardConfig(),
)
# Unbroken strings, each far wider than a phone's screen at any font size.
LONG_URL = (
    "https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&mid=2650912345&idx=1&sn="
    + "0123456789abcdef" * 8
    + "&chksm=84e1a2b3c4d5e6f7#rd"
)
LONG_TITLE = "DeepSeek-V4-Reasoner-Preview-0923-" * 5 + "发布"
LONG_MODEL = "qwen3-235b-a22b-thinking-2507-fp8-preview-" * 3
LONG_SOURCE = "AnExtremelyLongFeedNameWithoutAnySpaces" * 3


def item(
    n: int, title: str, text: str, *, url: str | None = "https://36kr.com/p/1", source: str = "36Kr"
) -> Item:
    return Item(
        id=f"id{n:05d}",
        identity=f"identity{n}",
        source=source,
        title=title,
        text=text,
        url=url,
        published_at=NOW - timedelta(minutes=n),
        first_seen=NOW,
    )


def long_strings_edition() -> Edition:
    """An edition whose every part holds an unbroken string wider than a phone."""
    items = (
        item(1, "智谱发布新一代开源模型", f"详见 {LONG_URL} 。模型已在魔搭社区开源。"),
        item(2, LONG_TITLE, "标题没有一个空格。", url=LONG_URL),
        item(3, "Kimi 推出长文本新版本", "来源名称很长。", source=LONG_SOURCE),
        item(4, "没有链接的资讯", f"原文: {LONG_URL}", url=None),
    )
    board = Leaderboard(
        provider="lmarena-history",
        snapshot_date=date(2026, 11, 15),
        global_top=(RankedModel(1, "gemini-3-pro", 1492.3), RankedModel(2, LONG_MODEL, 1480.0)),
        domestic=(RankedModel(2, LONG_MODEL, 1480.0), RankedModel(7, "glm-4.6", 1433.5)),
        models_ranked=40,
    )
    return Edition(
        date=date(2026, 11, 20),
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=NOW,
        window_start=None,
        window_end=NOW,
        key_points=(f"DeepSeek 发布新模型，详见 {LONG_URL}", "通义千问开源"),
        items=items,
        sources=(SourceStatus("36Kr", "ok"), SourceStatus(LONG_SOURCE, "timeout", "read timed out")),
        leaderboard=board,
        leaderboard_status=SourceStatus("LM Arena", "ok"),
    )


def email_html(edition: Edition) -> str:
    """The HTML part of the edition's message to a reader, with no web or unsubscribe link."""
    message = build_message(
        edition,
        CONFIG,
        recipient="reader@example.org",
        web_url=None,
        unsubscribe_url=None,
        unsubscribe_mailto=None,
        templates_dir=TEMPLATES,
    )
    return bodies(message)[1]


@pytest.fixture(scope="module")
def email_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """The file:// address of the HTML part of the edition's message, and the item titles it shows."""
    edition = long_strings_edition()
    message = build_message(
        edition,
        CONFIG,
        recipient="reader@example.org",
        web_url="https://d111111abcdef8.cloudfront.net/reports/2026-11-20.html",
        unsubscribe_url="https://api.example.com/unsubscribe?token=" + "t0K3n" * 30,
        unsubscribe_mailto=None,
        templates_dir=TEMPLATES,
    )
    _, html = bodies(message)
    path = tmp_path_factory.mktemp("email") / "email.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri(), [it.title for it in edition.items]


@pytest.mark.parametrize("width", [360, 390, 700])
def test_no_date_in_the_email_is_broken_across_lines(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    email_page: tuple[str, list[str]],
    width: int,
) -> None:
    # Given the email's HTML part on a phone and in a desktop client's reading pane
    browser.open(email_page[0], width, 900)
    # Then every date it shows (the items' times, the leaderboard's, the footer's) is on one line
    assert browser.script(SPLIT_DATES) == []


@pytest.fixture(scope="module")
def reported_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file:// address of the HTML part of an edition listing the 20 stories already reported a
    mail lists."""
    edition = replace(long_strings_edition(), repeats=reported_stories(20))
    html = email_html(edition)
    path = tmp_path_factory.mktemp("reported") / "email.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


@pytest.mark.parametrize("width", [320, 360, 390, 414])
def test_the_day_a_story_was_first_reported_is_never_broken_across_lines_in_the_email(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    reported_page: str,
    width: int,
) -> None:
    # Given the email of an edition listing stories already reported, each "首见 11-18", on a phone
    browser.open(reported_page, width, 900)
    # Then each is on one line (never "首见 11-" then "18")
    assert browser.script("return document.body.textContent.split('首见 11-18').length") == 21
    assert browser.script(SPLIT_DATES) == []


@pytest.mark.parametrize("width", [390, 700])
def test_a_right_to_left_title_or_source_leaves_the_words_beside_it_in_their_place_in_the_email(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    tmp_path: Path,
    width: int,
) -> None:
    # Given the email of an edition whose titles and a source's name are Arabic and Hebrew
    html = email_html(right_to_left_edition())
    (tmp_path / "email.html").write_text(html, encoding="utf-8")
    browser.open((tmp_path / "email.html").as_uri(), width, 900)
    # Then every line reads left to right around them: each source drawn whole to the right of its
    # title ("36Kr", not "36 ‹title› Kr")
    assert browser.script("return document.querySelectorAll('li').length") == 4
    assert browser.driver.execute_script(OUT_OF_ORDER, "h3, p, li") == []


# Where "36Kr" is drawn, for each text holding it: the gap in pixels between "36" and "Kr" (0: whole).
GAPS = r"""
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node; (node = walker.nextNode()); ) {
  const at = node.data.indexOf("36Kr");
  if (at < 0) continue;
  const box = (start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return range.getBoundingClientRect();
  };
  out.push([node.data.trim(), Math.round(Math.abs(box(at + 2, at + 4).left - box(at, at + 2).right))]);
}
return out;
"""


@pytest.mark.parametrize("width", [390, 700])
def test_a_story_told_by_an_outlet_of_an_arabic_name_and_by_36kr_names_36kr_whole_in_the_email(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    tmp_path: Path,
    width: int,
) -> None:
    # Given the email of an edition whose story, and a story already reported, were told by an outlet of
    # an Arabic name and by 36Kr (their sources "الجزيرة、36Kr")
    first, second = plain_items(2)
    told = replace(first, source="الجزيرة", also_in=("36Kr",), also_urls=(None,))
    again = replace(second, id="r1", source="الجزيرة", also_in=("36Kr",), also_urls=(None,))
    edition = replace(
        plain_edition(0),
        items=(told,),
        repeats=(Repeat(again, date(2026, 11, 18), "x"),),
        key_points=("要点",),
    )
    html = email_html(edition)
    (tmp_path / "email.html").write_text(html, encoding="utf-8")
    browser.open((tmp_path / "email.html").as_uri(), width, 900)
    # Then "36Kr" is drawn whole in each line, as the web page draws it (its source a <bdi>), not
    # "36 ‹the Arabic name› Kr"
    gaps = browser.script(GAPS)
    assert len(gaps) == 2 and all(gap <= 1 for _, gap in gaps), gaps


def shown_title(page: Browser, title: str) -> Any:
    """The heading showing ``title`` (linked or not), or None."""
    return page.driver.execute_script(
        "return [...document.querySelectorAll('h3')]"
        ".find(h => h.textContent.trim() === arguments[0]) || null",
        title,
    )


@pytest.mark.parametrize(("width", "shot"), [(375, "email-phone"), (600, "email-600")])
def test_long_unbroken_strings_never_make_the_email_wider_than_the_screen(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    email_page: tuple[str, list[str]],
    width: int,
    shot: str,
) -> None:
    url, titles = email_page
    # Given the HTML part of an edition full of unbroken strings (a link, a title, a model, a source)
    # When it is opened in a window as wide as a phone, or as a narrow mail client
    browser.open(url, width, 800)
    # Then nothing is wider than the window: there is nothing to scroll sideways
    assert horizontal_overflow(browser) == 0
    # And every item's title is shown, within the window
    for title in titles:
        heading = shown_title(browser, title)
        assert heading is not None and heading.is_displayed(), title
        rect = heading.rect
        assert rect["x"] >= 0 and rect["x"] + rect["width"] <= width, (title, rect)
    # And the long model name stays in the leaderboard, within the window
    cells = browser.script("return [...document.querySelectorAll('td, th')].map(c => c.textContent.trim())")
    assert cells.count(LONG_MODEL) == 2
    # And each column header of the leaderboard reads on one line (排名, not 排 over 名)
    lines = browser.script(
        "return [...document.querySelectorAll('th[scope=col]')].map(th => {"
        " const range = document.createRange(); range.selectNodeContents(th);"
        " return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })"
    )
    assert lines == [1] * 6, lines
    assert browser.screenshot(shot).stat().st_size > 10_000


# -- reading it: contrast, link cues, headings ------------------------------------------------------
def cut_edition() -> Edition:
    """An edition too long for Gmail's 102 KB with all its texts: mailed with those of its first items
    only, and a note saying from which item on they are left out."""
    text = "国产大模型在推理、代码和多模态任务上持续进步。" * 20
    items = tuple(item(n, f"新闻 {n}", text, url=f"https://36kr.com/p/{n}") for n in range(100))
    return replace(long_strings_edition(), items=items)


def html_part(message: EmailMessage) -> str:
    return bodies(message)[1]


@pytest.fixture(scope="module")
def mails(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The file:// address of the HTML part of each mail a reader gets: the edition (whole, and cut
    to fit 102 KB), the confirmation and the notice to a subscribed address."""
    folder = tmp_path_factory.mktemp("mails")
    web_url = "https://d111111abcdef8.cloudfront.net/reports/2026-11-20.html"
    unsubscribe_url = "https://api.example.com/unsubscribe?token=t0K3n"
    parts = {
        name: html_part(
            build_message(
                edition,
                CONFIG,
                recipient="reader@example.org",
                web_url=web_url,
                unsubscribe_url=unsubscribe_url,
                unsubscribe_mailto=None,
                templates_dir=TEMPLATES,
            )
        )
        for name, edition in (("edition", long_strings_edition()), ("cut", cut_edition()))
    }
    parts["confirmation"] = html_part(
        build_confirmation(
            CONFIG,
            recipient="reader@example.org",
            confirm_url="https://api.example.com/confirm?token=t0K3n",
            expires_at=NOW + timedelta(hours=48),
            templates_dir=TEMPLATES,
        )
    )
    parts["subscribed"] = html_part(
        build_subscribed_notice(
            CONFIG, recipient="reader@example.org", unsubscribe_url=unsubscribe_url, templates_dir=TEMPLATES
        )
    )
    assert "条起的资讯省略了摘要，" in parts["cut"] and "完整摘要请见网页版" in parts["cut"]
    assert "完整摘要请见网页版" not in parts["edition"]
    urls = {}
    for name, html in parts.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        urls[name] = path.as_uri()
    return urls


# Each element holding text of its own: the text, its colour, and the first opaque background behind it.
TEXT_COLOURS = """
const behind = el => {
  for (let e = el; e; e = e.parentElement) {
    const colour = getComputedStyle(e).backgroundColor;
    if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
  }
  return 'rgb(255, 255, 255)';
};
return [...document.body.querySelectorAll('*')]
  .filter(el => el.checkVisibility())  // not the preheader: display:none, the inbox's alone
  .filter(el => [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
  .map(el => [el.textContent.trim().slice(0, 40), getComputedStyle(el).color, behind(el)]);
"""


@pytest.mark.parametrize("mail", ["edition", "cut", "confirmation", "subscribed"])
def test_every_text_of_a_mail_reads_at_4_5_to_1(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    mails: dict[str, str],
    mail: str,
) -> None:
    # Given the HTML part of a mail, opened as a mail client shows it
    browser.open(mails[mail], 640, 900)
    texts = browser.script(TEXT_COLOURS)
    # Then every text stands out from what is behind it at 4.5:1 at least (WCAG 1.4.3), the footer's
    # small print (why the mail came, 请勿回复) too
    assert len(texts) > 5
    faint = [(text, round(contrast(fg, bg), 2)) for text, fg, bg in texts if contrast(fg, bg) < 4.5]
    assert faint == []


@pytest.mark.parametrize("mail", ["edition", "cut"])
def test_links_inside_running_text_of_the_email_are_not_told_by_colour_alone(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    mails: dict[str, str],
    mail: str,
) -> None:
    # Given the email, whole and cut to fit (which says 完整摘要请见网页版)
    browser.open(mails[mail], 640, 900)
    # Then every link that shares its paragraph or cell with other text is underlined (WCAG 1.4.1):
    # its colour alone is no cue against grey text
    links = dict(
        browser.script(
            "return [...document.querySelectorAll('p a, td > a')]"
            ".filter(a => a.parentElement.textContent.trim() !== a.textContent.trim())"
            ".map(a => [a.textContent.trim(), getComputedStyle(a).textDecorationLine])"
        )
    )
    expected = {"原始数据", "退订"} | ({"完整摘要请见网页版"} if mail == "cut" else set())
    assert expected <= set(links)
    assert {name: line for name, line in links.items() if line != "underline"} == {}


def test_each_item_of_the_email_is_a_heading_and_its_read_more_link_names_it(
    browser: Browser,  # noqa: F811 - the fixture imported from test_browser
    email_page: tuple[str, list[str]],
) -> None:
    url, titles = email_page
    # Given the email, as a screen reader is given it
    browser.open(url, 640, 900)
    nodes = accessibility_tree(browser)
    # Then each item's title is a heading of the third level, under 详细资讯: the reader moves from
    # story to story by heading (WCAG 1.3.1)
    headings = [
        (ax_value(n, "name"), ax_property(n, "level")) for n in nodes if ax_value(n, "role") == "heading"
    ]
    assert [(title, 3) for title in titles] == [h for h in headings if h[0] in titles]
    # And each 阅读原文 link says which story it opens: twelve of them are no longer alike in a list of
    # links (WCAG 2.4.4); the item without a link has none
    names = [
        f"{ax_value(n, 'name')} {ax_value(n, 'description') or ''}".strip()
        for n in nodes
        if ax_value(n, "role") == "link" and str(ax_value(n, "name")).startswith("阅读原文")
    ]
    linked = [it.title for it in long_strings_edition().items if it.url]
    assert len(names) == len(linked) == 3
    assert all(title in name for title, name in zip(linked, names, strict=True)), names
    # And each row of the leaderboard's tables has its model as its row header: moving down the ELO
    # column, the reader hears which model each score is
    headers = [ax_value(n, "name") for n in nodes if ax_value(n, "role") == "rowheader"]
    assert headers == ["gemini-3-pro", LONG_MODEL, LONG_MODEL, "glm-4.6"]
