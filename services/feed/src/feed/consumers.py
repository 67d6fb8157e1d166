"""The feed listens to identity (author cards, blocks, erasure, milestones to announce), to
matching (connections and tribes: its own audience projection) and to its own posts (the
fan-out and hashtag uses that follow a post's save, kept out of the request that saved it).
Handlers are idempotent: projections are upserts/deletes by natural ids, the milestone post's id
derives from the milestone's, and a post's fan-out is marked done, so a redelivered event
changes nothing twice."""

from __future__ import annotations

from collections.abc import Sequence

from jobfriends_shared.contracts.feed import CACHE, DocumentsChanged, PostCreated, PostUpdated
from jobfriends_shared.contracts.identity import (
    MilestoneRecorded,
    ProfileUpdated,
    UserBlocked,
    UserDeleted,
    UserRegistered,
    UserUnblocked,
)
from jobfriends_shared.contracts.matching import (
    ConnectionAccepted,
    ConnectionRemoved,
    TribeMemberAdded,
    TribeMemberRemoved,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime

from feed.repository import DocumentCache
from feed.service import FeedService

_MAX_IDS = 500  # a bigger write is announced as "any document of the collection"


def register(runtime: Runtime, feed: FeedService) -> None:
    on = runtime.consumer.on

    @runtime.consumer.on_batch(UserRegistered)
    async def registered(events: Sequence[tuple[Envelope, UserRegistered]]) -> None:
        await feed.social.registered([(e.user_id, e.display_name) for _, e in events])

    @runtime.consumer.on_batch(ProfileUpdated)
    async def profiles_updated(events: Sequence[tuple[Envelope, ProfileUpdated]]) -> None:
        await feed.social.profiles_updated([(e.user_id, e.profile) for _, e in events])

    @on(UserBlocked)
    async def blocked(_: Envelope, event: UserBlocked) -> None:
        await feed.social.blocked(event.blocker_id, event.blocked_id)

    @on(UserUnblocked)
    async def unblocked(_: Envelope, event: UserUnblocked) -> None:
        await feed.social.unblocked(event.blocker_id, event.blocked_id)

    @on(UserDeleted)
    async def deleted(_: Envelope, event: UserDeleted) -> None:
        await feed.social.erase(event.user_id)

    @on(MilestoneRecorded)
    async def milestone(_: Envelope, event: MilestoneRecorded) -> None:
        await feed.posts.milestone_recorded(event)

    @on(ConnectionAccepted)
    async def accepted(_: Envelope, event: ConnectionAccepted) -> None:
        await feed.social.connected(event.from_user_id, event.to_user_id)

    @on(ConnectionRemoved)
    async def removed(_: Envelope, event: ConnectionRemoved) -> None:
        await feed.social.disconnected(event.from_user_id, event.to_user_id)

    @on(TribeMemberAdded)
    async def tribe_added(_: Envelope, event: TribeMemberAdded) -> None:
        await feed.social.tribe_changed(event.owner_id, event.member_id, added=True)

    @on(TribeMemberRemoved)
    async def tribe_removed(_: Envelope, event: TribeMemberRemoved) -> None:
        await feed.social.tribe_changed(event.owner_id, event.member_id, added=False)

    # Both settle the post as stored now (the payload may be older than the post by then).
    @on(PostCreated)
    async def post_created(_: Envelope, event: PostCreated) -> None:
        await feed.fanout.settle(event.post_id)

    @on(PostUpdated)
    async def post_updated(_: Envelope, event: PostUpdated) -> None:
        await feed.fanout.settle(event.post_id)

    runtime.consume()


def share_copies(runtime: Runtime, cache: DocumentCache) -> None:
    """Every instance tells the others which documents it wrote and drops what they wrote
    (see `repository.memory`).

    A consumer without the shared dedupe, like notifications' wake-ups: its processed marker
    would be shared by all instances, and only the first would hear. Dropping a copy twice is
    harmless; a malformed announcement is skipped (an expiry covers for it)."""
    if not cache.enabled:
        return
    instance = runtime.instance

    def announce(collection: str, ids: list[str] | None) -> None:
        if ids is not None and len(ids) > _MAX_IDS:
            ids = None
        runtime.signal(DocumentsChanged(collection=collection, ids=ids, instance=instance))

    consumer = runtime.broadcast_consumer()

    @consumer.on(DocumentsChanged)
    async def changed(_: Envelope, event: DocumentsChanged) -> None:
        if event.instance != instance:
            cache.drop(event.collection, event.ids)

    cache.announce = announce
    cache.hearing = lambda: runtime.assigned(CACHE)
    runtime.broadcast(consumer)
