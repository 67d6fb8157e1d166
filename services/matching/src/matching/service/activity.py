"""Activity between people, from feed and events: posts (context for conversation starters),
reactions, comments and mentions (interactions, and support on help requests and milestones),
check-ins (people who were at the same event met there), and direct messages (keeping in
touch).

Interactions are an insert-only log keyed by the fact that caused them (a redelivery rewrites
the same document); the last contact per pair is a separate `$max` (see the repository).
"""

from __future__ import annotations

from jobfriends_shared.contracts.events import AttendanceCheckedIn
from jobfriends_shared.contracts.feed import (
    CommentAdded,
    HelpRequested,
    MentionCreated,
    PostCreated,
    PostDeleted,
    ReactionChanged,
)
from jobfriends_shared.contracts.matching import pair_id
from jobfriends_shared.contracts.messaging import ConversationKind, MessageSent
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Document

from matching.repository import Repositories
from matching.service.deltas import Op, member_op, pair_op, support_op
from matching.service.suggestions import SuggestionService

SUPPORT_KINDS = ("help_request", "milestone")
TEXT_KEPT = 280


class ActivityService:
    def __init__(self, repos: Repositories, suggestions: SuggestionService) -> None:
        self.repos = repos
        self.suggestions = suggestions

    async def _gone(self, *user_ids: str) -> bool:
        for uid in user_ids:
            if await self.repos.projections.is_deleted(uid):
                return True
        return False

    async def post(self, env: Envelope, e: PostCreated | HelpRequested, kind: str) -> None:
        if await self._gone(e.author_id):
            return
        p = self.repos.projections
        text = e.text[:TEXT_KEPT]
        await p.put_post(
            e.post_id,
            {"author": e.author_id, "kind": kind, "text": text, "created_at": env.occurred_at},
        )
        if kind != "milestone":  # milestones come from identity, with their details
            item = {"id": e.post_id, "kind": kind, "text": text, "at": env.occurred_at}
            await p.remember(e.author_id, "posts", item)

    async def post_deleted(self, e: PostDeleted) -> None:
        await self.repos.projections.delete_post(e.post_id)
        await self.repos.projections.forget(e.author_id, "posts", e.post_id)

    async def _interaction(
        self,
        env: Envelope,
        key: str,
        actor: str,
        target: str,
        kind: str,
        *,
        support: bool = False,
        active: bool = True,
        extra: Document | None = None,
    ) -> None:
        if actor == target or await self._gone(actor, target):
            return
        pair = pair_id(actor, target)
        doc: Document = {
            "pair_id": pair,
            "actor": actor,
            "target": target,
            "kind": kind,
            "at": env.occurred_at,
            "support": support,
            "active": active,
            **(extra or {}),
        }
        p = self.repos.projections
        await p.record_interaction(key, doc)
        if active:
            await p.touch(pair, sorted((actor, target)), env.occurred_at)
        ops: list[Op] = [pair_op("interacted", actor, target, True)]
        if support:
            ops.append(support_op(key, actor, target, active))
        await self.suggestions.changed(ops)

    async def _supportive(self, post_id: str) -> bool:
        post = await self.repos.projections.post(post_id)
        return post is not None and post.get("kind") in SUPPORT_KINDS

    async def reaction(self, env: Envelope, e: ReactionChanged) -> None:
        await self._interaction(
            env,
            f"reaction|{e.post_id}|{e.user_id}",
            e.user_id,
            e.post_author_id,
            "reaction",
            support=await self._supportive(e.post_id),
            active=e.emoji is not None,
        )

    async def comment(self, env: Envelope, e: CommentAdded) -> None:
        support = await self._supportive(e.post_id)
        targets = {e.post_author_id, *([e.parent_author_id] if e.parent_author_id else [])}
        for target in sorted(targets):
            await self._interaction(
                env,
                f"comment|{e.comment_id}|{target}",
                e.author_id,
                target,
                "comment",
                support=support and target == e.post_author_id,
            )

    async def mention(self, env: Envelope, e: MentionCreated) -> None:
        await self._interaction(
            env,
            f"mention|{e.post_id}|{e.comment_id or ''}|{e.mentioned_user_id}",
            e.author_id,
            e.mentioned_user_id,
            "mention",
        )

    async def message(self, env: Envelope, e: MessageSent) -> None:
        """A direct message is keeping in touch (it resets the pair's nudge cadence). One
        interaction per sender, pair and day, however many messages: a chat is one contact."""
        if e.kind != ConversationKind.direct or len(e.recipient_ids) != 1:
            return
        (target,) = e.recipient_ids
        day = e.sent_at.date().isoformat()
        await self._interaction(
            env, f"message|{e.conversation_id}|{e.sender_id}|{day}", e.sender_id, target, "message"
        )

    # --- events ---------------------------------------------------------------------------

    async def checked_in(self, env: Envelope, e: AttendanceCheckedIn) -> None:
        """Co-attendance is an interaction between everyone checked in at one event. Check-ins
        of one event arrive in order on one partition, so this instance's index already holds
        the earlier ones."""
        if await self._gone(e.user_id):
            return
        await self.repos.projections.check_in(e.event_id, e.user_id, env.occurred_at)
        await self.suggestions.changed([member_op("attended", e.event_id, e.user_id, True)])
        others = [
            u for u in self.suggestions.live.index.attendees.get(e.event_id, {}) if u != e.user_id
        ]
        for other in others:
            await self._interaction(
                env,
                f"attended|{e.event_id}|{pair_id(e.user_id, other)}",
                e.user_id,
                other,
                "attended_together",
                extra={"event_id": e.event_id},
            )
        # Having met is a strong reason to connect, and the moment to suggest it.
        await self.suggestions.refresh([e.user_id], extra=others)
