"""Posts, reactions and comments; a person's posts; a hashtag's posts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response, status
from jobfriends_shared.errors import Invalid
from jobfriends_shared.http import CallerDep
from jobfriends_shared.pagination import CursorParam, Limit, Page, decode_cursor, encode_cursor

from feed.api.deps import Feed, make_router
from feed.api.models import (
    ID_PATTERN,
    CommentIn,
    CommentOut,
    CommentPatch,
    PathId,
    PathTag,
    PostIn,
    PostOut,
    PostPatch,
    ReactionIn,
    ReactionsOut,
)
from feed.domain.feed import decode_rank_cursor, encode_rank_cursor

router = make_router("posts")


def post_page(items: list[dict[str, Any]], next_before: str | None) -> Page[PostOut]:
    return Page[PostOut](
        items=[PostOut.model_validate(i) for i in items],
        next_cursor=encode_rank_cursor(next_before) if next_before else None,
    )


@router.post("/v1/posts", status_code=201)
async def create_post(body: PostIn, feed: Feed, caller: CallerDep) -> PostOut:
    post = await feed.posts.create(
        caller.require_user(), body.text, body.kind, body.visibility, body.group_id, body.links
    )
    return PostOut.model_validate(post)


@router.get("/v1/posts/{post_id}")
async def get_post(post_id: PathId, feed: Feed, caller: CallerDep) -> PostOut:
    return PostOut.model_validate(await feed.reading.get(caller.require_user(), post_id))


@router.patch("/v1/posts/{post_id}")
async def edit_post(post_id: PathId, body: PostPatch, feed: Feed, caller: CallerDep) -> PostOut:
    changes = body.model_dump(exclude_unset=True, mode="json")
    post = await feed.posts.edit(caller.require_user(), post_id, changes)
    return PostOut.model_validate(post)


@router.delete("/v1/posts/{post_id}", status_code=204)
async def delete_post(post_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    await feed.posts.delete(caller.require_user(), post_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/v1/posts/{post_id}/reaction")
async def react(post_id: PathId, body: ReactionIn, feed: Feed, caller: CallerDep) -> ReactionsOut:
    out = await feed.reactions.react(caller.require_user(), post_id, body.emoji)
    return ReactionsOut.model_validate(out)


@router.delete("/v1/posts/{post_id}/reaction")
async def unreact(post_id: PathId, feed: Feed, caller: CallerDep) -> ReactionsOut:
    out = await feed.reactions.react(caller.require_user(), post_id, None)
    return ReactionsOut.model_validate(out)


@router.post("/v1/posts/{post_id}/comments", status_code=201)
async def add_comment(
    post_id: PathId, body: CommentIn, feed: Feed, caller: CallerDep
) -> CommentOut:
    out = await feed.reactions.add_comment(
        caller.require_user(), post_id, body.text, body.parent_id
    )
    return CommentOut.model_validate(out)


@router.get("/v1/posts/{post_id}/comments")
async def comments(
    post_id: PathId,
    feed: Feed,
    caller: CallerDep,
    parent_id: Annotated[
        str | None,
        Query(max_length=64, pattern=ID_PATTERN, description="List the replies to this comment"),
    ] = None,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Page[CommentOut]:
    after = decode_cursor(cursor)
    if after is not None and (not isinstance(after, str) or len(after) > 100):
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
    items, next_after = await feed.reactions.comments(
        caller.require_user(), post_id, parent_id, after, limit
    )
    return Page[CommentOut](
        items=[CommentOut.model_validate(i) for i in items],
        next_cursor=encode_cursor(next_after) if next_after else None,
    )


@router.patch("/v1/posts/{post_id}/comments/{comment_id}")
async def edit_comment(
    post_id: PathId, comment_id: PathId, body: CommentPatch, feed: Feed, caller: CallerDep
) -> CommentOut:
    out = await feed.reactions.edit_comment(caller.require_user(), post_id, comment_id, body.text)
    return CommentOut.model_validate(out)


@router.delete("/v1/posts/{post_id}/comments/{comment_id}", status_code=204)
async def delete_comment(
    post_id: PathId, comment_id: PathId, feed: Feed, caller: CallerDep
) -> Response:
    await feed.reactions.delete_comment(caller.require_user(), post_id, comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/users/{user_id}/posts")
async def user_posts(
    user_id: PathId, feed: Feed, caller: CallerDep, cursor: CursorParam = None, limit: Limit = 20
) -> Page[PostOut]:
    items, next_before = await feed.reading.by_author(
        caller.require_user(), user_id, decode_rank_cursor(cursor), limit
    )
    return post_page(items, next_before)


@router.get("/v1/hashtags/{tag}/posts")
async def hashtag_posts(
    tag: PathTag, feed: Feed, caller: CallerDep, cursor: CursorParam = None, limit: Limit = 20
) -> Page[PostOut]:
    items, next_before = await feed.reading.by_hashtag(
        caller.require_user(), tag, decode_rank_cursor(cursor), limit
    )
    return post_page(items, next_before)
