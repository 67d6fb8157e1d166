"""Fan-out on write, off the request: what follows a post's save.

Publishing a post stores it with its `post.created` (one outbox unit) and writes only the
author's own timeline entry, so the author's home shows the post at once and the answer does not
grow with the audience. Everything else a post brings about is done by the feed's own consumer
of `post.created` and `post.updated` (`settle`): the post's hashtag uses (for trending) and its
fan-out into its audiences' timelines (hybrid: see `service.timeline`).

`settle` reads the post as it is now rather than trusting the event, so events handled late,
twice or out of step with the post's later changes all converge on the current post:
- a redelivered event changes nothing: its fan-out is marked done, so no entry is written again
  (entries are insert-only `_id = user:post` besides), and its hashtag uses are there already;
- a post deleted before its turn is skipped; one deleted while its entries were being written
  is found gone afterwards and its entries and uses are taken away again (the delete's own
  clean-up may have run before these writes landed);
- an edit that widened the audience carries a new fan-out mark (`repository.timeline.
  fanout_id`), so it is fanned out once more; other edits only refresh the hashtag uses.

The repair job settles recent posts whose current fan-out is not marked done: the consumer's
offset is committed only after `settle`, so a crash mid-way is redelivered, but an event that
kept failing went to the dead-letter topic, and this finishes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from jobfriends_shared.mongo import Document

from feed.domain.posts import audience_sources, trending_tags
from feed.service.context import Context
from feed.service.timeline import TimelineService


@dataclass(frozen=True)
class FanOut:
    """What one fan-out did: how many people it targeted, how many entries were new, and which
    sources were too big and are merged on read instead."""

    post_id: str
    audience: int
    delivered: int
    pulled: tuple[str, ...] = ()
    seconds: float = 0.0


class FanOutService:
    def __init__(self, ctx: Context, timeline: TimelineService) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.timeline = timeline

    async def settle(self, post_id: str) -> FanOut | None:
        """Bring what follows from a post up to date with the post as stored now: its hashtag
        uses, and its fan-out unless that is marked done. None when nothing was fanned out."""
        post = await self.repo.posts.post(post_id)
        if post is None:
            return None  # deleted before its turn: the delete removed what it had
        # A post never edited has had no other tags: no old uses to look for.
        edited = post.get("edited_at") is not None
        await self.repo.posts.set_uses(post, trending_tags(post), others=edited)
        result = None
        if not await self.repo.timeline.fanned_out([post]):
            result = await self.fan_out(post)
        if await self.repo.posts.post(post_id) is None:
            # Deleted while we wrote: the delete's clean-up may have run before our writes.
            await self.repo.timeline.remove_post(post_id)
            await self.repo.posts.remove_uses(post_id)
        return result

    async def done(self, post_id: str) -> bool:
        """Whether the post's current audience has been fanned out to (or the post is gone)."""
        post = await self.repo.posts.post(post_id)
        return post is None or bool(await self.repo.timeline.fanned_out([post]))

    async def fan_out(self, post: Document | str) -> FanOut:
        """Write a post into its audiences' timelines and mark it done (idempotent; safe to
        repeat)."""
        started = time.perf_counter()
        doc = await self.repo.posts.post(post) if isinstance(post, str) else post
        if doc is None:
            return FanOut(str(post), 0, 0)
        targets = {doc["author_id"]}
        pulled: list[str] = []
        threshold = self.ctx.settings.fanout_threshold
        for source, wanted in audience_sources(doc):
            audience = await self.timeline.audience(source)
            if audience.lists is None or audience.size > threshold:
                await self.repo.timeline.mark_big(source, audience.size, self.ctx.clock.now())
                pulled.append(source)
                continue
            for name in wanted:
                targets.update(audience.lists.get(name, ()))
        delivered = await self.repo.timeline.insert_entries(doc, targets)
        await self.repo.timeline.mark_fanned_out(doc, self.ctx.clock.now(), delivered)
        return FanOut(
            doc["_id"], len(targets), delivered, tuple(pulled), time.perf_counter() - started
        )

    async def repair(self) -> int:
        """Settle recent posts whose current fan-out is not marked done (its event kept failing
        and was dead-lettered, or the consumer lags more than `repair_grace_seconds`: a
        repeat is harmless). Returns how many were settled."""
        s = self.ctx.settings
        now = self.ctx.clock.now()
        posts = await self.repo.posts.created_between(
            now - timedelta(hours=s.repair_window_hours),
            now - timedelta(seconds=s.repair_grace_seconds),
        )
        done = await self.repo.timeline.fanned_out(posts)
        redone = 0
        for post in posts:
            if post["_id"] not in done:
                await self.settle(post["_id"])
                redone += 1
        return redone
