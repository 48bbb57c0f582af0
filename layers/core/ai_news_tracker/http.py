"""The HTTP edge: conditional GETs with caps and named failures, one at a time or many at once.

Everything is read from :class:`~ai_news_tracker.config.FetchConfig`:

* ``connect_timeout`` / ``read_timeout`` bound every socket operation; ``deadline`` bounds one whole
  response however slowly it trickles (checked between reads, so it may be overshot by at most one
  ``read_timeout``).
* ``retries`` extra attempts for connection errors and for 429/500/502/503/504 answers, with
  exponential ``backoff`` and ``Retry-After`` honoured but never waited longer than
  ``max_retry_after`` seconds. A read timeout is *not* retried: it would blow the time budget.
* ``max_bytes`` caps the decoded body (a gzip bomb is cut off like any other oversized answer);
  ``max_redirects`` caps redirects.

Every failure is raised as a :class:`~ai_news_tracker.errors.SourceFailure` subclass with a short,
human reason (``no answer within 10 s``, ``more than 5 MB``); the original exception is chained.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from http.client import RemoteDisconnected
from typing import Any, Self, TypeVar

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    DecodeError,
    InvalidHeader,
    LocationParseError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util import Retry

from .config import FetchConfig
from .errors import (
    ConnectionFailed,
    FetchTimeout,
    HTTPStatusFailure,
    ResponseTooLarge,
    SourceFailure,
    TooManyRedirects,
)
from .log import get_logger
from .models import Validators

logger = get_logger()

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
READ_CHUNK = 64 * 1024  # decoded bytes asked for per read; a read returns as soon as any data is there

K = TypeVar("K", bound=Hashable)


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


class CappedRetry(Retry):
    """urllib3's Retry, with every wait between attempts capped at ``max_wait`` seconds.

    ``Retry-After`` is honoured up to ``max_wait`` (a server asking for an hour gets a few seconds and
    then, if still unhappy, a named failure); a malformed ``Retry-After``, on which urllib3 would raise
    ``InvalidHeader`` out of the request, falls back to the exponential backoff.
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
    """A session with the bot's honest User-Agent, feed ``Accept`` headers and the retry policy."""
    session = requests.Session()
    session.headers.update(
        {"User-Agent": config.user_agent, "Accept": FEED_ACCEPT, "Accept-Encoding": "gzip, deflate"}
    )
    adapter = HTTPAdapter(max_retries=build_retry(config))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = config.max_redirects
    return session


class HttpClient:
    """GETs feeds and files under the limits of one :class:`FetchConfig`.

    ``session`` is for tests; when given it is used for every request (from every thread) and never
    closed here. Otherwise :meth:`get` uses one session of its own (call it from one thread at a time)
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

    def get(self, url: str, validators: Validators | None = None, max_bytes: int | None = None) -> Response:
        """GET ``url`` (conditionally when ``validators`` are given) and read the whole body.

        Returns a 2xx response, or a 304 with ``not_modified=True``; raises a :class:`SourceFailure`.
        """
        if self._injected is not None:
            session = self._injected
        else:
            if self._own is None:
                self._own = build_session(self._config)
            session = self._own
        return self._fetch(session, url, validators, max_bytes)

    def fetch_many(
        self, jobs: Sequence[tuple[K, str, Validators | None, int | None]]
    ) -> dict[K, Response | SourceFailure]:
        """Run every ``(key, url, validators, max_bytes)`` job at once on a bounded thread pool.

        Each job ends in its own response or failure, keyed by the job key; one failing job never
        affects the others.
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
                    key: pool.submit(self._fetch_one, sessions.get, url, validators, max_bytes)
                    for key, url, validators, max_bytes in jobs
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
    ) -> Response | SourceFailure:
        try:
            return self._fetch(session(), url, validators, max_bytes)
        except SourceFailure as failure:
            return failure
        except Exception as exc:  # a bug must not cost the other sources their results
            logger.exception("http get crashed", url=url)
            return SourceFailure(f"unexpected error ({type(exc).__name__})")

    def _fetch(
        self, session: requests.Session, url: str, validators: Validators | None, max_bytes: int | None
    ) -> Response:
        started = time.monotonic()
        try:
            response = self._request(session, url, validators, max_bytes, started)
        except SourceFailure as failure:
            seconds = round(time.monotonic() - started, 3)
            logger.warning(
                "http get failed", url=url, status=failure.status, reason=str(failure), seconds=seconds
            )
            raise
        logger.info(
            "http get",
            url=url,
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
        started: float,
    ) -> Response:
        limit = self._config.max_bytes if max_bytes is None else max_bytes
        headers = validators.request_headers() if validators else {}
        timeout = (self._config.connect_timeout, self._config.read_timeout)
        try:
            with session.get(url, headers=headers, timeout=timeout, stream=True) as answer:
                return self._read(answer, validators, limit, started)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise _failure(exc, self._config) from exc

    def _read(
        self, answer: requests.Response, validators: Validators | None, limit: int, started: float
    ) -> Response:
        headers = {key.lower(): value for key, value in answer.headers.items()}
        attempts = _attempts(answer)
        code = answer.status_code
        not_modified = code == HTTPStatus.NOT_MODIFIED
        if not_modified:
            body = b""
        elif 200 <= code < 300:
            _check_declared_length(headers, limit)
            body = _read_body(answer.raw, limit, started + self._config.deadline, self._config.deadline)
        else:
            raise HTTPStatusFailure(_status_message(code, answer.reason, attempts), code)
        return Response(
            status=code,
            body=body,
            headers=headers,
            url=answer.url,
            # a 304 may update some validators and leaves the others as they were; a 200 replaces them
            validators=Validators.from_headers(headers, validators if not_modified else None),
            not_modified=not_modified,
            attempts=attempts,
            elapsed=time.monotonic() - started,
        )


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
def _read_body(raw: Any, limit: int, deadline_at: float, deadline: float) -> bytes:
    """Read the decoded body, stopping as soon as it passes ``limit`` bytes or the deadline.

    ``read1`` returns whatever one socket read brings (decompressed, at most ``READ_CHUNK`` bytes at a
    time), so a trickling server is checked against the clock between reads; ``iter_content`` would
    block until a whole chunk had arrived.
    """
    body = io.BytesIO()
    size = 0
    while True:
        if time.monotonic() > deadline_at:
            raise FetchTimeout(f"not complete within {deadline:g} s")
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
    """The named failure for an exception out of requests or urllib3."""
    if isinstance(exc, requests.ConnectTimeout):
        return FetchTimeout(f"no connection within {config.connect_timeout:g} s")
    if isinstance(exc, requests.ReadTimeout) or _caused_by(exc, ReadTimeoutError):
        # requests turns a read timeout in the middle of the body into a ConnectionError
        return FetchTimeout(f"no answer within {config.read_timeout:g} s")
    if isinstance(exc, requests.TooManyRedirects):
        return TooManyRedirects(f"redirected more than {config.max_redirects} times")
    if isinstance(exc, requests.exceptions.RetryError):  # not expected with raise_on_status=False
        code = _retry_error_code(exc)
        return HTTPStatusFailure(f"HTTP {code} after {config.retries + 1} attempts", code)
    reason = next(
        (text for types, text in _CONNECTION_REASONS if _caused_by(exc, *types)),
        f"request failed ({type(exc).__name__})",
    )
    return ConnectionFailed(reason)


def _caused_by(exc: BaseException, *types: type[BaseException]) -> bool:
    """Whether ``exc`` or anything it wraps (args, MaxRetryError.reason, cause, context) is a ``types``."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        current = todo.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, types):
            return True
        todo.extend(current.args)
        todo.extend((current.__cause__, current.__context__))
        if isinstance(current, MaxRetryError):
            todo.append(current.reason)
    return False


def _retry_error_code(exc: BaseException) -> int:
    match = re.search(r"too many (\d{3}) error", str(exc))
    return int(match.group(1)) if match else 0
