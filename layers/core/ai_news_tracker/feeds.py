"""Feed bytes to entries: pure parsing with feedparser, and named failures for everything that is not a feed.

:func:`parse_feed` returns an empty list only for a well-formed feed that has no entries. An empty body,
a captcha page, an HTML page, or bytes that are no feed raise
:class:`~ai_news_tracker.errors.EmptyResponse`, :class:`~ai_news_tracker.errors.Blocked`,
:class:`~ai_news_tracker.errors.NotAFeed` or :class:`~ai_news_tracker.errors.MalformedFeed`, so a broken
source is never reported as "0 new items".

Entry text is kept as written where feedparser says it is plain text (an RSS title that does not look
like HTML: "R1 的 <think> 标签"; an Atom ``type="text"`` construct), with its whitespace collapsed;
everything else, HTML or XHTML, becomes text through :func:`~ai_news_tracker.text.html_to_text` alone.
Either way it is untrusted text that the renderers escape. feedparser's HTML sanitizer is
off: it is made to output safe HTML, not text, and it keeps what a reader never sees (the fallback
content of ``<iframe>``/``<noscript>``, the source of a half-broken ``<script>``), which then leaked into
the text (36Kr's video placeholders showed as ``&amp;nbsp;``).

Character sets: the charset of the ``Content-Type`` header wins, then the XML declaration or a BOM
(feedparser's rules; GB2312 is read as its superset GB18030). When nothing declares one, the body is read
as UTF-8 if it is mostly valid UTF-8, else as GB18030: the usual legacy encoding of Chinese sites. A body
that is not valid in its character set (a character cut off, a stray byte) is handed to feedparser as
UTF-8 with each invalid byte sequence as U+FFFD (:func:`_repaired`); feedparser would read the whole feed
as windows-1252 instead.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any
from xml.sax import SAXParseException

import feedparser

from .dates import parse_date
from .errors import Blocked, EmptyResponse, MalformedFeed, NotAFeed
from .identity import loggable_url, safe_link, same_document
from .log import get_logger
from .models import Entry
from .text import (
    clean_text,
    cluster_start,
    collapse_whitespace,
    decoded,
    html_to_text,
    is_blank,
    superset_codec,
)

logger = get_logger()

TEXT_MAX_CHARS = 4000  # the stored text of one entry; the edition shows far less
TITLE_MAX_CHARS = 500
# The markup read for each character kept: an entry's HTML is cut at this many times the characters of
# text kept from it before it is parsed, so a huge description costs no more than a normal one (parsing
# 2.5 MB of hostile markup took minutes). The real feeds need under 5 (机器之心's inline styles).
MARKUP_PER_CHAR = 16

# Leading bytes that carry no content: a UTF-8 BOM, whitespace, comments and the XML declaration.
_PROLOGUE = re.compile(rb"(?:\xef\xbb\xbf|\s|<!--.*?-->|<\?xml[^>]*\?>)*", re.DOTALL)
_HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_XML_ENCODING = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\bencoding\s*=\s*[\"']?([A-Za-z0-9._:-]*)", re.IGNORECASE
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]*)", re.IGNORECASE)
_CHARSET_PARAMETER = re.compile(r";?\s*charset\s*=\s*[\"']?[^\"';\s]*[\"']?", re.IGNORECASE)
# The XML declaration's encoding, in the decoded text: rewritten when the body is handed on as UTF-8.
_XML_ENCODING_TEXT = re.compile(
    r"\A(\ufeff?\s*<\?xml[^>]*\bencoding\s*=\s*[\"']?)[A-Za-z0-9._:-]*", re.IGNORECASE
)
_UTF_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_REPLACEMENT_UTF8 = "\ufffd".encode()
# An undeclared body that is not valid UTF-8 is still read as UTF-8 when its valid non-ASCII characters
# outnumber its invalid sequences this many times. GBK text read as UTF-8 has at most 0.6 valid per
# invalid (at about 0.3 over a whole feed); a UTF-8 feed with a cut-off character has thousands.
_UTF8_MAJORITY = 4
# The end of a complete feed document: the root element's end tag, then nothing but whitespace/comments.
# Not well-formed XML without entries is still a legitimately empty feed when it ends like this (an
# undefined &nbsp; in the channel title); without it, the download may have been cut off.
_COMPLETE = re.compile(rb"</(?:rss|feed|rdf:RDF)\s*>(?:\s|<!--.*?-->)*\Z", re.DOTALL)

# Numeric character references to what is no character: a surrogate (&#xD800;) or beyond U+10FFFF.
# feedparser's loose parser raises on them (chr() or a UTF-8 encode of the surrogate), which would end
# the whole fetch; they are replaced with U+FFFD before parsing, as an HTML parser does.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,32})|([0-9]{1,32}));")
_REPLACEMENT_REF = b"&#xFFFD;"

# An empty link element (<link></link>, <link/>, <link> </link>, an empty CDATA): no link. feedparser
# would take it for the entry's link, so that a permalink guid (RSS 2.0: isPermaLink true or absent)
# no longer stands for it; removed before parsing, the guid stands for it as when there is no <link>.
_EMPTY_LINK = re.compile(rb"<link\s*/>|<link\s*>\s*(?:<!\[CDATA\[\s*\]\]>)?\s*</link\s*>")

# What feedparser flags although the feed reads fine: a text/html or text/plain Content-Type, or a
# charset that had to be overridden (the declared one failed and another worked).
_BENIGN_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)

# Signs of a captcha or anti-bot page: in the final URL, and (ASCII matched case-insensitively) in
# the body of an HTML page. Sogou's antispider page, WeChat's captcha redirect, Cloudflare's challenge.
_BLOCKED_URL_MARKERS = ("antispider", "wappoc_appmsgcaptcha", "/cdn-cgi/challenge-platform")
_BLOCKED_BODY_MARKERS = (
    "请输入验证码",
    "您的访问过于频繁",
    "seccodeimage",
    "seccodeform",
    "captcha",  # also wappoc_appmsgcaptcha
    "just a moment...",
    "cf-chl",
    "cf_chl",
)


def parse_feed(
    body: bytes, headers: Mapping[str, str], url: str, default_tz: tzinfo, *, requested: str | None = None
) -> list[Entry]:
    """The entries of an RSS or Atom document, in feed order.

    ``headers`` are the response headers (any case), ``url`` the final URL, against which relative
    links are resolved; dates without an offset are read in ``default_tz``. ``requested``: the URL
    asked for, when a redirect led elsewhere; a link to it is no article link either.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    _check_blocked_url(url)
    document = _after_prologue(body)
    if not document:
        raise EmptyResponse("answered an empty body")
    if _HTML_START.match(document):
        raise _html_failure(body)
    body, lowered = _repaired(_CHARREF.sub(_valid_charref, body), lowered)
    body = _EMPTY_LINK.sub(b"", body)
    try:
        parsed = feedparser.parse(
            io.BytesIO(body),  # not the bytes: feedparser opens a string that names a file ("/etc/passwd")
            response_headers=_parser_headers(lowered, body),
            resolve_relative_uris=False,  # links inside the HTML are dropped anyway
            sanitize_html=False,  # html_to_text keeps only reader text; see the module docstring
        )
    except Exception as exc:  # feedparser on hostile bytes: its crash is this source's failure alone
        raise MalformedFeed(f"the feed parser failed ({type(exc).__name__}: {exc})") from exc
    raw_entries = list(parsed.entries)
    if not raw_entries:
        return _no_entries(parsed, lowered, body)
    feed_urls = (url, requested) if requested else (url,)
    entries = [entry for raw in raw_entries if (entry := _entry(raw, feed_urls, default_tz)) is not None]
    if not entries:
        count = len(raw_entries)
        raise MalformedFeed(
            f"{count} {'entry' if count == 1 else 'entries'}, none with a title, text or link"
        )
    if skipped := len(raw_entries) - len(entries):  # an enclosure alone, a guid alone…
        logger.info(
            "feed entries skipped", url=loggable_url(url), skipped=skipped, reason="no title, text or link"
        )
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _BENIGN_BOZO):
        logger.warning(
            "feed parsed with errors", url=loggable_url(url), entries=len(entries), error=_describe(parsed)
        )
    return entries


def _valid_charref(match: re.Match[bytes]) -> bytes:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return _REPLACEMENT_REF if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match.group()


def _after_prologue(body: bytes) -> bytes:
    prologue = _PROLOGUE.match(body)
    return body[prologue.end() :] if prologue else body


def _no_entries(parsed: Any, headers: Mapping[str, str], body: bytes) -> list[Entry]:
    """[] for a complete feed without entries; a named failure for anything else."""
    if not parsed.get("version"):
        if "html" in headers.get("content-type", "").lower():
            raise _html_failure(body)
        raise MalformedFeed(f"not a feed ({_describe(parsed)})")
    if isinstance(parsed.get("bozo_exception"), SAXParseException) and not is_complete(body):
        raise MalformedFeed(f"feed cut off before any entry ({_describe(parsed)})")
    return []


def is_complete(body: bytes) -> bool:
    """Whether a feed document ends as one does (``</rss>``, ``</feed>``, ``</rdf:RDF>``): one that does
    not may have been cut off in transit, its entries after the cut lost."""
    return _COMPLETE.search(body[-4096:]) is not None


def _check_blocked_url(url: str) -> None:
    lowered = url.lower()
    for marker in _BLOCKED_URL_MARKERS:
        if marker in lowered:
            raise Blocked(f"answered an anti-bot page ({marker} in the URL)")


def _html_failure(body: bytes) -> Blocked | NotAFeed:
    """Blocked when an HTML page shows a captcha or anti-bot marker, else NotAFeed."""
    page = body.lower()
    for marker in _BLOCKED_BODY_MARKERS:
        if any(form in page for form in _encoded(marker)):
            return Blocked(f"answered an anti-bot page ({marker!r})")
    return NotAFeed("answered an HTML page, not a feed")


def _encoded(marker: str) -> tuple[bytes, ...]:
    # Chinese sites send UTF-8 or GBK pages; ASCII markers are the same in both.
    return tuple(dict.fromkeys((marker.encode("utf-8"), marker.encode("gb18030"))))


def _parser_headers(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """The headers feedparser sees: the response's, with a charset added when nothing declares one.

    Without a Content-Type feedparser would fall back to ISO-8859-1 and without a charset on ``text/*``
    to US-ASCII; neither is right for a Chinese feed. No Content-Location is passed: feedparser would
    resolve bare guids (机器之心's UUIDs) against it; links are resolved in :func:`_link` instead.
    """
    result = {key: value for key, value in headers.items() if key != "content-location"}
    content_type = result.get("content-type", "").strip() or "application/xml"
    declared = "charset=" in content_type.lower() or _XML_ENCODING.match(body) or body.startswith(_UTF_BOMS)
    if not declared:
        content_type += "; charset=" + ("utf-8" if _is_utf8(body) else "gb18030")
    result["content-type"] = content_type
    return result


# Codecs Python knows that are no character set of a document (codecs.lookup's names).
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "mbcs", "oem"}
)


def _repaired(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """``body`` and ``headers`` as feedparser should see them: a body that is not valid in the character
    set it is in comes out as UTF-8, each invalid byte sequence as U+FFFD and its declarations saying
    UTF-8, so that one bad byte costs one character, not the feed (feedparser would read the whole feed
    as windows-1252: 智谱 as ć™ş…).

    The character set is the one everything declares (the Content-Type's, a BOM's, the XML
    declaration's; read as its superset, :func:`text.superset_codec`: GB2312 and GBK as GB18030, US-ASCII
    as UTF-8, ISO-8859-1 as windows-1252, Big5 as browsers read it: :func:`text.decoded`), but a body
    declared UTF-8 that mostly is not and is GB18030 is GB18030 (a GBK feed under a web server's default
    ``charset=utf-8``). An undeclared body is UTF-8 when it mostly is, else GB18030, the usual legacy
    encoding of Chinese sites. A body valid in what it declares and read alike in its superset, or whose
    declarations disagree, is left to feedparser's own rules.
    """
    headers = _without_false_charset(headers)
    if _is_utf8(body):
        return body, headers
    labels = [c for label in _declared_charsets(headers, body) if (c := _codec(label))]
    declared = {superset_codec(c) for c in labels}
    if len(declared) > 1 and _latin1_by_default(headers, body):
        # the server's default charset against the document's own, which the body is valid in: the
        # header's goes, so that the parser reads the document's
        headers = _without_charset(headers)
        labels = [c for label in _declared_charsets(headers, body) if (c := _codec(label))]
        declared = {superset_codec(c) for c in labels}
    if len(declared) > 1:
        return body, headers
    if declared:
        codec = declared.pop()
        if codec == "utf-8" and not _mostly_utf8(body) and _is_chinese(body):
            codec = "gb18030"
        elif codec != "utf-8" and all(_reads_alike(body, label, codec) for label in labels):
            return body, headers  # valid in each codec it names, and read so as widened: feedparser reads it
    else:
        codec = "utf-8" if _mostly_utf8(body) else "gb18030"
    text = _XML_ENCODING_TEXT.sub(r"\g<1>utf-8", decoded(body, codec), count=1)
    return text.encode("utf-8"), _utf8_content_type(headers)


def _without_false_charset(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` without a Content-Type charset that names a codec but no character set
    (``charset=base64``: :func:`_codec`), which feedparser would decode with; an unknown label it
    skips itself."""
    content_type = headers.get("content-type", "")
    match = _CHARSET.search(content_type)
    if match is None or _codec(match.group(1)) is not None:
        return headers
    try:
        codecs.lookup(match.group(1))
    except LookupError:
        return headers
    return _without_charset(headers)


def _without_charset(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with no charset in the Content-Type (the parser then reads the document's own)."""
    content_type = headers.get("content-type", "")
    return {**headers, "content-type": _CHARSET_PARAMETER.sub("", content_type, count=1).strip()}


def _utf8_content_type(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with the Content-Type's charset, if it has one, saying UTF-8."""
    content_type = headers.get("content-type", "")
    if not _CHARSET.search(content_type):
        return headers
    return {**headers, "content-type": _CHARSET.sub("charset=utf-8", content_type, count=1)}


def _is_chinese(body: bytes) -> bool:
    """Whether a body is GB18030 Chinese text: it decodes so, and most of its other characters are
    common Chinese (in GB2312). Latin-1 or windows-1252 text also decodes as GB18030 (a high byte and
    the ASCII letter after it make a rare character), but into no GB2312 character."""
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return False
    others = [c for c in text if not c.isascii()]
    common = sum(1 for c in others if _encodes(c, "gb2312"))
    return bool(others) and common >= _UTF8_MAJORITY * (len(others) - common)


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except (UnicodeError, LookupError):
        return False
    return True


def _reads_alike(body: bytes, label: str, codec: str) -> bool:
    """Whether ``body`` is valid in the codec ``label`` names and reads in it as in ``codec``, its
    superset (a valid Big5 body's ‧ is •, Python's big5 reading, not the browsers' Big5's)."""
    try:
        text = body.decode(label)
    except (UnicodeError, LookupError):
        return False
    return label == codec or text == decoded(body, codec)


def _latin1_by_default(headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the Content-Type's charset is ISO-8859-1 (or windows-1252), the default old web servers
    (Apache, Tomcat) add to every answer, and the document declares one of its own that it is valid in:
    a Chinese feed's ``encoding="gb2312"`` is then what it is (read as Latin-1, 智谱 was ÖÇÆ×)."""
    header = _CHARSET.search(headers.get("content-type", ""))
    codec = _codec(header.group(1)) if header else None
    if codec is None or superset_codec(codec) != "cp1252":
        return False
    own = {superset_codec(c) for label in _declared_charsets({}, body) if (c := _codec(label))}
    return len(own) == 1 and "cp1252" not in own and _decodes(body, own.pop())


def _declared_charsets(headers: Mapping[str, str], body: bytes) -> list[str]:
    """The character set labels the response declares: its Content-Type's, a BOM's, its XML declaration's."""
    labels = [match.group(1) for match in [_CHARSET.search(headers.get("content-type", ""))] if match]
    if body.startswith(b"\xef\xbb\xbf"):
        labels.append("utf-8")
    elif body.startswith(_UTF_BOMS):
        labels.append("utf-16")
    if xml := _XML_ENCODING.match(body):
        labels.append(xml.group(1).decode("ascii"))
    return labels


def _codec(label: str) -> str | None:
    """Python's name for a character set label ("UTF8" → "utf-8"), or None for a label it does not know
    as one: a bytes-to-bytes codec (``base64``, ``hex``, ``zlib``), a text transform (``rot13``) or a
    codec of something else (``idna``, ``punycode``), which a misconfigured server may name."""
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _mostly_utf8(body: bytes) -> bool:
    """Whether a body that is not valid UTF-8 is still UTF-8 but for a few invalid sequences."""
    text = body.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - body.count(_REPLACEMENT_UTF8)
    valid = len(text) - len(text.encode("ascii", errors="ignore")) - invalid
    return valid >= _UTF8_MAJORITY * invalid


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _stored(text: str, limit: int) -> str:
    """The first ``limit`` characters of an entry's title or text, as stored: never half a flag or an
    emoji (:func:`~.text.cluster_start`), but cut inside a number as before the shown cuts backed off
    numbers (:func:`~.text.truncate`): an entry without link and guid is known by this text, and must
    stay the same item across releases. What is shown of it is cut again, far shorter."""
    return text[: cluster_start(text, limit)]


def _entry(raw: Any, feed_urls: tuple[str, ...], default_tz: tzinfo) -> Entry | None:
    title = _stored(
        _plain(raw.get("title"), _type(raw.get("title_detail")), TITLE_MAX_CHARS), TITLE_MAX_CHARS
    )
    text = _stored(_longest_text(raw), TEXT_MAX_CHARS)
    url = _link(raw, feed_urls)
    # nothing a reader could see: a title or text of control or invisible characters alone is none
    if not url and is_blank(clean_text(title)) and is_blank(clean_text(text)):
        return None
    guid = str(raw.get("id") or "").strip() or None
    return Entry(title=title, text=text, url=url, guid=guid, published_at=_published_at(raw, default_tz))


def _published_at(raw: Any, default_tz: tzinfo) -> datetime | None:
    """The first of the entry's published, updated (dc:date) and created dates that parses.

    A junk pubDate does not cost an item its good dc:date or updated. ``dict.get``: feedparser's own
    ``get("updated")`` answers the published date again when there is no updated one, with a warning.
    """
    dates = (parse_date(dict.get(raw, key), default_tz) for key in ("published", "updated", "created"))
    return next((date for date in dates if date is not None), None)


def _plain(value: object, content_type: str, limit: int) -> str:
    """The text of a value, read from its first ``MARKUP_PER_CHAR * limit`` characters only: kept as
    written when it is plain text, else read as HTML."""
    if not isinstance(value, str) or not value.strip():
        return ""
    head = value[: MARKUP_PER_CHAR * limit]
    return collapse_whitespace(head) if content_type == "text/plain" else html_to_text(head)


def _type(detail: object) -> str:
    """The content type feedparser gives a value (its ``*_detail``, a content part); HTML when unsaid."""
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    return kind if isinstance(kind, str) and kind else "text/html"


def _longest_text(raw: Any) -> str:
    """The longest plain text among the entry's contents and its summary."""
    candidates = [(part.get("value"), _type(part)) for part in raw.get("content") or ()]
    candidates.append((raw.get("summary"), _type(raw.get("summary_detail"))))
    return max((_plain(value, kind, TEXT_MAX_CHARS) for value, kind in candidates), key=len, default="")


def _link(raw: Any, feed_urls: tuple[str, ...]) -> str | None:
    """The entry's article link, resolved against the feed's final URL (the first of ``feed_urls``);
    None when it has none.

    A link to the feed itself ("#", "#top", "?", the feed's URL, as fetched or as asked for before a
    redirect) is no article link: it would also publish the feed URL's query, where a bridge keeps its
    access key (``?access_token=``).
    """
    link = raw.get("link")
    # no <link>: feedparser copied the guid, which counts only if absolute
    resolved = safe_link(link) if raw.get("guidislink") else safe_link(link, base=feed_urls[0])
    if resolved is None or any(same_document(resolved, feed) for feed in feed_urls):
        return None
    return resolved


def _describe(parsed: Any) -> str:
    """feedparser's bozo exception in a few words."""
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "no feed element"
    if isinstance(exc, SAXParseException):
        return f"XML error at line {exc.getLineNumber()}: {exc.getMessage()}"
    return f"{type(exc).__name__}: {str(exc)[:100]}"
