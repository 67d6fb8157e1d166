"""Request and response bodies. Inputs forbid unknown fields and bound every length."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from matching.domain.nudges import Cadence

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
UserIdPath = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
RequestIdPath = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
UserIdQuery = Annotated[str, Query(max_length=64, pattern=ID_PATTERN)]
UserIdField = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonOut(BaseModel):
    user_id: str
    display_name: str | None = None
    profession: str | None = None
    profession_label: str | None = None
    city: str | None = None


class MatchOut(PersonOut):
    score: float
    reasons: list[dict[str, Any]] = Field(
        description="Structured reasons, strongest first: {kind, ...details}"
    )
    sentence: str = Field(description="The reasons as one short sentence")


class MatchesOut(BaseModel):
    intent: str
    items: list[MatchOut]
    next_cursor: str | None = None
    hint: str | None = Field(None, description="What to change to see (more) suggestions")


class RequestIn(Strict):
    to_user_id: UserIdField
    note: Annotated[str, Field(max_length=2000, description="Why you want to connect, 10-300")]


class RequestOut(BaseModel):
    id: str
    from_user_id: str
    to_user_id: str
    note: str
    state: Literal["pending", "accepted", "declined", "withdrawn", "expired", "superseded"]
    created_at: datetime
    expires_at: datetime
    other: PersonOut


class DraftOut(BaseModel):
    to_user_id: str
    note: str


class ConnectionOut(PersonOut):
    pair_id: str
    since: datetime
    cadence: Cadence
    in_tribe: bool
    last_interaction_at: datetime | None = None


class CadenceIn(Strict):
    cadence: Cadence


class CadenceOut(BaseModel):
    user_id: str
    cadence: Cadence


class TribeMemberOut(PersonOut):
    added_at: datetime
    support_given: int
    support_received: int
    reciprocity: str


class ProgressOut(BaseModel):
    count: int
    min: int
    max: int
    percent: int
    status: Literal["building", "complete", "full"]
    message: str


class ReciprocityOut(BaseModel):
    support_given: int
    support_received: int
    balance: str


class TribeOut(BaseModel):
    members: list[TribeMemberOut]
    progress: ProgressOut
    reciprocity: ReciprocityOut
