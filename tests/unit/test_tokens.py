"""Subscription tokens (ai_news_tracker.tokens): signed, bound to a subscriber and a purpose, expiring."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_news_tracker.errors import ConfigError
from ai_news_tracker.subscription import KEY_RECHECK_SECONDS, Tokens
from ai_news_tracker.tokens import (
    CONFIRM,
    MIN_KEY_BYTES,
    UNSUBSCRIBE,
    TokenError,
    parse_keys,
    sign,
    verify,
)

KEY = b"k" * MIN_KEY_BYTES
OTHER_KEY = b"o" * MIN_KEY_BYTES
ALICE = hashlib.sha256(b"alice@example.org").hexdigest()
BOB = hashlib.sha256(b"bob@example.org").hexdigest()
NOW = 1_790_000_000


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_token_verifies_for_its_subject_and_purpose() -> None:
    confirm = sign(KEY, CONFIRM, ALICE, NOW + 60)
    unsubscribe = sign(KEY, UNSUBSCRIBE, ALICE)

    assert verify(KEY, confirm, CONFIRM, NOW) == ALICE
    assert verify(KEY, unsubscribe, UNSUBSCRIBE, NOW) == ALICE
    assert verify(KEY, unsubscribe, UNSUBSCRIBE, NOW + 10**9) == ALICE  # never expires
    assert verify(KEY, confirm, CONFIRM, NOW, subject=ALICE) == ALICE


def test_tokens_are_url_safe_short_and_name_no_address() -> None:
    token = sign(KEY, UNSUBSCRIBE, ALICE)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(token) < 200
    assert "alice" not in base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()


def test_a_token_is_refused_for_another_purpose() -> None:
    with pytest.raises(TokenError, match="not a confirm token"):
        verify(KEY, sign(KEY, UNSUBSCRIBE, ALICE), CONFIRM, NOW)
    with pytest.raises(TokenError, match="not a unsubscribe token"):
        verify(KEY, sign(KEY, CONFIRM, ALICE, NOW + 60), UNSUBSCRIBE, NOW)


def test_a_token_is_refused_for_another_subscriber() -> None:
    with pytest.raises(TokenError, match="another subscriber"):
        verify(KEY, sign(KEY, UNSUBSCRIBE, ALICE), UNSUBSCRIBE, NOW, subject=BOB)


def test_an_edited_token_is_refused() -> None:
    token = sign(KEY, UNSUBSCRIBE, ALICE)
    payload, mac = token.split(".")
    # Alice's signature on Bob's id, or a payload that claims another purpose or expiry
    for forged in (
        f"{b64(f'1:unsubscribe:{BOB}:'.encode())}.{mac}",
        f"{b64(f'1:confirm:{ALICE}:{NOW + 99}'.encode())}.{mac}",
        f"{b64(f'1:unsubscribe:{ALICE}:1'.encode())}.{mac}",
        f"{payload}.{mac[:-2]}AA",
        f"{payload}.{b64(bytes(32))}",
        f"{payload}.",
        f".{mac}",
        f"{payload}{mac}",
        f"{payload}.{mac}.x",
        f"{payload}.{mac}=",
        "",
    ):
        with pytest.raises(TokenError):
            verify(KEY, forged, UNSUBSCRIBE, NOW)


def test_a_token_signed_with_another_key_is_refused_and_rotation_keeps_old_links() -> None:
    token = sign(OTHER_KEY, UNSUBSCRIBE, ALICE)
    with pytest.raises(TokenError, match="signature"):
        verify(KEY, token, UNSUBSCRIBE, NOW)
    assert verify([KEY, OTHER_KEY], token, UNSUBSCRIBE, NOW) == ALICE


def test_during_a_rotation_new_links_verify_under_both_keys_and_after_it_under_the_new_key_alone() -> None:
    # Given the token-key parameter "<new> <old>": the first key signs, both verify
    tokens = Tokens(lambda: [KEY, OTHER_KEY])
    unsubscribe = tokens.unsubscribe("alice@example.org")
    confirm = tokens.confirm("alice@example.org", NOW + 60)
    # Then the links sent now work while both keys are configured ...
    assert verify([KEY, OTHER_KEY], unsubscribe, UNSUBSCRIBE, NOW) == ALICE
    assert verify([KEY, OTHER_KEY], confirm, CONFIRM, NOW) == ALICE
    # ... and once the old key is dropped: they were signed with the new one
    assert verify([KEY], unsubscribe, UNSUBSCRIBE, NOW) == ALICE
    assert verify([KEY], confirm, CONFIRM, NOW) == ALICE
    with pytest.raises(TokenError, match="signature"):
        verify([OTHER_KEY], unsubscribe, UNSUBSCRIBE, NOW)


def test_a_forged_signature_is_refused_however_many_keys_are_configured() -> None:
    # Given a payload anyone can write (the subject is the sha256 of the address) and a made-up MAC
    payload = sign(KEY, UNSUBSCRIBE, ALICE).split(".")[0]
    for mac in (b64(bytes(32)), b64(b"\xff" * 32), b64(b"x")):
        for keys in ([KEY], [KEY, OTHER_KEY], [OTHER_KEY, KEY, b"t" * MIN_KEY_BYTES]):
            with pytest.raises(TokenError, match="signature"):
                verify(keys, f"{payload}.{mac}", UNSUBSCRIBE, NOW)


def test_a_confirmation_token_expires() -> None:
    token = sign(KEY, CONFIRM, ALICE, NOW + 60)
    assert verify(KEY, token, CONFIRM, NOW + 59) == ALICE
    with pytest.raises(TokenError, match="expired"):
        verify(KEY, token, CONFIRM, NOW + 60)
    with pytest.raises(TokenError, match="needs an expiry"):
        sign(KEY, CONFIRM, ALICE)


def test_bad_inputs_are_refused_before_signing() -> None:
    with pytest.raises(TokenError, match="at least 32 bytes"):
        sign(b"short", UNSUBSCRIBE, ALICE)
    with pytest.raises(TokenError, match="subscriber id"):
        sign(KEY, UNSUBSCRIBE, "alice@example.org")
    with pytest.raises(TokenError, match="purpose"):
        sign(KEY, "admin", ALICE)
    with pytest.raises(TokenError, match="malformed"):
        verify(KEY, "a" * 600 + "." + "b", UNSUBSCRIBE, NOW)
    with pytest.raises(TokenError, match="malformed"):
        verify(KEY, None, UNSUBSCRIBE, NOW)
    with pytest.raises(TokenError, match="no token key"):
        verify([], sign(KEY, UNSUBSCRIBE, ALICE), UNSUBSCRIBE, NOW)


def test_keys_from_the_parameter() -> None:
    assert parse_keys(f" {'a' * 40}\n{'b' * 32} ") == [b"a" * 40, b"b" * 32]
    assert parse_keys(f"{'a' * 40},{'b' * 32}") == [b"a" * 40, b"b" * 32]
    with pytest.raises(TokenError, match="empty"):
        parse_keys("  ")
    with pytest.raises(TokenError, match="at least"):
        parse_keys("tooshort")
    # one character short of the minimum, alone or beside a good key
    assert parse_keys("k" * MIN_KEY_BYTES) == [b"k" * MIN_KEY_BYTES]
    for short in ("k" * (MIN_KEY_BYTES - 1), f"{'a' * 40} {'k' * (MIN_KEY_BYTES - 1)}"):
        with pytest.raises(TokenError, match="at least 32 bytes"):
            parse_keys(short)


@given(st.text(max_size=300))
def test_no_text_is_a_valid_token(text: str) -> None:
    with pytest.raises(TokenError):
        verify(KEY, text, UNSUBSCRIBE, NOW)


class KeySource:
    """A key parameter read through a cache: ``cached`` what a warm container holds, ``stored`` SSM's."""

    def __init__(self, *keys: bytes) -> None:
        self.cached = self.stored = list(keys)
        self.reads = 0

    def read_again(self) -> list[bytes]:
        self.reads += 1
        self.cached = list(self.stored)
        return self.cached


def test_a_link_signed_by_a_key_rotated_in_since_the_keys_were_read_is_valid() -> None:
    # Given a container that read the old key, and the key rotated since ("<new> <old>")
    old, new = b"o" * 32, b"n" * 32
    source = KeySource(old)
    tokens = Tokens(lambda: source.cached, read_again=source.read_again, clock=lambda: 0.0)
    source.stored = [new, old]
    # When a link another container signed with the new key reaches it
    token = sign(new, UNSUBSCRIBE, ALICE)
    # Then it reads the keys again and the link is valid; a link of the old key was valid all along
    assert tokens.check(token, UNSUBSCRIBE, 0) == ALICE and source.reads == 1
    assert tokens.check(sign(old, UNSUBSCRIBE, ALICE), UNSUBSCRIBE, 0) == ALICE and source.reads == 1


def test_forged_links_read_the_keys_again_at_most_every_thirty_seconds() -> None:
    # Given a container's keys, and a flood of links no key signs
    source = KeySource(b"k" * 32)
    moment = [100.0]
    tokens = Tokens(lambda: source.cached, read_again=source.read_again, clock=lambda: moment[0])
    forged = sign(b"x" * 32, UNSUBSCRIBE, ALICE)
    # When they arrive over a minute, a second apart
    for _ in range(61):
        with pytest.raises(TokenError, match="signature"):
            tokens.check(forged, UNSUBSCRIBE, 0)
        moment[0] += 1
    # Then the key parameter was read again three times (at 100, 130 and 160 s), not 61
    assert source.reads == 3 == 1 + 60 // KEY_RECHECK_SECONDS


def test_a_link_no_key_signs_is_invalid_when_the_keys_cannot_be_read_again() -> None:
    # Given a function holding its key, and SSM failing (throttled) when a link no key signs makes it
    # read the parameter again
    reads: list[int] = []

    def read_again() -> list[bytes]:
        reads.append(1)
        raise ConfigError("TOKEN_KEY_PARAMETER", "cannot read SSM parameter '/token-key'")

    tokens = Tokens(lambda: [KEY], read_again=read_again, clock=lambda: 0.0)
    # Then the link is an invalid one (the "invalid link" page), not a configuration failure (503 and
    # ConfigurationFailedAlarm): the keys held still check every genuine link
    with pytest.raises(TokenError, match="signature") as refused:
        tokens.check(sign(OTHER_KEY, UNSUBSCRIBE, ALICE), UNSUBSCRIBE, 0)
    assert not isinstance(refused.value, ConfigError) and reads == [1]
    assert tokens.check(sign(KEY, UNSUBSCRIBE, ALICE), UNSUBSCRIBE, 0) == ALICE
