"""The use cases: fetch the sources into the raw store, build an edition, publish it.

Everything here takes its clock (``now``) and its dependencies (stores, HTTP client, renderer) from
the caller, so the CLI, the Lambda handlers and the tests drive the very same code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from .articles import article_summary
from .config import SEEN_INDEX_DAYS, Config, LeaderboardConfig, SourceConfig
from .edition import (
    MORE_LISTED,
    REPEAT_EDITIONS,
    REPEATS_WITHIN,
    configured_carriers,
    credit_carriers,
    first_edition_scan_start,
    for_points,
    listed_repeats,
    newest_first,
    published_stories,
    revised_at,
    select_items,
    split_repeats,
    split_shown,
)
from .errors import EditionError, InvalidLeaderboard, NotPublishedYet, OutOfTime, SourceFailure, StorageError
from .identity import feed_scope, loggable_url, recipient_key, without_user_info
from .log import debug_enabled, get_logger
from .models import (
    Edition,
    EditionSummary,
    Item,
    Leaderboard,
    Repeat,
    SourceStatus,
    Validators,
    iso,
    parse_iso,
)
from .repository import (
    ALIASES_VERSION,
    MOVES_KEPT,
    RECENT_IDS,
    RawRepository,
    SourceState,
    ids_shown_by,
    status_at,
    successor_key,
    with_status,
)
from .store import LocalStore, Store, content_type_for, get_json, parse_json

if TYPE_CHECKING:  # imported where used: a fetch function never loads Jinja2, the renderer or the
    # mailer, the feeds' fetch never the leaderboard, and the email functions never requests or feedparser
    from .dedupe import Cluster
    from .http import HttpClient, Response
    from .mail import SendReport
    from .relevance import RelevanceFilter
    from .render import Renderer
    from .summarize import Summarizer

logger = get_logger()
_T = TypeVar("_T")


@dataclass(frozen=True)
class FetchReport:
    sources: tuple[SourceStatus, ...]
    leaderboard: SourceStatus | None
    # Hours since each source that answered had an item not seen before (a feed gone stale).
    quiet_hours: Mapping[str, float] = field(default_factory=dict)

    @property
    def statuses(self) -> tuple[SourceStatus, ...]:
        return self.sources + ((self.leaderboard,) if self.leaderboard else ())

    @property
    def anything_fetched(self) -> bool:
        return any(s.ok for s in self.statuses)

    @property
    def new_items(self) -> int:
        return sum(s.new for s in self.sources)


@dataclass(frozen=True)
class PublishReport:
    edition: Edition
    keys: tuple[str, ...]
    rebuilt: bool = False
    fetch: FetchReport | None = field(default=None)
    email: SendReport | None = None
    # The mail of earlier days whose run was stopped before it was sent, sent now
    owed: tuple[SendReport, ...] = ()
    # How many configured recipients the day's mail is not for: added since its first run that mailed
    # it, or every one when no run mailed it (``never_mailed``: an older day built with email off)
    added_since: int = 0
    # The days owed mail whose run stopped too long before this one's day (OWED_MAIL_DAYS): not sent
    owed_too_old: tuple[date, ...] = ()
    never_mailed: bool = False


@dataclass
class _ArticlePages:
    """The article pages a fetch queued, by source, in the order they are owed: the item of each page
    asked now, None for one left to a later run; and the pages each source owed when the fetch read its
    state (another owed in its state since is a fetch's beside this one)."""

    queued: dict[str, list[tuple[str, Item | None]]] = field(default_factory=dict)
    owed_before: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def asked(self) -> list[tuple[str, Item]]:
        """The pages asked now, each with the name of the source whose feed queued it."""
        asked = ((name, item) for name, queued in self.queued.items() for _, item in queued)
        return [(name, item) for name, item in asked if item is not None]


class Pipeline:
    """One configured digest over a raw store and a site store."""

    def __init__(
        self,
        config: Config,
        raw: Store,
        site: Store,
        *,
        http: HttpClient | None = None,
        renderer: Renderer | None = None,
        outbox: Store | None = None,
        summarizer: Summarizer | None = None,
        summarizer_factory: Callable[[], Summarizer] | None = None,
    ) -> None:
        self.config = config
        self.repo = RawRepository(raw)
        self.site = site
        self.outbox = outbox  # where a local run keeps the email edition (.eml files)
        self._http = http
        self._renderer = renderer
        self._summarizer = summarizer
        self._summarizer_factory = summarizer_factory  # called when an edition is first summarized

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            from .render import Renderer, default_templates_dir

            self._renderer = Renderer(self.config, default_templates_dir())
        return self._renderer

    @property
    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            if self._summarizer_factory is not None:
                self._summarizer = self._summarizer_factory()
            else:
                from .summarizers import make_summarizer

                self._summarizer = make_summarizer(self.config.summarizer)
        return self._summarizer

    @property
    def http(self) -> HttpClient:
        if self._http is None:
            from .http import HttpClient

            self._http = HttpClient(self.config.fetch)
        return self._http

    # -- fetching --------------------------------------------------------------------------
    def fetch(
        self, now: datetime, *, feeds: bool = True, leaderboard: bool = True, deadline_at: float | None = None
    ) -> FetchReport:
        """Fetch every source at once; store new items (first seen at ``now``) and the leaderboard.

        ``deadline_at``: the ``time.monotonic()`` by which every request (the feeds, the leaderboard
        and its commit date, the article pages) has ended; one not begun by then is not made, a
        ``timeout`` failure. None, as in the CLI: ``[fetch] deadline`` alone bounds each request."""
        sources = self.config.enabled_sources if feeds else ()
        board = self.config.leaderboard if leaderboard and self.config.leaderboard else None
        states = self._renames_followed(sources, {s.name: self.repo.source_state(s.name) for s in sources})
        # The least recently checked first: a feed a run's deadline left unasked is asked first at the next
        asked_first = sorted(sources, key=lambda s: _checked(states[s.name]))
        jobs: list[tuple[str, str, Any, int | None]] = [
            (s.name, s.url, _feed_validators(s, states[s.name]), None) for s in asked_first
        ]
        board_state = None
        if board is not None and board.enabled:
            board_state = self.repo.source_state(_board_key(board.provider))
            validators = self._board_validators(board, board_state)
            jobs.append((_BOARD_JOB, board.url, validators, self.config.fetch.leaderboard_max_bytes))
        results = self.http.fetch_many(jobs, deadline_at=deadline_at) if jobs else {}
        seen_at = self._first_seen_time(now)
        pages = _ArticlePages()
        stored = [self._store_feed(s, states[s.name], results[s.name], seen_at, pages) for s in sources]
        if pages.queued:
            asked = pages.asked()
            unasked = self._fetch_article_texts(asked, now, deadline_at) if asked else set()
            self._owe_article_pages(pages, unasked)
        board_status = None
        if board_state is not None:
            # stored as first seen at ``seen_at`` too: a fetch of a time before a published cutoff that ran
            # after it (a retry, a missed schedule invoked) is no ranking nor status of that day's
            board_status = self._store_leaderboard(board_state, results[_BOARD_JOB], seen_at, deadline_at)
        quiet = {
            status.name: max(0.0, (seen_at - last_new).total_seconds() / 3600)
            for status, last_new in stored
            if status.ok and last_new is not None
        }
        return FetchReport(tuple(status for status, _ in stored), board_status, quiet)

    def _renames_followed(
        self, sources: Sequence[SourceConfig], states: dict[str, SourceState]
    ) -> dict[str, SourceState]:
        """``states`` with a source that has none taking the state of the source that fetched its feed
        (its URL) under another name: a rename keeps the feed established (its known items, its
        validators, when it was first fetched), so its items are not taken for a new feed's archive."""
        unknown = [s for s in sources if _never_fetched(states[s.name])]
        if not unknown:
            return states
        by_feed: dict[str, SourceState] = {}
        for state in self.repo.other_source_states(states):
            last = by_feed.get(state.url or "")
            if state.url and (last is None or _checked(state) > _checked(last)):
                by_feed[state.url] = state
        followed = dict(states)
        for source in unknown:
            former = by_feed.get(without_user_info(source.url))
            if former is not None:
                logger.info("source renamed", source=source.name, url=loggable_url(source.url))
                followed[source.name] = self._with_scope(former)
        return followed

    def _with_scope(self, former: SourceState) -> SourceState:
        """A renamed source's former state with the scope of its link-less items: for one kept before
        scopes were, the former name they were identified within, read from the first such item of its
        recent ones (``RENAMED_READS`` read at most; none there: its new name stands)."""
        if former.scope is not None:
            return former
        for id_ in former.recent_ids[:RENAMED_READS]:
            item = self.repo.get_item(id_)
            if item is not None and item.identity.startswith(f"guid:{item.source}\n"):
                return replace(former, scope=item.source)
        return former

    def _first_seen_time(self, now: datetime) -> datetime:
        """``now``, unless an edition was already cut at or after it: then just after that cutoff.

        An item first seen inside a published window would never reach an edition (a late retry of a
        scheduled fetch, a clock behind, a refused backfill); after the cutoff it reaches the next one.
        """
        dates = self.repo.edition_dates()
        latest = self.repo.load_edition(dates[-1]) if dates else None
        if latest is None or now > latest.window_end:
            return now
        logger.warning("clock behind the latest edition", now=iso(now), cutoff=iso(latest.window_end))
        return latest.window_end + timedelta(microseconds=1)

    def _store_feed(
        self,
        source: SourceConfig,
        state: SourceState,
        result: Response | SourceFailure,
        now: datetime,
        pages: _ArticlePages,
    ) -> tuple[SourceStatus, datetime | None]:
        """The source's status, and when it last had a new item (its first answer counts as one)."""
        from .feeds import is_complete, parse_feed

        if isinstance(result, OutOfTime):  # never asked: no failure of the source's, its state kept
            logger.warning("feed not asked", source=source.name, reason=str(result))
            previous = state.status.consecutive_failures if state.status and not state.status.ok else 0
            status = SourceStatus(source.name, result.status, str(result), consecutive_failures=previous)
            return status, state.last_new_at
        try:
            if isinstance(result, SourceFailure):
                raise result
            if result.not_modified:
                status = SourceStatus(source.name, "ok", not_modified=True, checked_at=now)
                stored = self._stored_state(source.name, state)
                last_new = stored.last_new_at or now
                # (a 304 records no move: the first good answer does, ``_feed_said``)
                feed = stored.url if _moved(source, stored) else without_user_info(source.url)
                self.repo.save_source_state(
                    source.name, replace(with_status(stored, status), last_new_at=last_new, url=feed)
                )
                logger.info("feed not modified", source=source.name)
                self._queue_article_pages(source, state, [], pages)
                return status, last_new
            tz = ZoneInfo(source.timezone or self.config.report.timezone)
            entries = parse_feed(result.body, result.headers, result.url, tz, requested=source.url)
        except SourceFailure as failure:
            return self._record_failure(source.name, source.name, state, failure, now), state.last_new_at
        if _new_feed(source, state):
            state = self._feed_said(source, state, now)
        # What its link-less items are identified within: the scope made at its first fetch, kept by a
        # rename (``state`` may be its feed's under a former name) and by a new URL; a source fetched
        # before scopes were kept, its name
        scope = state.scope or source.name
        shown, new = self.repo.record_entries(
            source.name,
            entries,
            now,
            known=state.recent_ids,
            backfill_aliases=state.aliased < ALIASES_VERSION,
            scope=scope,
        )
        self._queue_article_pages(source, state, new, pages)
        status = SourceStatus(source.name, "ok", fetched=len(shown), new=len(new), checked_at=now)
        # This answer (its validators, its status, the items it shows) written onto the state stored now
        stored = self._stored_state(source.name, state)
        recent = tuple(dict.fromkeys(shown + list(stored.recent_ids)))[:RECENT_IDS]
        # Something this source had not shown before (a mirror's items are stored under the original)
        fresh = set(shown) - set(stored.recent_ids)
        last_new = now if fresh or stored.last_new_at is None else stored.last_new_at
        recorded = with_status(stored, status)
        validators = result.validators
        if not validators.empty and not is_complete(result.body):
            # what arrived is kept, but the next fetch asks for the whole feed: a 304 to the cut
            # document's validators would hide the entries after the cut for good
            logger.warning("feed cut off", source=source.name, entries=len(entries))
            validators = Validators()
        self.repo.save_source_state(
            source.name,
            SourceState(
                validators=validators,
                status=status,
                recent_ids=recent,
                last_new_at=last_new,
                aliased=ALIASES_VERSION,  # (not a newer one stored: rolled back to, it writes again)
                first_fetched_at=stored.first_fetched_at,  # None: established before this was kept
                moves=stored.moves,
                url=without_user_info(source.url),
                articles_owed=stored.articles_owed,  # until the pages queued are asked
                scope=stored.scope or scope,  # (kept from now on, through a rename too)
                status_history=recorded.status_history,
                status_history_whole=recorded.status_history_whole,
                carried_at=_carried_at(stored, recent, fresh - {item.id for item in new}, now),
            ),
        )
        logger.info("feed fetched", source=source.name, entries=len(shown), new=len(new))
        return status, last_new

    def _feed_said(self, source: SourceConfig, state: SourceState, now: datetime) -> SourceState:
        """The state of a source new to us, or whose URL changed, with its first good answer there said,
        stored before its items are (an edition cut meanwhile, or a crash before its state is saved,
        cannot take a new feed's archive for news); a fetch beside this one may have said it (its time
        kept). A source new to us: first fetched now, its scope made (two fetches at once make the same).
        Its URL changed: now added to its ``moves``, its scope and ``first_fetched_at`` kept, whatever it
        shows (a rotated key, a mirror, its feed again after another: its link-less items not news again;
        another feed numbering its items alike has its "1" taken for the stored one: README, Identity)."""
        stored = self._stored_state(source.name, state)
        if _new_feed(source, stored):
            url = without_user_info(source.url)
            if _moved(source, stored):
                logger.info("source url changed", source=source.name, url=loggable_url(source.url))
                moves = (*stored.moves, now)[-MOVES_KEPT:]
                stored = replace(stored, url=url, validators=Validators(), moves=moves)
            else:
                scope = stored.scope or feed_scope(source.name, url)
                stored = replace(stored, url=url, first_fetched_at=now, scope=scope)
            self.repo.save_source_state(source.name, stored)
        return replace(state, scope=stored.scope or state.scope, first_fetched_at=stored.first_fetched_at)

    def _queue_article_pages(
        self, source: SourceConfig, state: SourceState, new: Sequence[Item], pages: _ArticlePages
    ) -> None:
        """Queue the article pages of a source that asks for them: those owed by earlier runs first, then
        the new items' without text; ``[fetch] article_fetches`` of them are asked now, the rest owed."""
        if not source.article_text:
            return
        most, owed = self.config.fetch.article_fetches, set(state.articles_owed)
        queued: list[tuple[str, Item | None]] = []
        asked = 0
        for item_id_ in state.articles_owed:
            if asked == most:  # past this run's share: owed on, not read now
                queued.append((item_id_, None))
                continue
            item = self.repo.get_item(item_id_)
            if item is not None and not item.text and item.url:  # else gone: owed no more
                queued.append((item_id_, item))
                asked += 1
        for item in new:
            if not item.text and item.url and item.id not in owed:
                queued.append((item.id, item if asked < most else None))
                asked = min(asked + 1, most)
        if queued or state.articles_owed:  # (a debt of pages gone is cleared)
            pages.queued[source.name] = queued
            pages.owed_before[source.name] = state.articles_owed

    def _owe_article_pages(self, pages: _ArticlePages, unasked: set[str]) -> None:
        """Each source's pages left to the next runs, kept in its state: those past ``[fetch]
        article_fetches`` and those the run's deadline left unasked, in the order they were queued, after
        those a fetch beside this one owes since this one read the state, at most ``ARTICLES_OWED_RUNS``
        runs' worth (those owed longest dropped past it)."""
        most = ARTICLES_OWED_RUNS * self.config.fetch.article_fetches
        for name, queued in pages.queued.items():
            state = self.repo.source_state(name)
            handled = {i for i, _ in queued}.union(pages.owed_before[name])
            owed = (
                *(i for i in state.articles_owed if i not in handled),
                *(i for i, item in queued if item is None or i in unasked),
            )
            owed = owed[len(owed) - most :] if len(owed) > most else owed
            if state.articles_owed != owed:
                self.repo.save_source_state(name, replace(state, articles_owed=owed))
            if owed:
                logger.info("article pages owed", source=name, pages=len(owed))

    def _fetch_article_texts(
        self, items: list[tuple[str, Item]], now: datetime, deadline_at: float | None
    ) -> set[str]:
        """The article pages' own summaries for new items without text (each with the source that queued
        it): at most once per item a day. Returns the items whose page the deadline left unasked: nothing
        is stored for them.

        An item's link comes from a feed, not from us: it is fetched as found at the configured URL of
        the source that queued it (not the item's ``source``: a page owed before a rename keeps the old
        name), so it may reach that origin and otherwise public addresses only (``http``).
        """
        day = now.astimezone(self.config.report.tz).date().isoformat()
        due = [(name, i) for name, i in items if (self.repo.article(i.id) or {}).get("day") != day]
        feeds = {source.name: source.url for source in self.config.sources}
        jobs: list[tuple[str, str, Any, int | None, str | None]] = [
            (i.id, str(i.url), None, ARTICLE_MAX_BYTES, feeds.get(name, "")) for name, i in due
        ]
        unasked: set[str] = set()
        for item_id_, result in self.http.fetch_many(jobs, deadline_at=deadline_at).items():
            record: dict[str, str | None]
            if isinstance(result, OutOfTime):
                unasked.add(item_id_)
                continue
            if isinstance(result, SourceFailure):
                record = {"text": "", "status": result.status, "error": str(result), "day": day}
            else:
                text = article_summary(result.body, result.headers)
                record = {"text": text, "status": "ok" if text else "no_summary", "error": None, "day": day}
            self.repo.save_article(item_id_, record)
        logger.info("article texts fetched", pages=len(jobs) - len(unasked))
        return unasked

    def _with_article_text(self, item: Item) -> Item:
        if item.text:
            return item
        record = self.repo.article(item.id)
        text = str(record.get("text") or "") if record else ""
        return replace(item, text=text) if text else item

    def _stored_state(self, name: str, read: SourceState) -> SourceState:
        """A source's state as stored now, to write this fetch's answer onto: a fetch beside this one
        may have written it since this one ``read`` it (before asking the feeds). ``read`` itself when
        none is stored yet but ``read`` is its feed's state under a former name (``_renames_followed``)."""
        stored = self.repo.source_state(name)
        return read if _never_fetched(stored) and not _never_fetched(read) else stored

    def _record_failure(
        self, state_key: str, name: str, state: SourceState, failure: SourceFailure, now: datetime
    ) -> SourceStatus:
        state = self._stored_state(state_key, state)  # its status alone changed: the rest may be newer
        previous = state.status.consecutive_failures if state.status and not state.status.ok else 0
        status = SourceStatus(
            name, failure.status, str(failure), checked_at=now, consecutive_failures=previous + 1
        )
        self.repo.save_source_state(state_key, with_status(state, status))
        logger.warning("source failed", source=name, status=failure.status, reason=str(failure))
        return status

    def _board_validators(self, board: LeaderboardConfig, state: SourceState) -> Validators:
        """The validators of the stored snapshot's answer, unless it was fetched from another URL or for
        another category: then a 304 would keep a ranking the configuration no longer asks for."""
        from .leaderboard import date_settled, source_id

        stored = self.repo.leaderboard_snapshot(board.provider) or {}
        if stored.get("source") == source_id(board.provider, board.url, board.effective_category):
            # a date not settled (its publisher to be asked again) needs the file, not a 304
            return state.validators if date_settled(stored) else Validators()
        if not state.validators.empty:
            logger.info(
                "leaderboard source changed",
                provider=board.provider,
                category=board.effective_category,
                stored_category=stored.get("category"),
            )
        return Validators()

    def _store_leaderboard(
        self, state: SourceState, result: Response | SourceFailure, now: datetime, deadline_at: float | None
    ) -> SourceStatus:
        from .leaderboard import date_settled, kept_with

        board = self.config.leaderboard
        assert board is not None  # noqa: S101 - only called when configured
        name = board.name
        key = _board_key(board.provider)
        try:
            if isinstance(result, SourceFailure):
                raise result
            if result.not_modified:
                status = SourceStatus(name, "ok", not_modified=True, checked_at=now)
                self.repo.save_source_state(key, with_status(self._stored_state(key, state), status))
                return status
            snapshot = self._parse_leaderboard(result, now, deadline_at)
        except NotPublishedYet as failure:
            if self.repo.leaderboard_snapshot(board.provider) is None:  # nothing to show: say why
                return self._record_failure(key, name, state, failure, now)
            # not there yet by the run's clock (a scheduled fetch retried later, a committer's clock ahead,
            # an earlier --now): not taken this time, the stored ranking stays, no failure; no validators,
            # so that the next run downloads the file and dates it by its publisher
            status = SourceStatus(name, "ok", checked_at=now)
            stored = self._stored_state(key, state)
            self.repo.save_source_state(key, replace(with_status(stored, status), validators=Validators()))
            logger.info(
                "leaderboard not published by the run's clock", provider=board.provider, reason=str(failure)
            )
            return status
        except SourceFailure as failure:
            return self._record_failure(key, name, state, failure, now)
        # a file holding a snapshot not due yet is fetched in full again (no validators): a 304 would keep
        # the older ranking once that snapshot's day has come; so is a file whose date is not settled
        # (dated only by the day first seen), so that its publisher is asked for its date again (a 304
        # never asked: a rate limit on the first fetch left a year-old file undated)
        held_back = snapshot.pop("held_back")
        shown_date = self._newer_shown(snapshot)
        if shown_date is not None:  # the newer ranking stays; the file is downloaded in full next time
            status = SourceStatus(name, "ok", checked_at=now)
            self.repo.save_source_state(
                key, replace(with_status(self._stored_state(key, state), status), validators=Validators())
            )
            logger.warning(
                "leaderboard older than the one shown",
                provider=board.provider,
                snapshot_date=snapshot["snapshot_date"],
                shown_date=shown_date,
            )
            return status
        validators = result.validators if date_settled(snapshot) and not held_back else Validators()
        # the rankings before it kept with it: a day built after this fetch shows the one of its cutoff
        kept = kept_with(snapshot, self.repo.leaderboard_snapshot(board.provider))
        self.repo.save_leaderboard_snapshot(board.provider, kept)
        status = SourceStatus(name, "ok", fetched=len(snapshot["scores"]), checked_at=now)
        recorded = with_status(self._stored_state(key, state), status)  # its statuses before it kept
        self.repo.save_source_state(
            key,
            SourceState(
                validators=validators,
                status=status,
                fingerprint=snapshot["fingerprint"],
                status_history=recorded.status_history,
                status_history_whole=recorded.status_history_whole,
            ),
        )
        logger.info("leaderboard fetched", provider=board.provider, snapshot_date=snapshot["snapshot_date"])
        return status

    def _newer_shown(self, snapshot: Mapping[str, Any]) -> str | None:
        """The date of the stored ranking when a fetched one of the same source is another ranking and
        older (a CDN node not yet updated, a force-push, a run with an earlier clock), else None; the
        same ranking dated earlier is its publisher's date found (first dated the day first seen). A
        ranking shown under the day it was first seen is never newer: that day only bounds its date."""
        from .leaderboard import DATE_FIRST_SEEN, default_date_basis, ranking_fingerprint

        shown = self.repo.leaderboard_snapshot(snapshot["provider"])
        if shown is None or shown.get("source") != snapshot["source"]:
            return None
        if (shown.get("date_basis") or default_date_basis(snapshot["provider"])) == DATE_FIRST_SEEN:
            return None
        # its scores' fingerprint (a release before stored the whole file's digest as "fingerprint")
        if ranking_fingerprint(shown["scores"]) == snapshot["fingerprint"]:
            return None
        shown_date = datetime.fromisoformat(shown["snapshot_date"]).date()
        return shown_date.isoformat() if date.fromisoformat(snapshot["snapshot_date"]) < shown_date else None

    def _parse_leaderboard(
        self, result: Response, now: datetime, deadline_at: float | None
    ) -> dict[str, Any]:
        from .leaderboard import (
            DATE_FIRST_SEEN,
            DATE_FROM_FILE,
            DATE_PUBLISHED,
            content_fingerprint,
            latest_day,
            parse_snapshot,
            ranking_fingerprint,
            source_id,
            style_control,
        )

        board = self.config.leaderboard
        assert board is not None  # noqa: S101
        body = result.body
        if not body.strip():
            raise InvalidLeaderboard("the leaderboard file is empty")
        try:
            data = parse_json(body)
        except ValueError as exc:
            raise InvalidLeaderboard("the leaderboard file is not JSON") from exc
        snap = parse_snapshot(board.provider, data, board.effective_category, latest_day(now))
        fingerprint = ranking_fingerprint(snap.scores)
        file_fingerprint: str | None = content_fingerprint(body)
        snapshot_date, basis, published_at = snap.snapshot_date, DATE_FROM_FILE, None
        if snapshot_date is None:  # the file carries no date: its publisher's, else the day first seen
            previous = self.repo.leaderboard_snapshot(board.provider) or {}
            # the same ranking (its scores: a release before stored the file's digest as "fingerprint"),
            # or any ranking of the file the stored date is of (a category switched to), keeps that date;
            # and the file kept with it is the one that date is of
            same_file = file_fingerprint in (previous.get("file_fingerprint"), previous.get("fingerprint"))
            same_ranking = bool(previous) and ranking_fingerprint(previous["scores"]) == fingerprint
            if same_ranking or same_file:
                snapshot_date = datetime.fromisoformat(previous["snapshot_date"]).date()
                basis = previous.get("date_basis") or DATE_FIRST_SEEN
                published_at = previous.get("published_at")
                file_fingerprint = file_fingerprint if same_file else previous.get("file_fingerprint")
            else:
                snapshot_date, basis = now.astimezone(self.config.report.tz).date(), DATE_FIRST_SEEN
            # asked again until the publisher answers (rate limits pass); so is a publisher's date stored
            # without its time (before it was kept), which a run with an earlier clock cut to its own day
            if published_at is None:
                published = self._published_date(board.url, result.headers, now, deadline_at)
                if published is not None:
                    day, published_at = published
                    # a day first seen is kept when earlier: the file was there then
                    snapshot_date = min(day, snapshot_date) if basis == DATE_FIRST_SEEN else day
                    basis = DATE_PUBLISHED
        return {
            "provider": board.provider,
            "name": board.name,  # the heading of a day that shows it after a switch to another source
            "category": board.effective_category,
            "source": source_id(board.provider, board.url, board.effective_category),
            "style_control": style_control(board.provider, board.url, board.effective_category),
            "snapshot_date": snapshot_date.isoformat(),
            "date_basis": basis,
            "published_at": published_at,  # the publisher's time, when it dates the file
            "fingerprint": fingerprint,
            "file_fingerprint": file_fingerprint,
            "fetched_at": iso(now.astimezone(UTC)),
            "scores": snap.scores,
            "held_back": snap.held_back,  # not stored: whether to keep the answer's validators
        }

    def _published_date(
        self, url: str, headers: Mapping[str, str], now: datetime, deadline_at: float | None
    ) -> tuple[date, str] | None:
        """When an undated leaderboard file was published, its Last-Modified, else its latest commit: the
        day in the report's timezone and the time as stored. A time after ``now`` is a
        :class:`NotPublishedYet`: the file was not there at the run's clock (an earlier ``--now``)."""
        from .leaderboard import commit_time, github_commits_url, last_modified

        moment = last_modified(headers)
        api_url = github_commits_url(url) if moment is None else None
        if api_url is not None:
            try:
                answer = self.http.get(api_url, max_bytes=COMMIT_ANSWER_MAX_BYTES, deadline_at=deadline_at)
                moment = commit_time(parse_json(answer.body))
            except (SourceFailure, ValueError) as exc:
                logger.warning("leaderboard date unknown", url=api_url, reason=str(exc))
        if moment is None:
            return None
        if moment > now:
            raise NotPublishedYet(f"the leaderboard file was published at {iso(moment)}, after {iso(now)}")
        try:
            return moment.astimezone(self.config.report.tz).date(), iso(moment.astimezone(UTC))
        except OverflowError:  # a date such as 0001-01-01T00:00:00+14:00: before the calendar's first day
            logger.warning("leaderboard date unknown", url=url, reason="out of range")
            return None

    # -- editions --------------------------------------------------------------------------
    def build(self, now: datetime, *, summary_deadline_at: float | None = None) -> tuple[Edition, bool]:
        """The edition for the day of ``now``; (edition, True) when it had been built before.

        ``summary_deadline_at``: the ``time.monotonic()`` by which a model must have given the key points
        (the extractive ones stand in after it); None, as in the CLI: its configured ``timeout`` alone."""
        report = self.config.report
        day = now.astimezone(report.tz).date()
        existing = self.repo.load_edition(day)
        if existing is not None:
            return existing, True
        dates = self.check_buildable(day)
        previous = self.repo.load_edition(max(dates)) if dates else None
        published = self._published(day)
        kept = self._kept_cutoff(day, published)  # a rebuild: what was first seen since goes to the next day
        if kept is not None:
            logger.info("rebuilt up to the published cutoff", date=day.isoformat(), cutoff=iso(kept))
        cutoff = kept or now.astimezone(UTC)
        if previous is not None and cutoff <= previous.window_end:
            raise EditionError(
                f"cannot build {day}: its time {iso(cutoff)} is before the previous edition's cutoff"
            )
        start = previous.window_end if previous else first_edition_scan_start(cutoff, report.lookback_hours)
        unindexed = window_note(start, cutoff, report.tz)
        if unindexed:
            logger.warning(
                "edition window older than the seen index",
                date=day.isoformat(),
                start=iso(start),
                kept_days=SEEN_INDEX_DAYS,
            )
        candidates = self.repo.items_first_seen(start, cutoff, workers=self.config.fetch.workers)
        # a source renamed, not fetched under its new name yet, has its feed's state under the former name
        states = self._renames_followed(
            self.config.enabled_sources,
            {s.name: self.repo.source_state(s.name) for s in self.config.enabled_sources},
        )
        window = select_items(
            candidates,
            cutoff,
            previous.window_end if previous else None,
            report.lookback_hours,
            new_sources=self._new_sources(states, previous.window_end, candidates) if previous else None,
        )
        # a source removed or disabled since: its items left out
        window = self._configured(window, states, cutoff)
        if previous is not None:
            late = self._late_items(previous, states, cutoff)
            window = newest_first({i.id: i for i in window + late}.values())
        window = [self._with_article_text(item) for item in window]
        from .relevance import RelevanceFilter

        relevance = RelevanceFilter.from_config(self.config.filter)
        relevant = relevance.apply(window)  # newest first
        recent = self._under_current_names(self._recent_editions(previous, dates, cutoff), states)
        clusters, repeats, older = news_and_repeats(
            relevant, recent, report.max_items, report.dedupe_threshold
        )
        stories = [c.merged() for c in clusters]
        items, more, unlisted = split_shown(stories, older, report.max_items)
        if debug_enabled():  # -vv: why each item is in the edition or not
            self._explain(
                day,
                window=window,
                relevant=relevant,
                relevance=relevance,
                clusters=clusters,
                stories=stories,
                items=items,
                repeats=repeats,
            )
        # how each source went by the cutoff, and what it had carried by then (a day built late: not since)
        statuses, sources = self._statuses(states, cutoff, published)
        items, more, repeats = _credited(items, more, repeats, _shown_by(states, cutoff))
        considered = {i.id for i in candidates} | {i.id for i in window}  # before any filter
        check_publishable(
            day,
            cutoff.astimezone(report.tz),
            stories=len(items) + len(more) + len(repeats),
            sources=statuses,  # every one configured: those first fetched after the cutoff named too
            published=published,
            held=considered,
        )
        from .render import configured_shown_with  # the render's module: a fetch never loads it

        summary = self.summarizer.summarize(for_points(items), report.key_points, summary_deadline_at)
        board = self.current_leaderboard(cutoff)
        edition = Edition(
            date=day,
            title=report.title,
            timezone=report.timezone,
            generated_at=cutoff,
            window_start=previous.window_end if previous else None,
            window_end=cutoff,
            key_points=summary.points,
            items=tuple(items),
            sources=sources,
            leaderboard=board,
            leaderboard_status=self._leaderboard_status(cutoff, board),
            notes=tuple(note for note in (summary.note, unindexed) if note),
            considered=tuple(sorted(considered)),
            scanned_from=start,
            more=tuple(more),
            unlisted=unlisted,
            repeats=tuple(repeats),
            shown_with=configured_shown_with(self.config),
        )
        edition = self._revised(edition, previous, published, now)
        self._claim_successor(day, previous)
        if not self.repo.save_edition(edition):  # built concurrently: the first one stands
            stored = self.repo.load_edition(day)
            if stored is not None:
                return stored, True
        self._log_built(edition, candidates=len(window))
        return edition, False

    def _log_built(self, edition: Edition, candidates: int) -> None:
        """``edition built``; and ``leaderboard stale`` (WARNING) when its leaderboard is: readers are
        warned in the edition, the operator here (and by ``LeaderboardStaleAlarm`` on AWS), as a
        publisher that stopped updating its file fails nothing."""
        logger.info(
            "edition built",
            date=edition.date.isoformat(),
            items=len(edition.items),
            not_shown=edition.not_shown,
            repeats=len(edition.repeats),
            candidates=candidates,
        )
        stale = stale_leaderboard_days(edition, self.config)
        if stale and edition.leaderboard is not None:
            logger.warning(
                "leaderboard stale",
                provider=edition.leaderboard.provider,
                snapshot_date=edition.leaderboard.snapshot_date.isoformat(),
                age_days=stale,
            )

    def _recent_editions(
        self, previous: Edition | None, dates: Sequence[date], cutoff: datetime
    ) -> list[Edition]:
        """The editions a new one's stories are compared with, oldest first: the one before it
        (``previous``) and those cut within :data:`REPEATS_WITHIN` before ``cutoff``, at most
        :data:`REPEAT_EDITIONS` (a rebuilt day: only those before it)."""
        if previous is None:
            return []
        recent = [previous]
        for day in sorted((d for d in dates if d < previous.date), reverse=True)[: REPEAT_EDITIONS - 1]:
            edition = self.repo.load_edition(day)
            if edition is None or edition.window_end < cutoff - REPEATS_WITHIN:
                break
            recent.append(edition)
        return recent[::-1]

    def _claim_successor(self, day: date, previous: Edition | None) -> None:
        """Refuse to store ``day`` when another day's build starts from the same edition (a missed day
        built while the next one is): the first to claim it stands, the other's items wait for the
        edition after it. A day claimed but never stored (a build that died, a rebuild's gap) holds it
        until it is built again, or, never published, its claim deleted: a published day given up would
        have its items, mailed already, announced again in the edition after it."""
        after = previous.date if previous else None
        holder = self.repo.claim_successor(after, day)
        if holder == day:
            return
        what = f"the edition after {after}" if after else "the first edition"
        if self.repo.load_edition(holder) is not None:
            raise EditionError(f"cannot build {day}: {holder} was built meanwhile as {what}")
        if self.site.get(f"reports/{holder.isoformat()}.json") is not None:  # a rebuild under way or died
            raise EditionError(
                f"cannot build {day}: {holder} is being built as {what} (or its rebuild died: build "
                f"{holder} again; it is published, so it cannot be given up)"
            )
        raise EditionError(
            f"cannot build {day}: {holder} is being built as {what} (or its build died: build {holder} "
            f"again, or delete {successor_key(after)} from the raw store)"
        )

    def _published(self, day: date) -> dict[str, Any] | None:
        """The day's published JSON, what readers have of it; None when it was never published (an
        unreadable one counts as never published)."""
        key = f"reports/{day.isoformat()}.json"
        try:
            published = get_json(self.site, key)
        except StorageError as exc:
            logger.warning("published edition unreadable", key=key, reason=str(exc))
            return None
        return published if isinstance(published, dict) else None

    def _revised(
        self, edition: Edition, previous: Edition | None, published: dict[str, Any] | None, now: datetime
    ) -> Edition:
        """A day published before (rebuilt at ``now``: its stored edition deleted) is dated by when what it
        says last changed (``updated_at``): compared with its ``published`` JSON, what readers have, on what
        both say (:func:`says_the_same`: a JSON an older version wrote lacks fields it did not have)."""
        if published is None:
            return edition
        try:
            when = parse_iso(str(published.get("updated_at") or published["generated_at"]))
        except (KeyError, ValueError):
            return edition
        payload = json.loads(self.renderer.json(edition, previous))
        changed = not says_the_same(_compared(payload), _compared(published))
        revised = replace(edition, updated_at=revised_at(edition.generated_at, when, changed, rebuilt_at=now))
        if changed:
            logger.info("edition revised", date=edition.date.isoformat(), updated_at=iso(revised.updated))
        return revised

    @staticmethod
    def _explain(
        day: date,
        *,
        window: Sequence[Item],
        relevant: Sequence[Item],
        relevance: RelevanceFilter,
        clusters: Sequence[Cluster],
        stories: Sequence[Item],
        items: Sequence[Item],
        repeats: Sequence[Repeat],
    ) -> None:
        kept = {item.id for item in relevant}
        for item in window:
            if item.id not in kept:
                why = str(relevance.explain(item.title, item.text))
                logger.debug("item not relevant", item=item.id, source=item.source, title=item.title, why=why)
        shown = {item.id for item in items}
        repeated = {repeat.item.id for repeat in repeats}
        for group, story in zip(clusters, stories, strict=True):
            if len(group.items) > 1:
                logger.debug("items merged", item=story.id, title=story.title, sources=list(story.sources))
            if story.id not in shown and story.id not in repeated:
                logger.debug("item over max_items", item=story.id, source=story.source, title=story.title)
        for repeat in repeats:
            logger.debug(
                "item reported before",
                item=repeat.item.id,
                source=repeat.item.source,
                title=repeat.item.title,
                reported_on=repeat.reported_on.isoformat(),
                reported_item=repeat.reported_item,
            )
        logger.debug("edition window", date=day.isoformat(), window=len(window), relevant=len(relevant))

    def _late_items(
        self, previous: Edition, states: Mapping[str, SourceState], cutoff: datetime
    ) -> list[Item]:
        """Items first seen within the previous edition's span but committed after it was cut, which it
        would have held (the same rule: the archive of a feed new then is no news now either)."""
        if previous.considered is None:
            return []
        known = set(previous.considered)
        # What the previous edition scanned: an edition stored before ``scanned_from`` existed is
        # assumed to have used today's lookback_hours.
        lookback = self.config.report.lookback_hours
        start = (
            previous.window_start
            or previous.scanned_from
            or first_edition_scan_start(previous.window_end, lookback)
        )
        committed = self.repo.items_first_seen(
            start, previous.window_end, excluding=known, workers=self.config.fetch.workers
        )
        since = previous.window_start
        new_sources = self._new_sources(states, since, committed) if since else None
        late = self._configured(
            select_items(committed, previous.window_end, previous.window_start, lookback, new_sources),
            states,
            cutoff,
        )
        if late:
            logger.warning("late items taken into this edition", items=len(late), previous=str(previous.date))
        return late

    def _new_sources(
        self, states: Mapping[str, SourceState], since: datetime, items: Sequence[Item]
    ) -> dict[str, datetime | None]:
        """The sources whose feed was first fetched after ``since`` (``_first_fetched_after``), and the
        former names of those renamed since, which their items are stored under (``_configured``)."""
        new = _first_fetched_after(states, since)
        former = {i.source for i in items if i.source not in states}
        if new and former:
            feeds = {without_user_info(s.url): s.name for s in reversed(self.config.enabled_sources)}
            renamed = _renamed({name: self.repo.source_state(name) for name in former}, feeds)
            new.update({old: new[name] for old, name in renamed.items() if name in new})
        return new

    def _statuses(
        self, states: Mapping[str, SourceState], cutoff: datetime, published: Mapping[str, Any] | None
    ) -> tuple[tuple[SourceStatus, ...], tuple[SourceStatus, ...]]:
        """Each enabled source's status at ``cutoff`` (:func:`~ai_news_tracker.repository.status_at`: a day
        built late says how it went by then, not since), under its configured name; ``states`` as the build
        reads them, a renamed source's (nothing fetched under the new name yet) its former name's, as it
        has that name's items (an edition rebuilt after a rename said the source was never fetched). Those
        the day lists, second: all but a source first fetched after ``cutoff`` that the day as
        ``published`` does not name (added since: a day rebuilt after it listed it as 尚未抓取, a failure);
        one never fetched yet is listed, as not fetched, and one readers have so too."""
        named = published_sources(published)
        statuses = {
            name: replace(_status_or_never(state, name, cutoff), name=name) for name, state in states.items()
        }
        listed = tuple(
            status
            for name, status in statuses.items()
            if states[name].status is None or status_at(states[name], cutoff) is not None or name in named
        )
        return tuple(statuses.values()), listed

    def _configured(
        self, items: Sequence[Item], states: Mapping[str, SourceState], cutoff: datetime
    ) -> list[Item]:
        """``items`` but those only sources no longer configured (or disabled) carried: an edition names
        no source it does not list (a rebuild after a source was dropped, items it fetched before). A
        source renamed (its feed's URL now fetched under another name) still carries its items."""
        former = {i.source for i in items if i.source not in states}
        feeds = {without_user_info(s.url): s.name for s in reversed(self.config.enabled_sources)}
        renamed = _renamed({name: self.repo.source_state(name) for name in former}, feeds)
        kept = configured_carriers(items, _shown_by(states, cutoff), renamed)
        if len(kept) < len(items):
            logger.info("items of unconfigured sources left out", items=len(items) - len(kept))
        return kept

    def _under_current_names(
        self, editions: Sequence[Edition], states: Mapping[str, SourceState]
    ) -> list[Edition]:
        """``editions`` with the outlets of their stories under the names they are configured under now:
        a source renamed since is the same outlet, whose own later article is a follow-up, not a repeat
        (the repeat check compares outlets)."""
        stories = published_stories(editions)
        former = {name for item in stories for name in item.sources if name not in states}
        feeds = {without_user_info(s.url): s.name for s in reversed(self.config.enabled_sources)}
        renamed = _renamed({name: self.repo.source_state(name) for name in former}, feeds)
        if not renamed:
            return list(editions)

        def named(item: Item) -> Item:
            return replace(
                item,
                source=renamed.get(item.source, item.source),
                also_in=tuple(renamed.get(name, name) for name in item.also_in),
            )

        return [
            replace(e, items=tuple(map(named, e.items)), more=tuple(map(named, e.more))) for e in editions
        ]

    def check_buildable(self, day: date) -> list[date]:
        """Refuse a new day before an existing edition (its window was given away); the edition dates.

        A day whose edition is stored is fine at any time: a re-run publishes that edition again.
        """
        dates = self.repo.edition_dates()
        later = [d for d in dates if d > day]
        if later and day not in dates:
            raise EditionError(f"cannot build {day}: the edition of {later[0]} exists already")
        return dates

    def current_leaderboard(self, cutoff: datetime | None = None) -> Leaderboard | None:
        """The leaderboard an edition cut at ``cutoff`` shows (None: the newest stored), ranked: the newest
        ranking kept of the configured source that was first fetched by then (``leaderboard.shown_at``),
        so a day built after the next day's fetch (rebuilt, or published late) never shows a later one;
        else its first fetched after then (a day rebuilt after a configuration change: its run's)."""
        board = self.config.leaderboard
        if board is None or not board.enabled:
            return None
        # not at import: fetch never ranks
        from .leaderboard import build_leaderboard, default_date_basis, shown_at, source_id

        configured = source_id(board.provider, board.url, board.effective_category)
        stored = self.repo.leaderboard_snapshot(board.provider)
        snapshot = stored if cutoff is None else shown_at(stored, cutoff, configured)
        if snapshot is None:
            if stored is not None and cutoff is not None:  # the edition says so (render.board_missing)
                logger.info(
                    "leaderboard fetched after the cutoff", provider=board.provider, cutoff=iso(cutoff)
                )
            return None
        # of another file or category than configured (a switch whose fetch failed): under its own name
        other = snapshot.get("source") not in (None, configured)
        ranked = build_leaderboard(
            board.provider,
            {str(k): float(v) for k, v in snapshot["scores"].items()},
            datetime.fromisoformat(snapshot["snapshot_date"]).date(),
            board.top_n,
            board.domestic_n,
            date_basis=snapshot.get("date_basis") or default_date_basis(board.provider),
            category=snapshot.get("category"),  # the stored snapshot's: kept when a new one failed
            style_control=snapshot.get("style_control"),
            source=snapshot.get("source"),
            # one stored before names were (no "name"): the default's, never the new source's
            other_source=str(snapshot.get("name") or LeaderboardConfig.name) if other else None,
        )
        if not ranked.domestic and board.domestic_n > 0:  # the edition says so; the domestic rule may lag
            logger.warning(
                "no domestic model recognised",
                provider=ranked.provider,
                category=ranked.category,
                models_ranked=ranked.models_ranked,
            )
        return ranked

    def _leaderboard_status(self, cutoff: datetime, shown: Leaderboard | None) -> SourceStatus | None:
        """The leaderboard's status at ``cutoff`` (a day built late: how its fetch went by then), under its
        configured name; when it was not fetched by then but a ranking fetched since is ``shown`` (a day
        built again after the section was added: what its run fetched), the first good answer since."""
        board = self.config.leaderboard
        if board is None or not board.enabled:
            return None
        state = self.repo.source_state(_board_key(board.provider))
        status = status_at(state, cutoff)
        if status is None and shown is not None:
            later = (s for s in state.status_history if s.ok and s.checked_at and s.checked_at > cutoff)
            status = next(later, state.status)
        return replace(status or SourceStatus(board.name, "not_fetched", "never fetched"), name=board.name)

    def publish(self, edition: Edition) -> tuple[str, ...]:
        """Write the edition's files to the site store, then the pages that list the editions.

        ``reports/<day>.md``, ``.json`` and ``.html`` depend only on the edition, the one before it (the
        leaderboard's movements) and the day of the one after it (the page's 下一期 link), so a re-run
        writes the same bytes. The page of the edition before is written again first, to link forward to
        this one (it changes once, when the day after it is first published; a publish stopped after it
        leaves this day's files missing, and the one that writes them back writes it with them). Then
        ``index.html``, ``feed.xml``, ``latest.html``, ``latest.md``, ``404.html`` and ``assets/`` are
        written again from every stored edition (the archive and the feed from their summaries; the
        newest one is "latest", whichever day this run published), after the missing files of any other
        stored edition.

        When the raw store records an older layout of the pages than :data:`PAGES_VERSION` (none: pages
        published before versions were), or other settings than every page shows now
        (``Renderer.page_settings``: the site's address, the subscribe form's), the stored editions' pages
        are written again, as a publish of each writes it now, newest first and at most
        :data:`PAGES_REWRITTEN` a publish (a render must fit its time), with the oldest day written
        recorded; the version is recorded once none is left: a template change, or a site moved, reaches
        the pages of days long published, not only the day before this one.

        The editions are listed again once written: an edition stored meanwhile (another day's run,
        whose publish may have written before this one) has them written again with it, and the pages
        written again that it is next to; so has the newest edition stored again meanwhile (rebuilt, while
        an older day is published again), which the listing pages then show as rebuilt.
        """
        dates = self._dates_with(edition)
        batch, left = self._outdated_pages(edition, dates)
        keys: dict[str, None] = {}
        pages = batch
        for _ in range(PUBLISH_ROUNDS):
            written, newest = self._publish_pages(edition, dates, rewrite=pages)
            keys |= dict.fromkeys(written)
            listed = self._dates_with(edition)
            added = sorted(set(listed) - set(dates))
            if added:
                logger.info(
                    "editions stored meanwhile", date=edition.date.isoformat(), added=[str(d) for d in added]
                )
            elif self._stored_again(newest, edition):
                logger.info("newest edition stored again meanwhile", date=edition.date.isoformat())
            else:
                break
            pages = [day for day in batch if _neighbours(day, listed) != _neighbours(day, dates)]
            dates = listed
        else:
            logger.warning(
                "editions still being stored", date=edition.date.isoformat(), rounds=PUBLISH_ROUNDS
            )
        if left is not None:  # once the pages are written: a publish that failed before writes them again
            self._record_layout(batch, left)
        logger.info("edition published", date=edition.date.isoformat(), keys=list(keys))
        return tuple(keys)

    def _outdated_pages(self, edition: Edition, dates: Sequence[date]) -> tuple[list[date], int | None]:
        """The days whose page this publish writes again in the current layout, newest first (those of
        ``edition`` and the day before it, which every publish writes, aside), and how many are left for
        the next publish (None: the layout recorded is current, nothing is read).

        When they are not current, the settings recorded with the layout are dropped before any page is
        written (the pages show those and others from then on): settings set back to the recorded ones
        before every page is written again (a custom domain set, then removed a day later) find the
        layout not current too, and the pages written meanwhile are written again with them; so is the
        progress of an earlier rewrite with other settings forgotten, before any page is written (a publish
        that stopped after writing its pages leaves no record saying they have those)."""
        version, settings = self.repo.pages_layout()
        current = self.renderer.page_settings
        if version > PAGES_VERSION or (version == PAGES_VERSION and settings == current):
            return [], None
        if settings:  # once pages are written with others, no settings are what every page shows
            self.repo.save_pages_version(version)
            logger.info("pages settings withdrawn", version=version, settings=settings)
        since = self.repo.pages_rewritten_since(PAGES_VERSION, current)
        if since is None:  # a record left by a rewrite with other settings would, once they are set back,
            self.repo.forget_pages_rewritten()  # take the pages this publish writes for written with them
        written = {edition.date, *[d for d in dates if d < edition.date][-1:]}
        outdated = [d for d in reversed(dates) if (since is None or d < since) and d not in written]
        return outdated[:PAGES_REWRITTEN], len(outdated[PAGES_REWRITTEN:])

    def _record_layout(self, rewritten: Sequence[date], left: int) -> None:
        """The current layout recorded in the raw store when no page is left to write again in it, else
        the oldest day this publish wrote again (every later one's page is in it)."""
        settings = self.renderer.page_settings
        if left:
            self.repo.save_pages_rewritten_since(PAGES_VERSION, rewritten[-1], settings)
            logger.info(
                "pages layout progress recorded",
                version=PAGES_VERSION,
                settings=settings,
                since=str(rewritten[-1]),
                left=left,
            )
        else:
            self.repo.save_pages_version(PAGES_VERSION, settings)
            logger.info("pages layout recorded", version=PAGES_VERSION, settings=settings)

    def _stored_again(self, newest: Edition, published: Edition) -> bool:
        """Whether the newest edition the listing pages were rendered from was stored again since it was
        read (rebuilt: the runbook deletes it, builds it again and publishes it, which may have written
        its listing pages before this publish's). The day published is this publish's own, not read;
        a newest edition missing is being rebuilt, and its publish writes them after."""
        if newest is published:
            return False
        stored = self.repo.load_edition(newest.date)
        return stored is not None and stored != newest

    def _dates_with(self, edition: Edition) -> list[date]:
        return sorted(set(self.repo.edition_dates()) | {edition.date})

    def _publish_pages(
        self, edition: Edition, dates: Sequence[date], *, rewrite: Sequence[date] = ()
    ) -> tuple[tuple[str, ...], Edition]:
        """The edition's files and the listing pages, as of the stored editions ``dates``, and the pages
        of the days to ``rewrite`` (in a new layout); the keys written and the newest edition, which the
        listing pages were rendered from."""
        previous = self._edition_before(edition.date, dates, edition)
        keys: tuple[str, ...] = ()
        if previous is not None:
            # first: a publish stopped after it leaves this day's files missing, written back with it
            keys = self._put(self._forward_page(previous, edition.date, dates, edition))
        keys += self._put(self._edition_files(edition, previous, _day_after(edition.date, dates)))
        keys += self._backfill_pages(dates, edition)
        if rewrite:
            keys += self._rewrite_pages(rewrite, dates, edition, written=keys)
        newest = edition if dates[-1] == edition.date else self._load(dates[-1], edition)
        newest_previous = previous if newest is edition else self._edition_before(newest.date, dates, edition)
        summaries = self._summaries(dates, (edition, previous, newest, newest_previous))
        listing = {
            **self.renderer.assets(),
            "index.html": self.renderer.index(summaries),
            "404.html": self.renderer.not_found(),
            "feed.xml": self.renderer.feed(summaries),
            "latest.html": self.renderer.html(newest, newest_previous, at_root=True),
            "latest.md": self.renderer.markdown(newest),
        }
        return keys + self._put(listing), newest

    def _put(self, outputs: dict[str, str]) -> tuple[str, ...]:
        for key, text in outputs.items():
            self.site.put(key, text.encode("utf-8"), content_type=content_type_for(key))
        return tuple(outputs)

    def _load(self, day: date, known: Edition) -> Edition:
        """A stored edition (``known`` when it is that day's)."""
        if day == known.date:
            return known
        loaded = self.repo.load_edition(day)
        if loaded is None:
            raise EditionError(f"the stored edition of {day} has disappeared")
        return loaded

    def _edition_before(self, day: date, dates: Sequence[date], known: Edition) -> Edition | None:
        earlier = [d for d in dates if d < day]
        return self._load(earlier[-1], known) if earlier else None

    def _forward_page(
        self, edition: Edition, next_date: date, dates: Sequence[date], known: Edition
    ) -> dict[str, str]:
        """The page of ``edition``, linking forward to the edition of ``next_date``."""
        page = self.renderer.html(
            edition, self._edition_before(edition.date, dates, known), next_date=next_date
        )
        return {_page_key(edition.date): page}

    def _edition_files(
        self, edition: Edition, previous: Edition | None, next_date: date | None
    ) -> dict[str, str]:
        md, js, page = _edition_keys(edition.date)
        return {
            md: self.renderer.markdown(edition),
            js: self.renderer.json(edition, previous),
            page: self.renderer.html(edition, previous, next_date=next_date),
        }

    def _backfill_pages(self, dates: Sequence[date], known: Edition) -> tuple[str, ...]:
        """The files of each stored edition that lacks any (the index and the pages link to them), newest
        first, for at most :data:`BACKFILLED` days a publish: the next publishes find the others still
        missing and write them.

        An edition stored but never (wholly) published — a run that failed between the two — and the
        editions from before the web edition get their missing files, rendered as a re-run would; and
        the page of the edition before each, written again to link forward to it (its own publish would
        have).
        """
        present = set(self.site.list("reports/"))
        missing = [
            day
            for day in reversed(dates)
            if day != known.date and not all(name in present for name in _edition_keys(day))
        ]
        files: dict[str, str] = {}
        for day in missing[:BACKFILLED]:
            rendered = self._edition_files(
                self._load(day, known), self._edition_before(day, dates, known), _day_after(day, dates)
            )
            files |= {name: text for name, text in rendered.items() if name not in present}
            before = [d for d in dates if d < day]
            if before and _page_key(before[-1]) in present:  # (one missing gets the link when written)
                files |= self._forward_page(self._load(before[-1], known), day, dates, known)
        if files:
            logger.info("edition files backfilled", keys=sorted(files), days_left=len(missing[BACKFILLED:]))
        return self._put(files)

    def _rewrite_pages(
        self, outdated: Sequence[date], dates: Sequence[date], known: Edition, written: Collection[str]
    ) -> tuple[str, ...]:
        """The page of each ``outdated`` day but those ``written``, as a publish of it writes it: the
        pages' layout changed (:data:`PAGES_VERSION`). The .md and .json are left as they are: what they
        hold is the edition, which no layout changes (and readers may have compared them)."""
        days = [day for day in outdated if _page_key(day) not in written]
        renderer = self.renderer  # made once, before the threads share it

        def rewrite(day: date) -> str:
            page = renderer.html(
                self._load(day, known),
                self._edition_before(day, dates, known),
                next_date=_day_after(day, dates),
            )
            return self._put({_page_key(day): page})[0]

        keys = tuple(self._each_day(days, rewrite))
        logger.info("edition pages rewritten", version=PAGES_VERSION, pages=len(keys))
        return keys

    def _summaries(self, dates: Sequence[date], in_hand: Sequence[Edition | None]) -> list[EditionSummary]:
        """What the archive and the feed show of every edition: the summaries the last publish stored
        together (one object, read once), else the one stored beside each, read a few at a time (a
        publish reads no edition in full but those it renders), else made from the edition and stored;
        those of the editions ``in_hand`` (the day published, the newest day and the days before them)
        written again from them: the newest day is the one a rebuild stores
        anew, and a summary its build stored with it is written again by every publish while it is the
        newest or the one before. They are all stored together again when any of them changed."""
        renewed = {e.date: e for e in in_hand if e is not None}
        known = next(e for e in in_hand if e is not None)
        together = self.repo.load_summaries()  # one object, not one a day: a publish's reads stay flat
        # Only the newest day can be stored anew (a rebuild: an older one is refused), so a day before
        # the newest they hold is as they hold it; from that day on, the day's own summary is read (a
        # rebuild whose publish stopped, or made by a release that does not keep them together)
        settled = max(together, default=None)

        def summary(day: date) -> EditionSummary:
            kept = together.get(day) if settled is not None and day < settled else None
            stored = None if day in renewed else kept or self.repo.load_summary(day)
            if stored is not None:
                return stored
            made = (renewed.get(day) or self._load(day, known)).summary()
            self.repo.save_summary(made)
            return made

        summaries = self._each_day(dates, summary)
        if {s.date: s for s in summaries} != together:
            self.repo.save_summaries(summaries)
        return summaries

    def _each_day(self, days: Sequence[date], work: Callable[[date], _T]) -> list[_T]:
        """``work`` done for each day, a few days at a time (each reads its editions from the store)."""
        workers = max(1, min(self.config.fetch.workers, len(days)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="editions") as pool:
            return list(pool.map(work, days))

    def send_email(
        self,
        edition: Edition,
        *,
        dry_run: bool = False,
        asked: bool = False,
        recipients: Sequence[str] | None = None,
    ) -> SendReport | None:
        """The local email edition: one ``.eml`` per configured recipient in the outbox, never twice.

        ``[email] enabled`` is whether a run sends it; ``asked`` (the ``send`` command) sends it anyway,
        also an edition without items, which a run does not mail. ``recipients``: those of the configured
        ones it goes to (a run's: the day's, :meth:`_day_recipients`); None, all of them.
        """
        email = self.config.email
        if not (email.enabled or asked) or not email.recipients or self.outbox is None:
            return None
        if not edition.items and not asked:
            return None
        from .mail import send_edition

        return send_edition(
            edition,
            self.config,
            email.recipients if recipients is None else recipients,
            sender=None,
            outbox=self.outbox,
            sent_log=self.repo.store,
            web_url=self.config.report.page_url(edition.date),  # 在浏览器中阅读, when the site has an address
            unsubscribe_base=None,
            templates_dir=self.renderer.templates_dir,
            dry_run=dry_run,
        )

    def run(self, now: datetime) -> PublishReport:
        """One whole cycle: fetch everything, build the day's edition, publish it, email it; and email
        the editions of the days whose run was stopped (Ctrl-C, a crash) after it began to build them,
        before their mail was sent, once their pages are published (the sent log: never twice).

        A day's mail goes to the recipients of the first run that mailed it, those still configured (its
        owed record keeps them): a re-run, or the next run's delivery of a stopped one, mails no one
        added since, as on AWS an edition goes to the readers confirmed by its cut. A day before the
        newest edition is only published again: a run of it records none, so a day no run mailed is
        not mailed days late (``send`` mails a day to every recipient)."""
        day = now.astimezone(self.config.report.tz).date()
        dates = self.check_buildable(day)  # before fetching anything
        fetched = self.fetch(now) if self._fetches(day, dates, now) else None
        email = self.config.email
        mails = email.enabled and bool(email.recipients) and self.outbox is not None
        if mails and not (dates and day < dates[-1]):
            self.repo.owe_mail(day, email.recipients)
        edition, rebuilt = self.build(now)
        keys = self.publish(edition)
        owed, too_old = self._send_owed(day) if mails else ((), ())
        recipients, added_since, mailed = self._day_recipients(day) if mails else ([], [], True)
        sent = self.send_email(edition, recipients=recipients)
        if mails:
            self.repo.settle_mail(day)
        added = len(added_since) if sent is not None else 0
        never = bool(added) and not mailed
        return PublishReport(edition, keys, rebuilt, fetched, sent, owed, added, too_old, never)

    def _day_recipients(self, day: date) -> tuple[list[str], list[str], bool]:
        """The configured recipients ``day``'s mail goes to (those of its first run that mailed it), the
        others, each once: added since, or every one for a day no run mailed; and whether a run mailed it."""
        theirs = self.repo.mail_recipients(day)
        recipients: list[str] = []
        others: dict[str, str] = {}
        for recipient in self.config.email.recipients:
            key = recipient_key(recipient)
            if key in theirs:
                recipients.append(recipient)
            else:
                others.setdefault(key, recipient)
        return recipients, list(others.values()), bool(theirs)

    def _send_owed(self, day: date) -> tuple[tuple[SendReport, ...], tuple[date, ...]]:
        """The mail of the other days a run was stopped before sending, sent now, oldest first (a day
        without a stored edition owes none: its run stopped before storing it, its items go to the next);
        and the days owed more than ``OWED_MAIL_DAYS`` before ``day``, cleared unsent: a run with email
        off neither sends nor clears them, and news weeks old is no mail (``send --date`` mails it)."""
        reports: list[SendReport] = []
        too_old: list[date] = []
        for owed in self.repo.mail_owed():
            if owed == day:  # this run's own, sent after
                continue
            if (day - owed).days > OWED_MAIL_DAYS:
                logger.warning("owed email not sent", date=owed.isoformat(), days=(day - owed).days)
                self.repo.settle_mail(owed)
                too_old.append(owed)
                continue
            edition = self.repo.load_edition(owed)
            recipients = self._day_recipients(owed)[0]
            report = self.send_email(edition, recipients=recipients) if edition is not None else None
            self.repo.settle_mail(owed)
            if report is not None and (report.sent or report.failed or report.pending):
                logger.info("owed email sent", date=owed.isoformat(), sent=len(report.sent))
                reports.append(report)
        return tuple(reports), tuple(too_old)

    def _fetches(self, day: date, dates: Sequence[date], now: datetime) -> bool:
        """Whether a run of ``day`` at ``now`` fetches first. A day before the newest edition can only be
        published again: fetching with its clock would date what is fetched now (an undated leaderboard's
        first sight) in the past. A published day rebuilt with a clock not after its published cutoff
        neither: what is fetched would be first seen within the window it was mailed with, and the
        rebuild, not mailed, would take it in; the next fetch sees it after the cutoff."""
        if dates and day < dates[-1]:
            return False
        if day in dates:  # a re-run: what it fetches is first seen after the day's cutoff
            return True
        cutoff = self._kept_cutoff(day, self._published(day))
        if cutoff is None or now > cutoff:
            return True
        logger.info("rebuild fetches nothing", date=day.isoformat(), now=iso(now), cutoff=iso(cutoff))
        return False

    def _kept_cutoff(self, day: date, published: Mapping[str, Any] | None) -> datetime | None:
        """The cutoff a rebuild of ``day`` keeps: the one it was published with, when this raw store
        fetched by then. A raw store lost, emptied or new beside the published site fetched nothing by
        then: keeping that cutoff would date everything it fetches after the day and publish the day
        empty over what readers have, so the day is built at the run's time instead."""
        cutoff = published_cutoff(published)
        if cutoff is None:
            return None
        # the sources configured now and those the published day names (a source renamed since)
        names = {source.name for source in self.config.enabled_sources} | published_sources(published)
        states = [self.repo.source_state(name) for name in sorted(names)]
        if any(fetched_by(state, cutoff) for state in states):
            return cutoff
        logger.warning(
            "published cutoff not kept",
            date=day.isoformat(),
            cutoff=iso(cutoff),
            reason="no source of this raw store was fetched by then",
        )
        return None


_BOARD_JOB = "\x00leaderboard"
# The most article pages a source owes, in runs' worth of [fetch] article_fetches (100 by default): ten
# runs are 20 hours of the 2-hourly fetches, past which a page comes after its item's edition; a feed
# bringing more items without text than it may ask for has those owed longest dropped, not piled up.
ARTICLES_OWED_RUNS = 10
# How many days before a run's day a stopped run's mail may be of and still go out with it
OWED_MAIL_DAYS = 1
# The recent items of a renamed source's former state, kept before scopes were, read for its former name
RENAMED_READS = 20
PUBLISH_ROUNDS = 3  # a publish writes its pages again while other editions are stored meanwhile
# The layout of the dated pages (reports/<day>.html): bumped when a template change should reach every
# page published before it. The publishes that find an older version recorded in the raw store write
# every stored edition's page again, once, PAGES_REWRITTEN a publish. 1: the 下一期 link to the next edition.
# 2: the subscribe field's pattern (the address slips the endpoint refuses), movements and links named
# once for screen readers. 3: each item's links named after its story (a list of links tells them
# apart), the subscribe button outlined in forced colours. 4: a date never broken across lines at its
# hyphen ("2026-" / "11-15"), the header's link to the feed named "Atom 订阅" when there is no form.
# 5: the subscribe field a text one (inputmode email), which posts a Chinese input method's ＠ and 。
# and an internationalised domain as typed (type=email refused the first and made faß.de fass.de).
# 6: a story already reported's "首见 MM-DD" on one line ("首见 11-" / "18" on phones); a title or source
# with words after it isolated (<bdi>): a right-to-left one drew "36 ‹title› Kr", a time before its source.
# Each leaderboard row headed by its model (th scope=row), which a screen reader names with each cell.
PAGES_VERSION = 6
# The most pages a publish writes again in a new layout, the newest first (the likeliest to be opened):
# the render function has 60 s at 256 MB, about 1/7 of a CPU, and a year of pages took 3.3 s of CPU
# here; the rest are left to the next publishes (raw store: editions/site/pages-rewrite).
PAGES_REWRITTEN = 60
# The most stored editions a publish writes the missing files of (.md, .json, .html), the newest first:
# a year of them (a site bucket emptied, or made anew beside the raw one) took one publish about 2,900
# S3 calls one after the other (HEAD, PUT; the edition and the one before it read) and 2.5 s of CPU
# here, well over the render function's 60 s; the rest are left to the next publishes.
BACKFILLED = 30
ARTICLE_MAX_BYTES = 2_000_000  # an article page; its summary is in the head
COMMIT_ANSWER_MAX_BYTES = 200_000  # GitHub's answer about one commit is a few KB
CLUSTER_FACTOR = 10  # a day's duplicate merging looks at the newest max_items x this relevant items


def news_and_repeats(
    relevant: Sequence[Item], recent: Sequence[Edition], max_items: int, threshold: float
) -> tuple[list[Cluster], list[Repeat], list[Item]]:
    """A day's relevant items (newest first) split into its news, merged (newest first), its repeats, and
    its news too old to be merged, newest first.

    A story the ``recent`` editions published already (another outlet's later report) is no news: it is
    listed as a repeat, and takes no place among the stories shown or listed. The items are checked newest
    first until enough are news: the newest ``max_items`` x CLUSTER_FACTOR of those are merged, which
    bounds the work and memory of a day with thousands of items (bench/scale.py), and the next
    MORE_LISTED, which may be listed past them, are no repeat either."""
    from .dedupe import Published, cluster

    published = Published.of(published_stories(recent))
    merged = max_items * CLUSTER_FACTOR
    fresh, repeated, unchecked = split_repeats(
        relevant, lambda item: published.story_of(item, threshold), merged + MORE_LISTED
    )
    repeats = listed_repeats(repeated, recent, lambda group: [c.merged() for c in cluster(group, threshold)])
    return cluster(fresh[:merged], threshold), repeats, [*fresh[merged:], *unchecked]


def stale_leaderboard_days(edition: Edition, config: Config) -> int:
    """How old the edition's leaderboard is when its ``max_age_days`` (as built) calls it stale, else 0
    (:func:`~ai_news_tracker.render.board_stale_days`: the render's module, which a fetch never loads)."""
    from .render import board_stale_days

    return board_stale_days(edition, config)


def published_cutoff(published: Mapping[str, Any] | None) -> datetime | None:
    """The cutoff a day was published with (its JSON's ``window.end``), None when it was not published or
    its JSON does not say. A rebuild of the day keeps it: the day was mailed and is not mailed again, so
    an item first seen after it belongs to the next edition, which mails it."""
    window = published.get("window") if published is not None else None
    if not isinstance(window, dict):
        return None
    try:
        return parse_iso(str(window["end"])).astimezone(UTC)
    except (KeyError, ValueError):
        return None


def check_publishable(
    day: date,
    cutoff: datetime,
    *,
    stories: int,
    sources: Sequence[SourceStatus],
    published: Mapping[str, Any] | None,
    held: Collection[str],
) -> None:
    """Refuse (:class:`EditionError`) to publish a day of no ``stories`` when no source answered, and a
    day readers have (its ``published`` JSON) with items when the raw store holds none of them in the
    day's window (``held``: the ids of the items first seen in it, before any filter).

    Nothing to show and no source answered: nothing is published, so the next edition, whose window
    starts at the previous cutoff, catches up with everything (the leaderboard alone is no edition: it is
    not what the day's news is). A raw store that holds none of what readers have by ``cutoff`` was lost
    or emptied (in part or whole) or fetched again only after the time given: publishing would replace
    the day with what it is not. (A changed filter that leaves the day's items out is a rebuild: they
    are still held.)
    """
    if not stories and not any(s.ok for s in sources):
        failed = "; ".join(f"{s.name}: {s.error or s.status}" for s in sources) or "no feeds configured"
        raise EditionError(f"no edition for {day}: no news, no feed could be fetched ({failed})")
    before = published_ids(published)
    if before and before.isdisjoint(held):
        raise EditionError(
            f"cannot rebuild {day} at {cutoff.isoformat()}: readers have it with {len(before)}"
            f" {'story' if len(before) == 1 else 'stories'} and this raw store holds none of them by then"
            " (lost or emptied?); nothing was published. Rebuild it at a later time of that day, once the"
            f" fetches have stored its stories again (to publish it without them: delete reports/{day}.json"
            " from the site first)"
        )


def published_ids(published: Mapping[str, Any] | None) -> set[str]:
    """The ids of the stories a published day's JSON gives (``items`` and ``more_items``)."""
    ids: set[str] = set()
    for key in ("items", "more_items"):
        listed = (published or {}).get(key)
        for entry in listed if isinstance(listed, list) else ():
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                ids.add(entry["id"])
    return ids


def published_sources(published: Mapping[str, Any] | None) -> set[str]:
    """The names of the sources a published day's JSON lists (``sources[].name``)."""
    listed = (published or {}).get("sources")
    entries = listed if isinstance(listed, list) else []
    return {e["name"] for e in entries if isinstance(e, Mapping) and isinstance(e.get("name"), str)}


def _never_fetched(state: SourceState) -> bool:
    """Whether a source's state holds no good answer yet (none at all, or failures only)."""
    return state.url is None and state.first_fetched_at is None and not state.recent_ids


def _checked(state: SourceState) -> datetime:
    """When a source's state was last written by a fetch (the oldest time when it does not say)."""
    checked = state.status.checked_at if state.status is not None else None
    return checked or datetime.min.replace(tzinfo=UTC)


def _feed_validators(source: SourceConfig, state: SourceState) -> Validators:
    """The validators to send for a feed: those of its last answer, unless they came from another URL
    (the source moved: its first answer there must be whole, or the old feed's date would get a 304)."""
    return Validators() if _moved(source, state) else state.validators


def _new_feed(source: SourceConfig, state: SourceState) -> bool:
    """Whether a source's state holds no good answer of its feed yet: new to us, or its URL changed."""
    return (state.first_fetched_at is None and not state.recent_ids) or _moved(source, state)


def _moved(source: SourceConfig, state: SourceState) -> bool:
    """Whether a source now fetches another URL than the one its state is of (its ``moves`` to say)."""
    return state.url is not None and state.url != without_user_info(source.url)


def fetched_by(state: SourceState, moment: datetime) -> bool:
    """Whether the raw store had a good answer from the source at or before ``moment`` (a source
    established before ``first_fetched_at`` was kept counts when it showed anything)."""
    if state.first_fetched_at is not None:
        return state.first_fetched_at <= moment
    return bool(state.recent_ids)


def window_note(start: datetime, cutoff: datetime, tz: ZoneInfo) -> str | None:
    """The edition's note when its window starts more than :data:`~ai_news_tracker.config.SEEN_INDEX_DAYS`
    before its cutoff (an outage that long): on AWS the first-seen index of those days is gone, so items
    first seen then are not found. None when the window is within it."""
    if cutoff - start <= timedelta(days=SEEN_INDEX_DAYS):
        return None
    since = start.astimezone(tz).date().isoformat()
    return (
        f"本期涵盖自 {since} 以来首次抓取的资讯；抓取记录只保留 {SEEN_INDEX_DAYS} 天，"
        f"其中 {SEEN_INDEX_DAYS} 天前抓取的资讯可能未能收录。"
    )


def _first_fetched_after(states: Mapping[str, SourceState], since: datetime) -> dict[str, datetime | None]:
    """The sources whose feed was first fetched after ``since``: what they bring from it is new to us, not
    news. A source fetched before ``since`` whose URL changed after it, with when the new URL first
    answered (what it first saw before, its established URL brought); one first fetched after, None
    (whatever URLs it had since)."""
    new: dict[str, datetime | None] = {}
    for name, state in states.items():
        if state.first_fetched_at and state.first_fetched_at > since:
            new[name] = None
        elif moved := [when for when in state.moves if when > since]:
            new[name] = min(moved)  # the first move since: a feed tried and left meanwhile brings none
    return new


def _shown_by(states: Mapping[str, SourceState], cutoff: datetime) -> dict[str, tuple[str, ...]]:
    """The ids each configured source showed lately and had shown by ``cutoff``: the sources an item of
    an edition cut then is credited to (not one that carried it only since: a day built late)."""
    return {name: ids_shown_by(state, cutoff) for name, state in states.items()}


def _credited(
    items: Sequence[Item],
    more: Sequence[Item],
    repeats: Sequence[Repeat],
    carried: Mapping[str, Sequence[str]],
) -> tuple[list[Item], list[Item], list[Repeat]]:
    """An edition's stories (shown, listed, and reported before) each credited to the other sources that
    had carried that very item (``carried``: :func:`_shown_by`)."""
    credited = credit_carriers([repeat.item for repeat in repeats], carried)
    return (
        credit_carriers(items, carried),
        credit_carriers(more, carried),
        [replace(repeat, item=item) for repeat, item in zip(repeats, credited, strict=True)],
    )


def _carried_at(
    stored: SourceState, recent: Sequence[str], carried: Collection[str], now: datetime
) -> tuple[tuple[str, datetime], ...]:
    """A source's ``carried_at`` once it showed ``recent`` (its ids, the newest fetch's first) at ``now``,
    of which it showed ``carried`` for the first time and stored before (another source's items): those
    it keeps that it still remembers, and those first carried now."""
    kept = set(recent)
    pairs = [(id_, when) for id_, when in stored.carried_at if id_ in kept and id_ not in carried]
    return (*pairs, *((id_, now) for id_ in recent if id_ in carried))


def _renamed(former: Mapping[str, SourceState], feeds: Mapping[str, str]) -> dict[str, str]:
    """Each source no longer configured whose feed (the URL it was last fetched from) a configured source
    fetches now, to that source's name: a rename. A state stored before the URL was kept names none."""
    return {name: feeds[state.url] for name, state in former.items() if state.url and state.url in feeds}


def _page_key(day: date) -> str:
    return f"reports/{day.isoformat()}.html"


def _edition_keys(day: date) -> tuple[str, str, str]:
    """The day's files on the site: its .md, .json and .html."""
    base = f"reports/{day.isoformat()}"
    return f"{base}.md", f"{base}.json", f"{base}.html"


def _neighbours(day: date, dates: Sequence[date]) -> tuple[date | None, date | None]:
    """The editions around ``day``'s: what its page links to, besides its own."""
    return max((d for d in dates if d < day), default=None), _day_after(day, dates)


def _day_after(day: date, dates: Sequence[date]) -> date | None:
    """The first of ``dates`` after ``day``: the edition a day's page links forward to."""
    return min((d for d in dates if d > day), default=None)


def _status_or_never(state: SourceState, name: str, moment: datetime) -> SourceStatus:
    """A source's status at ``moment``, or that it was not fetched by then."""
    return status_at(state, moment) or SourceStatus(name, "not_fetched", "never fetched")


def _board_key(provider: str) -> str:
    return f"leaderboard:{provider}"


def says_the_same(new: Any, old: Any) -> bool:
    """Whether two editions' JSON say the same on what both have: objects on their common keys, arrays
    element by element (one of another length differs), the rest by value. A key only one of them has
    was added or dropped by another version of the format (``updated_at``, a source's ``more_items``,
    the leaderboard's ``category``), which changes nothing the day says."""
    if isinstance(new, dict) and isinstance(old, dict):
        return all(says_the_same(new[key], old[key]) for key in new.keys() & old.keys())
    if isinstance(new, list) and isinstance(old, list):
        return len(new) == len(old) and all(map(says_the_same, new, old))
    return bool(new == old)


def _compared(payload: dict[str, Any]) -> dict[str, Any]:
    """What of an edition's JSON tells whether a rebuild changed it: all but ``updated_at`` (what the
    comparison dates), its sources' ``items`` and ``more_items``, counts that follow from the items'
    ``sources`` (compared) and that the previous version counted otherwise (shown in full only), and its
    items' ``summary_truncated``, which follows from their ``summary`` (compared) and that the previous
    version measured otherwise (on the whole text, a byline counted). Stories' titles are compared as
    every format shows them (:func:`~ai_news_tracker.render.shown_title`), which the JSON gives since
    2026-12-01 (before: as the feed had them, runs of spaces and all)."""
    from .render import shown_title

    compared = {key: value for key, value in payload.items() if key != "updated_at"}
    for key, left_out in (("sources", ("items", "more_items")), ("items", ("summary_truncated",))):
        if isinstance(payload.get(key), list):
            compared[key] = [_without(entry, left_out) for entry in payload[key]]
    for key in ("items", "more_items", "reported_before"):
        if isinstance(compared.get(key), list):
            compared[key] = [
                {**entry, "title": shown_title(entry["title"])}
                if isinstance(entry, dict) and isinstance(entry.get("title"), str)
                else entry
                for entry in compared[key]
            ]
    return compared


def _without(entry: Any, keys: Collection[str]) -> Any:
    """An object of a JSON list without ``keys`` (anything else as it is)."""
    return {k: v for k, v in entry.items() if k not in keys} if isinstance(entry, dict) else entry


def local_stores(data_dir: str | Path) -> tuple[Store, Store]:
    """The raw and site stores of a local data folder."""
    root = Path(data_dir)
    return LocalStore(root / "raw"), LocalStore(root / "site")
