"""When an edit fans a post out again, what counts for trending, and the fan-out's mark."""

from __future__ import annotations

from typing import Any

from feed.domain.posts import trending_tags, widens
from feed.repository.timeline import fanout_id


def post(visibility: str = "public", *tags: str, **extra: Any) -> dict[str, Any]:
    return {"_id": "p", "author_id": "a", "visibility": visibility, "hashtags": list(tags), **extra}


def test_only_an_edit_that_can_add_readers_widens_the_audience() -> None:
    assert widens(post("connections"), post("public"))
    assert widens(post("public", "ux"), post("public", "ux", "hiring"))
    assert not widens(post("public", "ux", "hiring"), post("public", "ux"))
    assert not widens(post("public", "ux"), post("public", "ux"))
    assert not widens(post("public", "ux"), post("connections", "ux", "hiring"))
    assert not widens(post("group", group_id="g"), post("group", "ux", group_id="g"))


def test_trending_counts_public_posts_only() -> None:
    assert trending_tags(post("public", "ux", "hiring")) == ("ux", "hiring")
    assert trending_tags(post("connections", "ux")) == ()
    assert trending_tags(post("group", "ux", group_id="g")) == ()


def test_a_widening_edit_gives_the_post_a_new_fan_out_mark() -> None:
    assert fanout_id(post()) == "p"
    assert fanout_id(post(widened_by="e1")) == "p+e1"
    assert fanout_id(post(widened_by="e2")) != fanout_id(post(widened_by="e1"))
