"""Matching's own copies of other services' facts, built only from their events.

Each consumer write is idempotent by construction: upserts and deletes keyed by natural ids, so
a redelivered event writes the same state again. Reads on hot paths are `_id` lookups only
(FerretDB 1.24 answers nothing else from an index); everything a ranking needs lives in memory
(`service.live`), loaded from here once at start-up with whole-collection reads.

Two small per-key documents accept a bounded loss under concurrent updates, where FerretDB's
unlocked read-modify-write could drop one of two simultaneous writes: `contacts` (last contact
per pair, `$max`: losing a race only loses the later of two near-simultaneous contacts) and
`recent` (a person's last few posts and milestones, for conversation starters: losing a race
drops one of two posts made in the same instant). Everything that must not be lost is an
insert or an upsert of its own document.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any

from jobfriends_shared.mongo import Database, Document, by_ids
from pymongo import ReplaceOne, UpdateOne

PROFILES = "profiles"
DELETED = "deleted_users"
BLOCKS = "blocks"
DISMISSALS = "dismissals"
MEMBERSHIPS = "memberships"
GROUPS = "groups"
EVENTS = "events"
RSVPS = "rsvps"
ATTENDANCE = "attendance"
INTERACTIONS = "interactions"
CONTACTS = "contacts"
POSTS = "posts"
RECENT = "recent"

ATTENDING = ("going", "interested")
RECENT_KEPT = 3


class ProjectionRepository:
    def __init__(self, db: Database) -> None:
        self.profiles = db[PROFILES]
        self.deleted = db[DELETED]
        self.blocks = db[BLOCKS]
        self.dismissals = db[DISMISSALS]
        self.memberships = db[MEMBERSHIPS]
        self.groups = db[GROUPS]
        self.events = db[EVENTS]
        self.rsvps = db[RSVPS]
        self.attendance = db[ATTENDANCE]
        self.interactions = db[INTERACTIONS]
        self.contacts = db[CONTACTS]
        self.posts = db[POSTS]
        self.recent = db[RECENT]

    async def ensure_indexes(self) -> None:
        # Only erasure and start-up read by other fields; these help on MongoDB (FerretDB
        # scans regardless).
        for coll, field in (
            (self.blocks, "blocked"),
            (self.blocks, "blocker"),
            (self.dismissals, "user"),
            (self.memberships, "user"),
            (self.rsvps, "user"),
            (self.attendance, "user"),
            (self.interactions, "actor"),
            (self.interactions, "target"),
            (self.posts, "created_at"),
        ):
            await coll.create_index(field)

    # --- profiles -------------------------------------------------------------------------

    async def ensure_profiles(
        self, bare: Mapping[str, tuple[str, datetime]]
    ) -> dict[str, Document]:
        """Registrations create bare profiles (name, as of when) in one bulk write; a profile
        already there, maybe newer, is left as it is. Returns the stored profiles."""
        if not bare:
            return {}
        await self.profiles.bulk_write(
            [
                UpdateOne(
                    {"_id": user_id},
                    {"$setOnInsert": {"display_name": name, "as_of": at}},
                    upsert=True,
                )
                for user_id, (name, at) in bare.items()
            ],
            ordered=False,
        )
        return await by_ids(self.profiles, bare)

    async def put_profiles(self, snapshots: Mapping[str, tuple[Document, datetime]]) -> list[str]:
        """Replace each snapshot unless a newer one is stored (a late redelivery), in one bulk
        write; the ids written. Identity's topic is keyed by user id, so one consumer writes a
        person's profile at a time."""
        current = await by_ids(self.profiles, snapshots, {"as_of": 1})
        newer = [
            user_id
            for user_id, (_, as_of) in snapshots.items()
            if not (current.get(user_id, {}).get("as_of") and current[user_id]["as_of"] > as_of)
        ]
        if newer:
            await self.profiles.bulk_write(
                [
                    ReplaceOne(
                        {"_id": user_id},
                        {**snapshots[user_id][0], "as_of": snapshots[user_id][1]},
                        upsert=True,
                    )
                    for user_id in newer
                ],
                ordered=False,
            )
        return newer

    async def profile(self, user_id: str) -> Document | None:
        return await self.profiles.find_one({"_id": user_id})

    def all_profiles(self) -> AsyncIterator[Document]:
        return self.profiles.find({}).batch_size(2000)

    # --- deletions ------------------------------------------------------------------------

    async def mark_deleted(self, user_id: str, at: datetime) -> None:
        await self.deleted.replace_one({"_id": user_id}, {"at": at}, upsert=True)

    async def is_deleted(self, user_id: str) -> bool:
        return await self.deleted.find_one({"_id": user_id}, {"_id": 1}) is not None

    async def deleted_among(self, user_ids: Iterable[str]) -> set[str]:
        return set(await by_ids(self.deleted, user_ids, {"_id": 1}))

    async def erase(self, user_id: str) -> None:
        """Everything matching's projections hold about a person; safe to repeat. (Scans on
        FerretDB; erasures are rare.)"""
        await self.profiles.delete_one({"_id": user_id})
        await self.recent.delete_one({"_id": user_id})
        for field in ("blocker", "blocked"):
            await self.blocks.delete_many({field: user_id})
        for field in ("user", "other"):
            await self.dismissals.delete_many({field: user_id})
        await self.memberships.delete_many({"user": user_id})
        await self.rsvps.delete_many({"user": user_id})
        await self.attendance.delete_many({"user": user_id})
        for field in ("actor", "target"):
            await self.interactions.delete_many({field: user_id})
        await self.contacts.delete_many({"users": user_id})
        await self.posts.delete_many({"author": user_id})

    # --- blocks and dismissals ------------------------------------------------------------

    async def block(self, blocker: str, blocked: str, at: datetime) -> None:
        await self.blocks.replace_one(
            {"_id": f"{blocker}|{blocked}"},
            {"blocker": blocker, "blocked": blocked, "at": at},
            upsert=True,
        )

    async def unblock(self, blocker: str, blocked: str) -> None:
        await self.blocks.delete_one({"_id": f"{blocker}|{blocked}"})

    async def blocked(self, blocker: str, blocked: str) -> bool:
        return await self.blocks.find_one({"_id": f"{blocker}|{blocked}"}, {"_id": 1}) is not None

    def all_blocks(self) -> AsyncIterator[Document]:
        return self.blocks.find({}).batch_size(5000)

    async def dismiss(self, user_id: str, other: str, at: datetime) -> None:
        await self.dismissals.replace_one(
            {"_id": f"{user_id}|{other}"}, {"user": user_id, "other": other, "at": at}, upsert=True
        )

    def all_dismissals(self) -> AsyncIterator[Document]:
        return self.dismissals.find({}).batch_size(5000)

    # --- groups, hashtags, events ---------------------------------------------------------

    async def join(self, kind: str, key: str, user_id: str, at: datetime) -> None:
        await self.memberships.replace_one(
            {"_id": f"{kind}|{key}|{user_id}"},
            {"kind": kind, "key": key, "user": user_id, "at": at},
            upsert=True,
        )

    async def leave(self, kind: str, key: str, user_id: str) -> None:
        await self.memberships.delete_one({"_id": f"{kind}|{key}|{user_id}"})

    def all_memberships(self) -> AsyncIterator[Document]:
        return self.memberships.find({}).batch_size(5000)

    async def put_group(self, group_id: str, name: str) -> None:
        await self.groups.replace_one({"_id": group_id}, {"name": name}, upsert=True)

    async def all_group_names(self) -> dict[str, str]:
        return {str(d["_id"]): str(d["name"]) async for d in self.groups.find({})}

    async def put_event(self, event_id: str, fields: Document) -> Document:
        await self.events.update_one({"_id": event_id}, {"$set": fields}, upsert=True)
        return await self.events.find_one({"_id": event_id}) or {}

    async def all_events(self) -> list[Document]:
        return await self.events.find({}).to_list(None)

    async def set_rsvp(self, event_id: str, user_id: str, status: str, at: datetime) -> None:
        await self.rsvps.replace_one(
            {"_id": f"{event_id}|{user_id}"},
            {"event_id": event_id, "user": user_id, "status": status, "at": at},
            upsert=True,
        )

    def all_attending(self) -> AsyncIterator[Document]:
        return self.rsvps.find({"status": {"$in": list(ATTENDING)}}).batch_size(5000)

    async def check_in(self, event_id: str, user_id: str, at: datetime) -> None:
        await self.attendance.replace_one(
            {"_id": f"{event_id}|{user_id}"},
            {"event_id": event_id, "user": user_id, "at": at},
            upsert=True,
        )

    def all_attendance(self) -> AsyncIterator[Document]:
        return self.attendance.find({}).batch_size(5000)

    # --- interactions and contact ---------------------------------------------------------

    async def record_interaction(self, interaction_id: str, doc: Document) -> None:
        await self.interactions.replace_one({"_id": interaction_id}, doc, upsert=True)

    def all_interactions(self) -> AsyncIterator[Document]:
        fields = {"actor": 1, "target": 1, "support": 1, "active": 1}
        return self.interactions.find({}, fields).batch_size(5000)

    async def touch(self, pair: str, users: list[str], at: datetime) -> None:
        """Last contact between two people (see the module note on `$max`)."""
        await self.contacts.update_one(
            {"_id": pair}, {"$max": {"at": at}, "$set": {"users": users}}, upsert=True
        )

    async def last_contact(self, pair: str) -> datetime | None:
        doc = await self.contacts.find_one({"_id": pair})
        return doc["at"] if doc else None

    # --- posts and recent context ---------------------------------------------------------

    async def put_post(self, post_id: str, fields: Document) -> None:
        await self.posts.replace_one({"_id": post_id}, fields, upsert=True)

    async def post(self, post_id: str) -> Document | None:
        return await self.posts.find_one({"_id": post_id})

    async def delete_post(self, post_id: str) -> Document | None:
        post = await self.posts.find_one({"_id": post_id})
        await self.posts.delete_one({"_id": post_id})
        return post

    async def remember(self, user_id: str, field: str, item: Document) -> None:
        """Keep a person's latest few posts or milestones (newest first, by `id`)."""
        doc = await self.recent.find_one({"_id": user_id}) or {}
        items: list[Any] = [i for i in doc.get(field, []) if i.get("id") != item["id"]]
        items = sorted([item, *items], key=lambda i: i["at"], reverse=True)[:RECENT_KEPT]
        await self.recent.update_one({"_id": user_id}, {"$set": {field: items}}, upsert=True)

    async def forget(self, user_id: str, field: str, item_id: str) -> None:
        doc = await self.recent.find_one({"_id": user_id})
        if doc is None:
            return
        items = [i for i in doc.get(field, []) if i.get("id") != item_id]
        await self.recent.update_one({"_id": user_id}, {"$set": {field: items}})

    async def recent_context(self, user_id: str) -> Document:
        return await self.recent.find_one({"_id": user_id}) or {}
