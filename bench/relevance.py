"""Relevance benchmark: precision and recall of the [filter] on the hand-labelled headlines.

    .venv/bin/python bench/relevance.py [--config config/default.toml] [-v]

The labels (tests/fixtures/relevance/labels.toml) name entries of the real feeds in ../shared/data, the
items of the sample report in ../shared/spec (both read in place, never copied) and the headlines
written for the labels in tests/fixtures/relevance/headlines.toml. Printed: the
configured scoring filter and, as the baseline measured in the same run, the plain filter of the same
include and exclude terms (as before scoring); the confusion counts; the label keys of the
misclassified headlines (``-v``: their titles and why). Exit 2 when the shared data is absent.
tests/unit/test_relevance_labelled.py loads the labelled set with the functions here.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ai_news_tracker.config import load_config
from ai_news_tracker.feeds import parse_feed
from ai_news_tracker.relevance import RelevanceFilter

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "tests" / "fixtures"
LABELS = FIXTURES / "relevance" / "labels.toml"
DEFAULT_CONFIG = REPO / "config" / "default.toml"
SAMPLE_ITEM = re.compile(
    r"### (?P<title>.+)\n\n\*\*来源\*\*: \S+ \| \*\*时间\*\*: [\d-]+ [\d:]+\n\n"
    r"(?:(?P<text>.+)\n\n)?\[阅读原文\]\(\S+\)"
)
RELEVANT_REASONS = frozenset(
    {
        "model",
        "benchmark",
        "research",
        "funding",
        "compute",
        "policy",
        "lab",
        "application",
        "commentary",
        "event",
    }
)
OTHER_REASONS = frozenset(
    {
        "phone",
        "car",
        "market",
        "retail",
        "finance",
        "business",
        "media",
        "lifestyle",
        "health",
        "other-tech",
        "ai-in-passing",
    }
)


def data_dir() -> Path:
    """../shared/data, or where AI_NEWS_TRACKER_SHARED_DATA points (as in tests/shared_data.py)."""
    return Path(os.environ.get("AI_NEWS_TRACKER_SHARED_DATA") or SHARED / "data")


def spec_dir() -> Path:
    """The sample report's folder, beside the data folder (../shared/spec, or where that points)."""
    return data_dir().parent / "spec"


@dataclass(frozen=True)
class Labelled:
    file: str  # as named in labels.toml: data/…, spec/… or fixtures/…
    key: str
    title: str
    text: str
    relevant: bool
    reason: str


def title_key(title: str) -> str:
    return "sha256:" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:16]


def labelled_files(labels: Path = LABELS, data: Path | None = None, spec: Path | None = None) -> list[Path]:
    """The files the labels need, where they are read from."""
    table = tomllib.loads(labels.read_text(encoding="utf-8"))
    return [_resolve(name, data or data_dir(), spec or spec_dir()) for name in table]


def load_labelled(
    labels: Path = LABELS, data: Path | None = None, spec: Path | None = None
) -> list[Labelled]:
    """Every labelled headline with its title and text, read in place.

    Raises ValueError when a label names no entry, an entry has no label, or a label is malformed.
    """
    table = tomllib.loads(labels.read_text(encoding="utf-8"))
    result: list[Labelled] = []
    for name, entries in table.items():
        path = _resolve(name, data or data_dir(), spec or spec_dir())
        found = dict(entries_of(path))
        if set(found) != set(entries):
            missing, unlabelled = sorted(set(entries) - set(found)), sorted(set(found) - set(entries))
            raise ValueError(
                f"{name}: labels without an entry {missing}, entries without a label {unlabelled}"
            )
        for key, label in entries.items():
            relevant, reason = label.get("relevant"), label.get("reason")
            reasons = RELEVANT_REASONS if relevant else OTHER_REASONS
            if (
                not isinstance(relevant, bool)
                or reason not in reasons
                or set(label) - {"relevant", "reason", "topic"}
            ):
                raise ValueError(f"{name}: malformed label for {key}: {label}")
            title, text = found[key]
            result.append(Labelled(name, key, title, text, relevant, reason))
    return result


def _resolve(name: str, data: Path, spec: Path) -> Path:
    folder, _, rest = name.partition("/")
    if folder == "data":
        return data / rest
    if folder == "spec":
        return spec / rest
    if folder == "fixtures":
        return FIXTURES / rest
    raise ValueError(f"labelled file outside data/, spec/ and fixtures/: {name}")


def entries_of(path: Path) -> Iterable[tuple[str, tuple[str, str]]]:
    """(key, (title, text)) of every entry of a labelled file, keyed as labels.toml keys them."""
    if path.suffix == ".md":  # the sample report: its items, keyed by title hash
        details = path.read_text(encoding="utf-8").split("## 详细资讯", 1)[1]
        for m in SAMPLE_ITEM.finditer(details):
            yield title_key(m["title"]), (m["title"], m["text"] or "")
        return
    if path.suffix == ".toml":  # headlines written for the labels, keyed by their table names
        for key, headline in tomllib.loads(path.read_text(encoding="utf-8")).items():
            yield key, (headline["title"], headline.get("text", ""))
        return
    for entry in parse_feed(path.read_bytes(), {}, "https://example.com/", ZoneInfo("Asia/Shanghai")):
        yield entry.url or entry.guid or title_key(entry.title), (entry.title, entry.text)


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int
    tn: int
    false_positives: tuple[Labelled, ...]
    false_negatives: tuple[Labelled, ...]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def measure(rules: RelevanceFilter, labelled: Sequence[Labelled]) -> Scores:
    kept = [rules.keeps(item.title, item.text) for item in labelled]
    fps = tuple(item for item, k in zip(labelled, kept, strict=True) if k and not item.relevant)
    fns = tuple(item for item, k in zip(labelled, kept, strict=True) if not k and item.relevant)
    tp = sum(1 for item, k in zip(labelled, kept, strict=True) if k and item.relevant)
    tn = len(labelled) - tp - len(fps) - len(fns)
    return Scores(tp, len(fps), len(fns), tn, fps, fns)


def _report(name: str, scores: Scores) -> str:
    return (
        f"{name:<28} precision {scores.precision:.3f}  recall {scores.recall:.3f}  F1 {scores.f1:.3f}  "
        f"(TP {scores.tp}, FP {scores.fp}, FN {scores.fn}, TN {scores.tn})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML configuration ([filter])")
    parser.add_argument("-v", "--verbose", action="store_true", help="explain each misclassified headline")
    args = parser.parse_args(argv)

    missing = [p for p in labelled_files() if not p.exists()]
    if missing:
        print(f"shared data not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    labelled = load_labelled()
    rules = load_config(args.config).filter
    scored = RelevanceFilter.from_config(rules)
    plain = RelevanceFilter(rules.include, rules.exclude)
    relevant = sum(1 for item in labelled if item.relevant)
    print(f"relevance on {len(labelled)} labelled headlines ({relevant} relevant), config {args.config}")
    result = measure(scored, labelled)
    print(_report("scoring filter", result))
    print(_report("baseline: include/exclude", measure(plain, labelled)))
    for kind, items in (
        ("false positive", result.false_positives),
        ("false negative", result.false_negatives),
    ):
        for item in items:
            print(f"  {kind}: {item.file} {item.key} ({item.reason})")
            if args.verbose:
                print(f"    {item.title}\n    {scored.explain(item.title, item.text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
