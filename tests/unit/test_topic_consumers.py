"""The topic catalogue's consumer lists (what analysts and operators read, docs/events.md)
agree with what each service's typed handlers subscribe to: read from the services' code, so
a handler added or removed without the catalogue fails here."""

import ast
from pathlib import Path

from jobfriends_shared.contracts import CATALOGUE
from jobfriends_shared.topics import TOPICS

ROOT = Path(__file__).resolve().parents[2]
TOPIC_OF_CLASS = {spec.model.__name__: spec.topic for spec in CATALOGUE.values()}


def _handled_classes(source: Path) -> set[str]:
    """Every `X` in `something.on(X)` or `on(X)` of a module."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "on" and node.args[0].id in TOPIC_OF_CLASS:
                found.add(node.args[0].id)
    return found


def _subscriptions() -> dict[str, set[str]]:
    """Topic -> the services whose handlers hear it (a service's own broadcasts left out:
    they are its instances talking to each other)."""
    heard: dict[str, set[str]] = {}
    for package in sorted((ROOT / "services").glob("*/src/*")):
        service = package.name
        for module in package.rglob("*.py"):
            for cls in _handled_classes(module):
                topic = TOPIC_OF_CLASS[cls]
                if not topic.startswith(f"{service}."):
                    heard.setdefault(topic, set()).add(service)
    return heard


def test_every_topics_consumers_are_the_services_that_handle_its_events() -> None:
    heard = _subscriptions()
    listed = {t.name: set(t.consumers) - {t.producer} for t in TOPICS}
    assert {name: heard.get(name, set()) for name in listed} == listed


def test_the_reader_finds_handlers_at_all() -> None:
    assert _subscriptions()["identity.users"] >= {"feed", "matching", "notifications"}
