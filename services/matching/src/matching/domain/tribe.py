"""The tribe: up to 30 connections a person counts on; 15-30 is the healthy range."""

from __future__ import annotations

from dataclasses import dataclass

from jobfriends_shared.errors import Conflict, Invalid

TRIBE_MIN = 15
TRIBE_MAX = 30


@dataclass(frozen=True)
class Progress:
    count: int
    min: int
    max: int
    percent: int
    status: str
    message: str


def check_member(owner: str, member: str) -> None:
    if owner == member:
        raise Invalid("you are always part of your own tribe", code="self_tribe")


def check_room(count: int) -> None:
    if count >= TRIBE_MAX:
        raise Conflict(
            f"your tribe has {TRIBE_MAX} people already; remove someone first",
            code="tribe_full",
        )


def progress(count: int) -> Progress:
    percent = min(100, round(count * 100 / TRIBE_MIN))
    if count >= TRIBE_MAX:
        status, message = "full", f"Your tribe is full ({TRIBE_MAX})."
    elif count >= TRIBE_MIN:
        status = "complete"
        message = f"{count} people: a real tribe. Room for {TRIBE_MAX - count} more."
    else:
        status = "building"
        missing = TRIBE_MIN - count
        message = f"{count} of {TRIBE_MIN}: add {missing} more to make it a tribe."
    return Progress(count, TRIBE_MIN, TRIBE_MAX, percent, status, message)


def reciprocity(given: int, received: int) -> str:
    """How support flows between two people, in words a person can act on."""
    if given == received == 0:
        return "none_yet"
    if given > 2 * received + 1:
        return "you_give_more"
    if received > 2 * given + 1:
        return "you_receive_more"
    return "balanced"
