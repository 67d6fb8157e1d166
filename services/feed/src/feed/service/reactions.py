"""Reactions and comments on posts.

A reaction is one document per (post, person) — set, changed or cleared in place — and counts
are derived by `$group` + `$sum`, so simultaneous reactions cannot lose one another (FerretDB
updates a document without a lock, but here no two people ever write the same document).
Comments have one level of replies; their counts are counted, too.
"""

from __future__ import annotations

import uuid
from typing import Any

from jobfriends_shared.contracts.feed import (
    POSTS,
    CommentAdded,
    Emoji,
    MentionCreated,
    ReactionChanged,
)
from jobfriends_shared.errors import Forbidden, Invalid, NotFound
from jobfriends_shared.mongo import Document

from feed.domain import text as texts
from feed.repository.posts import COMMENTS, REACTIONS, reaction_id
from feed.service.context import Context, card


class ReactionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo

    # --- reactions -------------------------------------------------------------------------

    async def react(self, user_id: str, post_id: str, emoji: Emoji | None) -> dict[str, Any]:
        """Set (or with None clear) the person's one reaction to a post."""
        post = await self.ctx.visible_post(user_id, post_id)
        previous = await self.repo.posts.reaction(post_id, user_id)
        wanted = emoji.value if emoji is not None else None
        if previous != wanted:
            payload = ReactionChanged(
                post_id=post_id,
                post_author_id=post["author_id"],
                user_id=user_id,
                emoji=emoji,
                previous=Emoji(previous) if previous else None,
            )
            async with self.ctx.outbox.unit(
                [self.ctx.event(payload)],
                topic=POSTS,
                collection=REACTIONS,
                aggregate_id=reaction_id(post_id, user_id),
            ) as unit:
                await self.repo.posts.set_reaction(
                    post_id, user_id, wanted, self.ctx.clock.now(), unit
                )
        counts = await self.repo.posts.reaction_counts([post_id])
        return {"post_id": post_id, "my_reaction": wanted, "reactions": counts.get(post_id, {})}

    # --- comments --------------------------------------------------------------------------

    async def add_comment(
        self, user_id: str, post_id: str, text: str, parent_id: str | None
    ) -> dict[str, Any]:
        post = await self.ctx.visible_post(user_id, post_id)
        parsed = texts.parse(text)
        parent = await self._parent(user_id, post_id, parent_id) if parent_id else None
        now = self.ctx.clock.now()
        comment_id = uuid.uuid4().hex
        mentioned = await self.ctx.mentionable(user_id, post, parsed.mentions)
        doc: Document = {
            "_id": comment_id,
            "post_id": post_id,
            "author_id": user_id,
            "parent_id": parent_id,
            "text": parsed.text,
            "mentions": mentioned,
            "links": list(parsed.links),
            "created_at": now,
            "edited_at": None,
            "order": f"{int(now.timestamp() * 1000):015d}:{comment_id}",
        }
        added = CommentAdded(
            comment_id=comment_id,
            post_id=post_id,
            post_author_id=post["author_id"],
            author_id=user_id,
            parent_id=parent_id,
            parent_author_id=parent["author_id"] if parent else None,
            text=parsed.text,
        )
        events = [self.ctx.event(added)]
        events += [
            self.ctx.event(
                MentionCreated(
                    post_id=post_id,
                    author_id=user_id,
                    mentioned_user_id=person,
                    comment_id=comment_id,
                )
            )
            for person in mentioned
        ]
        async with self.ctx.outbox.unit(
            events, topic=POSTS, collection=COMMENTS, aggregate_id=comment_id
        ) as unit:
            await self.repo.posts.insert_comment(doc, unit)
        return (await self._render([doc]))[0]

    async def _parent(self, user_id: str, post_id: str, parent_id: str) -> Document:
        parent = await self.repo.posts.comment(parent_id)
        if (
            parent is None
            or parent["post_id"] != post_id
            or await self.repo.social.blocked_either_way(user_id, parent["author_id"])
        ):
            raise NotFound("no such comment on this post", code="comment_not_found")
        if parent.get("parent_id") is not None:
            raise Invalid(
                "parent_id: replies go to a top-level comment (one level of replies)",
                code="reply_too_deep",
            )
        return parent

    async def comments(
        self, viewer: str, post_id: str, parent_id: str | None, after: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Comments oldest first (or the replies to one), without blocked people's."""
        await self.ctx.visible_post(viewer, post_id)
        if parent_id is not None:
            await self._parent(viewer, post_id, parent_id)
        page: list[Document] = []
        cursor = after
        for _ in range(5):
            batch = await self.repo.posts.comments_page(post_id, parent_id, cursor, limit)
            hidden = await self.repo.social.blocked_among(viewer, {c["author_id"] for c in batch})
            for comment in batch:
                cursor = comment["order"]
                if comment["author_id"] not in hidden:
                    page.append(comment)
                    if len(page) == limit:
                        return await self._render(page), cursor
            if len(batch) < limit:
                return await self._render(page), None
        return await self._render(page), cursor

    async def _render(self, comments: list[Document]) -> list[dict[str, Any]]:
        cards = await self.ctx.cards(c["author_id"] for c in comments)
        tops = [c["_id"] for c in comments if c.get("parent_id") is None]
        replies = await self.repo.posts.reply_counts(tops)
        return [
            {
                "id": c["_id"],
                "post_id": c["post_id"],
                "parent_id": c.get("parent_id"),
                "author": cards.get(c["author_id"]) or card(c["author_id"], None),
                "text": c["text"],
                "mentions": c.get("mentions", []),
                "links": c.get("links", []),
                "created_at": c["created_at"],
                "edited_at": c.get("edited_at"),
                "reply_count": replies.get(c["_id"], 0) if c.get("parent_id") is None else None,
            }
            for c in comments
        ]

    async def _comment_on(
        self, user_id: str, post_id: str, comment_id: str
    ) -> tuple[Document, Document]:
        post = await self.ctx.visible_post(user_id, post_id)
        comment = await self.repo.posts.comment(comment_id)
        if comment is None or comment["post_id"] != post_id:
            raise NotFound("no such comment on this post", code="comment_not_found")
        return post, comment

    async def edit_comment(
        self, user_id: str, post_id: str, comment_id: str, text: str
    ) -> dict[str, Any]:
        post, comment = await self._comment_on(user_id, post_id, comment_id)
        if comment["author_id"] != user_id:
            raise Forbidden("only the comment's author may edit it", code="not_author")
        parsed = texts.parse(text)
        mentioned = await self.ctx.mentionable(user_id, post, parsed.mentions)
        fields = {
            "text": parsed.text,
            "links": list(parsed.links),
            "mentions": mentioned,
            "edited_at": self.ctx.clock.now(),
        }
        newly = texts.new_mentions(comment.get("mentions", ()), mentioned)
        events = [
            self.ctx.event(
                MentionCreated(
                    post_id=post_id,
                    author_id=user_id,
                    mentioned_user_id=person,
                    comment_id=comment_id,
                )
            )
            for person in newly
        ]
        async with self.ctx.outbox.unit(
            events, topic=POSTS, collection=COMMENTS, aggregate_id=comment_id
        ) as unit:
            await self.repo.posts.update_comment(comment_id, fields, unit)
        return (await self._render([{**comment, **fields}]))[0]

    async def delete_comment(self, user_id: str, post_id: str, comment_id: str) -> None:
        """The comment's author may delete it, and so may the post's author (moderating their
        own post); replies go with it."""
        post, comment = await self._comment_on(user_id, post_id, comment_id)
        if user_id not in (comment["author_id"], post["author_id"]):
            raise Forbidden(
                "only the comment's or the post's author may delete it", code="not_author"
            )
        await self.repo.posts.delete_comment(comment, self.ctx.clock.now())
