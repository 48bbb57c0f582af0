"""The local email edition: `run` with email enabled leaves one .eml per recipient, never twice;
`send --dry-run` shows what would go out."""

from __future__ import annotations

import email
import email.policy
import shutil
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import NoReturn

import pytest
from loopback import LoopbackServer, static
from racing import ListsBeforeAnotherRun

from ai_news_tracker import mail as mail_module
from ai_news_tracker.cli import main
from ai_news_tracker.identity import recipient_key
from ai_news_tracker.pipeline import local_stores
from ai_news_tracker.store import Store

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>DeepSeek 发布 &lt;script&gt;alert(1)&lt;/script&gt; 新模型</title>
<link>https://example.com/a</link><pubDate>Fri, 20 Nov 2026 10:00:00 +0800</pubDate>
<description>&lt;p&gt;正文&lt;/p&gt;</description></item></channel></rss>""".encode()
NOW = "2026-11-20T12:00:00+08:00"
NEXT_ITEM = """<item><title>智谱发布 GLM 新模型</title><link>https://example.com/b</link>
<pubDate>Sat, 21 Nov 2026 10:00:00 +0800</pubDate><description>正文</description></item>""".encode()


def write_config(path: Path, feed_url: str, *, enabled: bool = True, report: str = "") -> Path:
    """One source and one recipient, a@example.com; ``report``: lines of a [report] table."""
    path.write_text(
        (f"[report]\n{report}\n" if report else "")
        + f'[[sources]]\nname = "甲"\nurl = "{feed_url}"\n'
        + f'[email]\nenabled = {"true" if enabled else "false"}\nsender = "日报 <digest@example.com>"\n'
        + 'recipients = ["a@example.com"]\n',
        encoding="utf-8",
    )
    return path


def add_recipient(path: Path, address: str) -> None:
    """``address`` added to the recipients of a configuration ``write_config`` wrote."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"a@example.com"]', f'"a@example.com", "{address}"]'), encoding="utf-8")


@pytest.fixture
def config(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = tmp_path / "c.toml"
        path.write_text(
            f'[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n'
            '[email]\nenabled = true\nsender = "日报 <digest@example.com>"\n'
            'recipients = ["a@example.com", "b@example.org"]\n',
            encoding="utf-8",
        )
        data = tmp_path / "data"
        assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
        yield path, data


def test_run_leaves_one_eml_per_recipient(config: tuple[Path, Path]) -> None:
    _, data = config
    files = sorted((data / "outbox" / "2026-11-20").glob("*.eml"))

    assert [f.name for f in files] == ["a@example.com.eml", "b@example.org.eml"]
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "2026-11-20 国产大模型日报"
    assert message["To"] == "a@example.com"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "DeepSeek 发布" in text.get_content()
    assert html is not None and "<script>" not in html.get_content()


def test_the_run_says_what_it_mailed_and_names_no_failure_when_none_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one healthy source and email on
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        # When the day is run
        assert main(["run", "--config", str(path), "--data-dir", str(tmp_path / "d"), "--now", NOW]) == 0
    # Then its one line counts the mail and says nothing of failures (scripts grep for "failed:")
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("published the 2026-11-20 edition: 1 item; email: 1 new message -> "), line
    assert "failed" not in line


def test_a_rerun_and_a_send_write_no_second_copy(
    config: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = config
    before = {f: f.read_bytes() for f in (data / "outbox").rglob("*.eml")}

    assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
    assert main(["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"]) == 0

    assert {f: f.read_bytes() for f in (data / "outbox").rglob("*.eml")} == before
    assert "already sent: a@example.com" in capsys.readouterr().out


def test_send_dry_run_shows_and_sends_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = tmp_path / "c.toml"
        path.write_text(f'[[sources]]\nname = "甲"\nurl = "{server.url("/feed")}"\n', encoding="utf-8")
        data = tmp_path / "data"
        assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
    # Given the edition was built with email off, and email is then turned on
    path.write_text(
        path.read_text(encoding="utf-8")
        + '[email]\nenabled = true\nsender = "digest@example.com"\nrecipients = ["a@example.com"]\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    # When a dry run is asked for
    code = main(["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20", "--dry-run"])
    # Then it says who would get what, and nothing is written
    assert code == 0
    out = capsys.readouterr().out
    assert "Subject: 2026-11-20 国产大模型日报" in out and "would send: a@example.com" in out
    assert not (data / "outbox").exists()
    assert main(["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-21"]) == 1


def test_enabled_email_needs_a_sender_address(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[email]\nenabled = true\nsender = "nobody"\n', encoding="utf-8")

    assert main(["fetch", "--config", str(path), "--data-dir", str(tmp_path)]) == 2


def test_with_a_site_url_the_local_email_links_the_days_web_edition(tmp_path: Path) -> None:
    # Given a site with a public address
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(
            tmp_path / "c.toml", server.url("/feed"), report='site_url = "https://digest.example.org/"'
        )
        # When the day is run
        assert main(["run", "--config", str(path), "--data-dir", str(tmp_path / "data"), "--now", NOW]) == 0
    eml = tmp_path / "data" / "outbox" / "2026-11-20" / "a@example.com.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    # Then both parts lead to the day's page on the site (在浏览器中阅读)
    page = "https://digest.example.org/reports/2026-11-20.html"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and f"网页版: {page}" in text.get_content()
    assert html is not None and f'<a href="{page}"' in html.get_content()
    assert "在浏览器中阅读" in html.get_content()


def test_send_works_before_email_is_enabled_for_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an edition built with recipients configured but email not yet enabled for runs
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"), enabled=False)
        data = tmp_path / "data"
        assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
    assert not (data / "outbox").exists()  # a run sends only when enabled
    capsys.readouterr()
    # When the edition is previewed, then sent by hand
    send = ["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"]
    assert main([*send, "--dry-run"]) == 0
    assert "would send: a@example.com" in capsys.readouterr().out and not (data / "outbox").exists()
    assert main(send) == 0
    # Then the recipient's .eml is written where the command says it is
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("sent: ")]
    assert line == f"sent: a@example.com -> {data}/outbox/2026-11-20/a@example.com.eml"
    assert Path(line.split(" -> ")[1]).is_file()
    # And without recipients, send says there is no one to send to
    path.write_text(path.read_text(encoding="utf-8").replace('["a@example.com"]', "[]"), encoding="utf-8")
    assert main(send) == 1
    assert "no one to send to" in capsys.readouterr().err


def test_a_run_whose_edition_has_no_items_mails_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given email on, and a filter that keeps none of the day's items
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        path.write_text(path.read_text("utf-8") + '[filter]\ninclude = ["量子计算"]\n', encoding="utf-8")
        # When the day is run
        assert main(["run", "--config", str(path), "--data-dir", str(tmp_path / "d"), "--now", NOW]) == 0
    # Then the edition is published with no items, and no mail goes out for it
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(
        "published the 2026-11-20 edition: 0 items; email: not sent, the edition has no items"
    )
    assert not (tmp_path / "d" / "outbox").exists()


def stopped_before_its_mail(run: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """A run of NOW stopped (Ctrl-C) once its edition was stored, before its pages and its mail."""
    with monkeypatch.context() as patch:
        patch.setattr("ai_news_tracker.pipeline.Pipeline.publish", interrupted)
        return main([*run, NOW])


def test_a_day_whose_run_was_stopped_before_its_mail_is_mailed_by_the_next_run_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    next_day = FEED.replace(b"<item>", NEXT_ITEM + b"<item>", 1)
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        run = ["run", "--config", str(path), "--data-dir", str(data), "--now"]
        # Given a run stopped (Ctrl-C) once its edition was stored, before its pages and its mail
        assert stopped_before_its_mail(run, monkeypatch) == 130
        # When the next day is run, and once more
        server.routes["/feed"] = static(next_day)
        capsys.readouterr()
        assert main([*run, "2026-11-21T12:00:00+08:00"]) == 0
        assert main([*run, "2026-11-21T13:00:00+08:00"]) == 0
    # Then the stopped day is mailed by the next run, which says so, and by no later one
    first, owed, *again = capsys.readouterr().out.splitlines()
    assert first.startswith("published the 2026-11-21 edition: 1 item; email: 1 new message")
    assert owed == "  (email of the 2026-11-20 edition, whose run stopped before mailing it: 1 new message)"
    assert "stopped" not in "".join(again)
    assert sorted(p.parent.name for p in (data / "outbox").rglob("*.eml")) == ["2026-11-20", "2026-11-21"]


def test_an_older_day_built_with_email_off_is_not_said_to_leave_out_recipients_added_since(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"), enabled=False)
        run = ["run", "--config", str(path), "--data-dir", str(data), "--now"]
        # Given the 20th and the 21st built with email off, the recipient there all along
        assert main([*run, NOW]) == 0
        server.routes["/feed"] = static(FEED.replace(b"<item>", NEXT_ITEM + b"<item>", 1))
        assert main([*run, "2026-11-21T12:00:00+08:00"]) == 0
        # When email is enabled and the 20th is run again
        write_config(path, server.url("/feed"))
        capsys.readouterr()
        assert main([*run, NOW]) == 0
    # Then nobody is mailed (README), and the line says why: no run mailed the day, not "added since"
    line = capsys.readouterr().out.splitlines()[0]
    assert not list((data / "outbox").rglob("*.eml"))
    assert ", not to 1 recipient, no run mailed this day (send --date 2026-11-20 mails it) -> " in line


def test_a_stopped_days_mail_is_not_sent_weeks_later_once_email_is_enabled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        run = ["run", "--config", str(path), "--data-dir", str(data), "--now"]
        # Given a run stopped (Ctrl-C) once its edition was stored, before its mail
        assert stopped_before_its_mail(run, monkeypatch) == 130
        # And email then turned off while the next day is run
        write_config(path, server.url("/feed"), enabled=False)
        server.routes["/feed"] = static(FEED.replace(b"<item>", NEXT_ITEM + b"<item>", 1))
        assert main([*run, "2026-11-21T12:00:00+08:00"]) == 0
        # When email is turned on again a month later, and the day after
        write_config(path, server.url("/feed"))
        capsys.readouterr()
        assert main([*run, "2026-12-21T12:00:00+08:00"]) == 0
        assert main([*run, "2026-12-22T12:00:00+08:00"]) == 0
    # Then the reader is not mailed the news of a month ago, and the first run says so, once, and how
    assert "2026-11-20" not in {p.parent.name for p in (data / "outbox").rglob("*.eml")}
    said = "email of 2026-11-20 not sent: its run stopped 31 days ago; `send --date 2026-11-20` mails it"
    assert capsys.readouterr().out.count(said) == 1


def test_a_day_run_again_is_mailed_to_no_recipient_added_since_its_first_run_but_send_mails_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        run = ["run", "--config", str(path), "--data-dir", str(data), "--now"]
        # Given a@example.com got the 20th's edition, b@example.org added on the 21st got that day's
        assert main([*run, NOW]) == 0
        add_recipient(path, "b@example.org")
        server.routes["/feed"] = static(FEED.replace(b"<item>", NEXT_ITEM + b"<item>", 1))
        assert main([*run, "2026-11-21T12:00:00+08:00"]) == 0
        capsys.readouterr()
        # When the 20th is run again (published again, as built)
        assert main([*run, NOW]) == 0
    # Then b is not mailed the 20th's news days late, and the line says how to send it to b
    line, _ = capsys.readouterr().out.splitlines()  # the second: an older day is kept as built
    said = "; email: 0 new messages, not to 1 recipient added since (send --date 2026-11-20 mails it) -> "
    assert said in line, line
    assert [p.name for p in (data / "outbox" / "2026-11-20").glob("*.eml")] == ["a@example.com.eml"]
    # And `send` of the day, asked for, mails b
    assert main(["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"]) == 0
    assert (data / "outbox" / "2026-11-20" / "b@example.org.eml").is_file()


def test_a_stopped_days_mail_goes_by_the_next_run_to_no_recipient_added_since_its_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "d"
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        run = ["run", "--config", str(path), "--data-dir", str(data), "--now"]
        # Given the 20th's run for a@example.com stopped before its mail, and b@example.org added since
        assert stopped_before_its_mail(run, monkeypatch) == 130
        add_recipient(path, "b@example.org")
        # When the 21st is run
        server.routes["/feed"] = static(FEED.replace(b"<item>", NEXT_ITEM + b"<item>", 1))
        assert main([*run, "2026-11-21T12:00:00+08:00"]) == 0
    # Then the 20th goes to a alone, the 21st to both
    assert sorted(str(p.relative_to(data / "outbox")) for p in (data / "outbox").rglob("*.eml")) == [
        "2026-11-20/a@example.com.eml",
        "2026-11-21/a@example.com.eml",
        "2026-11-21/b@example.org.eml",
    ]


def test_a_run_whose_mail_cannot_be_written_says_why_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given email on, and the day's outbox folder taken by a file
    data = tmp_path / "d"
    (data / "outbox").mkdir(parents=True)
    (data / "outbox" / "2026-11-20").write_text("")
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        # When the day is run
        assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
    # Then the edition is published, the line counts the failure, and stderr says whom and why
    out, err = capsys.readouterr()
    assert "email: 0 new messages, 1 failed" in out
    (line,) = err.splitlines()
    assert line.startswith("ai-news-tracker: email not sent: a@example.com (cannot write under "), line


def test_a_send_whose_mail_cannot_be_written_says_why_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a built edition (email off in runs) and the day's outbox folder taken by a file
    data = tmp_path / "d"
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"), enabled=False)
        assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
    (data / "outbox").mkdir()
    (data / "outbox" / "2026-11-20").write_text("")
    capsys.readouterr()
    # When the day is sent
    code = main(["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"])
    # Then it fails, exit 1, and stderr says whom and why in one line, as every expected failure does
    # (README: "any other expected failure exits 1 with one line on stderr"; `run` says it there too)
    assert code == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ai-news-tracker: email not sent: a@example.com (cannot write under "), line


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A data folder holding the 2026-11-20 edition, built with email off in runs, and its configuration."""
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"), enabled=False)
        data = tmp_path / "d"
        assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
        yield path, data


def interrupted(*args: object) -> NoReturn:
    """A Ctrl-C."""
    raise KeyboardInterrupt


def send_stopped_before_the_eml(monkeypatch: pytest.MonkeyPatch, send: list[str]) -> None:
    """``send`` run and stopped (Ctrl-C, exit 130) once a reader's attempt is claimed, before the .eml."""
    with monkeypatch.context() as patch:
        patch.setattr("ai_news_tracker.mail.write_outbox", interrupted)
        assert main(send) == 130


def test_a_send_interrupted_before_the_eml_was_written_mails_the_reader_on_the_next_send(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a send interrupted (Ctrl-C) once the reader's attempt was claimed, before its .eml was written
    path, data = built
    send = ["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"]
    send_stopped_before_the_eml(monkeypatch, send)
    capsys.readouterr()
    # When the day is sent again
    code = main(send)
    # Then the reader gets the edition (nothing had gone out: the .eml is the local delivery), not
    # "claimed earlier, no outcome recorded" at every later send and run
    out, err = capsys.readouterr()
    assert code == 0 and "sent: a@example.com -> " in out, err
    assert (data / "outbox" / "2026-11-20" / "a@example.com.eml").is_file()


def racing(monkeypatch: pytest.MonkeyPatch, data: Path, other_run: Callable[[], object]) -> None:
    """The command's stores, whose first listing of the sent log lets ``other_run`` go first (its own
    stores are plain ones)."""

    def racing_stores(data_dir: str) -> tuple[Store, Store]:
        _, site = local_stores(data_dir)
        monkeypatch.undo()
        return ListsBeforeAnotherRun(data / "raw", other_run, under="sent/"), site

    monkeypatch.setattr("ai_news_tracker.cli.local_stores", racing_stores)


def test_a_send_racing_another_that_is_still_sending_the_reader_exits_1(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a send that read the sent log just before another send claimed the reader and stopped before
    # writing their .eml (still sending, or stopped: the next send mails them)
    path, data = built
    send = ["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"]

    racing(monkeypatch, data, partial(send_stopped_before_the_eml, monkeypatch, send))
    # When it goes on
    code = main(send)
    # Then it says the reader's email was not sent by it, and fails as README says `send` does (exit 1)
    err = capsys.readouterr().err
    assert err.endswith("ai-news-tracker: email not sent: a@example.com (claimed by a concurrent run)\n")
    assert code == 1
    assert not (data / "outbox" / "2026-11-20" / "a@example.com.eml").exists()


def test_a_send_racing_another_that_mailed_the_reader_does_not_fail(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a send that read the sent log just before another claimed the reader and wrote their .eml,
    # the local delivery
    path, data = built
    send = ["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"]

    racing(monkeypatch, data, partial(main, send))
    # When it goes on
    code = main(send)
    # Then, the reader's .eml being there, nothing is left to do: it does not fail (exit 1 and "email
    # not sent" would tell the operator to act on a mail that went out)
    assert (data / "outbox" / "2026-11-20" / "a@example.com.eml").is_file()
    assert code == 0, capsys.readouterr().err


def test_a_send_stopped_before_a_reader_does_not_make_that_reader_added_since_for_the_days_run(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the 20th built with email off, a@example.com and b@example.org its recipients all along, and
    # a `send` of it stopped (Ctrl-C) once a's .eml was written, before b's message was made
    path, data = built
    add_recipient(path, "b@example.org")
    made = mail_module._Composer.message

    def stopped_at_b(self: object, recipient: str, *args: object) -> object:
        if recipient == "b@example.org":
            raise KeyboardInterrupt
        return made(self, recipient, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr("ai_news_tracker.mail._Composer.message", stopped_at_b)
        assert main(["send", "--config", str(path), "--data-dir", str(data), "--date", "2026-11-20"]) == 130
    assert (data / "outbox" / "2026-11-20" / "a@example.com.eml").is_file()
    # When email is enabled for runs and the day (the newest) is run again: the first run that mails it
    path.write_text(path.read_text(encoding="utf-8").replace("enabled = false", "enabled = true"), "utf-8")
    capsys.readouterr()
    assert main(["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]) == 0
    # Then b, configured before the send and before this run, gets the day's edition, not "not to 1
    # recipient added since": a send's log names whom it reached, not whom the day's mail is for
    line = capsys.readouterr().out.splitlines()[0]
    assert "added since" not in line, line
    assert (data / "outbox" / "2026-11-20" / "b@example.org.eml").is_file()


def test_a_day_a_release_before_the_owed_record_stopped_mailing_halfway_goes_to_the_rest_on_a_rerun(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    with LoopbackServer({"/feed": static(FEED)}) as server:
        path = write_config(tmp_path / "c.toml", server.url("/feed"))
        add_recipient(path, "b@example.org")
        run = ["run", "--config", str(path), "--data-dir", str(data), "--now", NOW]
        # Given the 20th run for a@example.com and b@example.org by a release before 2026-12-02 (no
        # raw/mail/), stopped once a's mail was written, before b's was begun: its sent log names a alone
        assert main(run) == 0
        shutil.rmtree(data / "raw" / "mail")
        shutil.rmtree(data / "raw" / "sent" / "2026-11-20" / recipient_key("b@example.org"))
        (data / "outbox" / "2026-11-20" / "b@example.org.eml").unlink()
        # When, upgraded, the day is run again, the recipients unchanged
        capsys.readouterr()
        assert main(run) == 0
    # Then b, a recipient of that first run, gets it, and is not said to have been added since: a day
    # without the record goes to the recipients configured (one added since such a release mailed the
    # day gets it too: README, upgrading)
    line = capsys.readouterr().out.splitlines()[0]
    assert "added since" not in line, line
    assert (data / "outbox" / "2026-11-20" / "b@example.org.eml").is_file()
