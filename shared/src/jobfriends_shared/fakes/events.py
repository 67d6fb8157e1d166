"""The fake event bus: what a use case published is what it recorded in the outbox.

Use cases never publish directly; they record their events through `Outbox` in the same store
as their state change, and the relay publishes the committed ones. So a fast test reads the
events a use case produced from the store, fake or real, without a broker: committed entries
only (a unit abandoned because its state change failed is not published), oldest first.
"""

from __future__ import annotations

from typing import TypeVar

from jobfriends_shared.contracts import Payload
from jobfriends_shared.contracts.base import contract_of
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database
from jobfriends_shared.outbox import COLLECTION, COMMITTED, entries

P = TypeVar("P", bound=Payload)


async def recorded_events(db: Database, *types: str) -> list[Envelope]:
    """Every committed event in the outbox, oldest first; only these types when given."""
    stored = await db[COLLECTION].find({"state": COMMITTED}).to_list()
    events = sorted((e for doc in stored for e in entries(doc)), key=lambda e: e["seq"])
    envelopes = [Envelope.from_bytes(bytes(e["value"])) for e in events]
    return [e for e in envelopes if not types or e.type in types]


async def recorded(db: Database, model: type[P]) -> list[P]:
    """The payloads of one event class recorded so far, oldest first, typed."""
    spec = contract_of(model)
    return [
        model.model_validate(e.payload)
        for e in await recorded_events(db, spec.event_type)
        if e.version == spec.version
    ]
