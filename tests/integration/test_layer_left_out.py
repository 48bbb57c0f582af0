"""What the dependency layer leaves out (``LEFT_OUT`` in ``layers/deps/Makefile``) is never needed.

The layer's build deletes those folders to keep a function and its layers under 15 MB. These tests
run the email functions' whole path (subscribe, confirm, the edition sent, one-click unsubscribe, a
bounce) in a Python where importing any of them fails, as it would on Lambda.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BLOCKER = """
import importlib.abc
import sys

LEFT_OUT = {left_out!r}


class LeftOut(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == gone or name.startswith(gone + ".") for gone in LEFT_OUT):
            raise ModuleNotFoundError(f"{{name}} is left out of the layer", name=name)
        return None


sys.meta_path.insert(0, LeftOut())
"""
FLOWS = [
    "tests/integration/test_subscriptions_moto.py::"
    "test_subscribe_confirm_receive_one_click_unsubscribe_and_no_more_mail",
    "tests/integration/test_subscriptions_moto.py::"
    "test_a_bounce_or_a_complaint_suppresses_the_address_and_no_more_mail_goes_to_it",
    "tests/integration/test_subscriptions_moto.py::test_a_plain_html_form_subscribes_too",
    "tests/integration/test_subscriptions_moto.py::test_cors_answers_the_configured_origin",
]


def left_out() -> list[str]:
    """The module names the layer's Makefile deletes (its LEFT_OUT paths)."""
    makefile = (REPO / "layers" / "deps" / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^LEFT_OUT\s*:=\s*(.*)$", makefile, re.MULTILINE)
    assert match, "layers/deps/Makefile names what it leaves out in LEFT_OUT"
    return [path.strip("/").replace("/", ".") for path in match[1].split()]


def run_without_left_out(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "left_out_blocker.py").write_text(BLOCKER.format(left_out=left_out()), encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
    )


def test_the_layer_leaves_out_the_swagger_ui_alone() -> None:
    assert left_out() == ["aws_lambda_powertools.event_handler.openapi.swagger_ui"]


def test_what_the_layer_leaves_out_cannot_be_imported_under_the_blocker(tmp_path: Path) -> None:
    # The control: the blocker does hide the folder (else the test below would prove nothing)
    done = run_without_left_out(
        tmp_path, "-c", "import left_out_blocker, aws_lambda_powertools.event_handler.openapi.swagger_ui"
    )
    assert done.returncode == 1 and "is left out of the layer" in done.stderr


def test_the_email_functions_work_without_what_the_layer_leaves_out(tmp_path: Path) -> None:
    # Given a Python without the folders the layer's build deletes
    # When the subscription, send and bounce functions run their whole path under moto
    done = run_without_left_out(
        tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "left_out_blocker", *FLOWS
    )
    # Then every step works as with the full packages
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{len(FLOWS)} passed" in done.stdout
