"""The command's bad arguments and configurations: exit 2, one line naming what is wrong, no traceback.

``main`` runs in-process on configurations without sources, so nothing is fetched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_news_tracker.cli import main

EXIT_USAGE = 2


def _config(tmp_path: Path, text: str = "") -> str:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_send_refuses_a_sender_that_is_not_an_address_even_with_email_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given email is off (send works whatever `enabled` says) and the sender is no address
    config = _config(tmp_path, '[email]\nsender = "nobody"\nrecipients = ["a@example.com"]\n')
    # When an edition is sent
    err = _refused(
        ["send", "--config", config, "--data-dir", str(tmp_path / "d"), "--date", "2026-11-20"], capsys
    )
    # Then the configuration is refused, naming the key
    assert "email.sender" in err and "'nobody'" in err
