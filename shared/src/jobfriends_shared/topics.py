"""The topic catalogue: every Kafka topic, who writes it, who reads it, and how it is kept.

Derived from the service registry (`registry.py`), where each topic is declared by the service
that owns it and each service names the topics it reads. Topics are created from this list at
start-up, so the catalogue and the cluster cannot drift. Names are `<owner>.<aggregate>`, keyed
by the aggregate id so per-aggregate order holds; each has a `.dlt` dead-letter twin for
messages that keep failing.
"""

from __future__ import annotations

from dataclasses import replace

from jobfriends_shared.registry import SERVICES, TopicSpec

__all__ = ["TOPICS", "TopicSpec", "physical_name", "topic"]


def _catalogue() -> tuple[TopicSpec, ...]:
    declared = [(owner.name, spec) for owner in SERVICES for spec in owner.owns]
    names = {spec.name for _, spec in declared}
    for reader in SERVICES:
        unknown = set(reader.consumes) - names
        if unknown:
            raise ValueError(f"{reader.name} consumes topics nobody owns: {sorted(unknown)}")
    return tuple(
        replace(
            spec,
            producer=owner,
            consumers=tuple(s.name for s in SERVICES if spec.name in s.consumes),
        )
        for owner, spec in declared
    )


TOPICS: tuple[TopicSpec, ...] = _catalogue()

_BY_NAME = {t.name: t for t in TOPICS}


def topic(name: str) -> TopicSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the topic catalogue") from None


def physical_name(name: str, prefix: str = "") -> str:
    """The name on the cluster: a prefix lets test runs and tenants share one cluster."""
    return f"{prefix}{name}"
