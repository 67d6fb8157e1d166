"""Handlers are registered by payload class: the class names the event, its version and its
topic, and what a consumer subscribes to follows from its handlers."""

from typing import Any

import pytest
from jobfriends_shared.clock import SystemClock
from jobfriends_shared.consumer import EventConsumer
from jobfriends_shared.contracts.base import Payload
from jobfriends_shared.contracts.feed import PostCreated
from jobfriends_shared.contracts.identity import UserDeleted, UserRegistered
from jobfriends_shared.envelope import Envelope


class _NoStore(dict[str, Any]):
    """Stands in for the database: registration never touches it."""

    def __missing__(self, name: str) -> None:
        return None


async def _no_dead_letters(*_: Any) -> None:
    return None


def _consumer() -> EventConsumer:
    return EventConsumer(_NoStore(), SystemClock(), _no_dead_letters)  # type: ignore[arg-type]


async def _handle(_: Envelope, __: Any) -> None:
    return None


def test_a_consumer_subscribes_to_the_topics_its_handlers_events_travel_on() -> None:
    consumer = _consumer()
    assert consumer.topics == ()
    consumer.on(UserRegistered)(_handle)
    consumer.on(UserDeleted)(_handle)
    consumer.on(PostCreated)(_handle)
    assert consumer.topics == ("identity.users", "feed.posts")
    assert consumer.event_types == ("user.registered", "user.deleted", "post.created")


def test_one_event_cannot_have_two_handlers() -> None:
    consumer = _consumer()
    consumer.on(UserRegistered)(_handle)
    with pytest.raises(TypeError, match=r"user\.registered v1 has two handlers"):
        consumer.on(UserRegistered)(_handle)


def test_a_class_that_is_no_event_contract_is_refused() -> None:
    class Stray(Payload):
        pass

    with pytest.raises(TypeError, match="Stray is not a registered event payload"):
        _consumer().on(Stray)
