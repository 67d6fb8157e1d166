"""The envelope every event travels in.

Consumers dedupe on `id`, route on `type` + `version`, partition on `key`, and trace a request
across services by `correlation_id`. The payload stays a plain mapping here; the contract
catalogue turns it into the typed model for its type and version.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: uuid.UUID = Field(description="Unique per event; consumers dedupe on it.")
    type: str = Field(min_length=3, max_length=64, description="Past tense, e.g. user.registered")
    version: int = Field(ge=1, le=1000, description="Schema version of the payload")
    occurred_at: AwareDatetime = Field(description="When the fact happened (UTC)")
    producer: str = Field(min_length=1, max_length=64, description="Service that emitted it")
    key: str = Field(min_length=1, max_length=200, description="Partition key (aggregate id)")
    correlation_id: str | None = Field(
        default=None, max_length=128, description="Request that caused it"
    )
    payload: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)

    def to_document(self) -> dict[str, Any]:
        """A JSON-compatible mapping for storage (UUIDs and datetimes as strings)."""
        doc: dict[str, Any] = json.loads(self.model_dump_json())
        return doc


def new_event_id() -> uuid.UUID:
    return uuid.uuid4()
