"""The local-folder store: atomic writes, put-if-absent that never overwrites, keys as in S3."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

from ai_news_tracker.errors import StorageError
from ai_news_tracker.store import LocalStore, content_type_for


def test_put_get_list_round_trip(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)

    store.put("reports/2026-01-20.md", b"# hi")
    store.put("reports/2026-01-19.md", b"# yesterday")
    store.put("items/a.json", b"{}")

    assert store.get("reports/2026-01-20.md") == b"# hi"
    assert store.get("reports/absent.md") is None
    assert store.list("reports/") == ["reports/2026-01-19.md", "reports/2026-01-20.md"]
    assert store.list("reports/2026-01-2") == ["reports/2026-01-20.md"]
    assert store.list("nothing/") == []
    assert (tmp_path / "reports" / "2026-01-20.md").stat().st_mode & 0o777 == 0o644


KEYS = ("editions/2026-01-20.json", "editions/summaries/20.json", "editions/2027/claim.json", "edit.json")
UNDER_EDITIONS = ["editions/2026-01-20.json", "editions/2027/claim.json", "editions/summaries/20.json"]


@pytest.mark.parametrize(
    ("prefix", "listed"),
    [
        ("editions/20", ["editions/2026-01-20.json", "editions/2027/claim.json"]),
        ("editions/", UNDER_EDITIONS),
        ("editions", UNDER_EDITIONS),
        ("editions/summaries/2", ["editions/summaries/20.json"]),
        ("edit", ["edit.json", *UNDER_EDITIONS]),
        ("", ["edit.json", *UNDER_EDITIONS]),
        ("editions/2027/", ["editions/2027/claim.json"]),
        ("editions/x", []),
    ],
)
def test_a_listing_holds_every_key_that_starts_with_the_prefix_as_s3s_does(
    tmp_path: Path, prefix: str, listed: list[str]
) -> None:
    # Given keys in folders beside and below the prefix's own folder (and a write in progress)
    store = LocalStore(tmp_path)
    for key in KEYS:
        store.put(key, b"{}")
    (tmp_path / "editions" / ".tmp-abc").write_bytes(b"half")
    # When listed, Then a key is there exactly when it starts with the prefix, a folder's name or not
    assert store.list(prefix) == listed


def test_put_if_absent_never_overwrites(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)

    assert store.put_if_absent("items/x.json", b"first") is True
    assert store.put_if_absent("items/x.json", b"second") is False

    assert store.get("items/x.json") == b"first"
    assert [p.name for p in (tmp_path / "items").iterdir()] == ["x.json"]  # no temp files left


@pytest.mark.parametrize("put", [LocalStore.put, LocalStore.put_if_absent])
def test_a_write_that_fails_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, put: Callable[..., object]
) -> None:
    # Given a folder whose disk fills up in the middle of a write
    real_fdopen = os.fdopen

    def no_space(data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def full_disk(fd: int, mode: str) -> BinaryIO:
        handle = real_fdopen(fd, mode)
        monkeypatch.setattr(handle, "write", no_space)
        return handle

    monkeypatch.setattr("ai_news_tracker.store.os.fdopen", full_disk)
    # When a page is written, Then it fails as storage
    with pytest.raises(StorageError, match="No space left on device"):
        put(LocalStore(tmp_path), "index.html", b"<!doctype html>")
    # And nothing is left behind: no half-written .tmp-* file (rsync of site/ published them)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["", "/abs", "../escape", "a/../b", "a//b", "a\\b", "a/./b"])
def test_keys_cannot_escape_the_folder(tmp_path: Path, key: str) -> None:
    with pytest.raises(StorageError, match="invalid storage key"):
        LocalStore(tmp_path).put(key, b"x")


def test_content_types_of_published_files() -> None:
    assert content_type_for("reports/2026-01-20.md") == "text/markdown; charset=utf-8"
    assert content_type_for("reports/2026-01-20.json") == "application/json"
    assert content_type_for("index.html") == "text/html; charset=utf-8"
    assert content_type_for("feed.xml") == "application/atom+xml; charset=utf-8"
