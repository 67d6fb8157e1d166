"""The event contract registry.

A payload model is registered with its type, version, topic and key field, so producing an event
is `build_event(SomePayload(...))` and consuming one is `parse_payload(envelope)` — nobody spells
a topic or a type string by hand. A new optional field keeps the version; removing or retyping a
field needs a new version (the schema snapshot test enforces this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from jobfriends_shared.envelope import Envelope, new_event_id
from jobfriends_shared.observability import correlation_id as current_correlation_id
from jobfriends_shared.topics import topic


class Payload(BaseModel):
    """Frozen; unknown fields are ignored so older consumers survive additive changes."""

    model_config = ConfigDict(frozen=True, extra="ignore")


@dataclass(frozen=True)
class EventContract:
    event_type: str
    version: int
    topic: str
    key_field: str
    model: type[Payload]
    description: str


class UnknownEventType(LookupError):
    pass


CATALOGUE: dict[tuple[str, int], EventContract] = {}
_BY_MODEL: dict[type[Payload], EventContract] = {}

P = TypeVar("P", bound=type[Payload])


def event(
    type_: str, *, version: int, topic_name: str, key: str, description: str
) -> Callable[[P], P]:
    """Register a payload model as the contract for `type_` at `version`."""

    def register(model: P) -> P:
        topic(topic_name)  # fails loudly on a topic missing from the catalogue
        if key not in model.model_fields:  # type: ignore[call-overload]
            raise TypeError(f"{model.__name__} has no key field {key!r}")
        if (type_, version) in CATALOGUE:
            raise TypeError(f"{type_} v{version} is registered twice")
        spec = EventContract(type_, version, topic_name, key, model, description)
        CATALOGUE[(type_, version)] = spec
        _BY_MODEL[model] = spec
        return model

    return register


def contract_of(model: type[Payload]) -> EventContract:
    """The contract a payload class was registered as (with `event`)."""
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise TypeError(f"{model.__name__} is not a registered event payload") from None


def contract_for(type_: str, version: int) -> EventContract:
    try:
        return CATALOGUE[(type_, version)]
    except KeyError:
        raise UnknownEventType(f"{type_} v{version}") from None


def build_event(
    payload: Payload,
    *,
    producer: str,
    occurred_at: datetime,
    correlation_id: str | None = None,
) -> Envelope:
    spec = contract_of(type(payload))
    if correlation_id is None:
        # Events caused by a request or by another event carry its correlation id on.
        correlation_id = current_correlation_id.get()
    return Envelope(
        id=new_event_id(),
        type=spec.event_type,
        version=spec.version,
        occurred_at=occurred_at,
        producer=producer,
        key=str(getattr(payload, spec.key_field)),
        correlation_id=correlation_id,
        payload=payload.model_dump(mode="json"),
    )


def parse_payload(envelope: Envelope) -> Any:
    """The typed payload; raises pydantic.ValidationError when the payload breaks its contract."""
    return contract_for(envelope.type, envelope.version).model.model_validate(envelope.payload)
