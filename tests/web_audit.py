"""Audits of the web edition's pages, shared by the unit and the integration tests.

:func:`audit` parses a page with html5lib in strict mode (a parse error raises) and walks the whole
tree for anything feed text could have turned into something active: a forbidden element, an event
handler, an inline style, or a link that is neither relative within the site nor http(s).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import html5lib

FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "object", "embed", "img", "svg", "style", "base", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "xlink:href", "poster", "data"}


def strict_parse(page: str) -> Any:
    """The page's tree (no XHTML namespace on the tags); html5lib in strict mode raises at any error."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


def audit(page: str, subscribe_url: str | None = None) -> list[str]:
    """Everything in the page that feed text could have turned into something active.

    ``subscribe_url``: the page's own subscribe form (a POST to that URL) is expected; any other
    form is a problem, as are two of them.
    """
    problems = []
    forms = 0
    for element in strict_parse(page).iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        if element.tag == "form" and subscribe_url and forms == 0:
            forms += 1
            if (element.get("method"), element.get("action")) != ("post", subscribe_url):
                problems.append(f"<form> posting elsewhere: {element.get('action')!r}")
        elif element.tag in FORBIDDEN_ELEMENTS:
            problems.append(f"<{element.tag}>")
        if element.tag == "meta" and element.get("http-equiv", "").lower() == "refresh":
            problems.append("meta refresh")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"{element.tag} {name}=")
            if name.lower() in URL_ATTRIBUTES and not own_or_web(value):
                problems.append(f"{element.tag} {name}={value!r}")
            if name.lower() == "style":
                problems.append(f"{element.tag} style=")
    return problems


def own_or_web(url: str) -> bool:
    """A relative link within the site, or an absolute http(s) link."""
    parts = urlsplit(url)
    if not parts.scheme:
        return not url.startswith(("//", "\\")) and ":" not in url.split("/", maxsplit=1)[0]
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def external_links(tree: Any) -> set[str]:
    """The href of every link that leaves the site."""
    return {a.get("href") for a in tree.iterfind(".//a") if urlsplit(a.get("href", "")).scheme}


def archive_links(tree: Any) -> list[str]:
    """The edition pages the archive (index.html) links from its entries, in page order: in each month,
    the newest days with their key points (``article``), then the older ones a line each (``ol.days``)."""
    links = []
    for section in tree.iterfind(".//section"):
        links += [a.get("href") for a in section.iterfind("article/h3/a")]
        links += [a.get("href") for a in section.iterfind("ol[@class='days']/li/a")]
    return links
