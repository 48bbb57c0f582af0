"""Stores that let another invocation run between a read and the write that follows it: the races of
at-least-once delivery and concurrent functions, without threads or patched private functions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ai_news_tracker.store import LocalStore


class ListsBeforeAnotherRun(LocalStore):
    """A sent log whose reader lists it, then waits while ``meanwhile`` runs (once), then goes on with
    that listing: a second invocation that read the log before the first one claimed anything.
    ``under``: only a listing of a prefix under it waits (a store that holds more than the sent log)."""

    def __init__(self, root: Path, meanwhile: Callable[[], object], *, under: str = "") -> None:
        super().__init__(root)
        self.meanwhile: Callable[[], object] | None = meanwhile
        self.under = under

    def list(self, prefix: str) -> list[str]:
        keys = super().list(prefix)
        meanwhile = self.meanwhile if prefix.startswith(self.under) else None
        if meanwhile is not None:
            self.meanwhile = None
            meanwhile()
        return keys
