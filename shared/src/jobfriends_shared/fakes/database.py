"""In-memory stand-ins for PyMongo's `AsyncDatabase` and `AsyncMongoClient`.

A `FakeDatabase` goes wherever our code takes a `Database` (repositories, the outbox, the
consumer's dedupe): `db[name]` hands out collection handles over shared state, as PyMongo does.
Commands are those we send: `ping`, and `count` (events counts seats with it).
"""

from __future__ import annotations

from typing import Any, NoReturn

from jobfriends_shared.fakes.collection import FakeCollection
from jobfriends_shared.fakes.query import matches
from jobfriends_shared.fakes.state import CollectionState
from jobfriends_shared.fakes.values import normalised


class FakeDatabase:
    def __init__(self, name: str = "fake", client: FakeClient | None = None) -> None:
        self._name = name
        self._client = client
        self._collections: dict[str, CollectionState] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def client(self) -> FakeClient | None:
        return self._client

    def __getitem__(self, name: str) -> FakeCollection:
        return FakeCollection(self, name)

    def get_collection(self, name: str, **options: Any) -> FakeCollection:
        if any(v is not None for v in options.values()):
            raise NotImplementedError("the fake store has no collection options")
        return FakeCollection(self, name)

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("_"):
            raise AttributeError(name)
        raise NotImplementedError(f"the fake store has no Database.{name} (use db[{name!r}])")

    def __bool__(self) -> NoReturn:
        raise NotImplementedError("Database objects do not implement truth value testing")

    # --- state, shared by every handle ------------------------------------------------------

    def collection_state(self, name: str) -> CollectionState:
        """A collection's state, created on first write (as the server creates collections)."""
        if name not in self._collections:
            self._collections[name] = CollectionState(f"{self._name}.{name}")
        return self._collections[name]

    def existing_state(self, name: str) -> CollectionState | None:
        """A collection's state if it exists; reads never create one."""
        return self._collections.get(name)

    def clear(self) -> None:
        """Every collection gone (what dropping the database does)."""
        self._collections.clear()

    # --- the database API -------------------------------------------------------------------

    async def list_collection_names(self, **options: Any) -> list[str]:
        if any(v is not None for v in options.values()):
            raise NotImplementedError("the fake store lists collections without options")
        return list(self._collections)

    async def drop_collection(self, name_or_collection: Any, **options: Any) -> dict[str, Any]:
        if any(v is not None for v in options.values()):
            raise NotImplementedError("the fake store drops collections without options")
        name = getattr(name_or_collection, "name", name_or_collection)
        self._collections.pop(str(name), None)
        return {"ok": 1.0}

    async def command(self, command: Any, value: Any = 1, **kwargs: Any) -> dict[str, Any]:
        if command == "ping":
            return {"ok": 1.0}
        if command == "count" and set(kwargs) <= {"query"}:
            state = self._collections.get(str(value))
            query = normalised(dict(kwargs.get("query") or {}))
            n = 0 if state is None else sum(matches(doc, query) for _, doc in state.docs.values())
            return {"n": n, "ok": 1.0}
        raise NotImplementedError(f"the fake store does not run the command {command!r}")


class FakeClient:
    """Databases by name, dropped with `drop_database`; nothing to connect or close."""

    def __init__(self) -> None:
        self._databases: dict[str, FakeDatabase] = {}

    def __getitem__(self, name: str) -> FakeDatabase:
        if name not in self._databases:
            self._databases[name] = FakeDatabase(name, self)
        return self._databases[name]

    def get_database(self, name: str) -> FakeDatabase:
        return self[name]

    async def list_database_names(self) -> list[str]:
        return [name for name, db in self._databases.items() if await db.list_collection_names()]

    async def drop_database(self, name_or_database: Any) -> None:
        """Handles on the database stay usable and see it empty, as with PyMongo."""
        self[str(getattr(name_or_database, "name", name_or_database))].clear()

    async def close(self) -> None:
        return None
