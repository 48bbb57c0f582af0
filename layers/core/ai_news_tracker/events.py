"""What the Lambda events carry, read without the rest of the package: the bounce function imports
this alone (``aws.py`` would load the configuration, the stores and botocore for nothing)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import TrackerError


def sns_messages(event: Mapping[str, Any], what: str) -> list[dict[str, Any]]:
    """The JSON messages an SNS event carries, one per record (or the event itself, invoked directly).

    ``what`` names the expected message in the error raised for a record that is not a JSON object.
    """
    if "Records" not in event:
        return [dict(event)]
    found = []
    for record in event["Records"]:
        message = (record.get("Sns") or {}).get("Message")
        try:
            data = json.loads(message) if isinstance(message, str) else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TrackerError(f"the SNS message is not {what}")
        found.append(data)
    return found
