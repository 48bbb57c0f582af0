"""Fault injection: 14 days of fetches, editions and emails with failing sources, crashes and re-runs.

**The simulation** (a property-based test, Hypothesis). Three publishers put out articles on a fixed
schedule; each feed shows its newest :data:`DEPTH`, with an ``ETag``. The tracker is driven through
:class:`~ai_news_tracker.pipeline.Pipeline` with a fake ``HttpClient`` (canned ``Response`` objects or
``SourceFailure``\\ s, no sockets) over in-memory stores wrapped in :class:`FaultyStore`, which makes the
n-th storage operation of a step fail: a ``StorageError`` (an S3 error) or a :class:`Crash` (the
process dies: a ``BaseException`` no handler catches), before or after the operation took effect.
Hypothesis draws, for every step, which sources fail and where the step crashes:

* a fetch every 4 hours; a crashed fetch is retried at once with the same clock (a Lambda retry of the
  same scheduled time), left to the next one, or retried late: after the next step (the edition, say),
  with its old clock but facing the feeds of then;
* at 08:00 the day's edition: ``Pipeline.run`` with the local email edition (an ``.eml`` per recipient
  in the outbox), or, like the AWS functions, ``build`` + ``publish`` and ``send_edition`` through a fake
  SES that accepts, refuses, answers ambiguously or crashes after accepting. A crashed daily step is
  re-run with the same clock until it succeeds (Lambda retries, then the dead-letter queue replay).

Afterwards: every stored item first seen after the first edition's cutoff is in exactly one edition
(the first holds what was published within its lookback), each edition holds only items of its own
window, every article a completed fetch read is stored, no (edition, recipient) is handed over twice,
a recorded "sent" is exactly one hand-over, an undisturbed send reaches everybody (through SES, each
hand-over recorded as sent), and every edition
is completely published: all its files are there, its Markdown is the stored edition's, its JSON
holds the stored items, and the pages listing the editions are the bytes a clean publish writes.

**Two interleavings** the simulation cannot produce by itself: a fetch whose items are first seen at
the edition's cutoff, still writing while the render cuts the edition (both are scheduled at 08:00);
and an edition whose every publish failed, completed by the next day's publish. And one crash its
examples seldom draw: a fetch killed at its first item write, retried at once against the same feeds.

**AWS errors** (moto, with ``BaseClient._make_api_call`` patched to raise ``ClientError`` for chosen
operations): a failing ``PutObject`` of ``reports/D.json`` after ``.md`` succeeded (and of the other
files), a failing SES send and failing S3 sent-log writes, and failing DynamoDB idempotency writes.
None leaves a half-published edition or sends an email twice; an edition is announced twice only when
the idempotency record of its announcement cannot be completed, and then identically.

Reproducing a failure: the property runs with ``derandomize=True`` (the same examples on every run);
Hypothesis prints the falsifying example, and ``@reproduce_failure`` / ``HYPOTHESIS_PROFILE`` work as
usual. ``FAULT_INJECTION_EXAMPLES`` raises the number of examples for a longer local hunt.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lambda_support import edition_resources, fake_credentials, load_handler
from loopback import LoopbackServer, static
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from ai_news_tracker.aws import S3Store
from ai_news_tracker.config import Config, parse_config
from ai_news_tracker.edition import in_first_window
from ai_news_tracker.errors import (
    ConnectionFailed,
    FetchTimeout,
    HTTPStatusFailure,
    SourceFailure,
    StorageError,
)
from ai_news_tracker.http import Response
from ai_news_tracker.identity import recipient_key
from ai_news_tracker.mail import SendError, SesSender, outbox_key, send_edition
from ai_news_tracker.models import Edition, Item, Validators
from ai_news_tracker.pipeline import Pipeline
from ai_news_tracker.render import default_templates_dir

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)
DAYS = 14
FETCH_HOURS = (2, 6, 10, 14, 18, 22)
EDITION_HOUR = 8
DEPTH = 6  # articles a feed shows
LOOKBACK_HOURS = 24
LOCAL_RECIPIENTS = ("ann@example.org", "bo@example.org", "cy@example.org")
SES_RECIPIENTS = ("dee@example.net", "eve@example.net", "fay@example.net")
EXAMPLES = int(os.environ.get("FAULT_INJECTION_EXAMPLES", "12"))


# -- faults ----------------------------------------------------------------------------------------
class Crash(BaseException):
    """The process is killed at this point."""


@dataclass(frozen=True)
class Fault:
    at: int  # the n-th storage operation of the step (1-based)
    kind: str  # "storage" (StorageError) or "crash" (Crash)
    after: bool  # the operation took effect before the error


def raise_fault(fault: Fault, what: str) -> None:
    if fault.kind == "crash":
        raise Crash(f"killed at storage operation {fault.at} ({what})")
    raise StorageError(f"injected: storage operation {fault.at} ({what}) failed")


class MemoryStore:
    """A bucket in a dict, with the semantics of the real stores (``put_if_absent`` never overwrites)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self.objects[key] = bytes(data)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        if key in self.objects:
            return False
        self.objects[key] = bytes(data)
        return True

    def list(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))


class FaultyStore:
    """Wraps a store; the armed fault fires on the n-th operation counted by the shared ``clock``."""

    def __init__(self, inner: MemoryStore, clock: OpClock, name: str) -> None:
        self.inner = inner
        self.clock = clock
        self.name = name
        self.created: Counter[str] = Counter()  # put_if_absent calls that created the key

    def _op(self, what: str, key: str, run: Callable[[], Any]) -> Any:
        fault = self.clock.tick()
        if fault is not None and not fault.after:
            raise_fault(fault, f"{what} {self.name}:{key}")
        result = run()
        if what == "put_if_absent" and result:
            self.created[key] += 1
        if fault is not None:
            raise_fault(fault, f"{what} {self.name}:{key}")
        return result

    def get(self, key: str) -> bytes | None:
        result: bytes | None = self._op("get", key, lambda: self.inner.get(key))
        return result

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._op("put", key, lambda: self.inner.put(key, data))

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        created: bool = self._op("put_if_absent", key, lambda: self.inner.put_if_absent(key, data))
        return created

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = self._op("list", prefix, lambda: self.inner.list(prefix))
        return keys


@dataclass
class OpClock:
    """Counts the storage operations of one step (every store shares it) and fires the armed fault."""

    fault: Fault | None = None
    ops: int = 0

    def arm(self, fault: Fault | None) -> None:
        self.fault, self.ops = fault, 0

    def tick(self) -> Fault | None:
        self.ops += 1
        if self.fault is not None and self.ops == self.fault.at:
            fired, self.fault = self.fault, None
            return fired
        return None


# -- the publishers ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Article:
    source: int
    number: int
    url: str
    published: datetime
    title: str
    text: str


def _words(seed: str, count: int) -> str:
    """Distinct made-up Chinese text (no two articles read alike, so no duplicate detection merges them)."""
    digest = hashlib.sha256(seed.encode()).digest() * 4
    return "".join(chr(0x4E00 + digest[i] * 80 + digest[i + 1] % 80) for i in range(count))


def build_world() -> list[list[Article]]:
    """Each source's articles, oldest first: one every 2-5 hours from a day before the first fetch."""
    world: list[list[Article]] = []
    for source in range(3):
        rng = hashlib.sha256(f"schedule-{source}".encode()).digest()
        t = START - timedelta(days=1)
        articles = []
        n = 0
        while t < START + timedelta(days=DAYS + 1):
            if source == 1 and n % 5 == 4 and world:  # cross-posts an article of source 0: one item
                original = next(a for a in reversed(world[0]) if a.published <= t)
                url = original.url + "?utm_source=rss"
                title, text = original.title, original.text
            else:
                url = f"https://source{source}.example.com/articles/{n}"
                title = f"{_words(f'title-{source}-{n}', 12)} 大模型 {source}-{n}"
                text = _words(f"text-{source}-{n}", 60)
            articles.append(Article(source, n, url, t, title, text))
            t += timedelta(minutes=120 + rng[n % 32] % 180)
            n += 1
        world.append(articles)
    return world


WORLD = build_world()
SOURCE_URLS = [f"https://feeds{source}.example.com/rss" for source in range(3)]


def visible(source: int, now: datetime) -> list[Article]:
    shown = [a for a in WORLD[source] if a.published <= now]
    return shown[-DEPTH:][::-1]


def rss(source: int, articles: list[Article]) -> bytes:
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{escape(a.url)}</link>"
        f"<description>{escape(a.text)}</description>"
        f"<pubDate>{format_datetime(a.published.astimezone(UTC), usegmt=True)}</pubDate></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>source {source}</title><link>https://source{source}.example.com/</link>{items}"
        "</channel></rss>"
    ).encode()


class FakeHttp:
    """``fetch_many`` answering from the publishers at the simulated clock, with validators."""

    def __init__(self) -> None:
        self.now = START
        self.failing: frozenset[int] = frozenset()
        self.served: list[tuple[int, tuple[str, ...]]] = []  # (source, urls) of each 200 of this step

    def fetch_many(
        self, jobs: list[tuple[Any, str, Validators | None, int | None]], *, deadline_at: float | None = None
    ) -> dict[Any, Response | SourceFailure]:
        results: dict[Any, Response | SourceFailure] = {}
        for key, url, validators, _ in jobs:
            source = SOURCE_URLS.index(url)
            if source in self.failing:
                results[key] = (
                    ConnectionFailed("connection refused"),
                    FetchTimeout("no answer within 10 s"),
                    HTTPStatusFailure("503 Service Unavailable", 503),
                )[(source + self.now.day) % 3]
                continue
            articles = visible(source, self.now)
            body = rss(source, articles)
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            fresh = validators is not None and validators.etag == etag
            headers = {"content-type": "application/rss+xml; charset=utf-8", "etag": etag}
            if not fresh:
                self.served.append((source, tuple(a.url for a in articles)))
            results[key] = Response(
                status=304 if fresh else 200,
                body=b"" if fresh else body,
                headers=headers,
                url=url,
                validators=Validators(etag, None) if not fresh else (validators or Validators()),
                not_modified=fresh,
            )
        return results


# -- the fake SES ----------------------------------------------------------------------------------
@dataclass
class FakeSes:
    """Hands messages over; each call's behaviour comes from ``script`` (then "ok")."""

    script: list[str] = field(default_factory=list)
    accepted: Counter[tuple[str, str]] = field(default_factory=Counter)  # (date, recipient) handed over

    def __call__(self, message: EmailMessage) -> str:
        behaviour = self.script.pop(0) if self.script else "ok"
        to = str(message["To"]).strip().lower()
        day = str(message["Subject"]).split()[0]
        if behaviour == "refused":
            raise SendError("SES refused the message: MessageRejected")
        if behaviour == "lost":  # no answer, and it never arrived
            raise SendError("SES did not confirm the message: read timeout", ambiguous=True)
        self.accepted[(day, to)] += 1
        if behaviour == "accepted-no-answer":
            raise SendError("SES did not confirm the message: read timeout", ambiguous=True)
        if behaviour == "crash":
            raise Crash("killed right after SES accepted the message")
        return f"ses-{uuid.uuid4()}"


# -- the simulation --------------------------------------------------------------------------------
def the_config(email: bool) -> Config:
    return parse_config(
        {
            "report": {"max_items": 10_000, "lookback_hours": LOOKBACK_HOURS},
            "filter": {"include": []},
            "sources": [{"name": f"source-{n}", "url": url} for n, url in enumerate(SOURCE_URLS)],
            "email": {
                "enabled": email,
                "sender": "国产大模型日报 <digest@example.com>",
                "recipients": list(LOCAL_RECIPIENTS),
            },
            "fetch": {"workers": 1},  # one thread everywhere: the n-th operation is the same on every run
        }
    )


faults = st.one_of(
    st.none(),
    st.none(),
    st.none(),
    st.builds(Fault, at=st.integers(1, 60), kind=st.sampled_from(["storage", "crash"]), after=st.booleans()),
)
fetch_steps = st.tuples(
    st.sets(st.integers(0, 2), max_size=3).map(frozenset),  # failing sources
    faults,
    # a crashed fetch is left to the next one, retried at once, or retried late: after the next step,
    # with its own scheduled time as the clock (a Lambda retry an hour later), facing the feeds of then
    st.sampled_from(["never", "at once", "late"]),
)
daily_steps = st.tuples(
    st.sets(st.integers(0, 2), max_size=3).map(frozenset),
    st.lists(
        st.builds(
            Fault, at=st.integers(1, 120), kind=st.sampled_from(["storage", "crash"]), after=st.booleans()
        ),
        max_size=3,
    ),  # one fault per attempt; the attempt after the last one runs clean
    st.lists(st.sampled_from(["ok", "ok", "refused", "lost", "accepted-no-answer", "crash"]), max_size=4),
)
FETCHES = DAYS * len(FETCH_HOURS)
scenarios = st.fixed_dictionaries(
    {
        "aws_style": st.booleans(),
        "fetches": st.lists(fetch_steps, min_size=FETCHES, max_size=FETCHES),
        "dailies": st.lists(daily_steps, min_size=DAYS - 1, max_size=DAYS - 1),
    }
)


@dataclass
class Simulation:
    aws_style: bool
    clock: OpClock = field(default_factory=OpClock)
    raw_data: MemoryStore = field(default_factory=MemoryStore)
    site_data: MemoryStore = field(default_factory=MemoryStore)
    outbox_data: MemoryStore = field(default_factory=MemoryStore)
    http: FakeHttp = field(default_factory=FakeHttp)
    ses: FakeSes = field(default_factory=FakeSes)
    stored_by_fetch: set[str] = field(default_factory=set)  # article URLs a completed fetch read
    send_reports: dict[str, Any] = field(default_factory=dict)  # date -> the last send report
    late: list[datetime] = field(default_factory=list)  # fetches that crashed in this step, to retry late
    ready: list[datetime] = field(default_factory=list)  # ... and in the step before
    disturbed: set[str] = field(default_factory=set)  # dates whose sending met a fault

    def __post_init__(self) -> None:
        self.raw = FaultyStore(self.raw_data, self.clock, "raw")
        self.site = FaultyStore(self.site_data, self.clock, "site")
        self.outbox = FaultyStore(self.outbox_data, self.clock, "outbox")
        self.config = the_config(email=not self.aws_style)
        self.pipeline = Pipeline(
            self.config,
            self.raw,  # type: ignore[arg-type]
            self.site,  # type: ignore[arg-type]
            http=self.http,  # type: ignore[arg-type]
            outbox=self.outbox,  # type: ignore[arg-type]
        )

    def fetch(
        self,
        now: datetime,
        failing: frozenset[int],
        fault: Fault | None,
        retry: str,
        seen: datetime | None = None,
    ) -> bool:
        """One fetch with ``now`` as its clock, facing the feeds as of ``seen`` (or ``now``); True if done."""
        for attempt in (fault, None) if retry == "at once" else (fault,):
            self.http.now, self.http.failing, self.http.served = seen or now, failing, []
            self.clock.arm(attempt)
            try:
                self.pipeline.fetch(now, leaderboard=False)
            except (Crash, StorageError):
                continue
            for _, urls in self.http.served:
                self.stored_by_fetch.update(urls)
            return True
        if retry == "late":
            self.late.append(now)
        return False

    def late_retries(self, real_time: datetime) -> None:
        """The fetches that crashed in the step before the last one, retried at ``real_time``."""
        ready, self.ready, self.late = self.ready, self.late, []
        for scheduled in ready:
            self.fetch(scheduled, frozenset(), None, "never", seen=real_time)

    def daily(self, now: datetime, failing: frozenset[int], run_faults: list[Fault], ses: list[str]) -> None:
        self.ses.script = list(ses)
        day = now.astimezone(SHANGHAI).date().isoformat()
        for fault in [*run_faults, *[None] * (len(ses) + 4)]:  # every SES behaviour may cost an attempt
            self.http.now, self.http.failing, self.http.served = now, failing, []
            self.clock.arm(fault)
            try:
                if self.aws_style:
                    self.pipeline.fetch(now, leaderboard=False)  # the 08:00 scheduled fetch
                    edition, _ = self.pipeline.build(now)
                    self.pipeline.publish(edition)
                    report = self.send_ses(edition)
                else:
                    report = self.pipeline.run(now).email
            except (Crash, StorageError):
                self.disturbed.add(day)
                continue
            for _, urls in self.http.served:
                self.stored_by_fetch.update(urls)
            assert report is not None
            self.send_reports[day] = report
            if fault is not None and self.clock.fault is None:  # it fired, and something caught it
                self.disturbed.add(day)
            if report.failed and not all(r.startswith("gave up") for r in report.failed.values()):
                self.disturbed.add(day)
                continue  # a refused send fails the invocation, which is retried
            return
        raise AssertionError(
            f"{day}: the edition step still fails after {len(run_faults) + len(ses) + 4} attempts"
        )

    def send_ses(self, edition: Edition) -> Any:
        before = sum(self.ses.accepted.values())
        report = send_edition(
            edition,
            self.config,
            SES_RECIPIENTS,
            sender=self.ses,
            outbox=None,
            sent_log=self.raw,  # type: ignore[arg-type]
            web_url=None,
            unsubscribe_base=None,
            templates_dir=default_templates_dir(),
        )
        if report.pending or report.failed or sum(self.ses.accepted.values()) - before != len(report.sent):
            self.disturbed.add(edition.date.isoformat())
        return report

    def run(self, scenario: dict[str, Any]) -> None:
        fetches, dailies = iter(scenario["fetches"]), iter(scenario["dailies"])
        steps: list[tuple[datetime, Callable[[datetime], Any]]] = []
        for day in range(DAYS):
            midnight = START + timedelta(days=day)
            for hour in FETCH_HOURS:
                if day > 0 and hour == FETCH_HOURS[2]:  # the edition comes between 06:00 and 10:00
                    steps.append(
                        (midnight + timedelta(hours=EDITION_HOUR), partial_daily(self, next(dailies)))
                    )
                steps.append((midnight + timedelta(hours=hour), partial_fetch(self, next(fetches))))
        ends = [*steps[1:], (steps[-1][0] + timedelta(hours=4), None)]
        for (when, step), (after, _) in zip(steps, ends, strict=True):
            step(when)
            self.late_retries(after - timedelta(minutes=1))  # just before the next step
        self.clock.arm(None)


def partial_fetch(sim: Simulation, draw: tuple[Any, ...]) -> Callable[[datetime], Any]:
    return lambda when: sim.fetch(when, *draw)


def partial_daily(sim: Simulation, draw: tuple[Any, ...]) -> Callable[[datetime], Any]:
    return lambda when: sim.daily(when, *draw)


# -- the invariants ----------------------------------------------------------------------------------
def stored_items(store: MemoryStore) -> dict[str, Item]:
    return {
        key.removeprefix("items/").removesuffix(".json"): Item.from_dict(json.loads(data))
        for key, data in store.objects.items()
        if key.startswith("items/")
    }


def stored_editions(store: MemoryStore) -> list[Edition]:
    found = [
        Edition.from_dict(json.loads(data))
        for key, data in store.objects.items()
        if key.startswith("editions/") and key.count("/") == 1  # not a successor claim
    ]
    return sorted(found, key=lambda e: e.date)


def check_items(sim: Simulation) -> None:
    items = stored_items(sim.raw_data)
    editions = stored_editions(sim.raw_data)
    assert len(editions) == DAYS - 1, [e.date for e in editions]
    for before, after in itertools.pairwise(editions):
        assert after.window_start == before.window_end, (before.date, after.date)
    assert editions[0].window_start is None
    first_cutoff, last_cutoff = editions[0].window_end, editions[-1].window_end
    placed: dict[str, list[date]] = {}
    for edition in editions:
        for item in [*edition.items, *(repeat.item for repeat in edition.repeats)]:  # a repeat is listed
            stored = items.get(item.id)
            assert stored is not None, f"{edition.date}: {item.id} is not a stored item"
            assert stored.first_seen == item.first_seen
            if edition.window_start is None:
                assert in_first_window(item, edition.window_end, LOOKBACK_HOURS)
            else:
                assert edition.window_start < item.first_seen <= edition.window_end, (edition.date, item.id)
            placed.setdefault(item.id, []).append(edition.date)
    for id_, item in items.items():
        where = placed.get(id_, [])
        if item.first_seen <= first_cutoff:
            expected = 1 if in_first_window(item, first_cutoff, LOOKBACK_HOURS) else 0
        elif item.first_seen <= last_cutoff:
            expected = 1
        else:
            expected = 0
        assert len(where) == expected, f"{item.url} (first seen {item.first_seen}) is in editions {where}"
    stored_urls = {item.url for item in items.values()}
    lost = {
        url for url in sim.stored_by_fetch if url.split("?")[0] not in {u.split("?")[0] for u in stored_urls}
    }
    assert not lost, f"read by a completed fetch but never stored: {sorted(lost)[:3]}"


def check_emails(sim: Simulation) -> None:
    editions = [e.date.isoformat() for e in stored_editions(sim.raw_data)]
    recipients = SES_RECIPIENTS if sim.aws_style else LOCAL_RECIPIENTS
    for day in editions:
        report = sim.send_reports.get(day)
        assert report is not None, f"{day}: never sent"
        for recipient in recipients:
            if sim.aws_style:
                handed = sim.ses.accepted[(day, recipient)]
            else:
                handed = sim.outbox.created[outbox_key(date.fromisoformat(day), recipient)]
            assert handed <= 1, f"{day}: {recipient} got the edition {handed} times"
            log = f"sent/{day}/{recipient_key(recipient)}/"
            recorded_sent = [k for k in sim.raw_data.objects if k.startswith(log) and k.endswith(".sent")]
            assert len(recorded_sent) <= 1
            if recorded_sent:
                assert handed == 1, f"{day}: {recipient} recorded as sent but handed over {handed} times"
            if day not in sim.disturbed:
                assert handed == 1, f"{day}: {recipient} missed an undisturbed send"
                # and SES's hand-over is recorded: without it every later run reports the reader
                # "pending" (claimed, no outcome), and a refusal is never proven to be its reader's
                assert not sim.aws_style or recorded_sent, f"{day}: {recipient} sent, but not recorded"


def check_published(sim: Simulation) -> None:
    """Every edition completely published, and as its stored edition says.

    ``reports/D.md`` is exactly the Markdown of the stored edition, ``reports/D.json`` holds its items,
    every other file of the day exists; the pages that list the editions (index, feed, latest) are the
    bytes a clean publish of the newest edition writes.
    """
    editions = stored_editions(sim.raw_data)
    clean_site = MemoryStore()
    clean = Pipeline(sim.config, sim.raw_data, clean_site)  # type: ignore[arg-type]
    day_keys = [k for k in clean.publish(editions[-1]) if k.startswith(f"reports/{editions[-1].date}.")]
    suffixes = [k.rsplit(".", 1)[1] for k in day_keys]
    assert {"md", "json"} <= set(suffixes)
    for edition in editions:
        base = f"reports/{edition.date.isoformat()}"
        for suffix in suffixes:
            assert f"{base}.{suffix}" in sim.site_data.objects, f"{base}.{suffix} was never published"
        markdown = sim.site_data.objects[f"{base}.md"].decode("utf-8")
        assert markdown == clean.renderer.markdown(edition), f"{base}.md is not the stored edition"
        data = json.loads(sim.site_data.objects[f"{base}.json"])
        assert data["date"] == edition.date.isoformat()
        assert [i["id"] for i in data["items"]] == [i.id for i in edition.items], f"{base}.json"
    for key, value in clean_site.objects.items():
        if not key.startswith("reports/"):
            assert sim.site_data.objects.get(key) == value, f"{key} differs from a clean publish"


_PARSED: dict[tuple[bytes, str], list[Any]] = {}


@contextmanager
def parse_once() -> Iterator[None]:
    """feedparser is pure and the publishers' feeds repeat across examples: parse each body once."""
    import ai_news_tracker.feeds as feeds_module

    real = feeds_module.parse_feed

    def cached(body: bytes, headers: Any, url: str, tz: Any, *, requested: str | None = None) -> list[Any]:
        key = (body, url, requested)
        if key not in _PARSED:
            _PARSED[key] = real(body, headers, url, tz, requested=requested)
        return list(_PARSED[key])

    with mock.patch.object(feeds_module, "parse_feed", cached):
        yield


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(scenario=scenarios)
def test_fourteen_days_of_crashes_and_reruns_lose_nothing_and_repeat_nothing(
    scenario: dict[str, Any],
) -> None:
    sim = Simulation(aws_style=scenario["aws_style"])
    with parse_once():
        sim.run(scenario)
    check_items(sim)
    check_emails(sim)
    check_published(sim)


def test_a_calm_fortnight_passes_the_same_checks() -> None:
    """The checks themselves, on a run without a single fault: every edition mailed to everybody once."""
    for aws_style in (False, True):
        sim = Simulation(aws_style=aws_style)
        quiet = (frozenset(), None, "never")
        with parse_once():
            sim.run({"fetches": [quiet] * FETCHES, "dailies": [(frozenset(), [], [])] * (DAYS - 1)})
        check_items(sim)
        check_emails(sim)
        check_published(sim)
        assert not sim.disturbed
        assert len(stored_items(sim.raw_data)) > 100


# -- two interleavings the simulation does not produce by itself --------------------------------------
class Interleave(MemoryStore):
    """A view of ``inner`` that runs ``meanwhile`` (once set) just before its next ``seen/`` write."""

    def __init__(self, inner: MemoryStore) -> None:
        super().__init__()
        self.objects = inner.objects
        self.meanwhile: Callable[[], None] | None = None

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        if key.startswith("seen/") and self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        super().put(key, data)


def test_a_fetch_storing_while_the_edition_is_cut_loses_no_item() -> None:
    """FeedSchedule (every 2 h) and EditionSchedule (08:00) fire at the same minute: the render cuts the
    edition while the fetch, whose items are first seen at the cutoff, is still writing them."""
    raw, site = MemoryStore(), MemoryStore()
    config = the_config(email=False)
    render = Pipeline(config, raw, site)  # type: ignore[arg-type]
    cutoff = START + timedelta(days=1, hours=EDITION_HOUR)

    def render_now() -> None:  # RenderEditionFunction, scheduled at the same 08:00
        edition, _ = render.build(cutoff)
        render.publish(edition)

    http, shared = FakeHttp(), Interleave(raw)
    fetcher = Pipeline(config, shared, site, http=http)  # type: ignore[arg-type]
    with parse_once():
        http.now = START + timedelta(days=1, hours=2)
        fetcher.fetch(http.now, leaderboard=False)
        http.now = cutoff  # FetchFeedsFunction at 08:00: its items are first seen at the cutoff,
        shared.meanwhile = render_now  # and the render runs between its first and its last write
        fetcher.fetch(cutoff, leaderboard=False)
        http.now = cutoff + timedelta(days=1)
        fetcher.fetch(http.now, leaderboard=False)
        render.build(http.now)
    at_cutoff = [i for i in stored_items(raw).values() if i.first_seen == cutoff]
    assert at_cutoff, "the 08:00 fetch found nothing new: the scenario needs new articles"
    placed = {i.id for e in stored_editions(raw) for i in e.items}
    assert all(item.id in placed for item in at_cutoff), "items first seen at the cutoff are in no edition"


def test_an_edition_whose_publish_never_succeeded_is_completed_by_the_next_publish() -> None:
    """Every retry of a render failed after its edition was stored (S3 down for the whole retry window):
    the next day's publish completes it, so index.html never links to a missing report."""
    sim = Simulation(aws_style=True)
    day1, day2 = START + timedelta(days=1, hours=EDITION_HOUR), START + timedelta(days=2, hours=EDITION_HOUR)
    with parse_once():
        sim.fetch(START + timedelta(days=1, hours=2), frozenset(), None, "never")
        sim.http.now = day1
        edition, _ = sim.pipeline.build(day1)
        sim.clock.arm(Fault(at=1, kind="crash", after=False))  # S3 down through every retry of day 1
        with pytest.raises(Crash):
            sim.pipeline.publish(edition)
        sim.http.now = day2
        sim.pipeline.fetch(day2, leaderboard=False)
        sim.pipeline.publish(sim.pipeline.build(day2)[0])
    base = f"reports/{edition.date.isoformat()}"
    assert f"{base}.md" in sim.site_data.objects and f"{base}.json" in sim.site_data.objects


class CrashOnFirstItem(MemoryStore):
    """A raw bucket whose process is killed at its first item write once ``armed``."""

    armed = False

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        if self.armed and key.startswith("items/"):
            self.armed = False
            raise Crash(f"killed before writing {key}")
        return super().put_if_absent(key, data, content_type=content_type)


def test_a_fetch_killed_before_its_items_are_written_is_not_answered_304_by_its_retry() -> None:
    """The feed's validators are stored only with its items: stored first, a crash between would leave
    the new ETag with none of the items, the retry answered 304, the articles first seen when the feed
    next changes (hours or a day late)."""
    # Given a tracker that fetched the three feeds once, whose next fetch is killed at its first item write
    raw, site, http = CrashOnFirstItem(), MemoryStore(), FakeHttp()
    pipeline = Pipeline(the_config(email=False), raw, site, http=http)  # type: ignore[arg-type]
    with parse_once():
        http.now = START + timedelta(hours=2)
        pipeline.fetch(http.now, leaderboard=False)
        http.now = START + timedelta(hours=14)  # new articles in every feed since
        raw.armed = True
        with pytest.raises(Crash):
            pipeline.fetch(http.now, leaderboard=False)

        # When Lambda retries the invocation at once, against the same feeds
        pipeline.fetch(http.now, leaderboard=False)

    # Then every article the feeds show is stored
    stored = {item.url.split("?")[0] for item in stored_items(raw).values()}
    shown = [a.url.split("?")[0] for source in range(len(SOURCE_URLS)) for a in visible(source, http.now)]
    assert [url for url in shown if url not in stored] == [], f"not stored after the retry at {http.now}"


# ==================================================================================================
# AWS errors injected under moto: S3, SES and DynamoDB
# ==================================================================================================
REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
RAW, SITE, TABLE = "fault-raw", "fault-site", "fault-idempotency"
NOW = "2026-11-20T00:00:00Z"  # 08:00 in Shanghai
DAY = "2026-11-20"
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>甲</title><link>https://example.com/</link><description>d</description>
<item><title>DeepSeek 发布新一代推理模型</title><link>https://36kr.com/p/1001</link>
<pubDate>Fri, 20 Nov 2026 07:30:00 +0800</pubDate><description>模型正文。</description></item>
<item><title>通义千问开源新模型</title><link>https://36kr.com/p/1002</link>
<pubDate>Thu, 19 Nov 2026 21:00:00 +0800</pubDate><description>开源。</description></item>
</channel></rss>""".encode()


def client_error(operation: str, code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


@dataclass
class Failures:
    """AWS calls that fail: (operation, predicate on its parameters, error code, status, times left)."""

    rules: list[list[Any]] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)

    def add(
        self, operation: str, when: Callable[[dict[str, Any]], bool], code: str, status: int, times: int = 1
    ) -> None:
        self.rules.append([operation, when, code, status, times])

    def check(self, operation: str, params: dict[str, Any]) -> None:
        for rule in self.rules:
            name, when, code, status, times = rule
            if name == operation and times > 0 and when(params):
                rule[4] -= 1
                self.fired.append(f"{operation} {params.get('Key') or params.get('TableName') or ''}".strip())
                raise client_error(operation, code, status)


@contextmanager
def injected(failures: Failures) -> Iterator[None]:
    """Every boto3 client raises the chosen ``ClientError``\\ s instead of making those calls."""
    real = BaseClient._make_api_call

    def make_api_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        failures.check(operation_name, api_params)
        return real(self, operation_name, api_params)

    with mock.patch.object(BaseClient, "_make_api_call", make_api_call):
        yield


@dataclass
class LambdaContext:
    function_name: str = "fault-injection"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:fault-injection"
    aws_request_id: str = ""
    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class Stack:
    s3: Any
    sqs: Any
    queue_url: str
    handlers: dict[str, ModuleType]
    config: Config

    def invoke(self, name: str, event: dict[str, Any], remaining_ms: int = 60_000) -> dict[str, Any]:
        context = LambdaContext(aws_request_id=str(uuid.uuid4()), remaining_ms=remaining_ms)
        result: dict[str, Any] = self.handlers[name].lambda_handler(event, context)
        return result

    def objects(self, bucket: str) -> dict[str, bytes]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
        return {k: self.s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}

    def announcements(self) -> list[dict[str, Any]]:
        found = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            if not answer.get("Messages"):
                return found
            found += [json.loads(json.loads(m["Body"])["Message"]) for m in answer["Messages"]]

    def clean_publish(self) -> dict[str, bytes]:
        """What a publish of the stored edition writes into an empty site."""
        site = MemoryStore()
        pipeline = Pipeline(self.config, S3Store(RAW, self.s3), site)  # type: ignore[arg-type]
        edition = pipeline.repo.load_edition(date.fromisoformat(DAY))
        assert edition is not None
        pipeline.publish(edition)
        return site.objects


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    fake_credentials(monkeypatch)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with LoopbackServer(
        {"/feed.xml": static(FEED, headers={"Content-Type": "application/rss+xml"})}
    ) as server:
        config_file = tmp_path / "config.toml"
        config_file.write_text(
            f'[filter]\ninclude = []\n[[sources]]\nname = "36Kr"\nurl = "{server.url("/feed.xml")}"\n',
            encoding="utf-8",
        )
        with mock_aws():
            s3, sqs, queue_url = edition_resources(monkeypatch, config_file, RAW, SITE, TABLE)
            handlers = {n: load_handler(n) for n in ("fetch_feeds", "render_edition")}
            config = handlers["render_edition"].deployment().config
            yield Stack(s3, sqs, queue_url, handlers, config)


def is_key(key: str) -> Callable[[dict[str, Any]], bool]:
    return lambda params: params.get("Key") == key


@pytest.mark.parametrize(
    "key",
    [f"editions/{DAY}.json", f"reports/{DAY}.md", f"reports/{DAY}.json", "index.html", "latest.md"],
)
def test_a_failing_s3_write_of_the_edition_leaves_nothing_half_published_after_the_retry(
    stack: Stack, key: str
) -> None:
    # Given the day's items were fetched, and one S3 write of the render fails
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    failures = Failures()
    failures.add("PutObject", is_key(key), "InternalError", 500)
    with injected(failures):
        try:
            stack.invoke("render_edition", {"scheduled_time": NOW})
        except Exception as exc:  # the invocation fails: Lambda retries it
            assert "InternalError" in str(exc) or "cannot write" in str(exc), exc
        else:
            pytest.skip(f"this publish does not write {key}")
    assert failures.fired, f"{key} was not written"
    assert stack.announcements() == []  # nothing announced for a half-done edition
    if key.startswith("reports/") and key.endswith(".json"):
        assert f"reports/{DAY}.md" in stack.objects(SITE)  # .md went out before .json failed: half published

    # When Lambda retries the invocation
    result = stack.invoke("render_edition", {"scheduled_time": NOW})

    # Then every file of the publish is there and is what a clean publish of the stored edition writes
    site = stack.objects(SITE)
    clean = stack.clean_publish()
    assert {k: site.get(k) for k in clean} == clean
    assert json.loads(site[f"reports/{DAY}.json"])["items"][0]["url"] == "https://36kr.com/p/1001"
    assert result["date"] == DAY and result["items"] == 2
    assert [m["date"] for m in stack.announcements()] == [DAY]  # announced once


def test_a_failing_idempotency_write_fails_the_fetch_and_its_retry_does_the_work_once(stack: Stack) -> None:
    failures = Failures()
    failures.add("PutItem", lambda p: p.get("TableName") == TABLE, "InternalServerError", 500)
    with injected(failures), pytest.raises(Exception, match=r"(?i)idempoten|persistence|InternalServerError"):
        stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    assert failures.fired and not [k for k in stack.objects(RAW) if k.startswith("items/")]  # no work done

    first = stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    again = stack.invoke("fetch_feeds", {"scheduled_time": NOW})  # a late duplicate of the same run

    assert first["new_items"] == 2 and again == first
    raw = stack.objects(RAW)
    assert len([k for k in raw if k.startswith("items/")]) == 2
    assert len([k for k in raw if k.startswith("seen/")]) == 2


def test_a_failing_idempotency_write_of_the_announcement_fails_the_render_and_announces_once(
    stack: Stack,
) -> None:
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    failures = Failures()
    # the render's only idempotent step is the announcement: its in-progress record cannot be written
    failures.add(
        "PutItem", lambda p: p.get("TableName") == TABLE, "ProvisionedThroughputExceededException", 400
    )
    with injected(failures), pytest.raises(Exception, match=r"(?i)idempoten|persistence|Throughput"):
        stack.invoke("render_edition", {"scheduled_time": NOW})
    assert failures.fired and stack.announcements() == []
    published = stack.objects(SITE)
    assert f"reports/{DAY}.md" in published  # published, not yet announced

    result = stack.invoke("render_edition", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})  # and a duplicate delivery of the event

    assert result["republished"] is True and stack.objects(SITE) == published  # the same bytes again
    assert [m["date"] for m in stack.announcements()] == [DAY]


def test_a_failing_idempotency_completion_write_announces_again_at_most_once_and_identically(
    stack: Stack,
) -> None:
    """The announcement went out, then its idempotency record could not be marked complete.

    The record stays "in progress" until the invocation's remaining time has passed (Powertools), so a
    retry before that fails, and a retry after it announces again: SNS delivery is at least once, and
    the announcement is the same message, which the email fan-out turns into nothing new (the sent
    log). Here the invocation had 50 ms left, so the in-progress record expires at once.
    """
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    failures = Failures()
    failures.add("UpdateItem", lambda p: p.get("TableName") == TABLE, "InternalServerError", 500)
    with injected(failures), pytest.raises(Exception, match=r"(?i)idempoten|persistence"):
        stack.invoke("render_edition", {"scheduled_time": NOW}, remaining_ms=50)
    published = stack.objects(SITE)
    time.sleep(0.1)

    stack.invoke("render_edition", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})

    announced = stack.announcements()
    assert 1 <= len(announced) <= 2 and all(a == announced[0] for a in announced), announced
    assert announced[0]["date"] == DAY and stack.objects(SITE) == published


# -- SES and the sent log --------------------------------------------------------------------------
def the_edition() -> Edition:
    when = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    item = Item(
        "id1",
        "identity1",
        "36Kr",
        "DeepSeek 发布新一代推理模型",
        "正文",
        "https://36kr.com/p/1001",
        when,
        when,
    )
    return Edition(
        date=date(2026, 11, 20),
        title="国产大模型日报",
        timezone="Asia/Shanghai",
        generated_at=when,
        window_start=None,
        window_end=when,
        key_points=("DeepSeek 发布新一代推理模型",),
        items=(item,),
        sources=(),
        leaderboard=None,
    )


@dataclass
class Mail:
    s3: Any
    sesv2: Any

    def send(self) -> Any:
        config = parse_config(
            {"email": {"enabled": True, "sender": "国产大模型日报 <digest@example.com>", "recipients": []}}
        )
        return send_edition(
            the_edition(),
            config,
            RECIPIENTS,
            sender=SesSender("digest", self.sesv2, sleep=lambda seconds: None),
            outbox=None,
            sent_log=S3Store(RAW, self.s3),
            web_url="https://d111111abcdef8.cloudfront.net/reports/2026-11-20.html",
            unsubscribe_base=None,
            templates_dir=default_templates_dir(),
        )

    @property
    def delivered(self) -> Counter[str]:
        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        return Counter(address for message in sent for address in message.destinations)


RECIPIENTS = ("a@example.org", "b@example.org", "c@example.org")


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mail]:
    fake_credentials(monkeypatch)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=RAW)
        sesv2 = boto3.client("sesv2", region_name=REGION)
        sesv2.create_configuration_set(ConfigurationSetName="digest")
        sesv2.create_email_identity(EmailIdentity="digest@example.com")
        yield Mail(s3, sesv2)


def sent_to(recipient: str) -> Callable[[dict[str, Any]], bool]:
    return lambda params: f"To: {recipient}".encode() in params["Content"]["Raw"]["Data"]


def sent_log_key(recipient: str, suffix: str) -> Callable[[dict[str, Any]], bool]:
    prefix = f"sent/{DAY}/{recipient_key(recipient)}/"
    return lambda params: str(params.get("Key", "")).startswith(prefix) and params["Key"].endswith(suffix)


@pytest.mark.parametrize(
    ("operation", "when", "code", "status", "expect"),
    [
        # SES refuses one message: certainly not sent, so the retry sends it
        ("SendEmail", sent_to("b@example.org"), "MessageRejected", 400, "resent by the retry"),
        # SES throttles: retried inside the same run
        ("SendEmail", sent_to("b@example.org"), "TooManyRequestsException", 429, "sent by the same run"),
        # SES answers 500: it may have taken the message, so it is never sent again (reported pending)
        ("SendEmail", sent_to("b@example.org"), "InternalFailure", 500, "pending, never resent"),
        # the claim in the sent log cannot be written: nothing was handed to SES, the retry sends it
        ("PutObject", sent_log_key("b@example.org", "/1"), "InternalError", 500, "resent by the retry"),
        # the outcome cannot be recorded after SES took the message: sent once, then pending forever
        ("PutObject", sent_log_key("b@example.org", "/1.sent"), "InternalError", 500, "sent, then pending"),
    ],
    ids=["ses-refused", "ses-throttled", "ses-500", "s3-claim", "s3-outcome"],
)
def test_ses_and_sent_log_errors_never_send_an_email_twice(  # noqa: PLR0917 - pytest passes them so
    mail: Mail, operation: str, when: Callable[[dict[str, Any]], bool], code: str, status: int, expect: str
) -> None:
    failures = Failures()
    failures.add(operation, when, code, status)
    with injected(failures):
        first = mail.send()
    assert failures.fired
    after_first = mail.delivered

    second = mail.send()  # the retried invocation
    third = mail.send()  # and one more, for good measure

    delivered = mail.delivered
    assert all(count <= 1 for count in delivered.values()), delivered
    assert delivered["a@example.org"] == delivered["c@example.org"] == 1
    assert third.sent == {}
    b = "b@example.org"
    if expect == "sent by the same run":
        assert set(first.sent) == set(RECIPIENTS) and delivered[b] == 1
    elif expect == "resent by the retry":
        assert b in first.failed and after_first[b] == 0
        assert list(second.sent) == [b] and delivered[b] == 1
    elif expect == "pending, never resent":
        assert b in first.pending and b in second.pending and second.sent == {}
        assert delivered[b] == after_first[b] <= 1
    else:  # sent, then pending: SES has it, the log could not say so; a person decides (never resent)
        assert b in first.sent and after_first[b] == 1
        assert b in second.pending and second.sent == {} and delivered[b] == 1
