"""The OpenAI-compatible summarizer on loopback, where a review found it wrong (each failed before its
fix): a slow answer held the edition twice its timeout, a reasoning model's <think> failed a valid
answer, a password in base_url was shown in the failure and the log."""

from __future__ import annotations

import json
import time

import pytest
from loopback import Exchange
from test_summarizer_openai_loopback import PATH, ChatServer, answering, completion, server, summarize

__all__ = ["server"]  # the fixture, imported


# summarizers.py: "the whole answer bounded by timeout"; config.py: "timeout: seconds for the model's
# whole answer; on expiry the extractive points are used"; README: `timeout` [20 s].
def test_the_whole_answer_is_bounded_by_the_timeout(server: ChatServer) -> None:
    def late_headers_then_slow_body(exchange: Exchange) -> None:
        body = completion(json.dumps([{"point": "太迟", "items": [1]}], ensure_ascii=False))
        if exchange.wait(0.9):  # headers just before the deadline
            return
        exchange.start(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
        if exchange.wait(0.9):  # then the body, just within one read timeout
            return
        exchange.write(body)

    server.routes[PATH] = late_headers_then_slow_body
    started = time.monotonic()

    result = summarize(server, timeout=1.0)

    elapsed = time.monotonic() - started
    assert result.provider_used == "extractive"
    assert elapsed < 1.3, f"a 1 s timeout held the edition for {elapsed:.2f} s"


# README [summarizer] names Qwen/DashScope and DeepSeek endpoints; Bedrock's reasoning blocks are left
# out (summarizers.py), but a reasoning model's <think> text in an OpenAI-compatible answer fails a
# valid answer as soon as the reasoning mentions a bracket.
def test_reasoning_text_before_a_valid_answer_does_not_fail_it(server: ChatServer) -> None:
    points = [{"point": "某公司发布千亿参数开源推理模型", "items": [1, 3]}]
    content = (
        '<think>用户要我按格式 [{"point": …}] 输出。条目[1]和[3]讲的是同一件事。</think>\n\n'
        + json.dumps(points, ensure_ascii=False)
    )
    server.routes[PATH] = answering(content)

    result = summarize(server)

    assert result.provider_used == "openai", result.failure
    assert result.points == ("某公司发布千亿参数开源推理模型",)


# README: a URL's user info is "never shown in an error" and a key in its query is "shown as ?key=*** in
# every error and log line"; [summarizer] base_url is accepted with both, then shown verbatim.
def test_a_credential_in_base_url_is_never_shown_in_the_failure_or_the_log(
    server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    from loopback import static

    server.routes[PATH] = static(b'{"error": "internal"}', 500, {"Content-Type": "application/json"})
    base_url = server.url("/v1").replace("http://", "http://proxy-user:s3cret-pass@")
    caplog.set_level("WARNING")

    result = summarize(server, base_url=base_url)

    assert result.provider_used == "extractive"
    assert "s3cret-pass" not in caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert "s3cret-pass" not in (result.failure or "")
