"""Which links are safe to show, and what makes two feed entries the same news item.

:func:`safe_link` decides the link a reader is sent to (http and https only, kept as the feed gave it);
:func:`normalize_url` and :func:`identity_key` decide identity, so that the same article reached
through ``?f=rss``, ``utm_*`` parameters, ``www.`` or ``http://`` is stored once.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from .text import collapse_whitespace

WEB_SCHEMES = frozenset({"http", "https"})

# Query parameters that say how a reader arrived, not which article it is. WeChat's article
# parameters ``__biz``, ``mid``, ``idx`` and ``sn`` identify the article and are kept; so are
# ``source`` and ``timestamp``. Every ``utm_*`` parameter is dropped as well (see UTM_PREFIX).
TRACKING_PARAMETERS = frozenset(
    {
        # generic
        "f",  # 36Kr's ?f=rss
        "spm",
        "from",
        "ref",
        "ref_src",
        "fbclid",
        "gclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "from_source",
        "share_token",
        # WeChat share and client parameters
        "scene",
        "chksm",
        "srcid",
        "sharer_sharetime",
        "sharer_shareid",
        "sharer_sharesource",
        "clicktime",
        "enterid",
        "subscene",
        "ascene",
        "devicetype",
        "version",
        "nettype",
        "lang",
        "exportkey",
        "pass_ticket",
        "wx_header",
        "isappinstalled",
    }
)
UTM_PREFIX = "utm_"

_DEFAULT_PORTS = frozenset({80, 443})
_CONTROL_CHARS = re.compile(r"[\x00-\x20\x7f]")  # after strip(): any of these inside is not a link
_BAD_HOST_CHARS = re.compile(r"[<>\"'`{}|\\^%]")
# In the authority, what makes a browser's host another than urlsplit's: user info ("google.com@" before
# the real host), and a backslash, which ends the authority of an http(s) URL for a browser (WHATWG)
# but not for urlsplit ("https://evil.example\\@36kr.com/" goes to evil.example).
_BAD_AUTHORITY_CHARS = re.compile(r"[@\\]")
_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def safe_link(url: str | None, base: str | None = None) -> str | None:
    """The link to show a reader, or None when there is no safe one.

    Surrounding whitespace is stripped and a relative URL is resolved against ``base`` (only when the
    base is itself an http(s) URL). The result is returned unchanged otherwise, query included, when
    its scheme is http or https and it has a host; ``javascript:``, ``data:``, ``mailto:``, ``file:``,
    empty and unparsable values, URLs with spaces or control characters inside, and URLs with user info
    (``user@host``) or a backslash before their path (a browser would go to another host) give None.
    """
    if url is None:
        return None
    candidate = url.strip()
    if not candidate:
        return None
    base_url = base.strip() if base is not None else ""
    if _web_parts(base_url) is not None:
        try:
            candidate = urljoin(base_url, candidate)
        except ValueError:
            return None
    return candidate if _web_parts(candidate) is not None else None


def same_document(url: str, other: str) -> bool:
    """Whether two http(s) URLs name one document: equal but for their fragments and what
    :func:`normalize_url` ignores (``http``/``https``, ``www.``, tracking parameters). False when either
    is no safe link."""
    first, second = safe_link(url), safe_link(other)
    return first is not None and second is not None and normalize_url(first) == normalize_url(second)


def normalize_url(url: str) -> str:
    """The identity form of an http(s) URL.

    The scheme becomes https; the host is lower-cased without a leading ``www.``; default ports, the
    fragment and the tracking parameters (:data:`TRACKING_PARAMETERS`, ``utm_*``) are dropped; the
    remaining query parameters are sorted; an empty path becomes ``/``. Raises ValueError for anything
    that :func:`safe_link` would not accept.
    """
    parts = _web_parts(url.strip())
    if parts is None:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return urlunsplit(
        ("https", _identity_host(parts), _identity_path(parts.path), _identity_query(parts.query), "")
    )


def identity_key(url: str | None, guid: str | None, title: str, text: str, source: str = "") -> str:
    """What makes an entry the same news item as another: its URL, else its guid, else its content.

    ``url:`` + :func:`normalize_url` when ``url`` is a safe http(s) link; else ``guid:`` + the stripped
    guid when there is one, within its ``source`` (a newline apart): its source's :func:`feed_scope`, or
    the name of a source fetched before those were kept; feeds number their guids "1", "2"… each on its
    own, so one feed's "1" is not another's; else ``hash:`` + the SHA-256 of the collapsed title and
    text (the same words from two feeds are one item).
    """
    link = safe_link(url)
    if link is not None:
        return "url:" + normalize_url(link)
    if guid is not None and guid.strip():
        return "guid:" + (f"{source}\n" if source else "") + guid.strip()
    content = collapse_whitespace(title) + "\n" + collapse_whitespace(text)
    return "hash:" + hashlib.sha256(content.encode("utf-8")).hexdigest()


def feed_scope(name: str, url: str) -> str:
    """What a source's link-less items are identified within (:func:`identity_key`, :func:`guid_alias`,
    :func:`content_alias`): its name and a hash of its URL (without user info) at its first fetch, made
    once and kept by a rename and by any URL change (a rotated key, a mirror: its items not news again);
    every first fetch of one feed under one name makes the same, two at once included. Never a source's
    name, which is one line: a source fetched before scopes were kept goes on identifying its items
    within its name."""
    return f"{name}\n{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}"


def is_feed_scope(scope: str) -> bool:
    """Whether ``scope`` is a :func:`feed_scope`, not the name of a source fetched before they were kept
    (whose items may have been identified by their guid alone before 2026-11-30)."""
    return "\n" in scope


def guid_alias(
    url: str | None,
    guid: str | None,
    title: str,
    source: str,
    *,
    published: datetime | None = None,
    text: str = "",
) -> str | None:
    """The alias under which an item identified by its link is also known by its guid and title.

    Some feeds keep an article's guid but change its link (a WeChat bridge switching between its two
    URL forms), or give it a link only later (a bridge that lists an article before its link is
    ready): the same guid, title, text (its date, when it has none) and feed then mean the same item.
    For an entry with a guid that is not its link: one identified by its link, or by its guid for want
    of one (so that the link it gains later finds it). The title and the text are part of the alias, so
    a feed that reuses its guids ("1", "2"… by position), even for a column of the same title each day,
    does not make a new article the old one. None otherwise."""
    link = safe_link(url)
    mark = (guid or "").strip()
    if not mark:
        return None
    guid_link = safe_link(mark)
    if link is not None and guid_link is not None and normalize_url(guid_link) == normalize_url(link):
        return None  # the guid is the link: a new link is a new guid
    return "alias:" + f"{source}\n{mark}\n{collapse_whitespace(title)}\n{_body(text, published)}"


def _body(text: str, published: datetime | None) -> str:
    # the text, which a new link leaves as it is; the date only for an entry without text (a feed may
    # bump its "updated" date, which stands in for a missing publication date, with the link)
    body = collapse_whitespace(text)
    if not body and published is not None:
        body = published.astimezone(UTC).isoformat()
    return body


def content_identity(title: str, text: str, published: datetime | None) -> str:
    """The identity of a link-less entry that shares its guid with another entry of its fetch (a feed
    giving every entry guid "0"): its title and text, as :func:`identity_key` without link and guid, a
    text-less entry's date standing in for its text as in :func:`guid_alias`."""
    content = collapse_whitespace(title) + "\n" + _body(text, published)
    return "hash:" + hashlib.sha256(content.encode("utf-8")).hexdigest()


def content_alias(source: str, title: str, text: str, published: datetime | None) -> str:
    """The alias under which a link-less item of ``source`` is known by its title and text alone (its
    date when it has none), whatever its guid: how an entry shown under another entry's guid is found."""
    return "content:" + f"{source}\n{collapse_whitespace(title)}\n{_body(text, published)}"


_USER_INFO = re.compile(r"(?<=//)[^/?#]*@")


def without_user_info(url: str) -> str:
    """``url`` without its user info (``user:password@``), as the base of relative links and a source's
    stored URL need it: a feed behind basic auth may carry a password in its configured URL. Log lines
    take :func:`loggable_url`."""
    return _USER_INFO.sub("", url, count=1)


MASK = "***"  # what a log line shows of a URL's credentials


def loggable_url(url: str) -> str:
    """``url`` as a log line or an error message may show it: without its user info, and with the value
    of each query parameter and the fragment masked (``***``), the names kept so that an operator still
    tells feeds apart: ``https://bridge.example/feed/1.xml?access_token=***``. A feed's URL may carry
    its access key in its query (a WeChat-to-RSS bridge's ``?access_token=``, RSSHub's ``?key=``); a
    parameter without ``=`` is masked whole, as it may be the key itself. Any string is taken: a path
    with its query (``/feed?key=***``), text that does not parse as a URL."""
    rest, hash_mark, fragment = without_user_info(url).partition("#")
    address, question_mark, query = rest.partition("?")
    masked = "&".join(_masked_parameter(parameter) for parameter in query.split("&"))
    return address + question_mark + masked + hash_mark + (MASK if fragment else "")


def _masked_parameter(parameter: str) -> str:
    name, equals, value = parameter.partition("=")
    if not equals:
        return MASK if name else ""
    return f"{name}={MASK}" if value else parameter


def item_id(identity: str) -> str:
    """A short storage key for an identity: the first 24 hex digits of its SHA-256."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24]


def _web_parts(url: str) -> SplitResult | None:
    """The parts of ``url`` when it is an absolute http(s) URL with a host and a valid port, and without
    user info or a backslash in its authority, else None."""
    if not url or _CONTROL_CHARS.search(url):
        return None
    try:
        url.encode("utf-8")  # a lone surrogate cannot be percent-encoded
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:  # UnicodeEncodeError is a ValueError
        return None
    host = parts.hostname
    if parts.scheme.lower() not in WEB_SCHEMES or not host or _BAD_HOST_CHARS.search(host):
        return None
    if _BAD_AUTHORITY_CHARS.search(parts.netloc):
        return None
    return parts


def _identity_host(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")  # hostname is already lower-case, without user info
    host = host.removeprefix("www.")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    return host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"


def _identity_path(path: str) -> str:
    # Encode non-ASCII and unsafe characters and upper-case existing escapes, so that the raw and the
    # percent-encoded spelling of a path are one identity; "/" and existing escapes keep their meaning.
    encoded = quote(path, safe=_PATH_SAFE)
    return _PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), encoded) or "/"


def _identity_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not _is_tracking(key)]
    return urlencode(sorted(kept))


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(UTM_PREFIX)


def normalise_recipient(recipient: str) -> str:
    return recipient.strip().lower()


def recipient_key(recipient: str) -> str:
    """The sha256 of the normalised address: how the sent log, the subscribers and logs name one."""
    return hashlib.sha256(normalise_recipient(recipient).encode("utf-8")).hexdigest()
