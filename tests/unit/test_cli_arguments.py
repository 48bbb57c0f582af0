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


@pytest.mark.parametrize(
    "now",
    [
        "9999-12-31T23:00:00-12:00",  # its UTC value is past year 9999
        "0001-01-01T01:00:00+14:00",  # its UTC value is before year 1
        "0001-01-01T00:00:00",  # the first edition's window would start before year 1
        "9999-12-31T23:59:59",
        "3026-11-20T08:00:00+08:00",  # a year typo: items first seen then never reach an edition
        "2100-01-01T07:59:59+08:00",
        "1999-12-31T23:59:59",
    ],
)
def test_a_now_out_of_range_is_named(now: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    for command in ("run", "fetch"):
        err = _refused(
            [command, "--config", _config(tmp_path), "--data-dir", str(data), "--now", now], capsys
        )
        assert "--now" in err and "2000" in err and "2099" in err
    assert not data.exists()  # nothing stored with that clock


def test_a_data_dir_under_a_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a --data-dir whose parent is a file
    (tmp_path / "file").write_text("x", encoding="utf-8")
    data_dir = str(tmp_path / "file" / "sub")
    # When it is fetched into, Then the argument is named, as for a data dir that is a file
    err = _refused(["fetch", "--config", _config(tmp_path), "--data-dir", data_dir], capsys)
    assert "--data-dir: not a folder" in err and data_dir in err


@pytest.mark.parametrize("data_dir", ["", " ", "\t"])
def test_an_empty_data_dir_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data_dir: str
) -> None:
    # Given the current directory is an empty folder
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    # When --data-dir is empty or blank (an unset shell variable), Then it is refused, nothing written here
    argv = ["run", "--config", _config(tmp_path), "--data-dir", data_dir, "--now", "2026-11-20T08:00"]
    err = _refused(argv, capsys)
    assert "--data-dir" in err
    assert list(cwd.iterdir()) == []


def test_an_empty_config_is_named_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["fetch", "--config", "", "--data-dir", str(tmp_path / "d")], capsys)
    assert "no config file given: ''" in err


@pytest.mark.parametrize("now", ["2026-01-20", "20260120"])
def test_a_now_that_is_a_date_alone_is_its_midnight_in_the_report_timezone(now: str) -> None:
    # CONTRACT.md: `--now ISO-8601`; a date alone is ISO-8601, so it is taken, as its midnight there
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ai_news_tracker.cli import parse_now
    from ai_news_tracker.config import parse_config

    assert parse_now(now, parse_config({})) == datetime(2026, 1, 20, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("machine", "now", "hours_ahead"),
    [
        # clocks jump from 02:00 to 03:00 PDT on 2026-03-08: 03:20 is 50 minutes after 01:30, not nothing
        ((2026, 3, 8, 1, 30), "2026-03-08T03:20", None),
        # they go back from 02:00 PDT to 01:00 PST on 2026-11-01: 02:20 PST is 1 h 50 min after 01:30 PDT
        ((2026, 11, 1, 1, 30), "2026-11-01T02:20", 1.8),
    ],
)
def test_a_now_ahead_of_the_machine_across_a_change_of_the_clocks_is_measured_in_real_time(
    machine: tuple[int, ...], now: str, hours_ahead: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    from datetime import datetime

    from ai_news_tracker.cli import parse_now
    from ai_news_tracker.config import parse_config
    from ai_news_tracker.log import SERVICE

    # Given a report in Los Angeles and the machine's clock as the CLI reads it (datetime.now(tz))
    config = parse_config({"report": {"timezone": "America/Los_Angeles"}})
    # When --now is given without an offset (read in that zone)
    with caplog.at_level(logging.WARNING, logger=SERVICE):
        parse_now(now, config, machine=datetime(*machine, tzinfo=config.report.tz))
    # Then `clock ahead of this machine's` (more than an hour) measures the real lead, not wall clocks'
    ahead = "clock ahead of this machine's"
    said = [vars(r)["hours_ahead"] for r in caplog.records if r.getMessage() == ahead]
    assert said == ([] if hours_ahead is None else [hours_ahead])


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (
            ["run", "--data-dir", "d"],
            "the following arguments are required: --config (see ai-news-tracker run",
        ),
        (["publish"], "invalid choice: 'publish'"),
        (
            ["fetch", "--config", "c.toml", "--data-dir", "d", "--later"],
            "unrecognized arguments: --later (see ai-news-tracker fetch --help)",  # the help listing it
        ),
        (
            ["fetch", "--config", "c.toml", "--data-dir", "d", "--x\n--y\u2028"],  # a line break in it
            "unrecognized arguments: --x\\n--y\\u2028 (see",
        ),
        (["运行\n"], "invalid choice: '运行\\n'"),
        (["--=a\nb"], "\\n"),  # argparse's own message, the argument in it raw
        (["fetch", "--config", "c.toml", "--data-dir", "d", "--x", "--y"], "unrecognized arguments: --x --y"),
        (["run", "--config", "c.toml", "--data-dir", "d", "--now"], "argument --now: expected one argument"),
        ([], "the following arguments are required: COMMAND (see ai-news-tracker --help)"),
    ],
)
def test_a_bad_argument_is_one_line_naming_it(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given arguments the command cannot take
    # When it is run
    with pytest.raises(SystemExit) as exited:
        main(argv)
    # Then it exits 2 with one line saying what is wrong and where help is (argparse printed its usage too)
    err = capsys.readouterr().err
    assert exited.value.code == EXIT_USAGE
    assert err.count("\n") == 1 and err.startswith("ai-news-tracker: ") and named in err, err
