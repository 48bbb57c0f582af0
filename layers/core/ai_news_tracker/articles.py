"""A short text for items whose feed gives none (机器之心's feed has empty descriptions).

The article page's own summary — its ``<meta name="description">`` (or ``og:description``) — is
taken, never invented. Pages are fetched politely by the pipeline: only for sources configured with
``article_text = true``, a bounded number per run, at most one request per item per day, and the
result (or the failure) is cached in the raw store.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from html.parser import HTMLParser

from .text import decoded, html_to_text, superset_codec, truncate

SUMMARY_META = ("description", "og:description", "twitter:description")
MAX_CHARS = 600
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        name = (values.get("name") or values.get("property") or "").lower()
        if name in SUMMARY_META and values.get("content", "").strip():
            self.found.setdefault(name, values["content"])


def _charset(body: bytes, headers: Mapping[str, str]) -> str:
    """The codec a page is read as: its Content-Type's charset, else its meta's, as its superset
    (GB2312 as GB18030, ISO-8859-1 as windows-1252, Big5 as browsers read it, as feeds are); UTF-8 when
    it names none it knows."""
    content_type = headers.get("content-type", "")
    if "charset=" in content_type:
        label = content_type.split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    else:
        match = _CHARSET.search(body[:4096])
        label = match.group(1).decode("ascii") if match else ""
    try:
        return superset_codec(codecs.lookup(label).name)
    except LookupError:  # no label, or one Python does not know
        return "utf-8"


def article_summary(body: bytes, headers: Mapping[str, str], limit: int = MAX_CHARS) -> str:
    """The page's own summary as plain text ("" when it has none)."""
    try:
        text = decoded(body, _charset(body, headers))
    except LookupError:  # a codec that is no character set ("zlib", "rot13")
        text = body.decode("utf-8", errors="replace")
    parser = _MetaParser()
    parser.feed(text[:200_000])  # the summary is in the head; the rest of a page is not read
    parser.close()
    for name in SUMMARY_META:
        if name in parser.found:
            return truncate(html_to_text(parser.found[name]), limit).strip()
    return ""
