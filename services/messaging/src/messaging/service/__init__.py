"""Messaging's use cases, one module per concern, and the bundle `main.wire` builds."""

from __future__ import annotations

from dataclasses import dataclass

from jobfriends_shared.runtime import Runtime

from messaging.service.conversations import Conversations
from messaging.service.messages import Messages
from messaging.service.people import People
from messaging.service.requests import Requests
from messaging.service.waiting import Waiting
from messaging.settings import MessagingSettings
from messaging.stream import Hub, LiveConsumer


@dataclass(frozen=True)
class Services:
    """What `wire` built: `app.state.services`, where endpoints, tests and benches find it."""

    runtime: Runtime
    settings: MessagingSettings
    hub: Hub
    conversations: Conversations
    messages: Messages
    requests: Requests
    people: People
    waiting: Waiting
    live: LiveConsumer


__all__ = ["Conversations", "Messages", "People", "Requests", "Services", "Waiting"]
