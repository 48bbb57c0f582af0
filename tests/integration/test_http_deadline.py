"""``[fetch] deadline`` bounds a whole request: its connection attempts and the waits between retries too.

A dead host (a closed port, a listening socket whose backlog is full, so that SYNs are dropped as by a
black-holed address) is retried (``retries``, a DNS blip), but never past the deadline, and the failure
says what was spent. Attempts are counted at urllib3's ``create_connection``; wall-clock bounds are loose.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

import pytest
import urllib3.util.connection
from loopback import LoopbackServer, sequence, static, trickled_headers

from ai_news_tracker.config import FetchConfig
from ai_news_tracker.errors import ConnectionFailed, FetchTimeout, HTTPStatusFailure, SourceFailure
from ai_news_tracker.http import HttpClient

MARGIN = 1.0  # seconds over the deadline a busy, shared machine may take


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A URL whose connections never complete: its listening socket's backlog is full, SYNs are dropped."""
    with ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(3):  # fill the accept queue, never accepted
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            with suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        yield f"http://127.0.0.1:{port}/feed"


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/feed"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The connect timeout of every connection attempt urllib3 makes, in order."""
    made: list[float] = []
    real = urllib3.util.connection.create_connection

    def counting(address: Any, timeout: Any = None, *args: Any, **kwargs: Any) -> socket.socket:
        made.append(timeout)
        return real(address, timeout, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    return made


def test_a_host_that_never_accepts_is_given_up_at_the_deadline(
    black_hole: str, connections: list[float]
) -> None:
    # Given a black-holed host, 1 s to connect, 5 retries and a 1.5 s deadline (6 s without the bound)
    config = FetchConfig(connect_timeout=1.0, deadline=1.5, retries=5, backoff=0.0)

    # When it is fetched
    started = time.monotonic()
    with HttpClient(config) as client, pytest.raises(FetchTimeout) as caught:
        client.get(black_hole)
    spent = time.monotonic() - started

    # Then the request ended at the deadline, saying so: the second attempt was given only the half
    # second left (none at all if the first ran late on a busy machine), and no third was made
    assert str(caught.value) == "not complete within 1.5 s"
    assert connections[0] == 1.0 and len(connections) <= 2
    assert sum(connections) <= config.deadline + 0.01
    assert spent < config.deadline + MARGIN


def test_connection_retries_inside_the_deadline_say_how_many_were_made(
    black_hole: str, connections: list[float]
) -> None:
    # Given a black-holed host, 0.3 s to connect, 2 retries and a deadline that leaves room for them all
    config = FetchConfig(connect_timeout=0.3, deadline=10.0, retries=2, backoff=0.0)

    # When it is fetched
    started = time.monotonic()
    with HttpClient(config) as client, pytest.raises(FetchTimeout) as caught:
        client.get(black_hole)

    # Then the three attempts were made and the reason counts them: "within 0.3 s" hid the 0.9 s spent
    assert str(caught.value) == "no connection after 3 attempts of 0.3 s"
    assert connections == [0.3, 0.3, 0.3]
    assert time.monotonic() - started < 0.9 + MARGIN


def test_no_backoff_wait_runs_past_the_deadline(closed_port_url: str, connections: list[float]) -> None:
    # Given a closed port and a long backoff: a 4 s wait before the third attempt, 5 s before the fourth
    config = FetchConfig(deadline=1.5, retries=3, backoff=2.0, max_retry_after=5.0)

    # When it is fetched
    started = time.monotonic()
    with HttpClient(config) as client, pytest.raises(ConnectionFailed) as caught:
        client.get(closed_port_url)

    # Then it gives up when the next wait would end past the deadline, and says how often it tried
    assert str(caught.value) == "connection refused after 2 attempts"
    assert len(connections) == 2
    assert time.monotonic() - started < config.deadline + MARGIN


def test_a_retry_after_that_ends_past_the_deadline_is_not_waited_for() -> None:
    # Given a server answering 503 with a Retry-After of 3 s (under max_retry_after) and a 1.5 s deadline
    config = FetchConfig(deadline=1.5, retries=2, backoff=0.0, max_retry_after=5.0)
    with LoopbackServer() as server, HttpClient(config) as client:
        server.routes["/feed"] = sequence(static(b"", 503, {"Retry-After": "3"}), static(b"<rss/>"))

        # When it is fetched
        started = time.monotonic()
        with pytest.raises(HTTPStatusFailure) as caught:
            client.get(server.url("/feed"))
        spent = time.monotonic() - started

        # Then the 503 stands at once: waiting would have ended past the deadline
        assert str(caught.value) == "HTTP 503 Service Unavailable"
        assert server.hits("/feed") == 1
    assert spent < config.deadline


def test_a_retry_after_inside_the_deadline_is_still_waited_for() -> None:
    # Given a server answering 503 with a Retry-After of 1 s, and a deadline that leaves room for it
    config = FetchConfig(deadline=5.0, retries=2, backoff=0.0, max_retry_after=5.0)
    with LoopbackServer() as server, HttpClient(config) as client:
        server.routes["/feed"] = sequence(static(b"", 503, {"Retry-After": "1"}), static(b"<rss/>"))

        # When it is fetched, Then the second attempt, a second later, is read
        response = client.get(server.url("/feed"))

        assert response.body == b"<rss/>" and response.attempts == 2
        first, second = [r.at for r in server.requests]
        assert second - first >= 0.9


@pytest.fixture
def black_holed_address(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every connection urllib3 attempts waits its whole connect timeout and times out, as a black-holed
    public address does; the timeouts given, in order."""
    made: list[float] = []

    def black_hole(address: Any, timeout: Any = None, *args: Any, **kwargs: Any) -> socket.socket:
        made.append(timeout)
        time.sleep(timeout)
        raise TimeoutError("timed out")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", black_hole)
    return made


def test_a_link_to_a_black_holed_public_address_is_given_up_at_the_deadline(
    black_holed_address: list[float],
) -> None:
    # Given an article link found in a feed (a checked destination, connected to its checked address)
    # whose host never answers, 1 s to connect, 5 retries and a 1.5 s deadline
    config = FetchConfig(connect_timeout=1.0, deadline=1.5, retries=5, backoff=0.0)

    # When it is fetched
    started = time.monotonic()
    with HttpClient(config) as client, pytest.raises(FetchTimeout):
        client.get("http://93.184.215.14/articles/1", found_at="https://news.example.com/feed")
    spent = time.monotonic() - started

    # Then its connection attempts kept to the deadline as a configured feed's do: the second was given
    # only the time left, not another whole connect timeout
    assert black_holed_address[0] == 1.0 and len(black_holed_address) <= 2
    assert sum(black_holed_address) <= config.deadline + 0.01
    assert spent < config.deadline + MARGIN


def test_a_single_connection_attempt_that_times_out_says_so_without_counting(black_hole: str) -> None:
    # Given a black-holed host and no retries
    config = FetchConfig(connect_timeout=0.3, deadline=10.0, retries=0)

    # When it is fetched
    with HttpClient(config) as client, pytest.raises(FetchTimeout) as caught:
        client.get(black_hole)

    # Then the reason names the connect timeout, not "after 1 attempts"
    assert str(caught.value) == "no connection within 0.3 s"


# -- behind a proxy ---------------------------------------------------------------------------------
def use_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Send every http:// request through the proxy at ``url`` (``HTTP_PROXY``, honoured by requests)."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", url)


def test_headers_trickled_through_a_proxy_stop_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a proxy relaying a configured feed's answer whose headers come a byte every 0.2 s for 6 s,
    # each read within the read timeout
    trickle_headers = trickled_headers(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Slow: ", b"\r\n\r\nok", 30)
    config = FetchConfig(connect_timeout=1.0, read_timeout=0.5, deadline=1.5, retries=0)
    with LoopbackServer({"/feed": trickle_headers}) as proxy, HttpClient(config) as client:
        use_proxy(monkeypatch, proxy.url())

        # When the feed is fetched
        started = time.monotonic()
        with pytest.raises(FetchTimeout, match=r"^not complete within 1\.5 s$"):
            client.get("http://feed.test/feed")

        # Then the deadline cut it off, as without a proxy (the bound is loose for busy CI)
        assert time.monotonic() - started < config.deadline + MARGIN
        assert proxy.requests[0].headers["host"] == "feed.test"


def test_connections_to_a_proxy_keep_to_the_deadline(
    black_hole: str, connections: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a proxy that never accepts, 1 s to connect, 5 retries and a 1.5 s deadline
    use_proxy(monkeypatch, black_hole.removesuffix("/feed"))
    config = FetchConfig(connect_timeout=1.0, deadline=1.5, retries=5, backoff=0.0)

    # When a configured feed is fetched through it
    with HttpClient(config) as client, pytest.raises(SourceFailure):
        client.get("http://feed.test/feed")

    # Then the second attempt was given only the time left, as without a proxy
    assert connections[0] == 1.0 and len(connections) <= 2
    assert sum(connections) <= config.deadline + 0.01


def test_a_proxy_that_never_accepts_is_named_in_the_reason(
    black_hole: str, connections: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a proxy that never accepts, 0.3 s to connect and 1 retry
    use_proxy(monkeypatch, black_hole.removesuffix("/feed"))
    config = FetchConfig(connect_timeout=0.3, deadline=10.0, retries=1, backoff=0.0)

    # When a configured feed is fetched through it
    with HttpClient(config) as client, pytest.raises(FetchTimeout) as caught:
        client.get("http://feed.test/feed")

    # Then the reason says the proxy timed out, as a feed's host would ("request failed (ProxyError)")
    assert str(caught.value) == "proxy: no connection after 2 attempts of 0.3 s"
    assert connections == [0.3, 0.3]


def test_a_proxy_refusing_connections_is_named_in_the_reason(
    closed_port_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a proxy whose port is closed and no retries
    use_proxy(monkeypatch, closed_port_url.removesuffix("/feed"))

    # When a configured feed is fetched through it
    with HttpClient(FetchConfig(retries=0)) as client, pytest.raises(ConnectionFailed) as caught:
        client.get("http://feed.test/feed")

    # Then the operator reads that the proxy refused, not the feed's host
    assert str(caught.value) == "proxy: connection refused"


@contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[int]:
    """A loopback port whose every connection is handed to ``answer`` on a thread of its own."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        listener.settimeout(0.1)
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                threading.Thread(target=answer, args=(conn,), daemon=True).start()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield int(listener.getsockname()[1])
        finally:
            stop.set()
            thread.join()


def trickled(conn: socket.socket, head: bytes, then: bytes = b"") -> None:
    """Send ``head`` at once, a byte every 0.2 s for 6 s, then ``then``; stop when the client hangs up."""
    with conn:
        try:
            conn.sendall(head)
            for _ in range(30):
                time.sleep(0.2)
                conn.sendall(b"a")
            conn.sendall(then)
        except OSError:
            return


def test_a_proxy_trickling_its_answer_to_connect_stops_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an HTTPS proxy whose answer to CONNECT (the tunnel to an https:// feed) comes a byte every
    # 0.2 s for 6 s, each read within the connect timeout
    def tunnel(conn: socket.socket) -> None:
        conn.recv(4096)  # CONNECT feed.test:443
        trickled(conn, b"HTTP/1.1 200 Connection established\r\nX-Slow: ", b"\r\n\r\n")

    config = FetchConfig(connect_timeout=1.0, read_timeout=0.5, deadline=1.5, retries=0)
    with raw_server(tunnel) as port, HttpClient(config) as client:
        for name in ("NO_PROXY", "no_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")

        # When the feed is fetched through it
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            client.get("https://feed.test/feed")

        # Then the deadline cut it off, as it does a proxy trickling the feed's headers
        assert time.monotonic() - started < config.deadline + MARGIN


@pytest.fixture
def silent_tls_host() -> Iterator[str]:
    """An https URL whose host completes the TCP handshake (the kernel's) and then says nothing: a TLS
    handshake that never completes, as on a host whose TLS terminator hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # never accepted: connections wait in the queue, unanswered
        yield f"https://127.0.0.1:{listener.getsockname()[1]}/feed"


def test_a_tls_handshake_that_never_completes_is_a_connection_timeout_and_retried(
    silent_tls_host: str, connections: list[float]
) -> None:
    # Given a host that accepts connections but never answers the TLS handshake, 0.3 s to connect,
    # a read timeout long enough to tell apart, and 2 retries
    config = FetchConfig(connect_timeout=0.3, read_timeout=5.0, deadline=10.0, retries=2, backoff=0.0)

    # When it is fetched
    started = time.monotonic()
    with HttpClient(config) as client, pytest.raises(FetchTimeout) as caught:
        client.get(silent_tls_host)

    # Then, as for a host that never accepts, the connection was tried again and the reason says that no
    # connection was made ("no answer within 5 s" named a wait the request never spent, and no retry)
    assert str(caught.value) == "no connection after 3 attempts of 0.3 s"
    assert connections == [0.3, 0.3, 0.3]
    assert time.monotonic() - started < 0.9 + MARGIN
