"""Scale: a 5,000-item edition in every format, the memory of a 200-feed run, a monthly cost estimate.

1. **Rendering.** An edition of 5,000 items (each with a text of its own, 1,200-1,800 characters, and
   its own id; a leaderboard) rendered to Markdown, JSON, the HTML page (when the renderer has one) and
   the email (``mail.build_message``: text and HTML parts, the HTML fitted to Gmail's 102 KB), in that
   order, as one render: what the render remembers of the edition's texts and links
   (:func:`forget_edition`) is forgotten before each repetition, as a new edition's are new to it; the
   templates stay compiled. Target: all of them in under 1 s; the baseline printed beside it is
   ``json.dumps`` of the same edition, measured in the same run.
2. **Memory.** ``ai-news-tracker run`` in a fresh process over 200 loopback feeds x 30 items (~300 KB
   each, the shape of 36Kr's RSSHub feed: 60 MB of feeds), the 1.3 MB leaderboard and the email
   edition to three recipients. Peak RSS is the process's own VmHWM (tracemalloc is no use here: its
   bookkeeping took the same run past 3 GB). Target: under 256 MB (the functions' memory size), with
   the Lambda runtime's own share (``import boto3`` and Powertools, measured) added.
3. **Cost.** The month of the issue: 3 sources fetched hourly, one edition a day, 1,000 subscribers.
   The durations and the storage calls of each function are measured here (loopback feeds answering
   after 300 ms, a local raw store that counts every call), then priced. AWS latencies that a local
   run cannot show (an S3 call, an SES call, SES's sending rate) are named assumptions below.

Run: ``.venv/bin/python bench/scale.py``.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    REPO,
    FeedServer,
    FeedSpec,
    finish,
    header,
    median,
    note,
    quiet_logs,
    report,
    timed,
    vocabulary,
)

from ai_news_tracker import mail, markdown, render, text
from ai_news_tracker.config import parse_config
from ai_news_tracker.identity import item_id
from ai_news_tracker.leaderboard import build_leaderboard
from ai_news_tracker.mail import build_message, message_bytes, send_edition
from ai_news_tracker.models import Edition, Item, SourceStatus
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.render import Renderer, default_templates_dir
from ai_news_tracker.store import LocalStore

RENDER_TARGET_S = 1.0
MEMORY_TARGET_MB = 256
ITEMS = 5_000
FEEDS = 200

# -- prices: AWS list prices, US East (N. Virginia), as published on the pages named -------------------
# https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s a month; requests); since
# 2025-08-01 the INIT phase is billed too, so the cold start counts. Checked 2025; prices change.
LAMBDA_ARM_GB_SECOND = 0.0000133334
LAMBDA_PER_REQUEST = 0.20 / 1_000_000
# https://aws.amazon.com/s3/pricing/ (S3 Standard): PUT, COPY, POST, LIST per 1,000; GET per 1,000
S3_PUT_LIST = 0.005 / 1_000
S3_GET = 0.0004 / 1_000
S3_GB_MONTH = 0.023
# https://aws.amazon.com/ses/pricing/ (outbound email, per 1,000 messages; no free tier outside EC2)
SES_PER_EMAIL = 0.10 / 1_000
# https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 price cut)
DYNAMODB_WRITE = 0.625 / 1_000_000
# SNS ($0.50 per million publishes), CloudFront (1 TB and 10 M requests a month free), X-Ray (100,000
# traces a month free) and CloudWatch Logs (a few MB a month) come to well under a cent: left out.
# The Tokyo region (the stack's default) lists the same Lambda Arm price and slightly lower S3 prices.

# -- assumptions: what a loopback run cannot measure ---------------------------------------------------
S3_CALL_S = 0.020  # one S3 request from Lambda in the same region (small objects): ~10-30 ms
DYNAMODB_CALL_S = 0.008
SES_CALL_S = 0.060  # one SendEmail call
SES_RATE = 14.0  # messages a second: SES's starting production quota (the account-wide bound)
MEMORY_GB = 0.25  # every function runs at 256 MB (template.yaml)
HOURS_A_MONTH, DAYS_A_MONTH = 730, 30.4
SUBSCRIBERS = 1_000
BATCH = 50  # recipients per SendBatchFunction invocation (delivery.BATCH_SIZE)


# -- 1. rendering ---------------------------------------------------------------------------------
# What an outlet puts before the lead (新智元's and 机器之心's headers, a byline), on some items' texts.
_LEADS = ("", "", "新智元报道 编辑：桃子 好困 ", "机器之心报道 编辑：杜伟 ", "", "作者｜王晓 ")
_NAMES = ("DeepSeek-V3.2", "Qwen3-Max", "GLM-4.6", "Kimi K2", "MiniMax-M2", "https://github.com/deepseek-ai")


def item_text(rng: random.Random) -> str:
    """An item's stored text (one line, as ``text.html_to_text`` leaves it): 1,200-1,800 characters of
    news-like sentences of its own (:func:`_common.vocabulary`), a model's name or a link among them,
    some after an outlet's header."""
    words = vocabulary()
    length = rng.randrange(1_200, 1_800)
    parts = [rng.choice(_LEADS)]
    size = len(parts[0])
    while size < length:
        sentence = words.sentence(rng, rng.randrange(12, 30))
        if rng.random() < 0.2:
            sentence = rng.choice(_NAMES) + sentence
        parts.append(sentence + (" " if rng.random() < 0.25 else ""))
        size += len(parts[-1])
    return "".join(parts)[:length].strip()


def big_edition(n: int = ITEMS) -> Edition:
    rng = random.Random(5)
    when = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    items = []
    for i in range(n):
        url = f"https://www.36kr.com/p/{3_860_000_000_000_000 + i}"
        items.append(
            Item(
                id=item_id(url),
                identity=url,
                source=("36Kr", "机器之心", "新智元")[i % 3],
                title=f"第{i}条：{('深度求索', '通义千问', '智谱', '月之暗面')[i % 4]}发布 <v{i % 7}> & more",
                text=item_text(rng),
                url=url,
                published_at=when - timedelta(minutes=i),
                first_seen=when - timedelta(minutes=i // 2),
            )
        )
    scores = {f"model-{rng.getrandbits(32):08x}": 1500 - k * 1.5 for k in range(250)}
    scores |= {"qwen3-max": 1450.2, "deepseek-v3.2": 1440.7, "glm-4.6": 1430.1, "kimi-k2": 1421.9}
    return Edition(
        date=date(2026, 11, 20),
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=when,
        window_start=when - timedelta(days=1),
        window_end=when,
        key_points=tuple(item.title for item in items[:5]),
        items=tuple(items),
        sources=(
            SourceStatus("36Kr", "ok", fetched=30),
            SourceStatus("新智元", "timeout", "no answer within 10 s"),
        ),
        leaderboard=build_leaderboard("arena-catalog", scores, date(2026, 11, 15), 5, 10),
        leaderboard_status=SourceStatus("LM Arena", "ok"),
    )


def forget_edition() -> None:
    """Forget what the render remembers of an edition's values (``text.shown_text``'s cleaned texts,
    ``render``'s checked links: every ``lru_cache`` of the render's modules but the template
    environments, which are built once a process): a new edition's 5,000 texts are all new to them."""
    for module in (text, markdown, render, mail):
        for name, value in vars(module).items():
            if hasattr(value, "cache_clear") and not name.endswith("_environment"):
                value.cache_clear()


def call(method: Any, edition: Edition) -> str:
    """A renderer method with ``previous=None`` when it takes one (the web edition added it)."""
    if "previous" in inspect.signature(method).parameters:
        return str(method(edition, previous=None))
    return str(method(edition))


def render_figures() -> None:
    edition = big_edition()
    config = parse_config({"email": {"enabled": True, "sender": "国产大模型日报 <digest@example.com>"}})
    renderer = Renderer(config, default_templates_dir())
    formats: dict[str, Any] = {
        "Markdown": lambda: call(renderer.markdown, edition),
        "JSON": lambda: call(renderer.json, edition),
    }
    if hasattr(renderer, "html"):
        formats["HTML page"] = lambda: call(renderer.html, edition)
    formats["email (text + HTML, MIME)"] = lambda: message_bytes(
        build_message(
            edition,
            config,
            recipient="reader@example.org",
            web_url="https://d111111abcdef8.cloudfront.net/reports/2026-11-20.html",
            unsubscribe_url=None,
            unsubscribe_mailto=None,
            templates_dir=default_templates_dir(),
        )
    )
    for fn in formats.values():  # a warm-up: the templates compiled (a cold start's work: cold_start.py)
        fn()
    baseline = median([timed(lambda: json.dumps(edition.to_dict(), ensure_ascii=False))[0] for _ in range(5)])
    runs: dict[str, list[float]] = {name: [] for name in formats}
    totals: list[float] = []
    sizes: dict[str, int] = {}
    for _ in range(3):  # each a render of a new edition: its texts cleaned once, by the first format
        forget_edition()
        for name, fn in formats.items():
            seconds, out = timed(fn)
            runs[name].append(seconds)
            sizes[name] = len(out if isinstance(out, bytes) else out.encode("utf-8"))
        totals.append(sum(run[-1] for run in runs.values()))
    total = median(totals)
    report("baseline: json.dumps of the edition's data", f"{baseline * 1000:.0f} ms")
    for name, seconds in runs.items():
        cleaning = " (cleaning every item's text, for all four)" if name == next(iter(runs)) else ""
        report(
            f"{ITEMS:,} items -> {name}",
            f"{median(seconds) * 1000:.0f} ms = {median(seconds) / baseline:.1f}x baseline "
            f"({sizes[name] / 1e6:.1f} MB){cleaning}",
        )
    report(
        f"{ITEMS:,} items in every format ({len(runs)}), one render",
        f"{total * 1000:.0f} ms = {total / baseline:.1f}x baseline",
        f"< {RENDER_TARGET_S:g} s",
        total < RENDER_TARGET_S,
    )


# -- 2. memory ------------------------------------------------------------------------------------
def write_run_config(path: Path, server: FeedServer, feeds: int, delay_ms: int = 0, version: int = 0) -> None:
    sources = "".join(
        f'[[sources]]\nname = "feed-{n}"\nurl = "{server.feed_url(n, delay_ms, version)}"\n'
        for n in range(feeds)
    )
    board = ""
    if server.spec.leaderboard:
        board = f'[leaderboard]\nprovider = "arena-catalog"\nurl = "{server.url("/leaderboard.json")}"\n'
    path.write_text(
        "[filter]\ninclude = []\n"
        + sources
        + board
        + '[email]\nenabled = true\nsender = "日报 <digest@example.com>"\n'
        + 'recipients = ["a@example.org", "b@example.org", "c@example.org"]\n',
        encoding="utf-8",
    )


HWM_WRAPPER = """
import sys
def hwm():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
code = 0
if sys.argv[1:]:
    from ai_news_tracker.cli import main
    code = main(sys.argv[1:])
else:
    exec(sys.stdin.read())
print("VmHWM", hwm(), file=sys.stderr)
sys.exit(code)
"""


def peak_rss_mb(cli_args: list[str], code: str = "") -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, stdout) of ``ai-news-tracker <cli_args>`` (or ``code``) in a fresh process.

    The peak is the process's own VmHWM, read at its end: the ``ru_maxrss`` of a child also counts
    the pages of the parent it was forked from.
    """
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our interpreter and our own scripts
        [sys.executable, "-c", HWM_WRAPPER, *cli_args],
        input=code,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{cli_args[:1]} failed ({done.returncode}): {done.stderr[-2000:]}")
    hwm = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("VmHWM"))
    return hwm / 1024, seconds, done.stdout


def memory_figures() -> None:
    now = "2026-11-20T08:00:00+08:00"
    with tempfile.TemporaryDirectory() as tmp_, FeedServer(FeedSpec(FEEDS, leaderboard=True)) as server:
        tmp = Path(tmp_)
        config = tmp / "config.toml"
        write_run_config(config, server, FEEDS)
        args = ["run", "--config", str(config), "--data-dir", str(tmp / "data"), "--now", now]
        rss, seconds, out = peak_rss_mb(args)
        stats = server.stats()
        items = len(list((tmp / "data" / "raw" / "items").iterdir()))
    bare, _, _ = peak_rss_mb([], "pass")
    runtime, _, _ = peak_rss_mb(
        [], "import boto3, aws_lambda_powertools.logging, aws_lambda_powertools.metrics"
    )
    lambda_share = runtime - bare
    report(
        f"whole run, {FEEDS} feeds x 30 items "
        f"({stats['body_bytes'] / 1e6:.0f} MB of feeds, {items:,} items stored)",
        f"peak RSS {rss:.0f} MB in {seconds:.1f} s ({out.strip()[:60]}...)",
    )
    report(
        "the same run as a 256 MB function: peak RSS + boto3/Powertools",
        f"{rss:.0f} + {lambda_share:.0f} = {rss + lambda_share:.0f} MB",
        f"< {MEMORY_TARGET_MB} MB",
        rss + lambda_share < MEMORY_TARGET_MB,
    )


# -- 3. cost ----------------------------------------------------------------------------------------
@dataclass
class Counting:
    """A local store that counts the S3 requests the same calls would make."""

    inner: LocalStore
    calls: dict[str, int] = field(default_factory=lambda: {"GET": 0, "PUT": 0, "LIST": 0})

    def get(self, key: str) -> bytes | None:
        self.calls["GET"] += 1
        return self.inner.get(key)

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self.calls["PUT"] += 1
        self.inner.put(key, data, content_type=content_type)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        self.calls["PUT"] += 1
        return self.inner.put_if_absent(key, data, content_type=content_type)

    def list(self, prefix: str) -> list[str]:
        keys = self.inner.list(prefix)
        self.calls["LIST"] += max(1, math.ceil(len(keys) / 1000))
        return keys

    def take(self) -> dict[str, int]:
        taken, self.calls = self.calls, {"GET": 0, "PUT": 0, "LIST": 0}
        return taken


@dataclass
class Job:
    name: str
    per_month: float  # invocations
    cpu_s: float  # measured locally
    s3: dict[str, float]  # requests per invocation
    other_s: float = 0.0  # modeled waits (SES, DynamoDB) per invocation
    emails: float = 0.0
    dynamodb_writes: float = 0.0

    @property
    def billed_s(self) -> float:
        return self.cpu_s + sum(self.s3.values()) * S3_CALL_S + self.other_s


def measure_jobs(init_s: float) -> list[Job]:
    feeds, delay = 3, 300
    spec = FeedSpec(feeds, leaderboard=True, delays_ms=(delay,), versions=4)
    now = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp_, FeedServer(spec) as server, quiet_logs():
        tmp = Path(tmp_)
        raw, site = Counting(LocalStore(tmp / "raw")), Counting(LocalStore(tmp / "site"))

        def pipeline(version: int) -> Pipeline:
            config = parse_config(
                {
                    "filter": {"include": []},
                    "sources": [
                        {"name": f"source-{n}", "url": server.feed_url(n, delay, version)}
                        for n in range(feeds)
                    ],
                    "leaderboard": {"provider": "arena-catalog", "url": server.url("/leaderboard.json")},
                    "email": {"enabled": True, "sender": "日报 <digest@example.com>"},
                }
            )
            return Pipeline(config, raw, site)  # type: ignore[arg-type]

        pipeline(0).fetch(now - timedelta(hours=1), leaderboard=False)  # the feeds' first fill
        raw.take()
        fetch_runs = []
        for version in (1, 2, 3):  # an hour later each: four new items per feed, 304s never (it changed)
            seconds, _ = timed(
                lambda v=version: pipeline(v).fetch(now + timedelta(hours=v - 1), leaderboard=False)
            )
            fetch_runs.append((seconds, raw.take()))
        board_s, board = timed(lambda: pipeline(3).fetch(now + timedelta(hours=3), feeds=False))
        assert board.leaderboard is not None and board.leaderboard.ok, board.leaderboard
        board_calls = raw.take()
        p = pipeline(3)
        build_s, (edition, _) = timed(lambda: p.build(now + timedelta(hours=3)))
        publish_s, _ = timed(lambda: p.publish(edition))
        render_calls = {k: raw.calls[k] + site.calls[k] for k in raw.calls}
        raw.take(), site.take()
        recipients = [f"reader{n}@example.org" for n in range(SUBSCRIBERS)]
        send_s, sent = timed(
            lambda: send_edition(
                edition,
                p.config,
                recipients,
                sender=lambda message: "ses-id",
                outbox=None,
                sent_log=raw,  # type: ignore[arg-type]
                web_url="https://example.cloudfront.net/reports/2026-11-20.html",
                unsubscribe_base=None,
                templates_dir=default_templates_dir(),
            )
        )
        send_calls = raw.take()
    assert len(sent.sent) == SUBSCRIBERS
    fetch_s = median([s for s, _ in fetch_runs])
    fetch_calls = {k: median([c[k] for _, c in fetch_runs]) for k in fetch_runs[0][1]}
    batches = math.ceil(SUBSCRIBERS / BATCH)
    ses_wait = max(SUBSCRIBERS * SES_CALL_S, SUBSCRIBERS / SES_RATE)
    note(
        f"measured: hourly fetch of {feeds} feeds (300 ms each, 4 new items per feed) {fetch_s:.2f} s, "
        f"{sum(fetch_calls.values()):.0f} storage calls; leaderboard {board_s:.2f} s; "
        f"build {build_s:.2f} s + "
        f"publish {publish_s:.2f} s ({len(edition.items)} items); {SUBSCRIBERS:,} emails composed and "
        f"logged {send_s:.2f} s; cold start (import + init) {init_s:.2f} s"
    )
    return [
        Job("fetch feeds, hourly", HOURS_A_MONTH, init_s + fetch_s, fetch_calls, 2 * DYNAMODB_CALL_S, 0, 2),
        Job(
            "fetch leaderboard, daily", DAYS_A_MONTH, init_s + board_s, board_calls, 2 * DYNAMODB_CALL_S, 0, 2
        ),
        Job(
            "render edition, daily",
            DAYS_A_MONTH,
            init_s + build_s + publish_s,
            render_calls,
            3 * DYNAMODB_CALL_S,
            0,
            2,
        ),
        Job(
            f"send {SUBSCRIBERS:,} emails, daily ({batches} batches of {BATCH})",
            DAYS_A_MONTH * batches,
            init_s + send_s / batches,
            {k: v / batches for k, v in send_calls.items()},
            ses_wait / batches,
            BATCH,
        ),
        Job("email fan-out, daily", DAYS_A_MONTH, init_s, {"GET": 1}, 0.2),
    ]


def cost_figures() -> None:
    init_runs = []
    for _ in range(3):
        done = subprocess.run(  # noqa: S603 - our interpreter and our own scripts
            [sys.executable, str(REPO / "bench" / "_cold_child.py"), "import", "fetch_feeds"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"},
        )
        init_runs.append(json.loads(done.stdout.splitlines()[-1])["import"])
    jobs = measure_jobs(median(init_runs))
    total = 0.0
    print(
        f"   {'function':44} {'runs/mo':>8} {'billed s':>9} {'S3 req':>7} "
        f"{'Lambda $':>9} {'S3 $':>8} {'SES $':>7}"
    )
    for job in jobs:
        gb_s = job.per_month * job.billed_s * MEMORY_GB
        lam = gb_s * LAMBDA_ARM_GB_SECOND + job.per_month * LAMBDA_PER_REQUEST
        s3 = job.per_month * (
            (job.s3.get("PUT", 0) + job.s3.get("LIST", 0)) * S3_PUT_LIST + job.s3.get("GET", 0) * S3_GET
        )
        ses = job.per_month * job.emails * SES_PER_EMAIL
        ddb = job.per_month * job.dynamodb_writes * DYNAMODB_WRITE
        total += lam + s3 + ses + ddb
        print(
            f"   {job.name:44} {job.per_month:8.0f} {job.billed_s:9.2f} {sum(job.s3.values()):7.0f} "
            f"{lam:9.4f} {s3:8.4f} {ses:7.2f}"
        )
    storage = 0.05 * S3_GB_MONTH  # the raw archive grows by a few MB a month: 50 MB after a year
    total += storage
    report(
        "monthly cost: 3 sources hourly, 1 edition a day, 1,000 subscribers "
        "(us-east-1 list prices, no free tier)",
        f"${total:.2f} a month (SES ${DAYS_A_MONTH * SUBSCRIBERS * SES_PER_EMAIL:.2f} of it)",
    )


def main() -> int:
    header("scale")
    with quiet_logs():
        render_figures()
    memory_figures()
    cost_figures()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
