"""Each service's `consumes` in the registry (the topic catalogue's consumer lists, which
analysts and operators read in docs/events.md) agrees with what its typed handlers subscribe
to: read from the services' code, so a handler added or removed without the registry fails
here."""

from jobfriends_shared.subscriptions import handlers_by_service
from jobfriends_shared.topics import TOPICS


def _subscriptions() -> dict[str, set[str]]:
    """Topic -> the services whose handlers hear it (a service's own topics included: the
    feed fans out in a consumer of its own posts, and instances hear each other's broadcasts)."""
    heard: dict[str, set[str]] = {}
    for service, specs in handlers_by_service().items():
        for spec in specs:
            heard.setdefault(spec.topic, set()).add(service)
    return heard


def test_every_topics_consumers_are_the_services_that_handle_its_events() -> None:
    heard = _subscriptions()
    listed = {t.name: set(t.consumers) for t in TOPICS}
    assert {name: heard.get(name, set()) for name in listed} == listed


def test_the_reader_finds_handlers_at_all() -> None:
    assert _subscriptions()["identity.users"] >= {"feed", "matching", "notifications"}
