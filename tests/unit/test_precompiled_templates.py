"""Precompiled templates (what the deployed layer ships) render exactly what the sources render.

``layers/core/Makefile`` runs ``python -m ai_news_tracker.templating`` to write each Jinja2
environment's template bytecode into ``compiled_templates/`` beside ``templates/``; the functions then
skip compiling them on a cold start. Code compiled for one environment's settings is wrong in another,
so every kind is compared here, with hostile feed text, against the same output from the sources.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pytest
from test_web_edition import hostile_edition

from ai_news_tracker import mail, subscription, templating
from ai_news_tracker.config import Config, EmailConfig
from ai_news_tracker.models import EditionSummary
from ai_news_tracker.render import Renderer, default_templates_dir

SOURCES = default_templates_dir()
CONFIG = Config(email=EmailConfig(enabled=True, sender="日报 <digest@example.com>"))


@pytest.fixture
def compiled(tmp_path: Path) -> Iterator[Path]:
    """templates/ copied into a fresh folder, with compiled_templates/ beside it, as in the layer."""
    templates = tmp_path / "python" / "templates"
    shutil.copytree(SOURCES, templates)
    mail.mail_environment.cache_clear()
    subscription.pages_environment.cache_clear()
    out = tmp_path / "python" / templating.COMPILED_DIR
    assert templating.precompile(templates, out, log=lambda _: None) == 12
    yield templates
    mail.mail_environment.cache_clear()
    subscription.pages_environment.cache_clear()


def edition_outputs(templates: Path) -> dict[str, str]:
    renderer = Renderer(CONFIG, templates)
    ed = hostile_edition()
    summaries = [EditionSummary(ed.date, ed.title, ed.generated_at, ed.key_points, len(ed.items))]
    return {
        "markdown": renderer.markdown(ed),
        "json": renderer.json(ed),
        "html": renderer.html(ed),
        "index": renderer.index(summaries),
        "feed": renderer.feed(summaries),
        "not found": renderer.not_found(),
    }


def mail_outputs(templates: Path) -> dict[str, str]:
    message = mail.build_message(
        hostile_edition(),
        CONFIG,
        recipient="reader@example.org",
        web_url="https://digest.example.com/reports/2026-11-20.html",
        unsubscribe_url="https://api.example.com/unsubscribe?token=t",
        unsubscribe_mailto="mailto:unsubscribe@example.com",
        templates_dir=templates,
    )
    text, html = mail.bodies(message)
    confirmation = mail.build_confirmation(
        CONFIG,
        recipient="reader@example.org",
        confirm_url="https://api.example.com/confirm?token=t",
        expires_at=datetime(2026, 11, 21, tzinfo=UTC),
        templates_dir=templates,
        sent_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    confirm_text, confirm_html = mail.bodies(confirmation)
    page = subscription.Page(200, "<b>订阅</b>", ("<script>x</script>",), "确认", "tok&en", (("a", "<b>"),))
    return {
        "email text": text,
        "email html": html,
        "confirmation text": confirm_text,
        "confirmation html": confirm_html,
        "page": page.render("日报<script>", templates),
    }


def test_precompiled_templates_render_the_same_bytes_as_the_sources(compiled: Path) -> None:
    # Given the outputs of every environment rendered from the sources
    expected = edition_outputs(SOURCES) | mail_outputs(SOURCES)

    # When the same is rendered from the precompiled modules
    produced = edition_outputs(compiled) | mail_outputs(compiled)

    # Then every output is byte for byte the same
    assert produced.keys() == expected.keys()
    for name, text in expected.items():
        assert produced[name] == text, f"{name} differs when rendered from the compiled templates"


def test_the_environments_compile_nothing_when_the_layer_ships_the_bytecode(
    compiled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an environment that can no longer compile a template
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a template was compiled on a cold start")

    monkeypatch.setattr(jinja2.Environment, "compile", refuse)

    # When every output is rendered, Then every template came from the shipped bytecode
    outputs = edition_outputs(compiled) | mail_outputs(compiled)
    assert all(outputs.values())


def test_an_edited_template_is_compiled_from_its_source_not_from_stale_bytecode(compiled: Path) -> None:
    # Given a template edited after the bytecode was written
    markdown = compiled / "edition.md.j2"
    markdown.write_text(markdown.read_text(encoding="utf-8") + "\nEDITED", encoding="utf-8")

    # When it is rendered, Then the edit shows
    assert Renderer(CONFIG, compiled).markdown(hostile_edition()).endswith("EDITED")


def test_nothing_is_written_beside_the_templates_at_run_time(compiled: Path) -> None:
    # Given a template the build did not compile (/opt/python is read-only on Lambda)
    (compiled / "edition.md.j2").write_text("changed", encoding="utf-8")
    before = sorted(p.name for p in (compiled.parent / templating.COMPILED_DIR / "edition").iterdir())

    Renderer(CONFIG, compiled).markdown(hostile_edition())

    assert sorted(p.name for p in (compiled.parent / templating.COMPILED_DIR / "edition").iterdir()) == before


def test_a_checkout_has_no_compiled_templates_so_edits_to_a_template_show_at_once() -> None:
    assert not (SOURCES.parent / templating.COMPILED_DIR).exists()
    assert templating.shipped_bytecode(SOURCES, "edition") is None


def test_the_precompiled_folder_must_sit_beside_the_templates(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        templating.main([str(SOURCES), str(tmp_path / "elsewhere")])
