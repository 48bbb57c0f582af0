"""Run the whole pipeline offline, on the bundled demo feeds served from loopback.

The ``demo/`` folder (feeds, leaderboard) is served by a throw-away HTTP server on 127.0.0.1 at a
free port; ``demo/config.toml`` is written to ``<data-dir>/config.toml`` with ``{base}`` replaced by
that server's address and the relevance filter of ``config/default.toml`` added (:func:`config_text`),
and the normal ``ai-news-tracker run`` command is called in-process on it. The file stays, for the
commands that need no feeds: ``ai-news-tracker send --config demo-data/config.toml --data-dir
demo-data --date 2026-11-20`` mails the demo edition to its ``[email] recipients`` as ``.eml`` files.
"""

from __future__ import annotations

import argparse
import sys
import threading
import tomllib
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from ai_news_tracker import cli

DEMO_DIR = Path(__file__).resolve().parent
CONFIG_TEMPLATE = DEMO_DIR / "config.toml"
DEFAULT_CONFIG = DEMO_DIR.parent / "config" / "default.toml"
# The demo feeds are dated around 2026-11-20 (+08:00), so the demo pins the run's clock to that day:
# with a 24-hour lookback it then builds that day's edition from them, whatever today's date is.
DEMO_NOW = "2026-11-20T13:50:39+08:00"


class DemoHandler(SimpleHTTPRequestHandler):
    """Serves the demo folder with feed-like content types and without request logging."""

    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/rss+xml; charset=utf-8",
        ".json": "application/json",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


def start_server() -> ThreadingHTTPServer:
    """Serve ``DEMO_DIR`` on 127.0.0.1 at a free port, from a daemon thread."""
    handler = partial(DemoHandler, directory=str(DEMO_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name="demo-http", daemon=True).start()
    return server


def filter_tables(config: str) -> str:
    """The ``[filter]`` table of a configuration and its subtables (``[filter.weights]``), as written."""
    lines = config.splitlines(keepends=True)
    start = next(n for n, line in enumerate(lines) if line.startswith("[filter]"))
    after = (
        n
        for n in range(start + 1, len(lines))
        if lines[n].startswith("[") and not lines[n].startswith("[filter.")
    )
    return "".join(lines[start : next(after, len(lines))])


def config_text(base: str) -> str:
    """The demo's configuration: ``demo/config.toml`` with its feeds at ``base``, filtering exactly as
    the shipped configuration does (its ``[filter]`` tables), so that the demo edition leaves out what
    a real one would: the demo feeds hold a phone launch and other off-topic stories on purpose."""
    # The URLs' placeholder only: the comment that explains it stays as written.
    demo = CONFIG_TEMPLATE.read_text(encoding="utf-8").replace('"{base}', f'"{base}').rstrip()
    shipped = filter_tables(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    written = f"# Written by demo/run_demo.py for the loopback server at {base} (another port each run).\n"
    text = f"{written}{demo}\n\n# The relevance filter of config/default.toml:\n{shipped}"
    tomllib.loads(text)  # a malformed splice fails here, not as a confusing config error later
    return text


def edition_path(config: str, data_dir: Path, now: str) -> Path:
    """Where the run publishes the Markdown edition for the day of ``now`` in the report's timezone."""
    timezone = tomllib.loads(config).get("report", {}).get("timezone", "Asia/Shanghai")
    tz = ZoneInfo(timezone)
    moment = datetime.fromisoformat(now)
    moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    return data_dir / "site" / "reports" / f"{moment.date().isoformat()}.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the demo edition offline from bundled sample feeds.")
    parser.add_argument("--data-dir", default="demo-data", help="where the run writes (default: demo-data)")
    parser.add_argument("--now", default=DEMO_NOW, help=f"the run's clock, ISO-8601 (default: {DEMO_NOW})")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    try:
        expected = edition_path(CONFIG_TEMPLATE.read_text(encoding="utf-8"), data_dir, args.now)
    except ValueError:
        print(f"run_demo: --now is not an ISO-8601 time: {args.now!r}", file=sys.stderr)
        return 2

    server = start_server()
    try:
        host, port = server.server_address[:2]
        base = f"http://{host!s}:{port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        config_path = data_dir / "config.toml"
        config_path.write_text(config_text(base), encoding="utf-8")
        print(f"Serving {DEMO_DIR} at {base}")
        argv_run = ["run", "--config", str(config_path), "--data-dir", str(data_dir), "--now", args.now]
        try:
            code = cli.main(argv_run)
        except SystemExit as exc:  # argparse-style exits inside the CLI
            code = exc.code if isinstance(exc.code, int) else 1
    finally:
        server.shutdown()
        server.server_close()

    if expected.is_file():
        print(f"Markdown edition: {expected}")
        print(
            "The email edition, as .eml files in the outbox: .venv/bin/ai-news-tracker send "
            f"--config {config_path} --data-dir {data_dir} --date {expected.stem}"
        )
    else:
        print(f"No Markdown edition at {expected} (exit code {code})", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
