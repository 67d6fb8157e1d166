"""One template per notification type: a title, a body and the structured data a client needs
to render it its own way (ids to link to, counts, emoji, times).

Names are looked up when a notification is shown, not when it is stored, so a renamed person
shows their new name, and a deleted or blocked person's name is never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifications.domain.kinds import EMOJI, Channel, NotificationType

SOMEONE = "Someone"


@dataclass(frozen=True)
class Notification:
    """A stored notification as the domain sees it."""

    id: str
    recipient_id: str
    seq: int
    type: NotificationType
    channel: Channel
    created_at: datetime
    actor_id: str | None = None
    group: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    quiet: bool = False
    post_id: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class GroupState:
    """Who contributed to a grouped notification, as of now (blocked people left out)."""

    count: int
    latest_actor_ids: tuple[str, ...]
    latest_detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderContext:
    names: Mapping[str, str]
    groups: Mapping[str, GroupState]
    zone: ZoneInfo
    hidden_people: frozenset[str] = frozenset()

    def name(self, user_id: str | None) -> str:
        if user_id is None or user_id in self.hidden_people:
            return SOMEONE
        return self.names.get(user_id) or SOMEONE


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    actor_ids: tuple[str, ...]
    actor_count: int
    data: dict[str, Any]


def when(raw: Any, zone: ZoneInfo) -> str:
    """An event time in the reader's time zone, e.g. `Tue 14 Jan, 18:30`."""
    try:
        moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        return ""
    return moment.astimezone(zone).strftime("%a %d %b, %H:%M")


def _others(count: int) -> str:
    if count <= 0:
        return ""
    return " and 1 other" if count == 1 else f" and {count} others"


def _grouped(n: Notification, ctx: RenderContext) -> Rendered | None:
    state = ctx.groups.get(n.group or "")
    if state is None or state.count == 0 or not state.latest_actor_ids:
        return None  # every contributor left, was deleted or blocked: nothing to show
    actor = ctx.name(state.latest_actor_ids[0])
    others = _others(state.count - 1)
    data = {**n.data, "count": state.count}
    if n.type == NotificationType.post_reacted:
        emoji = str(state.latest_detail.get("emoji") or "")
        symbol = EMOJI.get(emoji, "")
        title = f"{actor}{others} reacted {symbol} to your post".replace("  ", " ")
        body = str(n.data.get("excerpt") or "")
        data["emoji"] = emoji or None
    else:
        title = f"{actor}{others} commented on your post"
        body = str(state.latest_detail.get("excerpt") or n.data.get("excerpt") or "")
    return Rendered(title, body, state.latest_actor_ids, state.count, data)


def _single(title: str, body: str, n: Notification) -> Rendered:
    actors = (n.actor_id,) if n.actor_id else ()
    return Rendered(title, body, actors, len(actors), dict(n.data))


_MILESTONES = {
    "new_job": "started a new job",
    "promotion": "was promoted",
    "work_anniversary": "celebrates a work anniversary",
}
_LEADS = {"24h": "tomorrow", "1h": "in 1 hour"}


def _milestone(n: Notification, actor: str) -> tuple[str, str]:
    what = _MILESTONES.get(str(n.data.get("kind")), "reached a milestone")
    detail = str(n.data.get("title") or "")
    if n.data.get("organisation"):
        detail = f"{detail} at {n.data['organisation']}" if detail else str(n.data["organisation"])
    return f"{actor} {what}" + (f": {detail}" if detail else ""), "Send your congratulations!"


def _waiting(d: Mapping[str, Any], actor: str) -> tuple[str, str]:
    """One notification per conversation until it is read, however many messages wait."""
    unread = int(d.get("unread") or 1)
    noun = "message" if unread == 1 else "messages"
    where = "in your group conversation" if d.get("kind") == "group" else "waiting for you"
    return f"{actor} wrote to you", f"{unread} unread {noun} {where}"


def _suggestions(n: Notification, ctx: RenderContext) -> Rendered:
    top = [u for u in n.data.get("top", ()) if u not in ctx.hidden_people and u in ctx.names]
    count = int(n.data.get("count") or len(top))
    noun = "person" if count == 1 else "people"
    title = f"{count} new {noun} you might like to meet"
    body = f"Including {', '.join(ctx.names[u] for u in top[:3])}" if top else ""
    return Rendered(title, body, tuple(top[:3]), len(top), {**n.data, "top": top})


def render(n: Notification, ctx: RenderContext) -> Rendered | None:
    """Title, body and data of one notification; None when there is nothing left to show."""
    t = NotificationType
    if n.group is not None:
        return _grouped(n, ctx)
    if n.type == t.match_suggestions:
        return _suggestions(n, ctx)
    if n.actor_id is not None and n.actor_id in ctx.hidden_people:
        return None  # blocked (or deleted) since: they never notify you
    actor = ctx.name(n.actor_id)
    d = n.data
    starts = when(d.get("starts_at"), ctx.zone)
    title_body: dict[NotificationType, Callable[[], tuple[str, str]]] = {
        t.connection_requested: lambda: (f"{actor} wants to connect", str(d.get("note") or "")),
        t.connection_accepted: lambda: (
            f"{actor} accepted your connection request",
            "You are now connected. Say hello!",
        ),
        t.comment_replied: lambda: (
            f"{actor} replied to your comment",
            str(d.get("excerpt") or ""),
        ),
        t.mentioned: lambda: (
            f"{actor} mentioned you in a {'comment' if d.get('comment_id') else 'post'}",
            str(d.get("excerpt") or ""),
        ),
        t.tribe_help_request: lambda: (
            f"{actor} is asking their tribe for help",
            str(d.get("excerpt") or ""),
        ),
        t.tribe_milestone: lambda: _milestone(n, actor),
        t.endorsement_received: lambda: (
            f"{actor} endorsed you for {d.get('skill')}",
            "Endorsements help others find you.",
        ),
        t.event_nearby: lambda: (
            f"New {d.get('kind') or 'event'} near you: {d.get('title')}",
            " · ".join(p for p in (starts, str(d.get("city") or "")) if p),
        ),
        t.group_event: lambda: (
            f"{d.get('group_name') or 'Your group'} is hosting {d.get('title')}",
            starts,
        ),
        t.waitlist_promoted: lambda: (
            f"You got a seat at {d.get('title')}",
            f"A spot opened up and it is yours. Starts {starts}.",
        ),
        t.event_reminder: lambda: (
            f"{d.get('title')} starts {_LEADS.get(str(d.get('lead')), 'soon')}",
            starts,
        ),
        t.event_cancelled: lambda: (
            f"{d.get('title')} was cancelled",
            f"The host cancelled the event planned for {starts}.",
        ),
        t.keep_in_touch: lambda: (
            f"Time to catch up with {actor}",
            str(d.get("starter") or ""),
        ),
        t.messages_waiting: lambda: _waiting(d, actor),
        t.message_requested: lambda: (
            f"{actor} would like to message you",
            "Read their reason and accept or ignore.",
        ),
    }
    make = title_body.get(n.type)
    if make is None:
        return None
    title, body = make()
    return _single(title, body, n)
