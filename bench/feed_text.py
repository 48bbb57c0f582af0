"""Hostile feed text: one description of megabytes of broken markup costs what a normal feed does.

    .venv/bin/python bench/feed_text.py [--repeat 3]

Baseline, measured in the same run: :func:`parse_feed` on a realistic feed of about 2.8 MB (36Kr-like
items of escaped HTML, ``_common.feed_xml``). Against it, feeds of the same size whose first item
carries one 2.75 MB description of a markup pattern that parsers stumble over (an unterminated
``<![CDATA[`` before every character took two minutes before the parser read it in one pass and an
entry's HTML was cut at ``MARKUP_PER_CHAR`` characters per character kept). Printed per pattern: its
time over the baseline's (target ≤ 2), and its time at 4× the size over its time at the quarter size
(linear is about 4, quadratic 16; target ≤ 8). Nearly all of the time left is feedparser's own
(expat, and its ``str.translate`` of windows-1252 code points over the whole description).
"""

from __future__ import annotations

import argparse
import sys
from zoneinfo import ZoneInfo

from _common import feed_xml, finish, header, median, quiet_logs, report, timed

from ai_news_tracker.feeds import parse_feed

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOSTILE_CHARS = 2_750_000
# What each description repeats: the CDATA case of the review, and the cut-off constructs of HTMLParser.
PATTERNS = {
    "unterminated CDATA": "<![CDATA[>字",
    "lone '<'": "<字",
    "open tags": "<a 字",
    "comments": "<!--字",
    "entities": "&amp字",
}


def hostile_feed(pattern: str, chars: int) -> bytes:
    description = pattern * (chars // len(pattern))
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>hostile</title>'
    item = f"<item><title>t</title><link>https://e.cn/1</link><description><![CDATA[{description}]]></description></item>"
    return f"{head}{item}</channel></rss>".encode()


def seconds(body: bytes, repeat: int) -> float:
    runs = [timed(lambda: parse_feed(body, {}, "https://e.cn/feed", SHANGHAI))[0] for _ in range(repeat)]
    return median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    header("hostile feed text")
    with quiet_logs():
        baseline_body = feed_xml(0, items=300)
        baseline = seconds(baseline_body, args.repeat)
        report("baseline: a realistic feed", f"{len(baseline_body) / 1e6:.1f} MB in {baseline * 1000:.0f} ms")
        for name, pattern in PATTERNS.items():
            body = hostile_feed(pattern, HOSTILE_CHARS)
            full = seconds(body, args.repeat)
            quarter = seconds(hostile_feed(pattern, HOSTILE_CHARS // 4), args.repeat)
            ratio = full / baseline
            report(f"{name}: time / baseline", f"{ratio:.2f} ({full * 1000:.0f} ms)", "≤ 2", ratio <= 2)
            growth = full / quarter
            report(f"{name}: time at 4× the size", f"{growth:.1f}×", "≤ 8", growth <= 8)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
