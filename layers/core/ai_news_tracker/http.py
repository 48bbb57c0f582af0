"""The HTTP edge: conditional GETs with caps and named failures, one at a time or many at once.

Everything is read from :class:`~ai_news_tracker.config.FetchConfig`:

* ``connect_timeout`` / ``read_timeout`` bound every socket operation; ``deadline`` bounds one whole
  request, connection attempts, waits between retries, redirects, headers and body included, however
  slowly it trickles: it is checked between redirects and between reads, no socket wait (a connect
  included) is longer than the time left, no retry is made whose wait would end past it, and a watchdog
  shuts the connection when the deadline passes while headers (or a retried answer's body) trickle in.
  It holds through an HTTP(S) proxy too: the connections to it are made and watched as direct ones.
  A host name's lookup is not waited for past it either (``_lookup``: one cannot be interrupted, so a
  stalled one, an unreachable resolver retried for 20-40 s, goes on alone on a thread of its own).
  A caller's ``deadline_at`` (a ``time.monotonic()`` value: the fetch function's invocation ends, less
  the time it needs to store what it fetched) cuts every request's deadline to it, and a job of
  :meth:`HttpClient.fetch_many` whose turn comes after it is not asked for (:class:`OutOfTime`).
* ``retries`` extra attempts for connection errors (refused, host name not found, connect timeout) and
  for 429/500/502/503/504 answers, with exponential ``backoff`` and ``Retry-After`` honoured but never
  waited longer than ``max_retry_after`` seconds, nor past the deadline. A read timeout is *not*
  retried: it would blow the time budget. Each redirect hop gets its own attempts (under the one
  deadline); a failure after several says how many (``connection refused after 3 attempts``).
* ``max_bytes`` caps the decoded body (a gzip bomb is cut off like any other oversized answer);
  ``max_redirects`` caps redirects.

Redirects are followed here, not by requests (which reads, and decompresses, a redirect's whole body
before any cap applies): at each 3xx the ``Location`` is resolved against the current URL, the answer
is closed unread, and the next URL is checked before it is requested. Conditional-GET validators go
with the first request only.

Where a request may go. A configured URL (a feed, the leaderboard) is trusted: it may point at a
self-hosted RSSHub on a LAN. Every other URL — a link found in fetched content (an article page,
``found_at``), and any redirect to an origin (scheme, host, port) other than the trusted one — must
lead to public addresses only: every address ``getaddrinfo`` gives for its host is global (IPv4
wrapped in IPv6 is unwrapped first) and its port is 80 or 443. A link is trusted like a configured URL
when it is on the origin of the configured URL it was found through; so is a hop to the trusted host on
the other scheme's default port (http://host/ to https://host/, a feed moving to TLS). Anything else is a
:class:`~ai_news_tracker.errors.BlockedDestination`, never requested: loopback (the Lambda Runtime
API), link-local (the metadata services), private networks, ``localhost``, ``0x7f.1``, ``2130706433``,
``[::ffff:127.0.0.1]``. A checked request connects only to the addresses the check approved, never
resolving the host again (a name server answering a public address to the check and a private one to
the connection, DNS rebinding with a TTL of 0, gets nothing through), and reuses only a kept-alive
connection made that way; the URL's host still goes in the ``Host`` header, the TLS SNI and the
certificate check. A configured URL's host is resolved as usual.

Behind a proxy (``HTTP_PROXY``/``HTTPS_PROXY``, which requests honours: the command on a machine that
has one; Lambda sets none) every hop goes through it, as a network whose only way out it is needs: a
checked hop's name is checked here all the same (resolved on this machine), but the proxy resolves it
again, so a name rebinding between the two lookups is the proxy's to refuse.

Every failure is raised as a :class:`~ai_news_tracker.errors.SourceFailure` subclass with a short,
human reason (``no answer within 10 s``, ``more than 5 MB``); the original exception is chained.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from http.client import RemoteDisconnected
from types import TracebackType
from typing import Any, Self, TypeAlias, TypeVar
from urllib.parse import urljoin, urlparse

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import ConnectionPool, HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    InvalidHeader,
    LocationParseError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.response import HTTPResponse
from urllib3.util import Retry
from urllib3.util.connection import allowed_gai_family

from .config import FetchConfig
from .errors import (
    BlockedDestination,
    ConnectionFailed,
    FetchTimeout,
    HTTPStatusFailure,
    OutOfTime,
    ResponseTooLarge,
    SourceFailure,
    TooManyRedirects,
)
from .identity import loggable_url, without_user_info
from .log import get_logger
from .models import Validators

logger = get_logger()

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MIN_WAIT = 0.001  # seconds: the shortest socket wait (0 would make a socket non-blocking)
READ_CHUNK = 64 * 1024  # decoded bytes asked for per read; a read returns as soon as any data is there
DEFAULT_PORTS = {"http": 80, "https": 443}
PUBLIC_PORTS = frozenset(DEFAULT_PORTS.values())  # the only ports an untrusted destination may use
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # IPv4 addresses reached through a NAT64 gateway
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d

# urllib3's loggers that name the URL asked for, path and query: the retry warning, which Lambda's root
# handler writes to CloudWatch at the functions' WARNING level, and the debug lines.
URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry")

K = TypeVar("K", bound=Hashable)
Origin: TypeAlias = tuple[str, str, int]  # scheme, host, port
# (key, url, validators, max_bytes) for a configured URL; a fifth item, ``found_at``, marks a URL
# found in fetched content (see HttpClient.get)
Job: TypeAlias = (
    tuple[K, str, Validators | None, int | None] | tuple[K, str, Validators | None, int | None, str | None]
)


@dataclass(frozen=True)
class Response:
    """A 2xx answer read in full, or a 304 (``not_modified``, empty body)."""

    status: int
    body: bytes
    headers: dict[str, str]  # lower-case keys
    url: str  # the final URL, after redirects
    validators: Validators
    not_modified: bool = False
    attempts: int = 1  # attempts made for the final URL (1 + retries used)
    elapsed: float = field(default=0.0, compare=False)  # seconds, request to last byte


class _MaskedUrls(logging.Filter):
    """Shows the text arguments of a log record as :func:`~ai_news_tracker.identity.loggable_url` does:
    urllib3 names the URL it retries with its query, where a feed may keep its access key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(loggable_url(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


_MASKED_URLS = _MaskedUrls()
for _name in URLLIB3_LOGGERS:
    logging.getLogger(_name).addFilter(_MASKED_URLS)


class CappedRetry(Retry):
    """urllib3's Retry, with every wait between attempts capped at ``max_wait`` seconds.

    ``Retry-After`` is honoured up to ``max_wait`` (a server asking for an hour gets a few seconds and
    then, if still unhappy, a named failure); a malformed ``Retry-After``, on which urllib3 would raise
    ``InvalidHeader`` out of the request, falls back to the exponential backoff.

    Within a request of :class:`HttpClient` it keeps to the request's deadline: no retry is made whose
    wait would end past it (the last answer or error stands). Giving up raises a ``MaxRetryError`` that
    counts the attempts made.
    """

    def __init__(self, *args: Any, max_wait: float = 5.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait

    def new(self, **kw: Any) -> Self:  # urllib3 copies the policy on every attempt
        kw.setdefault("max_wait", self.max_wait)
        return super().new(**kw)

    def get_retry_after(self, response: urllib3.BaseHTTPResponse) -> float | None:
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            return None
        return None if seconds is None else min(seconds, self.max_wait)

    def wait(self, response: urllib3.BaseHTTPResponse | None = None) -> float:
        """Seconds :meth:`sleep` waits before the next attempt: as urllib3 chooses, ``Retry-After`` first."""
        if self.respect_retry_after_header and response is not None:
            retry_after = self.get_retry_after(response)
            if retry_after:
                return retry_after
        return self.get_backoff_time()

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        seconds = self.wait(response)
        if seconds > 0:
            time.sleep(seconds)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: urllib3.BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        attempts = len(self.history) + 1  # the one that just failed included
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError as exc:
            raise _RetriesEnded(exc.pool, exc.url, exc.reason, attempts) from exc.reason
        left = _time_left()
        if left is not None and retry.wait(response) >= left:
            reason = error or ResponseError(
                ResponseError.SPECIFIC_ERROR.format(status_code=response.status)
                if response
                else ResponseError.GENERIC_ERROR
            )
            raise _RetriesEnded(_pool, url, reason, attempts) from reason
        return retry


class _RetriesEnded(MaxRetryError):
    """No more attempts: the retries are used up, or the next would start past the deadline."""

    def __init__(self, pool: Any, url: Any, reason: Exception | None = None, attempts: int = 1) -> None:
        super().__init__(pool, url, reason)
        self.attempts = attempts


def build_retry(config: FetchConfig) -> CappedRetry:
    return CappedRetry(
        total=config.retries,
        connect=config.retries,
        read=False,  # re-raise a read timeout at once (0 would wrap it in MaxRetryError)
        status=config.retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=config.backoff,
        backoff_max=config.max_retry_after,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last 5xx comes back as a response and becomes HTTPStatusFailure
        max_wait=config.max_retry_after,
    )


def build_session(config: FetchConfig) -> requests.Session:
    """A session with the bot's honest User-Agent, feed ``Accept`` headers and the retry policy.

    It never follows a redirect itself (:class:`HttpClient` does), and its connections are watched by
    the deadline's watchdog.
    """
    session = _ManualRedirectSession()
    session.headers.update(
        {"User-Agent": config.user_agent, "Accept": FEED_ACCEPT, "Accept-Encoding": "gzip, deflate"}
    )
    adapter = _WatchedAdapter(max_retries=build_retry(config))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HttpClient:
    """GETs feeds and files under the limits of one :class:`FetchConfig`.

    ``session`` is for tests; when given it is used for every request (from every thread) and never
    closed here (make it with :func:`build_session`: a plain requests session reads a redirect's whole
    body). Otherwise :meth:`get` uses one session of its own (call it from one thread at a time)
    and :meth:`fetch_many` gives each worker thread its own session (requests sessions are not
    thread-safe), closed when it returns. :meth:`close` (or ``with``) closes the session of :meth:`get`.
    """

    def __init__(self, config: FetchConfig, session: requests.Session | None = None) -> None:
        self._config = config
        self._injected = session
        self._own: requests.Session | None = None

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        validators: Validators | None = None,
        max_bytes: int | None = None,
        *,
        found_at: str | None = None,
        deadline_at: float | None = None,
    ) -> Response:
        """GET ``url`` (conditionally when ``validators`` are given) and read the whole body, within
        ``[fetch] deadline`` and before ``deadline_at`` (a ``time.monotonic()`` value) when given.

        ``found_at`` is None when ``url`` is configured (trusted). Otherwise ``url`` was found in
        fetched content — an article link — and ``found_at`` is the configured URL whose answer held it
        (``""`` when there is none): the link may go to that URL's origin, anywhere else only to public
        addresses (see the module's docstring).

        Returns a 2xx response, or a 304 with ``not_modified=True``; raises a :class:`SourceFailure`.
        """
        if self._injected is not None:
            session = self._injected
        else:
            if self._own is None:
                self._own = build_session(self._config)
            session = self._own
        return self._fetch(session, url, validators, max_bytes, found_at, until=deadline_at)

    def fetch_many(
        self, jobs: Sequence[Job[K]], *, deadline_at: float | None = None
    ) -> dict[K, Response | SourceFailure]:
        """Run every ``(key, url, validators, max_bytes)`` job at once on a bounded thread pool.

        A job for a URL found in fetched content has a fifth item, ``found_at`` (see :meth:`get`).
        Each job ends in its own response or failure, keyed by the job key; one failing job never
        affects the others. ``deadline_at`` (a ``time.monotonic()`` value) bounds them all: a job whose
        turn comes after it is :class:`OutOfTime`, never asked for.
        """
        keys = [job[0] for job in jobs]
        if len(set(keys)) != len(keys):
            raise ValueError("fetch_many: job keys must be unique")
        if not jobs:
            return {}
        sessions = _SessionPerThread(self._new_session)
        try:
            workers = min(self._config.workers, len(jobs))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
                futures = {
                    job[0]: pool.submit(
                        self._fetch_one, sessions.get, *_job_request(job), deadline_at=deadline_at
                    )
                    for job in jobs
                }
            return {key: future.result() for key, future in futures.items()}
        finally:
            sessions.close()

    # -- one request -------------------------------------------------------------------------
    def _new_session(self) -> tuple[requests.Session, bool]:
        """A session for one worker thread, and whether it is ours to close."""
        if self._injected is not None:
            return self._injected, False
        return build_session(self._config), True

    def _fetch_one(
        self,
        session: Callable[[], requests.Session],
        url: str,
        validators: Validators | None,
        max_bytes: int | None,
        found_at: str | None,
        *,
        deadline_at: float | None,
    ) -> Response | SourceFailure:
        if deadline_at is not None and time.monotonic() >= deadline_at:
            logger.warning("http get not started", url=loggable_url(url), reason=OutOfTime.reason)
            return OutOfTime(OutOfTime.reason)
        try:
            return self._fetch(session(), url, validators, max_bytes, found_at, until=deadline_at)
        except SourceFailure as failure:
            return failure
        except Exception as exc:  # a bug must not cost the other sources their results
            logger.exception("http get crashed", url=loggable_url(url))
            return SourceFailure(f"unexpected error ({type(exc).__name__})")

    def _fetch(
        self,
        session: requests.Session,
        url: str,
        validators: Validators | None,
        max_bytes: int | None,
        found_at: str | None,
        *,
        until: float | None = None,
    ) -> Response:
        started = time.monotonic()
        try:
            response = self._request(
                session, url, validators, max_bytes, found_at=found_at, started=started, until=until
            )
        except SourceFailure as failure:
            seconds = round(time.monotonic() - started, 3)
            logger.warning(
                "http get failed",
                url=loggable_url(url),
                status=failure.status,
                reason=str(failure),
                seconds=seconds,
            )
            raise
        logger.info(
            "http get",
            url=loggable_url(url),
            status=response.status,
            bytes=len(response.body),
            not_modified=response.not_modified,
            attempts=response.attempts,
            seconds=round(response.elapsed, 3),
        )
        return response

    def _request(
        self,
        session: requests.Session,
        url: str,
        validators: Validators | None,
        max_bytes: int | None,
        *,
        found_at: str | None,
        started: float,
        until: float | None,
    ) -> Response:
        """Follow ``url``'s redirects hop by hop, each destination checked first; read the final answer.
        The request's deadline is ``[fetch] deadline`` from ``started``, or ``until`` when sooner."""
        config = self._config
        limit = config.max_bytes if max_bytes is None else max_bytes
        deadline_at = started + config.deadline
        late = f"not complete within {config.deadline:g} s"
        if until is not None and until < deadline_at:
            deadline_at, late = until, "not complete before the run's deadline"
        trusted = None if found_at is None else _origin_or_none(found_at)
        current = url
        with _Watchdog(deadline_at) as watchdog:
            try:
                for hop in range(config.max_redirects + 1):
                    sent = validators if hop == 0 else None  # validators belong to the URL asked for
                    if time.monotonic() > deadline_at:
                        raise FetchTimeout(late)
                    request = session.prepare_request(
                        requests.Request("GET", current, headers=sent.request_headers() if sent else {})
                    )
                    origin = _origin(request.url or "")
                    if hop == 0 and found_at is None:
                        trusted = origin  # the configured URL's own origin
                    checked = None if _same_site(origin, trusted) else _check_public(origin)
                    with self._send(session, request, deadline_at, checked) as answer:
                        target = _redirect_target(answer)
                        if target is None:
                            response = self._read(answer, sent, limit, started, deadline_at, late=late)
                            if watchdog.fired:  # the body was cut off, not complete
                                raise FetchTimeout(late)
                            return response
                    # closed unread: a redirect's body is never read
                    logger.debug(
                        "http redirect",
                        url=loggable_url(current),
                        status=answer.status_code,
                        target=loggable_url(target),  # not "location": Powertools' key for file:line
                    )
                    current = target
                raise TooManyRedirects(f"redirected more than {config.max_redirects} times")
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                if watchdog.fired or time.monotonic() > deadline_at:
                    raise FetchTimeout(late) from exc
                raise _failure(exc, config) from exc
            except _LookupTimedOut as exc:  # a host name's lookup still unanswered at the deadline
                raise FetchTimeout(late) from exc

    def _send(
        self,
        session: requests.Session,
        request: requests.PreparedRequest,
        deadline_at: float,
        checked: tuple[str, ...] | None,
    ) -> requests.Response:
        """One hop, as ``session.get`` would send it but never following a redirect; the body unread.

        ``checked`` is None for a trusted destination, else the addresses its connection is pinned to.
        """
        left = max(deadline_at - time.monotonic(), MIN_WAIT)
        timeout = (min(self._config.connect_timeout, left), min(self._config.read_timeout, left))
        settings = session.merge_environment_settings(request.url, {}, True, None, None)
        _this_request.pinned = checked
        try:
            return session.send(request, allow_redirects=False, timeout=timeout, **settings)
        finally:
            _this_request.pinned = None

    def _read(
        self,
        answer: requests.Response,
        validators: Validators | None,
        limit: int,
        started: float,
        deadline_at: float,
        *,
        late: str,
    ) -> Response:
        headers = {key.lower(): value for key, value in answer.headers.items()}
        attempts = _attempts(answer)
        code = answer.status_code
        not_modified = code == HTTPStatus.NOT_MODIFIED
        if not_modified and (validators is None or validators.empty):
            # nothing was asked to be compared: an answer without the feed (a broken cache in front)
            raise HTTPStatusFailure(
                f"{_status_message(code, answer.reason, attempts)} to a request for the whole feed", code
            )
        if not_modified:
            body = b""
        elif 200 <= code < 300:
            _check_declared_length(headers, limit)
            body = _read_body(answer.raw, limit, deadline_at, late)
        else:
            raise HTTPStatusFailure(_status_message(code, answer.reason, attempts), code)
        return Response(
            status=code,
            body=body,
            headers=headers,
            url=without_user_info(answer.url),  # the base of relative links: no password (its query kept)
            # a 304 may update some validators and leaves the others as they were; a 200 replaces them
            validators=Validators.from_headers(headers, validators if not_modified else None),
            not_modified=not_modified,
            attempts=attempts,
            elapsed=time.monotonic() - started,
        )


def _job_request(job: Job[K]) -> tuple[str, Validators | None, int | None, str | None]:
    """A job's ``(url, validators, max_bytes, found_at)``."""
    if len(job) == 5:
        return job[1], job[2], job[3], job[4]
    return job[1], job[2], job[3], None


# -- redirects and destinations ----------------------------------------------------------------
class _ManualRedirectSession(requests.Session):
    """A session that leaves redirects to :class:`HttpClient`.

    Even with ``allow_redirects=False``, ``Session.send`` works out ``Response.next`` through
    ``resolve_redirects``, which first reads (and decompresses) the redirect's whole body, with no cap
    and no deadline. With no redirect target, there is nothing to work out and nothing is read.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


def _redirect_target(answer: requests.Response) -> str | None:
    """The absolute URL a 301/302/303/307/308 answer points to (None for any other answer)."""
    if not answer.is_redirect:
        return None
    location = answer.headers["location"]
    with suppress(UnicodeError):  # http.client decodes headers as Latin-1; UTF-8 is far likelier
        location = location.encode("latin-1").decode("utf-8")
    try:
        return urljoin(answer.url, location)
    except ValueError as exc:  # e.g. an unbalanced IPv6 bracket
        raise ConnectionFailed("invalid URL") from exc


def _origin(url: str) -> Origin:
    """The (scheme, host, port) a prepared URL is sent to (parsed as requests' adapter parses it)."""
    try:
        parts = urlparse(url)
        port = parts.port
    except ValueError as exc:
        raise ConnectionFailed("invalid URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ConnectionFailed("not an http(s) URL" if scheme else "invalid URL")
    if not parts.hostname:
        raise ConnectionFailed("invalid URL")
    return scheme, parts.hostname, DEFAULT_PORTS[scheme] if port is None else port


def _same_site(origin: Origin, trusted: Origin | None) -> bool:
    """Whether ``origin`` is the trusted one, or its host on the other web scheme's default port (a
    configured http:// feed moving to https:// on its own host is not sent elsewhere)."""
    if trusted is None:
        return False
    if origin == trusted:
        return True
    defaults = set(DEFAULT_PORTS.items())
    return origin[1] == trusted[1] and {(origin[0], origin[2]), (trusted[0], trusted[2])} <= defaults


def _origin_or_none(url: str) -> Origin | None:
    """The origin of a configured URL, prepared as requests prepares it; None when it has none."""
    request = requests.PreparedRequest()
    try:
        request.prepare_url(url, None)
        return _origin(request.url or "")
    except (requests.RequestException, SourceFailure):
        return None


def _check_public(origin: Origin) -> tuple[str, ...]:
    """``origin``'s addresses, in ``getaddrinfo``'s order, if they are all public and on a web port.

    Raises :class:`BlockedDestination` otherwise.
    """
    scheme, host, port = origin
    shown = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        shown = f"{shown}:{port}"
    try:
        infos = _lookup(host, port)
    except (OSError, UnicodeError) as exc:
        raise ConnectionFailed("host name not found") from exc
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise ConnectionFailed("host name not found")
    for address in sorted(addresses):
        if not _is_public(address):
            where = "" if address == host else f" ({address})"
            raise BlockedDestination(f"refused {shown}{where}: not a public address")
    if port not in PUBLIC_PORTS:
        raise BlockedDestination(f"refused {shown}: only ports 80 and 443 away from the source's own site")
    return addresses


def _is_public(address: str) -> bool:
    """Whether an address from ``getaddrinfo`` is globally routable, looking inside IPv6 wrappings."""
    ip = _ip_literal(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global


class _LookupTimedOut(Exception):
    """A host name's lookup not answered before the request's deadline (no OSError: not "not found")."""


def _lookup(host: str, port: int) -> list[Any]:
    """``socket.getaddrinfo`` for a TCP connection to ``host``, not waited for past the deadline of the
    request this thread is making: a lookup cannot be interrupted, so it is made on a daemon thread of
    its own, left to end alone when it stalls (raises :class:`_LookupTimedOut` then)."""
    family = allowed_gai_family()  # as urllib3 asks: IPv4 alone where IPv6 is unusable (Lambda)
    left = _time_left()
    if left is None or _is_address(host):
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    answer: list[Any] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            answer.extend(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the request's thread, raised there
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=look_up, name="lookup", daemon=True).start()
    if not done.wait(max(left, 0.0)):
        raise _LookupTimedOut(f"no address for {host} before the deadline")
    if failure:
        raise failure[0]
    return answer


def _is_address(host: str) -> bool:
    return _ip_literal(host.strip("[]")) is not None


def _ip_literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``text`` writes (an IPv6 zone, ``%eth0``, left aside), or None for a host name."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


# -- the deadline's watchdog and pinned connections --------------------------------------------
# Of the request this thread is making: .watchdog, its _Watchdog; .pinned, the addresses the current
# hop's connections must go to (None when the destination is trusted).
_this_request = threading.local()


class _Watchdog:
    """Shuts down every connection a request uses once its deadline passes.

    Socket timeouts bound each wait, not a response whose headers (or a retried answer's body, which
    urllib3 drains) trickle in a byte at a time; this bounds them. Connections register themselves
    when they wait for an answer (:class:`_WatchedHTTPConnection`); a timer thread shuts them down.
    """

    def __init__(self, deadline_at: float) -> None:
        self._deadline_at = deadline_at
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer: threading.Timer | None = None
        self.fired = False

    def __enter__(self) -> Self:
        self._timer = threading.Timer(max(self._deadline_at - time.monotonic(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()
        _this_request.watchdog = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        _this_request.watchdog = None
        if self._timer is not None:
            self._timer.cancel()

    def left(self) -> float:
        """Seconds until the deadline (negative once it has passed)."""
        return self._deadline_at - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if not self.fired:
                self._sockets.append(sock)
                return
        _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Shut a socket down from another thread: a blocked read returns at once, at end of file."""
    with suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, under TLS too


def _watch_connection(sock: object) -> None:
    """Put a connection's socket under the watchdog of the request this thread is making, if any."""
    watchdog: _Watchdog | None = getattr(_this_request, "watchdog", None)
    if watchdog is not None and isinstance(sock, socket.socket):  # TLS sockets included
        watchdog.watch(sock)


def _time_left() -> float | None:
    """Seconds left before the deadline of the request this thread is making (None outside one)."""
    watchdog: _Watchdog | None = getattr(_this_request, "watchdog", None)
    return None if watchdog is None else watchdog.left()


def _pinned() -> tuple[str, ...] | None:
    """The addresses the hop this thread is sending was checked for (None when it is trusted)."""
    pinned: tuple[str, ...] | None = getattr(_this_request, "pinned", None)
    return pinned


class _WatchedHTTPConnection(HTTPConnection):
    """A connection under the deadline's watchdog that, for a checked hop, goes to its checked addresses."""

    pins = True  # False for a connection to a proxy: it goes to the proxy, which resolves the name
    pinned = False  # whether the socket was connected to checked addresses

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3's own
        _watch_connection(self.sock)
        return super().getresponse()

    def connect(self) -> None:
        """urllib3's connect, a TLS handshake (or a proxy's answer to CONNECT) that times out being a
        connection that timed out: retried as one and told as "no connection" (urllib3 raises it as a read
        timeout: not retried, and named after a read timeout the request never waited)."""
        try:
            super().connect()
        except TimeoutError as exc:  # the socket's; urllib3's own ConnectTimeoutError is not one
            raise ConnectTimeoutError(self, f"connection to {self.host} not complete: {exc}") from exc

    def _new_conn(self) -> socket.socket:
        addresses = _pinned() if self.pins else None
        self.pinned = addresses is not None
        if addresses is None:
            if _time_left() is None or _is_address(self._dns_host):
                return self._connect()
            addresses = self._looked_up()  # urllib3's own lookup would wait past the deadline
        for address in addresses[:-1]:  # each in turn, as urllib3 tries each address of a name: the
            with suppress(ConnectTimeoutError):  # next one after a refusal or a timeout (NewConnectionError
                return self._connect_to(address)  # is a ConnectTimeoutError)
        return self._connect_to(addresses[-1])

    def _looked_up(self) -> tuple[str, ...]:
        """The addresses of the host (or proxy) connected to, in ``getaddrinfo``'s order, looked up
        within the deadline (:func:`_lookup`); a name not found is urllib3's NameResolutionError."""
        try:
            infos = _lookup(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except UnicodeError as exc:  # a label empty or too long, as urllib3 says it
            raise LocationParseError(f"'{self._dns_host}', label empty or too long") from exc
        except OSError as exc:  # a system error (EAI_SYSTEM: out of file descriptors), retried as urllib3's
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise NameResolutionError(self.host, self, socket.gaierror("no address"))
        return addresses

    def _connect_to(self, address: str) -> socket.socket:
        """:meth:`_connect` to ``address`` instead of the host (kept for Host, SNI, certificate)."""
        host, self._dns_host = self._dns_host, address  # the name urllib3 resolves; ``host`` reads it
        try:
            return self._connect()
        finally:
            self._dns_host = host

    def _connect(self) -> socket.socket:
        """urllib3's own connect, its timeout (TLS handshake included) cut to the time the deadline leaves.

        urllib3 gives every attempt of a request the connect timeout it was sent with; a retry made
        late would otherwise wait its whole length past the deadline.
        """
        left = _time_left()
        if left is not None:
            left = max(left, MIN_WAIT)
            self.timeout = left if self.timeout is None else min(self.timeout, left)
        sock = super()._new_conn()
        _watch_connection(sock)  # from here: a proxy's answer to CONNECT, trickled (the TLS handshake is
        # bounded by the socket's timeout: the TLS wrap takes the socket over)
        return sock


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        """A pooled connection, or a new one; for a checked hop, never one connected unpinned."""
        conn = super()._get_conn(timeout)
        if _pinned() is not None and not getattr(conn, "pinned", False):
            conn.close()  # reconnected, pinned, when the request is sent
        return conn


class _WatchedHTTPSPool(_WatchedHTTPPool, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _ProxiedHTTPConnection(_WatchedHTTPConnection):
    pins = False


class _ProxiedHTTPSConnection(_ProxiedHTTPConnection, HTTPSConnection):
    pass


class _ProxiedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _ProxiedHTTPConnection


class _ProxiedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _ProxiedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections are watched by the deadline's watchdog, its direct ones pinned
    for a checked hop; those through an HTTP(S) proxy too (requests makes a manager for each proxy)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):  # not SOCKS's, whose connections are its own
            manager.pool_classes_by_scheme = {"http": _ProxiedHTTPPool, "https": _ProxiedHTTPSPool}
        return manager


class _SessionPerThread:
    """Hands each thread one session from ``factory`` and closes the ones it owns at the end."""

    def __init__(self, factory: Callable[[], tuple[requests.Session, bool]]) -> None:
        self._factory = factory
        self._local = threading.local()
        self._lock = threading.Lock()
        self._owned: list[requests.Session] = []

    def get(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session, owned = self._factory()
            self._local.session = session
            if owned:
                with self._lock:
                    self._owned.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            owned, self._owned = self._owned, []
        for session in owned:
            session.close()


# -- helpers ---------------------------------------------------------------------------------
def _read_body(raw: Any, limit: int, deadline_at: float, late: str) -> bytes:
    """Read the decoded body, stopping as soon as it passes ``limit`` bytes or the deadline.

    ``read1`` returns whatever one socket read brings (decompressed, at most ``READ_CHUNK`` bytes at a
    time), so a trickling server is checked against the clock between reads; ``iter_content`` would
    block until a whole chunk had arrived.
    """
    body = io.BytesIO()
    size = 0
    while True:
        if time.monotonic() > deadline_at:
            raise FetchTimeout(late)
        chunk: bytes = raw.read1(READ_CHUNK, decode_content=True)
        if not chunk:
            return body.getvalue()
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(f"more than {_human_bytes(limit)}")
        body.write(chunk)


def _check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    declared = headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(f"more than {_human_bytes(limit)} ({_human_bytes(int(declared))} announced)")


def _attempts(answer: requests.Response) -> int:
    retries = getattr(answer.raw, "retries", None)
    return len(getattr(retries, "history", ())) + 1


def _status_message(code: int, reason: str | None, attempts: int) -> str:
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = (reason or "").strip()
    message = f"HTTP {code} {phrase}".rstrip()
    return f"{message} after {attempts} attempts" if attempts > 1 else message


def _human_bytes(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:g} MB"
    if count >= 1_000:
        return f"{count / 1_000:g} kB"
    return f"{count} bytes"


# Connection-level failures, most specific first: (exception types anywhere in the chain, reason).
_CONNECTION_REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((requests.exceptions.SSLError, Urllib3SSLError), "TLS error"),
    ((requests.exceptions.ContentDecodingError, DecodeError), "could not decode the compressed body"),
    ((requests.exceptions.InvalidSchema,), "not an http(s) URL"),
    ((requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, LocationParseError), "invalid URL"),
    ((NameResolutionError,), "host name not found"),
    ((ConnectionRefusedError,), "connection refused"),
    ((NewConnectionError,), "could not connect"),
    ((RemoteDisconnected,), "connection closed without an answer"),
    ((requests.exceptions.ChunkedEncodingError, ProtocolError), "connection broken mid-response"),
)


def _failure(exc: BaseException, config: FetchConfig) -> SourceFailure:
    """The named failure for an exception out of requests or urllib3, counting the attempts if several."""
    ended = _found_in(exc, _RetriesEnded)
    attempts = ended.attempts if isinstance(ended, _RetriesEnded) else 1
    proxy = "proxy: " if isinstance(exc, requests.exceptions.ProxyError) else ""  # not the feed's host
    timed_out = _found_in(exc, ConnectTimeoutError)  # requests tells a proxy's only as a ProxyError
    if isinstance(exc, requests.ConnectTimeout) or (proxy and type(timed_out) is ConnectTimeoutError):
        if attempts > 1:
            return FetchTimeout(
                f"{proxy}no connection after {attempts} attempts of {config.connect_timeout:g} s"
            )
        return FetchTimeout(f"{proxy}no connection within {config.connect_timeout:g} s")
    if isinstance(exc, requests.ReadTimeout) or _caused_by(exc, ReadTimeoutError):
        # requests turns a read timeout in the middle of the body into a ConnectionError
        return FetchTimeout(f"{proxy}no answer within {config.read_timeout:g} s")
    if isinstance(exc, requests.exceptions.RetryError):  # not expected with raise_on_status=False
        code = _retry_error_code(exc)
        return HTTPStatusFailure(f"HTTP {code} after {config.retries + 1} attempts", code)
    reason = next(
        (text for types, text in _CONNECTION_REASONS if _caused_by(exc, *types)),
        f"request failed ({type(exc).__name__})",
    )
    return ConnectionFailed(f"{proxy}{reason} after {attempts} attempts" if attempts > 1 else proxy + reason)


def _caused_by(exc: BaseException, *types: type[BaseException]) -> bool:
    """Whether ``exc`` or anything it wraps (args, MaxRetryError.reason, cause, context) is a ``types``."""
    return _found_in(exc, *types) is not None


def _found_in(exc: BaseException, *types: type[BaseException]) -> BaseException | None:
    """The first of ``exc`` and what it wraps (args, MaxRetryError.reason, cause, context) that is a
    ``types``, or None."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        current = todo.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, types):
            return current
        todo.extend(current.args)
        todo.extend((current.__cause__, current.__context__))
        if isinstance(current, MaxRetryError):
            todo.append(current.reason)
    return None


def _retry_error_code(exc: BaseException) -> int:
    match = re.search(r"too many (\d{3}) error", str(exc))
    return int(match.group(1)) if match else 0
