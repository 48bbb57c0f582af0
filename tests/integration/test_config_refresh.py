"""A configuration kept in Parameter Store (``CONFIG_PARAMETER``) or in the raw bucket
(``CONFIG_OBJECT_KEY``) changed while the functions are warm.

The handlers run in-process under moto, their feeds served from loopback. ``put-parameter --overwrite``
(or ``aws s3 cp``) reaches an invocation once Powertools' parameter cache (5 minutes) has let the old
text go: the tests empty that cache instead of waiting, and count the reads of the configuration the
functions make. Every test runs with either place of the configuration. The email functions (the
fan-out, the batch sender, the subscription endpoints) take a change as the fetch and render functions
do.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import test_subscriptions_moto as subs
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from lambda_support import REGION, Context, edition_resources, fake_credentials, load_handler
from loopback import LoopbackServer, static
from moto import mock_aws

from ai_news_tracker.errors import ConfigError
from ai_news_tracker.log import SERVICE
from ai_news_tracker.sdk import S3_PROVIDER
from ai_news_tracker.subscribers import subscriber_id

RAW, SITE, TABLE = "cfg-raw-bucket", "cfg-site-bucket", "cfg-idempotency"
PARAMETER = "/ai-news-tracker/config"
OBJECT_KEY = "config/config.toml"
FETCHED = "2026-11-20T00:00:00Z"  # 08:00 in Shanghai
RENDERED = "2026-11-20T00:10:00Z"
DAY = "2026-11-20"


def rss(feed: str, *titles: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://example.com/{feed}/{n}</link>"
        f"<pubDate>Fri, 20 Nov 2026 07:0{n}:00 +0800</pubDate><description>{title}。</description></item>"
        for n, title in enumerate(titles)
    )
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{items}</channel></rss>".encode()


@dataclass
class ConfigPlace:
    """Where the functions read the configuration: the SSM parameter or the raw bucket's object."""

    s3: Any
    ssm: Any
    raw: str  # the raw bucket
    reads: list[str]  # the reads of the configuration (SSM GetParameter, S3 GetObject of its key)
    place: str  # "ssm" or "s3"

    @property
    def where(self) -> str:
        """What the functions read: the parameter's name, or the object's key."""
        return PARAMETER if self.place == "ssm" else OBJECT_KEY

    def put_config(self, text: str) -> None:
        """``aws ssm put-parameter --overwrite``, or ``aws s3 cp`` to the configuration object."""
        if self.place == "ssm":
            self.ssm.put_parameter(Name=PARAMETER, Type="String", Value=text, Overwrite=True)
        else:
            self.s3.put_object(Bucket=self.raw, Key=OBJECT_KEY, Body=text.encode())

    def delete_config(self) -> None:
        if self.place == "ssm":
            self.ssm.delete_parameter(Name=PARAMETER)
        else:
            self.s3.delete_object(Bucket=self.raw, Key=OBJECT_KEY)

    def minutes_pass(self) -> None:
        """The 5 minutes of Powertools' parameter cache go by: its provider forgets the values."""
        DEFAULT_PROVIDERS["ssm" if self.place == "ssm" else S3_PROVIDER].clear_cache()

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The functions' environment names the place (``CONFIG_PARAMETER`` or ``CONFIG_OBJECT_KEY``)."""
        monkeypatch.setenv("CONFIG_PARAMETER" if self.place == "ssm" else "CONFIG_OBJECT_KEY", self.where)


def config_reads() -> list[str]:
    """Under an active ``mock_aws``: the reads of the configuration every client of boto3's default
    session makes from now on (the functions' Powertools providers' too), SSM's and S3's."""
    calls: list[str] = []
    boto3.client("s3")  # boto3's default session (mock_aws resets it)
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register(
        "provide-client-params.ssm.GetParameter",
        lambda params, **_: calls.extend([params["Name"]] if params["Name"] == PARAMETER else []),
    )
    boto3.DEFAULT_SESSION.events.register(
        "provide-client-params.s3.GetObject",
        lambda params, **_: calls.extend([params["Key"]] if params["Key"] == OBJECT_KEY else []),
    )
    return calls


@dataclass
class Stack(ConfigPlace):
    server: LoopbackServer
    handlers: dict[str, ModuleType]

    def config(self, *sources: str, exclude: tuple[str, ...] = (), extra: str = "") -> str:
        feeds = "".join(
            f'[[sources]]\nname = "{s}"\nurl = "{self.server.url(f"/{s}.xml")}"\n' for s in sources
        )
        return f"[filter]\ninclude = []\nexclude = {list(exclude)!r}\n{extra}{feeds}"

    def invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.handlers[name].lambda_handler(event, Context())
        return result

    def titles(self) -> list[str]:
        import json

        body = self.s3.get_object(Bucket=SITE, Key=f"reports/{DAY}.json")["Body"].read()
        return sorted(item["title"] for item in json.loads(body)["items"])


@pytest.fixture(params=["ssm", "s3"])
def stack(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    fake_credentials(monkeypatch)
    parameters.clear_caches()  # Powertools keeps its SSM provider (and its values) across tests
    routes = {
        "/a.xml": static(
            rss("a", "大模型新闻 第1条", "某品牌手机发布"), headers={"Content-Type": "application/rss+xml"}
        ),
        "/b.xml": static(rss("b", "开源模型发布"), headers={"Content-Type": "application/rss+xml"}),
    }
    with LoopbackServer(routes) as server, mock_aws():
        shipped = tmp_path / "shipped.toml"  # the layer's file, which the parameter or object overrides
        shipped.write_text('[report]\ntitle = "未用"\n', encoding="utf-8")
        s3, _, _ = edition_resources(monkeypatch, shipped, RAW, SITE, TABLE)
        ssm = boto3.client("ssm", region_name=REGION)
        reads = config_reads()
        current = Stack(s3, ssm, RAW, reads, request.param, server=server, handlers={})
        current.put_config(current.config("a"))
        current.use(monkeypatch)
        current.handlers = {n: load_handler(n) for n in ("fetch_feeds", "render_edition")}
        yield current
    parameters.clear_caches()


def test_a_changed_filter_reaches_a_warm_render_function_once_the_parameter_cache_expires(
    stack: Stack,
) -> None:
    # Given a day's edition rendered with a filter that lets a phone launch through
    stack.invoke("fetch_feeds", {"scheduled_time": FETCHED})
    assert stack.invoke("render_edition", {"scheduled_time": RENDERED})["items"] == 2
    # When the operator follows the runbook: fixes the filter in SSM, deletes the stored edition, and
    # invokes the (still warm) render function once the parameter cache has let the old text go
    stack.put_config(stack.config("a", exclude=("手机",)))
    stack.s3.delete_object(Bucket=RAW, Key=f"editions/{DAY}.json")
    stack.minutes_pass()
    result = stack.invoke("render_edition", {"scheduled_time": RENDERED})
    # Then the rebuilt edition applies the new filter
    assert result["items"] == 1 and stack.titles() == ["大模型新闻 第1条"]


def test_a_summarizer_switched_to_a_model_gets_its_calls_traced_on_a_warm_render_function(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    render = stack.handlers["render_edition"]
    patched: list[tuple[str, ...]] = []
    monkeypatch.setattr(render.tracer, "patch", lambda modules: patched.append(tuple(modules)))
    # Given a warm render function, cold-started with the extractive summarizer: requests not patched
    stack.invoke("fetch_feeds", {"scheduled_time": FETCHED})
    stack.invoke("render_edition", {"scheduled_time": RENDERED})
    assert patched == []
    # When the operator switches to an OpenAI-compatible model in the configuration, and the day is
    # built again once the cache has expired
    stack.put_config(
        stack.config("a")
        + '[summarizer]\nprovider = "openai"\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    stack.minutes_pass()
    stack.s3.delete_object(Bucket=RAW, Key="editions/2026-11-20.json")
    stack.invoke("render_edition", {"scheduled_time": RENDERED})
    stack.invoke("render_edition", {"scheduled_time": RENDERED})
    # Then requests is patched, once, as a cold start with that configuration patches it: the model's
    # calls are traced
    assert patched == [("requests",)]


def test_a_source_added_in_ssm_is_fetched_by_a_warm_fetch_function(stack: Stack) -> None:
    # Given a warm fetch function that fetched the one configured feed
    first = stack.invoke("fetch_feeds", {"scheduled_time": FETCHED})
    assert [s["name"] for s in first["sources"]] == ["a"]
    # When a second feed is added in SSM and the parameter cache expires before the next run
    stack.put_config(stack.config("a", "b"))
    stack.minutes_pass()
    later = stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T00:05:00Z"})
    # Then that run fetches it too, and the day's edition has its news
    assert [s["name"] for s in later["sources"]] == ["a", "b"]
    assert stack.server.hits("/b.xml") == 1
    stack.invoke("render_edition", {"scheduled_time": RENDERED})
    assert "开源模型发布" in stack.titles()


def test_warm_invocations_within_the_cache_read_ssm_once_and_keep_the_configuration(stack: Stack) -> None:
    # Given a cold function's first invocation, whose deployment read the configuration
    stack.invoke("fetch_feeds", {"scheduled_time": FETCHED})
    # Then that was the one read: the invocation found the text the deployment had just read
    assert stack.reads == [stack.where]
    # When the configuration changes and the function is invoked again within the cache's 5 minutes
    stack.put_config(stack.config("a", "b"))
    later = stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T02:00:00Z"})
    # Then it read nothing, and still has the configuration it read (README: up to 5 minutes)
    assert stack.reads == [stack.where]
    assert [s["name"] for s in later["sources"]] == ["a"]


def test_a_bad_configuration_fails_the_invocation_naming_its_key_and_its_fix_is_taken(stack: Stack) -> None:
    stack.invoke("fetch_feeds", {"scheduled_time": FETCHED})
    # Given a configuration put with a key that is not valid
    stack.put_config(stack.config("a", extra="[report]\nmax_items = -1\n"))
    stack.minutes_pass()
    # When the warm function is invoked, Then the invocation fails naming the key
    with pytest.raises(ConfigError, match="max_items"):
        stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T02:00:00Z"})
    # And so does the next one while the parameter is unchanged (the bad text is not taken as read)
    with pytest.raises(ConfigError, match="max_items"):
        stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T02:00:00Z"})
    # When it is fixed and the cache lets the bad text go, Then the same container works again
    stack.put_config(stack.config("a", "b"))
    stack.minutes_pass()
    fixed = stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T02:00:00Z"})
    assert [s["name"] for s in fixed["sources"]] == ["a", "b"]


def test_a_warm_function_that_cannot_read_the_parameter_keeps_its_configuration(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a warm fetch function
    stack.invoke("fetch_feeds", {"scheduled_time": FETCHED})
    # When SSM does not give the parameter (S3 the object) once the cache has expired (here: it is gone)
    stack.delete_config()
    stack.minutes_pass()
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        later = stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T02:00:00Z"})
    # Then the run goes on with the configuration the function has, and says why it did not change
    assert [s["name"] for s in later["sources"]] == ["a"]
    (logged,) = [r for r in caplog.records if r.getMessage() == "configuration not read again"]
    assert logged.levelno == logging.WARNING
    if stack.place == "ssm":
        assert vars(logged)["parameter"] == PARAMETER
    else:
        assert vars(logged)["object"] == f"s3://{RAW}/{OBJECT_KEY}" and "NoSuchKey" in vars(logged)["reason"]


def test_a_configuration_shipped_in_the_layer_is_never_read_from_ssm_or_s3(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given functions configured by the layer's file alone (no CONFIG_PARAMETER nor CONFIG_OBJECT_KEY)
    shipped = tmp_path / "layer.toml"
    shipped.write_text(stack.config("b"), encoding="utf-8")
    monkeypatch.setenv("CONFIG_FILE", str(shipped))
    monkeypatch.delenv("CONFIG_PARAMETER" if stack.place == "ssm" else "CONFIG_OBJECT_KEY")
    handler = load_handler("fetch_feeds")
    stack.handlers["fetch_feeds"] = handler
    # When the function is invoked twice
    stack.invoke("fetch_feeds", {"scheduled_time": FETCHED})
    second = stack.invoke("fetch_feeds", {"scheduled_time": "2026-11-20T02:00:00Z"})
    # Then it used the file's configuration without reading the parameter or the object
    assert [s["name"] for s in second["sources"]] == ["b"] and stack.reads == []


# ---------------------------------------------------------------- the email functions


@dataclass
class MailStack(ConfigPlace):
    """The email functions under moto (test_subscriptions_moto's stack), their configuration in SSM or
    in the raw bucket."""

    mail: subs.Stack

    def put_email(self, *, enabled: bool = True, name: str = "日报", title: str = "国产大模型日报") -> None:
        """A configuration of the email edition: on or off, the sender's display name (with an address
        other than the stack's ``SENDER_ADDRESS``, which mail goes from all the same), the pages' title."""
        self.put_config(
            f'[email]\nenabled = {str(enabled).lower()}\nsender = "{name} <noreply@elsewhere.example>"\n'
            f'[report]\ntitle = "{title}"\n'
        )

    def editions_from(self, address: str) -> list[str]:
        """The display names of the editions mailed to ``address``, in order."""
        return [m["From"].addresses[0].display_name for m in self.mail.editions_to(address)]


@pytest.fixture(params=["ssm", "s3"])
def mail(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MailStack]:
    with subs.mail_stack(tmp_path, monkeypatch) as stack:
        ssm = boto3.client("ssm", region_name=REGION)
        current = MailStack(stack.s3, ssm, subs.RAW, config_reads(), request.param, mail=stack)
        current.put_email()
        current.use(monkeypatch)
        yield current


READER = "reader@example.org"


def test_email_turned_on_reaches_a_warm_fan_out_function_once_the_cache_expires(mail: MailStack) -> None:
    # Given a confirmed reader, and the email edition off
    subs.subscribe_and_confirm(mail.mail, READER)
    mail.put_email(enabled=False)
    mail.minutes_pass()
    assert mail.mail.announce(subs.DAY1)["reason"] == "email disabled"
    # When the operator turns it on, and the (still warm) fan-out function is invoked once the
    # parameter cache has let the old text go
    mail.put_email(enabled=True)
    mail.minutes_pass()
    result = mail.mail.announce(subs.DAY2)
    # Then it fans the edition out, and the warm batch function sends it
    assert (result["subscribers"], result["batches"], result["reason"]) == (1, 1, None)
    assert mail.mail.drain() == []
    assert len(mail.mail.editions_to(READER)) == 1


def test_email_turned_off_stops_a_warm_batch_function_and_a_new_sender_name_reaches_it(
    mail: MailStack,
) -> None:
    # Given a reader who received a day's edition from 日报
    subs.subscribe_and_confirm(mail.mail, READER)
    mail.mail.announce(subs.DAY1)
    assert mail.mail.drain() == [] and mail.editions_from(READER) == ["日报"]
    # When the next day is fanned out, then the operator turns email off before the batches are sent
    assert mail.mail.announce(subs.DAY2)["batches"] == 1
    mail.put_email(enabled=False)
    mail.minutes_pass()
    # Then the warm batch function sends nothing more
    assert mail.mail.drain() == [] and mail.editions_from(READER) == ["日报"]
    # When it is turned on again with another sender name, and the day is announced again
    mail.put_email(enabled=True, name="模型日报")
    mail.minutes_pass()
    mail.mail.announce(subs.DAY2)
    assert mail.mail.drain() == []
    # Then the day goes out from the new name, at the stack's address
    assert mail.editions_from(READER) == ["日报", "模型日报"]
    assert mail.mail.editions_to(READER)[-1]["From"].addresses[0].addr_spec == "digest@example.com"


def test_a_new_title_and_sender_reach_the_warm_subscription_endpoints(mail: MailStack) -> None:
    # Given warm endpoints that answered a reader
    assert mail.mail.subscribe(READER).status == 202
    page = mail.mail.http("GET", "/confirm", query={"token": "x.y"})
    assert "<title>链接无效或已过期 · 国产大模型日报</title>" in page.body
    # When the title and the sender's name change, and the cache lets the old text go
    mail.put_email(name="模型周刊", title="模型周刊")
    mail.minutes_pass()
    # Then the pages carry the new title and the next confirmation mail the new sender
    page = mail.mail.http("GET", "/confirm", query={"token": "x.y"})
    assert "<title>链接无效或已过期 · 模型周刊</title>" in page.body
    assert mail.mail.subscribe("other@example.org").status == 202
    (confirmation,) = mail.mail.mails_to("other@example.org")
    assert confirmation["From"].addresses[0].display_name == "模型周刊"
    assert confirmation["From"].addresses[0].addr_spec == "digest@example.com"  # the stack's, verified


def test_warm_email_functions_within_the_cache_read_the_configuration_once(mail: MailStack) -> None:
    # Given the three email functions' cold starts, each of which read the configuration into the
    # process's parameter cache (one read: in Lambda, one per container)
    subs.subscribe_and_confirm(mail.mail, READER)
    mail.mail.announce(subs.DAY1)
    assert mail.mail.drain() == []
    assert mail.reads == [mail.where]
    # When email is turned off and each is invoked again within the cache's 5 minutes
    mail.put_email(enabled=False)
    mail.mail.announce(subs.DAY2)
    assert mail.mail.drain() == []
    assert mail.mail.subscribe("other@example.org").status == 202
    assert mail.mail.http("GET", "/unsubscribe", query={"token": "x.y"}).status == 400
    # Then none of them read it, and they still have the configuration they read (up to 5 minutes)
    assert mail.reads == [mail.where]
    assert len(mail.mail.editions_to(READER)) == 2


def test_a_bad_configuration_fails_the_email_functions_and_the_endpoints_answer_unavailable(
    mail: MailStack, capsys: pytest.CaptureFixture[str]
) -> None:
    mail.put_email(title="模型周刊")  # the configuration the functions start with: a title of its own
    subs.subscribe_and_confirm(mail.mail, READER)
    # Given a configuration put with a key that is not valid, once the cache has let the good one go
    mail.put_config(
        '[email]\nenabled = true\nsender = "日报 <digest@example.com>"\n[report]\nmax_items = -1\n'
    )
    mail.minutes_pass()
    # When the warm fan-out and batch functions are invoked, Then they fail naming the key
    with pytest.raises(ConfigError, match="max_items"):
        mail.mail.announce(subs.DAY1)
    batch = {"v": 1, "date": subs.DAY1, "url": None, "ids": [subscriber_id(READER)]}
    mail.mail.sqs.send_message(QueueUrl=mail.mail.queue_url, MessageBody=json.dumps(batch))
    with pytest.raises(ConfigError, match="max_items"):
        mail.mail.deliver(mail.mail.receive())
    # And the warm endpoints answer 503, the page and the JSON saying so without naming the key
    page = mail.mail.http("GET", "/confirm", query={"token": "x.y"})
    assert page.status == 503 and "max_items" not in page.body
    assert "<title>暂时无法处理 · 模型周刊</title>" in page.body  # under the title the container has
    answer = mail.mail.subscribe("other@example.org")
    assert answer.status == 503 and answer.json()["status"] == "unavailable"
    assert subs.counted(capsys.readouterr().out).count("ConfigurationFailed") == 2  # alarmed: no Lambda error
    assert mail.mail.mails_to("other@example.org") == [] and mail.mail.record("other@example.org") is None
    # So does a cold start of the endpoints (no configuration at all)
    mail.mail.reload("subscription")
    cold = mail.mail.http("GET", "/confirm", query={"token": "x.y"})
    assert cold.status == 503 and "<title>暂时无法处理 · 国产大模型日报</title>" in cold.body
    # When it is fixed and the cache lets the bad text go, Then everything works again
    mail.put_email()
    mail.minutes_pass()
    assert mail.mail.subscribe("other@example.org").status == 202
    assert mail.mail.drain() == [] and len(mail.mail.editions_to(READER)) == 1


def test_a_pushed_timezone_naming_a_region_makes_the_endpoints_answer_unavailable(
    mail: MailStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given warm subscription endpoints
    assert mail.mail.subscribe("reader@example.org").status == 202
    capsys.readouterr()
    # When the operator pushes a configuration whose timezone is "Asia" (the city left out: a folder of
    # zones, which zoneinfo opens as an OSError) and the cache lets the good one go
    mail.put_config('[email]\nenabled = true\n[report]\ntimezone = "Asia"\n')
    mail.minutes_pass()
    answer = mail.mail.subscribe("other@example.org")
    # Then they answer 503 and count ConfigurationFailed for its alarm, as for any configuration that
    # does not load, not a Lambda error
    assert answer.status == 503 and answer.json()["status"] == "unavailable"
    assert "ConfigurationFailed" in subs.counted(capsys.readouterr().out)


def test_warm_email_functions_that_cannot_read_the_configuration_keep_theirs(
    mail: MailStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Given warm email functions
    subs.subscribe_and_confirm(mail.mail, READER)
    mail.mail.announce(subs.DAY1)
    assert mail.mail.drain() == []
    # When the configuration cannot be read once the cache has expired (here: it is gone)
    mail.delete_config()
    mail.minutes_pass()
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        fanned = mail.mail.announce(subs.DAY2)
        assert mail.mail.drain() == []
        answer = mail.mail.subscribe("other@example.org")
    # Then they go on with the configuration they have, and say why it did not change
    assert fanned["batches"] == 1 and len(mail.mail.editions_to(READER)) == 2
    assert answer.status == 202 and len(mail.mail.mails_to("other@example.org")) == 1
    assert [r.getMessage() for r in caplog.records].count("configuration not read again") >= 3
