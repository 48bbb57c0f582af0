"""今日要点: the key points of an edition.

``extractive`` needs no network and no key: one short point per leading item, taken from the item's
own title (column tags such as ``| 早期项目`` or ``丨最前线`` removed), else from its first sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Item

_COLUMN_TAG = re.compile(r"\s*[|｜丨]\s*[^|｜丨\s]{1,6}$")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending with an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def first_sentence(text: str) -> str:
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    return parts[0] if parts else ""


def key_point(item: Item, limit: int) -> str:
    title = _COLUMN_TAG.sub("", item.title).strip() or item.title.strip()
    return shorten(title or first_sentence(item.text), limit)


def extractive_points(items: Sequence[Item], count: int, limit: int) -> list[str]:
    """One point per leading item, skipping items that would give an empty or repeated point."""
    points: list[str] = []
    for item in items:
        if len(points) >= count:
            break
        point = key_point(item, limit)
        if point and point not in points:
            points.append(point)
    return points
