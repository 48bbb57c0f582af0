"""The ``ai-news-tracker`` command: the same pipeline as the Lambdas, on one machine.

Local folders stand in for the buckets: ``DIR/raw`` (raw items and state) and ``DIR/site`` (the
published edition). Expected failures print one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from aws_lambda_powertools import Logger

from . import __version__
from .config import Config, load_config
from .errors import ConfigError, TrackerError
from .log import SERVICE
from .models import Item, SourceStatus, parse_clock, say_if_clock_ahead
from .pipeline import FetchReport, Pipeline, PublishReport, local_stores
from .store import LocalStore
from .summarize import FALLBACK_NOTE, Summarizer, SummaryResult
from .summarizers import make_summarizer

if TYPE_CHECKING:
    from .mail import SendReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a command the closed pipe had killed


class UsageError(Exception):
    pass


class OutputError(TrackerError):
    """The command's output could not be written (stdout on a full disk); its work is done."""

    status = "output_failed"


class _Output:
    """sys.stdout while a command runs: a write that fails, but into a closed pipe, is an
    :class:`OutputError`, said in one line as any expected failure (print raised the OSError)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        with _output_errors():
            return self.stream.write(text)

    def flush(self) -> None:
        with _output_errors():
            self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def _output_errors() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:  # the reader went away (`| head`): main ends quietly
        raise
    except OSError as exc:
        raise OutputError(f"cannot write the output: {exc.strerror or exc}") from exc


class Parser(argparse.ArgumentParser):
    """A bad argument is one line on stderr and exit 2, as every expected failure is (argparse's own
    error printed the usage over two more lines); its subcommands are parsers of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"ai-news-tracker: {printable(message)} (see {self.prog} --help)\n")

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        """As argparse's, but an option a command does not know points to that command's help, which
        lists its options (argparse reports it from the top parser, whose help lists only commands)."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(parsed, "command", None)
            prog = f"{self.prog} {command}" if command else self.prog
            message = f"unrecognized arguments: {' '.join(extras)}"
            self.exit(EXIT_USAGE, f"ai-news-tracker: {printable(message)} (see {prog} --help)\n")
        return parsed

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """As argparse's, but what ``--help`` or ``--version`` printed is written out first: stdout that
        cannot take it is an :class:`OutputError`, as for any command (argparse ignores its own)."""
        if sys.stdout is not None:
            sys.stdout.flush()
        super().exit(status, message)


def printable(message: str) -> str:
    """``message`` on one line: a character that is not printable (a line break in an argument) as its
    escape, so the error stays the one line the contract promises."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="ai-news-tracker", description="国产大模型日报 — the daily digest.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (
        ("run", "fetch every source, build the day's edition and publish it under DIR/site"),
        ("fetch", "fetch every source and keep new items, without building an edition"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--config", required=True, metavar="FILE", help="TOML configuration file")
        command.add_argument("--data-dir", required=True, metavar="DIR", help="folder for raw/ and site/")
        command.add_argument(
            "--now",
            metavar="ISO-8601",
            help="the clock of the whole run (default: the current time); without an offset, "
            "in the report's timezone",
        )
        command.add_argument("-v", "--verbose", action="count", default=0, help="log to stderr (-vv: debug)")
    send = commands.add_parser("send", help="email a built edition to [email] recipients (DIR/outbox)")
    send.add_argument("--config", required=True, metavar="FILE", help="TOML configuration file")
    send.add_argument("--data-dir", required=True, metavar="DIR", help="folder for raw/ and site/")
    send.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the edition's day")
    send.add_argument("--dry-run", action="store_true", help="show what would go out; send nothing")
    send.add_argument("-v", "--verbose", action="count", default=0, help="log to stderr (-vv: debug)")
    invoke = commands.add_parser(
        "invoke",
        help="run one function of template.yaml in this process, like sam local invoke (no Docker)",
        description="Run a function's handler in this process with its Handler, CodeUri, Layers and "
        "Environment from the template; print its result as JSON.",
    )
    invoke.add_argument(
        "logical_id", metavar="LogicalId", help="the function's logical id, e.g. FetchFeedsFunction"
    )
    invoke.add_argument("--event", required=True, metavar="FILE", help="the event (JSON; - for stdin)")
    invoke.add_argument(
        "--env-vars",
        metavar="FILE",
        help='environment overrides as for sam local invoke: {"Parameters": {...}, "<LogicalId>": {...}}',
    )
    invoke.add_argument("--template", default="template.yaml", metavar="FILE", help="default: template.yaml")
    invoke.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="the function's output, logs and traceback on stderr",
    )
    return parser


def parse_now(value: str | None, config: Config, machine: datetime | None = None) -> datetime:
    """``--now`` (the clock of the run), or this machine's time (``machine``, else the clock) without one."""
    tz = config.report.tz
    machine = machine or datetime.now(tz)
    if value is None:
        return machine
    try:
        now = parse_clock(value, tz)  # as an event's time (aws.event_now)
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from exc
    say_if_clock_ahead(now, machine)
    return now


def setup_logging(verbosity: int) -> None:
    # Quiet by default: the outcome is one line (stdout on success, stderr on failure).
    level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logger = Logger(service=SERVICE, level=level, logger_handler=logging.StreamHandler(sys.stderr))
    # Powertools configures a service's logger once per process; main() may run again in-process.
    logger.setLevel(level)
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    stdout = sys.stdout
    if stdout is not None:  # None when started with it closed (`>&-`): print writes nothing then
        sys.stdout = cast(TextIO, _Output(stdout))
    try:
        args = build_parser().parse_args(argv)  # --help and --version print through _Output too
        setup_logging(args.verbose)
        code = dispatch(args)
        if sys.stdout is not None:  # what print left buffered fails here, not in the interpreter's last flush
            sys.stdout.flush()
        return code
    except (ConfigError, UsageError) as exc:
        print(f"ai-news-tracker: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutputError as exc:  # a full disk under the log file: its work is done, as with a closed pipe
        print(f"ai-news-tracker: {exc}", file=sys.stderr)
        _silence_stdout()
        return EXIT_FAILED
    except TrackerError as exc:
        print(f"ai-news-tracker: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("ai-news-tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of the output went away (`| head`); every command prints after its work is done
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    finally:
        sys.stdout = stdout


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what is left in its buffer does not
    fail again on the way out ("Exception ignored", exit 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind sys.stdout: nothing to flush
        pass


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "invoke":
        from .invoke import run_command

        return run_command(args.logical_id, args.event, args.env_vars, args.template, verbose=args.verbose)
    config = load_config(args.config)
    check_data_dir(args.data_dir)
    raw, site = local_stores(args.data_dir)
    summarizer = _Told(make_summarizer(config.summarizer, secrets=os.environ.get))  # an API key by its name
    pipeline = Pipeline(config, raw, site, outbox=LocalStore(args.data_dir), summarizer=summarizer)
    if args.command == "send":
        return send(pipeline, args.date, args.data_dir, dry_run=args.dry_run)
    now = parse_now(args.now, config)
    if args.command == "fetch":
        return report_fetch(pipeline.fetch(now))
    report = pipeline.run(now)
    newest = report.rebuilt and pipeline.repo.edition_dates()[-1:] == [report.edition.date]
    return report_run(
        report, args.data_dir, email_on=config.email.enabled, newest=newest, points_failed=summarizer.failure
    )


class _Told:
    """The summarizer, keeping why the model's key points were not used (``SummaryResult.failure``, logged
    as a WARNING, seen with -v) for the run's output."""

    def __init__(self, summarizer: Summarizer) -> None:
        self.name, self._summarizer = summarizer.name, summarizer
        self.failure: str | None = None

    def summarize(self, items: Sequence[Item], count: int, deadline_at: float | None = None) -> SummaryResult:
        result = self._summarizer.summarize(items, count, deadline_at)
        self.failure = result.failure
        return result


def check_data_dir(value: str) -> None:
    """--data-dir is a folder, or can become one: not empty (an unset variable), no file on its way."""
    if not value.strip():  # "" or " ": an unset variable, a stray quote
        raise UsageError("--data-dir: must not be empty or blank (use . for the current folder)")
    path = Path(value)
    try:
        existing = next((folder for folder in (path, *path.parents) if folder.exists()), None)
    except OSError as exc:
        raise UsageError(f"--data-dir: cannot be read: {value!r} ({exc.strerror})") from exc
    if existing is not None and not existing.is_dir():
        where = "" if existing == path else f" ({str(existing)!r} is a file)"
        raise UsageError(f"--data-dir: not a folder: {value!r}{where}")


def send(pipeline: Pipeline, day: str, data_dir: str, *, dry_run: bool) -> int:
    try:
        edition_date = date.fromisoformat(day)
    except ValueError as exc:
        raise UsageError(f"--date: not a date (YYYY-MM-DD): {day!r}") from exc
    edition = pipeline.repo.load_edition(edition_date)
    if edition is None:
        print(f"ai-news-tracker: no edition of {edition_date} has been built", file=sys.stderr)
        return EXIT_FAILED
    report = pipeline.send_email(edition, dry_run=dry_run, asked=True)
    if report is None:
        print("ai-news-tracker: no one to send to: [email] recipients is empty", file=sys.stderr)
        return EXIT_FAILED
    print(f"Subject: {report.subject}")
    for recipient in report.dry_run:
        print(f"would send: {recipient}")
    for recipient, where in report.sent.items():
        print(f"sent: {recipient} -> {data_dir}/{where}")
    for recipient in report.skipped:
        print(f"already sent: {recipient}")
    for recipient, reason in {**report.pending, **report.failed}.items():  # on stderr, as `run` says it
        print(f"ai-news-tracker: email not sent: {recipient} ({reason})", file=sys.stderr)
    return EXIT_FAILED if report.failed or report.pending else EXIT_OK


def _failures(statuses: Sequence[SourceStatus]) -> str:
    return "; ".join(f"{s.name}: {s.status} ({s.error})" for s in statuses if not s.ok)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def report_fetch(report: FetchReport) -> int:
    failed = _failures(report.statuses)
    if not report.anything_fetched:
        print(
            f"ai-news-tracker: nothing could be fetched: {failed or 'no sources configured'}", file=sys.stderr
        )
        return EXIT_FAILED
    ok = sum(1 for s in report.sources if s.ok)
    board = " and the leaderboard" if report.leaderboard is not None and report.leaderboard.ok else ""
    feeds, new = _count(len(report.sources), "feed"), _count(report.new_items, "new item")
    summary = f"fetched {ok} of {feeds}{board}, {new}"
    print(summary + (f"; failed: {failed}" if failed else ""))
    return EXIT_OK


def _mailed(report: SendReport) -> str:
    return (
        _count(len(report.sent), "new message")
        + (f", {len(report.failed)} failed" if report.failed else "")
        + (f", {len(report.pending)} pending" if report.pending else "")
    )


def report_run(
    report: PublishReport,
    data_dir: str,
    *,
    email_on: bool = False,
    newest: bool = False,
    points_failed: str | None = None,
) -> int:
    """The run's one line; for a day built before (``report.rebuilt``: published again as stored),
    a second one saying so, and for the newest edition how to build it anew with the current
    configuration (an older one stays as built: the windows of the editions after it start at it).
    A day whose key points are the extractive ones for want of the model's (the edition's note) gets
    the second line too: why, when built now (``points_failed``), and how to build it with the model."""
    edition = report.edition
    failed = _failures(
        list(edition.sources) + ([edition.leaderboard_status] if edition.leaderboard_status else [])
    )
    verb = "republished" if report.rebuilt else "published"
    parts = [f"{verb} the {edition.date} edition: {_count(len(edition.items), 'item')}"]
    if failed:
        parts.append(f"failed: {failed}")
    if report.email is not None:
        added = report.added_since  # not the day's recipients: `send` is how they get it
        them = "it" if added == 1 else "them"
        whom = ", no run mailed this day" if report.never_mailed else " added since"
        send = f", not to {_count(added, 'recipient')}{whom} (send --date {edition.date} mails {them})"
        parts.append(f"email: {_mailed(report.email)}" + (send if added else ""))
    elif email_on and not edition.items:
        parts.append("email: not sent, the edition has no items")
    elif email_on:
        parts.append("email: no one to send to ([email] recipients is empty)")
    print("; ".join(parts) + f" -> {data_dir}/site/reports/{edition.date.isoformat()}.md")
    for owed in report.owed:
        print(f"  (email of the {owed.date} edition, whose run stopped before mailing it: {_mailed(owed)})")
        for recipient, reason in {**owed.pending, **owed.failed}.items():
            print(f"ai-news-tracker: email of {owed.date} not sent: {recipient} ({reason})", file=sys.stderr)
    for day in report.owed_too_old:
        ago = _count((edition.date - day).days, "day")
        print(f"  (email of {day} not sent: its run stopped {ago} ago; `send --date {day}` mails it)")
    if report.email is not None:  # why, as `send` says it; on stderr, with the other failures
        for recipient, reason in {**report.email.pending, **report.email.failed}.items():
            print(f"ai-news-tracker: email not sent: {recipient} ({reason})", file=sys.stderr)
    again = f"delete {data_dir}/raw/editions/{edition.date}.json and run again"
    extractive = FALLBACK_NOTE in edition.notes  # the model's points not used: the edition says so
    built = "as built before" + (
        ", the extractive key points standing in for the model's" if extractive else ""
    )
    if extractive and not report.rebuilt:
        why = f": {printable(points_failed)}" if points_failed else ""  # the edition's note does not say
        hint = f"to build it again with the model, {again}"
        print(f"  (the extractive key points stand in, the model failed{why}; {hint})")
    elif newest:
        print(f"  ({built}; to build it again with the current configuration, {again})")
    elif report.rebuilt:
        print(f"  ({built}: an edition older than the newest is kept as it was built)")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
