"""The storage interface, and its local-folder backend.

Keys are ``/``-separated paths exactly as they will be in the S3 buckets (``items/<id>.json``,
``reports/2026-01-20.md``). A local folder stands in for a bucket: ``<data-dir>/raw`` for the raw
bucket and ``<data-dir>/site`` for the public one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from .errors import StorageError

CONTENT_TYPES = {
    ".md": "text/markdown; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    # with its charset: a browser opening the feed (its links are on every page) reads an XML type it
    # does not render as windows-1252 text, whatever the XML declaration says
    ".xml": "application/atom+xml; charset=utf-8",
    ".eml": "message/rfc822",
}


def content_type_for(key: str) -> str:
    """The Content-Type a published key is served with."""
    return CONTENT_TYPES.get(os.path.splitext(key)[1], "application/octet-stream")


class Store(Protocol):
    """What the pipeline needs from a bucket."""

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such key."""

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Write (or replace) an object."""

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        """Write an object only when the key does not exist yet; True when this call created it."""

    def list(self, prefix: str) -> list[str]:
        """Every key that starts with ``prefix``, sorted."""


def parse_json(data: str | bytes | bytearray) -> Any:
    """The value of a JSON text read from outside (a request's body, a fetched file, an event, a stored
    object, a model's answer); ``ValueError`` for any that is not one. ``json.loads`` raises
    ``RecursionError`` for arrays or objects nested past the interpreter's limit (``"[" * 2000 + "]" *
    2000`` is 4 KB): here that is a ``ValueError`` too, so that the caller's refusal of bad JSON holds it."""
    try:
        return json.loads(data)
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply") from exc


def get_json(store: Store, key: str) -> Any:
    data = store.get(key)
    return None if data is None else _stored_json(key, data)


def get_object(store: Store, key: str) -> dict[str, Any] | None:
    """The JSON object stored under ``key``, None when there is no such key; a :class:`StorageError`
    naming it when it is not valid JSON, or JSON but no object (``null``, ``[]``, a number): a value in
    its place is never taken for its absence."""
    data = store.get(key)
    if data is None:
        return None
    value = _stored_json(key, data)
    if not isinstance(value, dict):
        raise StorageError(f"stored object {key!r} is not a JSON object")
    return value


def _stored_json(key: str, data: bytes) -> Any:
    try:
        return parse_json(data)
    except ValueError as exc:
        raise StorageError(f"stored object {key!r} is not valid JSON") from exc


def dump_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


class LocalStore:
    """A folder used as a bucket. Writes are atomic; ``put_if_absent`` never overwrites."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
            raise StorageError(f"invalid storage key {key!r}")
        return self.root.joinpath(*parts)

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r}: {exc.strerror}") from exc

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        path = self._path(key)
        tmp = self._write_temp(path, data)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot write {key!r}: {exc.strerror}") from exc

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        path = self._path(key)
        tmp = self._write_temp(path, data)
        try:
            os.link(tmp, path)  # atomic, and fails when the key exists: a complete file or nothing
        except FileExistsError:
            return False
        except OSError as exc:
            raise StorageError(f"cannot write {key!r}: {exc.strerror}") from exc
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def list(self, prefix: str) -> list[str]:
        base = self.root
        if not base.is_dir():
            return []
        directory, _, _ = prefix.rpartition("/")
        start = self._path(directory) if directory else base
        if not start.is_dir():
            return []
        keys: list[str] = []
        # os.walk reads each folder once (no stat a file) and skips the folders no key under the prefix
        # can be in: "editions/20" walks the editions, not the summaries beside them
        for folder, subfolders, files in os.walk(start):
            relative = Path(folder).relative_to(base).as_posix()
            here = "" if relative == "." else relative + "/"
            subfolders[:] = [
                name
                for name in subfolders
                if (here + name + "/").startswith(prefix) or prefix.startswith(here + name + "/")
            ]
            keys.extend(
                here + name
                for name in files
                if not name.startswith(".tmp-") and (here + name).startswith(prefix)
            )
        return sorted(keys)

    @staticmethod
    def _write_temp(path: Path, data: bytes) -> Path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError as exc:
            raise StorageError(f"cannot write under {str(path.parent)!r}: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(name, 0o644)  # mkstemp makes 0600; published files must be readable
        except BaseException as exc:  # a full disk, or Ctrl-C: no half-written file left (site/ is published)
            Path(name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot write under {str(path.parent)!r}: {exc.strerror}") from exc
            raise
        return Path(name)
