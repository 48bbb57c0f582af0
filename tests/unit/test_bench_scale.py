"""bench/scale.py's render figure (issue 7: 5,000 items in every format in under 1 s) times what the
render of a new edition costs: every item's text and link new to what the render remembers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ai_news_tracker.render import _remembered_web_link
from ai_news_tracker.text import shown_text

REPO = Path(__file__).resolve().parents[2]


def _scale(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO / "bench"))  # its `from _common import …`
    spec = importlib.util.spec_from_file_location("bench_scale", REPO / "bench" / "scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_scale", module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_the_render_bench_cleans_every_item_s_text_and_checks_every_link_in_each_timed_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given bench/scale.py's render figures on its edition, cut to 200 items, counting the texts cleaned
    # and the links checked (not remembered) while timed
    scale = _scale(monkeypatch)
    edition = scale.big_edition(200)
    monkeypatch.setattr(scale, "big_edition", lambda: edition)
    cleaned: list[int] = []
    checked: list[int] = []
    timed = scale.timed

    def counting(fn: Any) -> tuple[float, Any]:
        texts, links = shown_text.cache_info().misses, _remembered_web_link.cache_info().misses
        result = timed(fn)
        cleaned.append(shown_text.cache_info().misses - texts)
        checked.append(_remembered_web_link.cache_info().misses - links)
        return result

    monkeypatch.setattr(scale, "timed", counting)

    # When it times the four formats (three renders)
    scale.render_figures()

    # Then each timed render did the work of a new edition's: every item's text cleaned and its link
    # checked (a real edition's are new to the lru_caches), not left remembered by the warm-up render,
    # nor one text shared by every item
    items = len(edition.items)
    assert len({item.text for item in edition.items}) == len({item.id for item in edition.items}) == items
    assert sum(cleaned) >= 3 * items, f"{sum(cleaned)} item texts cleaned in three timed renders of {items}"
    assert sum(checked) >= 3 * items, f"{sum(checked)} links checked in three timed renders of {items}"
