"""Reactions to feed's and events' events: posts and what happens on them, groups, and local
events with their RSVPs, waitlists, reminders and cancellations."""

from __future__ import annotations

from collections.abc import Sequence

from jobfriends_shared.contracts.events import (
    EventCancelled,
    EventCreated,
    EventReminderDue,
    RsvpChanged,
    RsvpStatus,
    WaitlistPromoted,
)
from jobfriends_shared.contracts.feed import (
    CommentAdded,
    GroupCreated,
    GroupMemberJoined,
    GroupMemberLeft,
    HelpRequested,
    MentionCreated,
    PostCreated,
    PostDeleted,
    PostUpdated,
    ReactionChanged,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import merged_by_key

from notifications.domain.drafts import (
    Draft,
    Place,
    bounding_box,
    excerpt,
    fits_interests,
    group_key,
    is_near,
    normalise_place,
)
from notifications.domain.kinds import NotificationType as T
from notifications.repository import ProjectionRepository
from notifications.service.notifier import Notifier
from notifications.settings import NotificationsSettings

# Who hears that an event was cancelled: everyone who said they would (or might) come.
CANCEL_AUDIENCE = (RsvpStatus.going, RsvpStatus.waitlisted, RsvpStatus.interested)


class ContentIntake:
    def __init__(
        self, notifier: Notifier, projections: ProjectionRepository, settings: NotificationsSettings
    ) -> None:
        self.notifier = notifier
        self.projections = projections
        self.settings = settings

    async def _post_excerpt(self, post_id: str) -> str:
        post = await self.projections.post(post_id)
        return str(post.get("excerpt") or "") if post else ""

    # --- posts ----------------------------------------------------------------------------

    async def posts_saved(
        self,
        events: Sequence[tuple[Envelope, PostCreated]] | Sequence[tuple[Envelope, PostUpdated]],
    ) -> None:
        """Consecutive new or edited posts, in one bulk write (a batch handler)."""
        await self.projections.set_posts(
            merged_by_key(
                (
                    e.post_id,
                    {"author_id": e.author_id, "kind": e.kind.value, "excerpt": excerpt(e.text)},
                )
                for _, e in events
            )
        )

    async def post_deleted(self, _: Envelope, e: PostDeleted) -> None:
        await self.projections.tombstone_post(e.post_id)
        await self.notifier.forget_post(e.post_id)

    async def reaction(self, env: Envelope, e: ReactionChanged) -> None:
        if e.emoji is None:
            # Taken back: they no longer count in "Ana and 4 others".
            group = group_key(T.post_reacted, e.post_id)
            await self.notifier.withdraw(e.post_author_id, group, e.user_id, str(env.id))
            return
        await self.notifier.deliver(
            Draft(
                e.post_author_id,
                T.post_reacted,
                str(env.id),
                actor_id=e.user_id,
                data={
                    "post_id": e.post_id,
                    "excerpt": await self._post_excerpt(e.post_id),
                    "detail": {"emoji": e.emoji.value},
                },
                post_id=e.post_id,
            ),
            env,
        )

    async def comment(self, env: Envelope, e: CommentAdded) -> None:
        text = excerpt(e.text)
        await self.notifier.deliver(
            Draft(
                e.post_author_id,
                T.post_commented,
                str(env.id),
                actor_id=e.author_id,
                data={
                    "post_id": e.post_id,
                    "excerpt": await self._post_excerpt(e.post_id),
                    "detail": {"comment_id": e.comment_id, "excerpt": text},
                },
                post_id=e.post_id,
            ),
            env,
        )
        parent_author = e.parent_author_id
        if parent_author and parent_author != e.post_author_id:
            # The post's author hears through the grouped comment; a reply's parent author
            # hears of the reply itself.
            await self.notifier.deliver(
                Draft(
                    parent_author,
                    T.comment_replied,
                    str(env.id),
                    actor_id=e.author_id,
                    data={
                        "post_id": e.post_id,
                        "comment_id": e.comment_id,
                        "parent_id": e.parent_id,
                        "excerpt": text,
                    },
                    post_id=e.post_id,
                ),
                env,
            )

    async def mention(self, env: Envelope, e: MentionCreated) -> None:
        await self.notifier.deliver(
            Draft(
                e.mentioned_user_id,
                T.mentioned,
                str(env.id),
                actor_id=e.author_id,
                data={
                    "post_id": e.post_id,
                    "comment_id": e.comment_id,
                    "excerpt": await self._post_excerpt(e.post_id),
                },
                post_id=e.post_id,
            ),
            env,
        )

    async def help_requested(self, env: Envelope, e: HelpRequested) -> None:
        data = {"post_id": e.post_id, "excerpt": excerpt(e.text), "hashtags": list(e.hashtags)}
        await self.notifier.to_tribe(env, e.author_id, T.tribe_help_request, data, e.post_id)

    # --- groups ---------------------------------------------------------------------------

    async def group_created(self, _: Envelope, e: GroupCreated) -> None:
        await self.projections.set_group(e.group_id, e.name)
        await self.projections.set_membership(e.group_id, e.owner_id, member=True)

    async def member_joined(self, _: Envelope, e: GroupMemberJoined) -> None:
        await self.projections.set_membership(e.group_id, e.user_id, member=True)

    async def member_left(self, _: Envelope, e: GroupMemberLeft) -> None:
        await self.projections.set_membership(e.group_id, e.user_id, member=False)

    # --- local events ---------------------------------------------------------------------

    async def event_created(self, env: Envelope, e: EventCreated) -> None:
        """Members of the hosting group hear it is theirs; people nearby whose interests fit
        hear there is something near them. Each person at most once (group first)."""
        limit = self.settings.max_fanout
        base = {
            "event_id": e.event_id,
            "title": e.title,
            "kind": e.kind.value,
            "starts_at": e.starts_at.isoformat(),
            "city": e.city,
        }
        drafts: dict[str, Draft] = {}
        if e.group_id:
            name = await self.projections.group_name(e.group_id)
            for member in await self.projections.members(e.group_id, limit):
                drafts[member] = Draft(
                    member,
                    T.group_event,
                    str(env.id),
                    actor_id=e.host_id,
                    data={**base, "group_id": e.group_id, "group_name": name},
                    event_id=e.event_id,
                )
        for person in await self._nearby_fitting(e, limit):
            user_id = str(person["_id"])
            if user_id not in drafts and len(drafts) < limit:
                drafts[user_id] = Draft(
                    user_id,
                    T.event_nearby,
                    str(env.id),
                    actor_id=e.host_id,
                    data=base,
                    event_id=e.event_id,
                )
        await self.notifier.deliver_all(drafts.values(), env)

    async def _nearby_fitting(self, e: EventCreated, limit: int) -> list[dict[str, object]]:
        where = Place(e.city, (e.location.lat, e.location.lon) if e.location else None)
        if where.city is None and where.location is None:
            return []  # online only: nobody is near it
        candidates: dict[str, dict[str, object]] = {}
        city_key = normalise_place(e.city)
        if city_key:
            for p in await self.projections.people_in_city(city_key, limit * 2):
                candidates[str(p["_id"])] = p
        if where.location:
            box = bounding_box(where.location, self.settings.nearby_km)
            for p in await self.projections.people_in_box(box, limit * 2):
                candidates[str(p["_id"])] = p
        found = []
        for p in candidates.values():
            lat, lon = p.get("lat"), p.get("lon")
            person = Place(
                str(p["city"]) if p.get("city") else None,
                (float(lat), float(lon))
                if isinstance(lat, int | float) and isinstance(lon, int | float)
                else None,
            )
            interests = p.get("interests")
            profession = p.get("profession")
            if is_near(where, person, self.settings.nearby_km) and fits_interests(
                e.topics,
                e.professions,
                interests if isinstance(interests, list) else [],
                profession if isinstance(profession, str) else None,
            ):
                found.append(p)
        return found

    async def rsvp(self, _: Envelope, e: RsvpChanged) -> None:
        await self.projections.set_rsvp(e.event_id, e.user_id, e.status.value)

    async def promoted(self, env: Envelope, e: WaitlistPromoted) -> None:
        await self.projections.set_rsvp(e.event_id, e.user_id, RsvpStatus.going.value)
        await self.notifier.deliver(
            Draft(
                e.user_id,
                T.waitlist_promoted,
                str(env.id),
                data={
                    "event_id": e.event_id,
                    "title": e.title,
                    "starts_at": e.starts_at.isoformat(),
                },
                event_id=e.event_id,
            ),
            env,
        )

    async def reminder(self, env: Envelope, e: EventReminderDue) -> None:
        # Keyed by (event, lead): one reminder per lead time, however often it is announced.
        await self.notifier.deliver(
            Draft(
                e.user_id,
                T.event_reminder,
                f"reminder:{e.event_id}:{e.lead}",
                data={
                    "event_id": e.event_id,
                    "title": e.title,
                    "starts_at": e.starts_at.isoformat(),
                    "lead": e.lead,
                },
                event_id=e.event_id,
            ),
            env,
        )

    async def cancelled(self, env: Envelope, e: EventCancelled) -> None:
        people = await self.projections.attendees(
            e.event_id, [s.value for s in CANCEL_AUDIENCE], self.settings.max_fanout
        )
        data = {"event_id": e.event_id, "title": e.title, "starts_at": e.starts_at.isoformat()}
        await self.notifier.deliver_all(
            (
                Draft(
                    p,
                    T.event_cancelled,
                    f"event.cancelled:{e.event_id}",
                    actor_id=e.host_id,
                    data=data,
                    event_id=e.event_id,
                )
                for p in people
            ),
            env,
        )
