"""Group rules: what a group is made of, who may join how, and what moderators may do.

A membership is one document per (group, person) whose `status` moves between `pending`
(asked to join an approval-needed group), `member`, and `left` (left, declined or removed). The
last moderator can neither leave nor be demoted, so a group is never unmanageable.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from jobfriends_shared.contracts.feed import GroupAccess
from jobfriends_shared.contracts.professions import is_profession
from jobfriends_shared.errors import Conflict, Forbidden, Invalid

from feed.domain.text import clean_text

MAX_NAME = 100
MAX_TOPIC = 100
MAX_CITY = 100
MAX_DESCRIPTION = 2000


class Status(StrEnum):
    pending = "pending"
    member = "member"
    left = "left"


class Role(StrEnum):
    member = "member"
    moderator = "moderator"


def clean_group(
    name: str,
    topic: str | None,
    profession: str | None,
    city: str | None,
    description: str | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": clean_text(name, "name", MAX_NAME)}
    out["topic"] = clean_text(topic, "topic", MAX_TOPIC) if topic else None
    out["city"] = clean_text(city, "city", MAX_CITY) if city else None
    out["description"] = (
        clean_text(description, "description", MAX_DESCRIPTION) if description else None
    )
    if profession is not None and not is_profession(profession):
        raise Invalid(
            f"profession: {profession[:40]!r} is not in the profession catalogue",
            code="invalid_profession",
        )
    out["profession"] = profession
    return out


def join_status(access: GroupAccess, current: Status | None) -> Status:
    """What asking to join leads to: membership at once, or a request to approve."""
    if current == Status.member:
        return Status.member
    return Status.member if access == GroupAccess.public else Status.pending


def require_moderator(role: Role | None, status: Status | None) -> None:
    if status != Status.member or role != Role.moderator:
        raise Forbidden("only the group's moderators may do this", code="not_a_moderator")


def check_can_leave(role: Role | None, moderators: int) -> None:
    if role == Role.moderator and moderators <= 1:
        raise Conflict(
            "you are the group's last moderator: make someone else a moderator first",
            code="last_moderator",
        )
