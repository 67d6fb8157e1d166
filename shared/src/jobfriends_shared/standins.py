"""The store adapter's index: every MongoDB feature FerretDB 1.24 lacks or serves too slowly,
what stands in for it here, what real MongoDB would do instead, and where the stand-in lives.

So a reader can tell rule from workaround: a module that works around FerretDB says so in its
docstring and is listed here (`tests/unit/test_standins.py` holds the two to each other). The
generic stand-ins are in this library (`mongo.py`, `outbox.py`, `expiry.py`); the rest belong to
one service's data and sit in its repository. Every stand-in is also correct on MongoDB — it is
ordinary MongoDB — so the code runs unchanged on either store; on MongoDB some are merely more
work than needed. docs/store.md holds the measurements behind each.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StandIn:
    feature: str  # the MongoDB feature missing, or unusable, on FerretDB 1.24
    instead: str  # what we do
    on_mongodb: str  # what real MongoDB would let us do
    where: tuple[str, ...]  # modules, from the repository's root


STAND_INS: tuple[StandIn, ...] = (
    StandIn(
        "multi-document transactions",
        "the outbox unit: events staged pending, the state change stamped with the unit, then "
        "committed; the relay settles a unit a crash left (stamped: publish, else abandon)",
        "write the state and its outbox entries in one transaction (`with_transaction`), with "
        "no stamps and no settling pass",
        (
            "shared/src/jobfriends_shared/outbox.py",
            "shared/src/jobfriends_shared/relay.py",
        ),
    ),
    StandIn(
        "TTL indexes",
        "`Runtime.expire`: the TTL index is asked for, and where the store refuses it an hourly "
        "job deletes what has expired",
        "the same code gets the TTL index and the job never deletes anything",
        ("shared/src/jobfriends_shared/expiry.py",),
    ),
    StandIn(
        "atomic read-modify-write ($inc, $push, conditional updates, findAndModify)",
        "insert-only records guarded by unique `_id`s: compare-and-set by insert "
        "(`mongo.insert_new`), versions with a head hint, slots, claims, counts derived by "
        "`$group`; first-writer upsert races tolerated (`mongo.upsert`)",
        "`$inc` / `findOneAndUpdate` on one document are atomic; the insert-only designs stay "
        "correct and are just one way among others",
        (
            "shared/src/jobfriends_shared/mongo.py",
            "services/identity/src/identity/repository.py",
            "services/feed/src/feed/repository/audience.py",
            "services/feed/src/feed/repository/cache.py",
            "services/feed/src/feed/repository/posts.py",
            "services/feed/src/feed/service/reactions.py",
            "services/events/src/events/repository/attendance.py",
            "services/matching/src/matching/repository/connections.py",
            "services/matching/src/matching/service/nudges.py",
            "services/notifications/src/notifications/repository/inbox.py",
            "services/notifications/src/notifications/repository/sequence.py",
            "services/messaging/src/messaging/repository/conversations.py",
            "services/messaging/src/messaging/repository/messages.py",
            "services/messaging/src/messaging/repository/waiting.py",
        ),
    ),
    StandIn(
        "secondary indexes for `$in`, ranges and sorts (FerretDB pushes only `_id` and scalar "
        "equality down; our build adds `_id $in`)",
        "hot paths read documents addressed by key (`mongo.by_ids`, timeline shards, memory "
        "copies read by `_id`, in-memory indexes rebuilt from the store at start)",
        "a compound index answers the range or sort directly; the keyed documents still work",
        (
            "shared/src/jobfriends_shared/mongo.py",
            "services/feed/src/feed/repository/base.py",
            "services/feed/src/feed/repository/timeline.py",
            "services/feed/src/feed/service/timeline.py",
            "services/feed/src/feed/domain/audience.py",
            "services/events/src/events/repository/events.py",
            "services/matching/src/matching/__init__.py",
            "services/matching/src/matching/repository/projections.py",
            "services/matching/src/matching/service/suggestions.py",
            "services/notifications/src/notifications/domain/drafts.py",
            "services/messaging/src/messaging/repository/messages.py",
        ),
    ),
    StandIn(
        "change streams",
        "matching's journal: each instance numbers its index deltas by `_id`, the others read "
        "the heads and then each new record by `_id`",
        "`collection.watch()` tails the changes",
        ("services/matching/src/matching/repository/journal.py",),
    ),
    StandIn(
        "geo queries ($near, 2dsphere)",
        "a grid of cells stored as documents addressed by key, versioned by insert",
        "a 2dsphere index and `$nearSphere`",
        (
            "services/events/src/events/repository/grid.py",
            "services/events/src/events/domain/geo.py",
        ),
    ),
    StandIn(
        "$text search",
        "words folded into a `keywords` array matched with `$all`",
        "a text index and `$text`",
        ("services/events/src/events/domain/text.py",),
    ),
    StandIn(
        "cheap documents with many fields",
        "lists stored packed as one JSON string",
        "nested documents, read and written natively",
        ("services/matching/src/matching/repository/suggestions.py",),
    ),
)


def listed_modules() -> set[str]:
    return {module for stand_in in STAND_INS for module in stand_in.where}
