"""The summarizer providers that talk to a model, and :func:`make_summarizer`, which picks one.

* ``bedrock``: Amazon Bedrock's Converse API (``bedrock-runtime`` ``converse``) with the configured
  ``model`` (a model id or an inference profile, e.g. a DeepSeek or Qwen model) in ``region`` (default:
  the environment's). The client is made when first needed, with the configured ``timeout`` and no
  retries (one whose connect and read timeouts together are what the deadline leaves, measured once
  that one is made, when it leaves less), or injected (a stubbed client in
  tests). Needs ``bedrock:InvokeModel`` on the model.
* ``openai``: any OpenAI-compatible endpoint (DeepSeek, Qwen/DashScope, Zhipu GLM, Moonshot, …):
  ``POST {base_url}/chat/completions`` with ``requests``, ``Authorization: Bearer <key>``, or ``Basic``
  with ``base_url``'s user info (a gateway's) and no key, that URL requested without it, as requests'
  auth (no .netrc entry replaces it); no redirects followed, the answer bounded by :data:`MAX_ANSWER_BYTES`.

Either waits at most ``timeout``, and never past the caller's ``deadline_at`` (a ``time.monotonic()``
value: :func:`model_wait`, the time to read the API key included, that read bounded by it too:
:func:`within`); less than :data:`LEAST_WAIT` before
it, before or after the key is read, the model is not asked (:class:`~ai_news_tracker.summarize.NoTimeLeft`).
The wait bounds the whole call, connection, headers and body (:func:`within`): a read timeout bounds
each read only, and an endpoint that sends a few bytes within each kept the edition as long as it liked.

The API key is resolved when a summary is asked for, never at import or construction: from the SSM
parameter ``api_key_parameter`` (Powertools Parameters, decrypted, or the injected ``get_parameter``)
or from the environment variable NAMED by ``api_key_env``, looked up through the ``secrets``
function the caller passes (the CLI and the Lambda handler pass ``os.environ.get``; domain code never
reads the environment). No key or user info configured means no ``Authorization`` header (a local server).

Every failure here raises :class:`~ai_news_tracker.summarize.SummaryError`, which
:class:`~ai_news_tracker.summarize.ModelSummarizer` turns into the extractive points and a note.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
import time
from base64 import b64encode
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote_to_bytes, urlsplit, urlunsplit

from botocore.exceptions import BotoCoreError, ClientError

from .config import SummarizerConfig
from .identity import loggable_url
from .store import parse_json
from .summarize import ExtractiveSummarizer, ModelSummarizer, NoTimeLeft, Prompt, Summarizer, SummaryError

if TYPE_CHECKING:  # requests is imported where a model is called over HTTP: the extractive points and
    # Bedrock never load it (about 15 ms of the render function's cold start)
    import requests
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient

MAX_ANSWER_BYTES = 1_000_000
TEMPERATURE = 0.2
READ_CHUNK = 64 * 1024
# Seconds: with less left before the deadline a model is not asked (no answer of key points comes
# sooner), and the extractive points are used at once
LEAST_WAIT = 2.0

_T = TypeVar("_T")

Secrets = Callable[[str], str | None]
"""Looks up an environment variable by name (``os.environ.get`` at the edges, a dict's ``get`` in tests)."""


def make_summarizer(
    config: SummarizerConfig,
    *,
    secrets: Secrets | None = None,
    get_parameter: Callable[[str], str] | None = None,
    session: requests.Session | None = None,
    bedrock_client: BedrockRuntimeClient | None = None,
) -> Summarizer:
    """The configured summarizer. Nothing is contacted and no key is read until ``summarize``."""
    if config.provider == "bedrock":
        return ModelSummarizer("bedrock", config, BedrockConverse(config, bedrock_client))
    if config.provider == "openai":
        key = api_key_source(config, secrets=secrets, get_parameter=get_parameter)
        return ModelSummarizer("openai", config, OpenAICompatible(config, key, session))
    return ExtractiveSummarizer(config.point_chars)


def api_key_source(
    config: SummarizerConfig,
    *,
    secrets: Secrets | None = None,
    get_parameter: Callable[[str], str] | None = None,
) -> Callable[[], str | None]:
    """A function returning the API key (None: none configured); it raises SummaryError when missing."""
    parameter, variable = config.api_key_parameter, config.api_key_env
    if parameter is not None:

        def from_ssm() -> str:
            fetch = get_parameter or _ssm_parameter
            try:
                value = fetch(parameter)
            except Exception as exc:  # Powertools wraps every failure in its own GetParameterError
                raise SummaryError(f"cannot read SSM parameter {parameter!r}") from exc
            if not value.strip():
                raise SummaryError(f"SSM parameter {parameter!r} is empty")
            return value.strip()

        return from_ssm
    if variable is not None:

        def from_env() -> str:
            value = secrets(variable) if secrets is not None else None
            if not value or not value.strip():
                raise SummaryError(f"environment variable {variable} is not set")
            return value.strip()

        return from_env
    return lambda: None


def _ssm_parameter(name: str) -> str:
    from .sdk import get_parameter

    return get_parameter(name, decrypt=True, max_age=300)


def model_wait(config: SummarizerConfig, deadline_at: float | None) -> float:
    """Seconds the model may take: the configured ``timeout``, cut to what ``deadline_at`` leaves;
    :class:`NoTimeLeft` when that is less than :data:`LEAST_WAIT`."""
    if deadline_at is None:
        return config.timeout
    left = deadline_at - time.monotonic()
    if left < LEAST_WAIT:
        raise NoTimeLeft(f"{max(left, 0.0):.1f} s left before the deadline: the model not asked")
    return min(config.timeout, math.floor(left * 10) / 10)  # 0.1 s under: a wait said shortly


def within(call: Callable[[], _T], wait: float, late: str) -> _T:
    """What ``call()`` returns (or raises), run on a thread of its own and waited for ``wait`` seconds at
    most; past them :class:`SummaryError` (``late``), and the call is left to end on its own (its own
    timeouts, or the watchdog that shuts an answer's connection), what it returns never read. The thread
    is a daemon: it never keeps the process from exiting; it logs and publishes nothing."""
    done = threading.Event()
    answers: list[_T] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            answers.append(call())
        except BaseException as exc:  # handed to the caller, whatever it is
            failures.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="model call", daemon=True).start()
    if not done.wait(wait):
        raise SummaryError(late)
    if failures:
        raise failures[0]
    return answers[0]


# -- Bedrock ----------------------------------------------------------------------------------
def new_bedrock_client(config: SummarizerConfig, timeout: float | None = None) -> BedrockRuntimeClient:
    """A ``bedrock-runtime`` client bounded by the configured timeout, without retries; given ``timeout``
    (what a deadline leaves), its connect and read timeouts together are within it."""
    from botocore.config import Config

    from .sdk import client

    if timeout is None:
        connect, read = min(config.timeout, 5.0), config.timeout
    else:
        connect = min(timeout / 4, 5.0)
        read = timeout - connect
    settings = Config(
        connect_timeout=connect,
        read_timeout=read,
        retries={"total_max_attempts": 1},  # the fallback is instant; a retry would double the wait
    )
    bedrock: BedrockRuntimeClient = client("bedrock-runtime", region_name=config.region, config=settings)
    return bedrock


class BedrockConverse:
    """One Converse call: the instructions as the system prompt, the items as the user message."""

    def __init__(self, config: SummarizerConfig, client: BedrockRuntimeClient | None = None) -> None:
        self.config = config
        self._injected = client
        self._client: BedrockRuntimeClient | None = None  # with the configured timeout, kept

    def __call__(self, prompt: Prompt, deadline_at: float | None = None) -> str:
        model = self.config.model or ""
        model_wait(self.config, deadline_at)  # nothing is made with too little time left

        def converse(bedrock: BedrockRuntimeClient) -> Any:
            return bedrock.converse(
                modelId=model,
                system=[{"text": prompt.system}],
                messages=[{"role": "user", "content": [{"text": prompt.user}]}],
                inferenceConfig={"maxTokens": self.config.max_tokens, "temperature": TEMPERATURE},
            )

        try:
            bedrock, wait = self._client_for(deadline_at)
            # the read timeout bounds each read: an answer trickled within it is cut at the wait
            answer = within(lambda: converse(bedrock), wait, f"Bedrock {model}: no answer within {wait:g} s")
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise SummaryError(f"Bedrock {model}: {code}") from exc
        except BotoCoreError as exc:  # timeouts, connection errors, no region, no credentials
            raise SummaryError(f"Bedrock {model}: {type(exc).__name__}") from exc
        blocks = answer.get("output", {}).get("message", {}).get("content", [])
        # Reasoning models add reasoningContent blocks: only the text blocks are the answer.
        text = "".join(block["text"] for block in blocks if isinstance(block.get("text"), str))
        if not text.strip():
            raise SummaryError(f"Bedrock {model}: no text in the answer ({answer.get('stopReason')})")
        return text

    def _client_for(self, deadline_at: float | None) -> tuple[BedrockRuntimeClient, float]:
        """The injected client, else the one with the configured timeout (made once, kept), or, when the
        deadline leaves less, one bounded by what it leaves once that one is made; and the call's wait,
        measured then: right before the call."""
        if self._injected is not None:
            return self._injected, model_wait(self.config, deadline_at)
        if self._client is None:
            self._client = new_bedrock_client(self.config)
        wait = model_wait(self.config, deadline_at)
        if wait < self.config.timeout:  # a client for this call alone
            return new_bedrock_client(self.config, wait), wait
        return self._client, wait


# -- OpenAI-compatible ------------------------------------------------------------------------
class OpenAICompatible:
    """One chat completion from ``{base_url}/chat/completions``."""

    def __init__(
        self,
        config: SummarizerConfig,
        api_key: Callable[[], str | None],
        session: requests.Session | None = None,
    ) -> None:
        self.config = config
        parts = urlsplit((config.base_url or "").rstrip("/") + "/chat/completions")
        user_info, _, host = parts.netloc.rpartition("@")
        # never in the URL requests is given: X-Ray's patch of Session.request records it in every trace
        self.url = urlunsplit(parts._replace(netloc=host))
        self.shown_url = loggable_url(self.url)  # in errors and logs
        # RFC 7617's user-pass always holds its colon: a user alone has an empty password (as curl sends it)
        user_pass = user_info if ":" in user_info else f"{user_info}:"
        self._basic = "Basic " + b64encode(unquote_to_bytes(user_pass)).decode() if user_info else None
        self._api_key = api_key
        self._session = session

    def __call__(self, prompt: Prompt, deadline_at: float | None = None) -> str:
        # no key is read with too little time left, nor waited for past it (SSM's client: 60 s, retries)
        wait = model_wait(self.config, deadline_at)
        key = within(self._api_key, wait, f"API key not read within {wait:g} s")
        authorization = f"Bearer {key}" if key else self._basic  # both: refused by the configuration
        body = {
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "max_tokens": self.config.max_tokens,
            "temperature": TEMPERATURE,
            "stream": False,
        }
        wait = model_wait(self.config, deadline_at)  # what reading the key (SSM) left of it
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        # requests' timeouts bound the connection and each read: headers trickled within them, not at all
        late = f"{self.shown_url}: no answer within {wait:g} s"
        return _completion_text(within(lambda: self._post(data, authorization, wait), wait, late))

    def _post(self, data: bytes, authorization: str | None, timeout: float) -> bytes:
        import requests
        import urllib3

        deadline = time.monotonic() + timeout
        session = self._session or requests.Session()
        try:
            with session.post(
                self.url,
                data=data,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                # as an auth, not a header: requests reads no .netrc then, whose entry replaced the key
                auth=_authorized(authorization),
                timeout=(min(timeout, 5.0), timeout),
                allow_redirects=False,  # the key must not follow a redirect anywhere
                stream=True,
            ) as answer:
                if answer.status_code != 200:
                    raise SummaryError(f"{self.shown_url}: HTTP {answer.status_code}")
                return _read_within(answer, deadline, timeout)
        except requests.Timeout as exc:
            raise SummaryError(f"{self.shown_url}: no answer within {timeout:g} s") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            if isinstance(exc, urllib3.exceptions.ReadTimeoutError):  # while reading the body
                raise SummaryError(f"{self.shown_url}: no answer within {timeout:g} s") from exc
            raise SummaryError(f"{self.shown_url}: request failed ({type(exc).__name__})") from exc
        finally:
            if self._session is None:
                session.close()


def _authorized(authorization: str | None) -> Callable[[requests.PreparedRequest], requests.PreparedRequest]:
    """requests' auth of a request: its ``Authorization`` header, ``authorization`` (none when None). Given
    an auth, a session trusting the environment (the proxy's variables) reads no .netrc for the host."""

    def authorize(request: requests.PreparedRequest) -> requests.PreparedRequest:
        if authorization is not None:
            request.headers["Authorization"] = authorization
        return request

    return authorize


def _read_within(answer: requests.Response, deadline: float, timeout: float) -> bytes:
    """The body, refused when it takes longer than the deadline or is larger than MAX_ANSWER_BYTES.

    A read waits at most the read timeout, but one begun just before the deadline would wait that
    long past it: at the deadline the connection is shut (:func:`_shut`), which ends any read."""
    import urllib3

    chunks: list[bytes] = []
    size = 0
    watchdog = threading.Timer(max(deadline - time.monotonic(), 0.0), _shut, (answer,))
    watchdog.daemon = True
    watchdog.start()
    try:
        while True:
            if time.monotonic() > deadline:
                raise SummaryError(f"answer not complete within {timeout:g} s")
            try:
                chunk: bytes = answer.raw.read1(READ_CHUNK, decode_content=True)
            except (OSError, urllib3.exceptions.HTTPError) as exc:
                if time.monotonic() > deadline:  # shut by the watchdog
                    raise SummaryError(f"answer not complete within {timeout:g} s") from exc
                raise
            if not chunk:
                if time.monotonic() > deadline:  # an end the watchdog made, not the answer's
                    raise SummaryError(f"answer not complete within {timeout:g} s")
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise SummaryError(f"answer larger than {MAX_ANSWER_BYTES} bytes")
            chunks.append(chunk)
    finally:
        watchdog.cancel()


def _shut(answer: requests.Response) -> None:
    """End the answer's connection (both ways): a read blocked on it returns at once."""
    connection = getattr(answer.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _completion_text(raw: bytes) -> str:
    try:
        data: Any = parse_json(raw)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise SummaryError("the endpoint's answer is not a chat completion") from exc
    if not isinstance(content, str) or not content.strip():
        raise SummaryError("the chat completion has no text")
    return content
