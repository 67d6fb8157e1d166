"""Events produced by the messaging service on `messaging.conversations`.

Analysts read this topic, so no event carries what a person wrote: a message is named by its
conversation, its number (`seq`) and its length; its text stays in the messaging store, where
erasure reaches it. Live streams read the text from the store when an event wakes them.

Events about one conversation are keyed by its id, so they land in one partition, in order; a
message request is keyed by its own id until it is accepted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from jobfriends_shared.contracts.base import Payload, event
from jobfriends_shared.contracts.matching import pair_id

TOPIC = "messaging.conversations"


def direct_conversation_id(a: str, b: str) -> str:
    """The one direct conversation of two people, whoever starts it: other services can link
    to it (a keep-in-touch nudge opens the conversation with that friend)."""
    return "d" + hashlib.sha256(pair_id(a, b).encode()).hexdigest()[:31]


class ConversationKind(StrEnum):
    direct = "direct"
    group = "group"


@event(
    "conversation.started",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="A conversation began: `creator_id` with `participant_ids` (the creator too).",
)
class ConversationStarted(Payload):
    conversation_id: str
    kind: ConversationKind
    creator_id: str
    participant_ids: tuple[str, ...]


@event(
    "conversation.members_changed",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="People were added to a group conversation or left it (`by_user_id` acted).",
)
class ConversationMembersChanged(Payload):
    conversation_id: str
    by_user_id: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    participant_ids: tuple[str, ...] = ()


@event(
    "conversation.renamed",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="A group conversation got a new name (the name itself stays in the store).",
)
class ConversationRenamed(Payload):
    conversation_id: str
    by_user_id: str
    participant_ids: tuple[str, ...] = ()


@event(
    "message.sent",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="Message number `seq` of a conversation was sent; `recipient_ids` are the other "
    "participants then. No text: `length` counts its characters.",
)
class MessageSent(Payload):
    conversation_id: str
    kind: ConversationKind
    message_id: str
    seq: int
    sender_id: str
    recipient_ids: tuple[str, ...]
    length: int
    reply_to_seq: int | None = None
    sent_at: datetime


@event(
    "message.edited",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="The author changed message `seq` (within the edit window).",
)
class MessageEdited(Payload):
    conversation_id: str
    message_id: str
    seq: int
    sender_id: str
    length: int
    recipient_ids: tuple[str, ...] = ()


@event(
    "message.deleted",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="The author deleted message `seq`; its text is gone from the store.",
)
class MessageDeleted(Payload):
    conversation_id: str
    message_id: str
    seq: int
    sender_id: str
    recipient_ids: tuple[str, ...] = ()


@event(
    "conversation.read",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="`user_id` has read the conversation up to message `seq`.",
)
class ConversationRead(Payload):
    conversation_id: str
    user_id: str
    seq: int
    participant_ids: tuple[str, ...] = ()


@event(
    "message_request.sent",
    version=1,
    topic_name=TOPIC,
    key="request_id",
    description="`from_user_id`, not a connection, asked to message `to_user_id` (the reason "
    "and first message stay in the store).",
)
class MessageRequestSent(Payload):
    request_id: str
    from_user_id: str
    to_user_id: str


@event(
    "message_request.accepted",
    version=1,
    topic_name=TOPIC,
    key="request_id",
    description="`to_user_id` accepted; the two now have direct conversation `conversation_id`.",
)
class MessageRequestAccepted(Payload):
    request_id: str
    from_user_id: str
    to_user_id: str
    conversation_id: str


@event(
    "messages.waiting",
    version=1,
    topic_name=TOPIC,
    key="conversation_id",
    description="`recipient_id` has had unread messages in a conversation for a while: one "
    "event per conversation until they read it, however many messages follow (notifications "
    "turns it into one grouped notification).",
)
class MessagesWaiting(Payload):
    conversation_id: str
    kind: ConversationKind
    recipient_id: str
    sender_ids: tuple[str, ...]
    unread: int
    first_unread_seq: int
