"""The AWS edge under moto: the S3 store, settings, the configuration from SSM, the event clock."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from lambda_support import invalidated_paths, site_distribution
from moto import mock_aws

from ai_news_tracker.aws import (
    INVALIDATION_PATHS,
    CdnInvalidator,
    S3Store,
    Settings,
    cache_control_for,
    event_now,
    load_deployed_config,
)
from ai_news_tracker.cli import parse_now
from ai_news_tracker.config import parse_config
from ai_news_tracker.errors import ConfigError, StorageError, TrackerError
from ai_news_tracker.log import SERVICE

REGION = "us-east-1"
# A dated page: five minutes in a reader's browser, as the index and latest (a rebuilt edition reaches
# every reader as soon as they do), a day at CloudFront, which the render function invalidates.
DATED = "public, max-age=300, s-maxage=86400"
SHORT = "public, max-age=300"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="site-bucket")
        yield client


def test_site_objects_carry_content_type_and_cache_control(s3: Any) -> None:
    store = S3Store("site-bucket", s3, public=True)
    for key in (
        "reports/2026-11-20.md",
        "reports/2026-11-20.json",
        "reports/2026-11-20.html",
        "index.html",
        "feed.xml",
    ):
        store.put(key, b"x")

    def head(key: str) -> tuple[str, str]:
        answer = s3.head_object(Bucket="site-bucket", Key=key)
        return answer["ContentType"], answer["CacheControl"]

    assert head("reports/2026-11-20.md") == ("text/markdown; charset=utf-8", DATED)
    assert head("reports/2026-11-20.json") == ("application/json", DATED)
    assert head("reports/2026-11-20.html") == ("text/html; charset=utf-8", DATED)
    assert head("index.html") == ("text/html; charset=utf-8", SHORT)
    assert head("feed.xml") == ("application/atom+xml; charset=utf-8", SHORT)


def test_a_site_store_knows_the_dated_pages_it_replaced_with_other_bytes(s3: Any) -> None:
    # Given a dated page and the index, published once
    store = S3Store("site-bucket", s3, public=True)
    store.put("reports/2026-11-20.html", b"first")
    store.put("index.html", b"first")
    # When a re-run writes the same bytes, Then it replaced nothing
    store.put("reports/2026-11-20.html", b"first")
    assert store.replaced == set()
    # When a rebuild writes other bytes to the page and the index, and the next day's page is new
    store.put("reports/2026-11-20.html", b"second")
    store.put("index.html", b"second")
    store.put("reports/2026-11-21.html", b"new")
    # Then the dated page alone was replaced (the index is cached five minutes anywhere; a new page
    # replaced nothing a cache could hold)
    assert store.replaced == {"reports/2026-11-20.html"}
    # And a private store (the raw bucket) keeps no such record
    raw = S3Store("site-bucket", s3)
    raw.put("reports/2026-11-20.html", b"third")
    assert raw.replaced == set()


def test_the_cdn_drops_the_replaced_pages_in_one_invalidation(s3: Any) -> None:
    # Given the site's distribution
    distribution = site_distribution("site-bucket")
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    cdn = CdnInvalidator(distribution, cloudfront)
    # When nothing was replaced, Then nothing is invalidated
    assert cdn.invalidate([]) is None
    assert invalidated_paths(distribution) == []
    # When two pages were, Then one invalidation names both paths
    assert cdn.invalidate(["reports/2026-11-20.md", "reports/2026-11-20.html"])
    assert invalidated_paths(distribution) == [["/reports/2026-11-20.html", "/reports/2026-11-20.md"]]
    # And a refusal is an error naming the paths
    with pytest.raises(TrackerError, match=r"cannot invalidate /reports/2026-11-20.md on CloudFront"):
        CdnInvalidator("E000000000000", cloudfront).invalidate(["reports/2026-11-20.md"])


def test_many_replaced_pages_are_invalidated_by_their_folders_wildcard(s3: Any) -> None:
    # Given the site's distribution
    distribution = site_distribution("site-bucket")
    cdn = CdnInvalidator(distribution, boto3.client("cloudfront", region_name=REGION))
    # When a publish replaced every dated page (a new layout of the pages written to every stored day)
    pages = [f"reports/2026-{month:02d}-{day:02d}.html" for month in (10, 11) for day in range(1, 31)]
    assert cdn.invalidate(pages)
    # Then one path, the folder's wildcard, invalidates them all (CloudFront charges per path, a
    # wildcard counting as one)
    assert invalidated_paths(distribution) == [["/reports/*"]]
    # And a rebuilt day's few pages are still named one by one
    assert cdn.invalidate(pages[:INVALIDATION_PATHS])
    named = sorted("/" + page for page in pages[:INVALIDATION_PATHS])
    assert sorted(invalidated_paths(distribution)) == sorted([["/reports/*"], named])


def test_put_if_absent_never_overwrites_a_first_seen_record(s3: Any) -> None:
    store = S3Store("site-bucket", s3)

    assert store.put_if_absent("items/a.json", b"first") is True
    assert store.put_if_absent("items/a.json", b"second") is False
    assert store.get("items/a.json") == b"first"
    assert store.get("items/absent.json") is None


def test_list_pages_through_every_key(s3: Any) -> None:
    store = S3Store("site-bucket", s3)
    for n in range(1005):
        store.put(f"seen/2026-11-20/{n:05d}", b"")

    keys = store.list("seen/2026-11-20/")

    assert len(keys) == 1005 and keys == sorted(keys)


def test_a_missing_bucket_is_a_storage_error(s3: Any) -> None:
    store = S3Store("no-such-bucket", s3)

    with pytest.raises(StorageError, match="NoSuchBucket"):
        store.put("k", b"x")
    with pytest.raises(StorageError, match="cannot list"):
        store.list("")


def test_cache_control_is_long_only_for_dated_reports_and_only_at_the_cdn() -> None:
    assert cache_control_for("reports/2026-11-20.md") == DATED
    assert cache_control_for("reports/latest.md") == SHORT


def test_settings_need_both_buckets() -> None:
    settings = Settings.from_env({"RAW_BUCKET": "r", "SITE_BUCKET": "s", "SITE_URL": "https://x.net/"})

    assert settings.site_url == "https://x.net" and settings.config_parameter is None
    assert settings.distribution_id is None  # no CDN: nothing to invalidate (a local run)
    env = {"RAW_BUCKET": "r", "SITE_BUCKET": "s", "DISTRIBUTION_ID": " E2QWRUHAPOMQZL "}
    assert Settings.from_env(env).distribution_id == "E2QWRUHAPOMQZL"
    with pytest.raises(ConfigError, match="SITE_BUCKET"):
        Settings.from_env({"RAW_BUCKET": "r"})


def test_on_aws_the_pages_subscribe_form_posts_to_the_stack_s_api(tmp_path: Path) -> None:
    # Given the render function's environment: the stack's subscription API
    api = "https://abc123.execute-api.ap-northeast-1.amazonaws.com"
    env = {"RAW_BUCKET": "r", "SITE_BUCKET": "s", "SUBSCRIPTION_API_URL": api + "/"}
    file_config = tmp_path / "c.toml"
    file_config.write_text("[report]\n", encoding="utf-8")
    settings = Settings.from_env(env | {"CONFIG_FILE": str(file_config)})
    # Then an empty [report] subscribe_url takes its /subscribe
    assert load_deployed_config(settings).report.subscribe_url == api + "/subscribe"
    # And a configured one wins; without the variable there is no form
    file_config.write_text(
        '[report]\nsubscribe_url = "https://digest.example.org/api/subscribe"\n', encoding="utf-8"
    )
    assert load_deployed_config(settings).report.subscribe_url == "https://digest.example.org/api/subscribe"
    file_config.write_text("[report]\n", encoding="utf-8")
    assert load_deployed_config(Settings("r", "s", config_file=str(file_config))).report.subscribe_url == ""


def test_config_comes_from_ssm_when_a_parameter_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name="/ant/config", Type="String", Value='[report]\ntitle = "测试日报"\n'
        )
        settings = Settings(raw_bucket="r", site_bucket="s", config_parameter="/ant/config")
        assert load_deployed_config(settings).report.title == "测试日报"
        with pytest.raises(ConfigError, match="cannot read SSM parameter"):
            load_deployed_config(Settings(raw_bucket="r", site_bucket="s", config_parameter="/absent"))
    bad = Settings(raw_bucket="r", site_bucket="s", config_parameter="/p")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_deployed_config(bad, lambda name: "[report")
    file_config = tmp_path / "c.toml"
    file_config.write_text("[report]\nmax_items = 3\n", encoding="utf-8")
    assert load_deployed_config(Settings("r", "s", config_file=str(file_config))).report.max_items == 3


def test_a_secure_string_config_is_read_decrypted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the configuration in an SSM SecureString (the template and README offer one)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    parameters.clear_caches()
    with mock_aws():
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name="/ant/secure-config", Type="SecureString", Value='[report]\ntitle = "加密日报"\n'
        )
        # When a function loads it
        config = load_deployed_config(Settings("r", "s", config_parameter="/ant/secure-config"))
    parameters.clear_caches()
    # Then it reads the TOML, not the ciphertext
    assert config.report.title == "加密日报"


SHANGHAI = ZoneInfo("Asia/Shanghai")


def clock() -> datetime:
    return datetime(2030, 1, 1, tzinfo=UTC)


def test_event_clock() -> None:
    def at(event: dict[str, Any]) -> datetime:
        return event_now(event, clock, SHANGHAI)

    assert at({"scheduled_time": "2026-11-20T00:00:00Z"}) == datetime(2026, 11, 20, tzinfo=UTC)
    assert at({"now": "2026-11-20T08:00:00+08:00", "scheduled_time": "2026-11-20T00:10:00Z"}).hour == 8
    assert at({"time": "2026-11-20T00:00:00Z"}).day == 20  # an EventBridge event
    assert at({}) == clock()
    with pytest.raises(TrackerError, match="scheduled_time"):
        at({"scheduled_time": "yesterday"})


def test_an_eventbridge_rules_scheduled_event_is_read_at_its_time() -> None:
    event = {
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-20T00:10:00Z",
        "region": "ap-northeast-1",
        "resources": ["arn:aws:events:ap-northeast-1:123456789012:rule/render"],
        "detail": {},
    }
    assert event_now(event, clock, SHANGHAI) == datetime(2026, 11, 20, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    ["2026-11-20T20:00", "2026-11-20 23:59:59", "2026-11-20T00:10:00Z", "2026-11-20T08:10+08:00"],
)
def test_an_event_time_is_read_as_run_now_reads_it(value: str) -> None:
    # Given the report's timezone (Asia/Shanghai by default)
    config = parse_config({})
    # When a time is given to the render function and to --now, Then both read the same moment: one
    # without an offset in the report's timezone (20:00 is 2026-11-20, not 04:00 on 2026-11-21)
    moment = event_now({"scheduled_time": value}, clock, config.report.tz)
    assert moment == parse_now(value, config)
    assert moment.astimezone(SHANGHAI).date().isoformat() == "2026-11-20"


def test_a_clock_given_ahead_of_the_machine_s_is_said_and_kept(caplog: pytest.LogCaptureFixture) -> None:
    # Given a machine whose clock reads clock(); When an event's time is a year ahead (a typo, 2031)
    ahead = (clock() + timedelta(days=365)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        moment = event_now({"now": ahead}, clock, SHANGHAI)
        # And a config's --now too
        assert parse_now(ahead, parse_config({}), machine=clock()) == moment
    # Then the run keeps the time it was given, and says by how much it is ahead, each time
    said = [vars(r) for r in caplog.records if r.getMessage() == "clock ahead of this machine's"]
    assert [r["levelname"] for r in said] == ["WARNING"] * 2 and said[0]["hours_ahead"] >= 365 * 24
    # And two hours ahead (the next day's 08:00 typed at 06:00) is said, in hours
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        event_now({"now": (clock() + timedelta(hours=2)).isoformat()}, clock, SHANGHAI)
    (two,) = [vars(r) for r in caplog.records if r.getMessage() == "clock ahead of this machine's"]
    assert two["hours_ahead"] == 2.0
    # But a time behind the machine's (a past day rebuilt), or an hour ahead at most, is nothing to say
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        event_now({"now": "2029-11-19T08:00:00+08:00"}, clock, SHANGHAI)
        event_now({"now": (clock() + timedelta(hours=1)).isoformat()}, clock, SHANGHAI)
    assert [r for r in caplog.records if r.getMessage() == "clock ahead of this machine's"] == []


@pytest.mark.parametrize(
    "value",
    ["2026-03-08T02:30", "2026-03-08 02:30:00"],
)
def test_a_wall_time_the_clocks_skipped_is_read_as_the_moment_it_names(value: str) -> None:
    # Given a report in New York, whose clocks went from 02:00 to 03:00 on 2026-03-08
    config = parse_config({"report": {"timezone": "America/New_York"}})
    # When a run is given 02:30 that night, Then it is 07:30 UTC, shown 03:30 with the offset then
    moment = parse_now(value, config)
    assert moment.isoformat() == "2026-03-08T03:30:00-04:00" and moment.utcoffset() == timedelta(hours=-4)
    assert event_now({"now": value}, clock, config.report.tz) == moment
    # And a day a zone skipped whole (Apia, 2011-12-30) builds the day that came
    apia = parse_config({"report": {"timezone": "Pacific/Apia"}})
    assert parse_now("2011-12-30T12:00", apia).date().isoformat() == "2011-12-31"


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({"scheduled_time": 1763597400}, "'scheduled_time'"),
        ({"scheduled_time": " "}, "'scheduled_time'"),
        ({"now": ""}, "'now'"),
        ({"now": None}, "'now'"),
        ({"time": True}, "'time'"),
        ({"now": ["2026-11-20T08:00+08:00"]}, "'now'"),
        # a later field is not skipped when an earlier one is usable: every time given is checked
        ({"now": "2026-11-20T08:00+08:00", "scheduled_time": "x"}, "'scheduled_time'"),
    ],
)
def test_an_event_time_that_is_present_but_unusable_is_refused_naming_its_field(
    event: dict[str, Any], named: str
) -> None:
    with pytest.raises(TrackerError, match=f"event field {named}"):
        event_now(event, clock, SHANGHAI)


def test_an_event_with_keys_the_functions_do_not_know_is_refused_naming_them() -> None:
    with pytest.raises(TrackerError, match="'date'") as refused:
        event_now({"date": "2026-11-20"}, clock, SHANGHAI)
    assert "scheduled_time" in str(refused.value)  # and says what it takes
    with pytest.raises(TrackerError, match="'dry_run', 'key1'"):
        event_now({"scheduled_time": "2026-11-20T00:10:00Z", "key1": 1, "dry_run": True}, clock, SHANGHAI)


@pytest.mark.parametrize("event", [[], "2026-11-20T08:00", None])
def test_an_event_that_is_not_an_object_is_refused(event: Any) -> None:
    with pytest.raises(TrackerError, match="JSON object"):
        event_now(event, clock, SHANGHAI)


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "1980-06-01T00:00Z"],
)
def test_an_event_time_out_of_the_years_a_run_can_have_is_refused_naming_its_field(value: str) -> None:
    # An event replayed by hand with a typo in its year: refused, as --now is, before anything is stored
    with pytest.raises(TrackerError, match=r"event field 'now': must fall in the years 2000 to 2099"):
        event_now({"now": value}, clock, SHANGHAI)


def test_the_stores_clients_have_a_connection_for_each_thread_the_pipeline_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # Given the functions' deployment, with [fetch] workers = 24 (the threads that read editions)
    from ai_news_tracker.service import Deployment

    config = tmp_path / "c.toml"
    config.write_text("[fetch]\nworkers = 24\n", encoding="utf-8")
    env = {"RAW_BUCKET": "r", "SITE_BUCKET": "s", "CONFIG_FILE": str(config)}
    deployment = Deployment.from_env(env, idempotency=False)
    # Then the S3 clients it makes pool a connection for each thread (boto3's default of 10 made
    # urllib3 discard connections, "Connection pool is full", when publishing read every edition)
    for store in (deployment.pipeline.repo.store, deployment.pipeline.site):
        assert store.client.meta.config.max_pool_connections == 24
