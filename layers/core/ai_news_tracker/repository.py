"""The raw store's domain view: items with their first-seen time, per-source state, editions.

Key layout (the same in ``<data-dir>/raw`` and in the raw S3 bucket)::

    items/<id>.json                         the item; created once, never overwritten (the commit point)
    seen/<YYYY-MM-DD>/<stamp>-<id>          first-seen index by UTC day; written just before the item
    sources/<source-key>.json               validators, last status and recent ids of one source, the
                                            statuses it changed to lately and when it first carried the
                                            items another source had first (a day built late: its cutoff's)
    articles/<id>.json                      an item's article-page summary, for feeds without text
    aliases/<alias-id>                      the id of the item an entry's guid, title and text name, when its
                                            guid is not its link (identity.guid_alias); written after it; and
                                            the id a link-less item's title and text name in its source
                                            (identity.content_alias)
    leaderboard/<provider>.json             the current leaderboard snapshot and how it was fetched, and the
                                            rankings before it (a day built late shows the one of its cutoff)
    editions/<YYYY-MM-DD>.json              each edition exactly as it was built
    editions/summaries/<YYYY-MM-DD>.json   what the archive and the feed show of it, written with it and by
                                            the publishes it is read for (SUMMARY_VERSION; made again when
                                            missing)
    editions/summaries/all.json             every day's summary in one object, as the last publish found
                                            them: it reads this one and not one a day (a cache: a day
                                            missing from it, or of another SUMMARY_VERSION, is read alone)
    editions/announced/<YYYY-MM-DD>.json    the announcement of that day's edition (its SNS message id):
                                            a day is announced once, however long after it is rendered again
    editions/successors/<YYYY-MM-DD>|first  the day of the edition after that one (or of the first): the
                                            claim its build made just before storing it, created once
    editions/site/pages-version             the layout version every dated page of the site was last
                                            written with (pipeline.PAGES_VERSION; absent: before versions),
                                            and a digest of the settings they show (site_url, subscribe_url…;
                                            none while they are written again)
    editions/site/pages-rewrite             the progress of writing them again in a newer one, a batch a
                                            publish: that version and settings, the oldest day written since
    mail/owed/<YYYY-MM-DD>, mail/done/…     a local run's mail of that day: owed from before its build, to
                                            the first such run's recipients (hashed), done once sent (a run
                                            stopped between leaves it to the next)

An index entry whose item was never created (a crash between the two writes), or whose item carries
another first-seen time (a lost race), is ignored, so every item is found in exactly one window.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from .errors import StorageError
from .identity import (
    content_alias,
    content_identity,
    guid_alias,
    identity_key,
    is_feed_scope,
    item_id,
    recipient_key,
    same_document,
)
from .log import get_logger
from .models import Edition, EditionSummary, Entry, Item, SourceStatus, Validators, iso, parse_iso
from .store import Store, dump_json, get_object, parse_json
from .text import collapse_whitespace, shorten

logger = get_logger()
_STAMP = "%Y%m%dT%H%M%S%fZ"
_T = TypeVar("_T")
# The layout of the edition summaries kept beside the editions: a summary of another is made again
SUMMARY_VERSION = 1
SUMMARIES_KEY = "editions/summaries/all.json"
EDITION_CENTURY = "20"  # every edition's day is of 2000-2099 (a clock's year is checked so)
RECENT_IDS = 1000  # ids a source remembers, to skip existence checks for items it showed before
# The aliases a source's shown items get: 1 guid aliases (identity.guid_alias), 2 content aliases of its
# link-less items too (identity.content_alias, since 2026-12-01)
ALIASES_VERSION = 2


@dataclass(frozen=True)
class SourceState:
    validators: Validators = field(default_factory=lambda: Validators(None, None))
    status: SourceStatus | None = None
    recent_ids: tuple[str, ...] = ()
    fingerprint: str | None = None  # the leaderboard's: its ranking's (leaderboard.ranking_fingerprint)
    last_new_at: datetime | None = None  # when the source last had an item not seen before
    # The aliases of the items it shows were written up to this ALIASES_VERSION (once, for older items)
    aliased: int = 0
    first_fetched_at: datetime | None = None  # its first good answer (None: before this was kept)
    # The feed URL of its last good answer, without user info: a source renamed keeps its items
    # (None: before this was kept)
    url: str | None = None
    # Items whose article page a run left unasked (its deadline, or past [fetch] article_fetches):
    # asked first at the next runs
    articles_owed: tuple[str, ...] = ()
    # What its link-less items are identified within (identity.feed_scope): set at its first fetch, kept
    # by a rename and by a URL change (None: before this was kept, the source's name)
    scope: str | None = None
    # Its first good answer at each URL it was pointed at after its first fetch, the last MOVES_KEPT
    # (``first_fetched_at`` kept: the source's): an edition takes the first of those after its window's
    # start, so a feed tried and left between two editions brings no archive either; () never moved, or
    # moved before 2026-12-02
    moves: tuple[datetime, ...] = ()
    # The status each change of what its fetches said began with (its status or error), oldest first, for
    # STATUS_DAYS before the last and the one in effect then (:func:`with_status`): a day built after its
    # cutoff says how the source went by then (:func:`status_at`); ``status_history_whole``: the first
    # status the source ever had is in it (the source was first fetched after the history was kept)
    status_history: tuple[SourceStatus, ...] = ()
    status_history_whole: bool = False
    # When it first showed each of its ``recent_ids`` that another source had shown first (or that it
    # had shown before those were kept), so that a day built late credits it only with what it carried by
    # its cutoff; none: its own items (their ``first_seen``), or shown before this was kept (2026-12-02)
    carried_at: tuple[tuple[str, datetime], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "validators": self.validators.to_dict(),
            "status": self.status.to_dict() if self.status else None,
            "recent_ids": list(self.recent_ids),
            "fingerprint": self.fingerprint,
            "last_new_at": iso(self.last_new_at) if self.last_new_at else None,
            "aliased": self.aliased,
            "first_fetched_at": iso(self.first_fetched_at) if self.first_fetched_at else None,
            "url": self.url,
            "articles_owed": list(self.articles_owed),
            "scope": self.scope,
            "moves": [iso(moved) for moved in self.moves],
            "status_history": [status.to_dict() for status in self.status_history],
            "status_history_whole": self.status_history_whole,
            "carried_at": {id_: iso(when) for id_, when in self.carried_at},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceState:
        status = data.get("status")
        return cls(
            validators=Validators.from_dict(data.get("validators") or {}),
            status=SourceStatus.from_dict(status) if status else None,
            recent_ids=tuple(data.get("recent_ids", [])),
            fingerprint=data.get("fingerprint"),
            last_new_at=parse_iso(data["last_new_at"]) if data.get("last_new_at") else None,
            aliased=int(data.get("aliased") or 0),  # true: guid aliases alone (version 1)
            first_fetched_at=parse_iso(data["first_fetched_at"]) if data.get("first_fetched_at") else None,
            url=data.get("url"),
            articles_owed=tuple(data.get("articles_owed", ())),
            scope=str(data["scope"]) if data.get("scope") is not None else None,
            moves=tuple(parse_iso(moved) for moved in data.get("moves") or ()),
            status_history=tuple(SourceStatus.from_dict(s) for s in data.get("status_history") or ()),
            status_history_whole=bool(data.get("status_history_whole")),
            carried_at=tuple((str(k), parse_iso(str(v))) for k, v in (data.get("carried_at") or {}).items()),
        )


# How long a source's statuses are kept before its last: a day is built late by days, not weeks (the
# leaderboard keeps a week of rankings: leaderboard.KEPT_RANKINGS); at most STATUSES_KEPT changes
STATUS_DAYS = 14
STATUSES_KEPT = 200


def _says(status: SourceStatus) -> tuple[str, str | None]:
    """What an edition says of a source's status: its word and its error."""
    return status.status, status.error


def with_status(state: SourceState, status: SourceStatus) -> SourceState:
    """``state`` with ``status`` its last, and in its ``status_history`` when it says something else than
    the one before (:func:`_says`): a history begun now starts with the status stored (in effect when it
    was checked), or none, the source's first (``status_history_whole``). Those before STATUS_DAYS before
    ``status`` are dropped but the one in effect then, and all but the last STATUSES_KEPT."""
    history, whole = state.status_history, state.status_history_whole
    if not history:
        before = state.status
        history = (before,) if before is not None and before.checked_at is not None else ()
        whole = before is None
    if not history or _says(history[-1]) != _says(status):
        history = (*history, status)
    if status.checked_at is not None:
        since = status.checked_at - timedelta(days=STATUS_DAYS)
        after = [i for i, s in enumerate(history) if s.checked_at is not None and s.checked_at > since]
        first = max(0, after[0] - 1 if after else len(history) - 1, len(history) - STATUSES_KEPT)
        history, whole = history[first:], whole and first == 0
    return replace(state, status=status, status_history=history, status_history_whole=whole)


def status_at(state: SourceState, moment: datetime) -> SourceStatus | None:
    """The status a source had at ``moment`` (an edition's cutoff): its last when checked by then, else
    the one its history has in effect then; None when it had none (a history kept since its first status
    has none by then: never fetched by then). When that is not known (its history begun after ``moment``:
    kept since 2026-12-02; or dropped, STATUS_DAYS before its last), its last."""
    last = state.status
    if last is None or last.checked_at is None or last.checked_at <= moment:
        return last
    then = [s for s in state.status_history if s.checked_at is not None and s.checked_at <= moment]
    if then:
        return then[-1]
    return None if state.status_history_whole else last


def ids_shown_by(state: SourceState, moment: datetime) -> tuple[str, ...]:
    """The ids of ``state``'s ``recent_ids`` it had shown by ``moment``: all but those it first showed
    after then that another source had first (``carried_at``)."""
    later = {id_ for id_, when in state.carried_at if when > moment}
    return tuple(id_ for id_ in state.recent_ids if id_ not in later) if later else state.recent_ids


MOVES_KEPT = 10  # a source's URL changes remembered: more than an operator makes between two editions


def source_key(name: str) -> str:
    """A storage-safe key for a source name (names may be Chinese)."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def _content(item: Item) -> tuple[str, str]:
    """What tells apart two items that share a link: their title and text, whitespace collapsed."""
    return collapse_whitespace(item.title), collapse_whitespace(item.text)


def _keeper(
    contents: list[tuple[str, str]], dates: list[datetime | None], stored: Item | None
) -> tuple[str, str] | None:
    """Of the contents of entries that share an identity (and their dates), the one of the item
    ``stored`` under it: the one with its title and text, else the only one with its title, else the
    only one with its text, of its date (a title or a text they share, "36氪快讯", "点击阅读全文",
    names none of them; a column's title, "AI日报", names not the next day's)."""
    if stored is None:
        return None
    content = _content(stored)
    if content in contents:
        return content
    for part in (0, 1):
        matching = {c for c, d in zip(contents, dates, strict=True) if c[part] == content[part]}
        if len(matching) == 1:
            (match,) = matching
            same_day = {d for c, d in zip(contents, dates, strict=True) if c == match}
            return match if same_day == {stored.published_at} else None
    return None


def make_item(
    source: str,
    entry: Entry,
    first_seen: datetime,
    feed_position: int | None = None,
    scope: str | None = None,
) -> Item:
    """``entry`` as an item of ``source``, a link-less one identified within ``scope`` (its feed's
    :func:`~ai_news_tracker.identity.feed_scope`; None: the source's name)."""
    identity = identity_key(entry.url, entry.guid, entry.title, entry.text, scope or source)
    return Item(
        id=item_id(identity),
        identity=identity,
        source=source,
        title=entry.title,
        text=entry.text,
        url=entry.url,
        published_at=entry.published_at,
        first_seen=first_seen.astimezone(UTC),
        feed_position=feed_position,
    )


class RawRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- items -----------------------------------------------------------------------------
    def record_entries(
        self,
        source: str,
        entries: Iterable[Entry],
        now: datetime,
        known: Iterable[str] = (),
        *,
        backfill_aliases: bool = False,
        scope: str | None = None,
    ) -> tuple[list[str], list[Item]]:
        """Store the entries not seen before. Returns (ids of every entry shown, the new items).

        Items are stored as ``source``'s; a link-less one is identified within ``scope``, its feed's
        (:func:`~ai_news_tracker.identity.feed_scope`, kept by a rename; None: the source's name), as
        are the aliases of its entries.

        The guid alias of an entry stored before but not ``known`` is written when missing (a fetch that
        stored the item died before its alias); with ``backfill_aliases`` those of every entry stored
        before (a source's first fetch since aliases exist), so a link they change later keeps them, and
        the content alias of each link-less one that shows the stored item's title and text (a read
        each)."""
        shown: list[str] = []
        new: list[Item] = []
        known_ids = set(known)
        entries = list(entries)
        within = scope or source
        items, by_content = self._told_apart(
            within, entries, [make_item(source, e, now, n, within) for n, e in enumerate(entries)]
        )
        for index, (entry, item) in enumerate(zip(entries, items, strict=True)):
            if item.id in shown:
                continue
            alias = guid_alias(
                entry.url, entry.guid, entry.title, within, published=entry.published_at, text=entry.text
            )
            by_guid = not item.identity.startswith("url:") and alias is not None
            content = content_alias(within, entry.title, entry.text, entry.published_at) if by_guid else None
            known_item = item.id in known_ids
            if known_item or self.store.get(_item_key(item.id)) is not None:
                shown.append(item.id)
                # Found in storage but not among the source's known ids: a fetch may have died between
                # the item's write and its alias's, so the alias is written when missing (one request);
                # an item without a link has had one only since 2026-12-01, so it gets it while shown
                unlinked = item.identity.startswith("guid:")
                if alias is not None and (backfill_aliases or not known_item or unlinked):
                    self.store.put_if_absent(_alias_key(alias), item.id.encode("ascii"))
                if content is not None and backfill_aliases and index not in by_content:
                    self._backfill_content_alias(content, item.id, item)
                continue
            earlier = self._stored_as(
                within, entry, item, (alias, content), known_ids,
                apart=index in by_content, backfill=backfill_aliases,
            )  # fmt: skip
            if earlier is not None:  # the same article under a new link or an older id: shown, not new
                if earlier not in shown:
                    shown.append(earlier)
                continue
            shown.append(item.id)
            if self._create(item):
                new.append(item)
                if alias is not None:
                    self.store.put_if_absent(_alias_key(alias), item.id.encode("ascii"))
                if content is not None:
                    self.store.put_if_absent(_alias_key(content), item.id.encode("ascii"))
        return shown, new

    def _stored_as(
        self,
        scope: str,
        entry: Entry,
        item: Item,
        aliases: tuple[str | None, str | None],
        known_ids: set[str],
        *,
        apart: bool,
        backfill: bool,
    ) -> str | None:
        """The id this entry's article was stored under before, when not under ``item``'s own: the one
        its guid alias names (``aliases``: its guid alias and its content alias, either None when it has
        none), or one an older release gave it. One told ``apart`` from entries sharing its guid is
        found by its content alias: its guid's alias, written when an article was taken for the one
        under it, names none. ``scope``: what its feed's link-less items are identified within."""
        alias, content = aliases
        earlier = self._aliased(content if apart else alias)
        legacy = None if earlier else self._stored_before_feed_scoped_guids(scope, item.identity, known_ids)
        if legacy is not None:
            earlier = legacy
            if content is not None and backfill:
                self._backfill_content_alias(content, legacy, item)
        if earlier is None and apart:
            earlier = self._stored_under_shared_guid(scope, entry, item)
            if earlier is not None and content is not None:
                self.store.put_if_absent(_alias_key(content), earlier.encode("ascii"))
        return earlier or self._linked_by_guid(scope, entry, known_ids)

    def _told_apart(
        self, scope: str, entries: Sequence[Entry], items: list[Item]
    ) -> tuple[list[Item], set[int]]:
        """``items`` with those that share one link, or one guid for want of a link, but not their title
        and text identified apart; and the indices of those identified apart from a shared guid.

        A feed may link every entry to the same page (a newsflash list, a bridge's account page): the
        link cannot tell them apart, so all but one are identified by their guid (unless they share that
        too), else their content (:func:`identity_key` without the link). A feed may give every link-less
        entry one guid ("0"): all but one are identified by their content (:func:`content_identity`).
        The one that keeps the shared identity is the one stored under it (:func:`_keeper`), else, when
        nothing is stored under it, the oldest in the feed, so that a later fetch makes the same choice;
        of a shared guid, none keeps it when what is stored under it is not in the fetch (the guid names
        an article the feed no longer shows). One read per such link or guid (two for a guid whose feed
        was stored before guids were scoped to it); none for a feed whose links and guids differ."""
        groups: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            if item.identity.startswith(("url:", "guid:")):
                groups.setdefault(item.id, []).append(index)
        result = list(items)
        by_content: set[int] = set()
        for shared, members in groups.items():
            contents = [_content(items[i]) for i in members]
            if len(set(contents)) < 2:
                continue
            by_link = items[members[0]].identity.startswith("url:")
            stored = self._stored_under(scope, shared, items[members[0]])
            keeper = _keeper(contents, [entries[i].published_at for i in members], stored)
            if keeper is None and (by_link or stored is None):
                keeper = contents[-1]  # the oldest in the feed
            apart = [i for i in members if _content(items[i]) != keeper]
            # a guid that the others share tells them apart no better than the link ("0" for all)
            contents_of: dict[str, set[tuple[str, str]]] = {}
            for index in apart:
                contents_of.setdefault((entries[index].guid or "").strip(), set()).add(_content(items[index]))
            for index in apart:
                entry = entries[index]
                mark = (entry.guid or "").strip()
                if by_link and (not mark or len(contents_of[mark]) == 1):
                    identity = identity_key(None, entry.guid, entry.title, entry.text, scope)
                else:
                    identity = content_identity(entry.title, entry.text, entry.published_at)
                    by_content.add(index)
                result[index] = replace(items[index], id=item_id(identity), identity=identity)
        return result, by_content

    def _stored_under(self, scope: str, shared: str, item: Item) -> Item | None:
        """The item stored under the id ``shared`` that ``item`` has; for a link-less item, the one this
        feed stored under its guid alone before guids were scoped to their feed, for want of it."""
        stored = self.get_item(shared)
        if stored is None and item.identity.startswith("guid:"):
            legacy = self._stored_before_feed_scoped_guids(scope, item.identity, set())
            stored = self.get_item(legacy) if legacy is not None else None
        return stored

    def _backfill_content_alias(self, content: str, stored_id: str, item: Item) -> None:
        """Write the content alias of the item ``stored_id``, stored before content aliases, when the
        entry ``item`` was made of shows its title and text (another's shown under its guid would take
        it)."""
        stored = self.get_item(stored_id)
        if stored is not None and _content(stored) == _content(item):
            self.store.put_if_absent(_alias_key(content), stored_id.encode("ascii"))

    def _aliased(self, alias: str | None) -> str | None:
        """The id of the stored item ``alias`` names, if any."""
        if alias is None:
            return None
        data = self.store.get(_alias_key(alias))
        return data.decode("ascii", "replace") if data else None

    def _stored_before_feed_scoped_guids(self, scope: str, identity: str, known_ids: set[str]) -> str | None:
        """The id a link-less item had before guids were scoped to their feed, when this feed stored it.

        Releases before 2026-11-30 06:57 identified such an entry by ``guid:`` + its guid alone; its
        item stays that one after the upgrade (read only: nothing is moved or rewritten). None for a
        feed first fetched since (``scope``, a feed's: :func:`~ai_news_tracker.identity.is_feed_scope`)."""
        prefix = f"guid:{scope}\n"
        if is_feed_scope(scope) or not identity.startswith(prefix):
            return None
        legacy = item_id("guid:" + identity[len(prefix) :])
        if legacy in known_ids:
            return legacy
        stored = self.get_item(legacy)
        return legacy if stored is not None and stored.source == scope else None

    def _stored_under_shared_guid(self, scope: str, entry: Entry, item: Item) -> str | None:
        """The id of the item this entry's article was stored as under the guid it shares with others
        of its fetch, by a release before they were told apart by their content (2026-12-01: a feed
        giving one link and guid "0" to all), when it holds this entry's title and text (None for a feed
        first fetched since, ``scope`` a feed's)."""
        mark = (entry.guid or "").strip()
        if not mark or is_feed_scope(scope):
            return None
        for name in (scope, ""):  # within its feed; before 2026-11-30, by the guid alone
            id_ = item_id(identity_key(None, mark, "", "", name))
            stored = self.get_item(id_)
            if stored is not None and stored.source == scope and _content(stored) == _content(item):
                return id_
        return None

    def _linked_by_guid(self, scope: str, entry: Entry, known_ids: set[str]) -> str | None:
        """The id an entry linked by its permalink guid had when its <link> was empty, if this feed
        stored it then.

        Releases before 2026-12-01 15:00 took an empty <link> for the entry's link, so its guid did not
        stand for it: the entry was identified by its guid within its feed (before 2026-11-30, by its
        guid alone). Its item stays that one after the upgrade (read only: nothing is moved or rewritten).
        None for a feed first fetched since (``scope`` a feed's)."""
        mark = (entry.guid or "").strip()
        if entry.url is None or is_feed_scope(scope) or not same_document(entry.url, mark):
            return None
        scoped, alone = (item_id(identity_key(None, mark, "", "", name)) for name in (scope, ""))
        if scoped in known_ids or alone in known_ids:
            return scoped if scoped in known_ids else alone
        return scoped if self.store.get(_item_key(scoped)) is not None else None

    def _create(self, item: Item) -> bool:
        stamp = item.first_seen.strftime(_STAMP)
        index_key = f"seen/{item.first_seen.date().isoformat()}/{stamp}-{item.id}"
        self.store.put(index_key, b"")
        return self.store.put_if_absent(_item_key(item.id), dump_json(item.to_dict()))

    def get_item(self, item_id_: str) -> Item | None:
        return self._load(_item_key(item_id_), "item", Item.from_dict)

    def items_first_seen(
        self, after: datetime, until: datetime, *, excluding: Collection[str] = (), workers: int = 1
    ) -> list[Item]:
        """Items whose first-seen time t satisfies after < t <= until, in the index's order; those whose
        ids are in ``excluding`` are not read. ``workers`` items are read at a time (each a request on
        S3: one after another, a window of 150 items took seconds at the render function's CPU)."""
        wanted = [(stamp, id_) for stamp, id_ in self._index_between(after, until) if id_ not in excluding]

        def read(entry: tuple[datetime, str]) -> Item | None:
            stamp, id_ = entry
            item = self.get_item(id_)
            return item if item is not None and item.first_seen == stamp else None

        if workers <= 1 or len(wanted) < 2:
            found = [read(entry) for entry in wanted]
        else:
            with ThreadPoolExecutor(
                max_workers=min(workers, len(wanted)), thread_name_prefix="items"
            ) as pool:
                found = list(pool.map(read, wanted))
        return [item for item in found if item is not None]

    def _index_between(self, after: datetime, until: datetime) -> Iterator[tuple[datetime, str]]:
        day = after.astimezone(UTC).date()
        last = until.astimezone(UTC).date()
        while day <= last:
            for key in self.store.list(f"seen/{day.isoformat()}/"):
                name = key.rsplit("/", 1)[1]
                raw_stamp, _, id_ = name.partition("-")
                try:
                    stamp = datetime.strptime(raw_stamp, _STAMP).replace(tzinfo=UTC)
                except ValueError:
                    continue
                if after < stamp <= until:
                    yield stamp, id_
            day += timedelta(days=1)

    # -- article texts ---------------------------------------------------------------------
    def article(self, item_id_: str) -> dict[str, Any] | None:
        """The cached article-page summary of an item: {"text", "status", "day", "error"}."""
        return get_object(self.store, f"articles/{item_id_}.json")

    def save_article(self, item_id_: str, record: dict[str, Any]) -> None:
        self.store.put(f"articles/{item_id_}.json", dump_json(record))

    # -- sources ---------------------------------------------------------------------------
    def source_state(self, name: str) -> SourceState:
        state = self._load(f"sources/{source_key(name)}.json", "source state", SourceState.from_dict)
        return state if state is not None else SourceState()

    def other_source_states(self, names: Iterable[str]) -> list[SourceState]:
        """The stored states of the sources not named in ``names`` (renamed or removed since; and the
        leaderboard's), read only when a configured source has none: its feed may be one of theirs."""
        configured = {f"sources/{source_key(name)}.json" for name in names}
        states = []
        for key in self.store.list("sources/"):
            if key not in configured and key.endswith(".json"):
                state = self._load(key, "source state", SourceState.from_dict)
                if state is not None:
                    states.append(state)
        return states

    def save_source_state(self, name: str, state: SourceState) -> None:
        self.store.put(f"sources/{source_key(name)}.json", dump_json(state.to_dict()))

    # -- leaderboard -----------------------------------------------------------------------
    def leaderboard_snapshot(self, provider: str) -> dict[str, Any] | None:
        return self._load(f"leaderboard/{provider}.json", "leaderboard snapshot", _snapshot)

    def save_leaderboard_snapshot(self, provider: str, snapshot: dict[str, Any]) -> None:
        self.store.put(f"leaderboard/{provider}.json", dump_json(snapshot))

    # -- editions --------------------------------------------------------------------------
    def edition_dates(self) -> list[date]:
        dates = []
        # "editions/20": the editions alone (their days are of 2000-2099, as the clock's year must be), not
        # the summaries, claims and markers beside them, which made a listing three times as long
        for key in self.store.list(f"editions/{EDITION_CENTURY}"):
            name = key.removeprefix("editions/")
            if "/" in name or not name.endswith(".json"):  # a successor claim
                continue
            try:
                dates.append(date.fromisoformat(name.removesuffix(".json")))
            except ValueError:
                continue
        return sorted(dates)

    def load_edition(self, day: date) -> Edition | None:
        return self._load(f"editions/{day.isoformat()}.json", "edition", Edition.from_dict)

    def load_summary(self, day: date) -> EditionSummary | None:
        """What the archive and the feed show of the stored edition of ``day``, as a publish stored it
        beside it (``editions/summaries/<day>.json``); None when there is none of this
        :data:`SUMMARY_VERSION` (made again from the edition: one unreadable is logged and made again)."""
        try:
            data = get_object(self.store, _summary_key(day))
            if data is None or data.get("version") != SUMMARY_VERSION:
                return None
            return EditionSummary.from_dict(data)
        except (StorageError, *SHAPE_ERRORS) as exc:
            logger.warning("edition summary not read", date=day.isoformat(), reason=str(exc)[:200])
            return None

    def load_summaries(self) -> dict[date, EditionSummary]:
        """Every day's summary as the last publish stored them together (``editions/summaries/all.json``);
        none when it is missing, unreadable (logged) or of another :data:`SUMMARY_VERSION`."""
        try:
            data = get_object(self.store, SUMMARIES_KEY)
            if data is None or data.get("version") != SUMMARY_VERSION:
                return {}
            summaries = [EditionSummary.from_dict(entry) for entry in data["summaries"]]
        except (StorageError, *SHAPE_ERRORS) as exc:
            logger.warning("edition summaries not read", reason=str(exc)[:200])
            return {}
        return {summary.date: summary for summary in summaries}

    def save_summaries(self, summaries: Iterable[EditionSummary]) -> None:
        entries = [summary.to_dict() for summary in summaries]
        self.store.put(SUMMARIES_KEY, dump_json({"version": SUMMARY_VERSION, "summaries": entries}))

    def announcement(self, day: date) -> str | None:
        """The SNS message id the edition of ``day`` was announced with, when it was."""
        data = get_object(self.store, _announcement_key(day))
        return None if data is None else str(data.get("message_id") or "")

    def save_announcement(self, day: date, message_id: str) -> None:
        self.store.put(_announcement_key(day), dump_json({"message_id": message_id}))

    def save_summary(self, summary: EditionSummary) -> None:
        self.store.put(
            _summary_key(summary.date), dump_json({"version": SUMMARY_VERSION, **summary.to_dict()})
        )

    def save_edition(self, edition: Edition) -> bool:
        """Record an edition, and its summary beside it (a day rebuilt has it before its publish); False
        when one for that day exists already (it is never replaced)."""
        if not self.store.put_if_absent(
            f"editions/{edition.date.isoformat()}.json", dump_json(edition.to_dict())
        ):
            return False
        self.save_summary(edition.summary())
        return True

    def claim_successor(self, previous: date | None, day: date) -> date:
        """Claim the edition after ``previous`` (None: the first edition) for ``day``; the day holding
        the claim: ``day`` when this call made it or made it before, else the other build's day.

        Two builds of different days starting from the same edition would give them overlapping
        windows; only the build whose day holds the claim may store its edition."""
        key = successor_key(previous)
        for _ in range(2):  # not readable yet (S3 answers 409 to a write racing ours), or deleted meanwhile
            if self.store.put_if_absent(key, day.isoformat().encode("ascii")):
                return day
            data = self.store.get(key)
            if data is not None:
                try:
                    return date.fromisoformat(data.decode("ascii", "replace").strip())
                except ValueError as exc:
                    raise StorageError(f"stored claim {key!r} does not name a day") from exc
        raise StorageError(f"cannot claim {key!r}: it exists but cannot be read")

    # -- a local run's mail -----------------------------------------------------------------
    def owe_mail(self, day: date, recipients: Iterable[str]) -> None:
        """Record that a run of ``day`` mails its edition, before it is built, and to whom: the first
        such run's recipients, hashed as the sent log names them (:meth:`mail_recipients`); a run stopped
        before :meth:`settle_mail` leaves it to the next run."""
        ids = sorted({recipient_key(recipient) for recipient in recipients})
        self.store.put_if_absent(f"{MAIL_OWED}{day.isoformat()}", dump_json({"recipients": ids}))

    def mail_recipients(self, day: date) -> frozenset[str]:
        """The hashed recipients of the first run that mailed ``day`` (none when no run did: a day built
        with email off), to whom alone a run mails it (:func:`ai_news_tracker.identity.recipient_key`)."""
        key = f"{MAIL_OWED}{day.isoformat()}"
        data = get_object(self.store, key)  # {}: a value in its place, never taken for its absence
        ids = [] if data is None else data.get("recipients")
        if not isinstance(ids, list) or not all(isinstance(one, str) for one in ids):
            raise StorageError(f"stored object {key!r} names no recipients")
        return frozenset(ids)

    def settle_mail(self, day: date) -> None:
        """Record that the mail of ``day`` was sent (or that there was none to send)."""
        self.store.put_if_absent(f"{MAIL_DONE}{day.isoformat()}", b"")

    def mail_owed(self) -> list[date]:
        """The days whose run was stopped before it mailed their edition, oldest first."""
        done = {key.removeprefix(MAIL_DONE) for key in self.store.list(MAIL_DONE)}
        days = []
        for key in self.store.list(MAIL_OWED):
            name = key.removeprefix(MAIL_OWED)
            with contextlib.suppress(ValueError):  # not a day: no run's
                if name not in done:
                    days.append(date.fromisoformat(name))
        return sorted(days)

    # -- the site's pages -----------------------------------------------------------------
    def pages_version(self) -> int:
        """The layout version every published page was last written with (0: none recorded, pages
        published before versions were; an unreadable record too: writing them again is always safe)."""
        return self.pages_layout()[0]

    def pages_layout(self) -> tuple[int, str]:
        """The layout version every published page was last written with, and the digest of the settings
        they show (``render.Renderer.page_settings``; "": none recorded, a release before it was)."""
        data = self.store.get(PAGES_VERSION_KEY)
        version, _, settings = (data or b"").decode("ascii", "replace").strip().partition(" ")
        try:
            return (int(version) if version else 0), settings
        except ValueError:
            return 0, ""

    def save_pages_version(self, version: int, settings: str = "") -> None:
        """``version`` and ``settings`` recorded as ``"<version> <settings>"``: a release that records
        the version alone reads that as no version, and writes every page again."""
        self.store.put(PAGES_VERSION_KEY, f"{version} {settings}".strip().encode("ascii"))

    def pages_rewritten_since(self, version: int, settings: str = "") -> date | None:
        """The oldest day whose page was written again in layout ``version`` with ``settings``, as were
        those of every later day (None: none yet, or in another layout; an unreadable record too:
        writing them again is always safe)."""
        data = self.store.get(PAGES_REWRITE_KEY)
        try:
            progress = parse_json(data) if data else None
            if (
                isinstance(progress, dict)
                and progress.get("version") == version
                and progress.get("settings", "") == settings
            ):
                return date.fromisoformat(str(progress["since"]))
        except (KeyError, ValueError):
            pass
        return None

    def forget_pages_rewritten(self) -> None:
        """No day's page recorded as written again (pages are about to be written with other settings or
        in another layout than a progress record names: a later publish with those must not take them
        for written with them). Nothing is written where no progress is recorded (a fresh store)."""
        forgotten = dump_json({"version": 0, "since": date.min.isoformat()})
        if self.store.get(PAGES_REWRITE_KEY) not in (None, forgotten):
            self.store.put(PAGES_REWRITE_KEY, forgotten)

    def save_pages_rewritten_since(self, version: int, day: date, settings: str = "") -> None:
        progress = {
            "version": version,
            "since": day.isoformat(),
            **({"settings": settings} if settings else {}),
        }
        self.store.put(PAGES_REWRITE_KEY, dump_json(progress))

    # -- reading -----------------------------------------------------------------------------
    def _load(self, key: str, what: str, read: Callable[[dict[str, Any]], _T]) -> _T | None:
        """The object stored under ``key`` as ``read`` makes it (None: no such key). One of another
        shape (a hand edit, a bad restore, a sync cut short that still parses) is a :class:`StorageError`
        naming the key, as one that is no JSON object is: never taken for absent, never a traceback."""
        data = get_object(self.store, key)
        if data is None:
            return None
        try:
            return read(data)
        except SHAPE_ERRORS as exc:
            reason = shorten(f"{type(exc).__name__}: {exc}", SHAPE_REASON_CHARS)
            raise StorageError(f"stored object {key!r} is not a valid {what} ({reason})") from exc


# What reading a stored object of another shape raises: a missing key, a list for an object, text for a
# time or a count, Infinity for a count; the reason is cut, the value it quotes may be long
SHAPE_ERRORS = (AttributeError, KeyError, OverflowError, TypeError, ValueError)
SHAPE_REASON_CHARS = 200


def _snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """A stored leaderboard snapshot, checked for what the pipeline reads of it and of each ranking it
    keeps from before (``earlier``): its date, when it was first fetched and its scores by model (the
    rest is read where it is used, as absent when it is missing)."""
    for ranking in (data, *data.get("earlier", ())):
        datetime.fromisoformat(ranking["snapshot_date"])
        if ranking.get("first_fetched_at") is not None:
            parse_iso(ranking["first_fetched_at"])
        for score in ranking["scores"].values():
            float(score)
    return data


# Under editions/, which the render function alone writes; in a folder, so never taken for an edition
PAGES_VERSION_KEY = "editions/site/pages-version"
PAGES_REWRITE_KEY = "editions/site/pages-rewrite"
MAIL_OWED, MAIL_DONE = "mail/owed/", "mail/done/"


def successor_key(previous: date | None) -> str:
    """The key of the claim on the edition after ``previous`` (None: the first edition)."""
    return f"editions/successors/{previous.isoformat() if previous else 'first'}"


def _item_key(id_: str) -> str:
    return f"items/{id_}.json"


def _announcement_key(day: date) -> str:
    return f"editions/announced/{day.isoformat()}.json"


def _summary_key(day: date) -> str:
    return f"editions/summaries/{day.isoformat()}.json"


def _alias_key(alias: str) -> str:
    return f"aliases/{item_id(alias)}"


__all__ = [
    "ALIASES_VERSION",
    "RawRepository",
    "SourceState",
    "iso",
    "make_item",
    "parse_iso",
    "source_key",
    "successor_key",
]
