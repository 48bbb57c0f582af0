"""The relevance filter: which items belong in a digest of Chinese AI / large-model news.

Terms match case-insensitively in the title and text, both read as NFKC (``ＤｅｅｐＳｅｅｋ`` is
``DeepSeek``). A Latin term matches as a whole word, never inside a longer one (``AGI`` does not match
inside ``MAGIC8``, ``AI`` not inside ``Air`` or ``AIGC``), though a version number may follow it
(``Qwen`` matches ``qwen3``), and so may the next part of a joined name where a capital follows a
lower-case end (``DeepSeek`` matches ``DeepSeekMath``, not ``deepseekmath``). A term ending in a digit
is a whole number (``618`` not in ``6180万``, ``H20`` not in ``H200``). A Chinese term matches
anywhere, since Chinese has no spaces; where a term joins Chinese and Latin, a space may stand between
them, as many outlets set one (``字节Seed`` matches ``字节 Seed``, ``千问App`` ``千问 App``).

An item is scored: every scored term found adds ``weight × (title_factor if it is in the title,
else 0, + its occurrences in the text, at most text_cap)``. The scored terms are the include terms
(weight 1 unless ``weights`` gives another) and every term of ``weights``; a negative weight marks an
off-topic signal (手机, 车型, 股价 …). A term inside a longer term matched at the same place does not
count again (汽车 inside 小米汽车, 模型 inside 大模型). With ``text_chars`` only the start of the text
is scored: a story says early what it is about, a passing mention further down does not make it
relevant. An item is kept when its score reaches ``threshold``.

Two rules of the contract come first: an exclude term (anywhere in title or text) always drops an
item, and an empty include list keeps every item that is not excluded (the weights then only
explain, they never drop). With the defaults (threshold 1, no weights, all the text) the filter is
the plain include/exclude filter: one include term anywhere keeps an item.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .models import Item

if TYPE_CHECKING:
    from .config import FilterConfig

_WORDLIKE = re.compile(r"[0-9A-Za-z]")

DEFAULT_THRESHOLD = 1.0
DEFAULT_TITLE_FACTOR = 3.0
DEFAULT_TEXT_CAP = 3


# After a term ending in a letter: no letter ("Qwen" matches "qwen3"), unless the term ends lower-case
# in the text and a capital follows, starting the next part of a joined name ("DeepSeekMath"; checked
# case-sensitively, so "AI" stays out of "AIGC" and "Aid").
_AFTER_LETTER = r"(?:(?![A-Za-z])|(?-i:(?<=[a-z])(?=[A-Z])))"
# After a term ending in a digit: no letter or digit ("618" not in "6180万"; "Step-3" still in "Step-3.5").
_AFTER_DIGIT = r"(?![0-9A-Za-z])"


def normalize(text: str) -> str:
    """Text as terms are matched in it: NFKC, so full-width Latin and digits (ＤｅｅｐＳｅｅｋ) are ASCII."""
    return unicodedata.normalize("NFKC", text)


def _is_latin(char: str) -> bool:
    return bool(_WORDLIKE.match(char))


def _is_chinese(char: str) -> bool:
    """A letter or digit outside ASCII: Chinese, in the terms of a Chinese digest."""
    return not char.isascii() and char.isalnum()


def _spaced(term: str) -> str:
    """The term's pattern, with an optional space wherever it joins a Chinese and a Latin character."""
    parts = [re.escape(term[:1])]
    for before, after in itertools.pairwise(term):
        if (_is_latin(before) and _is_chinese(after)) or (_is_chinese(before) and _is_latin(after)):
            parts.append(" ?")  # NFKC has made every other space (U+00A0, U+3000…) this one
        parts.append(re.escape(after))
    return "".join(parts)


def term_pattern(term: str) -> re.Pattern[str]:
    """A compiled pattern for one configured term, searched in text passed through :func:`normalize`."""
    term = normalize(term).strip()
    start = r"(?<![0-9A-Za-z])" if _is_latin(term[:1]) else ""
    end = ""
    if term[-1:].isascii() and term[-1:].isdigit():
        end = _AFTER_DIGIT
    elif _is_latin(term[-1:]):
        end = _AFTER_LETTER
    return re.compile(start + _spaced(term) + end, re.IGNORECASE)


@dataclass(frozen=True)
class TermMatch:
    """One scored term found in an item, and what it added to the score."""

    term: str
    weight: float
    in_title: bool
    text_count: int  # occurrences in the text, before the cap
    points: float

    def __str__(self) -> str:
        where = ["title"] if self.in_title else []
        if self.text_count:
            where.append(f"text×{self.text_count}")
        return f"{self.term}({self.weight:+g}; {', '.join(where)}) {self.points:+g}"


@dataclass(frozen=True)
class Explanation:
    """Why an item is kept or dropped: its score, the threshold and the terms that matched."""

    score: float
    threshold: float
    kept: bool
    excluded_by: str | None
    matches: tuple[TermMatch, ...]

    def __str__(self) -> str:
        verdict = "kept" if self.kept else "dropped"
        if self.excluded_by is not None:
            return f"{verdict}: excluded by {self.excluded_by!r}"
        terms = ", ".join(str(m) for m in sorted(self.matches, key=lambda m: -abs(m.points)))
        return f"{verdict}: score {self.score:g} (threshold {self.threshold:g}): {terms or 'no term'}"


@dataclass(frozen=True)
class RelevanceFilter:
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    weights: Mapping[str, float] | Iterable[tuple[str, float]] = ()
    threshold: float = DEFAULT_THRESHOLD
    title_factor: float = DEFAULT_TITLE_FACTOR
    text_cap: int = DEFAULT_TEXT_CAP
    text_chars: int = 0  # characters of the text scored, from its start (0: all of it)

    @classmethod
    def from_config(cls, config: FilterConfig) -> RelevanceFilter:
        """The filter of a ``[filter]`` section."""
        return cls(
            include=config.include,
            exclude=config.exclude,
            weights=config.weights,
            threshold=config.threshold,
            title_factor=config.title_factor,
            text_cap=config.text_cap,
            text_chars=config.text_chars,
        )

    @cached_property
    def _exclude(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((t, term_pattern(t)) for t in self.exclude if t.strip())

    @cached_property
    def _scored(self) -> tuple[tuple[str, float, re.Pattern[str]], ...]:
        weights: dict[str, float] = {t: 1.0 for t in self.include if t.strip()}
        given = self.weights.items() if isinstance(self.weights, Mapping) else self.weights
        weights.update((t, float(w)) for t, w in given if t.strip())
        return tuple((t, w, term_pattern(t)) for t, w in weights.items() if w)

    @cached_property
    def _keeps_all(self) -> bool:
        return not any(t.strip() for t in self.include)

    def explain(self, title: str, text: str) -> Explanation:
        """The score of an item and the terms behind it."""
        title, text = normalize(title), normalize(text)  # before the cut: NFKC may change lengths
        for term, pattern in self._exclude:  # anywhere in the text, not only the lede
            if pattern.search(title) or pattern.search(text):
                return Explanation(-math.inf, self.threshold, False, term, ())
        if self.text_chars:
            text = text[: self.text_chars]
        in_title, in_text = self._counts(title), self._counts(text)
        matches = []
        for i, (term, weight, _) in enumerate(self._scored):
            if i in in_title or i in in_text:
                count = in_text.get(i, 0)
                units = (self.title_factor if i in in_title else 0.0) + min(count, self.text_cap)
                matches.append(TermMatch(term, weight, i in in_title, count, weight * units))
        score = math.fsum(m.points for m in matches)
        kept = self._keeps_all or score >= self.threshold
        return Explanation(score, self.threshold, kept, None, tuple(matches))

    def _counts(self, field: str) -> dict[int, int]:
        """Occurrences of each scored term (by index); a match inside a longer one does not count."""
        found = [
            (m.start(), m.end(), i) for i, (_, _, p) in enumerate(self._scored) for m in p.finditer(field)
        ]
        found.sort(key=lambda f: (f[0] - f[1], f[0]))  # longest first, then leftmost
        taken: list[tuple[int, int]] = []
        counts: dict[int, int] = {}
        for start, end, i in found:
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
                counts[i] = counts.get(i, 0) + 1
        return counts

    def score(self, title: str, text: str) -> float:
        """The item's score; minus infinity when an exclude term drops it."""
        return self.explain(title, text).score

    def keeps(self, title: str, text: str) -> bool:
        return self.explain(title, text).kept

    def apply(self, items: Iterable[Item]) -> list[Item]:
        return [item for item in items if self.keeps(item.title, item.text)]
