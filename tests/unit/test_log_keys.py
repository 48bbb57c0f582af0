"""Structured log calls never pass a key the standard library's LogRecord owns.

``logger.info("unsubscribed by mail", message=...)`` raises ``KeyError: "Attempt to overwrite
'message' in LogRecord"``, but only where INFO is logged: in Lambda, not in most tests. So every log
call of the package and the handlers is read here instead of waiting for one to run.
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted((REPO / "layers" / "core" / "ai_news_tracker").glob("*.py")) + sorted(
    (REPO / "functions").glob("*/app.py")
)
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}
# What a LogRecord sets itself; the logging call's own keyword arguments are not data keys.
RESERVED = (set(vars(logging.LogRecord("n", 0, "p", 0, "m", None, None))) | {"message", "asctime"}) - {
    "exc_info",
    "stack_info",
}


def data_keys(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LEVELS:
            found += [(node.lineno, kw.arg) for kw in node.keywords if kw.arg is not None]
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_log_call_passes_a_key_the_log_record_owns(path: Path) -> None:
    assert [(line, key) for line, key in data_keys(path) if key in RESERVED] == []


def test_the_check_reads_keyword_arguments_of_log_calls(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text('logger.info(\n    "sent",\n    message="x",\n    to="y",\n)\n', encoding="utf-8")
    assert [key for _, key in data_keys(source) if key in RESERVED] == ["message"]
