"""The pins agree: pyproject.toml's direct dependencies are pinned as the Lambda layer pins them."""

from __future__ import annotations

import re
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
