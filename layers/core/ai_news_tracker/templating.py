"""Jinja2 templates compiled when the layer is built, so that a cold start does not compile them.

Compiling a template (lexing, parsing, generating and compiling Python) costs a cold start about 5 ms:
25 ms for the render function's five. ``layers/core/Makefile`` runs ``python -m ai_news_tracker.templating
TEMPLATES OUT`` with the runtime's interpreter, which renders nothing but loads every template of every
environment once, writing each one's bytecode (Jinja2's bytecode cache) to ``compiled_templates/<kind>/``
beside ``templates/``. A function's environments then read it through :class:`ShippedBytecode`.

The bytecode cache checks itself: each entry holds the checksum of the template source it was compiled
from and the Python version that compiled it, so an edited template or another interpreter just
compiles from the source as without it. Each kind of environment (its autoescaping, trimming, finalize
and filters) has a folder of its own: code compiled for one environment is wrong in another. A checkout
has no ``compiled_templates/``: the CLI and the tests compile from the sources.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2  # this module is imported where an environment is built, never at a function's import

if TYPE_CHECKING:
    from jinja2.bccache import Bucket

COMPILED_DIR = "compiled_templates"  # beside templates/: /opt/python/compiled_templates in the layer


def compiled_dir(templates_dir: Path, kind: str) -> Path:
    return templates_dir.parent / COMPILED_DIR / kind


def shipped_bytecode(templates_dir: Path, kind: str) -> jinja2.BytecodeCache | None:
    """The bytecode cache of one kind of environment, when the layer ships one; else None."""
    folder = compiled_dir(templates_dir, kind)
    return ShippedBytecode(folder) if folder.is_dir() else None


class ShippedBytecode(jinja2.FileSystemBytecodeCache):
    """A folder of template bytecode that is read, and written only by :func:`precompile`.

    Keyed by the template's name alone: Jinja2's own key includes the source file's path, which differs
    between the build folder and ``/opt/python`` (and ``/opt`` is read-only: nothing may be written).
    """

    def __init__(self, directory: Path, *, writable: bool = False) -> None:
        super().__init__(str(directory))
        self.writable = writable

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if self.writable:
            super().dump_bytecode(bucket)


class ViewEnvironment(jinja2.Environment):
    """The environment of every template here: their values are the views the renderers build, plain
    dicts, which ``item.title`` reads by key first. Jinja2 tries an attribute first, and a dict's missing
    attribute costs an exception: ten of them an item, a third of the time a 5,000-item page took. An
    object that is no dict, or a key a dict lacks, is looked up as Jinja2 does (attribute, then item)."""

    def getattr(self, obj: object, attribute: str) -> object:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environments(templates_dir: Path) -> dict[str, tuple[jinja2.Environment, Sequence[str]]]:
    """Every kind of environment the functions render with, and the templates each one loads."""
    from .config import Config
    from .mail import MAIL_TEMPLATES, mail_environment
    from .render import EDITION_TEMPLATES, WEB_TEMPLATES, Renderer
    from .subscription import PAGE_TEMPLATES, pages_environment

    renderer = Renderer(Config(), templates_dir)
    return {
        "edition": (renderer.env, EDITION_TEMPLATES),
        "web": (renderer.web_env, WEB_TEMPLATES),
        "mail": (mail_environment(templates_dir), MAIL_TEMPLATES),
        "pages": (pages_environment(templates_dir), PAGE_TEMPLATES),
    }


def precompile(templates_dir: Path, out: Path, log: Callable[[str], None] = print) -> int:
    """Write the bytecode of each environment's templates to ``out/<kind>``; the number written.

    ``out`` must be ``<templates_dir>/../compiled_templates`` for the functions to find it; it is
    replaced. Call it in a fresh process: an environment that already loaded a template has it in memory
    and would not compile it again.
    """
    if out.exists():
        shutil.rmtree(out)
    count = 0
    for kind, (env, names) in environments(templates_dir).items():
        folder = out / kind
        folder.mkdir(parents=True)
        env.bytecode_cache = ShippedBytecode(folder, writable=True)
        for name in names:
            env.get_template(name)
        written = len(list(folder.iterdir()))
        if written != len(names):
            raise RuntimeError(f"{kind}: {written} of {len(names)} templates compiled ({', '.join(names)})")
        log(f"{kind}: {written} templates -> {folder}")
        count += written
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compile the Jinja2 templates' bytecode (the layer build).")
    parser.add_argument("templates", type=Path, help="the templates/ folder")
    parser.add_argument("out", type=Path, help=f"where to write it: {COMPILED_DIR}/ beside templates/")
    args = parser.parse_args(argv)
    if args.out.resolve() != (args.templates.resolve().parent / COMPILED_DIR):
        parser.error(f"out must be {COMPILED_DIR}/ beside {args.templates}: the functions look for it there")
    precompile(args.templates, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
