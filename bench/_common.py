"""What the benchmarks share: realistic feeds, a feed server in its own process, figures with targets.

Feeds. :func:`feed_xml` writes an RSS 2.0 feed in the shape of 36Kr's RSSHub feed (30 items, each
with about 10 KB of escaped HTML: paragraphs, headings, image tags; RFC 822 dates in GMT; a guid per
item), about 300 KB in all, like the real one (30 items, 381 KB). The text is made up here from a
small vocabulary; nothing is copied from a real feed.

Feed server. :class:`FeedServer` runs ``tests/integration/loopback.py`` in a child process, so the
server's own CPU work (writing 15 MB of bodies) is not charged to the client being measured. Each
feed is served at ``/d<ms>/feed-<n>.xml``: answered after <ms> milliseconds, with an ``ETag`` and a
``Last-Modified``; a request carrying either validator back gets a ``304`` (after the same delay).
The server counts what it sent: ``GET /_stats`` gives the statuses and the body bytes written,
``GET /_reset`` clears the counts.

Figures. Every bench prints its figures with :func:`report` (``PASS`` / ``FAIL`` against a target, or
``info``) and ends with :func:`finish`, which exits 1 when a target failed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
LOOPBACK_DIR = REPO / "tests" / "integration"

# -- feeds -----------------------------------------------------------------------------------------
NEW_PER_VERSION = 4
_SUBJECTS = (
    "深度求索",
    "通义千问",
    "智谱",
    "月之暗面",
    "MiniMax",
    "字节豆包",
    "百度文心",
    "腾讯混元",
    "阶跃星辰",
)
_VERBS = ("发布", "开源", "升级", "推出", "公布", "上线")
_THINGS = ("新一代推理模型", "多模态大模型", "代码模型", "智能体平台", "长上下文版本", "端侧小模型")
_COMMON = (
    "大模型",
    "人工智能",
    "推理",
    "开源",
    "训练",
    "数据",
    "算力",
    "企业",
    "用户",
    "发布",
    "能力",
    "产品",
)


class _Vocabulary:
    """Made-up Chinese words with Zipf frequencies: news text varies the way real text does.

    (A handful of fixed sentences repeated across thousands of items is not news: every item would
    share every phrase with every other, which no real feed does.)
    """

    def __init__(self, size: int = 20_000, seed: int = 11) -> None:
        rng = random.Random(seed)
        chars = [chr(0x4E00 + rng.randrange(3000)) for _ in range(3000)]
        self.words = [
            *_COMMON,
            *("".join(rng.choices(chars, k=rng.choice((2, 2, 3, 4)))) for _ in range(size)),
        ]
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        total = 0.0
        self.cumulative = []
        for w in weights:
            total += w
            self.cumulative.append(total)

    def sentence(self, rng: random.Random, words: int) -> str:
        return "".join(rng.choices(self.words, cum_weights=self.cumulative, k=words)) + "。"


_VOCABULARY: _Vocabulary | None = None


def vocabulary() -> _Vocabulary:
    global _VOCABULARY  # noqa: PLW0603 - built once per process, on first use
    if _VOCABULARY is None:
        _VOCABULARY = _Vocabulary()
    return _VOCABULARY


def item_html(rng: random.Random, target_bytes: int) -> str:
    """An article body as RSSHub publishes it: paragraphs, a heading, image tags."""
    words = vocabulary()
    parts: list[str] = []
    size = 0
    n = 0
    while size < target_bytes:
        if n % 6 == 3:
            block = f"<h2><strong>0{n // 6 + 1}</strong></h2>"
        elif n % 6 == 5:
            block = (
                '<p class="image-wrapper"><img data-img-size-val="1080,720" '
                f'src="https://img.example.com/2026/11/{rng.getrandbits(64):016x}_img_000?x-oss-process='
                'image/format,jpg/interlace,1" referrerpolicy="no-referrer"></p>'
            )
        else:
            block = "<p>" + "".join(words.sentence(rng, rng.randrange(12, 30)) for _ in range(3)) + "</p>"
        parts.append(block)
        size += len(block.encode("utf-8"))
        n += 1
    return "\n  ".join(parts)


def feed_xml(
    feed: int, items: int = 30, item_bytes: int = 9_000, *, now: datetime | None = None, version: int = 0
) -> bytes:
    """Feed number ``feed``: ``items`` items of ~``item_bytes`` escaped HTML each (~300 KB at the defaults).

    ``version`` k shows the feed an hour later k times over: :data:`NEW_PER_VERSION` newer items on top,
    the oldest ones gone (36Kr publishes about four an hour).
    """
    rng = random.Random(feed * 1000 + version)
    now = (now or datetime(2026, 11, 20, 0, 0, tzinfo=UTC)) + timedelta(hours=version)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">'
        f"<channel><title>36氪 - 最新资讯频道 {feed}</title><link>https://www.36kr.com/information/web_news</link>"
        f"<description>36氪 - 最新资讯频道 {feed} - Powered by RSSHub</description>"
        "<generator>RSSHub</generator>"
        f"<language>zh-cn</language><lastBuildDate>{format_datetime(now, usegmt=True)}</lastBuildDate>"
    ]
    for i in range(items):
        age = i - version * NEW_PER_VERSION  # item numbers grow with time; 0 is the newest of version 0
        number = 3_860_000_000_000_000 + feed * 10_000 + 5_000 - age
        words = vocabulary().sentence(rng, 4)[:-1]
        title = f"{rng.choice(_SUBJECTS)}{rng.choice(_VERBS)}{words}{rng.choice(_THINGS)}"
        published = now - timedelta(minutes=15 * i + rng.randrange(10))
        out.append(
            f"<item><title>{escape(title)}</title>"
            f"<description>{escape(item_html(rng, item_bytes))}</description>"
            f"<link>https://www.36kr.com/p/{number}</link>"
            f'<guid isPermaLink="false">https://www.36kr.com/p/{number}</guid>'
            f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate><author>36氪</author></item>"
        )
    out.append("</channel></rss>")
    return "".join(out).encode("utf-8")


def leaderboard_json(models: int = 300, categories: int = 29) -> bytes:
    """An ``arena-catalog`` file of about the real size: {category: {model: {rating, …}}}."""
    rng = random.Random(7)
    prefixes = (
        "qwen3-",
        "deepseek-v3.",
        "glm-4.",
        "kimi-k2-",
        "gpt-5-",
        "gemini-3-",
        "claude-4-",
        "llama-4-",
    )
    names = [f"{rng.choice(prefixes)}{n}-{rng.getrandbits(24):06x}" for n in range(models)]
    data: dict[str, Any] = {}
    for c in range(categories):
        category = "full" if c == 0 else f"category_{c}"
        data[category] = {
            name: {
                "rating": 1500 - n * 1.37 + rng.random(),
                "rating_q975": 1510 - n * 1.37,
                "rating_q025": 1490 - n * 1.37,
            }
            for n, name in enumerate(names)
        }
    return json.dumps(data, indent=4).encode("utf-8")


# -- the feed server -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedSpec:
    feeds: int
    items: int = 30
    item_bytes: int = 9_000
    delays_ms: tuple[int, ...] = (0,)
    leaderboard: bool = False
    versions: int = 1  # /d<ms>/feed-<n>.xml is version 0; /v<k>/d<ms>/feed-<n>.xml version k


def _serve(spec: FeedSpec, conn: Any) -> None:  # runs in the child process
    sys.path.insert(0, str(LOOPBACK_DIR))
    import threading

    import loopback

    loopback._Server.request_queue_size = 256  # many feeds connect at once; the default backlog is 5

    lock = threading.Lock()
    stats: dict[str, Any] = {"requests": 0, "status": {}, "body_bytes": 0}
    modified = format_datetime(datetime(2026, 11, 20, 0, 0, tzinfo=UTC), usegmt=True)

    def feed_route(body: bytes, delay: float, content_type: str) -> loopback.Handler:
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'

        def handler(exchange: loopback.Exchange) -> None:
            if delay and exchange.wait(delay):
                return
            headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": modified}
            fresh = exchange.headers.get("if-none-match") == etag or (
                "if-none-match" not in exchange.headers
                and exchange.headers.get("if-modified-since") == modified
            )
            status = 304 if fresh else 200
            exchange.respond(status, b"" if fresh else body, headers)
            with lock:
                stats["requests"] += 1
                stats["status"][str(status)] = stats["status"].get(str(status), 0) + 1
                stats["body_bytes"] += exchange.sent

        return handler

    def control(exchange: loopback.Exchange) -> None:
        with lock:
            data = json.dumps(stats).encode()
            if exchange.path == "/_reset":
                stats.update(requests=0, status={}, body_bytes=0)
        exchange.respond(200, data, {"Content-Type": "application/json"})

    routes: dict[str, loopback.Handler] = {"/_stats": control, "/_reset": control}
    for n in range(spec.feeds):
        for version in range(spec.versions):
            body = feed_xml(n, spec.items, spec.item_bytes, version=version)
            prefix = f"/v{version}" if version else ""
            for ms in spec.delays_ms:
                route = feed_route(body, ms / 1000, "application/rss+xml; charset=utf-8")
                routes[f"{prefix}/d{ms}/feed-{n}.xml"] = route
    if spec.leaderboard:
        routes["/leaderboard.json"] = feed_route(leaderboard_json(), 0, "application/json")
    with loopback.LoopbackServer(routes) as server:
        conn.send(server.port)
        conn.recv()  # until the parent says stop


class FeedServer:
    """The feed server in a child process (a context manager)."""

    def __init__(self, spec: FeedSpec) -> None:
        self.spec = spec
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(spec, child), daemon=True)
        self.port = 0

    def __enter__(self) -> FeedServer:
        self._process.start()
        if not self._conn.poll(120):
            raise RuntimeError("the feed server did not start")
        self.port = int(self._conn.recv())
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def feed_url(self, n: int, delay_ms: int = 0, version: int = 0) -> str:
        return self.url(f"{f'/v{version}' if version else ''}/d{delay_ms}/feed-{n}.xml")

    def _get(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(self.url(path), timeout=10) as answer:  # noqa: S310 - loopback
            data: dict[str, Any] = json.loads(answer.read())
        return data

    def stats(self) -> dict[str, Any]:
        return self._get("/_stats")

    def reset(self) -> dict[str, Any]:
        return self._get("/_reset")


# -- measuring -------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


@contextmanager
def quiet_logs() -> Iterator[None]:
    """The package logs at INFO per request; a bench keeps stderr for its own figures."""
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


# -- figures ---------------------------------------------------------------------------------------
_FAILED: list[str] = []


def header(title: str) -> None:
    print(f"\n== {title} ==")
    print(f"   {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}")


def report(name: str, value: str, target: str | None = None, passed: bool | None = None) -> None:
    """One figure: ``PASS``/``FAIL`` when it has a target, else ``info``."""
    verdict = "info" if passed is None else ("PASS" if passed else "FAIL")
    if passed is False:
        _FAILED.append(name)
    line = f"   [{verdict}] {name}: {value}"
    if target:
        line += f"   (target {target})"
    print(line, flush=True)


def note(text: str) -> None:
    print(f"          {text}", flush=True)


def finish() -> int:
    if _FAILED:
        print(f"   {len(_FAILED)} target(s) missed: {'; '.join(_FAILED)}")
        return 1
    print("   every target met")
    return 0
