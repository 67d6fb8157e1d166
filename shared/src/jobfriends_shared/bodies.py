"""What every service's request bodies share.

A PATCH body names only what changes: a field left out keeps its value, and `null` clears an
optional one. Some fields cannot be cleared (a person's name, an event's start), and `null`
there must be the client's mistake, answered with a 422 that names the field, not a failure
further in."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator


def _refuse_null(_cls: type, value: object) -> object:
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its value")
    return value


def not_null(*fields: str) -> Any:
    """A validator for a PATCH model: these fields may be left out, never sent as null.
    Assign it in the model's body (`_kept = not_null("title")`)."""
    return field_validator(*fields, mode="before")(classmethod(_refuse_null))
