"""AWS on loopback for the cold-start bench: moto's backends behind a plain HTTP server.

moto's own server mode needs Flask, which the project does not install. This does the same for the
services the functions call (S3, DynamoDB, SNS, SES v2, SQS, SSM): a request arrives on 127.0.0.1
(the function under test runs with ``AWS_ENDPOINT_URL`` pointing here), the service is read from the
SigV4 credential scope, the URL is rewritten to the service's AWS hostname, and the request is handed
to moto's request dispatcher (``botocore_stubber.process_request``, what ``mock_aws`` uses in-process).
So the measured process does everything it does in Lambda (imports, clients, signing, HTTP, parsing
answers) except cross a real network, and never imports moto.

``GET /__bench__/mark`` (no AWS path) marks a point in the count of calls: the measured process sends
it between its cold invocation and its warm one, so ``calls_by_mark()`` tells the two apart.

Use inside ``mock_aws()`` in the bench's own process::

    with mock_aws(), FakeAws() as aws:
        env["AWS_ENDPOINT_URL"] = aws.url
"""

from __future__ import annotations

import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.awsrequest import AWSPreparedRequest
from botocore.compat import HTTPHeaders

REGION = "us-east-1"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
HOSTS = {
    "s3": "s3.amazonaws.com",
    "dynamodb": f"dynamodb.{REGION}.amazonaws.com",
    "sns": f"sns.{REGION}.amazonaws.com",
    "ses": f"email.{REGION}.amazonaws.com",
    "ssm": f"ssm.{REGION}.amazonaws.com",
}
MARK = "/__bench__/mark"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle's algorithm and the client's
        # delayed ACK stall every answer on a kept-alive connection for ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _mark(self) -> None:
        with self.server.lock:
            self.server.marks.append(dict(self.server.calls))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _any(self) -> None:
        from moto.core.models import botocore_stubber

        body = self._body()
        if self.path == MARK:
            self._mark()
            return
        match = _SCOPE.search(self.headers.get("Authorization", ""))
        service = match.group(2) if match else "s3"
        host = HOSTS.get(service, f"{service}.{REGION}.amazonaws.com")
        headers = HTTPHeaders()
        for name, value in self.headers.items():
            if name.lower() not in ("host", "expect"):
                headers[name] = value
        headers["Host"] = host
        request = AWSPreparedRequest(
            method=self.command,
            url=f"https://{host}{self.path}",
            headers=headers,
            body=body,
            stream_output=False,
        )
        with self.server.lock:
            self.server.calls[service] = self.server.calls.get(service, 0) + 1
            answer = botocore_stubber.process_request(request)
        if answer is None:
            status, out_headers, payload = 404, {}, b"no such route in fake_aws"
        else:
            status, out_headers, payload = answer
        data = payload.encode("utf-8") if isinstance(payload, str) else (payload or b"")
        self.send_response(int(status))
        for name, value in (out_headers or {}).items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(name, str(value))
        if self.command == "HEAD":
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

    def handle_expect_100(self) -> bool:
        self.send_response_only(100)
        self.end_headers()
        return True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    lock: threading.Lock
    calls: dict[str, int]
    marks: list[dict[str, int]]


class FakeAws:
    """moto behind 127.0.0.1:<port>; ``calls`` counts requests per service, ``marks`` snapshots it."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.lock = threading.Lock()
        self._server.calls = {}
        self._server.marks = []
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def calls(self) -> dict[str, int]:
        with self._server.lock:
            return dict(self._server.calls)

    def reset_calls(self) -> None:
        with self._server.lock:
            self._server.calls.clear()
            self._server.marks.clear()

    def calls_by_mark(self) -> list[dict[str, int]]:
        """The calls per service before the first mark, between marks, and after the last one."""
        with self._server.lock:
            points = [*self._server.marks, dict(self._server.calls)]
        parts: list[dict[str, int]] = []
        before: dict[str, int] = {}
        for point in points:
            parts.append({k: n - before.get(k, 0) for k, n in point.items() if n - before.get(k, 0)})
            before = point
        return parts

    def __enter__(self) -> FakeAws:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
