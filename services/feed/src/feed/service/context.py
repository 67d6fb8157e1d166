"""What every feed use case shares: the repositories, the outbox, the clock, the settings, and
the two questions asked on every read: which of these posts may this person see (`Access`), and
what does a post look like to them (`render`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.feed import PostVisibility
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.errors import NotFound
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from feed.domain.posts import Facts, can_see
from feed.repository import FeedRepository
from feed.repository.base import reads
from feed.settings import FeedSettings

PRODUCER = "feed"
_MAX_ROUNDS = 5

Fetch = Callable[[str | None, int], Awaitable[list[Document]]]


class Context:
    def __init__(
        self, repo: FeedRepository, outbox: Outbox, clock: Clock, settings: FeedSettings
    ) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock
        self.settings = settings

    def event(self, payload: Payload) -> Envelope:
        return build_event(payload, producer=PRODUCER, occurred_at=self.clock.now())

    # --- visibility --------------------------------------------------------------------------

    async def facts(self, viewer: str, posts: Iterable[Document], *, home: bool = False) -> Facts:
        """Gather, with point reads only, the viewer's relations that decide these posts."""
        posts = list(posts)
        authors = {p["author_id"] for p in posts} - {viewer}
        groups = {p["group_id"] for p in posts if p.get("group_id")}
        social = self.repo.social
        tags: set[str] = set()
        followed_authors: set[str] = set()
        needs_connection = set(authors)
        if home:
            public = [p for p in posts if p.get("visibility") == PostVisibility.public]
            tags = {t for p in public for t in p.get("hashtags", ())}
            followed_authors = {p["author_id"] for p in public} - {viewer}
        else:
            needs_connection = {
                p["author_id"] for p in posts if p.get("visibility") == PostVisibility.connections
            } - {viewer}
        blocked, connected, following, hashtags, member_of = await reads(
            social.blocked_among(viewer, authors),
            social.connected_among(viewer, needs_connection),
            social.following_among(viewer, followed_authors),
            social.hashtags_among(viewer, tags),
            self.repo.groups.member_of(viewer, groups),
        )
        return Facts(
            viewer_id=viewer,
            blocked=frozenset(blocked),
            connected=frozenset(connected),
            following=frozenset(following),
            hashtags=frozenset(hashtags),
            groups=frozenset(member_of),
        )

    async def visible_post(self, viewer: str, post_id: str) -> Document:
        """The post if the viewer may see it; otherwise it does not exist for them (404)."""
        post = await self.repo.posts.post(post_id)
        if post is None or not can_see(post, await self.facts(viewer, [post])):
            raise NotFound("no such post", code="post_not_found")
        return post

    async def mentionable(
        self, author_id: str, post: Document, candidates: Sequence[str]
    ) -> list[str]:
        """Mentions that count: known people other than the author, not blocked either way with
        the author, who can see the post (a mention must not leak a private post)."""
        people = [c for c in dict.fromkeys(candidates) if c != author_id]
        if not people:
            return []
        known = await self.repo.social.authors_by_id(people)
        blocked = await self.repo.social.blocked_among(author_id, known)
        result = []
        for person in (p for p in people if p in known and p not in blocked):
            if can_see(post, await self.facts(person, [post])):
                result.append(person)
        return result

    async def visible_page(
        self, viewer: str, fetch: Fetch, before: str | None, limit: int
    ) -> tuple[list[Document], str | None]:
        """A page of posts the viewer may see from a newest-first source, reading further
        batches when some are hidden; returns the page and the rank to continue before."""
        page: list[Document] = []
        cursor = before
        batch_size = max(limit * 2, 20)
        for _ in range(_MAX_ROUNDS):
            batch = await fetch(cursor, batch_size)
            facts = await self.facts(viewer, batch)
            for post in batch:
                cursor = str(post["rank"])
                if can_see(post, facts):
                    page.append(post)
                    if len(page) == limit:
                        return page, cursor
            if len(batch) < batch_size:
                return page, None
        return page, cursor

    # --- presentation --------------------------------------------------------------------------

    async def cards(self, user_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = list(dict.fromkeys(user_ids))
        found = await self.repo.social.authors_by_id(wanted)
        return {uid: card(uid, found.get(uid)) for uid in wanted}

    async def render(self, viewer: str, posts: Sequence[Document]) -> list[dict[str, Any]]:
        ids = [p["_id"] for p in posts]
        repo = self.repo.posts
        cards, counts, mine = await reads(
            self.cards(p["author_id"] for p in posts),
            repo.post_counts(ids),
            repo.my_reactions(viewer, ids),
        )
        return [
            {
                "id": p["_id"],
                "author": cards[p["author_id"]],
                "kind": p["kind"],
                "text": p["text"],
                "hashtags": p.get("hashtags", []),
                "mentions": p.get("mentions", []),
                "links": p.get("links", []),
                "visibility": p["visibility"],
                "group_id": p.get("group_id"),
                "created_at": p["created_at"],
                "edited_at": p.get("edited_at"),
                "reactions": counts[p["_id"]]["reactions"],
                "my_reaction": mine.get(p["_id"]),
                "comment_count": counts[p["_id"]]["comments"],
            }
            for p in posts
        ]


def card(user_id: str, doc: Document | None) -> dict[str, Any]:
    """An author card; a person the feed has not heard of yet shows with their id only."""
    doc = doc or {}
    return {
        "id": user_id,
        "display_name": doc.get("display_name"),
        "headline": doc.get("headline"),
        "profession": doc.get("profession"),
        "city": doc.get("city"),
    }
