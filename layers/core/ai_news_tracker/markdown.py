"""Escaping feed text and links for the Markdown edition.

Feed text is hostile: whatever a title or summary contains, in the edition it must stay plain text
(control, bidi and non-characters dropped, as in the web edition: the file stays text for git, a
terminal runs no ANSI escape, no override reorders what is read) and never become a link, an image,
raw HTML, emphasis, a heading, a list, a table-cell break or a code span (CommonMark plus the GFM
extensions GitHub renders: tables, strikethrough and bare autolinks).
Ordinary text (``iMuse.AI``, ``AGI-Next``, ``To B``, ``2026年``, ``6.1mm``, ``AT&T``) comes through
unchanged. The tests render the escaped text with cmark-gfm, GitHub's own renderer, and check that it
shows exactly the text.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .text import without_unsafe_characters

# Characters that open Markdown constructs anywhere in a line; each gets a backslash. An "&" that
# starts something shaped like an entity reference ("&lt;", "&#106;", "&x;") becomes "&amp;", so that it
# is shown as written, not decoded; any other "&" (AT&T, R&D) cannot start one and stays as it is.
# One regular expression finds them all (str.translate with a dict is slow on CJK text).
_INLINE_SPECIALS = "\\`*_[]<>~#"
_ENTITY_SHAPED_AMPERSAND = "&(?=#?[0-9A-Za-z]+;)"
_ESCAPES = {c: "\\" + c for c in _INLINE_SPECIALS} | {"&": "&amp;"}
_SPECIAL = re.compile("[" + re.escape(_INLINE_SPECIALS) + "]|" + _ENTITY_SHAPED_AMPERSAND)

_WHITESPACE_RUN = re.compile(r"\s+")
_IMAGE_OPENER = re.compile(r"!(?=\\\[)")  # "![" (the "[" already escaped)
_WWW_AUTOLINK = re.compile(r"(www)\.", re.IGNORECASE)
# "user@host.com": GFM finds e-mail autolinks (and mailto:/xmpp: ones) in the text *after* escapes are
# resolved, so "user\\@host.com" is still a link on GitHub. An invisible WORD JOINER before the "@" is
# not a character an address may hold, so none is found; the text reads the same. It goes before every
# "@" that GFM could take for the middle of an address (after a letter, digit, ".+-_" or the ":" of
# "mailto:"), whatever follows. (Feed text never brings its own: text.collapse_whitespace removes
# zero-width characters.)
_EMAIL_AT = re.compile(r"(?<=[0-9A-Za-z._+\-:])@")
WORD_JOINER = "\u2060"
# Markers that make a line a list item, a setext underline or a thematic break (after lstrip).
_LEADING_MARKER = re.compile(r"^[+=-]")
_LEADING_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")

STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Kept as they are in a link target; letters, digits and "-._~" always are. Everything else (space,
# parentheses, quotes, "<", ">", backslash, backtick, control and non-ASCII characters) is
# percent-encoded as UTF-8.
_URL_SAFE = "!#$%&*+,/:;=?@[]"
# CommonMark decodes entity references in a link destination too ("&amp;" links to "&"): an "&" that
# starts something shaped like one is written "&amp;", which decodes to the "&", so the link goes to the
# URL as written, as in the other editions. (A backslash does not do: cmark-gfm, GitHub's renderer,
# resolves it first and then decodes the entity.)
_ENTITY_AMPERSAND = re.compile(_ENTITY_SHAPED_AMPERSAND)


def escape_inline(text: str) -> str:
    """Escape one line of plain text so that Markdown shows it literally.

    Control, bidi and non-characters are dropped (:func:`~ai_news_tracker.text.without_unsafe_characters`).
    Whitespace runs (newlines included) become one space and leading space is dropped; one trailing
    space is kept, as in the sample edition (it is inert: a hard line break needs two). Backslash,
    backtick, ``* _ [ ] < > ~ #`` and ``!`` before ``[`` are backslash-escaped, an ``&`` that could
    start an entity reference becomes ``&amp;``, bare autolinks are broken (``:\\/\\/``, ``www\\.``, a
    WORD JOINER before the ``@`` of ``user@host.com``), and a leading ``+``, ``-``, ``=`` or
    ``1.``/``1)`` marker is escaped.
    """
    # Each search below tries every position: one a line cannot need is skipped (most lines, Chinese
    # ones, are printable, without a double space, a "!", a "." or an "@", and start with a letter).
    if text.isprintable() and "  " not in text:  # text.clean_text's fast path: nothing to drop or join
        line = text.lstrip()
    else:
        line = _WHITESPACE_RUN.sub(" ", without_unsafe_characters(text)).lstrip()
    line = _SPECIAL.sub(lambda m: _ESCAPES[m[0]], line)
    if "!" in line:
        line = _IMAGE_OPENER.sub(r"\\!", line)
    line = line.replace("://", r":\/\/")
    if "." in line:
        line = _WWW_AUTOLINK.sub(r"\1\\.", line)
    if "@" in line:
        line = _EMAIL_AT.sub(WORD_JOINER + "@", line)
    if line[:1] in "+=-" or line[:1].isdecimal():  # what either marker can start with (\d: any Nd)
        line = _LEADING_MARKER.sub(r"\\\g<0>", line)
        line = _LEADING_ORDERED_MARKER.sub(r"\1\\\2", line)
    return line


def escape_table_cell(text: str) -> str:
    """Escape text for one GFM table cell: :func:`escape_inline`, and ``\\|`` to keep the cell whole.

    A ``|`` is left alone elsewhere: the edition's paragraphs and headings are single lines between
    blank lines, which can never form a table, and the sample edition's titles keep their ``|``.
    """
    return escape_inline(text).replace("|", "\\|")


def link_target(url: str) -> str:
    """Make an http(s) URL safe as the target of ``[text](url)``.

    Characters that could end the target or break out of it are percent-encoded (UTF-8), and so is a
    ``%`` that does not start an escape; existing ``%XX`` escapes and ordinary URL characters are kept,
    so a well-formed URL comes back byte for byte, but for an ``&`` that could start an entity reference
    (``&amp;``, ``&#106;``): it is written ``&amp;``, so that the link goes to the URL as written, not
    to the decoded entity. The caller must have checked the scheme
    (:func:`ai_news_tracker.identity.safe_link`).
    """
    target = quote(STRAY_PERCENT.sub("%25", url), safe=_URL_SAFE, errors="surrogatepass")
    return _ENTITY_AMPERSAND.sub("&amp;", target) if "&" in target else target
