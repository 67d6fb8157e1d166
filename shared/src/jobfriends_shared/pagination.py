"""Cursor pagination: opaque cursors over a sort key, a capped page size.

A cursor encodes the sort key of the last item a client saw, so pages stay stable while new
items arrive (offsets would skip or repeat). Clients treat it as an opaque string.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from jobfriends_shared.errors import Invalid

T = TypeVar("T")
MAX_PAGE = 100
DEFAULT_PAGE = 20

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page size, at most {MAX_PAGE}")]
CursorParam = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> Any:
    if cursor is None:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor") from None
