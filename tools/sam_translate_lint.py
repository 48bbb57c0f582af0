"""Translate template.yaml with the SAM translator and cfn-lint the CloudFormation it deploys.

``cfn-lint template.yaml`` and ``sam validate --lint`` lint the SAM template; a problem that only
the generated resources have can pass both and still fail the deployment. A circular dependency is
one: SAM's HTTP API body, for example, refers to the function's ARN, so a function whose
environment depends on the API's consumers closes a loop (E3004) that only the translated template
shows. This script translates the template as ``sam deploy`` would (code locations become S3 URIs),
writes the result to ``.aws-sam/translated-template.json`` and runs cfn-lint on it: any error fails.

Run with the SAM venv's Python (``make sam-lint`` does): ``.venv-sam/bin/python tools/sam_translate_lint.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Properties that name local code or files; `sam package` turns them into S3 locations.
CODE_PROPERTIES = ("CodeUri", "ContentUri", "DefinitionUri")
PLACEHOLDER = "s3://bucket/key"
# cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 a fatal problem.
FATAL, ERRORS = 1, 2


class _NoManagedPolicies:
    """The managed-policy loader of the translator: this template names no managed policy."""

    def load(self) -> dict[str, str]:
        return {}


def with_s3_code(template: dict[str, Any]) -> dict[str, Any]:
    """The template with every local code location replaced by an S3 URI, as `sam package` leaves it."""
    for resource in (template.get("Resources") or {}).values():
        properties = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(properties, dict):
            continue
        for name in CODE_PROPERTIES:
            if isinstance(properties.get(name), str):
                properties[name] = PLACEHOLDER
    return template


def translate(path: Path) -> dict[str, Any]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator's pseudo parameters
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template = with_s3_code(yaml_parse(path.read_text(encoding="utf-8")))
    translated: dict[str, Any] = transform(template, {}, _NoManagedPolicies())
    return translated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", type=Path, default=REPO / "template.yaml")
    parser.add_argument(
        "--output", type=Path, default=REPO / ".aws-sam" / "translated-template.json", help="where to write"
    )
    parser.add_argument(
        "--cfn-lint",
        default=str(Path(sys.executable).parent / "cfn-lint"),
        help="the cfn-lint executable (default: next to this Python)",
    )
    args = parser.parse_args(argv)

    from samtranslator.model.exceptions import InvalidDocumentException

    try:
        translated = translate(args.template)
    except InvalidDocumentException as exc:
        for cause in exc.causes:
            print(f"{args.template}: SAM translation failed: {cause.message}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(translated, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    result = subprocess.run([args.cfn_lint, str(args.output)], check=False)  # noqa: S603
    if result.returncode & (FATAL | ERRORS):
        print(
            f"{args.output}: cfn-lint found errors in the translated template (what CloudFormation deploys)",
            file=sys.stderr,
        )
        return 1
    print(f"{args.output}: the translated template has no cfn-lint errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
