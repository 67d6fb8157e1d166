"""Groups: creating, finding, joining (at once or by a moderator's approval), leaving,
moderating, and the group's posts (for members only).

Membership changes that others must hear about (`group.member_joined` / `_left`) are outbox
units stamped on the membership document; each also invalidates the group's cached audience.
"""

from __future__ import annotations

import uuid
from typing import Any

from jobfriends_shared.contracts.feed import (
    SOCIAL,
    GroupAccess,
    GroupCreated,
    GroupMemberJoined,
    GroupMemberLeft,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.errors import Conflict, Forbidden, NotFound
from jobfriends_shared.mongo import Document

from feed.domain import groups as rules
from feed.domain.groups import Role, Status
from feed.domain.text import normalise_city
from feed.repository.groups import GROUPS, MEMBERSHIPS, membership_id
from feed.service.context import Context
from feed.service.timeline import TimelineService


class GroupService:
    def __init__(self, ctx: Context, timeline: TimelineService) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.timeline = timeline

    async def create(
        self, owner_id: str, fields: dict[str, Any], access: GroupAccess
    ) -> dict[str, Any]:
        cleaned = rules.clean_group(
            fields["name"],
            fields.get("topic"),
            fields.get("profession"),
            fields.get("city"),
            fields.get("description"),
        )
        group_id = uuid.uuid4().hex
        now = self.ctx.clock.now()
        doc = {
            "_id": group_id,
            **cleaned,
            "city_key": normalise_city(cleaned["city"]),
            "access": access.value,
            "owner_id": owner_id,
            "created_at": now,
            "order": f"{int(now.timestamp() * 1000):015d}:{group_id}",
        }
        event = self.ctx.event(
            GroupCreated(
                group_id=group_id,
                owner_id=owner_id,
                name=cleaned["name"],
                topic=cleaned["topic"],
                profession=cleaned["profession"],
                city=cleaned["city"],
                access=access,
            )
        )
        # The owner's membership first: if we die before the group exists it is an orphan
        # nobody sees; the other way round the group would have no moderator.
        await self.repo.groups.set_membership(
            group_id, owner_id, Status.member, Role.moderator, now, None
        )
        async with self.ctx.outbox.unit(
            [event], topic=SOCIAL, collection=GROUPS, aggregate_id=group_id
        ) as unit:
            await self.repo.groups.insert_group(doc, unit)
        await self.timeline.changed(f"group:{group_id}", owner_id)
        return await self.view(owner_id, group_id)

    async def _group(self, group_id: str) -> Document:
        group = await self.repo.groups.group(group_id)
        if group is None:
            raise NotFound("no such group", code="group_not_found")
        return group

    async def view(self, viewer: str, group_id: str) -> dict[str, Any]:
        group = await self._group(group_id)
        return (await self._render(viewer, [group]))[0]

    async def _render(self, viewer: str, groups: list[Document]) -> list[dict[str, Any]]:
        ids = [g["_id"] for g in groups]
        mine = await self.repo.groups.memberships_of(viewer, ids)
        counts = await self.repo.groups.counts(ids)
        out = []
        for g in groups:
            m = mine.get(g["_id"]) or {}
            status = m.get("status") if m.get("status") in (Status.member, Status.pending) else None
            out.append(
                {
                    "id": g["_id"],
                    "name": g["name"],
                    "topic": g.get("topic"),
                    "profession": g.get("profession"),
                    "city": g.get("city"),
                    "description": g.get("description"),
                    "access": g["access"],
                    "owner_id": g["owner_id"],
                    "created_at": g["created_at"],
                    "member_count": counts.get(g["_id"], 0),
                    "my_status": status,
                    "my_role": m.get("role") if status == Status.member else None,
                }
            )
        return out

    async def find(
        self,
        viewer: str,
        city: str | None,
        profession: str | None,
        before: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        query: Document = {}
        if city:
            query["city_key"] = normalise_city(city)
        if profession:
            query["profession"] = profession
        groups = await self.repo.groups.groups_page(query, before, limit)
        next_before = groups[-1]["order"] if len(groups) == limit else None
        return await self._render(viewer, groups), next_before

    # --- membership ------------------------------------------------------------------------

    async def _set(
        self,
        group_id: str,
        user_id: str,
        status: Status,
        role: Role,
        event: Envelope | None,
    ) -> None:
        now = self.ctx.clock.now()
        if event is None:
            await self.repo.groups.set_membership(group_id, user_id, status, role, now, None)
            return
        async with self.ctx.outbox.unit(
            [event],
            topic=SOCIAL,
            collection=MEMBERSHIPS,
            aggregate_id=membership_id(group_id, user_id),
        ) as unit:
            await self.repo.groups.set_membership(group_id, user_id, status, role, now, unit)
        await self.timeline.changed(f"group:{group_id}", user_id)
        if status == Status.member:
            await self.timeline.backfill(user_id, {"group_id": group_id})
        # Leaving needs no clean-up: entries of group posts are filtered out when read.

    def _joined(self, group_id: str, user_id: str) -> Envelope:
        return self.ctx.event(GroupMemberJoined(group_id=group_id, user_id=user_id))

    def _left(self, group_id: str, user_id: str) -> Envelope:
        return self.ctx.event(GroupMemberLeft(group_id=group_id, user_id=user_id))

    @staticmethod
    def _status(m: Document | None) -> Status | None:
        return Status(m["status"]) if m else None

    @staticmethod
    def _role(m: Document | None) -> Role | None:
        return Role(m["role"]) if m else None

    async def join(self, user_id: str, group_id: str) -> Status:
        """Join a public group, or ask to join an approval-needed one."""
        group = await self._group(group_id)
        current = await self.repo.groups.membership(group_id, user_id)
        status = rules.join_status(GroupAccess(group["access"]), self._status(current))
        if status == self._status(current):
            return status
        event = self._joined(group_id, user_id) if status == Status.member else None
        await self._set(group_id, user_id, status, Role.member, event)
        return status

    async def leave(self, user_id: str, group_id: str) -> None:
        await self._group(group_id)
        current = await self.repo.groups.membership(group_id, user_id)
        status = self._status(current)
        if status == Status.member:
            rules.check_can_leave(
                self._role(current), await self.repo.groups.count(group_id, Role.moderator)
            )
            await self._set(
                group_id, user_id, Status.left, Role.member, self._left(group_id, user_id)
            )
        elif status == Status.pending:
            await self._set(group_id, user_id, Status.left, Role.member, None)

    async def _moderator(self, user_id: str, group_id: str) -> None:
        await self._group(group_id)
        mine = await self.repo.groups.membership(group_id, user_id)
        rules.require_moderator(self._role(mine), self._status(mine))

    async def approve(self, moderator: str, group_id: str, user_id: str) -> None:
        await self._moderator(moderator, group_id)
        current = await self.repo.groups.membership(group_id, user_id)
        status = self._status(current)
        if status == Status.member:
            return
        if status != Status.pending:
            raise NotFound("this person has not asked to join", code="no_join_request")
        await self._set(
            group_id, user_id, Status.member, Role.member, self._joined(group_id, user_id)
        )

    async def remove(self, moderator: str, group_id: str, user_id: str) -> None:
        """Remove a member or decline a request (moderators are demoted first)."""
        await self._moderator(moderator, group_id)
        current = await self.repo.groups.membership(group_id, user_id)
        status = self._status(current)
        if status == Status.pending:
            await self._set(group_id, user_id, Status.left, Role.member, None)
            return
        if status != Status.member:
            raise NotFound("no such member", code="member_not_found")
        if self._role(current) == Role.moderator:
            raise Conflict("demote this moderator first", code="is_moderator")
        await self._set(group_id, user_id, Status.left, Role.member, self._left(group_id, user_id))

    async def set_moderator(self, moderator: str, group_id: str, user_id: str, on: bool) -> None:
        await self._moderator(moderator, group_id)
        current = await self.repo.groups.membership(group_id, user_id)
        if self._status(current) != Status.member:
            raise NotFound("no such member", code="member_not_found")
        role = Role.moderator if on else Role.member
        if self._role(current) == role:
            return
        if not on:
            rules.check_can_leave(
                Role.moderator, await self.repo.groups.count(group_id, Role.moderator)
            )
        await self.repo.groups.set_membership(
            group_id, user_id, Status.member, role, self.ctx.clock.now(), None
        )

    async def members(
        self, viewer: str, group_id: str, status: Status, after: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Members are listed to members; pending requests to moderators."""
        await self._group(group_id)
        mine = await self.repo.groups.membership(group_id, viewer)
        if status == Status.pending:
            rules.require_moderator(self._role(mine), self._status(mine))
        elif self._status(mine) != Status.member:
            raise Forbidden("only members can see who is in this group", code="not_a_member")
        rows = await self.repo.groups.members_page(group_id, status, after, limit)
        hidden = await self.repo.social.blocked_among(viewer, [r["user_id"] for r in rows])
        cards = await self.ctx.cards(r["user_id"] for r in rows)
        items = [
            {
                "user": cards[r["user_id"]],
                "status": r["status"],
                "role": r["role"],
                "since": r["at"],
            }
            for r in rows
            if r["user_id"] not in hidden
        ]
        return items, (rows[-1]["order"] if len(rows) == limit else None)

    async def posts(
        self, viewer: str, group_id: str, before: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        await self._group(group_id)
        if not await self.repo.groups.member_of(viewer, [group_id]):
            raise Forbidden("only members can read this group's posts", code="not_a_member")

        async def fetch(cursor: str | None, n: int) -> list[Document]:
            return await self.repo.posts.newest({"group_id": group_id}, cursor, n)

        posts, next_before = await self.ctx.visible_page(viewer, fetch, before, limit)
        return await self.ctx.render(viewer, posts), next_before
