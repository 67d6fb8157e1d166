"""Whatever a client puts in a PATCH, it gets an answer about its input, never a 500."""

import pytest
from feed.api.models import CommentPatch, PostPatch

from .conftest import Feed

WRONG = [None, 0, 1.5, True, "", "x" * 5, [], ["a"], {}, {"a": 1}, {"$gt": ""}]


@pytest.mark.parametrize("field", sorted(PostPatch.model_fields))
async def test_any_value_of_any_post_field_is_saved_or_refused_by_name(
    feed: Feed, field: str
) -> None:
    ana = await feed.person("ana")
    post = await feed.post(ana, "Hello #ux")
    for value in WRONG:
        response = await feed.call("PATCH", f"/v1/posts/{post}", ana, json={field: value})
        assert response.status_code in (200, 422), (field, value, response.text)
        if response.status_code == 422:
            assert field in response.text, (field, value, response.text)


@pytest.mark.parametrize("field", sorted(CommentPatch.model_fields))
async def test_any_value_of_any_comment_field_is_saved_or_refused_by_name(
    feed: Feed, field: str
) -> None:
    ana = await feed.person("ana")
    post = await feed.post(ana, "Hello #ux")
    comment = await feed.ok("POST", f"/v1/posts/{post}/comments", ana, json={"text": "Hi"})
    for value in WRONG:
        response = await feed.call(
            "PATCH", f"/v1/posts/{post}/comments/{comment['id']}", ana, json={field: value}
        )
        assert response.status_code in (200, 422), (field, value, response.text)
        if response.status_code == 422:
            assert field in response.text, (field, value, response.text)
