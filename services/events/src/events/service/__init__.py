"""The events service's use cases, one module per concern, bundled for the composition root.

- `events`: publish, edit, cancel; keep the geo grid in step; erase a host's events;
- `rsvp`: answers, seats and the waitlist, attendee lists, check-ins;
- `discovery`: listings by time, distance, friends, recommendation; the personal calendar;
- `reminders`: the 24 h / 1 h scheduler;
- `projections`: other services' facts and erasure of deleted people.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobfriends_shared.clock import Clock
from jobfriends_shared.outbox import Outbox

from events.repository import Repository
from events.service.base import Context
from events.service.discovery import DiscoveryService
from events.service.events import EventService
from events.service.projections import ProjectionService
from events.service.reminders import ReminderService
from events.service.rsvp import RsvpService


@dataclass
class Services:
    ctx: Context
    events: EventService
    rsvps: RsvpService
    discovery: DiscoveryService
    reminders: ReminderService
    projections: ProjectionService

    @classmethod
    def build(cls, repo: Repository, outbox: Outbox, clock: Clock) -> Services:
        ctx = Context(repo, outbox, clock)
        rsvps = RsvpService(ctx)
        events = EventService(ctx, rsvps)
        return cls(
            ctx=ctx,
            events=events,
            rsvps=rsvps,
            discovery=DiscoveryService(ctx),
            reminders=ReminderService(ctx),
            projections=ProjectionService(ctx, events, rsvps),
        )


__all__ = ["Context", "Services"]
