"""What a cold start loads: each function imports what its own job needs, and nothing else.

Every cold start pays for every module its handler imports (bench/cold_start.py measures it). These
tests start a fresh interpreter, import ``functions/<name>/app.py`` and build its deployment (no AWS
call), and look at ``sys.modules``: a fetch function that loaded Jinja2, the renderer or the mailer
would pay for them on every cold start without using them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lambda_support import REGION, REPO

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.deployment()
print(json.dumps(sorted(sys.modules)))
"""

FETCHING = {"requests", "feedparser", "ai_news_tracker.http", "ai_news_tracker.feeds"}
RENDERING = {"jinja2", "ai_news_tracker.render", "ai_news_tracker.mail", "ai_news_tracker.dedupe"}
# Imported by the X-Ray SDK only to patch them; no function uses them.
UNUSED_BY_ANY_FUNCTION = {"sqlite3", "pymysql", "psycopg2", "httpx", "aiobotocore", "pynamodb"}


def init_env(**extra_env: str) -> dict[str, str]:
    """A function's environment at init, with Lambda's Active tracing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN"))}
    env |= {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # Tracing: Active, as Lambda sets it: Powertools' Tracer patches for real
        "LAMBDA_TASK_ROOT": str(REPO / "functions"),
        "AWS_LAMBDA_FUNCTION_NAME": "test",
        "_X_AMZN_TRACE_ID": "Root=1-6749a000-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",
        "RAW_BUCKET": "raw",
        "SITE_BUCKET": "site",
        "SITE_URL": "https://d111111abcdef8.cloudfront.net",
        "CONFIG_FILE": str(REPO / "config" / "default.toml"),
        "IDEMPOTENCY_TABLE": "idempotency",
        "EDITION_TOPIC_ARN": f"arn:aws:sns:{REGION}:123456789012:editions",
        "SUBSCRIBERS_TABLE": "subscribers",
    } | extra_env
    return env


def loaded_at_init(name: str, **extra_env: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO / "functions" / name / "app.py")],
        env=init_env(**extra_env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("name", ["fetch_feeds", "fetch_leaderboard"])
def test_a_fetch_function_loads_no_renderer_mailer_or_jinja2(name: str) -> None:
    # Given a fresh interpreter with the function's environment
    # When the handler is imported and its deployment built
    loaded = loaded_at_init(name)

    # Then the edition's rendering and email are not loaded
    assert "ai_news_tracker.pipeline" in loaded
    assert not RENDERING & loaded
    # configured by the layer's file: no Parameters provider (SSM's, or ours of the S3 object), ~0.1 s
    assert "aws_lambda_powertools.utilities.parameters" not in loaded
    if name == "fetch_feeds":
        assert "ai_news_tracker.leaderboard" not in loaded, "the feeds' fetch ranks no models"


@pytest.mark.parametrize("name", ["send_batch", "send_email", "subscription"])
def test_an_email_function_loads_no_http_client_or_feed_parser(name: str) -> None:
    loaded = loaded_at_init(name)

    assert "ai_news_tracker.mail" in loaded
    assert not FETCHING & loaded
    assert "aws_lambda_powertools.utilities.idempotency" not in loaded, "it runs no idempotent job"


@pytest.mark.parametrize("name", ["fetch_feeds", "render_edition"])
def test_the_tracer_patches_only_the_libraries_the_functions_use(name: str) -> None:
    loaded = loaded_at_init(name)

    assert "aws_xray_sdk.ext.botocore.patch" in loaded, "AWS calls are still traced"
    assert not UNUSED_BY_ANY_FUNCTION & loaded
    assert "asyncio" not in loaded, "wrapt 2 imports asyncio for the X-Ray SDK (~10 ms): pinned to 1.x"


@pytest.mark.parametrize("name", ["fetch_feeds", "fetch_leaderboard"])
def test_a_fetch_function_does_not_patch_requests_whose_patch_records_none_of_its_fetches(name: str) -> None:
    # Given a fresh interpreter with Lambda's Active tracing
    # When the handler is imported and its deployment built
    loaded = loaded_at_init(name)

    # Then AWS calls are traced, and requests is not patched: the X-Ray SDK records Session.request,
    # and the fetches are prepared requests sent with Session.send on worker threads
    assert "aws_xray_sdk.ext.botocore.patch" in loaded
    assert "aws_xray_sdk.ext.requests.patch" not in loaded


def test_the_render_function_loads_no_http_client_with_the_extractive_summarizer() -> None:
    # Given the shipped configuration: extractive points, no model to call
    loaded = loaded_at_init("render_edition")

    # Then neither requests nor its X-Ray patch is loaded; AWS calls are traced
    assert "aws_xray_sdk.ext.botocore.patch" in loaded
    assert not FETCHING & loaded
    assert "aws_xray_sdk.ext.requests.patch" not in loaded


def test_the_render_function_traces_its_model_calls_when_it_has_an_http_summarizer(tmp_path: Path) -> None:
    # Given a configuration whose summarizer calls an OpenAI-compatible API with requests
    config = tmp_path / "config.toml"
    config.write_text(
        '[summarizer]\nprovider = "openai"\nmodel = "deepseek-chat"\n'
        'base_url = "https://api.deepseek.com"\napi_key_env = "DEEPSEEK_API_KEY"\n',
        encoding="utf-8",
    )

    # When its deployment is built
    loaded = loaded_at_init("render_edition", CONFIG_FILE=str(config))

    # Then requests is patched for X-Ray: the model's API calls (Session.request) are recorded
    assert "aws_xray_sdk.ext.requests.patch" in loaded


def test_the_bounce_function_loads_only_the_subscribers_table() -> None:
    # It only marks addresses suppressed: nothing is fetched, rendered or sent
    loaded = loaded_at_init("bounce")

    assert "ai_news_tracker.subscribers" in loaded
    assert not (FETCHING | RENDERING | {"ai_news_tracker.pipeline", "ai_news_tracker.delivery"}) & loaded
    assert not {"ai_news_tracker.aws", "ai_news_tracker.config"} & loaded, "nor the stores or configuration"


def test_the_extractive_summarizer_loads_no_http_client() -> None:
    # Given a fresh interpreter, When the shipped (extractive) summarizer is made
    probe = (
        "import sys\n"
        "from ai_news_tracker.config import SummarizerConfig\n"
        "from ai_news_tracker.summarizers import make_summarizer\n"
        "make_summarizer(SummarizerConfig())\n"
        "print('requests' in sys.modules)\n"
    )
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)

    # Then requests is not loaded: only a model called over HTTP needs it
    assert done.stdout.strip() == "False"


FUNCTIONS = sorted(path.parent.name for path in (REPO / "functions").glob("*/app.py"))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_cold_start_bench_can_stub_out_every_function_s_tracer(name: str) -> None:
    # Given bench/cold_start.py's --without-tracer, which loads each handler with the Tracer a no-op
    # When its child loads the function that way
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "_cold_child.py"), "import-without-tracer", name],
        env=init_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then the handler loads, whichever form of the Tracer's decorators it uses (make bench runs it)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1])["mode"] == "import-without-tracer"
