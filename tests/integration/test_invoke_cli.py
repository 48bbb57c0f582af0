"""``ai-news-tracker invoke``: the command on the fixture template, and the real functions under moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from loopback import LoopbackServer, static
from moto import mock_aws

from ai_news_tracker import cli

CLI = str(Path(sys.executable).parent / "ai-news-tracker")
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "invoke"
TEMPLATE = FIXTURES / "template.yaml"
EVENT = FIXTURES / "event.json"


def run_invoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "_HANDLER"))}
    return subprocess.run(
        [CLI, "invoke", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**environ, **(env or {})},
    )


def write_json(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------------------ the fixture template
def test_invoke_prints_the_result_with_the_template_env_vars_and_lambda_values(tmp_path: Path) -> None:
    env_vars = write_json(
        tmp_path / "env.json",
        {
            "Parameters": {"FROM_FILE": "parameters", "BUCKET": "local-bucket", "UNDECLARED": "ignored"},
            "EchoFunction": {"FROM_FILE": "function", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},
            "BoomFunction": {"SHARED": "not this function's"},
        },
    )

    result = run_invoke(
        "EchoFunction", "--event", str(EVENT), "--env-vars", env_vars, "--template", str(TEMPLATE),
        env={"STAGE": "from-shell", "UNDECLARED": "shell"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the handler's prints are not shown without -v
    answer = json.loads(result.stdout)
    assert answer["env"] == {
        "STAGE": "from-shell",  # the shell overrides the template (declared variables only)
        "GREETING": "你好 from us-east-1",
        "BUCKET": "local-bucket",
        "SHARED": "from-globals",
        "OVERRIDDEN": "from-function",
        "MODE": "dry-run",
        "TOPIC_NAME": "",
        "SECRET": "",
        "FROM_FILE": "function",
        "AWS_LAMBDA_FUNCTION_NAME": "EchoFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "_HANDLER": "app.lambda_handler",
        "UNDECLARED": "shell",  # in-process, the function sees the rest of this process's environment
    }
    assert answer["context"]["memory_limit_in_mb"] == 512
    assert uuid.UUID(answer["context"]["aws_request_id"])
    assert 0 < answer["context"]["remaining_ms"] <= 30_000
    assert answer["path0"] == str(FIXTURES / "echo")


def test_the_region_comes_from_the_environment_and_the_template_from_the_working_folder() -> None:
    result = subprocess.run(
        [CLI, "invoke", "EchoFunction", "--event", "-"],
        input='{"names": ["GREETING"]}',
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=FIXTURES,
        env={**os.environ, "AWS_REGION": "ap-northeast-1"},
    )

    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["GREETING"] == "你好 from ap-northeast-1"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "ap-northeast-1"


def test_verbose_shows_the_function_output_on_stderr_and_keeps_stdout_for_the_result() -> None:
    result = run_invoke("EchoFunction", "--event", str(EVENT), "--template", str(TEMPLATE), "-v")

    assert result.returncode == 0
    assert json.loads(result.stdout)["helper"] == "echo helper"
    assert "echo: imported" in result.stderr and "echo: called" in result.stderr
    assert "FixtureLayer" in result.stderr  # the layers assumed present are reported


def test_a_failing_handler_prints_one_line_and_exits_1() -> None:
    quiet = run_invoke("BoomFunction", "--event", str(EVENT), "--template", str(TEMPLATE))
    verbose = run_invoke("BoomFunction", "--event", str(EVENT), "--template", str(TEMPLATE), "-v")

    assert quiet.returncode == verbose.returncode == 1
    assert quiet.stdout == verbose.stdout == ""
    assert quiet.stderr == "ai-news-tracker: BoomFunction failed: ValueError: boom helper second line\n"
    assert "Traceback" in verbose.stderr and "boom: called" in verbose.stderr
    assert verbose.stderr.endswith(quiet.stderr)


def test_a_result_that_is_not_json_fails_like_lambda(tmp_path: Path) -> None:
    event = write_json(tmp_path / "event.json", {"unserialisable": True})

    result = run_invoke("EchoFunction", "--event", event, "--template", str(TEMPLATE))

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("ai-news-tracker: EchoFunction failed: TypeError: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nope"], "no resource 'Nope' in the template (functions: BoomFunction, EchoFunction)"),
        (["Bucket"], "Bucket is an AWS::S3::Bucket, not an AWS::Serverless::Function"),
        (["EchoFunction", "--event", "{missing}"], "cannot read event file {missing}: No such file"),
        (["EchoFunction", "--event", "{bad}"], "event file {bad} is not valid JSON"),
        (["EchoFunction", "--event", "{deep}"], "event file {deep} is not valid JSON"),
        (["EchoFunction", "--env-vars", "{bad}"], "env-vars file {bad} is not valid JSON"),
        (["EchoFunction", "--env-vars", "{list}"], "env-vars file {list} must hold an object"),
        (["EchoFunction", "--template", "{missing}"], "cannot read template {missing}"),
    ],
)
def test_usage_problems_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    names = {"missing": str(tmp_path / "missing.json"), "bad": str(tmp_path / "bad.json")}
    names["list"] = write_json(tmp_path / "list.json", ["A=1"])
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    names["deep"] = str(tmp_path / "deep.json")
    (tmp_path / "deep.json").write_text("[" * 2000 + "]" * 2000, encoding="utf-8")  # past json's limit
    argv = [a.format(**names) for a in args]
    if "--event" not in argv:
        argv += ["--event", str(EVENT)]
    if "--template" not in argv:
        argv += ["--template", str(TEMPLATE)]

    result = run_invoke(*argv)

    assert result.returncode == 2
    assert result.stderr.startswith("ai-news-tracker: " + message.format(**names))
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_without_boto3_invoke_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an environment with the package but not boto3 (`pip install -e .` alone)
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError
    # When a function is invoked
    status = cli.main(["invoke", "EchoFunction", "--event", str(EVENT), "--template", str(TEMPLATE)])
    # Then one line says what to install, as for any usage problem, before anything runs
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("ai-news-tracker: invoke needs boto3") and "make .venv/.installed" in err
    assert err.count("\n") == 1


def test_a_run_longer_than_the_timeout_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "app.py").write_text(
        "import time\n\ndef handler(event, context):\n    time.sleep(1.05)\n    return 'done'\n",
        encoding="utf-8",
    )
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Slow:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: slow, Handler: app.handler, Timeout: 1}\n",
        encoding="utf-8",
    )

    code = cli.main(["invoke", "Slow", "--event", str(EVENT), "--template", str(template)])

    out, err = capsys.readouterr()
    assert code == 0 and out == '"done"\n'
    assert err.startswith("ai-news-tracker: warning: Slow ran 1.") and "Timeout of 1 s" in err


# ------------------------------------------------------------------------------ the real functions under moto
FEED = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>测试</title>'
    "<item><title>DeepSeek 发布新一代推理模型</title><link>https://example.com/deepseek</link>"
    "<description>深度求索今天发布了新模型。</description>"
    "<pubDate>Fri, 20 Nov 2026 10:00:00 +0800</pubDate></item></channel></rss>"
).encode()


def test_the_real_functions_fetch_and_render_into_moto_buckets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    template = ROOT / "template.yaml"
    if not template.is_file():
        pytest.skip("template.yaml does not exist yet")
    for name in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    feed_headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
    with LoopbackServer({"/feed.xml": static(FEED, headers=feed_headers)}) as server, mock_aws():
        config = tmp_path / "config.toml"
        config.write_text(
            f'[[sources]]\nname = "测试源"\nurl = "{server.url("/feed.xml")}"\n[fetch]\nretries = 0\n',
            encoding="utf-8",
        )
        env_vars = write_json(
            tmp_path / "env.json",
            {
                "Parameters": {
                    "RAW_BUCKET": "raw-local",
                    "SITE_BUCKET": "site-local",
                    "SITE_URL": "https://digest.example.org",
                    "CONFIG_FILE": str(config),
                }
            },
        )
        event = write_json(tmp_path / "event.json", {"now": "2026-11-20T13:50:00+08:00"})
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="raw-local")
        s3.create_bucket(Bucket="site-local")

        def invoke(function: str) -> dict[str, Any]:
            argv = ["invoke", function, "--event", event, "--env-vars", env_vars, "--template", str(template)]
            code = cli.main(argv)
            out, err = capsys.readouterr()
            assert code == 0, err
            answer: dict[str, Any] = json.loads(out)
            return answer

        fetched = invoke("FetchFeedsFunction")
        rendered = invoke("RenderEditionFunction")

        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="site-local").get("Contents", [])]
        markdown = s3.get_object(Bucket="site-local", Key="reports/2026-11-20.md")

    assert fetched["new_items"] == 1 and server.hits("/feed.xml") == 1
    assert rendered["date"] == "2026-11-20" and rendered["items"] == 1
    assert rendered["url"] == "https://digest.example.org/reports/2026-11-20.md"
    assert "reports/2026-11-20.md" in keys and "reports/2026-11-20.json" in keys
    assert markdown["ContentType"] == "text/markdown; charset=utf-8"
    assert "DeepSeek 发布新一代推理模型" in markdown["Body"].read().decode("utf-8")


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        (("INFO", "-v"), True),
        (("WARNING", "-v"), False),
        (("warning", "-v"), False),
        (("WARNING", "-vv"), True),
    ],
)
def test_verbose_shows_a_real_function_s_logs_at_its_stack_s_log_level(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    asked: tuple[str, str],
    shown: bool,
) -> None:
    level, verbosity = asked  # the stack's POWERTOOLS_LOG_LEVEL, and -v or -vv
    # Given the fetch function with POWERTOOLS_LOG_LEVEL as a stack sets it (prod: LogLevel)
    for name in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with LoopbackServer({"/feed.xml": static(FEED)}) as server, mock_aws():
        config = tmp_path / "config.toml"
        config.write_text(
            f'[[sources]]\nname = "测试源"\nurl = "{server.url("/feed.xml")}"\n', encoding="utf-8"
        )
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="raw-local")
        parameters = {"RAW_BUCKET": "raw-local", "SITE_BUCKET": "site-local", "CONFIG_FILE": str(config)}
        env_vars = write_json(
            tmp_path / "env.json",
            {"Parameters": parameters, "FetchFeedsFunction": {"POWERTOOLS_LOG_LEVEL": level}},
        )
        event = write_json(tmp_path / "event.json", {"now": "2026-11-20T13:50:00+08:00"})
        # When it is invoked with -v (-vv: every level, whatever the stack's)
        argv = ["invoke", "FetchFeedsFunction", "--event", event, "--env-vars", env_vars, verbosity]
        assert cli.main([*argv, "--template", str(ROOT / "template.yaml")]) == 0
    # Then its INFO lines (feed fetched) are written as that stack would write them, or not at all
    assert any(record.getMessage() == "feed fetched" for record in caplog.records) is shown
