"""README.md and DEVELOPERS.md say what the code does: a newcomer follows them on a fresh clone.

Each test reads one part of the documentation and the code it describes: the configuration reference
and ``config.py``, the command's synopses and its parser, the edition JSON and the renderer, the
data folder's layout and the raw store's keys, the module table and the package, the sample
environment of ``ai-news-tracker invoke``, NoEditionAlarm's window and ``template.yaml``, the
runbook's quote of an edition's window note and ``pipeline.window_note``, and the performance table and
bench/RESULTS.md's summary of the targets.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from editions import plain_edition, plain_items

from ai_news_tracker import config as config_module
from ai_news_tracker.cli import build_parser
from ai_news_tracker.config import Config, LeaderboardConfig
from ai_news_tracker.models import Repeat, SourceStatus
from ai_news_tracker.pipeline import window_note
from ai_news_tracker.render import Renderer

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "layers" / "core" / "ai_news_tracker"
DATA_DIR = "What a run leaves under `--data-dir`"  # the README's table of the data folder


def section(path: Path, heading: str) -> str:
    """The text under a ``## heading`` of a Markdown file, up to the next heading of that level."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row in ``text`` (an escaped ``\\|`` stays in its cell)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
            rows.append([cell.strip() for cell in cells])
    return rows


def quoted(text: str) -> set[str]:
    """The names written as code (between backticks) in ``text``."""
    return set(re.findall(r"`([^`]+)`", text))


# -- the configuration reference -----------------------------------------------------------------
SECTIONS = {
    "[report]": config_module.ReportConfig,
    "[filter]": config_module.FilterConfig,
    "[[sources]]": config_module.SourceConfig,
    "[leaderboard]": config_module.LeaderboardConfig,
    "[summarizer]": config_module.SummarizerConfig,
    "[email]": config_module.EmailConfig,
    "[fetch]": config_module.FetchConfig,
}
# Defaults the table words rather than prints (a size, a sentence, the provider's own file).
WORDED_DEFAULTS = {
    ("[fetch]", "max_bytes"): "5 MB",
    ("[fetch]", "leaderboard_max_bytes"): "20 MB",
    ("[fetch]", "deadline"): "20 s",
    ("[leaderboard]", "url"): "the provider's own file",
}


def reference_groups() -> dict[str, str]:
    """The configuration table's rows grouped by the section their first cell opens (``[report]``…)."""
    groups: dict[str, str] = {}
    current = None
    for cells in table_rows(section(REPO / "README.md", "Configuration reference"))[1:]:
        opened = re.match(r"`(\[\[?[a-z.]+\]\]?)`", cells[0])
        if opened:
            current = opened.group(1)
        assert current is not None, f"a row before any section: {cells}"
        groups[current] = groups.get(current, "") + " | ".join(cells) + "\n"
    return groups


def shown_defaults(value: Any) -> set[str]:
    """How a default may be written in brackets: ``[300]``, ``[1.0]`` or ``[20]``, ``[true]``, ``[""]``."""
    if isinstance(value, bool):
        return {str(value).lower()}
    if isinstance(value, float):
        return {repr(value)} | ({str(int(value))} if value.is_integer() else set())
    if value == "":
        return {'""'}
    return {str(value)}


@pytest.mark.parametrize("heading", SECTIONS)
def test_the_configuration_reference_names_every_key_with_its_default(heading: str) -> None:
    # Given the README's configuration table, a section's rows together
    groups = reference_groups()
    assert heading in groups, f"the configuration reference has no {heading} row"
    text = groups[heading]
    named = quoted(text) | ({"weights"} if heading == "[filter]" and "[filter.weights]" in groups else set())
    plain = text.replace("`", "")
    for field in dataclasses.fields(SECTIONS[heading]):
        # Then every key config.py reads is named there
        assert field.name in named, f"{heading} {field.name} is not in the README's configuration reference"
        default = field.default
        if default is dataclasses.MISSING or default is None or isinstance(default, tuple):
            continue  # required, optional without a default, or a list ([] in the table)
        # And its default is given in brackets, as the table's heading promises
        worded = WORDED_DEFAULTS.get((heading, field.name))
        written = {worded} if worded else shown_defaults(default)
        assert any(re.search(r"\[" + re.escape(w) + r"[\],: ]", plain) for w in written), (
            f"{heading} {field.name}: the README does not give its default {default!r} in brackets"
        )


def test_the_configuration_reference_has_no_key_the_code_does_not_read() -> None:
    groups = reference_groups()
    assert set(groups) <= set(SECTIONS) | {"[filter.weights]"}
    for heading, cls in SECTIONS.items():
        first_cells = [line.split(" | ")[0] for line in groups[heading].splitlines()]
        named = set().union(*(quoted(cell) for cell in first_cells)) - {heading}
        known = {field.name for field in dataclasses.fields(cls)}
        assert named <= known, f"{heading}: {sorted(named - known)} are not keys of config.py"


# -- the command -----------------------------------------------------------------------------------
def synopses() -> dict[str, str]:
    block = section(REPO / "README.md", "The command").split("```")[1]
    return {line.split()[1]: line for line in block.splitlines() if line.startswith("ai-news-tracker ")}


def subcommands() -> dict[str, argparse.ArgumentParser]:
    actions = build_parser()._subparsers._group_actions  # type: ignore[union-attr]
    (choices,) = (action.choices for action in actions if isinstance(action.choices, dict))
    return dict(choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_each_synopsis_shows_every_argument_of_its_command(name: str) -> None:
    line = synopses()[name]
    for action in subcommands()[name]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:  # a positional argument: its metavar
            assert f" {action.metavar}" in line, f"{name}: {action.metavar} is missing from {line!r}"
            continue
        option = min(action.option_strings, key=len) if action.dest == "verbose" else action.option_strings[0]
        shown = f"{option} {action.metavar}" if action.nargs != 0 and action.metavar else option
        assert re.search(re.escape(shown) + r"(?![\w-])", line), f"{name}: {shown} is missing from {line!r}"
        assert (f"[{option}" in line) == (not action.required), f"{name}: {option} required or optional?"


# -- the edition JSON ------------------------------------------------------------------------------
def edition_json_row() -> str:
    rows = table_rows(section(REPO / "README.md", DATA_DIR))
    (row,) = (cells[1] for cells in rows if cells[0] == "`site/reports/YYYY-MM-DD.json`")
    return row


def test_the_edition_json_row_names_every_field_of_the_file() -> None:
    # Given an edition with an item, a story reported before, a source and an unavailable leaderboard,
    # rendered as JSON
    board = SourceStatus("LM Arena", "http_error", "HTTP 503")
    config = Config(leaderboard=LeaderboardConfig())
    repeat = Repeat(replace(plain_items(2)[1], text=""), date(2026, 11, 19), "id0")
    edition = plain_edition(items=1, leaderboard_status=board, repeats=(repeat,))
    payload = json.loads(Renderer(config, REPO / "templates").json(edition))
    fields = set(payload) | set(payload["items"][0]) | set(payload["sources"][0]) | set(payload["window"])
    fields |= set(payload["leaderboard"]) | set(payload["items"][0]["links"][0])
    fields |= set(payload["reported_before"][0])
    # Then the README's row for the file names each of its fields
    missing = fields - quoted(edition_json_row())
    assert not missing, f"the README's edition JSON row leaves out {sorted(missing)}"


# -- what a run leaves -----------------------------------------------------------------------------
def test_the_data_folder_table_lists_every_folder_of_the_raw_store() -> None:
    # Given the raw store's key layout (repository.py's docstring) and the sent log's (mail.py's)
    layout = {
        line.split()[0].split("/")[0]
        for module in ("repository.py", "mail.py")
        for line in (ast.get_docstring(ast.parse((PACKAGE / module).read_text("utf-8"))) or "").splitlines()
        if line.startswith("    ") and "/" in line.split()[0]
    }
    assert {"items", "seen", "sources", "articles", "leaderboard", "editions", "sent"} <= layout
    # Then the README's table of what a run leaves has a row for each folder
    paths = {cells[0] for cells in table_rows(section(REPO / "README.md", DATA_DIR))}
    missing = {folder for folder in layout if not any(p.startswith(f"`raw/{folder}/") for p in paths)}
    assert not missing, f"raw/ folders missing from the README: {sorted(missing)}"


# -- the module table ------------------------------------------------------------------------------
def test_the_module_table_has_a_row_for_each_module_of_the_package() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    rows = table_rows(section(REPO / "DEVELOPERS.md", "Inside the package"))[1:]
    listed = set().union(*(quoted(cells[0]) for cells in rows))
    assert modules - listed == set(), "modules without a row in DEVELOPERS.md"
    assert listed - modules == set(), "rows of DEVELOPERS.md naming no module"


# -- the sample environment ------------------------------------------------------------------------
def test_the_sample_environment_never_offers_the_sender_as_the_unsubscribe_mailbox() -> None:
    # Replies to an edition go to its sender: were that the unsubscribe mailbox, they would unsubscribe
    env: dict[str, dict[str, str]] = json.loads((REPO / "events" / "env.json").read_text("utf-8"))
    senders = {variables.get("SENDER_ADDRESS") for variables in env.values()} - {None}
    mailboxes = {variables.get("UNSUBSCRIBE_MAILTO") for variables in env.values()} - {None}
    assert mailboxes, "events/env.json offers no mailto: unsubscribe link to try"
    assert not mailboxes & senders, "the sample unsubscribe mailbox is the sender address"


def test_the_sample_environment_gives_sam_the_config_file_the_function_has() -> None:
    # Given events/env.json, the README's model of sam local invoke's --env-vars file
    from test_template import variables

    env: dict[str, dict[str, str]] = json.loads((REPO / "events" / "env.json").read_text("utf-8"))
    # When sam hands a function its CONFIG_FILE: the function runs in /var/task, which holds app.py
    # alone, its configuration in CoreLayer
    # Then it is the template's, the layer's path (config/default.toml, a path in the checkout, made every
    # function that reads the configuration fail: "cannot read config file 'config/default.toml'")
    assert env["Parameters"]["CONFIG_FILE"] == variables("RenderEditionFunction")["CONFIG_FILE"]


def test_the_docs_give_the_no_edition_alarm_s_window_wherever_they_name_it() -> None:
    # Given NoEditionAlarm's window: its periods times their length
    from test_template import resources

    alarm = resources("AWS::CloudWatch::Alarm")["NoEditionAlarm"]["Properties"]
    hours = alarm["EvaluationPeriods"] * alarm["Period"] // 3600
    # When the README names how long without an EditionPublished rings it (Operations, the runbook),
    # and DEVELOPERS.md's list of metrics when it is alarmed
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"no `EditionPublished`(?: for| in) (\d+) hours", readme)
    developers = " ".join((REPO / "DEVELOPERS.md").read_text(encoding="utf-8").split())
    listed = re.findall(r"`EditionPublished` \([^)]*alarm at none for (\d+) hours", developers)
    # Then every mention gives that window
    assert len(named) >= 2 and len(listed) == 1 and set(map(int, named + listed)) == {hours}


def test_the_runbook_quotes_the_window_note_as_an_edition_prints_it() -> None:
    # Given the note of an edition whose window starts before the seen index's retention
    note = window_note(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC), ZoneInfo("UTC"))
    # When the runbook quotes it ("A day without an edition")
    (quote,) = re.findall(r"(本期涵盖自[^)]*)\)", (REPO / "README.md").read_text(encoding="utf-8"))
    # Then each part of the quote between its ellipses is the note's text
    assert note is not None
    assert re.fullmatch(".*".join(re.escape(part.strip()) for part in quote.split("…")), note), quote


# -- the rollback step of the web edition ----------------------------------------------------------
def test_the_rollback_step_gets_the_pages_an_older_release_wrote_written_again(tmp_path: Path) -> None:
    from datetime import timedelta

    from ai_news_tracker.pipeline import PAGES_REWRITTEN, Pipeline
    from ai_news_tracker.repository import RawRepository
    from ai_news_tracker.store import LocalStore

    def day_edition(n: int) -> Any:
        day = date(2026, 1, 1) + timedelta(days=n)
        cutoff = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return plain_edition(1, date=day, generated_at=cutoff, window_end=cutoff)

    raw, site = LocalStore(tmp_path / "raw"), LocalStore(tmp_path / "site")
    repo, pipeline = RawRepository(raw), Pipeline(Config(), raw, site)
    # Given an archive long enough that the upgrade to this layout took two publishes
    old_days = PAGES_REWRITTEN + 10
    for n in range(old_days):
        repo.save_edition(day_edition(n))
    for n in (old_days, old_days + 1):
        repo.save_edition(day_edition(n))
        pipeline.publish(day_edition(n))
    assert repo.pages_version() > 0
    # And an older release run again: it published two days, its pages (and the day before each's) in
    # its own layout
    older = {old_days + 1, old_days + 2, old_days + 3}
    for n in (old_days + 2, old_days + 3):
        repo.save_edition(day_edition(n))
        pipeline.publish(day_edition(n))
    for n in older:
        site.put(f"reports/{day_edition(n).date}.html", b"<p>the older release's layout</p>")
    # When the README's step after a rollback is followed, and this release publishes the next day
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    step = readme[readme.index("After a rollback") :].split(". ")[0]
    deleted = re.findall(r"`raw/(editions/site/[\w-]+)`", step)
    assert deleted, step
    for key in deleted:
        (tmp_path / "raw" / key).unlink(missing_ok=True)  # (a key not there is no error)
    repo.save_edition(day_edition(old_days + 4))
    pipeline.publish(day_edition(old_days + 4))
    # Then every page the older release wrote is in this release's layout again
    left = [n for n in sorted(older) if b"older release" in site.get(f"reports/{day_edition(n).date}.html")]
    assert not left, f"pages still in the older layout: {[str(day_edition(n).date) for n in left]}"


# -- the performance figures -----------------------------------------------------------------------
# Each figure of issue 7's targets in bench/RESULTS.md and the README's performance table: the row of
# each (a pattern of its first cells) and what of its measured cell is the run's figure (what comes
# first, the brackets holding other runs' or notes).
FIGURES = [
    ("50 feeds answering", r"\+\d+\.\d+ s = \d+\.\d+×"),
    (r"second run (speedup|against unchanged feeds \| only 304s, no)", r"\d+\.\d+×"),
    (r"import \+ first invocation", r"\d+\.\d+× \(\w+\) to \d+\.\d+× \(\w+"),
    (r"cold start \(cold − the same job warm\)", r"^[^(]*"),
    ("its layers", r"\d+\.\d MB"),
    ("5,000 items", r"\d+\.\d+ s"),
    ("5,000 items", r"\d+\.\d+×"),
    ("peak memory", r"\d+ MB"),
    ("3 sources hourly", r"\$\d+\.\d\d"),
]


def measured(path: Path, heading: str, row: str, figure: str) -> tuple[str, list[str]]:
    """The figure and the verdict (PASS, FAIL, "3 of 8") of the row matching ``row`` under ``heading``."""
    (cells,) = [cells for cells in table_rows(section(path, heading)) if re.search(row, " | ".join(cells))]
    found = re.search(figure, cells[-2])
    assert found is not None, (path.name, row, cells[-2])
    return found[0], re.findall(r"PASS|FAIL|\d+ of \d+", cells[-1])


@pytest.mark.parametrize(("row", "figure"), FIGURES)
def test_the_readme_quotes_the_run_the_bench_results_summarise(row: str, figure: str) -> None:
    # Given the README's performance table and bench/RESULTS.md's table of issue 7's targets
    readme = measured(REPO / "README.md", "Performance", row, figure)
    results = measured(REPO / "bench" / "RESULTS.md", "Targets", row, figure)
    # Then they give the same figure and verdict: the same run's (make bench's, updated together)
    assert readme == results


# -- the runbook's "Lift a suppression" --------------------------------------------------------------
def test_lifting_a_suppression_replays_first_every_queue_a_bounce_notification_may_wait_in() -> None:
    # Given where template.yaml leaves a bounce or complaint BounceFunction never applied: the SNS
    # subscription's redrive (undeliverable) and Lambda's on-failure destination (the function failed
    # after its retries, e.g. the table throttled: BounceErrorsAlarm)
    from test_template import functions, globals_function, referenced

    bounce = functions()["BounceFunction"]["Properties"]
    redrive = bounce["Events"]["Feedback"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
    invoke = bounce.get("EventInvokeConfig") or globals_function()["EventInvokeConfig"]
    queues = {referenced(redrive), referenced(invoke["DestinationConfig"]["OnFailure"]["Destination"])}
    assert queues == {"EmailDeadLetterQueue", "DeadLetterQueue"}
    # When the runbook says which notifications to replay before lifting (one replayed after the lift,
    # before the reader asks again, suppresses the address anew)
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    step = readme[readme.index("- **Lift a suppression**") :]
    step = step[: step.index("- **", 5)]
    (advice,) = re.findall(r"Replay the bounce notifications in (.*?) before lifting", step)
    # Then it names every one of those queues
    assert queues <= quoted(advice), advice
