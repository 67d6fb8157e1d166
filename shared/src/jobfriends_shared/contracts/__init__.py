"""Typed event payloads, one model per event type and version, registered in one catalogue."""

# Importing the contract modules registers their payload models in CATALOGUE.
from jobfriends_shared.contracts import events as events
from jobfriends_shared.contracts import feed as feed
from jobfriends_shared.contracts import identity as identity
from jobfriends_shared.contracts import matching as matching
from jobfriends_shared.contracts import messaging as messaging
from jobfriends_shared.contracts import notifications as notifications
from jobfriends_shared.contracts.base import (
    CATALOGUE,
    EventContract,
    Payload,
    UnknownEventType,
    build_event,
    contract_for,
    parse_payload,
)

__all__ = [
    "CATALOGUE",
    "EventContract",
    "Payload",
    "UnknownEventType",
    "build_event",
    "contract_for",
    "parse_payload",
]
