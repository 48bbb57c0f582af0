"""Where HttpClient may send a request: configured URLs anywhere, everything else to public addresses.

Two loopback servers on different ports are two origins; 127.0.0.1 is not a public address, so a
request that leaves the trusted origin for the other server must be refused before it is made. No test
here touches the network: literal addresses resolve locally, and connection attempts are recorded
instead of made where a destination is allowed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from loopback import LoopbackServer, redirect, static

from ai_news_tracker.config import FetchConfig
from ai_news_tracker.errors import BlockedDestination, ConnectionFailed
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
