"""Rules for connection requests: what a note must say, who may do what to a request, what the
sender is shown, and how long to wait when a cap is reached. Plain Python, no I/O."""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime, timedelta
from enum import StrEnum

from jobfriends_shared.errors import Conflict, Forbidden, Invalid

NOTE_MIN = 10
NOTE_MAX = 300


class RequestState(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"
    expired = "expired"
    superseded = "superseded"


class Action(StrEnum):
    accept = "accept"
    decline = "decline"
    withdraw = "withdraw"


def clean_note(note: str) -> str:
    """A request must say why, in 10-300 characters of printable text."""
    text = unicodedata.normalize("NFC", note).strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise Invalid("note: contains control characters", code="invalid_note")
    if len(text) < NOTE_MIN:
        raise Invalid(
            f"note: say in a sentence why you want to connect ({NOTE_MIN}-{NOTE_MAX} characters)",
            code="note_too_short",
        )
    if len(text) > NOTE_MAX:
        raise Invalid(f"note: at most {NOTE_MAX} characters", code="note_too_long")
    return text


def check_not_self(from_user: str, to_user: str) -> None:
    if from_user == to_user:
        raise Invalid("you cannot send a connection request to yourself", code="self_request")


def check_actor(action: Action, caller: str, from_user: str, to_user: str) -> None:
    """Only the recipient answers a request; only the sender withdraws it."""
    if action is Action.withdraw:
        if caller != from_user:
            raise Forbidden("only the sender can withdraw a request", code="not_your_request")
    elif caller != to_user:
        raise Forbidden(
            f"only the person who received a request can {action.value} it",
            code="not_your_request",
        )


def check_open_for(action: Action, state: RequestState, caller_is_sender: bool) -> None:
    """A declined request looks pending to its sender, who may still withdraw it."""
    if state is RequestState.pending:
        return
    if state is RequestState.declined and action is Action.withdraw and caller_is_sender:
        return
    raise Conflict("this request is no longer open", code="request_closed")


def sender_view(state: RequestState) -> RequestState:
    """The sender is never told about a decline: to them it stays pending until it expires
    (or they withdraw it), exactly like a request nobody answered."""
    return RequestState.pending if state is RequestState.declined else state


def day_key(now: datetime) -> str:
    return now.strftime("%Y-%m-%d")


def seconds_until_next_day(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((tomorrow - now).total_seconds()))


def seconds_until(moment: datetime | None, now: datetime, fallback: int = 3600) -> int:
    if moment is None:
        return fallback
    return max(1, math.ceil((moment - now).total_seconds()))
