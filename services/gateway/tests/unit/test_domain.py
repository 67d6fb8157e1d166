"""Routing, limiting and document merging as plain functions: no HTTP involved."""

from datetime import timedelta
from typing import Any

import pytest
from gateway.domain import RouteTable, Service, TokenBucketLimiter, correlation_id, merge_openapi
from jobfriends_shared.clock import ControlledClock

TABLE = RouteTable()


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("/v1/auth/token", "identity"),
        ("/v1/me", "identity"),
        ("/v1/me/milestones", "identity"),
        ("/v1/me/calendar.ics", "events"),
        ("/v1/me/notification-settings", "notifications"),
        ("/v1/users/u1", "identity"),
        ("/v1/users/u1/endorsements", "identity"),
        ("/v1/users/u1/block", "identity"),
        ("/v1/users/u1/posts", "feed"),
        ("/v1/users/u1/follow", "feed"),
        ("/v1/professions", "identity"),
        ("/v1/posts/p1/comments", "feed"),
        ("/v1/feed", "feed"),
        ("/v1/hashtags/python/posts", "feed"),
        ("/v1/groups/g1/membership", "feed"),
        ("/v1/events/e1.ics", "events"),
        ("/v1/matches/u2/dismiss", "matching"),
        ("/v1/connections/requests/r1/accept", "matching"),
        ("/v1/tribe/u2", "matching"),
        ("/v1/notifications/stream", "notifications"),
        ("/.well-known/jwks.json", "identity"),
    ],
)
def test_each_path_goes_to_its_owning_service(path: str, owner: Service) -> None:
    assert TABLE.owner(path) is owner


@pytest.mark.parametrize(
    "path",
    ["/v1/nope", "/v1", "/v1/users", "/v1/users/u1/secrets", "/v1/me/../admin", "/v2/me", "/"],
)
def test_paths_no_service_owns_are_unrouted(path: str) -> None:
    assert TABLE.resolve("GET", path) is None


def test_only_the_sign_in_routes_and_catalogues_are_public() -> None:
    public = [
        ("POST", "/v1/auth/register"),
        ("POST", "/v1/auth/token"),
        ("POST", "/v1/auth/refresh"),
        ("GET", "/.well-known/jwks.json"),
        ("HEAD", "/.well-known/jwks.json"),
        ("GET", "/v1/professions"),
    ]
    private = [("POST", "/v1/auth/logout"), ("GET", "/v1/auth/token"), ("POST", "/v1/professions")]
    assert all(TABLE.is_public(m, p) for m, p in public)
    assert not any(TABLE.is_public(m, p) for m, p in private)


def test_only_the_notification_stream_is_streamed() -> None:
    stream = TABLE.resolve("GET", "/v1/notifications/stream")
    other = TABLE.resolve("GET", "/v1/notifications")
    assert stream is not None and stream.streaming
    assert other is not None and not other.streaming


def test_sane_correlation_ids_are_kept_and_others_replaced() -> None:
    assert correlation_id("abc-DEF_123") == "abc-DEF_123"
    for bad in (None, "", "x" * 65, "has space", "new\nline", "ünïcode"):
        minted = correlation_id(bad)
        assert minted != bad and len(minted) == 32


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = ControlledClock()
    limiter = TokenBucketLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.take("k") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("k") == 1
    clock.advance(timedelta(seconds=0.5))
    assert limiter.take("k") == 0
    assert limiter.take("k") >= 1
    assert limiter.take("other") == 0


def test_retry_after_is_whole_seconds_until_the_next_token() -> None:
    clock = ControlledClock()
    limiter = TokenBucketLimiter(rate=0.25, burst=1, clock=clock)
    assert limiter.take("k") == 0
    assert limiter.take("k") == 4
    clock.advance(timedelta(seconds=3))
    assert limiter.take("k") == 1


def test_a_clock_set_backwards_mints_no_tokens() -> None:
    clock = ControlledClock()
    limiter = TokenBucketLimiter(rate=1.0, burst=1, clock=clock)
    assert limiter.take("k") == 0
    clock.advance(timedelta(seconds=-100))
    assert limiter.take("k") >= 1


def test_limiter_memory_is_bounded() -> None:
    limiter = TokenBucketLimiter(rate=1.0, burst=1, clock=ControlledClock(), max_keys=10)
    for i in range(1000):
        limiter.take(f"k{i}")
    assert len(limiter._buckets) == 10


def _doc(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def test_merge_renames_clashing_schemas_and_rewrites_their_references() -> None:
    page_ref = {"$ref": "#/components/schemas/Page"}
    identity = _doc(
        {"/v1/me": {"get": {"responses": {"200": {"schema": page_ref}}}}},
        {"Page": {"type": "object", "properties": {"users": {}}}, "Error": {"type": "object"}},
    )
    feed = _doc(
        {"/v1/feed": {"get": {"responses": {"200": {"schema": page_ref}}}}},
        {
            "Page": {"type": "object", "properties": {"posts": {}}},
            "Error": {"type": "object"},
            "Wrapper": {"properties": {"page": page_ref}},
        },
    )
    merged = merge_openapi({"paths": {}}, {"identity": identity, "feed": feed}, TABLE)
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"Page", "Error", "feed_Page", "Wrapper"}
    feed_ref = merged["paths"]["/v1/feed"]["get"]["responses"]["200"]["schema"]["$ref"]
    assert feed_ref == "#/components/schemas/feed_Page"
    assert schemas["Wrapper"]["properties"]["page"]["$ref"] == "#/components/schemas/feed_Page"
    me_ref = merged["paths"]["/v1/me"]["get"]["responses"]["200"]["schema"]["$ref"]
    assert me_ref == "#/components/schemas/Page"


def test_merge_keeps_only_paths_the_service_really_owns() -> None:
    identity = _doc({"/v1/me": {"get": {}}, "/v1/posts": {"get": {}}, "/internal": {}}, {})
    merged = merge_openapi({"paths": {}}, {"identity": identity}, TABLE)
    assert set(merged["paths"]) == {"/v1/me"}
