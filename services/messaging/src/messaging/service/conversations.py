"""Starting conversations, changing groups, and listing a person's conversations.

A direct conversation has one id per pair (`domain.direct_id`), so starting it is a guarded
insert: whoever starts it, at whatever moment, there is one. A group is at most `MAX_GROUP`
people; joining is an insert of a membership, checked against the cap after the insert and
taken back when over it, so two people added at once cannot push a group past it.
"""

from __future__ import annotations

from typing import Any

from jobfriends_shared.contracts.messaging import (
    ConversationKind,
    ConversationMembersChanged,
    ConversationRenamed,
    ConversationStarted,
)
from jobfriends_shared.errors import Forbidden, Invalid, NotFound
from jobfriends_shared.mongo import Document
from jobfriends_shared.pagination import decode_cursor, encode_cursor

from messaging import domain
from messaging.repository.conversations import CONVERSATIONS
from messaging.service.base import TOPIC, UseCase


class Conversations(UseCase):
    async def start_direct(
        self, user_id: str, other_id: str, *, accepted_request: bool = False
    ) -> tuple[dict[str, Any], bool]:
        """The pair's direct conversation, started if need be; True when it is new. Only
        between connections (or after an accepted message request), never across a block."""
        if other_id == user_id:
            raise Invalid("participant_ids: a conversation needs someone else", code="self")
        conversation_id = domain.direct_id(user_id, other_id)
        existing = await self.conversations.get(conversation_id)
        if existing is not None:
            if accepted_request and not existing.get("accepted_request"):
                await self.conversations.accept(conversation_id)
            await self.conversations.add_members(
                conversation_id, existing["pair"], self.clock.now()
            )
            return await self.get(user_id, conversation_id), False
        access = domain.DirectAccess(
            connected=await self.projections.connected(user_id, other_id),
            accepted_request=accepted_request,
            blocked=bool(await self.projections.blocked_with(user_id, [other_id])),
            other_gone=bool(await self.projections.erased_among([other_id])),
        )
        if access.closed:
            raise NotFound("no such person", code="user_not_found")
        access.check_may_write()
        pair = sorted((user_id, other_id))
        now = self.clock.now()
        doc = {
            "_id": conversation_id,
            "kind": ConversationKind.direct.value,
            "pair": pair,
            "creator_id": user_id,
            "name": None,
            "created_at": now,
            "accepted_request": accepted_request,
        }
        started = self.event(
            ConversationStarted(
                conversation_id=conversation_id,
                kind=ConversationKind.direct,
                creator_id=user_id,
                participant_ids=tuple(pair),
            )
        )
        async with self.outbox.unit(
            [started], topic=TOPIC, collection=CONVERSATIONS, aggregate_id=conversation_id
        ) as unit:
            created = await self.conversations.insert(doc, unit)
            if not created:
                raise _AlreadyThere
        await self.conversations.add_members(conversation_id, pair, now)
        self.announce([started])
        return await self.get(user_id, conversation_id), True

    async def start_direct_or_existing(
        self, user_id: str, other_id: str
    ) -> tuple[dict[str, Any], bool]:
        try:
            return await self.start_direct(user_id, other_id)
        except _AlreadyThere:  # the other person started it a moment ago
            return await self.start_direct(user_id, other_id)

    async def start_group(
        self, user_id: str, participant_ids: list[str], name: str | None
    ) -> dict[str, Any]:
        """A group of the creator and their connections (no one blocked either way)."""
        others = [p for p in dict.fromkeys(participant_ids) if p != user_id]
        if not others:
            raise Invalid("participant_ids: a conversation needs someone else", code="self")
        domain.check_group_size(len(others) + 1)
        await self._check_invitable(user_id, others)
        conversation_id = domain.new_group_id()
        now = self.clock.now()
        members = [user_id, *others]
        doc = {
            "_id": conversation_id,
            "kind": ConversationKind.group.value,
            "creator_id": user_id,
            "name": domain.clean_name(name),
            "created_at": now,
        }
        started = self.event(
            ConversationStarted(
                conversation_id=conversation_id,
                kind=ConversationKind.group,
                creator_id=user_id,
                participant_ids=tuple(members),
            )
        )
        async with self.outbox.unit(
            [started], topic=TOPIC, collection=CONVERSATIONS, aggregate_id=conversation_id
        ) as unit:
            await self.conversations.insert(doc, unit)
        await self.conversations.add_members(conversation_id, members, now)
        self.announce([started])
        return await self.get(user_id, conversation_id)

    async def _check_invitable(self, user_id: str, others: list[str]) -> None:
        connected = await self.projections.connected_to(user_id, others)
        blocked = await self.projections.blocked_with(user_id, others)
        refused = [o for o in others if o not in connected or o in blocked]
        if refused:
            raise Forbidden("you can add only your connections to a group", code="not_connected")

    async def add(self, user_id: str, conversation_id: str, new: list[str]) -> dict[str, Any]:
        conversation = await self.joined(conversation_id, user_id)
        if conversation["kind"] != ConversationKind.group.value:
            raise Invalid("only a group conversation takes more people", code="not_a_group")
        current = await self.conversations.member_ids(conversation_id)
        wanted = [n for n in dict.fromkeys(new) if n not in current]
        await self._check_invitable(user_id, wanted)
        added = await self.conversations.add_members(conversation_id, wanted, self.clock.now())
        members = await self.conversations.member_ids(conversation_id)
        if len(members) > domain.MAX_GROUP:  # two additions at once: both are taken back
            await self.conversations.remove_members(conversation_id, added)
            domain.check_group_size(len(members))
        if added:
            await self._members_changed(conversation_id, user_id, members, added=added)
        return await self.get(user_id, conversation_id)

    async def leave(self, user_id: str, conversation_id: str) -> None:
        conversation = await self.joined(conversation_id, user_id)
        if conversation["kind"] != ConversationKind.group.value:
            raise Invalid("a direct conversation cannot be left", code="not_a_group")
        await self.conversations.remove_members(conversation_id, [user_id])
        members = await self.conversations.member_ids(conversation_id)
        await self._members_changed(conversation_id, user_id, members, removed=[user_id])

    async def _members_changed(
        self,
        conversation_id: str,
        by: str,
        members: list[str],
        *,
        added: list[str] | None = None,
        removed: list[str] | None = None,
    ) -> None:
        changed = self.event(
            ConversationMembersChanged(
                conversation_id=conversation_id,
                by_user_id=by,
                added=tuple(added or ()),
                removed=tuple(removed or ()),
                participant_ids=tuple(members),
            )
        )
        await self.outbox.emit([changed], topic=TOPIC)
        self.announce([changed])

    async def rename(self, user_id: str, conversation_id: str, name: str) -> dict[str, Any]:
        conversation = await self.joined(conversation_id, user_id)
        if conversation["kind"] != ConversationKind.group.value:
            raise Invalid("only a group conversation has a name", code="not_a_group")
        members = await self.conversations.member_ids(conversation_id)
        renamed = self.event(
            ConversationRenamed(
                conversation_id=conversation_id, by_user_id=user_id, participant_ids=tuple(members)
            )
        )
        async with self.outbox.unit(
            [renamed], topic=TOPIC, collection=CONVERSATIONS, aggregate_id=conversation_id
        ) as unit:
            await self.conversations.rename(conversation_id, domain.clean_name(name) or "", unit)
        self.announce([renamed])
        return await self.get(user_id, conversation_id)

    # --- reading ----------------------------------------------------------------------------

    async def get(self, user_id: str, conversation_id: str) -> dict[str, Any]:
        conversation = await self.joined(conversation_id, user_id)
        [item] = await self._summaries(user_id, [conversation])
        return item

    async def page(self, user_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
        """The person's conversations, most recent activity first, with previews and unread
        counts; totals of unread over all of them. Sorting needs every conversation's newest
        message: three queries by `_id` whatever their number; the rest only for the page."""
        ids = await self.conversations.conversations_of(user_id)
        found = await self.conversations.many(ids)
        items = await self._activity(user_id, list(found.values()))
        items.sort(key=lambda c: (c["last_activity_at"], c["id"]), reverse=True)
        total_messages = sum(c["unread"] for c in items)
        total_conversations = sum(1 for c in items if c["unread"])
        after = decode_cursor(cursor)
        if after is not None:
            if not (isinstance(after, list) and len(after) == 2):
                raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
            items = [c for c in items if [c["last_activity_at"].isoformat(), c["id"]] < after]
        page, rest = items[:limit], items[limit:]
        last = page[-1] if page and rest else None
        return {
            "items": await self._details(user_id, page, found),
            "next_cursor": encode_cursor([last["last_activity_at"].isoformat(), last["id"]])
            if last
            else None,
            "unread_conversations": total_conversations,
            "unread_messages": total_messages,
        }

    async def _summaries(self, user_id: str, conversations: list[Document]) -> list[dict[str, Any]]:
        items = await self._activity(user_id, conversations)
        return await self._details(user_id, items, {str(c["_id"]): c for c in conversations})

    async def _activity(self, user_id: str, conversations: list[Document]) -> list[dict[str, Any]]:
        """Each conversation with its newest message, read mark and unread count."""
        ids = [str(c["_id"]) for c in conversations]
        last = await self.messages.last_seqs(ids)
        reads = await self.conversations.read_seqs(user_id, ids)
        newest = await self.messages.by_message_ids(
            domain.message_id(c, s) for c, s in last.items() if s
        )
        items = []
        for conversation in conversations:
            cid = str(conversation["_id"])
            message = newest.get(domain.message_id(cid, last[cid]))
            items.append(
                self.shape(
                    conversation,
                    last_seq=last[cid],
                    read_seq=reads.get(cid, 0),
                    unread=domain.unread(last[cid], reads.get(cid, 0)),
                    last_activity_at=message["sent_at"] if message else conversation["created_at"],
                    preview=_preview(message),
                )
            )
        return items

    async def _details(
        self, user_id: str, items: list[dict[str, Any]], docs: dict[str, Document]
    ) -> list[dict[str, Any]]:
        """Participants, and whether a direct conversation is closed (a block, an erased
        account): one query for all the direct ones, one per group."""
        others = {
            i["id"]: next(u for u in docs[i["id"]]["pair"] if u != user_id)
            for i in items
            if i["kind"] == ConversationKind.direct.value
        }
        shut = await self.projections.blocked_with(user_id, others.values())
        shut |= await self.projections.erased_among(others.values())
        for item in items:
            if item["id"] in others:
                item["participant_ids"] = list(docs[item["id"]]["pair"])
                item["closed"] = others[item["id"]] in shut
            else:
                item["participant_ids"] = await self.conversations.member_ids(item["id"])
                item["closed"] = False
        return items


def _preview(message: Document | None) -> dict[str, Any] | None:
    if message is None:
        return None
    gone = bool(message.get("deleted") or message.get("erased"))
    return {
        "seq": message["seq"],
        "sender_id": message["sender_id"],
        "text": None if gone else domain.preview(message.get("text")),
        "sent_at": message["sent_at"],
    }


class _AlreadyThere(Exception):
    """The direct conversation was inserted by the other person between the read and ours."""
