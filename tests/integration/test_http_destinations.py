"""Where HttpClient may send a request: configured URLs anywhere, everything else to public addresses.

Two loopback servers on different ports are two origins; 127.0.0.1 is not a public address, so a
request that leaves the trusted origin for the other server must be refused before it is made. No test
here touches the network: literal addresses resolve locally, made-up names through a fake name server
(:class:`FakeNetwork`), and connection attempts are recorded instead of made where a destination is
allowed, or handed to a loopback server standing in for the address asked for.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
from loopback import LoopbackServer, redirect, static

from ai_news_tracker.config import FetchConfig
from ai_news_tracker.errors import BlockedDestination, ConnectionFailed, SourceFailure
from ai_news_tracker.http import HttpClient, Response
from ai_news_tracker.models import Validators

CONFIG = FetchConfig(connect_timeout=1.0, read_timeout=0.5, deadline=1.5, retries=0, max_redirects=3)
PAGE = b'<html><head><meta name="description" content="internal secret"></head></html>'
FEED_URL = "https://news.example.com/feed"  # a configured feed on a public site


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    """The source's own site: its feed, its article pages."""
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def internal() -> Iterator[LoopbackServer]:
    """Another origin on a non-public address (the Lambda Runtime API, an admin page on the LAN)."""
    with LoopbackServer({"/admin": static(PAGE)}) as running:
        yield running


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(CONFIG) as http:
        yield http


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every connection urllib3 attempts, recorded and refused instead of made."""
    attempted: list[tuple[str, int]] = []

    def record(address: tuple[str, int], *args: object, **kwargs: object) -> None:
        attempted.append(address)
        raise ConnectionRefusedError("recorded, not connected")

    monkeypatch.setattr("urllib3.util.connection.create_connection", record)
    return attempted


class FakeNetwork:
    """A name server and a network for made-up names, set up by each test.

    ``names[host]`` lists the answers to successive look-ups of ``host`` (the last one repeats; an
    answer may hold several addresses, space-separated): a rebinding name server answers a public
    address first and 127.0.0.1 next. ``connected`` records
    every address a socket connects to; one in ``forward`` reaches that loopback port instead, any
    other is refused.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: dict[str, list[str]] = {}
        self.forward: dict[tuple[str, int], int] = {}
        self.connected: list[tuple[str, int]] = []
        self._getaddrinfo = socket.getaddrinfo
        real_connect = socket.socket.connect

        def connect(sock: socket.socket, address: tuple[str, int]) -> None:  # a method of every socket
            self.connected.append((address[0], address[1]))
            port = self.forward.get((address[0], address[1]))
            if port is None:
                raise ConnectionRefusedError("recorded, not connected")
            real_connect(sock, ("127.0.0.1", port))

        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        answers = self.names.get(host)
        if answers is None:
            return self._getaddrinfo(host, port, *args, **kwargs)
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port)) for a in answer.split()
        ]


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> FakeNetwork:
    return FakeNetwork(monkeypatch)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch, network: FakeNetwork) -> Iterator[LoopbackServer]:
    """An HTTP proxy every http:// request is to go through (``HTTP_PROXY``, honoured by requests): a
    loopback server answering what it is asked for as a proxy would, resolving the name itself."""
    with LoopbackServer() as running:
        for name in ("NO_PROXY", "no_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{running.port}")
        network.forward[("127.0.0.1", running.port)] = running.port
        yield running


# -- article links (found in fetched content) -------------------------------------------------------
def test_an_article_link_to_another_origin_is_refused_and_never_requested(
    site: LoopbackServer, internal: LoopbackServer, client: HttpClient
) -> None:
    # Given a feed on the site whose item links to the internal server
    feed_url = site.url("/feed")

    # When the link is fetched as found at that feed
    with pytest.raises(BlockedDestination) as caught:
        client.get(internal.url("/admin"), found_at=feed_url)

    # Then it is refused by name, naming the host, and the internal server saw nothing
    assert caught.value.status == "blocked_destination"
    assert str(caught.value) == f"refused 127.0.0.1:{internal.port}: not a public address"
    assert internal.requests == []


def test_an_article_link_on_the_feeds_own_origin_is_fetched(site: LoopbackServer, client: HttpClient) -> None:
    # Given a self-hosted feed (RSSHub on a LAN) and an article page on the same origin
    site.routes["/articles/1"] = static(PAGE, headers={"Content-Type": "text/html"})

    # When the link is fetched as found at that feed
    response = client.get(site.url("/articles/1"), found_at=site.url("/feed"))

    # Then it is fetched like the feed itself
    assert response.body == PAGE and site.hits("/articles/1") == 1


def test_a_same_origin_article_link_redirected_to_another_origin_is_refused(
    site: LoopbackServer, internal: LoopbackServer, client: HttpClient
) -> None:
    # Given an article link on the feed's origin that redirects to the internal server
    site.routes["/go"] = redirect(internal.url("/admin"))

    # When it is fetched
    with pytest.raises(BlockedDestination, match=f"^refused 127.0.0.1:{internal.port}: not a public"):
        client.get(site.url("/go"), found_at=site.url("/feed"))

    # Then the redirect was asked for, its target never
    assert site.hits("/go") == 1 and internal.requests == []


def test_fetch_many_refuses_only_the_links_that_leave_their_feeds_origin(
    site: LoopbackServer, internal: LoopbackServer
) -> None:
    # Given two article links found at the site's feed: one on its origin, one elsewhere
    site.routes["/articles/1"] = static(PAGE)
    jobs: list[tuple[str, str, Validators | None, int | None, str | None]] = [
        ("own", site.url("/articles/1"), None, 100_000, site.url("/feed")),
        ("elsewhere", internal.url("/admin"), None, 100_000, site.url("/feed")),
        ("configured", internal.url("/admin"), None, 100_000, None),  # a configured URL: trusted
    ]

    # When they are fetched at once
    with HttpClient(CONFIG) as client:
        results = client.fetch_many(jobs)

    # Then only the link that leaves its feed's origin is refused
    assert isinstance(results["own"], Response) and results["own"].body == PAGE
    assert isinstance(results["elsewhere"], BlockedDestination)
    assert isinstance(results["configured"], Response)
    assert internal.hits("/admin") == 1  # the configured job's request, not the link's


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://0x7f.1/2018-06-01/runtime/invocation/next",
        "http://2130706433/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://169.254.170.2/v2/credentials/x",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "https://0.0.0.0/",
    ],
)
def test_literal_and_local_forms_of_non_public_addresses_are_refused(
    url: str, client: HttpClient, connections: list[tuple[str, int]]
) -> None:
    # Given an article link, found at a public feed, to a non-public address however it is written
    # When it is fetched
    with pytest.raises(BlockedDestination, match=r"^refused .+: not a public address$"):
        client.get(url, found_at=FEED_URL)

    # Then no connection was even attempted
    assert connections == []


def test_a_public_address_is_allowed_on_web_ports_only(
    client: HttpClient, connections: list[tuple[str, int]]
) -> None:
    # Given article links to a public address, on port 80 and on another port
    # When they are fetched
    with pytest.raises(ConnectionFailed, match="connection refused"):
        client.get("http://93.184.215.14/article", found_at=FEED_URL)
    with pytest.raises(BlockedDestination, match=r"^refused 93\.184\.215\.14:8080: only ports 80 and 443"):
        client.get("http://93.184.215.14:8080/article", found_at=FEED_URL)

    # Then the first one went through the policy to the connection (recorded, not made), not the other
    assert connections == [("93.184.215.14", 80)]


def test_a_link_of_unknown_provenance_may_only_go_public(site: LoopbackServer, client: HttpClient) -> None:
    # Given a link found nowhere configured (found_at="")
    site.routes["/page"] = static(PAGE)

    # When it is fetched, Then not even the site's loopback origin is allowed
    with pytest.raises(BlockedDestination):
        client.get(site.url("/page"), found_at="")
    assert site.requests == []


# -- configured URLs ---------------------------------------------------------------------------------
def test_a_configured_feed_redirected_to_another_origin_is_refused(
    site: LoopbackServer, internal: LoopbackServer, client: HttpClient
) -> None:
    # Given a configured feed whose answer is a 302 to another origin on a non-public address
    site.routes["/feed"] = redirect(internal.url("/admin"))

    # When the feed is fetched
    with pytest.raises(BlockedDestination) as caught:
        client.get(site.url("/feed"))

    # Then the redirect is refused by name and its target never requested
    assert caught.value.status == "blocked_destination"
    assert f"127.0.0.1:{internal.port}" in str(caught.value)
    assert site.hits("/feed") == 1 and internal.requests == []


def test_a_configured_feed_redirected_within_its_origin_is_followed(
    site: LoopbackServer, client: HttpClient
) -> None:
    # Given a configured feed on a LAN that moved within its own origin
    site.routes["/old"] = redirect("/new", 301)
    site.routes["/new"] = static(b"<rss/>")

    # When it is fetched, Then the redirect is followed to the new address
    response = client.get(site.url("/old"))
    assert response.body == b"<rss/>" and response.url == site.url("/new")


def test_a_configured_feed_redirected_to_the_metadata_service_is_refused(
    site: LoopbackServer, client: HttpClient
) -> None:
    # Given a configured feed whose 302 points at the instance metadata service
    site.routes["/feed"] = redirect("http://169.254.169.254/latest/meta-data/")

    # When the feed is fetched, Then the redirect is refused before any connection is tried
    with pytest.raises(BlockedDestination, match=r"^refused 169\.254\.169\.254: not a public address$"):
        client.get(site.url("/feed"))


# -- pinning: a checked destination is connected to at the addresses the check approved ------------
def test_a_link_whose_name_rebinds_to_loopback_is_connected_at_its_checked_public_address(
    internal: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a name answering a public address to the check and 127.0.0.1 to any later look-up, where
    # the internal server stands in for a service on port 80 (DNS rebinding, a TTL of 0)
    network.names["rebind.test"] = ["93.184.215.14", "127.0.0.1"]
    network.forward[("127.0.0.1", 80)] = internal.port

    # When an article link to that name is fetched
    with pytest.raises(SourceFailure) as caught:
        client.get("http://rebind.test/admin", found_at=FEED_URL)

    # Then the connection went to the checked address only (refused: there is no network), the name
    # was never looked up again, and the internal server saw nothing
    assert isinstance(caught.value, ConnectionFailed) and str(caught.value) == "connection refused"
    assert network.connected == [("93.184.215.14", 80)]
    assert network.names["rebind.test"] == ["127.0.0.1"]
    assert internal.requests == []


def test_a_link_whose_name_also_resolves_to_loopback_is_refused(
    internal: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a name answering a public address first and 127.0.0.1 next, where the internal server stands
    # in for a service on port 80 (a connection refused at the first would be tried at the second)
    network.names["mixed.test"] = ["93.184.215.14 127.0.0.1"]
    network.forward[("127.0.0.1", 80)] = internal.port

    # When an article link to that name is fetched, Then it is refused naming the loopback address
    with pytest.raises(
        BlockedDestination, match=r"^refused mixed\.test \(127\.0\.0\.1\): not a public address$"
    ):
        client.get("http://mixed.test/admin", found_at=FEED_URL)

    # And no connection was attempted to either address
    assert network.connected == [] and internal.requests == []


def test_a_configured_url_is_resolved_as_usual(internal: LoopbackServer, network: FakeNetwork) -> None:
    # Given a configured feed on a LAN name (and the same stand-in for port 80 as above)
    network.names["lan.test"] = ["127.0.0.1"]
    network.forward[("127.0.0.1", 80)] = internal.port

    # When it is fetched, Then urllib3 resolves the name itself and reaches the server
    with HttpClient(CONFIG) as client:
        response = client.get("http://lan.test/admin")
    assert response.body == PAGE and network.connected == [("127.0.0.1", 80)]


def test_a_checked_link_keeps_its_host_name_for_the_host_header(
    site: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a public name, its address reaching the site
    site.routes["/articles/1"] = static(PAGE)
    network.names["news.example.org"] = ["93.184.215.14"]
    network.forward[("93.184.215.14", 80)] = site.port

    # When a link to it is fetched
    response = client.get("http://news.example.org/articles/1", found_at=FEED_URL)

    # Then it went to the checked address, asking for the name
    assert response.body == PAGE and network.connected == [("93.184.215.14", 80)]
    assert site.requests[0].headers["host"] == "news.example.org"


def test_a_checked_link_tries_each_checked_address_in_turn(
    site: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a public name with two addresses, the first one refusing connections
    site.routes["/articles/1"] = static(PAGE)
    network.names["news.example.org"] = ["93.184.215.14 93.184.215.15"]
    network.forward[("93.184.215.15", 80)] = site.port

    # When a link to it is fetched, Then the second address answers, as with an unpinned connection
    response = client.get("http://news.example.org/articles/1", found_at=FEED_URL)
    assert response.body == PAGE
    assert network.connected == [("93.184.215.14", 80), ("93.184.215.15", 80)]


def test_a_checked_link_never_reuses_a_connection_made_without_a_check(
    site: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a configured feed on a name that rebinds: loopback for the feed, then public for the check
    site.routes["/feed"] = static(b"<rss/>")
    site.routes["/admin"] = static(PAGE)
    network.names["shared.test"] = ["127.0.0.1", "93.184.215.14", "127.0.0.1"]
    network.forward[("127.0.0.1", 80)] = site.port

    # When the feed is fetched, keeping its connection alive, and then a link found elsewhere to the
    # same origin
    assert client.get("http://shared.test/feed").body == b"<rss/>"
    with pytest.raises(ConnectionFailed, match=r"^connection refused$"):
        client.get("http://shared.test/admin", found_at=FEED_URL)

    # Then the link got a new connection, to its checked address, not the feed's kept-alive one
    assert network.connected == [("127.0.0.1", 80), ("93.184.215.14", 80)]
    assert site.hits("/admin") == 0


def test_a_checked_https_link_verifies_the_certificate_for_its_host_name(
    site: LoopbackServer, client: HttpClient, network: FakeNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a public name on https, whose TLS handshake is recorded instead of made
    network.names["secure.example.org"] = ["93.184.215.14"]
    network.forward[("93.184.215.14", 443)] = site.port
    handshakes: list[dict[str, Any]] = []

    def wrap(**kwargs: Any) -> ssl.SSLSocket:
        handshakes.append(kwargs)
        raise ssl.SSLError("recorded, not wrapped")

    monkeypatch.setattr("urllib3.connection.ssl_wrap_socket", wrap)

    # When a link to it is fetched
    with pytest.raises(ConnectionFailed, match=r"^TLS error$"):
        client.get("https://secure.example.org/article", found_at=FEED_URL)

    # Then the socket went to the checked address, and TLS was asked for the name, certificate required
    assert network.connected == [("93.184.215.14", 443)]
    [handshake] = handshakes
    context: ssl.SSLContext = handshake["ssl_context"]
    assert handshake["server_hostname"] == "secure.example.org"
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


# -- behind a proxy: every hop goes through it (a proxy-only network), a checked one still checked ----
def test_a_link_to_a_private_address_is_refused_behind_a_proxy_too(
    proxy: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a proxy, and a link whose name resolves to loopback
    proxy.routes["/admin"] = static(PAGE)
    network.names["internal.test"] = ["127.0.0.1"]

    # When the link is fetched as found at a public feed, Then it is refused here, the proxy never asked
    with pytest.raises(BlockedDestination):
        client.get("http://internal.test/admin", found_at=FEED_URL)
    assert proxy.requests == []


def test_a_configured_feed_redirected_to_another_origin_is_still_fetched_behind_a_proxy_only_network(
    proxy: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a network where only the proxy is reached (the reason HTTP_PROXY is set: direct connections
    # are refused), and a configured feed that moved to a CDN on a public address (a 302 to another
    # origin: checked, as it must be)
    proxy.routes["/feed"] = redirect("http://cdn.test/feed.xml")
    proxy.routes["/feed.xml"] = static(b"<rss/>")
    network.names["cdn.test"] = ["93.184.215.14"]

    # When the feed is fetched
    response = client.get("http://feed.test/feed")

    # Then its new home was reached through the proxy, the only way out, as the first hop was
    assert response.body == b"<rss/>"
    assert [r.path for r in proxy.requests] == ["/feed", "/feed.xml"]


def test_a_configured_feed_and_its_own_links_still_go_through_the_proxy(
    proxy: LoopbackServer, client: HttpClient, network: FakeNetwork
) -> None:
    # Given a proxy serving a configured feed and an article page on the feed's origin
    proxy.routes["/feed"] = static(b"<rss/>")
    proxy.routes["/articles/1"] = static(PAGE)

    # When both are fetched, Then the proxy was asked for each, and nothing else was connected to
    assert client.get("http://feed.test/feed").body == b"<rss/>"
    assert client.get("http://feed.test/articles/1", found_at="http://feed.test/feed").body == PAGE
    assert [(r.path, r.headers["host"]) for r in proxy.requests] == [
        ("/feed", "feed.test"),
        ("/articles/1", "feed.test"),
    ]
    assert set(network.connected) == {("127.0.0.1", proxy.port)}


def test_a_configured_feed_redirected_to_https_on_its_own_host_goes_to_the_proxy_on_a_proxy_only_network(
    proxy: LoopbackServer, client: HttpClient, network: FakeNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a network where only the proxy is reached and names are resolved by the proxy alone (no
    # name here resolves feed.test: a configured feed's first hop needs none), an HTTPS proxy recording
    # the CONNECTs it is asked for, and the configured http:// feed redirecting to https:// on its host
    from test_http_deadline import raw_server

    tunnels: list[bytes] = []

    def tunnel(conn: socket.socket) -> None:
        with conn:
            tunnels.append(conn.recv(4096).split(b"\r\n", 1)[0])
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    proxy.routes["/feed"] = redirect("https://feed.test/feed")
    with raw_server(tunnel) as port:
        network.forward[("127.0.0.1", port)] = port
        monkeypatch.delenv("https_proxy", raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")

        # When the feed is fetched
        with pytest.raises(SourceFailure) as caught:
            client.get("http://feed.test/feed")

    # Then its https:// home was asked of the proxy, the only way out (as the README's "every hop goes
    # through it" says), not refused here as "host name not found" for a name only the proxy resolves
    assert str(caught.value) != "host name not found"
    assert [line.split()[:2] for line in tunnels] == [[b"CONNECT", b"feed.test:443"]]
