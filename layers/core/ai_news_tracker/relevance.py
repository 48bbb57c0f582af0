"""The relevance filter: which items belong in a digest of Chinese AI / large-model news.

Terms match case-insensitively in the title and text. A Latin term matches as a whole word, never
inside a longer one (``AGI`` does not match inside ``MAGIC8``, ``AI`` not inside ``Air``), though a
version number may follow it (``Qwen`` matches ``qwen3``); a Chinese term matches anywhere, since
Chinese has no spaces. An empty include list keeps every item; an exclude term always drops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from .models import Item

_WORDLIKE = re.compile(r"[0-9A-Za-z]")


def term_pattern(term: str) -> re.Pattern[str]:
    """A compiled pattern for one configured term."""
    body = re.escape(term.strip())
    start = r"(?<![0-9A-Za-z])" if _WORDLIKE.match(term.strip()[:1]) else ""
    end = r"(?![A-Za-z])" if _WORDLIKE.match(term.strip()[-1:]) else ""  # "Qwen" matches "qwen3"
    return re.compile(start + body + end, re.IGNORECASE)


@dataclass(frozen=True)
class RelevanceFilter:
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()

    @cached_property
    def _include(self) -> tuple[re.Pattern[str], ...]:
        return tuple(term_pattern(t) for t in self.include if t.strip())

    @cached_property
    def _exclude(self) -> tuple[re.Pattern[str], ...]:
        return tuple(term_pattern(t) for t in self.exclude if t.strip())

    def keeps(self, title: str, text: str) -> bool:
        haystack = f"{title}\n{text}"
        if any(p.search(haystack) for p in self._exclude):
            return False
        return not self._include or any(p.search(haystack) for p in self._include)

    def apply(self, items: Iterable[Item]) -> list[Item]:
        return [item for item in items if self.keeps(item.title, item.text)]
