"""What the Lambda events carry, read without the rest of the package: the bounce function imports
this alone (``aws.py`` would load the configuration, the stores and botocore for nothing).

:func:`sns_messages` reads SNS deliveries; :func:`received_mails` reads what an SES receipt rule's
Lambda action passes (the unsubscribe mailbox)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import getaddresses
from typing import Any

from .errors import TrackerError
from .store import parse_json


def sns_messages(event: Mapping[str, Any], what: str) -> list[dict[str, Any]]:
    """The JSON messages an SNS event carries, one per record (or the event itself, invoked directly).

    ``what`` names the expected message in the error raised for a record that is not a JSON object.
    """
    if "Records" not in event:
        return [dict(event)]
    records = event["Records"]
    if not isinstance(records, list):
        raise TrackerError(f"the event's Records are not a list of SNS records of {what}")
    found = []
    for record in records:
        sns = record.get("Sns") if isinstance(record, Mapping) else None
        message = sns.get("Message") if isinstance(sns, Mapping) else None
        try:
            data = parse_json(message) if isinstance(message, str) else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TrackerError(f"the SNS message is not {what}")
        found.append(data)
    return found


# -- mail received by SES (a receipt rule's Lambda action) -----------------------------------------------
@dataclass(frozen=True)
class ReceivedMail:
    """What SES hands a receipt rule's Lambda action about one message: headers and verdicts, no body.

    Every field is text the sender chose or SES's verdict on it; nothing here is trusted as is.
    """

    message_id: str
    subject: str  # decoded (RFC 2047 encoded words), "" when there is none
    sender: str  # the address of a single From, "" otherwise
    dmarc: str  # SES's verdicts: PASS, FAIL, GRAY, PROCESSING_FAILED or "" when absent
    spam: str
    virus: str


def received_mails(event: Mapping[str, Any]) -> list[ReceivedMail]:
    """The messages of an SES receipt event (``eventSource`` ``aws:ses``), one per record.

    :class:`TrackerError` for an event that is not one: a function wired to the wrong source fails
    loudly instead of reporting zero messages.
    """
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        raise TrackerError("the event is not an SES receipt event (no Records)")
    found = []
    for entry in records:
        record = _mapping(entry)
        ses = record.get("ses")
        if record.get("eventSource") != "aws:ses" or not isinstance(ses, Mapping):
            raise TrackerError("the event is not an SES receipt event")
        mail = _mapping(ses.get("mail"))
        receipt = _mapping(ses.get("receipt"))
        headers = _mapping(mail.get("commonHeaders"))
        found.append(
            ReceivedMail(
                message_id=str(mail.get("messageId") or ""),
                subject=_decoded(headers.get("subject")),
                sender=_single_address(headers.get("from")),
                dmarc=_verdict(receipt, "dmarcVerdict"),
                spam=_verdict(receipt, "spamVerdict"),
                virus=_verdict(receipt, "virusVerdict"),
            )
        )
    return found


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _verdict(receipt: Mapping[str, Any], name: str) -> str:
    return str(_mapping(receipt.get(name)).get("status") or "").upper()


def _decoded(value: object) -> str:
    """A header as text: SES passes encoded words (``=?utf-8?…?=``) through as they came."""
    if not isinstance(value, str):
        return ""
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):  # a charset nobody knows
        return value


def _single_address(value: object) -> str:
    """The address of a From naming exactly one mailbox; "" for none, several, or garbage."""
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], str):
        return ""
    addresses = getaddresses([value[0]])
    if len(addresses) != 1 or "@" not in addresses[0][1]:
        return ""
    return addresses[0][1]
