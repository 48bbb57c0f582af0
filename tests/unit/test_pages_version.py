"""A change to the dated pages' templates is a decision about the pages already published.

``reports/<day>.html`` of every past day is written once and left as it is, unless
:data:`~ai_news_tracker.pipeline.PAGES_VERSION` goes up: the next publishes then write every stored
day's page again in the new layout (tests/integration/test_web_publish.py shows that). A template
edited without the bump reaches new days only, and readers of the archive see two layouts; so this
test names each version of the templates and the pages version it was released with, and stops a
change that was not given one.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields

from ai_news_tracker.config import Config, ReportConfig
from ai_news_tracker.models import EditionSummary
from ai_news_tracker.pipeline import PAGES_VERSION
from ai_news_tracker.render import Renderer, default_templates_dir
from ai_news_tracker.repository import SUMMARY_VERSION

# The templates a dated page is rendered from (edition.html.j2 extends _page.html.j2).
PAGE_TEMPLATES = ("_page.html.j2", "edition.html.j2")

# digest of PAGE_TEMPLATES (below) -> the PAGES_VERSION they were released with. After editing them:
# bump PAGES_VERSION (and say why in its comment) when every published page should change too, or
# keep it for a change new pages only need; either way add the new digest here with the version.
RELEASED = {
    "f729c363fb991a25": 3,  # each item's links named after its story; the forced-colours button border
    "b816e097ae1168eb": 4,  # dates on one line; the feed link named "Atom 订阅" without a form; wording
    "6201541790615fcf": 5,  # the subscribe field type=text: ＠, 。, full-width, ﹒, U+FEFF, faß.de as typed
    "55417192505d2d08": 6,  # 首见 MM-DD on one line; titles, sources beside words a <bdi>; row headers
    "7b96c418aa259cb7": 6,  # a note under another source's ranking than configured (new pages only)
}


def templates_digest() -> str:
    digest = hashlib.sha256()
    for name in PAGE_TEMPLATES:
        digest.update(name.encode() + b"\0" + (default_templates_dir() / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def test_the_dated_pages_templates_were_released_with_the_current_pages_version() -> None:
    # Given the templates the dated pages are rendered from, as they are now
    digest = templates_digest()
    # Then this version of them was given a pages version, and it is the one the pipeline writes
    assert digest in RELEASED, (
        f"the dated pages' templates changed ({digest}): decide whether the pages published before "
        "should be written again (bump pipeline.PAGES_VERSION), then add the digest to RELEASED"
    )
    assert RELEASED[digest] == PAGES_VERSION, (
        f"these templates were released with PAGES_VERSION {RELEASED[digest]}, the pipeline writes "
        f"{PAGES_VERSION}: add the digest with the version that goes with it"
    )


def test_the_pages_version_only_goes_up() -> None:
    assert max(RELEASED.values()) <= PAGES_VERSION


def page_settings(**report: str) -> str:
    return Renderer(Config(report=ReportConfig(**report)), default_templates_dir()).page_settings


def test_the_settings_every_page_shows_are_recorded_with_its_layout() -> None:
    # Given the configuration's values every dated page shows (og:url, the form's action, the kicker)
    shown = {"site_url": "https://a.example.cn", "subscribe_url": "https://api.example.cn/s", "subtitle": "x"}
    # Then a change to any of them is another layout (every page written again once), a change to what
    # no published page shows is not (the title: each edition keeps the one it was built with)
    assert len({page_settings(), *(page_settings(**{key: value}) for key, value in shown.items())}) == 4
    assert page_settings(title="新日报") == page_settings()
    assert page_settings(site_url="https://a.example.cn/") == page_settings(site_url="https://a.example.cn")


# EditionSummary's fields -> the SUMMARY_VERSION they are stored with (raw/editions/summaries/): a
# publish takes a stored summary of its version as it is, for every day but the newest few
SUMMARY_FIELDS = {
    ("date", "title", "generated_at", "key_points", "items", "more", "updated_at", "shown_with"): 1,
}


def test_a_change_to_what_a_summary_holds_comes_with_a_new_summary_version() -> None:
    # Given what the archive and the feed show of an edition, kept beside it
    kept = tuple(field.name for field in fields(EditionSummary))
    # Then that layout was given a summary version, the one stored now (else the summaries stored
    # before would be read as they are, for good: the archive and the feed without what was added)
    assert SUMMARY_FIELDS.get(kept) == SUMMARY_VERSION, (
        f"EditionSummary holds {kept}: bump repository.SUMMARY_VERSION and add it to SUMMARY_FIELDS"
    )
