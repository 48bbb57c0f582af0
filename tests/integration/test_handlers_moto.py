"""The Lambda handlers under moto: fetch feeds, fetch the leaderboard, render — then retry them all.

Feeds and the leaderboard are served from loopback; S3, SNS, SQS and DynamoDB are moto's. The chain
ends with ``reports/YYYY-MM-DD.md`` and ``.json`` in the site bucket with the right content types,
one announcement on the topic, and a retry of every invocation changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from lambda_support import Context, edition_resources, fake_credentials, invalidated_paths, load_handler
from loopback import Exchange, LoopbackServer, static
from moto import mock_aws
from test_summarizer_openai_loopback import PATH, ChatServer, thinking

from ai_news_tracker import service
from ai_news_tracker.aws import CdnInvalidator
from ai_news_tracker.errors import StorageError, TrackerError
from ai_news_tracker.log import SERVICE
from ai_news_tracker.models import parse_iso
from ai_news_tracker.summarize import FALLBACK_NOTE

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
RAW, SITE, TABLE = "ant-raw-bucket", "ant-site-bucket", "ant-idempotency"
NOW = "2026-11-20T00:00:00Z"  # 08:00 in Shanghai

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>甲</title><link>https://example.com/</link><description>d</description>
<item><title>DeepSeek 发布新一代推理模型</title><link><![CDATA[https://36kr.com/p/1001?f=rss]]></link>
<pubDate>2026-11-20 07:30:00  +0800</pubDate><description><![CDATA[<p>模型正文。</p>]]></description></item>
<item><title>通义千问开源新模型</title><link><![CDATA[https://36kr.com/p/1002?f=rss]]></link>
<pubDate>2026-11-19 21:00:00  +0800</pubDate><description><![CDATA[<p>开源。</p>]]></description></item>
</channel></rss>""".encode()
BOARD = json.dumps({"20261115": {"text": {"overall": {"glm-4.6": 1433.5, "gemini-3-pro": 1492.3}}}}).encode()


@dataclass
class Stack:
    s3: Any
    sqs: Any
    queue_url: str
    handlers: dict[str, ModuleType]
    server: LoopbackServer  # the feed and the leaderboard

    def invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.handlers[name].lambda_handler(event, Context())
        return result

    def objects(self, bucket: str) -> dict[str, str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}

    def invalidations(self) -> list[list[str]]:
        """The paths of each CloudFront invalidation the functions made."""
        return invalidated_paths(os.environ["DISTRIBUTION_ID"])

    def announcements(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        return [json.loads(json.loads(m["Body"])["Message"]) for m in answer.get("Messages", [])]


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    fake_credentials(monkeypatch)
    routes = {
        "/feed.xml": static(FEED, headers={"Content-Type": "application/rss+xml"}),
        "/board.json": static(BOARD, headers={"Content-Type": "application/json", "ETag": '"b1"'}),
    }
    with LoopbackServer(routes) as server, mock_aws():
        config = tmp_path / "config.toml"
        config.write_text(
            f'[filter]\ninclude = []\n[[sources]]\nname = "36Kr"\nurl = "{server.url("/feed.xml")}"\n'
            f'[leaderboard]\nprovider = "lmarena-history"\nurl = "{server.url("/board.json")}"\n',
            encoding="utf-8",
        )
        s3, sqs, queue_url = edition_resources(monkeypatch, config, RAW, SITE, TABLE)
        handlers = {n: load_handler(n) for n in ("fetch_feeds", "fetch_leaderboard", "render_edition")}
        yield Stack(s3, sqs, queue_url, handlers, server)


def test_each_fetch_handler_keeps_what_it_fetched(stack: Stack) -> None:
    feeds = stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    board = stack.invoke("fetch_leaderboard", {"scheduled_time": NOW})

    assert feeds["new_items"] == 2 and [s["status"] for s in feeds["sources"]] == ["ok"]
    assert [s["name"] for s in board["sources"]] == ["LM Arena"] and board["sources"][0]["status"] == "ok"
    raw = stack.objects(RAW)
    assert len([k for k in raw if k.startswith("items/")]) == 2
    assert "leaderboard/lmarena-history.json" in raw


def test_the_render_summary_names_a_leaderboard_that_was_not_had(stack: Stack) -> None:
    # Given the feeds were fetched but the leaderboard never was
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    # When the edition is rendered, Then its summary names the leaderboard, as the edition does
    assert stack.invoke("render_edition", {"scheduled_time": NOW})["failed_sources"] == ["LM Arena"]


@pytest.mark.parametrize("stored", [b"{}", b"null", b'{"date": 5}'])
def test_a_render_over_an_edition_stored_in_the_wrong_shape_fails_naming_it(
    stack: Stack, stored: bytes
) -> None:
    # Given the day before's stored edition restored badly: valid JSON, but no edition
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.s3.put_object(Bucket=RAW, Key="editions/2026-11-19.json", Body=stored)
    # When the day is rendered, Then the invocation fails naming the object (Lambda's Errors: the alarm),
    # and nothing is published or announced: it is not taken for a day without an edition
    with pytest.raises(StorageError, match=r"stored object 'editions/2026-11-19\.json' is not a"):
        stack.invoke("render_edition", {"scheduled_time": NOW})
    assert not [key for key in stack.objects(SITE) if key.startswith("reports/")]
    assert stack.announcements() == []


def test_the_chain_publishes_announces_once_and_retries_change_nothing(stack: Stack) -> None:
    # Given the scheduled fetches ran
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": NOW})
    # When the edition is rendered
    result = stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then the edition is in the site bucket, typed and cached as a dated report: a day at CloudFront,
    # five minutes in a browser
    assert result["date"] == "2026-11-20" and result["items"] == 2 and not result["republished"]
    md = stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.md")
    js = stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.json")
    assert md["ContentType"] == "text/markdown; charset=utf-8"
    assert js["ContentType"] == "application/json"
    assert md["CacheControl"] == "public, max-age=300, s-maxage=86400"
    # And nothing was invalidated: a first publish replaces nothing
    assert result["invalidation"] is None and stack.invalidations() == []
    text = md["Body"].read().decode("utf-8")
    assert "### DeepSeek 发布新一代推理模型" in text and "| 10 | glm-4.6 | 1434 |" not in text
    assert json.loads(js["Body"].read())["items"][0]["url"] == "https://36kr.com/p/1001?f=rss"
    # And it was announced once, with its URL and key points
    (message,) = stack.announcements()
    assert message["date"] == "2026-11-20"
    assert message["url"] == "https://d111111abcdef8.cloudfront.net/reports/2026-11-20.md"
    assert message["key_points"][0] == "DeepSeek 发布新一代推理模型"
    before = {RAW: stack.objects(RAW), SITE: stack.objects(SITE)}

    # When every invocation is retried
    again = [
        stack.invoke("fetch_feeds", {"scheduled_time": NOW}),
        stack.invoke("fetch_leaderboard", {"scheduled_time": NOW}),
        stack.invoke("render_edition", {"scheduled_time": NOW}),
    ]
    # Then nothing changed: same objects with the same content, no second announcement, and no
    # invalidation of pages that did not change
    assert again[2]["republished"] is True
    assert {RAW: stack.objects(RAW), SITE: stack.objects(SITE)} == before
    assert stack.announcements() == []
    assert again[2]["invalidation"] is None and stack.invalidations() == []


def test_a_time_without_an_offset_in_an_event_is_the_reports_time_as_for_the_cli(stack: Stack) -> None:
    # Given the day fetched at 07:00 in Shanghai, the report's timezone, given without an offset
    stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T07:00"})
    # When the operator publishes the missed day with a time on it, as for run --now 2026-11-20T20:00
    result = stack.invoke("render_edition", {"scheduled_time": "2026-11-20T20:00"})
    # Then that day is built, cut at 20:00 in Shanghai (not 2026-11-21, cut at 04:00: 20:00 UTC)
    assert result["date"] == "2026-11-20" and result["items"] == 2
    published = json.loads(stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.json")["Body"].read())
    assert published["generated_at"] == "2026-11-20T20:00:00+08:00"
    assert [m["date"] for m in stack.announcements()] == ["2026-11-20"]


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({"scheduled_time": 1763597400}, "'scheduled_time'"),  # an epoch number
        ({"scheduled_time": " "}, "'scheduled_time'"),
        ({"now": None}, "'now'"),
        ({"date": "2026-11-20"}, "'date'"),  # SendEmailFunction's event, sent to the render function
        ({"scheduled_time": NOW, "dry_run": True}, "'dry_run'"),
    ],
)
def test_a_render_event_with_an_unusable_time_or_an_unknown_key_is_refused_and_the_day_stays_buildable(
    stack: Stack, event: dict[str, Any], named: str
) -> None:
    # Given the day fetched, its edition not yet built
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    # When the render function is invoked by hand with a slip in its event
    with pytest.raises(TrackerError, match=named):
        stack.invoke("render_edition", event)
    # Then nothing was built, published or announced (not today's edition, at the wall clock's time)
    assert not [k for k in stack.objects(RAW) if k.startswith("editions/")]
    assert stack.objects(SITE) == {} and stack.announcements() == []
    # And the day can still be built
    assert stack.invoke("render_edition", {"scheduled_time": NOW})["date"] == "2026-11-20"


@pytest.mark.parametrize("handler", ["fetch_feeds", "fetch_leaderboard"])
def test_a_fetch_event_with_an_unknown_key_or_an_unusable_time_fetches_nothing(
    stack: Stack, handler: str
) -> None:
    for event, named in (({"date": "2026-11-20"}, "'date'"), ({"time": ""}, "'time'")):
        with pytest.raises(TrackerError, match=named):
            stack.invoke(handler, event)
    assert stack.objects(RAW) == {}


def test_the_sample_scheduler_events_run_the_chain(stack: Stack) -> None:
    # Given the events Scheduler sends, as events/ has them (sam local invoke, ai-news-tracker invoke)
    def sample(name: str) -> dict[str, Any]:
        event: dict[str, Any] = json.loads((REPO / "events" / f"{name}.json").read_text("utf-8"))
        return event

    # When each function is invoked with its own
    feeds = stack.invoke("fetch_feeds", sample("fetch_feeds"))
    board = stack.invoke("fetch_leaderboard", sample("fetch_leaderboard"))
    result = stack.invoke("render_edition", sample("render_edition"))
    # Then they run as scheduled: 06:00 and 07:30 in Shanghai, the edition of 08:10
    assert (feeds["now"], board["now"]) == ("2026-11-19T22:00:00+00:00", "2026-11-19T23:30:00+00:00")
    assert result["date"] == "2026-11-20" and result["items"] == 2 and not result["failed_sources"]


def test_a_rebuilt_edition_is_invalidated_at_the_cdn_once_and_only_when_its_pages_changed(
    stack: Stack, tmp_path: Path
) -> None:
    # Given the day's edition, published
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})
    # When the operator rebuilds it without changing anything (README: runbook)
    stack.s3.delete_object(Bucket=RAW, Key="editions/2026-11-20.json")
    same = stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then its pages have the same bytes, and nothing is invalidated
    assert same["invalidation"] is None and stack.invalidations() == []

    # When a source's item has to come down: the configuration excludes it (a deployment: a cold
    # start) and the edition is rebuilt
    stack.handlers["render_edition"] = leave_out_an_item(stack, tmp_path)
    rebuilt = stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then the edition's three pages are invalidated at once, in one invalidation
    assert rebuilt["items"] == 1
    assert stack.invalidations() == [
        ["/reports/2026-11-20.html", "/reports/2026-11-20.json", "/reports/2026-11-20.md"]
    ]
    assert rebuilt["invalidation"]
    # And a retry of that rebuild invalidates nothing more
    stack.invoke("render_edition", {"scheduled_time": NOW})
    assert len(stack.invalidations()) == 1


def test_a_rebuild_whose_invalidation_failed_succeeds_and_the_next_invocation_invalidates_its_pages(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the day's edition, published, then rebuilt with an item left out while CloudFront refuses
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})
    stack.handlers["render_edition"] = leave_out_an_item(stack, tmp_path)
    invalidate = CdnInvalidator.invalidate
    monkeypatch.setattr(CdnInvalidator, "invalidate", _refused)
    rebuilt = stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then the rebuild succeeds, and its summary names the pages left cached and why (README: runbook)
    assert rebuilt["items"] == 1 and rebuilt["invalidation"] is None
    assert rebuilt["invalidation_failed"] == (
        "cannot invalidate /reports/2026-11-20.html /reports/2026-11-20.json /reports/2026-11-20.md "
        "on CloudFront: Throttling"
    )
    assert stack.invalidations() == []
    # When the operator invokes it again (in the same environment) and CloudFront answers
    monkeypatch.setattr(CdnInvalidator, "invalidate", invalidate)
    retry = stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then the pages the first attempt replaced are invalidated, though the retry wrote the same bytes
    assert retry["invalidation"] and retry["invalidation_failed"] is None
    assert stack.invalidations() == [
        ["/reports/2026-11-20.html", "/reports/2026-11-20.json", "/reports/2026-11-20.md"]
    ]


def _refused(self: CdnInvalidator, keys: list[str]) -> str | None:
    paths = " ".join(sorted("/" + key for key in keys))
    raise TrackerError(f"cannot invalidate {paths} on CloudFront: Throttling")


DAY2 = "2026-11-21T00:00:00Z"


def test_the_next_days_render_invalidates_only_the_page_of_the_day_before_it(stack: Stack) -> None:
    # Given the day's edition, published
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})
    # When the next day's edition is rendered (nothing rebuilt)
    result = stack.invoke("render_edition", {"scheduled_time": DAY2})
    # Then the page of the day before, written again to link forward to it, is invalidated, and only it
    page = stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.html")["Body"].read().decode("utf-8")
    assert 'href="2026-11-21.html" rel="next"' in page
    assert stack.invalidations() == [["/reports/2026-11-20.html"]]
    assert result["invalidation"] and result["invalidation_failed"] is None


def test_a_render_cloudfront_refuses_to_invalidate_for_publishes_announces_and_is_counted_for_its_alarm(
    stack: Stack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=SERVICE)
    monkeypatch.setattr(logging.getLogger(SERVICE), "propagate", True)
    # Given the day's edition, published
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})
    capsys.readouterr()
    # When CloudFront refuses the next day's invalidation (throttling, a changed distribution)
    monkeypatch.setattr(CdnInvalidator, "invalidate", _refused)
    result = stack.invoke("render_edition", {"scheduled_time": DAY2})
    # Then the day is published and announced all the same: the render succeeds
    assert result["date"] == "2026-11-21" and result["announcement"]
    assert [m["date"] for m in stack.announcements()] == ["2026-11-20", "2026-11-21"]
    # And its summary, a warning naming the page and the reason, and InvalidationsFailed say so
    assert result["invalidation"] is None
    refused = "cannot invalidate /reports/2026-11-20.html on CloudFront: Throttling"
    assert result["invalidation_failed"] == refused
    assert emitted_metrics(capsys.readouterr().out)["InvalidationsFailed"] == [1.0]
    (logged,) = [r for r in caplog.records if r.getMessage() == "edition pages not invalidated"]
    assert logged.levelno == logging.WARNING
    assert (vars(logged)["paths"], vars(logged)["reason"]) == (
        ["reports/2026-11-20.html"],
        result["invalidation_failed"],
    )


def test_a_later_render_announces_again_only_for_a_new_day(stack: Stack) -> None:
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"now": "2026-11-20T12:00:00Z"})  # a manual re-run of the same day
    stack.invoke("render_edition", {"scheduled_time": "2026-11-21T00:00:00Z"})

    assert [m["date"] for m in stack.announcements()] == ["2026-11-20", "2026-11-21"]


class Meanwhile:
    """Another invocation's render (in its own environment), run in a thread while this one announces
    the day. Its waits for the announcement (the sleep it is given) last until :meth:`finish`."""

    def __init__(self, handler: ModuleType) -> None:
        self.handler = handler
        self.waits: list[float] = []
        self.waiting = threading.Event()  # it found the day being announced, and waits
        self.finished = threading.Event()  # this invocation has finished (announced, or failed)
        self.outcome: dict[str, Any] | BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            self.outcome = service.render(
                self.handler.deployment(), parse_iso(NOW), Context(), sleep=self._sleep
            )
        except BaseException as exc:  # handed to the test's thread
            self.outcome = exc

    def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.waiting.set()
        assert self.finished.wait(timeout=30)

    def start(self) -> None:
        self.thread.start()
        assert self.waiting.wait(timeout=30), f"it did not wait: {self.outcome!r}"

    def finish(self) -> dict[str, Any]:
        self.finished.set()
        self.thread.join(timeout=30)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None
        return self.outcome


def leave_out_an_item(stack: Stack, tmp_path: Path) -> ModuleType:
    """The operator's rebuild of the day (README: runbook): the configuration excludes an item, the
    stored edition is deleted; the render function of the new configuration (another environment)."""
    config = tmp_path / "config.toml"
    config.write_text(
        config.read_text("utf-8").replace("include = []", 'include = []\nexclude = ["通义千问"]'), "utf-8"
    )
    stack.s3.delete_object(Bucket=RAW, Key="editions/2026-11-20.json")
    return load_handler("render_edition")


def test_a_render_while_another_announces_the_day_waits_for_it_and_invalidates_its_pages(
    stack: Stack, tmp_path: Path
) -> None:
    # Given the scheduled render of the day, announcing it (its idempotency record in progress)
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    announcer = stack.handlers["render_edition"].deployment().announcer
    announce = announcer.announce
    meanwhile: list[Meanwhile] = []

    def operator_rebuilds(job: dict[str, Any]) -> str:
        # When the operator rebuilds the day meanwhile, an item left out, so its pages replace the ones
        # just published, and it reaches the announcement before the schedule's has announced
        meanwhile.append(Meanwhile(leave_out_an_item(stack, tmp_path)))
        meanwhile[0].start()
        message_id: str = announce(job)
        return message_id

    announcer.announce = operator_rebuilds
    first = stack.invoke("render_edition", {"scheduled_time": NOW})
    second = meanwhile[0].finish()
    # Then the rebuild waited once, and succeeds with the day's announcement, which it did not make again
    assert meanwhile[0].waits == [1.0]
    assert second["items"] == 1 and second["announcement"] == first["announcement"] is not None
    assert [m["date"] for m in stack.announcements()] == ["2026-11-20"]
    # (under the key of the days announced before: the closure's qualified name, DEVELOPERS.md)
    records = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
    (key,) = [r["id"]["S"].split("#")[0] for r in records if "announce" in r["id"]["S"]]
    assert key.endswith(".ai_news_tracker.service.render.<locals>.announce")
    # And it invalidated its pages
    assert second["invalidation"] and stack.invalidations() == [
        ["/reports/2026-11-20.html", "/reports/2026-11-20.json", "/reports/2026-11-20.md"]
    ]


def test_a_render_while_another_announces_the_day_announces_it_when_the_other_fails(
    stack: Stack, tmp_path: Path
) -> None:
    # Given a manual (synchronous) render of the day, announcing it
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    announcer = stack.handlers["render_edition"].deployment().announcer
    meanwhile: list[Meanwhile] = []

    def scheduled_render_meanwhile_then_sns_fails(job: dict[str, Any]) -> str:
        # When the scheduled render reaches the announcement meanwhile, and then SNS refuses the manual one
        meanwhile.append(Meanwhile(load_handler("render_edition")))
        meanwhile[0].start()
        raise TrackerError("cannot announce the 2026-11-20 edition: Throttling")

    announcer.announce = scheduled_render_meanwhile_then_sns_fails
    with pytest.raises(TrackerError, match="cannot announce"):
        stack.invoke("render_edition", {"scheduled_time": NOW})  # nothing retries it: it was synchronous
    scheduled = meanwhile[0].finish()
    # Then the scheduled render, asked again, announces the day itself: once
    assert scheduled["announcement"] is not None
    assert [m["date"] for m in stack.announcements()] == ["2026-11-20"]


def test_a_render_while_another_announces_the_day_too_long_fails_for_lambda_to_retry(
    stack: Stack, tmp_path: Path
) -> None:
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    # Given a render of the day announcing it, and not done before the other's waits are over
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    announcer = stack.handlers["render_edition"].deployment().announcer
    announce = announcer.announce
    waits: list[float] = []
    raised: list[BaseException] = []

    def operator_rebuilds(job: dict[str, Any]) -> str:
        # When the operator's rebuild reaches the announcement meanwhile
        rebuild = leave_out_an_item(stack, tmp_path)
        try:
            service.render(rebuild.deployment(), parse_iso(NOW), Context(), sleep=waits.append)
        except IdempotencyAlreadyInProgressError as exc:
            raised.append(exc)
        message_id: str = announce(job)
        return message_id

    announcer.announce = operator_rebuilds
    stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then it asked again after each of its waits, which leave it time to announce, then failed (an
    # asynchronous invocation is retried, and the retry announces or finds the day announced)
    assert raised and waits == list(service.ANNOUNCE_WAITS)
    assert sum(waits) * 1000 <= Context().get_remaining_time_in_millis() - service.ANNOUNCE_RESERVE_MS
    # And it invalidated the pages it replaced all the same
    assert stack.invalidations() == [
        ["/reports/2026-11-20.html", "/reports/2026-11-20.json", "/reports/2026-11-20.md"]
    ]
    assert [m["date"] for m in stack.announcements()] == ["2026-11-20"]


@dataclass
class EndingSoon(Context):
    """A Lambda context with ``remaining_ms`` left."""

    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_a_model_slower_than_the_render_s_time_left_gives_the_extractive_points_in_time(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a model that never answers, given more time than the render has (the function's Timeout is
    # 60 s; [summarizer] timeout takes up to an hour)
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    with ChatServer({PATH: thinking}) as model:
        with (tmp_path / "config.toml").open("a", encoding="utf-8") as config:
            config.write('[summarizer]\nprovider = "openai"\nmodel = "deepseek-reasoner"\ntimeout = 10\n')
            config.write(f'base_url = "{model.url("/v1")}"\n')
        render = load_handler("render_edition")
        # When the render runs with 4 s of its Timeout left, then with the whole minute
        started = time.monotonic()
        result = render.lambda_handler({"scheduled_time": NOW}, EndingSoon(remaining_ms=4_000))
        took = time.monotonic() - started
    # Then it published the day with the extractive points and the note, before Lambda would stop it,
    # never asking the model (less than its least wait was left once the publish's reserve was kept),
    # and measured it for SummarizerFallbackAlarm
    assert result["items"] == 2 and took < 4.0 and model.hits(PATH) == 0
    published = json.loads(stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.json")["Body"].read())
    assert FALLBACK_NOTE in published["notes"]
    assert emitted_metrics(capsys.readouterr().out)["SummarizerFallback"] == [1.0]


def test_a_fetch_whose_requests_would_outlast_the_invocation_ends_them_in_time_to_store(
    stack: Stack, tmp_path: Path
) -> None:
    # Given a feed that never answers, and requests allowed a minute each (up to an hour: the fetch
    # functions' Timeout is 120 s, more feeds than workers wait their turns, then the article pages)
    stack.server.routes["/feed.xml"] = thinking
    with (tmp_path / "config.toml").open("a", encoding="utf-8") as config:
        config.write("[fetch]\ndeadline = 60\n")
    fetch = load_handler("fetch_feeds")
    # When the fetch runs with 1 s more than it keeps to store what it fetched
    started = time.monotonic()
    remaining = int((service.FETCH_RESERVE + 1) * 1000)
    result = fetch.lambda_handler({"scheduled_time": NOW}, EndingSoon(remaining_ms=remaining))
    # Then the request ended at that second, the source's failure was stored, and the run returned
    assert time.monotonic() - started < 4.0
    assert [(s["status"], s["error"]) for s in result["sources"]] == [
        ("timeout", "not complete before the run's deadline")
    ]
    assert stack.server.hits("/feed.xml") == 1
    assert any(key.startswith("sources/") for key in stack.objects(RAW))


# each fetch function's request, and what it fetches
FETCHES = {
    "fetch_feeds": ("/feed.xml", {"feeds": True, "leaderboard": False}),
    "fetch_leaderboard": ("/board.json", {"feeds": False, "leaderboard": True}),
}


def a_fetch_held_at_its_request(
    stack: Stack, function: str
) -> tuple[threading.Event, threading.Thread, list[dict[str, Any]]]:
    """The scheduled fetch of NOW running in a thread, its request unanswered until the event is set."""
    route = FETCHES[function][0]
    asked, release = threading.Event(), threading.Event()
    answer = stack.server.routes[route]

    def held(exchange: Exchange) -> None:
        asked.set()
        release.wait(30)
        answer(exchange)

    stack.server.routes[route] = held
    results: list[dict[str, Any]] = []
    running = threading.Thread(target=lambda: results.append(stack.invoke(function, {"scheduled_time": NOW})))
    running.start()
    assert asked.wait(30)
    return release, running, results


@pytest.mark.parametrize("function", sorted(FETCHES))
def test_a_fetch_delivered_again_while_the_first_runs_waits_for_it_and_returns_its_result(
    stack: Stack, function: str
) -> None:
    # Given the scheduled fetch running (Scheduler and Lambda deliver an event at least once)
    release, running, first = a_fetch_held_at_its_request(stack, function)
    waits: list[float] = []

    def the_first_ends_meanwhile(seconds: float) -> None:
        waits.append(seconds)
        release.set()
        running.join(30)

    # When the same event is delivered again meanwhile, to another environment
    route, fetched = FETCHES[function]
    deployment = load_handler(function).deployment()
    again = service.fetch(
        deployment, parse_iso(NOW), **fetched, context=Context(), sleep=the_first_ends_meanwhile
    )
    # Then it waited for the first (no IdempotencyAlreadyInProgressError: a Lambda error, its alarm, a
    # retry), and returns what the first fetched, fetching nothing again
    assert waits == [1.0] and first and again == first[0] and again["sources"][0]["status"] == "ok"
    assert stack.server.hits(route) == 1


@pytest.mark.parametrize("function", sorted(FETCHES))
def test_a_fetch_delivered_again_while_the_first_runs_past_its_waits_says_so_and_fetches_nothing(
    stack: Stack, function: str
) -> None:
    # Given the scheduled fetch running
    release, running, first = a_fetch_held_at_its_request(stack, function)
    try:
        # When the same event is delivered again meanwhile, with no time to wait for it
        ending = EndingSoon(remaining_ms=service.FETCH_WAIT_RESERVE_MS)
        again = load_handler(function).lambda_handler({"scheduled_time": NOW}, ending)
    finally:
        release.set()
        running.join(30)
    # Then it succeeds all the same (no Lambda error), saying another invocation fetches the run, which
    # fetched it once
    assert again == {
        "now": "2026-11-20T00:00:00+00:00",
        "in_progress": "another invocation is fetching this scheduled run",
    }
    assert first and first[0]["sources"][0]["status"] == "ok"
    assert stack.server.hits(FETCHES[function][0]) == 1


def test_the_waits_for_another_invocations_announcement_leave_the_invocation_time_to_finish() -> None:
    reserve = service.ANNOUNCE_RESERVE_MS
    assert service.announce_waits(None) == list(service.ANNOUNCE_WAITS)
    assert service.announce_waits(reserve + 3_500) == [1.0, 2.0]
    assert service.announce_waits(reserve + 999) == []


def emitted_metrics(out: str) -> dict[str, list[float]]:
    """The metrics Powertools wrote as embedded metric format (one JSON object a line on stdout)."""
    found: dict[str, list[float]] = {}
    for line in out.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        record = json.loads(line)
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = record[metric["Name"]]
                found.setdefault(metric["Name"], []).extend(value if isinstance(value, list) else [value])
    return found


def test_a_day_rendered_again_after_its_idempotency_record_expired_is_not_announced_again(
    stack: Stack,
) -> None:
    # Given a day rendered and announced, then the next day's
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": "2026-11-21T00:00:00Z"})
    # and, more than EDITION_TTL later (7 days; the sent log of the day goes after 90), DynamoDB's TTL
    # deleted the idempotency records
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for record in dynamodb.scan(TableName=TABLE)["Items"]:
        dynamodb.delete_item(TableName=TABLE, Key={"id": record["id"]})
    # When the old day is rendered again (a manual re-run, a dead-letter redrive)
    result = stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then it is published again but not announced again (the announcement fans the edition out to every
    # subscriber, and after 90 days no sent log stops the mail), and its summary names the first one
    assert result["republished"] and result["announcement"]
    assert [m["date"] for m in stack.announcements()] == ["2026-11-20", "2026-11-21"]


def test_a_day_published_again_is_no_new_edition_for_the_alarm_and_a_schedule_in_another_zone_is_said(
    stack: Stack,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a stack whose schedules fire in New York time while the report's day is Shanghai's
    monkeypatch.setenv("SCHEDULE_TIMEZONE", "America/New_York")
    stack.handlers["render_edition"] = load_handler("render_edition")
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    # When the day is rendered, then rendered again the same Shanghai day (a clock change moved it)
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        stack.invoke("render_edition", {"scheduled_time": NOW})
        first = emitted_metrics(capsys.readouterr().out)
        again = stack.invoke("render_edition", {"scheduled_time": "2026-11-20T15:00:00Z"})
        second = emitted_metrics(capsys.readouterr().out)
    # Then the first counts as an edition published, the second as the same day published again:
    # NoEditionAlarm, which reads EditionPublished, is not kept quiet by a day that was not built
    assert again["republished"] is True
    assert first["EditionPublished"] == [1.0] and "EditionRepublished" not in first
    assert second["EditionRepublished"] == [1.0] and "EditionPublished" not in second
    assert "EditionItems" not in second  # EmptyEditionAlarm: measured for the day once
    # And each render says that the schedule's zone is not the report's
    said = [vars(r) for r in caplog.records if r.getMessage() == "schedule timezone not the report's"]
    assert [(r["levelname"], r["schedule"], r["report"]) for r in said] == [
        ("WARNING", "America/New_York", "Asia/Shanghai")
    ] * 2


@pytest.mark.parametrize("zone", [None, "Asia/Shanghai", "Asia/Chongqing"])
def test_a_schedule_in_the_report_s_zone_or_none_named_is_nothing_to_warn_of(
    stack: Stack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, zone: str | None
) -> None:
    # Given a render function told no schedule zone (a local run), the report's, or an alias of it
    if zone is None:
        monkeypatch.delenv("SCHEDULE_TIMEZONE", raising=False)
    else:
        monkeypatch.setenv("SCHEDULE_TIMEZONE", zone)
    stack.handlers["render_edition"] = load_handler("render_edition")
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    # When it renders, Then it warns of nothing
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        stack.invoke("render_edition", {"scheduled_time": NOW})
    assert [r for r in caplog.records if r.getMessage() == "schedule timezone not the report's"] == []


def test_a_render_retried_after_failing_to_publish_still_counts_the_day_as_new(
    stack: Stack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a render whose first publish fails after the day's edition was stored (S3 refused a write)
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    pipeline = stack.handlers["render_edition"].deployment().pipeline
    publish = pipeline.publish
    failures = iter([StorageError("S3 refused the write")])

    def publish_once_failing(edition: Any) -> Any:
        for failure in failures:
            raise failure
        return publish(edition)

    monkeypatch.setattr(pipeline, "publish", publish_once_failing)
    with pytest.raises(StorageError):
        stack.invoke("render_edition", {"scheduled_time": NOW})
    failed = emitted_metrics(capsys.readouterr().out)
    # When Lambda's retry renders it again (the stored edition found: built before)
    again = stack.invoke("render_edition", {"scheduled_time": NOW})
    retried = emitted_metrics(capsys.readouterr().out)
    # Then the retry, which published and announced the day, counts it as a new edition, with its items
    assert again["republished"] is True and again["announcement"] and len(stack.announcements()) == 1
    assert "EditionPublished" not in failed
    assert retried["EditionPublished"] == [1.0] and retried["EditionItems"] == [2.0]
    assert "EditionRepublished" not in retried


def test_a_feed_with_nothing_new_for_three_days_and_an_empty_edition_are_measured_for_their_alarms(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a feed that answers with the same two items from 11-20 to 11-23
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    first = emitted_metrics(capsys.readouterr().out)
    # When it is fetched again 73 hours later, and the day's edition is rendered
    stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-23T01:00:00Z"})
    stack.invoke("render_edition", {"scheduled_time": "2026-11-23T01:00:00Z"})
    later = emitted_metrics(capsys.readouterr().out)
    # Then the fetch reports the source quiet for 73 hours (SourceQuietAlarm rings at 72) and the
    # render an edition without items (EmptyEditionAlarm), both alarms reading those metric names
    assert first["MaxQuietHours"] == [0.0]
    assert later["MaxQuietHours"] == [73.0]
    assert later["EditionItems"] == [0.0] and later["EditionPublished"] == [1.0]
    assert later["SummarizerFallback"] == [0.0]  # the extractive points, as configured


def test_an_edition_with_a_leaderboard_past_its_max_age_is_measured_for_its_alarm(
    stack: Stack, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # Given the leaderboard's snapshot of 2026-11-15, fetched on 11-20, which its publisher never updates
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": NOW})
    # When the day's edition is rendered, and again 30 days later (max_age_days is 30 by default)
    stack.invoke("render_edition", {"scheduled_time": NOW})
    fresh = emitted_metrics(capsys.readouterr().out)
    stack.invoke("fetch_feeds", {"scheduled_time": "2026-12-20T00:00:00Z"})
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        stack.invoke("render_edition", {"scheduled_time": "2026-12-20T00:00:00Z"})
    stale = emitted_metrics(capsys.readouterr().out)
    # Then the first edition measures 0, the later one the ranking's 35 days (LeaderboardStaleAlarm
    # rings at 1), and the render's log says which ranking is stale
    assert fresh["LeaderboardStaleDays"] == [0.0]
    assert stale["LeaderboardStaleDays"] == [35.0]
    said = [vars(r) for r in caplog.records if r.getMessage() == "leaderboard stale"]
    assert [(r["levelname"], r["snapshot_date"], r["age_days"]) for r in said] == [
        ("WARNING", "2026-11-15", 35)
    ]


def test_a_missed_day_published_the_next_morning_shows_the_leaderboard_of_its_own_time(stack: Stack) -> None:
    # Given the day's feeds and leaderboard fetched on schedule (the snapshot of 2026-11-15), no render
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:30:00Z"})
    # And the next morning's leaderboard fetch took the file's new snapshot, of 2026-11-21
    newer = {**json.loads(BOARD), "20261121": {"text": {"overall": {"glm-4.6": 1440.0}}}}
    stack.server.routes["/board.json"] = static(json.dumps(newer).encode(), headers={"ETag": '"b2"'})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-20T23:30:00Z"})
    # When the operator publishes the missed day with its scheduled time (README: "A day without an edition")
    stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    # Then it shows the ranking it had at its time, not the next day's (数据日期 2026-11-21, age_days -1)
    body = stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.json")["Body"].read()
    board = json.loads(body)["leaderboard"]
    assert (board["snapshot_date"], board["age_days"]) == ("2026-11-15", 5)


# A day built after its cutoff (a missed day published the next morning, a failed render replayed after the
# next fetch, a rebuild) says how its sources went by its cutoff, and credits the feeds that carried its
# stories by then (a review of 2026-12-02 found it read them as they were at the build)


def test_a_missed_day_published_the_next_morning_shows_its_feeds_as_they_were_at_its_time(
    stack: Stack,
) -> None:
    # Given the day's feed and leaderboard fetched fine on schedule, no render
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:30:00Z"})
    # And the next morning's fetch found the feed down (first seen since: nothing, the day's items kept)
    stack.server.routes["/feed.xml"] = static(b"gone", status=404)
    stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T22:00:00Z"})
    # When the operator publishes the missed day with its scheduled time (README: "A day without an edition")
    result = stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    # Then the edition says how its feed went by its cutoff, as a render on time did: fetched, not failed
    # with the next morning's error (the same day's edition whenever it is rendered)
    assert result["failed_sources"] == []
    body = stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.json")["Body"].read()
    (source,) = [s for s in json.loads(body)["sources"] if s["name"] == "36Kr"]
    assert (source["status"], source["error"]) == ("ok", None)


def test_a_missed_day_published_the_next_morning_does_not_say_its_shown_leaderboard_failed(
    stack: Stack,
) -> None:
    # Given the day's feed and leaderboard fetched fine on schedule, no render
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:30:00Z"})
    # And the next morning's leaderboard fetch failed
    stack.server.routes["/board.json"] = static(b"gone", status=404)
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-20T23:30:00Z"})
    # When the operator publishes the missed day with its scheduled time
    result = stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    # Then it shows the ranking fetched by its cutoff, and no failure of it from the next morning
    # (本期部分来源未能获取: LM Arena（服务器报错） under a ranking fetched fine)
    assert result["failed_sources"] == []
    md = stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.md")["Body"].read().decode("utf-8")
    assert "数据日期: 2026-11-15" in md and "未能获取" not in md


def test_a_missed_day_published_later_credits_no_feed_that_carried_its_stories_after_its_cutoff(
    stack: Stack,
) -> None:
    # Given a second feed, empty when the day's feeds were fetched on schedule, no render
    config = Path(os.environ["CONFIG_FILE"])
    second = f'[[sources]]\nname = "乙"\nurl = "{stack.server.url("/b.xml")}"\n[leaderboard]'
    config.write_text(config.read_text(encoding="utf-8").replace("[leaderboard]", second), encoding="utf-8")
    empty = b"<rss version='2.0'><channel><title>b</title></channel></rss>"
    stack.server.routes["/b.xml"] = static(empty, headers={"Content-Type": "application/rss+xml"})
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:30:00Z"})
    # And at 10:00, after the day's cutoff (08:10), that feed carried the day's two stories too
    stack.server.routes["/b.xml"] = static(FEED, headers={"Content-Type": "application/rss+xml"})
    stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T02:00:00Z"})
    # When the missed day is published with its scheduled time
    stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    # Then its stories are credited to the feed that had them by its cutoff only, as on time
    body = json.loads(stack.s3.get_object(Bucket=SITE, Key="reports/2026-11-20.json")["Body"].read())
    assert [item["sources"] for item in body["items"]] == [["36Kr"], ["36Kr"]]
    assert {s["name"]: s["items"] for s in body["sources"]}["乙"] == 0


def _published_text(stack: Stack, key: str) -> str:
    body: bytes = stack.s3.get_object(Bucket=SITE, Key=key)["Body"].read()
    return body.decode("utf-8")


def test_a_rebuild_shows_the_ranking_it_was_published_with_after_a_late_run_of_an_earlier_fetch(
    stack: Stack,
) -> None:
    # Given the day's feeds and leaderboard fetched on schedule (the snapshot of 2026-11-15), published
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:30:00Z"})
    stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    on_time = {key: _published_text(stack, f"reports/2026-11-20.{key}") for key in ("json", "md", "html")}
    # And after it, a leaderboard fetch of 07:50 ran (a retried invocation), taking a newer snapshot
    newer = {**json.loads(BOARD), "20261119": {"text": {"overall": {"glm-4.6": 1500.0}}}}
    stack.server.routes["/board.json"] = static(json.dumps(newer).encode(), headers={"ETag": '"b2"'})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:50:00Z"})
    # When the operator rebuilds the day without changing anything (README: "Rebuild the newest edition")
    stack.s3.delete_object(Bucket=RAW, Key="editions/2026-11-20.json")
    stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    # Then it is what readers have: the ranking of 2026-11-15 (a review found the late fetch's, 2026-11-19,
    # stored as fetched at its scheduled time, before the cutoff)
    assert json.loads(on_time["json"])["leaderboard"]["snapshot_date"] == "2026-11-15"
    assert {
        key: _published_text(stack, f"reports/2026-11-20.{key}") for key in ("json", "md", "html")
    } == on_time


def test_a_rebuild_does_not_say_its_leaderboard_failed_after_a_late_run_of_an_earlier_fetch_failed(
    stack: Stack,
) -> None:
    # Given the day's feeds and leaderboard fetched on schedule, published with no failure
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:30:00Z"})
    first = stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    # And after it, a leaderboard fetch of 07:50 ran (a retried invocation) and failed
    stack.server.routes["/board.json"] = static(b"gone", status=404)
    stack.invoke("fetch_leaderboard", {"scheduled_time": "2026-11-19T23:50:00Z"})
    # When the operator rebuilds the day without changing anything
    stack.s3.delete_object(Bucket=RAW, Key="editions/2026-11-20.json")
    rebuilt = stack.invoke("render_edition", {"scheduled_time": "2026-11-20T00:10:00Z"})
    # Then it says no more failed than was published (not 本期部分来源未能获取: LM Arena（服务器报错）)
    assert first["failed_sources"] == rebuilt["failed_sources"] == []
    assert "未能获取" not in _published_text(stack, "reports/2026-11-20.md")
