"""Messaging's rules, in plain Python: who may write to whom, what a message may hold, how long
its author may change it, and how conversations are named and numbered. No I/O.

Ids are chosen so that contended creations are inserts guarded by unique `_id`s (the store
applies updates without a lock): a direct conversation's id follows from the pair, a message
request's from its sender and receiver, and message number `seq` of a conversation is the
document `<conversation>|<seq>`.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jobfriends_shared.contracts.messaging import direct_conversation_id
from jobfriends_shared.errors import Conflict, Forbidden, Invalid, NotFound

MAX_TEXT = 4000  # characters of one message
MAX_REASON = 300  # characters of a message request's reason
MAX_NAME = 80  # characters of a group's name
MAX_GROUP = 30  # people in a group conversation, its creator included: a tribe
PREVIEW = 120  # characters of the last message shown in the conversation list
ID_PATTERN = r"^[dg][0-9a-f]{31}$"
REQUEST_ID_PATTERN = r"^r[0-9a-f]{31}$"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:31]


def direct_id(a: str, b: str) -> str:
    """The one direct conversation of a pair: the same id whoever starts it, so two people
    starting it at once insert the same document and one insert wins."""
    return direct_conversation_id(a, b)


def new_group_id() -> str:
    return "g" + uuid.uuid4().hex[:31]


def request_id(from_user_id: str, to_user_id: str) -> str:
    """One message request per sender and receiver, ever: a repeated one is the same id."""
    return "r" + _digest(f"{from_user_id}>{to_user_id}")


def message_id(conversation_id: str, seq: int) -> str:
    return f"{conversation_id}|{seq}"


def clean_text(text: str, limit: int = MAX_TEXT, field: str = "text") -> str:
    cleaned = text.strip()
    if not cleaned:
        raise Invalid(f"{field}: write something", code="empty_text")
    if len(cleaned) > limit:
        raise Invalid(f"{field}: at most {limit} characters", code="text_too_long")
    return cleaned


def clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    return clean_text(name, MAX_NAME, "name")


def preview(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def check_group_size(count: int) -> None:
    if count > MAX_GROUP:
        raise Conflict(f"a group conversation has at most {MAX_GROUP} people", code="group_full")


def check_change(message: dict[str, Any], user_id: str, now: datetime, window: timedelta) -> None:
    """Only the author changes a message, only while the window is open, never once deleted."""
    if message["sender_id"] != user_id:
        raise Forbidden("only its author can change a message", code="not_author")
    if message.get("deleted") or message.get("erased"):
        raise Conflict("the message was deleted", code="message_deleted")
    if now - message["sent_at"] > window:
        raise Conflict("the time to change this message has passed", code="edit_window_closed")


@dataclass(frozen=True)
class DirectAccess:
    """What decides whether two people may write to each other directly."""

    connected: bool
    accepted_request: bool
    blocked: bool
    other_gone: bool

    @property
    def closed(self) -> bool:
        """A block or an erased account closes the conversation: it can be read, not added
        to."""
        return self.blocked or self.other_gone

    def check_may_write(self) -> None:
        if self.closed:
            raise Conflict("this conversation is closed", code="conversation_closed")
        if not (self.connected or self.accepted_request):
            raise Forbidden(
                "you can write directly to your connections; send a message request",
                code="not_connected",
            )


def unread(last_seq: int, read_seq: int) -> int:
    return max(0, last_seq - read_seq)


def not_found() -> NotFound:
    """The one answer for a conversation that does not exist and one the caller is not in, so
    ids cannot be probed."""
    return NotFound("no such conversation", code="conversation_not_found")
