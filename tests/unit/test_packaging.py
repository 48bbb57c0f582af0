"""The pins agree: pyproject.toml's direct dependencies are pinned as the Lambda layer pins them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI_ONLY = {"pyyaml"}  # read by `ai-news-tracker invoke` only; not shipped to Lambda


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;#]+)\s*(#.*)?", line)
        if match:
            found[match[1].lower().replace("_", "-")] = match[3]
    return found


def test_every_direct_dependency_is_pinned_like_the_layer() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = pins(project["dependencies"])
    layer = pins((REPO / "layers" / "deps" / "requirements.txt").read_text(encoding="utf-8").splitlines())

    assert len(direct) == len(project["dependencies"]), "every direct dependency is pinned with =="
    assert {name: direct[name] for name in direct if name not in CLI_ONLY} == {
        name: layer[name] for name in direct if name not in CLI_ONLY
    }


def test_the_layer_does_not_ship_what_the_lambda_runtime_provides() -> None:
    layer = pins((REPO / "layers" / "deps" / "requirements.txt").read_text(encoding="utf-8").splitlines())

    assert not {"boto3", "botocore", "s3transfer"} & layer.keys()


def test_the_time_zones_come_with_the_package_not_from_the_machine() -> None:
    """Lambda's Amazon Linux 2023 runtimes and Windows need not ship /usr/share/zoneinfo: zoneinfo
    then reads the `tzdata` package, so the layer and the CLI both depend on it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    layer = pins((REPO / "layers" / "deps" / "requirements.txt").read_text(encoding="utf-8").splitlines())

    assert "tzdata" in pins(project["dependencies"])
    assert "tzdata" in layer


def test_a_machine_without_a_time_zone_database_still_reads_the_configuration() -> None:
    # Given a Python that finds no system time zone data (PYTHONTZPATH empty, as on a minimal image)
    env = {**os.environ, "PYTHONTZPATH": "", "PYTHONPATH": str(REPO / "layers" / "core")}
    script = (
        "from ai_news_tracker.config import load_config;"
        "config = load_config('config/default.toml');"
        "print(config.report.tz)"
    )
    # When the shipped configuration is read
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=REPO, env=env, capture_output=True, text=True
    )

    # Then its time zone resolves (from the tzdata package) instead of failing as a config error
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Asia/Shanghai"
