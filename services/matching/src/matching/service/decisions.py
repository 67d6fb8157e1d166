"""Recording a decision together with its events.

The decision's unique `_id` decides races: if another outcome was recorded first, the insert
fails and the staged events must be abandoned, not committed — so losing raises inside the
outbox unit (leaving it normally would commit them).
"""

from __future__ import annotations

from collections.abc import Sequence

from jobfriends_shared.contracts.matching import TOPIC
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from matching.repository.connections import DECISIONS, ConnectionRepository


class _Lost(Exception):
    pass


async def record(
    outbox: Outbox, repo: ConnectionRepository, decision: Document, events: Sequence[Envelope]
) -> bool:
    """True if this decision was recorded (and its events will be published)."""
    try:
        async with outbox.unit(
            events, topic=TOPIC, collection=DECISIONS, aggregate_id=decision["_id"]
        ) as unit:
            if not await repo.decide(decision, unit):
                raise _Lost
    except _Lost:
        return False
    return True
