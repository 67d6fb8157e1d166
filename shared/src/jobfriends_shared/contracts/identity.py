"""Events produced by the identity service on `identity.users`.

`profile.updated` carries the whole public snapshot plus the names of the changed fields, so a
consumer can keep its projection from the latest event alone, and can skip work when nothing it
ranks on changed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from jobfriends_shared.contracts.base import Payload, event

TOPIC = "identity.users"


class OpenTo(StrEnum):
    collaborating = "collaborating"
    mentoring = "mentoring"
    being_mentored = "being_mentored"
    job_search = "job_search"
    hiring = "hiring"
    new_friends = "new_friends"


class Seniority(StrEnum):
    student = "student"
    junior = "junior"
    mid = "mid"
    senior = "senior"
    lead = "lead"
    principal = "principal"


class MilestoneKind(StrEnum):
    new_job = "new_job"
    promotion = "promotion"
    work_anniversary = "work_anniversary"


class GeoPoint(Payload):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ProfileSnapshot(Payload):
    display_name: str
    headline: str | None = None
    profession: str | None = Field(default=None, description="Slug from the profession catalogue")
    profession_other: str | None = None
    seniority: Seniority | None = None
    skills: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    city: str | None = None
    neighbourhood: str | None = None
    location: GeoPoint | None = None
    languages: tuple[str, ...] = ()
    open_to: tuple[OpenTo, ...] = ()
    time_zone: str | None = None


@event(
    "user.registered",
    version=1,
    topic_name=TOPIC,
    key="user_id",
    description="A person created an account. Carries the email (PII) for digests.",
)
class UserRegistered(Payload):
    user_id: str
    email: str
    display_name: str


@event(
    "profile.updated",
    version=1,
    topic_name=TOPIC,
    key="user_id",
    description="A profile changed; `changed` names the fields, `profile` is the new snapshot.",
)
class ProfileUpdated(Payload):
    user_id: str
    changed: tuple[str, ...]
    profile: ProfileSnapshot


@event(
    "milestone.recorded",
    version=1,
    topic_name=TOPIC,
    key="user_id",
    description="A work milestone (new job, promotion, anniversary) was recorded.",
)
class MilestoneRecorded(Payload):
    user_id: str
    milestone_id: str
    kind: MilestoneKind
    title: str
    organisation: str | None = None
    on: date
    announce: bool = True


@event(
    "endorsement.added",
    version=1,
    topic_name=TOPIC,
    key="user_id",
    description="`endorser_id` endorsed a skill listed by `user_id`.",
)
class EndorsementAdded(Payload):
    user_id: str
    endorser_id: str
    skill: str


@event(
    "user.blocked",
    version=1,
    topic_name=TOPIC,
    key="blocker_id",
    description="`blocker_id` blocked `blocked_id`; every service hides each from the other.",
)
class UserBlocked(Payload):
    blocker_id: str
    blocked_id: str


@event(
    "user.unblocked",
    version=1,
    topic_name=TOPIC,
    key="blocker_id",
    description="A block was lifted.",
)
class UserUnblocked(Payload):
    blocker_id: str
    blocked_id: str


@event(
    "user.deleted",
    version=1,
    topic_name=TOPIC,
    key="user_id",
    description="An account was deleted; every service erases that person's data.",
)
class UserDeleted(Payload):
    user_id: str
