"""One exception hierarchy for the whole package.

Expected failures carry a short machine word (``status``) and a human reason (``str(exc)``); the CLI
prints the reason on one line, the edition's JSON records both.
"""

from __future__ import annotations

from .text import shorten


class TrackerError(Exception):
    """Base of every error this package raises on purpose."""

    status = "error"


class ConfigError(TrackerError):
    """The configuration file is missing, unreadable, or has an unknown or ill-typed key."""

    status = "config_error"

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"config key {key!r}: {message}" if key else message)
        self.key = key


class StorageError(TrackerError):
    """Reading or writing the raw store or the site failed."""

    status = "storage_error"


class EditionError(TrackerError):
    """An edition cannot be built (for instance a later edition already exists)."""

    status = "edition_error"


# A source failure's message is cut to this many characters (the last one an ellipsis): it may hold text
# the remote end chose (a reason phrase, a parser's words, a leaderboard's keys), and it is kept in the
# source's state, the edition, the logs and the fetch functions' return value (a DynamoDB item, 400 KB)
FAILURE_CHARS = 300


class SourceFailure(TrackerError):
    """A source could not be read. Subclasses name the failure; it is never reported as 0 items."""

    status = "failed"

    def __init__(self, message: str) -> None:
        super().__init__(shorten(message, FAILURE_CHARS))


class FetchTimeout(SourceFailure):
    status = "timeout"


class OutOfTime(FetchTimeout):
    """A request not made: the run's deadline (its invocation's end, less the time to store) had passed."""

    reason = "not asked for: the run's deadline had passed"


class ConnectionFailed(SourceFailure):
    status = "connection_error"


class HTTPStatusFailure(SourceFailure):
    status = "http_error"

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class TooManyRedirects(SourceFailure):
    status = "redirect_loop"


class BlockedDestination(SourceFailure):
    """A URL from fetched content, or a redirect to another origin, leads to a non-public address or
    port (loopback, a private network, the cloud metadata service…); it is never requested."""

    status = "blocked_destination"


class ResponseTooLarge(SourceFailure):
    status = "too_large"


class EmptyResponse(SourceFailure):
    status = "empty"


class NotAFeed(SourceFailure):
    """The answer is an HTML page (or another document) where a feed was expected."""

    status = "not_a_feed"


class Blocked(SourceFailure):
    """The source answered with a captcha or an anti-bot page."""

    status = "blocked"


class MalformedFeed(SourceFailure):
    """The body is neither a feed with entries nor anything else we recognise."""

    status = "malformed"


class InvalidLeaderboard(SourceFailure):
    """The leaderboard file does not have the provider's shape."""

    status = "malformed"


class NotPublishedYet(SourceFailure):
    """The leaderboard holds no data by the run's clock (a run with an earlier ``--now`` or event time, a
    scheduled fetch retried later): its snapshots are all dated after it, or its publisher dates the file
    later. A failure only when no snapshot is stored: else the stored one stays, the fetch ok."""

    status = "not_published"
