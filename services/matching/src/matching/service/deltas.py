"""Index deltas: the facts instances tell each other through the journal.

Each delta is a plain document with a type `t` and a key (`delta_key`): a membership, a pair,
a profile. Facts replace facts with the same key, so applying one twice changes nothing, and a
later one wins over an earlier one that arrives late.
"""

from __future__ import annotations

from typing import Any

from jobfriends_shared.contracts.matching import pair_id
from jobfriends_shared.mongo import Document

Op = dict[str, Any]
Lists = dict[str, tuple[str, ...]]


def profile_op(user_id: str, profile: Document) -> Op:
    fields = {k: v for k, v in profile.items() if not k.startswith("_") and k != "as_of"}
    return {"t": "profile", "u": user_id, "p": fields}


def drop_op(user_id: str) -> Op:
    return {"t": "drop", "u": user_id}


def member_op(kind: str, key: str, user_id: str, present: bool) -> Op:
    return {"t": "member", "k": kind, "key": key, "u": user_id, "on": present}


def pair_op(kind: str, a: str, b: str, present: bool) -> Op:
    return {"t": "pair", "k": kind, "a": a, "b": b, "on": present}


def block_op(blocker: str, blocked: str, present: bool) -> Op:
    return {"t": "block", "a": blocker, "b": blocked, "on": present}


def dismiss_op(user_id: str, other: str) -> Op:
    return {"t": "dismiss", "u": user_id, "o": other}


EVENT_FIELDS = ("title", "starts_at", "kind", "time_zone", "cancelled")


def event_op(doc: Document) -> Op:
    return {"t": "event", "e": {k: doc.get(k) for k in ("_id", *EVENT_FIELDS)}}


def group_op(group_id: str, name: str) -> Op:
    return {"t": "group", "g": group_id, "name": name}


def support_op(fact: str, giver: str, receiver: str, present: bool) -> Op:
    return {"t": "support", "f": fact, "g": giver, "r": receiver, "on": present}


def listed_op(user_id: str, lists: Lists, signature: str = "") -> Op:
    return {
        "t": "listed",
        "u": user_id,
        "l": {k: list(v) for k, v in lists.items()},
        "sig": signature,
    }


def delta_key(op: Op) -> tuple[Any, ...]:
    t = op["t"]
    if t in ("profile", "drop"):
        return ("profile", op["u"])
    if t == "member":
        return ("member", op["k"], op["key"], op["u"])
    if t == "pair":
        return ("pair", op["k"], pair_id(op["a"], op["b"]))
    if t == "block":
        return ("block", op["a"], op["b"])
    if t == "dismiss":
        return ("dismiss", op["u"], op["o"])
    if t == "event":
        return ("event", op["e"]["_id"])
    if t == "group":
        return ("group", op["g"])
    if t == "support":
        return ("support", op["f"])
    return ("listed", op["u"])
