"""Following people and hashtags, feed settings, and the projections of identity's and
matching's events (author cards, blocks, connections, tribes, erasure).

Every relation change that alters who receives an author's, a hashtag's or a group's posts also
invalidates that source's cached audience (`TimelineService.changed`), after the relation is
written. Consumer-side handlers are idempotent: upserts and deletes keyed by natural ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobfriends_shared.contracts.feed import (
    POSTS,
    SOCIAL,
    HashtagFollowed,
    HashtagUnfollowed,
    PostDeleted,
    PostVisibility,
    UserFollowed,
    UserUnfollowed,
)
from jobfriends_shared.contracts.identity import ProfileSnapshot
from jobfriends_shared.errors import Invalid, NotFound

from feed.domain import text as texts
from feed.domain.groups import Role, Status
from feed.repository.social import (
    CARD_FIELDS,
    FOLLOWS,
    HASHTAG_FOLLOWS,
    follow_id,
    hashtag_follow_id,
)
from feed.service.context import Context
from feed.service.timeline import TimelineService

_PUBLIC = PostVisibility.public.value
_SHARED_WITH_CONNECTIONS = [PostVisibility.public.value, PostVisibility.connections.value]


class SocialService:
    def __init__(self, ctx: Context, timeline: TimelineService) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.timeline = timeline

    # --- following people ------------------------------------------------------------------

    async def follow(self, user_id: str, target: str) -> bool:
        """Follow a person's public posts; True when this changed anything."""
        if target == user_id:
            raise Invalid("you cannot follow yourself", code="cannot_follow_self")
        social = self.repo.social
        if await social.author(target) is None or await social.blocked_either_way(user_id, target):
            raise NotFound("no such person", code="user_not_found")
        edge = await social.follow_edge(user_id, target)
        if edge is not None and edge.get("active"):
            return False
        event = self.ctx.event(UserFollowed(user_id=user_id, followed_id=target))
        async with self.ctx.outbox.unit(
            [event], topic=SOCIAL, collection=FOLLOWS, aggregate_id=follow_id(user_id, target)
        ) as unit:
            await social.set_follow(user_id, target, True, self.ctx.clock.now(), unit)
        await self.timeline.changed(f"author:{target}", user_id)
        await self.timeline.backfill(user_id, {"author_id": target, "visibility": _PUBLIC})
        return True

    async def unfollow(self, user_id: str, target: str) -> bool:
        social = self.repo.social
        edge = await social.follow_edge(user_id, target)
        if edge is None or not edge.get("active"):
            return False
        event = self.ctx.event(UserUnfollowed(user_id=user_id, followed_id=target))
        async with self.ctx.outbox.unit(
            [event], topic=SOCIAL, collection=FOLLOWS, aggregate_id=follow_id(user_id, target)
        ) as unit:
            await social.set_follow(user_id, target, False, self.ctx.clock.now(), unit)
        await self.timeline.changed(f"author:{target}", user_id)
        if not await social.connected_among(user_id, [target]):
            await self.repo.timeline.remove_author_from(user_id, target)
        return True

    # --- following hashtags ----------------------------------------------------------------

    async def follow_hashtag(self, user_id: str, raw_tag: str) -> bool:
        tag = texts.normalise_hashtag(raw_tag)
        social = self.repo.social
        edge = await social.hashtag_edge(user_id, tag)
        if edge is not None and edge.get("active"):
            return False
        event = self.ctx.event(HashtagFollowed(user_id=user_id, hashtag=tag))
        async with self.ctx.outbox.unit(
            [event],
            topic=SOCIAL,
            collection=HASHTAG_FOLLOWS,
            aggregate_id=hashtag_follow_id(user_id, tag),
        ) as unit:
            await social.set_hashtag_follow(user_id, tag, True, self.ctx.clock.now(), unit)
        await self.timeline.changed(f"tag:{tag}", user_id)
        await self.timeline.backfill(user_id, {"hashtags": tag, "visibility": _PUBLIC})
        return True

    async def unfollow_hashtag(self, user_id: str, raw_tag: str) -> bool:
        tag = texts.normalise_hashtag(raw_tag)
        social = self.repo.social
        edge = await social.hashtag_edge(user_id, tag)
        if edge is None or not edge.get("active"):
            return False
        event = self.ctx.event(HashtagUnfollowed(user_id=user_id, hashtag=tag))
        async with self.ctx.outbox.unit(
            [event],
            topic=SOCIAL,
            collection=HASHTAG_FOLLOWS,
            aggregate_id=hashtag_follow_id(user_id, tag),
        ) as unit:
            await social.set_hashtag_follow(user_id, tag, False, self.ctx.clock.now(), unit)
        await self.timeline.changed(f"tag:{tag}", user_id)
        return True

    # --- settings --------------------------------------------------------------------------

    async def settings(self, user_id: str) -> dict[str, Any]:
        stored = await self.repo.social.user_settings(user_id)
        return {"auto_milestone_posts": stored.get("auto_milestone_posts", True)}

    async def save_settings(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        if changes:
            await self.repo.social.save_settings(user_id, changes)
        return await self.settings(user_id)

    # --- projections of other services' events --------------------------------------------

    async def registered(self, people: Sequence[tuple[str, str]]) -> None:
        """Consecutive registrations (user id, name): their author cards in one bulk write."""
        await self.repo.social.save_cards(
            [(user_id, {"display_name": name}) for user_id, name in people], self.ctx.clock.now()
        )

    async def profiles_updated(self, profiles: Sequence[tuple[str, ProfileSnapshot]]) -> None:
        """Consecutive profile changes: each person's latest card in one bulk write."""
        await self.repo.social.save_cards(
            [(uid, {f: getattr(p, f) for f in CARD_FIELDS}) for uid, p in profiles],
            self.ctx.clock.now(),
        )

    async def blocked(self, blocker: str, blocked: str) -> None:
        """Hide both from each other: the block itself (checked on every read), no follows
        either way, and no entries of each other's posts in their timelines."""
        await self.repo.social.set_block(blocker, blocked, True, self.ctx.clock.now())
        for a, b in ((blocker, blocked), (blocked, blocker)):
            await self.unfollow(a, b)
            await self.repo.timeline.remove_author_from(a, b)

    async def unblocked(self, blocker: str, blocked: str) -> None:
        await self.repo.social.set_block(blocker, blocked, False, self.ctx.clock.now())

    async def connected(self, a: str, b: str) -> None:
        await self.repo.social.connect(a, b, self.ctx.clock.now())
        await self.timeline.changed(f"author:{a}", b)
        await self.timeline.changed(f"author:{b}", a)
        for viewer, author in ((a, b), (b, a)):
            query = {"author_id": author, "visibility": {"$in": _SHARED_WITH_CONNECTIONS}}
            await self.timeline.backfill(viewer, query)

    async def disconnected(self, a: str, b: str) -> None:
        await self.repo.social.disconnect(a, b)
        await self.timeline.changed(f"author:{a}", b)
        await self.timeline.changed(f"author:{b}", a)
        for viewer, author in ((a, b), (b, a)):
            if not await self.repo.social.following_among(viewer, [author]):
                await self.repo.timeline.remove_author_from(viewer, author)

    async def tribe_changed(self, owner: str, member: str, added: bool) -> None:
        if added:
            await self.repo.social.add_to_tribe(owner, member, self.ctx.clock.now())
        else:
            await self.repo.social.remove_from_tribe(owner, member)

    async def erase(self, user_id: str) -> None:
        """A deleted account: their posts (everywhere, with reactions and comments on them),
        their reactions, comments, follows, memberships, timeline and card. Safe to repeat.

        `post.deleted` is announced for each post before it goes: the account's deletion has
        happened, so the fact holds even if we die mid-way (a redelivery finishes the job and
        finds no posts left to announce)."""
        repo = self.repo
        post_ids = await repo.posts.ids_by_author(user_id)
        if post_ids:
            gone = [self.ctx.event(PostDeleted(post_id=p, author_id=user_id)) for p in post_ids]
            await self.ctx.outbox.emit(gone, topic=POSTS)
        await repo.timeline.remove_posts(post_ids)
        await repo.posts.remove_children(post_ids)
        await repo.posts.delete_posts(post_ids)
        await repo.timeline.forget_fanouts(post_ids)
        await repo.posts.erase_user_activity(user_id)
        sources = [f"author:{a}" for a in await repo.social.followed_by(user_id)]
        sources += [f"author:{c}" for c in await repo.social.connections_of(user_id)]
        sources += [f"tag:{t}" for t in await repo.social.hashtags_of(user_id)]
        memberships = await repo.groups.groups_of(user_id)
        sources += [f"group:{m['group_id']}" for m in memberships]
        await repo.social.erase(user_id)
        await repo.groups.erase(user_id)
        for m in memberships:
            if m.get("role") == Role.moderator and m.get("status") == Status.member:
                await self._keep_a_moderator(m["group_id"])
        await repo.timeline.remove_timeline(user_id)
        for source in dict.fromkeys(sources):
            await self.timeline.changed(source, user_id)
        await repo.timeline.forget_audiences([f"author:{user_id}"])
        await repo.social.tombstone_author(user_id, self.ctx.clock.now())

    async def _keep_a_moderator(self, group_id: str) -> None:
        """A group whose last moderator was erased gets its longest-standing member."""
        groups = self.repo.groups
        if await groups.count(group_id, Role.moderator) > 0:
            return
        heir = await groups.earliest_member(group_id)
        if heir is not None:
            await groups.set_membership(
                group_id, heir["user_id"], Status.member, Role.moderator, self.ctx.clock.now(), None
            )
