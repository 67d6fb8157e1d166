"""Which service handles which event, read from the services' code.

A typed handler is registered as `on(PayloadClass)` in a service's package, so the source says
who consumes each event type and version. The event catalogue (docs/events.md) lists, per event,
the services found here, and a test holds the registry's `consumes` to them. The code is parsed,
never imported: the shared library stays free of every service's code.
"""

from __future__ import annotations

import ast
from pathlib import Path

from jobfriends_shared.contracts import CATALOGUE, EventContract

REPO_ROOT = Path(__file__).resolve().parents[3]
"""The checkout this library sits in (shared/src/jobfriends_shared/…): the workspace installs
it in place, which is where the docs are generated and the tests run."""


def _handled_classes(source: Path, known: set[str]) -> set[str]:
    """Every `X` in `on(X)` or `on_batch(X)` (or `something.on(X)`) of a module that names an
    event payload."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("on", "on_batch") and node.args[0].id in known:
                found.add(node.args[0].id)
    return found


def handlers_by_service(root: Path = REPO_ROOT) -> dict[str, set[EventContract]]:
    """Service name -> the event contracts its typed handlers take."""
    by_class = {spec.model.__name__: spec for spec in CATALOGUE.values()}
    handled: dict[str, set[EventContract]] = {}
    for package in sorted((root / "services").glob("*/src/*")):
        if not (package / "__init__.py").exists():
            continue
        for module in package.rglob("*.py"):
            for name in _handled_classes(module, set(by_class)):
                handled.setdefault(package.name, set()).add(by_class[name])
    return handled


def consumers_by_event(root: Path = REPO_ROOT) -> dict[tuple[str, int], list[str]]:
    """(type, version) -> the services that handle it, sorted."""
    consumers: dict[tuple[str, int], list[str]] = {}
    for service, specs in handlers_by_service(root).items():
        for spec in specs:
            consumers.setdefault((spec.event_type, spec.version), []).append(service)
    return {key: sorted(names) for key, names in consumers.items()}
