"""What readers of the Markdown edition see where it is rendered: GitHub's own renderer, cmark-gfm.

Shared by the unit and the integration tests. :func:`github_html` renders with GitHub's extensions
(tables, strikethrough, autolinks, the tag filter) and passes raw HTML through instead of dropping
it, so that escaping which let markup in shows up as markup. :func:`github_view` reads the rendered
edition back: its links, the elements it is made of, its ``###`` titles and its paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cmarkgfm
import html5lib
from cmarkgfm.cmark import Options

from ai_news_tracker.markdown import WORD_JOINER

# What the edition's Markdown is made of, rendered: headings, paragraphs, the key points, the tables,
# the rules, the stale-leaderboard warning, links, and the template's bold labels and italic lines
# (html5lib adds html, head and body).
EDITION_TAGS = frozenset(
    {
        *("html", "head", "body", "h1", "h2", "h3", "p", "ol", "li", "hr", "blockquote"),
        *("table", "thead", "tbody", "tr", "th", "td", "a", "strong", "em"),
    }
)


def github_html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def text_of(element: Any) -> str:
    """An element's text as a reader sees it (the word joiners that break mail autolinks are invisible)."""
    return "".join(element.itertext()).replace(WORD_JOINER, "")


@dataclass(frozen=True)
class GithubView:
    links: list[tuple[str, str]]  # (label, href) of every <a>, in order
    tags: frozenset[str]
    titles: list[str]  # every <h3>: the leaderboard's two, then the items'
    paragraphs: list[str]


def github_view(markdown: str) -> GithubView:
    tree = html5lib.parse(github_html(markdown), namespaceHTMLElements=False)
    return GithubView(
        links=[(text_of(a), a.get("href") or "") for a in tree.iter("a")],
        tags=frozenset(e.tag for e in tree.iter() if isinstance(e.tag, str)),
        titles=[text_of(h) for h in tree.iter("h3")],
        paragraphs=[text_of(p).strip() for p in tree.iter("p")],
    )
