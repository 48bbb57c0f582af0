"""A small HTTP server on 127.0.0.1 for integration and end-to-end tests; its routes are a plain dict.

Usage::

    from loopback import LoopbackServer, redirect, sequence, static

    routes = {
        "/feed.xml": static(FEED_BYTES, headers={"Content-Type": "application/rss+xml; charset=utf-8"}),
        "/flaky": sequence(static(b"", status=503), static(b"ok")),  # 1st request 503, then 200
        "/old": redirect("/feed.xml"),
    }
    with LoopbackServer(routes) as server:
        url = server.url("/feed.xml")           # http://127.0.0.1:<port>/feed.xml
        ...
        assert server.hits("/feed.xml") == 1
        assert server.requests[0].headers["user-agent"].startswith("AI-News-Tracker")

Routes
    ``server.routes`` maps a path (query string excluded) to a handler; it may be changed at any time.
    An unknown path answers 404. The server binds port 0, so tests never collide.

Handlers
    A handler is any ``Callable[[Exchange], None]``; it runs on the server's thread for that request.
    It answers in one go with ``exchange.respond(status, body, headers)`` (Content-Length is set), or
    streams with ``exchange.start(status, headers)`` and ``exchange.write(chunk)`` calls (without a
    Content-Length header the connection closes after the body); ``write`` returns False once the
    client has gone away. ``exchange.wait(seconds)`` sleeps, but returns True at once when the server is
    stopping, so a hanging or trickling handler never holds up the end of a test. A handler that sends
    nothing makes the server close the connection without an answer. ``exchange.count`` is the 1-based
    number of this request to this path; ``exchange.sent`` the body bytes written so far.

Records
    ``server.requests`` lists every request (:class:`Recorded`: method, path, query, lower-cased headers,
    arrival time on the monotonic clock) in arrival order; ``server.hits(path)`` counts them per path;
    ``server.max_in_flight`` is the largest number of requests handled at the same time.

Helpers
    :func:`static` (fixed answer), :func:`sequence` (the n-th request gets the n-th handler, the last
    one repeats), :func:`redirect`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

Handler = Callable[["Exchange"], None]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    at: float = field(compare=False)


class Exchange:
    """One request as a handler sees it, and the means to answer it."""

    def __init__(
        self, request: BaseHTTPRequestHandler, recorded: Recorded, count: int, stop: threading.Event
    ):
        self._request = request
        self._stop = stop
        self.method = recorded.method
        self.path = recorded.path
        self.query = recorded.query
        self.headers = recorded.headers
        self.count = count
        self.started = False
        self.sent = 0

    def respond(self, status: int = 200, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        all_headers = {"Content-Length": str(len(body)), **(headers or {})}
        self.start(status, all_headers)
        if body and status != 304:
            self.write(body)

    def start(self, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
        request = self._request
        request.send_response(status)
        names = {name.lower() for name in headers or {}}
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        if "content-length" not in names and "transfer-encoding" not in names and status != 304:
            request.send_header("Connection", "close")
            request.close_connection = True
        request.end_headers()
        request.wfile.flush()
        self.started = True

    def write(self, data: bytes) -> bool:
        try:
            self._request.wfile.write(data)
            self._request.wfile.flush()
        except OSError:  # the client closed the connection
            self._request.close_connection = True
            return False
        self.sent += len(data)
        return True

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; True (early) when the server is stopping."""
        return self._stop.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-answer is what many tests do on purpose


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.owner._handle(self)

    def do_HEAD(self) -> None:
        self.server.owner._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackServer:
    """A threading HTTP server on 127.0.0.1:<free port>, serving ``routes``; a context manager."""

    def __init__(self, routes: dict[str, Handler] | None = None) -> None:
        self.routes: dict[str, Handler] = dict(routes or {})
        self.requests: list[Recorded] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        headers = {name.lower(): value for name, value in request.headers.items()}
        recorded = Recorded(request.command, parts.path, parts.query, headers, time.monotonic())
        with self._lock:
            self.requests.append(recorded)
            count = sum(1 for r in self.requests if r.path == parts.path)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        exchange = Exchange(request, recorded, count, self._stop)
        try:
            self.routes.get(parts.path, _not_found)(exchange)
        finally:
            with self._lock:
                self._in_flight -= 1
            if not exchange.started:
                request.close_connection = True  # nothing sent: the client sees the connection close


def _not_found(exchange: Exchange) -> None:
    exchange.respond(404, b"not found", {"Content-Type": "text/plain"})


def static(body: bytes = b"", status: int = 200, headers: Mapping[str, str] | None = None) -> Handler:
    """Always the same answer."""
    return lambda exchange: exchange.respond(status, body, headers)


def sequence(*handlers: Handler) -> Handler:
    """The n-th request to the route gets the n-th handler; the last one answers every later request."""
    if not handlers:
        raise ValueError("sequence() needs at least one handler")
    return lambda exchange: handlers[min(exchange.count, len(handlers)) - 1](exchange)


def redirect(location: str, status: int = 302) -> Handler:
    return static(b"", status, {"Location": location})


def trickled_headers(head: bytes, then: bytes, bytes_: int) -> Handler:
    """Answers ``head`` (a status line and headers, unfinished), then a byte of a header every 0.2 s,
    ``bytes_`` of them (each read within a read timeout), then ``then`` (the headers' end, a body)."""

    def handle(exchange: Exchange) -> None:
        wfile = exchange._request.wfile
        wfile.write(head)
        for _ in range(bytes_):
            if exchange.wait(0.2):
                return
            try:
                wfile.write(b"a")
                wfile.flush()
            except OSError:
                return
        wfile.write(then)
        exchange.started = True

    return handle
