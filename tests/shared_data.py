"""Where the real data lives: ``../shared`` beside the checkout (read in place, never copied).

``AI_NEWS_TRACKER_SHARED_DATA`` points the tests at another ``data`` folder (and its sibling ``spec``, the
sample report's). Tests that need a file
call :func:`require`, which skips the test cleanly when the file is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = Path(os.environ.get("AI_NEWS_TRACKER_SHARED_DATA") or SHARED / "data")
SPEC = DATA.parent / "spec"  # beside the data folder, wherever that is


def require(path: Path) -> Path:
    """The path, or skip the calling test when it is absent."""
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    return path
