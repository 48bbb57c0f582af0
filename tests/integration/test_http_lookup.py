"""A configured feed's host name, looked up by HttpClient itself (within the request's deadline), on a
machine that cannot use IPv6 (urllib3's ``HAS_IPV6`` False: AWS Lambda outside a dual-stack VPC, where
an IPv6 socket is "Address family not supported by protocol"; a container with IPv6 disabled): urllib3
asks the name server for IPv4 addresses only there, and a failure must be told as it was before.

``socket.getaddrinfo`` is replaced for one made-up name with an IPv4 and an IPv6 address (as most
sites have), answering by the family asked for as a name server does; every other name and every
literal address resolves as usual. The IPv4 address is loopback, on a port nothing listens on.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

import pytest
import urllib3.util.connection

from ai_news_tracker.config import FetchConfig
from ai_news_tracker.errors import ConnectionFailed, FetchTimeout, SourceFailure
from ai_news_tracker.http import HttpClient

DUAL = "dual.feeds.test"  # A 127.0.0.1, AAAA 2001:db8::1
CONFIG = FetchConfig(connect_timeout=1.0, read_timeout=1.0, deadline=3.0, retries=0)


@pytest.fixture
def no_ipv6(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without IPv6, ``DUAL`` a name with both kinds of address (IPv4 first, as glibc sorts
    an unreachable IPv6 destination last)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, *args: Any, **kwargs: Any) -> Any:
        if host != DUAL:
            return real(host, port, family, type, *args, **kwargs)
        answers = [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("2001:db8::1", port, 0, 0)),
        ]
        return [a for a in answers if family in (0, a[0])]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib3.util.connection, "HAS_IPV6", False)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_to_a_name_with_an_ipv6_address_is_not_told_as_a_name_not_found(
    no_ipv6: None,
) -> None:
    # Given a configured feed on a name with an IPv4 and an IPv6 address, its IPv4 server down
    url = f"http://{DUAL}:{closed_port()}/feed.xml"

    # When it is fetched on a machine without IPv6
    with HttpClient(CONFIG) as client, pytest.raises(ConnectionFailed) as failure:
        client.get(url)

    # Then the failure says the connection was refused (as urllib3 says it, asking for IPv4 only),
    # not that the name was not found: it was, and the edition would send the operator to the DNS
    assert not isinstance(failure.value, FetchTimeout)
    assert str(failure.value) == "connection refused"


def test_a_connection_timed_out_to_a_name_with_an_ipv6_address_is_still_a_timeout(
    no_ipv6: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a configured feed on a name with an IPv4 and an IPv6 address, its IPv4 address black-holed
    port = closed_port()
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:  # a method of every socket
        if tuple(address[:2]) == ("127.0.0.1", port):
            raise TimeoutError("timed out")  # as a SYN never answered ends, after the connect timeout
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)

    # When it is fetched on a machine without IPv6
    with HttpClient(CONFIG) as client, pytest.raises(SourceFailure) as failure:
        client.get(f"http://{DUAL}:{port}/feed.xml")

    # Then it is a connect timeout, as before, not a name not found
    assert isinstance(failure.value, FetchTimeout)
    assert str(failure.value) == "no connection within 1 s"


def test_a_lookup_failing_with_a_system_error_is_still_a_connection_not_made_and_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a name whose look-up fails with a system error (glibc's EAI_SYSTEM, which Python raises as
    # a plain OSError with the errno: out of file descriptors, say), the next look-ups too
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != DUAL:
            return real(host, port, *args, **kwargs)
        looked_up.append(host)
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    config = FetchConfig(connect_timeout=1.0, read_timeout=1.0, deadline=3.0, retries=2, backoff=0.0)

    # When a configured feed on it is fetched
    with HttpClient(config) as client, pytest.raises(ConnectionFailed) as failure:
        client.get(f"http://{DUAL}/feed.xml")

    # Then it is a connection not made, retried as one (as urllib3 tells a failed look-up that is no
    # gaierror), not a connection broken in the middle of an answer that never began
    assert str(failure.value) == "could not connect after 3 attempts"
    assert len(looked_up) == 3
