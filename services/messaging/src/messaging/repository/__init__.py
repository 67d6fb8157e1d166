"""Every query messaging makes, by what it stores: conversations and members, messages,
message requests, waiting unread messages, and copies of other services' facts."""

from messaging.repository.conversations import ConversationRepository
from messaging.repository.messages import MessageRepository
from messaging.repository.projections import ProjectionRepository
from messaging.repository.requests import RequestRepository
from messaging.repository.waiting import WaitingRepository

__all__ = [
    "ConversationRepository",
    "MessageRepository",
    "ProjectionRepository",
    "RequestRepository",
    "WaitingRepository",
]
