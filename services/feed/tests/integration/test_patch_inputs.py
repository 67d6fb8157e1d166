"""Whatever a client puts in a PATCH, it gets an answer about its input, never a 500."""

import pytest
from feed.api.models import CommentPatch, PostPatch

from .conftest import Feed


@pytest.mark.parametrize("field", sorted(PostPatch.model_fields))
async def test_any_value_of_any_post_field_is_saved_or_refused_by_name(
    feed: Feed, field: str
) -> None:
    ana = await feed.person("ana")
    post = await feed.post(ana, "Hello #ux")
    await feed.patch_every_wrong_value(f"/v1/posts/{post}", ana, field)


@pytest.mark.parametrize("field", sorted(CommentPatch.model_fields))
async def test_any_value_of_any_comment_field_is_saved_or_refused_by_name(
    feed: Feed, field: str
) -> None:
    ana = await feed.person("ana")
    post = await feed.post(ana, "Hello #ux")
    comment = await feed.ok("POST", f"/v1/posts/{post}/comments", ana, json={"text": "Hi"})
    await feed.patch_every_wrong_value(f"/v1/posts/{post}/comments/{comment['id']}", ana, field)
