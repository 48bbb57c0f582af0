"""HttpClient against a real HTTP server on 127.0.0.1: validators, retries, caps, timeouts, parallelism.

Timeouts are small (0.5 s read, 1.5 s deadline) and wall-clock assertions are loose upper bounds.
"""

from __future__ import annotations

import gzip
import logging
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from dataclasses import replace

import pytest
from loopback import Exchange, LoopbackServer, redirect, sequence, static, trickled_headers

from ai_news_tracker.config import DEFAULT_USER_AGENT, FetchConfig
from ai_news_tracker.errors import (
    FAILURE_CHARS,
    ConnectionFailed,
    FetchTimeout,
    HTTPStatusFailure,
    OutOfTime,
    ResponseTooLarge,
    SourceFailure,
    TooManyRedirects,
)
from ai_news_tracker.http import HttpClient, Response
from ai_news_tracker.models import Validators

CONFIG = FetchConfig(
    connect_timeout=1.0,
    read_timeout=0.5,
    deadline=1.5,
    retries=2,
    backoff=0.0,
    max_retry_after=0.3,
    max_bytes=1_000_000,
    max_redirects=3,
    workers=8,
)
FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>源</title></channel></rss>'.encode()
ETAG = '"v1-abc"'
LAST_MODIFIED = "Fri, 19 Jun 2026 10:01:25 GMT"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(CONFIG) as http:
        yield http


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- plain answers and validators -------------------------------------------------------------------
def test_200_carries_body_lower_case_headers_validators_and_honest_request_headers(
    server: LoopbackServer, client: HttpClient
) -> None:
    headers = {
        "Content-Type": "application/rss+xml; charset=utf-8",
        "ETag": ETAG,
        "Last-Modified": LAST_MODIFIED,
    }
    server.routes["/feed"] = static(FEED, headers=headers)

    response = client.get(server.url("/feed"))

    assert (response.status, response.body, response.not_modified) == (200, FEED, False)
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert response.validators == Validators(ETAG, LAST_MODIFIED)
    assert response.url == server.url("/feed") and response.attempts == 1
    sent = server.requests[0].headers
    assert sent["user-agent"] == DEFAULT_USER_AGENT
    assert "application/rss+xml" in sent["accept"]
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_conditional_get_answered_304_transfers_no_body(server: LoopbackServer, client: HttpClient) -> None:
    bodies_sent: list[int] = []

    def feed(exchange: Exchange) -> None:
        # (recorded before answering: the client may return before this handler does)
        if exchange.headers.get("if-none-match") == ETAG:
            bodies_sent.append(0)
            exchange.respond(304, headers={"ETag": ETAG})
        else:
            bodies_sent.append(len(FEED))
            exchange.respond(200, FEED, {"ETag": ETAG, "Last-Modified": LAST_MODIFIED})

    server.routes["/feed"] = feed

    first = client.get(server.url("/feed"))
    second = client.get(server.url("/feed"), first.validators)

    assert second.not_modified and second.status == 304 and second.body == b""
    assert second.validators == Validators(ETAG, LAST_MODIFIED)  # Last-Modified kept from the first answer
    conditional = server.requests[1].headers
    assert conditional["if-none-match"] == ETAG
    assert conditional["if-modified-since"] == LAST_MODIFIED
    assert bodies_sent == [len(FEED), 0]


def test_a_200_replaces_the_validators_it_was_asked_with(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = static(FEED, headers={"ETag": '"v2"'})

    response = client.get(server.url("/feed"), Validators(ETAG, LAST_MODIFIED))

    assert response.validators == Validators('"v2"', None)


def test_validators_round_trip_through_a_dict() -> None:
    validators = Validators(ETAG, LAST_MODIFIED)

    assert Validators.from_dict(validators.to_dict()) == validators
    assert Validators.from_dict({}) == Validators(None, None)
    assert Validators(None, None).request_headers() == {}


def test_redirects_are_followed_and_the_final_url_reported(
    server: LoopbackServer, client: HttpClient
) -> None:
    server.routes["/old"] = redirect("/mid", 301)
    server.routes["/mid"] = redirect(server.url("/new"))
    server.routes["/new"] = static(FEED)

    response = client.get(server.url("/old"))

    assert response.url == server.url("/new") and response.body == FEED


def test_the_redirect_log_line_as_written_names_where_it_leads(
    server: LoopbackServer, client: HttpClient
) -> None:
    import io
    import json

    from ai_news_tracker.cli import setup_logging
    from ai_news_tracker.log import SERVICE

    # Given the command's logging at its most verbose (Powertools' JSON lines), written to a buffer
    server.routes["/old"] = redirect("/new?key=S3CR3T")
    server.routes["/new"] = static(b"ok")
    setup_logging(2)
    (handler,) = [h for h in logging.getLogger(SERVICE).handlers if isinstance(h, logging.StreamHandler)]
    written = io.StringIO()
    stream = handler.setStream(written)
    try:
        # When a feed that moved is fetched
        client.get(server.url("/old"))
    finally:
        handler.setStream(stream)
        setup_logging(0)
    # Then the written line names the redirect's target (masked), not Powertools' own file:line
    lines = [json.loads(line) for line in written.getvalue().splitlines() if line.startswith("{")]
    (line,) = [line for line in lines if line["message"] == "http redirect"]
    assert line["target"] == server.url("/new?key=***") and line["status"] == 302


@pytest.mark.parametrize("status", [303, 307, 308])
def test_every_redirect_status_is_followed(server: LoopbackServer, client: HttpClient, status: int) -> None:
    # Given a feed behind a 303, 307 or 308 (a permanent move on a modern host is a 308)
    server.routes["/old"] = redirect("/new", status)
    server.routes["/new"] = static(FEED)

    # When it is fetched, Then the redirect is followed to the feed
    response = client.get(server.url("/old"))

    assert response.url == server.url("/new") and response.body == FEED


def test_validators_go_with_the_first_request_only(server: LoopbackServer, client: HttpClient) -> None:
    # Given a feed that moved, asked for conditionally
    server.routes["/old"] = redirect("/new", 301)
    server.routes["/new"] = static(FEED, headers={"ETag": '"v2"'})

    # When it is fetched with the old URL's validators
    response = client.get(server.url("/old"), Validators(ETAG, LAST_MODIFIED))

    # Then only the old URL was asked conditionally, and the new URL's validators come back
    first, second = server.requests
    assert first.headers["if-none-match"] == ETAG and first.headers["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in second.headers and "if-modified-since" not in second.headers
    assert response.body == FEED and response.validators == Validators('"v2"', None)


def test_each_redirect_hop_gets_its_own_retries(server: LoopbackServer, client: HttpClient) -> None:
    # Given a redirect to a URL that answers 503 once
    server.routes["/old"] = redirect("/flaky")
    server.routes["/flaky"] = sequence(static(b"", status=503), static(FEED))

    # When it is fetched, Then the final URL is retried and read
    response = client.get(server.url("/old"))

    assert response.body == FEED and response.attempts == 2
    assert (server.hits("/old"), server.hits("/flaky")) == (1, 2)


def test_a_redirect_to_another_scheme_is_named(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/file"] = redirect("file:///etc/passwd")

    with pytest.raises(ConnectionFailed, match=r"^not an http\(s\) URL$"):
        client.get(server.url("/file"))


def test_a_redirect_body_is_never_read_not_even_a_gzip_bomb(
    server: LoopbackServer, client: HttpClient
) -> None:
    # Given a 302 carrying a gzip bomb (64 MB decoded) and a 302 whose body goes on for 200 MB
    bomb = _gzip_of_zeros(64)
    server.routes["/bomb"] = static(bomb, 302, {"Location": "/feed", "Content-Encoding": "gzip"})
    endless_sent: list[int] = []

    def endless(exchange: Exchange) -> None:
        exchange.start(302, {"Location": "/feed"})  # no Content-Length: the body ends when it closes
        while exchange.sent < 200 * 1024 * 1024 and exchange.write(b"x" * 65536):
            pass
        endless_sent.append(exchange.sent)

    server.routes["/endless"] = endless
    server.routes["/feed"] = static(FEED)

    # When both are fetched
    tracemalloc.start()
    try:
        started = time.monotonic()
        first = client.get(server.url("/bomb"))
        second = client.get(server.url("/endless"))
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then both redirects are followed at once, their bodies left unread, and memory stays low
    assert peak < 8_000_000  # reading the bomb's body would take 64 MB
    assert first.body == FEED == second.body
    assert first.url == server.url("/feed") == second.url
    assert seconds < 2.0
    deadline = time.monotonic() + 5
    while not endless_sent and time.monotonic() < deadline:  # the handler notices the client is gone
        time.sleep(0.01)
    assert endless_sent and endless_sent[0] < 100 * 1024 * 1024


def test_the_answer_after_a_redirect_is_read_with_the_caps(
    server: LoopbackServer, client: HttpClient
) -> None:
    # Given a redirect to a gzip bomb
    server.routes["/old"] = redirect("/bomb")
    server.routes["/bomb"] = static(_gzip_of_zeros(64), headers={"Content-Encoding": "gzip"})

    # When it is fetched, Then the final answer is cut off at the cap
    with pytest.raises(ResponseTooLarge, match=r"^more than 1 MB$"):
        client.get(server.url("/old"))


def test_gzip_answers_are_decoded(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = static(gzip.compress(FEED), headers={"Content-Encoding": "gzip"})

    assert client.get(server.url("/feed")).body == FEED


# -- status codes and retries -----------------------------------------------------------------------
def test_500_is_retried_then_fails_with_the_attempt_count(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = static(b"oops", status=500)

    with pytest.raises(HTTPStatusFailure) as caught:
        client.get(server.url("/feed"))

    assert server.hits("/feed") == CONFIG.retries + 1
    assert caught.value.code == 500
    assert str(caught.value) == "HTTP 500 Internal Server Error after 3 attempts"


def test_503_then_200_recovers(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = sequence(static(b"", status=503), static(FEED))

    response = client.get(server.url("/feed"))

    assert response.body == FEED and response.attempts == 2
    assert server.hits("/feed") == 2


def test_429_without_retry_after_then_200_recovers(server: LoopbackServer, client: HttpClient) -> None:
    # Given a rate-limited source (raw.githubusercontent.com, RSSHub) answering 429 once, with no
    # Retry-After (urllib3 retries a 429 that has one of its own accord)
    server.routes["/feed"] = sequence(static(b"", status=429), static(FEED))

    # When it is fetched, Then it is retried after the backoff and read
    response = client.get(server.url("/feed"))

    assert response.body == FEED and response.attempts == 2
    assert server.hits("/feed") == 2


def test_404_is_not_retried(server: LoopbackServer, client: HttpClient) -> None:
    with pytest.raises(HTTPStatusFailure, match=r"^HTTP 404 Not Found$") as caught:
        client.get(server.url("/missing"))

    assert caught.value.code == 404 and server.hits("/missing") == 1


def test_an_unknown_status_with_a_huge_reason_phrase_fails_with_a_short_message(
    server: LoopbackServer, client: HttpClient
) -> None:
    # Given a server answering a status code of its own with a 60,000-character reason phrase
    def hostile(exchange: Exchange) -> None:
        exchange._request.send_response(599, "x" * 60_000)
        exchange._request.send_header("Content-Length", "0")
        exchange._request.end_headers()
        exchange.started = True

    server.routes["/feed"] = hostile
    # When it is fetched
    with pytest.raises(HTTPStatusFailure) as caught:
        client.get(server.url("/feed"))
    # Then the failure says the code and the start of the phrase, in a few hundred characters at most:
    # its message goes into the run's return value, the source's state and the edition
    message = str(caught.value)
    assert caught.value.code == 599 and message.startswith("HTTP 599 xxx")
    assert len(message) <= FAILURE_CHARS and message.endswith("…")


def _gap(server: LoopbackServer, path: str) -> float:
    first, second = [r.at for r in server.requests if r.path == path][:2]
    return second - first


def test_retry_after_is_honoured(server: LoopbackServer) -> None:
    server.routes["/feed"] = sequence(static(b"", 429, {"Retry-After": "1"}), static(FEED))

    with HttpClient(FetchConfig(retries=1, backoff=0.0, max_retry_after=5.0)) as client:
        assert client.get(server.url("/feed")).body == FEED

    assert _gap(server, "/feed") >= 0.9


def test_retry_after_is_capped(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = sequence(static(b"", 429, {"Retry-After": "3600"}), static(FEED))

    assert client.get(server.url("/feed")).body == FEED

    assert CONFIG.max_retry_after - 0.05 <= _gap(server, "/feed") < 3


def test_a_malformed_retry_after_falls_back_to_backoff(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = sequence(static(b"", 503, {"Retry-After": "soon-ish"}), static(FEED))

    assert client.get(server.url("/feed")).body == FEED


def test_429_that_persists_fails_named(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = static(b"", 429, {"Retry-After": "0"})

    with pytest.raises(HTTPStatusFailure, match="HTTP 429 Too Many Requests after 3 attempts"):
        client.get(server.url("/feed"))


# -- time limits ------------------------------------------------------------------------------------
def test_a_server_that_never_answers_times_out_without_retry(
    server: LoopbackServer, client: HttpClient
) -> None:
    server.routes["/hang"] = lambda exchange: None if exchange.wait(10) else exchange.respond(200, FEED)

    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"^no answer within 0\.5 s$"):
        client.get(server.url("/hang"))

    assert time.monotonic() - started < 3
    assert server.hits("/hang") == 1  # a read timeout is not retried


def test_a_server_that_stalls_mid_body_times_out(server: LoopbackServer, client: HttpClient) -> None:
    def stall(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Length": "1000"})
        exchange.write(b"x" * 10)
        exchange.wait(10)

    server.routes["/stall"] = stall

    with pytest.raises(FetchTimeout, match="no answer within"):
        client.get(server.url("/stall"))


def test_a_trickle_that_never_ends_stops_at_the_deadline(server: LoopbackServer, client: HttpClient) -> None:
    def trickle(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Type": "application/rss+xml"})
        while exchange.write(b"<") and not exchange.wait(0.05):
            pass

    server.routes["/trickle"] = trickle

    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"^not complete within 1\.5 s$"):
        client.get(server.url("/trickle"))

    assert time.monotonic() - started < CONFIG.deadline + CONFIG.read_timeout + 2


def test_the_deadline_holds_across_a_chain_of_slow_redirects(server: LoopbackServer) -> None:
    # Given ten redirects, each answered after 0.4 s (under the 0.5 s read timeout)
    def slow_redirect(exchange: Exchange) -> None:
        hop = int(exchange.path.removeprefix("/r"))
        if not exchange.wait(0.4):
            exchange.respond(302, headers={"Location": f"/r{hop + 1}"})

    for hop in range(10):
        server.routes[f"/r{hop}"] = slow_redirect
    server.routes["/r10"] = static(FEED)

    # When the chain is followed under a 1.5 s deadline
    started = time.monotonic()
    with (
        HttpClient(replace(CONFIG, max_redirects=10)) as client,
        pytest.raises(FetchTimeout, match=r"^not complete within 1\.5 s$"),
    ):
        client.get(server.url("/r0"))

    # Then it stops at the deadline, not after the whole chain (4 s; the bound is loose for busy CI)
    assert time.monotonic() - started < CONFIG.deadline + 1.5
    assert server.hits("/r10") == 0 and len(server.requests) <= 4


def test_headers_that_trickle_stop_at_the_deadline(server: LoopbackServer, client: HttpClient) -> None:
    # Given a server sending its headers a byte every 0.2 s for 8 s (each read within the read timeout)
    server.routes["/slow"] = trickled_headers(
        b"HTTP/1.1 302 Found\r\nLocation: /feed\r\nX-Slow: ", b"\r\n\r\n", 40
    )
    server.routes["/feed"] = static(FEED)

    # When it is fetched
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"^not complete within 1\.5 s$"):
        client.get(server.url("/slow"))

    # Then the deadline cut it off (the headers alone take 8 s; the bound is loose for busy CI)
    assert time.monotonic() - started < CONFIG.deadline + 1.5


# -- size limits ------------------------------------------------------------------------------------
def test_a_40_mb_stream_is_cut_off_early(server: LoopbackServer, client: HttpClient) -> None:
    chunk = b"x" * 65536
    total = 40 * 1024 * 1024

    def huge(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Type": "application/xml"})  # no Content-Length
        while exchange.sent < total and exchange.write(chunk):
            pass

    server.routes["/huge"] = huge

    started = time.monotonic()
    with pytest.raises(ResponseTooLarge, match=r"^more than 1 MB$"):
        client.get(server.url("/huge"))

    assert time.monotonic() - started < 5


def test_a_declared_length_over_the_cap_is_refused_before_reading(server: LoopbackServer) -> None:
    declared = str(40_000_000)

    def huge(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Length": declared})
        while exchange.write(b"x" * 65536) and not exchange.wait(0.01):
            pass

    server.routes["/huge"] = huge

    with (
        HttpClient(CONFIG) as client,
        pytest.raises(ResponseTooLarge, match=r"^more than 1 MB \(40 MB announced\)$"),
    ):
        client.get(server.url("/huge"))


def test_max_bytes_per_request_overrides_the_default(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/feed"] = static(b"x" * 2000)

    with pytest.raises(ResponseTooLarge, match=r"^more than 1 kB"):
        client.get(server.url("/feed"), max_bytes=1000)
    assert len(client.get(server.url("/feed"), max_bytes=2000).body) == 2000


def _gzip_of_zeros(megabytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    block = bytes(1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()


def test_a_gzip_bomb_is_capped_on_decoded_bytes(server: LoopbackServer, client: HttpClient) -> None:
    bomb = _gzip_of_zeros(64)
    assert len(bomb) < CONFIG.max_bytes  # small on the wire: only the decoded size gives it away
    server.routes["/bomb"] = static(bomb, headers={"Content-Encoding": "gzip"})

    with pytest.raises(ResponseTooLarge, match="more than 1 MB"):
        client.get(server.url("/bomb"))


# -- connection-level failures ----------------------------------------------------------------------
def test_a_redirect_loop_is_named(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")

    with pytest.raises(TooManyRedirects, match=r"^redirected more than 3 times$"):
        client.get(server.url("/a"))


def test_connection_refused(client: HttpClient) -> None:
    # (a refused connection is retried like a 5xx: a restarting server, a DNS blip)
    with pytest.raises(ConnectionFailed, match=r"^connection refused after 3 attempts$") as caught:
        client.get(f"http://127.0.0.1:{closed_port()}/feed")

    assert caught.value.__cause__ is not None


def test_a_connection_closed_without_an_answer(server: LoopbackServer, client: HttpClient) -> None:
    server.routes["/drop"] = lambda exchange: None

    with pytest.raises(ConnectionFailed, match=r"^connection closed without an answer$"):
        client.get(server.url("/drop"))


def test_a_body_shorter_than_its_content_length(server: LoopbackServer, client: HttpClient) -> None:
    def short(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Length": "1000"})
        exchange.write(b"<rss>")
        exchange._request.close_connection = True

    server.routes["/short"] = short

    with pytest.raises(ConnectionFailed, match="connection broken"):
        client.get(server.url("/short"))


def test_an_invalid_url_is_a_named_failure(client: HttpClient) -> None:
    with pytest.raises(ConnectionFailed, match="invalid URL"):
        client.get("http://[::1/feed")


# -- many at once -----------------------------------------------------------------------------------
def test_fetch_many_runs_in_parallel_and_keeps_failures_apart(server: LoopbackServer) -> None:
    def slow(exchange: Exchange) -> None:
        exchange.wait(0.3)
        exchange.respond(200, exchange.path.encode())

    jobs: list[tuple[str, str, Validators | None, int | None]] = []
    for n in range(6):
        server.routes[f"/slow{n}"] = slow
        jobs.append((f"source-{n}", server.url(f"/slow{n}"), None, None))
    server.routes["/broken"] = static(b"", status=500)
    jobs.append(("broken", server.url("/broken"), None, None))
    jobs.append(("refused", f"http://127.0.0.1:{closed_port()}/", None, None))
    jobs.append(("tiny-cap", server.url("/slow0"), Validators(ETAG, None), 3))

    with HttpClient(CONFIG) as client:
        results = client.fetch_many(jobs)

    assert set(results) == {key for key, *_ in jobs}
    for n in range(6):
        result = results[f"source-{n}"]
        assert isinstance(result, Response) and result.body == f"/slow{n}".encode()
    assert isinstance(results["broken"], HTTPStatusFailure)
    assert isinstance(results["refused"], ConnectionFailed)
    assert isinstance(results["tiny-cap"], ResponseTooLarge)
    assert server.max_in_flight > 1
    conditional = [r for r in server.requests if r.headers.get("if-none-match") == ETAG]
    assert len(conditional) == 1


def test_a_run_s_deadline_ends_its_requests_before_their_own_and_leaves_later_ones_unasked(
    server: LoopbackServer,
) -> None:
    # Given feeds that trickle forever, fetched one at a time, each request allowed 20 s
    def trickle(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Type": "application/rss+xml"})
        while exchange.write(b"<") and not exchange.wait(0.05):
            pass

    server.routes["/first"] = server.routes["/second"] = trickle
    jobs: list[tuple[str, str, Validators | None, int | None]] = [
        (name, server.url(f"/{name}"), None, None) for name in ("first", "second")
    ]
    with HttpClient(replace(CONFIG, deadline=20.0, workers=1)) as client:
        # When they are fetched, and one more asked for alone, under a run's deadline 1 s away
        started = time.monotonic()
        results = client.fetch_many(jobs, deadline_at=started + 1)
        with pytest.raises(FetchTimeout, match=r"^not complete before the run's deadline$"):
            client.get(server.url("/first"), deadline_at=time.monotonic() + 0.5)
        took = time.monotonic() - started

    # Then the first stopped at the run's deadline and the second was never asked for, in about 1.5 s
    assert str(results["first"]) == "not complete before the run's deadline"
    assert isinstance(results["second"], OutOfTime) and server.hits("/second") == 0
    assert took < 3.5


def test_fetch_many_of_nothing_and_duplicate_keys(client: HttpClient) -> None:
    assert client.fetch_many([]) == {}
    with pytest.raises(ValueError, match="unique"):
        client.fetch_many(
            [("a", "http://127.0.0.1:1/", None, None), ("a", "http://127.0.0.1:1/", None, None)]
        )


def test_failures_are_source_failures(client: HttpClient) -> None:
    results = client.fetch_many([(1, f"http://127.0.0.1:{closed_port()}/", None, None)])

    assert isinstance(results[1], SourceFailure) and results[1].status == "connection_error"


def test_a_feed_behind_basic_auth_is_asked_with_its_password_which_no_log_and_no_link_base_keeps(
    server: LoopbackServer, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a feed whose configured URL carries user info
    from ai_news_tracker import http as http_module

    server.routes["/private"] = static(FEED)
    url = server.url("/private").replace("http://", "http://bob:s3cret@")
    logged: list[dict[str, object]] = []
    monkeypatch.setattr(http_module.logger, "info", lambda message, **keys: logged.append(keys))
    # When it is fetched
    answer = client.get(url)
    # Then the server was asked with the credentials, and neither the log nor the answer's URL has them
    assert server.requests[-1].headers["authorization"].startswith("Basic ")
    assert answer.url == server.url("/private")
    assert logged and all("s3cret" not in str(keys) for keys in logged)


def test_a_feeds_access_key_in_its_query_is_sent_but_no_log_line_and_no_failure_shows_it(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given feeds whose configured URLs carry a key in their query (a WeChat-to-RSS bridge, RSSHub): one
    # that answers, one that redirects with its key, one that keeps failing, one whose host refuses
    from ai_news_tracker import http as http_module

    server.routes["/ok"] = static(FEED)
    server.routes["/redir"] = redirect("/ok2?key=SECRETREDIR3")
    server.routes["/ok2"] = static(FEED)
    server.routes["/err"] = static(b"", status=500)
    down = f"http://127.0.0.1:{closed_port()}/feed"
    jobs: list[tuple[str, str, None, None]] = [
        ("ok", server.url("/ok?access_token=SECRETOK1").replace("http://", "http://bob:s3cret@"), None, None),
        ("redirected", server.url("/redir?key=SECRETREDIR3"), None, None),
        ("failing", server.url("/err?access_token=SECRETERR4"), None, None),
        ("down", down + "?key=SECRETDOWN5", None, None),
    ]
    logged: list[tuple[str, dict[str, object]]] = []
    for level in ("debug", "info", "warning", "exception"):
        monkeypatch.setattr(
            http_module.logger, level, lambda message, **keys: logged.append((str(message), keys))
        )
    caplog.set_level(logging.DEBUG, logger="urllib3")  # urllib3's own lines: a retry's names the URL

    # When they are fetched
    with HttpClient(CONFIG) as client:
        results = client.fetch_many(jobs)

    # Then each key reached its server
    assert {r.query for r in server.requests} >= {
        "access_token=SECRETOK1",
        "key=SECRETREDIR3",
        "access_token=SECRETERR4",
    }
    assert isinstance(results["ok"], Response) and isinstance(results["redirected"], Response)
    assert isinstance(results["failing"], HTTPStatusFailure) and isinstance(results["down"], ConnectionFailed)
    # and the log lines name each feed by its parameters' names, never a key or a password
    shown = {str(keys["url"]) for message, keys in logged if message in ("http get", "http get failed")}
    assert shown == {
        server.url("/ok?access_token=***"),
        server.url("/redir?key=***"),
        server.url("/err?access_token=***"),
        down + "?key=***",
    }
    assert (
        "http redirect",
        {"url": server.url("/redir?key=***"), "status": 302, "target": server.url("/ok2?key=***")},
    ) in logged
    assert "Retrying" in caplog.text  # urllib3 did log the refused connection's retries
    failures = " ".join(str(result) for result in results.values() if isinstance(result, SourceFailure))
    written = str(logged) + caplog.text + failures
    assert "SECRET" not in written and "s3cret" not in written
