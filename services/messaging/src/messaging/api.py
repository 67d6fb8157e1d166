"""HTTP API of the messaging service (reached only through the gateway).

Only participants read or write a conversation: every route under `/v1/conversations/{id}`
answers 404 `conversation_not_found` to anyone else, exactly as for an id that does not exist.

- `GET|POST /v1/conversations`: your conversations by last activity (previews, unread counts,
  totals); start one — one other person: your direct conversation (201 new, 200 existing);
  several or a name: a group of up to 30 of your connections.
- `GET|PATCH /v1/conversations/{id}`, `POST /v1/conversations/{id}/members`,
  `DELETE /v1/conversations/{id}/members/me`: a conversation, renaming and joining a group,
  leaving it.
- `GET|POST /v1/conversations/{id}/messages`, `PATCH|DELETE .../messages/{seq}`: messages in
  order, cursor pages both ways; write (with `reply_to`), edit and delete your own within the
  window.
- `POST /v1/conversations/{id}/read`: read up to a number (the newest by default).
- `GET /v1/conversations/stream`: server-sent events `message` (a message as it is now: new,
  edited, deleted), `read`, `conversation`, `request`, `resync` (reload: events were missed).
- `POST|GET /v1/message-requests`, `POST /v1/message-requests/{id}/accept|ignore`: write once
  to someone you are not connected to, with a reason; they accept or ignore.
- `GET /v1/me/messages`: everything you wrote, for your data export.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from jobfriends_shared.errors import Invalid
from jobfriends_shared.http import CallerDep, current_caller
from jobfriends_shared.pagination import CursorParam, Limit
from pydantic import BaseModel, ConfigDict, Field

from messaging.domain import ID_PATTERN, MAX_GROUP, MAX_NAME, MAX_REASON, MAX_TEXT
from messaging.domain import REQUEST_ID_PATTERN as REQUEST_PATTERN
from messaging.service import Services
from messaging.stream import event_stream

router = APIRouter(prefix="/v1", tags=["messaging"], dependencies=[Depends(current_caller)])

ConversationId = Annotated[str, Path(pattern=ID_PATTERN, max_length=32)]
RequestId = Annotated[str, Path(pattern=REQUEST_PATTERN, max_length=32)]
Seq = Annotated[int, Path(ge=1, le=10**12)]
UserId = Annotated[str, Field(min_length=1, max_length=64)]


def _app(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartIn(Strict):
    participant_ids: Annotated[list[UserId], Field(min_length=1, max_length=MAX_GROUP - 1)]
    name: Annotated[str, Field(max_length=MAX_NAME * 2)] | None = Field(
        None, description="Names a group; with one other person and no name: direct"
    )
    kind: Literal["direct", "group"] | None = Field(
        None, description="Unset: direct for one other person without a name, else group"
    )


class PreviewOut(BaseModel):
    seq: int
    sender_id: str
    text: str | None = Field(description="Null when deleted or erased")
    sent_at: datetime


class ConversationOut(BaseModel):
    id: str
    kind: Literal["direct", "group"]
    name: str | None
    created_at: datetime
    participant_ids: list[str]
    last_seq: int = Field(description="Number of the newest message (0: none yet)")
    read_seq: int = Field(description="You have read up to this number")
    unread: int
    last_activity_at: datetime
    preview: PreviewOut | None
    closed: bool = Field(description="No one can write: a block, or an erased account")


class ConversationPageOut(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None
    unread_conversations: int
    unread_messages: int


class RenameIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME * 2)]


class MembersIn(Strict):
    user_ids: Annotated[list[UserId], Field(min_length=1, max_length=MAX_GROUP - 1)]


class MessageIn(Strict):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT * 2)]
    reply_to: Annotated[int, Field(ge=1)] | None = Field(None, description="A message's seq")


class EditIn(Strict):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT * 2)]


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    text: str | None = Field(description="Null when deleted or erased")
    reply_to: int | None
    sent_at: datetime
    edited_at: datetime | None
    deleted: bool


class MessagePageOut(BaseModel):
    items: list[MessageOut] = Field(description="Oldest first")
    older_cursor: str | None = Field(description="The page before this one; null at the start")
    newer_cursor: str = Field(description="What is written after this page (keep it to catch up)")
    last_seq: int


class ReadIn(Strict):
    seq: Annotated[int, Field(ge=0)] | None = Field(None, description="Unset: the newest")


class ReadOut(BaseModel):
    read_seq: int
    last_seq: int
    unread: int


class RequestIn(Strict):
    to_user_id: UserId
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON * 2)]
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT * 2)]


class RequestOut(BaseModel):
    id: str
    from_user_id: str
    to_user_id: str
    reason: str
    text: str
    state: Literal["pending", "accepted", "ignored"]
    sent_at: datetime
    conversation_id: str | None


class ExportOut(BaseModel):
    user_id: str
    messages: list[MessageOut]


# --- conversations ---------------------------------------------------------------------------


@router.get("/conversations", response_model=ConversationPageOut)
async def list_conversations(
    request: Request, caller: CallerDep, cursor: CursorParam = None, limit: Limit = 20
) -> dict[str, Any]:
    return await _app(request).conversations.page(caller.require_user(), cursor, limit)


@router.post("/conversations", response_model=ConversationOut, status_code=201, responses={200: {}})
async def start_conversation(
    request: Request, response: Response, caller: CallerDep, body: StartIn
) -> dict[str, Any]:
    user_id = caller.require_user()
    conversations = _app(request).conversations
    direct = body.kind == "direct" or (
        body.kind is None and body.name is None and len(set(body.participant_ids)) == 1
    )
    if not direct:
        return await conversations.start_group(user_id, body.participant_ids, body.name)
    if len(set(body.participant_ids)) != 1:
        raise Invalid("participant_ids: a direct conversation is with one person", code="direct")
    conversation, new = await conversations.start_direct_or_existing(
        user_id, body.participant_ids[0]
    )
    if not new:
        response.status_code = 200
    return conversation


@router.get(
    "/conversations/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(request: Request, caller: CallerDep) -> StreamingResponse:
    user_id = caller.require_user()
    app = _app(request)
    app.hub.check_capacity(user_id)

    async def load(message_ids: Any) -> dict[str, dict[str, Any]]:
        return await app.messages.as_shown(list(message_ids))

    body = event_stream(
        app.hub,
        user_id,
        load,
        keepalive=app.settings.stream_keepalive_seconds,
        max_seconds=app.settings.stream_max_seconds,
    )
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(
    request: Request, caller: CallerDep, conversation_id: ConversationId
) -> dict[str, Any]:
    return await _app(request).conversations.get(caller.require_user(), conversation_id)


@router.patch("/conversations/{conversation_id}", response_model=ConversationOut)
async def rename(
    request: Request, caller: CallerDep, conversation_id: ConversationId, body: RenameIn
) -> dict[str, Any]:
    return await _app(request).conversations.rename(
        caller.require_user(), conversation_id, body.name
    )


@router.post("/conversations/{conversation_id}/members", response_model=ConversationOut)
async def add_members(
    request: Request, caller: CallerDep, conversation_id: ConversationId, body: MembersIn
) -> dict[str, Any]:
    return await _app(request).conversations.add(
        caller.require_user(), conversation_id, body.user_ids
    )


@router.delete("/conversations/{conversation_id}/members/me", status_code=204)
async def leave(request: Request, caller: CallerDep, conversation_id: ConversationId) -> None:
    await _app(request).conversations.leave(caller.require_user(), conversation_id)


# --- messages --------------------------------------------------------------------------------


@router.get("/conversations/{conversation_id}/messages", response_model=MessagePageOut)
async def list_messages(
    request: Request,
    caller: CallerDep,
    conversation_id: ConversationId,
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> dict[str, Any]:
    return await _app(request).messages.page(caller.require_user(), conversation_id, cursor, limit)


@router.post(
    "/conversations/{conversation_id}/messages", response_model=MessageOut, status_code=201
)
async def send(
    request: Request, caller: CallerDep, conversation_id: ConversationId, body: MessageIn
) -> dict[str, Any]:
    return await _app(request).messages.send(
        caller.require_user(), conversation_id, body.text, body.reply_to
    )


@router.patch("/conversations/{conversation_id}/messages/{seq}", response_model=MessageOut)
async def edit(
    request: Request, caller: CallerDep, conversation_id: ConversationId, seq: Seq, body: EditIn
) -> dict[str, Any]:
    return await _app(request).messages.edit(caller.require_user(), conversation_id, seq, body.text)


@router.delete("/conversations/{conversation_id}/messages/{seq}", status_code=204)
async def delete(
    request: Request, caller: CallerDep, conversation_id: ConversationId, seq: Seq
) -> None:
    await _app(request).messages.delete(caller.require_user(), conversation_id, seq)


@router.post("/conversations/{conversation_id}/read", response_model=ReadOut)
async def read(
    request: Request, caller: CallerDep, conversation_id: ConversationId, body: ReadIn
) -> dict[str, Any]:
    return await _app(request).messages.mark_read(caller.require_user(), conversation_id, body.seq)


# --- message requests ------------------------------------------------------------------------


@router.post("/message-requests", response_model=RequestOut, status_code=201)
async def send_request(request: Request, caller: CallerDep, body: RequestIn) -> dict[str, Any]:
    return await _app(request).requests.send(
        caller.require_user(), body.to_user_id, body.reason, body.text
    )


@router.get("/message-requests", response_model=list[RequestOut])
async def list_requests(
    request: Request,
    caller: CallerDep,
    box: Annotated[Literal["received", "sent"], Query()] = "received",
) -> list[dict[str, Any]]:
    requests = _app(request).requests
    user_id = caller.require_user()
    if box == "sent":
        return await requests.outgoing(user_id)
    return await requests.incoming(user_id)


@router.post("/message-requests/{request_id}/accept", response_model=ConversationOut)
async def accept_request(
    request: Request, caller: CallerDep, request_id: RequestId
) -> dict[str, Any]:
    return await _app(request).requests.accept(caller.require_user(), request_id)


@router.post("/message-requests/{request_id}/ignore", status_code=204)
async def ignore_request(request: Request, caller: CallerDep, request_id: RequestId) -> None:
    await _app(request).requests.ignore(caller.require_user(), request_id)


# --- export ----------------------------------------------------------------------------------


@router.get("/me/messages", response_model=ExportOut)
async def export(request: Request, caller: CallerDep) -> dict[str, Any]:
    return await _app(request).messages.export(caller.require_user())
