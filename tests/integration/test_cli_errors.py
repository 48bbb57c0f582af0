"""The command's expected failures: one line on stderr, the right exit code, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from loopback import LoopbackServer, static

CLI = str(Path(sys.executable).parent / "ai-news-tracker")
FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>DeepSeek \xe5\x8f\x91\xe5\xb8\x83</title><link>https://example.com/a</link>"
    b"<pubDate>Fri, 20 Nov 2026 10:00:00 +0800</pubDate></item></channel></rss>"
)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[report]\nmax_items = "thirty"\n', "report.max_items"),
        ("[report]\nmax_itmes = 30\n", "report.max_itmes"),
        ('[[sources]]\nname = "a"\nurl = "javascript:alert(1)"\n', "sources[0].url"),
        ('[[sources]]\nname = "a"\nurl = "http://[::1/feed.xml"\n', "sources[0].url"),
        ("[fetch]\ndeadline = inf\n", "fetch.deadline"),
        ("[report]\nlookback_hours = 100000000\n", "report.lookback_hours"),
        ('[fetch]\nuser_agent = "bot\\nX-Evil: 1"\n', "fetch.user_agent"),
        ('[fetch]\nuser_agent = "  "\n', "fetch.user_agent"),
        ('[fetch]\nuser_agent = "日报机器人"\n', "fetch.user_agent"),
        ('[report]\ntimezone = "Asia"\n', "report.timezone"),  # a folder of zones, the city left out
        # checked with email off too (`send` mails from it), as the mailer checks it: no full stop after it
        ('[email]\nsender = "日报 <digest@example.com.>"\n', "email.sender"),
    ],
)
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, toml: str, key: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml, encoding="utf-8")

    result = run_cli("run", "--config", str(config), "--data-dir", str(tmp_path / "d"))

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and key in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()


def test_unreadable_config_and_bad_now_exit_2(tmp_path: Path) -> None:
    missing = run_cli("fetch", "--config", str(tmp_path / "none.toml"), "--data-dir", str(tmp_path))
    config = tmp_path / "ok.toml"
    config.write_text("", encoding="utf-8")
    bad_now = run_cli("run", "--config", str(config), "--data-dir", str(tmp_path), "--now", "yesterday")

    assert missing.returncode == 2 and "cannot read config file" in missing.stderr
    assert bad_now.returncode == 2 and "--now" in bad_now.stderr
    assert "(e.g. 2026-11-20T08:00" in bad_now.stderr  # the form it takes
    assert "Traceback" not in missing.stderr + bad_now.stderr


def test_nothing_to_publish_exits_1_with_one_line(tmp_path: Path) -> None:
    # Given the only source refuses connections (a port nobody listens on)
    with LoopbackServer({}) as server:
        dead = server.url("/feed")
    config = tmp_path / "c.toml"
    config.write_text(f'[[sources]]\nname = "甲"\nurl = "{dead}"\n[fetch]\nretries = 0\n', encoding="utf-8")
    # When the day is run
    result = run_cli(
        "run", "--config", str(config), "--data-dir", str(tmp_path / "d"), "--now", "2026-11-20T08:00"
    )
    # Then nothing is published, and the reason is one line that names the source
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "甲" in result.stderr and "Traceback" not in result.stderr
    assert "no news, no feed could be fetched" in result.stderr
    assert not (tmp_path / "d" / "site" / "reports").exists()


def test_run_prints_where_the_edition_is(tmp_path: Path) -> None:
    with LoopbackServer({"/feed": static(FEED)}) as server:
        config = tmp_path / "c.toml"
        config.write_text(f'[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n', encoding="utf-8")
        result = run_cli(
            "run", "--config", str(config), "--data-dir", str(tmp_path), "--now", "2026-11-20T12:00"
        )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "the 2026-11-20 edition: 1 item -> " in result.stdout
    assert (tmp_path / "site" / "reports" / "2026-11-20.md").is_file()


def test_vv_says_why_each_item_is_left_out(tmp_path: Path) -> None:
    # Given a feed with an on-topic item and an off-topic one (a phone launch)
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>DeepSeek 发布新模型</title><link>https://example.com/1</link>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 +0800</pubDate></item>"
        "<item><title>星野手机发布 Lumen 7</title><link>https://example.com/2</link>"
        "<pubDate>Fri, 20 Nov 2026 09:00:00 +0800</pubDate></item></channel></rss>"
    ).encode()
    with LoopbackServer({"/feed": static(feed)}) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            f'[filter]\ninclude = ["DeepSeek"]\n[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n',
            encoding="utf-8",
        )
        # When the day is run with -vv
        result = run_cli(
            "run",
            "-vv",
            "--config",
            str(config),
            "--data-dir",
            str(tmp_path / "d"),
            "--now",
            "2026-11-20T12:00",
        )
    # Then the debug log names the item left out and why
    assert result.returncode == 0, result.stderr
    debug = [line for line in result.stderr.splitlines() if '"level":"DEBUG"' in line]
    (left_out,) = [line for line in debug if '"message":"item not relevant"' in line]
    assert "星野手机发布 Lumen 7" in left_out and "dropped: score 0" in left_out
    assert any('"message":"edition window"' in line and '"relevant":1' in line for line in debug)


def test_a_data_dir_that_is_a_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[sources]]\nname = "甲"\nurl = "https://example.com/feed"\n', encoding="utf-8")
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("x", encoding="utf-8")
    result = run_cli("fetch", "--config", str(config), "--data-dir", str(not_a_folder))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--data-dir: not a folder" in result.stderr


@pytest.mark.parametrize(
    ("now", "day"),
    [
        ("2000-01-01T00:00:00", "2000-01-01"),  # naive: in the report's timezone
        ("1999-12-31T16:00:00+00:00", "2000-01-01"),  # the same instant: its UTC year does not matter
        ("2099-12-31T23:59:59+08:00", "2099-12-31"),
    ],
)
def test_the_first_and_last_allowed_now_publish_with_the_widest_window(
    tmp_path: Path, now: str, day: str
) -> None:
    # Given a feed and the longest first window the configuration allows
    with LoopbackServer({"/feed": static(FEED)}) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            f'[report]\nlookback_hours = 2160\n[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n',
            encoding="utf-8",
        )
        # When the day is run at either end of the range --now accepts
        result = run_cli("run", "--config", str(config), "--data-dir", str(tmp_path / "d"), "--now", now)
    # Then that day's edition is published, without a word on stderr
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and f"published the {day} edition" in result.stdout


@pytest.fixture(scope="module")
def built_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the 2026-11-20 edition built and published from one feed (copied by each test)."""
    folder = tmp_path_factory.mktemp("built")
    config = folder / "c.toml"
    with LoopbackServer({"/feed": static(FEED)}) as server:
        config.write_text(f'[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n', encoding="utf-8")
        result = run_cli(
            "run", "--config", str(config), "--data-dir", str(folder / "d"), "--now", "2026-11-20T12:00"
        )
    assert result.returncode == 0, result.stderr
    return folder


EDITION = "editions/2026-11-20.json"
NEXT_DAY = ["run", "--now", "2026-11-21T12:00"]


def edition_without(field: str) -> Callable[[bytes], bytes]:
    return lambda stored: json.dumps({k: v for k, v in json.loads(stored).items() if k != field}).encode()


def edition_with(**fields: object) -> Callable[[bytes], bytes]:
    return lambda stored: json.dumps(json.loads(stored) | fields).encode()


@pytest.mark.parametrize(
    ("stored", "change", "command", "message"),
    [
        pytest.param(
            "sources/*.json", lambda _: b"[1]", ["fetch"], "not a JSON object", id="source-state-list"
        ),
        pytest.param(
            EDITION, edition_without("items"), ["send", "--date", "2026-11-20"], "KeyError", id="no-items"
        ),
        pytest.param(EDITION, edition_with(date=5), NEXT_DAY, "ValueError", id="edition-numeric-date"),
        pytest.param(EDITION, lambda _: b"{}", NEXT_DAY, "KeyError", id="edition-empty"),
        pytest.param(EDITION, lambda _: b"null", NEXT_DAY, "not a JSON object", id="edition-null"),
    ],
)
def test_a_stored_object_of_the_wrong_shape_is_one_line_naming_it(  # noqa: PLR0917
    built_day: Path,
    tmp_path: Path,
    stored: str,
    change: Callable[[bytes], bytes],
    command: list[str],
    message: str,
) -> None:
    # Given a built day whose raw store was edited by hand: valid JSON, of the wrong shape
    shutil.copytree(built_day / "d", tmp_path / "d")
    (path,) = (tmp_path / "d" / "raw").glob(stored)
    path.write_bytes(change(path.read_bytes()))
    # When the next command reads it
    config = built_day / "c.toml"  # its feed's server is gone: the command fails before fetching it
    result = run_cli(command[0], "--config", str(config), "--data-dir", str(tmp_path / "d"), *command[1:])
    # Then it fails on one line naming the stored object, as an unreadable one does: no traceback, and an
    # edition stored as {} or null is not taken for a missing one ("… is being built as the first edition")
    key = path.relative_to(tmp_path / "d" / "raw").as_posix()
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"ai-news-tracker: stored object {key!r} is not ")
    assert message in result.stderr


def test_output_into_a_pipe_closed_early_ends_quietly_after_the_work(tmp_path: Path) -> None:
    # Given a run whose output goes into a pipe its reader closes at once (`ai-news-tracker run | head -0`)
    config = tmp_path / "c.toml"
    with LoopbackServer({"/feed.xml": static(FEED)}) as server:
        config.write_text(f'[[sources]]\nname = "a"\nurl = "{server.url("/feed.xml")}"\n', encoding="utf-8")
        data = tmp_path / "data"
        args = ["run", "--config", str(config), "--data-dir", str(data), "--now", "2026-11-20T20:00:00+08:00"]
        child = subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # before the command, still importing, prints anything
        stderr = child.stderr.read().decode()
        code = child.wait(timeout=60)
    # Then the edition is published all the same, and the command ends with 141 and no traceback
    assert (data / "site" / "reports" / "2026-11-20.md").is_file()
    assert code == 141 and "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(("command", "done"), [("fetch", "raw/items"), ("run", "site/reports/2026-11-20.md")])
def test_output_onto_a_full_disk_is_one_line_after_the_work(tmp_path: Path, command: str, done: str) -> None:
    # Given a cron job whose log file, the command's stdout, is on a disk that filled up
    config, data = tmp_path / "c.toml", tmp_path / "d"
    with LoopbackServer({"/feed.xml": static(FEED)}) as server, open("/dev/full", "w") as full:
        config.write_text(f'[[sources]]\nname = "a"\nurl = "{server.url("/feed.xml")}"\n', encoding="utf-8")
        args = [CLI, command, "--config", str(config), "--data-dir", str(data), "--now", "2026-11-20T20:00"]
        # When the command prints its line
        result = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    # Then its work is done, and it fails as an expected failure does: exit 1, one line, no traceback
    assert (data / done).exists()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr == "ai-news-tracker: cannot write the output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["--help"], ["run", "--help"]])
def test_version_and_help_onto_a_full_disk_fail_as_any_output_does(args: list[str]) -> None:
    # Given a script recording the command's version or help in a file on a disk that filled up
    with open("/dev/full", "w") as full:
        # When it prints them
        result = subprocess.run(
            [CLI, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False
        )
    # Then, as any output that cannot be written: one line, exit 1 (it exited 0 without a word)
    assert result.returncode == 1, result.stderr
    assert result.stderr == "ai-news-tracker: cannot write the output: No space left on device\n"


def test_a_command_started_with_stdout_closed_does_its_work_and_exits_0(tmp_path: Path) -> None:
    # Given a job started with its stdout closed (`>&-`, a daemon's detached descriptors): Python's
    # sys.stdout is None then, and print writes nothing
    config, data = tmp_path / "c.toml", tmp_path / "d"
    with LoopbackServer({"/feed.xml": static(FEED)}) as server:
        config.write_text(f'[[sources]]\nname = "a"\nurl = "{server.url("/feed.xml")}"\n', encoding="utf-8")
        args = [CLI, "run", "--config", str(config), "--data-dir", str(data), "--now", "2026-11-20T20:00"]
        # When the day is run
        result = subprocess.run(
            args, stderr=subprocess.PIPE, text=True, timeout=60, check=False, preexec_fn=lambda: os.close(1)
        )
    # Then the edition is published and the command succeeds, without a traceback (it ended with
    # "AttributeError: 'NoneType' object has no attribute 'write'", exit 1)
    assert (data / "site" / "reports" / "2026-11-20.md").is_file()
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
