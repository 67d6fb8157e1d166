"""Keep in touch: when a friend is overdue for a message, and what to say.

A nudge belongs to a *period*: with a monthly cadence and a last interaction on 3 March, the
periods start 2 April, 2 May, ... (every 30 days after the last contact, until a new contact
moves them). The nudge id derives from (person, friend, period start), so re-running the job,
on any instance or after a restart, finds the same id and cannot nudge twice for one period;
and since it is always computed from the store, a run missed during a restart is made up by
the next one. Independently, at most three nudges per friend per calendar month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from matching.ranking.model import EventInfo
from matching.ranking.wording import event_phrase, first_name

MAX_PER_MONTH = 3
RECENT = timedelta(days=30)
SOON = timedelta(days=21)


class Cadence(StrEnum):
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    none = "none"


DEFAULT_CADENCE = Cadence.monthly
PERIODS = {
    Cadence.weekly: timedelta(days=7),
    Cadence.monthly: timedelta(days=30),
    Cadence.quarterly: timedelta(days=91),
}


def due_at(last: datetime, cadence: Cadence, now: datetime) -> datetime | None:
    """Start of the current overdue period, or None when not overdue (or no cadence)."""
    period = PERIODS.get(cadence)
    if period is None or now - last < period:
        return None
    return last + period * ((now - last) // period)


def period_key(user_id: str, friend_id: str, due: datetime) -> str:
    return f"{user_id}|{friend_id}|{due.isoformat()}"


def month_key(now: datetime) -> str:
    return now.strftime("%Y-%m")


def slot_ids(user_id: str, friend_id: str, month: str) -> list[str]:
    return [f"{user_id}|{friend_id}|{month}#{n}" for n in range(MAX_PER_MONTH)]


@dataclass(frozen=True)
class Milestone:
    kind: str
    title: str
    organisation: str | None = None


@dataclass(frozen=True)
class StarterContext:
    """What we know that the two could talk about, most recent first."""

    friend_name: str
    last_contact: datetime
    milestones: Sequence[Milestone] = ()
    shared_events: Sequence[EventInfo] = ()
    help_requests: Sequence[str] = ()
    posts: Sequence[str] = ()


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"“{text}”"


_MILESTONE_WORDS = {
    "new_job": "started a new job",
    "promotion": "got a promotion",
    "work_anniversary": "has a work anniversary",
}


def conversation_starter(ctx: StarterContext, now: datetime) -> tuple[str, str]:
    """(kind, text): the most concrete thing to bring up, from a friend's milestone, an event
    both are going to, a help request, a recent post, or else the time since last contact."""
    name = first_name(ctx.friend_name)
    if ctx.milestones:
        m = ctx.milestones[0]
        what = _MILESTONE_WORDS.get(m.kind, "has news")
        title = f" as {m.title}" if m.kind != "work_anniversary" and m.title else ""
        org = f" at {m.organisation}" if m.organisation else ""
        return "friend_milestone", f"{name} {what}{title}{org}. Say congratulations?"
    if ctx.shared_events:
        info = ctx.shared_events[0]
        return (
            "shared_event",
            f"You are both going to {event_phrase(info, now)}. Suggest meeting there?",
        )
    if ctx.help_requests:
        return (
            "help_request",
            f"{name} asked for help: {_quote(ctx.help_requests[0])}. Could you help?",
        )
    if ctx.posts:
        return "recent_post", f"{name} posted {_quote(ctx.posts[0])}. Ask about it?"
    weeks = max(1, (now - ctx.last_contact).days // 7)
    since = "a week" if weeks == 1 else f"{weeks} weeks"
    return (
        "catch_up",
        f"It has been {since} since you and {name} last talked. Ask how work is going?",
    )
