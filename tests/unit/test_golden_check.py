"""The golden files' check: a changed output fails unless regeneration is asked for, explicitly."""

from __future__ import annotations

from pathlib import Path

import pytest
from editions import check_golden


@pytest.mark.parametrize(
    "env", [{}, {"UPDATE_GOLDEN": "0"}, {"UPDATE_GOLDEN": "false"}, {"UPDATE_GOLDEN": "1", "CI": "1"}]
)
def test_a_changed_output_fails_and_leaves_the_golden_file_as_it_was(
    tmp_path: Path, env: dict[str, str]
) -> None:
    # Given a golden file and an output that differs from it, and an environment that asks for no
    # rewrite (nothing, a mistyped or inherited UPDATE_GOLDEN, or UPDATE_GOLDEN=1 under CI)
    golden = tmp_path / "edition.md"
    golden.write_text("as reviewed\n", encoding="utf-8")
    # When it is checked, Then it fails, and the golden file is not rewritten
    with pytest.raises(AssertionError):
        check_golden(golden, "changed\n", env)
    assert golden.read_text(encoding="utf-8") == "as reviewed\n"


def test_update_golden_1_rewrites_the_golden_file(tmp_path: Path) -> None:
    golden = tmp_path / "edition.md"
    golden.write_text("as reviewed\n", encoding="utf-8")
    check_golden(golden, "changed\n", {"UPDATE_GOLDEN": "1"})
    assert golden.read_text(encoding="utf-8") == "changed\n"
