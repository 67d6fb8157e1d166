"""The scenarios' register, and what they share: a store-agnostic `raises` and id listing."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Db = Any  # a FakeDatabase or PyMongo's AsyncDatabase: the scenarios use what both offer
Scenario = Callable[[Db], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {}


E = TypeVar("E", bound=BaseException)


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


@dataclass
class Caught(Generic[E]):
    """The exception `raises` caught, once its block is over."""

    caught: E | None = None

    @property
    def value(self) -> E:
        assert self.caught is not None
        return self.caught


@contextmanager
def raises(kind: type[E], match: str = "") -> Iterator[Caught[E]]:
    """`pytest.raises`, without making this library depend on pytest."""
    result: Caught[E] = Caught()
    try:
        yield result
    except kind as exc:
        if not re.search(match, str(exc)):
            raise AssertionError(f"{exc!r} does not match {match!r}") from exc
        result.caught = exc
    else:
        raise AssertionError(f"{kind.__name__} not raised")


async def ids_of(cursor: Any) -> list[Any]:
    return [d["_id"] for d in await cursor.to_list()]
