"""Signed, per-recipient tokens for the subscription links (pure: the key is given as bytes).

A token is ``<payload>.<mac>``, both URL-safe base64 without padding::

    payload = "1:<purpose>:<subject>:<expires>"      (expires: Unix seconds, or "" for none)
    mac     = HMAC-SHA256(key, "ai-news-tracker/token\\0" + payload)

The subject is the subscriber's id (the sha256 of the normalised address, see
:func:`ai_news_tracker.subscribers.subscriber_id`), so a token names no address in clear, and the MAC
binds it to that address and to its purpose: a confirmation token is no unsubscribe token, and no
edit of the subject or the expiry survives verification. Confirmation tokens carry an expiry;
unsubscribe tokens do not (a ``List-Unsubscribe`` link must work as long as the mail is kept).

Keys are at least :data:`MIN_KEY_BYTES` long. Several keys may be given to :func:`verify`: the first
signs, all verify, so a key can be rotated without breaking the links already sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence

from .errors import TrackerError

VERSION = "1"
CONFIRM, UNSUBSCRIBE = "confirm", "unsubscribe"
PURPOSES = frozenset({CONFIRM, UNSUBSCRIBE})
MIN_KEY_BYTES = 32
MAX_TOKEN_CHARS = 512  # anything longer is refused before any decoding
_DOMAIN = b"ai-news-tracker/token\x00"
_SUBJECT = re.compile(r"^[0-9a-f]{64}$")
_B64 = re.compile(r"^[A-Za-z0-9_-]+$")


class TokenError(TrackerError):
    """A token is malformed, forged, expired, or for another purpose or subscriber."""

    status = "invalid_token"


class BadSignature(TokenError):
    """A token no key given signs: forged, or signed by a key the checker does not have (yet)."""


class TokenExpired(TokenError):
    """A genuine token (its signature checked) past its expiry; ``subject`` is whom it was made for."""

    def __init__(self, subject: str) -> None:
        super().__init__("the token has expired")
        self.subject = subject


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64.match(text):
        raise TokenError("not URL-safe base64")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("not URL-safe base64") from exc


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _DOMAIN + payload, hashlib.sha256).digest()


def _check_key(key: bytes) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise TokenError(f"a token key needs at least {MIN_KEY_BYTES} bytes")
    return key


def sign(key: bytes, purpose: str, subject: str, expires: int | None = None) -> str:
    """A token for ``subject`` (a subscriber id) and ``purpose``, valid until ``expires`` (Unix s)."""
    if purpose not in PURPOSES:
        raise TokenError(f"unknown token purpose {purpose!r}")
    if not _SUBJECT.match(subject):
        raise TokenError("a token subject is a subscriber id (64 hex digits)")
    if purpose == CONFIRM and expires is None:
        raise TokenError("a confirmation token needs an expiry")
    if expires is not None and expires < 0:
        raise TokenError("a token cannot expire before 1970")
    payload = f"{VERSION}:{purpose}:{subject}:{'' if expires is None else int(expires)}".encode("ascii")
    return f"{_b64encode(payload)}.{_b64encode(_mac(_check_key(key), payload))}"


def verify(
    keys: bytes | Sequence[bytes],
    token: object,
    purpose: str,
    now: int,
    *,
    subject: str | None = None,
) -> str:
    """The subject of a valid ``token`` for ``purpose`` at ``now`` (Unix s), else :class:`TokenError`.

    The MAC is compared in constant time against every key before anything in the payload is
    trusted. ``subject``, when given, must be the token's (a token reused for another address fails).
    """
    key_list = [keys] if isinstance(keys, bytes) else list(keys)
    if not key_list:
        raise TokenError("no token key")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise TokenError("malformed token")
    encoded_payload, encoded_mac = token.split(".")
    payload, mac = _b64decode(encoded_payload), _b64decode(encoded_mac)
    valid = False
    for key in key_list:  # no early exit: every key is tried, whatever matched
        valid |= hmac.compare_digest(_mac(_check_key(key), payload), mac)
    if not valid:
        raise BadSignature("the token's signature does not match")
    try:
        version, kind, found_subject, expires = payload.decode("ascii").split(":")
    except (UnicodeDecodeError, ValueError) as exc:  # signed by us: only an older format gets here
        raise TokenError("unknown token format") from exc
    if version != VERSION:
        raise TokenError("unknown token version")
    if kind != purpose:
        raise TokenError(f"not a {purpose} token")
    if subject is not None and not hmac.compare_digest(found_subject, subject):
        raise TokenError("the token is for another subscriber")
    if expires:
        if not expires.isdigit():
            raise TokenError("malformed expiry")
        if now >= int(expires):
            raise TokenExpired(found_subject)
    elif purpose == CONFIRM:
        raise TokenError("a confirmation token needs an expiry")
    return found_subject


def expiry(token: str) -> int | None:
    """The expiry (Unix s) written in a token :func:`verify` accepted; None when it has none."""
    payload = _b64decode(token.split(".", maxsplit=1)[0]).decode("ascii")
    expires = payload.split(":")[3]
    return int(expires) if expires.isdigit() else None


def parse_keys(value: str) -> list[bytes]:
    """Keys from the token-key parameter: one or more, separated by whitespace or commas; first signs."""
    keys = [part.encode("utf-8") for part in re.split(r"[\s,]+", value.strip()) if part]
    if not keys:
        raise TokenError("the token key parameter is empty")
    for key in keys:
        _check_key(key)
    return keys
