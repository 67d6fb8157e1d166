"""HTTP API of the identity service: accounts, sign-in, profiles, endorsements, blocks.

Input models forbid unknown fields, so ids, counters, roles or `email_verified` can never be
set by a client (mass assignment), and typed fields refuse objects such as `{"$gt": ""}`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status
from jobfriends_shared.bodies import not_null
from jobfriends_shared.contracts.identity import GeoPoint, MilestoneKind, OpenTo, Seniority
from jobfriends_shared.contracts.professions import PROFESSIONS
from jobfriends_shared.http import CallerDep, current_caller
from jobfriends_shared.pagination import CursorParam, Limit, Page, decode_cursor, encode_cursor
from pydantic import BaseModel, ConfigDict, Field

from identity.domain import Visibility
from identity.service import IdentityService

Text = Annotated[str, Field(max_length=10_000)]
Tags = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=200)]
UserId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(Strict):
    email: Annotated[str, Field(max_length=320)]
    password: Annotated[str, Field(max_length=1024)]
    display_name: Annotated[str, Field(max_length=200)]


class SignInIn(Strict):
    email: Annotated[str, Field(max_length=320)]
    password: Annotated[str, Field(max_length=1024)]


class RefreshIn(Strict):
    refresh_token: Annotated[str, Field(max_length=200)]


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (OAuth2 token type, not a secret)
    expires_in: int
    user_id: str


class ProfilePatch(Strict):
    display_name: Annotated[str, Field(max_length=200)] | None = None
    headline: Text | None = None
    profession: Annotated[str, Field(max_length=60)] | None = None
    profession_other: Text | None = None
    seniority: Seniority | None = None
    skills: Tags | None = None
    interests: Tags | None = None
    city: Text | None = None
    neighbourhood: Text | None = None
    location: GeoPoint | None = None
    bio: Text | None = None
    portfolio_links: Tags | None = None
    languages: Tags | None = None
    open_to: list[OpenTo] | None = Field(None, max_length=10)
    time_zone: Annotated[str, Field(max_length=64)] | None = None
    visibility: dict[Literal["about", "skills", "location", "open_to"], Visibility] | None = None

    _kept = not_null("display_name", "visibility")


class ProfileOut(BaseModel):
    id: str
    display_name: str | None = None
    headline: str | None = None
    profession: str | None = None
    profession_other: str | None = None
    seniority: Seniority | None = None
    skills: list[str] | None = None
    interests: list[str] | None = None
    city: str | None = None
    neighbourhood: str | None = None
    location: GeoPoint | None = None
    bio: str | None = None
    portfolio_links: list[str] | None = None
    languages: list[str] | None = None
    open_to: list[OpenTo] | None = None
    time_zone: str | None = None


class MeOut(ProfileOut):
    email: str
    visibility: dict[str, Visibility]
    created_at: datetime


class UserOut(ProfileOut):
    relation: Literal["self", "connection", "other"]


class EndorseIn(Strict):
    skill: Annotated[str, Field(max_length=200)]


class EndorsementsOut(BaseModel):
    user_id: str
    counts: dict[str, int]


class MilestoneIn(Strict):
    kind: MilestoneKind
    title: Annotated[str, Field(max_length=1000)]
    organisation: Annotated[str, Field(max_length=1000)] | None = None
    on: date
    announce: bool = Field(True, description="Announce it to your connections as a post")


class MilestoneOut(BaseModel):
    id: str
    user_id: str
    kind: MilestoneKind
    title: str
    organisation: str | None
    on: date
    announce: bool


async def get_service(request: Request) -> IdentityService:
    service: IdentityService = request.app.state.services
    return service


Service = Annotated[IdentityService, Depends(get_service)]
# Every route, even the public ones, must arrive through the gateway.
router = APIRouter(dependencies=[Depends(current_caller)])


def _me(doc: dict[str, Any]) -> MeOut:
    return MeOut.model_validate({**doc, "id": doc["_id"]})


@router.post("/v1/auth/register", status_code=201, tags=["auth"])
async def register(body: RegisterIn, service: Service) -> MeOut:
    doc = await service.register(body.email, body.password, body.display_name)
    return _me(doc)


@router.post("/v1/auth/token", tags=["auth"])
async def sign_in(
    body: SignInIn,
    service: Service,
    x_forwarded_for: Annotated[str | None, Header(max_length=200)] = None,
) -> TokensOut:
    ip = x_forwarded_for.split(",")[0].strip() if x_forwarded_for else None
    tokens = await service.sign_in(body.email, body.password, ip)
    return TokensOut(**tokens.__dict__)


@router.post("/v1/auth/refresh", tags=["auth"])
async def refresh(body: RefreshIn, service: Service) -> TokensOut:
    tokens = await service.refresh(body.refresh_token)
    return TokensOut(**tokens.__dict__)


@router.post("/v1/auth/logout", status_code=204, tags=["auth"])
async def sign_out(body: RefreshIn, service: Service) -> Response:
    await service.sign_out(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(service: Service) -> dict[str, Any]:
    return service.jwks()


@router.get("/v1/professions", tags=["people"])
async def professions() -> dict[str, str]:
    return dict(PROFESSIONS)


@router.get("/v1/me", tags=["people"])
async def get_me(service: Service, caller: CallerDep) -> MeOut:
    return _me(await service.me(caller.require_user()))


@router.patch("/v1/me", tags=["people"])
async def patch_me(body: ProfilePatch, service: Service, caller: CallerDep) -> MeOut:
    changes = body.model_dump(exclude_unset=True, mode="json")
    doc = await service.update_profile(caller.require_user(), changes)
    return _me(doc)


@router.delete("/v1/me", status_code=204, tags=["people"])
async def delete_me(service: Service, caller: CallerDep) -> Response:
    await service.delete_account(caller.require_user())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Hidden field groups are left out entirely, not shown as null.
@router.get("/v1/users/{user_id}", tags=["people"], response_model_exclude_unset=True)
async def get_user(user_id: UserId, service: Service, caller: CallerDep) -> UserOut:
    return UserOut.model_validate(await service.view(caller.require_user(), user_id))


@router.get("/v1/users/{user_id}/endorsements", tags=["people"])
async def endorsement_counts(
    user_id: UserId, service: Service, caller: CallerDep
) -> EndorsementsOut:
    counts = await service.endorsements(caller.require_user(), user_id)
    return EndorsementsOut(user_id=user_id, counts=counts)


@router.get("/v1/users/{user_id}/endorsements/{skill}", tags=["people"])
async def endorsers(
    user_id: UserId,
    skill: Annotated[str, Path(max_length=60)],
    service: Service,
    caller: CallerDep,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Page[str]:
    after = decode_cursor(cursor)
    ids = await service.endorsers(caller.require_user(), user_id, skill, after, limit)
    return Page[str](items=ids, next_cursor=encode_cursor(ids[-1]) if len(ids) == limit else None)


@router.post("/v1/users/{user_id}/endorsements", status_code=201, tags=["people"])
async def endorse(
    user_id: UserId, body: EndorseIn, service: Service, caller: CallerDep
) -> EndorsementsOut:
    counts = await service.endorse(caller.require_user(), user_id, body.skill)
    return EndorsementsOut(user_id=user_id, counts=counts)


@router.post("/v1/users/{user_id}/block", status_code=204, tags=["people"])
async def block(user_id: UserId, service: Service, caller: CallerDep) -> Response:
    await service.set_block(caller.require_user(), user_id, True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/v1/users/{user_id}/block", status_code=204, tags=["people"])
async def unblock(user_id: UserId, service: Service, caller: CallerDep) -> Response:
    await service.set_block(caller.require_user(), user_id, False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/v1/me/milestones", status_code=201, tags=["people"])
async def record_milestone(body: MilestoneIn, service: Service, caller: CallerDep) -> MilestoneOut:
    out = await service.record_milestone(
        caller.require_user(), body.kind, body.title, body.organisation, body.on, body.announce
    )
    return MilestoneOut.model_validate(out)


@router.get("/v1/users/{user_id}/milestones", tags=["people"])
async def milestones(user_id: UserId, service: Service, caller: CallerDep) -> list[MilestoneOut]:
    rows = await service.milestones(caller.require_user(), user_id)
    return [MilestoneOut.model_validate({**r, "id": r["_id"]}) for r in rows]
