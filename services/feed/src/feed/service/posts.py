"""Posts: publish, read, edit, delete; automatic milestone posts; lists by author and hashtag;
trending hashtags.

Each change is one outbox unit: the post document (stamped) and its events (`post.*`,
`help_requested`, `mention.created`) stand or fall together. The answer does not wait for the
fan-out or the hashtag bookkeeping: the feed's consumer of its own `post.created` and
`post.updated` does them (`service.fanout`), so a post to 10,000 followers answers as fast as
one to nobody.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from jobfriends_shared.contracts.feed import (
    POSTS,
    HelpRequested,
    MentionCreated,
    PostCreated,
    PostDeleted,
    PostKind,
    PostUpdated,
    PostVisibility,
)
from jobfriends_shared.contracts.identity import MilestoneRecorded
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.errors import Forbidden, Invalid, NotFound
from jobfriends_shared.mongo import Document

from feed.domain import text as texts
from feed.domain.posts import (
    check_placement,
    milestone_post_id,
    milestone_text,
    rank,
    widens,
)
from feed.repository.posts import POSTS as POSTS_COLLECTION
from feed.service.context import Context


class _AlreadyThere(Exception):
    """Raised inside an outbox unit to abandon it when the post exists already."""


class PostService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo

    # --- publishing ------------------------------------------------------------------------

    async def create(
        self,
        author_id: str,
        text: str,
        kind: PostKind,
        visibility: PostVisibility,
        group_id: str | None,
        links: Sequence[str],
    ) -> dict[str, Any]:
        parsed = texts.parse(text, links)
        check_placement(visibility, group_id)
        if group_id is not None:
            await self._require_member(author_id, group_id)
        doc = await self._new_post(
            uuid.uuid4().hex,
            author_id,
            kind,
            visibility,
            group_id,
            parsed,
            explicit_links=[texts.check_link(link) for link in links],
        )
        await self._publish(doc)
        return (await self.ctx.render(author_id, [doc]))[0]

    async def _require_member(self, user_id: str, group_id: str) -> None:
        if await self.repo.groups.group(group_id) is None:
            raise NotFound("no such group", code="group_not_found")
        if not await self.repo.groups.member_of(user_id, [group_id]):
            raise Forbidden("only members can post in this group", code="not_a_member")

    async def _new_post(
        self,
        post_id: str,
        author_id: str,
        kind: PostKind,
        visibility: PostVisibility,
        group_id: str | None,
        parsed: texts.ParsedText,
        **extra: Any,
    ) -> Document:
        now = self.ctx.clock.now()
        author = await self.repo.social.author(author_id)
        city = (author or {}).get("city")
        doc: Document = {
            "_id": post_id,
            "author_id": author_id,
            "kind": kind.value,
            "visibility": visibility.value,
            "group_id": group_id,
            "city": city,
            "city_key": texts.normalise_city(city),
            "created_at": now,
            "edited_at": None,
            "rank": rank(now, post_id),
            "explicit_links": [],
            **extra,
        }
        doc.update(self._content(parsed))
        doc["mentions"] = await self.ctx.mentionable(author_id, doc, parsed.mentions)
        return doc

    @staticmethod
    def _content(parsed: texts.ParsedText) -> Document:
        return {
            "text": parsed.text,
            "hashtags": list(parsed.hashtags),
            "hashtag_labels": parsed.hashtag_labels,
            "links": list(parsed.links),
        }

    def _content_payload(self, doc: Document) -> dict[str, Any]:
        return {
            "post_id": doc["_id"],
            "author_id": doc["author_id"],
            "kind": doc["kind"],
            "text": doc["text"],
            "hashtags": tuple(doc["hashtags"]),
            "mentions": tuple(doc["mentions"]),
            "links": tuple(doc["links"]),
            "visibility": doc["visibility"],
            "group_id": doc.get("group_id"),
        }

    def _side_events(
        self, doc: Document, mentioned: Sequence[str], help_now: bool
    ) -> list[Envelope]:
        events = []
        if help_now:
            help_payload = HelpRequested(
                post_id=doc["_id"],
                author_id=doc["author_id"],
                text=doc["text"],
                hashtags=tuple(doc["hashtags"]),
            )
            events.append(self.ctx.event(help_payload))
        for person in mentioned:
            mention = MentionCreated(
                post_id=doc["_id"], author_id=doc["author_id"], mentioned_user_id=person
            )
            events.append(self.ctx.event(mention))
        return events

    async def _publish(self, doc: Document) -> bool:
        """Save a new post with its events; False if it existed already.

        Only the author's own timeline entry is written here, so that their home shows the
        post at once; the consumer of `post.created` fans it out to everyone else (and writes
        this entry too, should we die first)."""
        created = self.ctx.event(PostCreated(**self._content_payload(doc), city=doc.get("city")))
        events = [
            created,
            *self._side_events(doc, doc["mentions"], doc["kind"] == PostKind.help_request),
        ]
        await self.repo.posts.seed_counts(doc["_id"])
        try:
            async with self.ctx.outbox.unit(
                events, topic=POSTS, collection=POSTS_COLLECTION, aggregate_id=doc["_id"]
            ) as unit:
                if not await self.repo.posts.insert_post(doc, unit):
                    raise _AlreadyThere
        except _AlreadyThere:
            return False
        await self.repo.timeline.insert_entries(doc, [doc["author_id"]])
        return True

    async def milestone_recorded(self, event: MilestoneRecorded) -> bool:
        """Announce a milestone as a connections post, once, unless the person opted out."""
        if not event.announce:
            return False
        settings = await self.repo.social.user_settings(event.user_id)
        if settings.get("auto_milestone_posts") is False:
            return False
        post_id = milestone_post_id(event.milestone_id)
        if await self.repo.posts.exists(post_id):  # also when the author deleted it since
            return False
        words = milestone_text(event.kind, event.title, event.organisation)
        try:
            parsed = texts.parse(words)
        except Invalid:  # e.g. an organisation that looks like a broken link: keep it plain
            parsed = texts.ParsedText(words[: texts.MAX_TEXT], (), {}, (), ())
        doc = await self._new_post(
            post_id,
            event.user_id,
            PostKind.milestone,
            PostVisibility.connections,
            None,
            parsed,
            milestone_id=event.milestone_id,
        )
        return await self._publish(doc)

    # --- changing --------------------------------------------------------------------------

    async def _own(self, user_id: str, post_id: str) -> Document:
        post = await self.ctx.visible_post(user_id, post_id)
        if post["author_id"] != user_id:
            raise Forbidden("only the author may change this post", code="not_author")
        return post

    async def edit(self, user_id: str, post_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        post = await self._own(user_id, post_id)
        updated = dict(post)
        if changes.get("text") is not None or changes.get("links") is not None:
            text = changes.get("text")
            links = changes.get("links")
            explicit = [texts.check_link(k) for k in links] if links is not None else None
            if explicit is None:
                explicit = list(post.get("explicit_links", ()))
            parsed = texts.parse(post["text"] if text is None else text, explicit)
            updated.update(self._content(parsed), explicit_links=explicit)
            mentions = parsed.mentions
        else:
            mentions = tuple(post.get("mentions", ()))
        if changes.get("kind") is not None:
            updated["kind"] = PostKind(changes["kind"]).value
        if changes.get("visibility") is not None:
            wanted = PostVisibility(changes["visibility"])
            if (wanted == PostVisibility.group) != (post["visibility"] == PostVisibility.group):
                raise Invalid(
                    "visibility: a post cannot move into or out of a group",
                    code="group_not_allowed",
                )
            updated["visibility"] = wanted.value
        updated["mentions"] = await self.ctx.mentionable(user_id, updated, mentions)
        fields = {
            k: updated[k]
            for k in (
                "text",
                "hashtags",
                "hashtag_labels",
                "links",
                "explicit_links",
                "kind",
                "visibility",
                "mentions",
            )
        }
        if all(post.get(k) == v for k, v in fields.items()):
            return (await self.ctx.render(user_id, [post]))[0]
        fields["edited_at"] = self.ctx.clock.now()
        updated.update(fields)
        newly = texts.new_mentions(post.get("mentions", ()), updated["mentions"])
        became_help = (
            updated["kind"] == PostKind.help_request and post["kind"] != PostKind.help_request
        )
        events = [
            self.ctx.event(PostUpdated(**self._content_payload(updated))),
            *self._side_events(updated, newly, became_help),
        ]
        if widens(post, updated):
            # A new fan-out mark: the consumer of this `post.updated` fans the post out again.
            fields["widened_by"] = updated["widened_by"] = str(events[0].id)
        async with self.ctx.outbox.unit(
            events, topic=POSTS, collection=POSTS_COLLECTION, aggregate_id=post_id
        ) as unit:
            await self.repo.posts.update_post(post_id, fields, unit)
        return (await self.ctx.render(user_id, [updated]))[0]

    async def delete(self, user_id: str, post_id: str) -> None:
        post = await self._own(user_id, post_id)
        await self.remove(post)

    async def remove(self, post: Document) -> None:
        event = self.ctx.event(PostDeleted(post_id=post["_id"], author_id=post["author_id"]))
        async with self.ctx.outbox.unit(
            [event], topic=POSTS, collection=POSTS_COLLECTION, aggregate_id=post["_id"]
        ) as unit:
            await self.repo.posts.tombstone_post(post, self.ctx.clock.now(), unit)
        await self.repo.timeline.remove_post(post["_id"])
        await self.repo.posts.remove_children([post["_id"]])
