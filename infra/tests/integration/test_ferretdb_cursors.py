"""Our FerretDB build closes a cursor nobody has read for the idle timeout, as MongoDB does, so
cursors left open by live clients can no longer drain the backend's connection pool and stop
the store. Checked on a second FerretDB of the same build, with a two-second timeout, against
the session's PostgreSQL."""

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jobfriends_shared.testing import Endpoints, repo_root, unique_name
from pymongo import MongoClient
from pymongo.errors import OperationFailure

pytestmark = pytest.mark.integration
IDLE_SECONDS = 2
CURSOR_NOT_FOUND = 43


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def short_lived_cursors(infra: Endpoints, tmp_path: Path) -> Iterator[str]:
    binary = repo_root() / ".infra" / "bin" / "ferretdb"
    if not binary.exists() or os.environ.get("JF_FERRETDB_BACKEND", "postgresql") != "postgresql":
        pytest.skip("the store here is not our FerretDB build on PostgreSQL")
    url = subprocess.run(
        [str(repo_root() / "infra" / "bin" / "postgres.sh"), "url"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip
    port = _free_port()
    process = subprocess.Popen(
        [
            str(binary),
            "--handler=postgresql",
            f"--postgresql-url={url}",
            f"--listen-addr=127.0.0.1:{port}",
            f"--state-dir={tmp_path}",
            "--telemetry=disable",
            "--debug-addr=-",
            "--log-level=warn",
        ],
        env={
            **os.environ,
            "DO_NOT_TRACK": "1",
            "JF_FERRETDB_CURSOR_IDLE_SECONDS": str(IDLE_SECONDS),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"mongodb://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_cursor_left_unread_is_closed_after_the_idle_timeout(short_lived_cursors: str) -> None:
    client: MongoClient[dict[str, object]] = MongoClient(
        short_lived_cursors, retryWrites=False, serverSelectionTimeoutMS=20_000
    )
    name = unique_name("cur")
    try:
        coll = client[name]["items"]
        coll.insert_many([{"_id": n} for n in range(5)])
        read_on = coll.find({}, batch_size=1)
        left = coll.find({}, batch_size=1)
        assert next(read_on)["_id"] == 0
        assert next(left)["_id"] == 0
        for _ in range(3):  # a cursor read now and then stays open...
            time.sleep(IDLE_SECONDS / 2)
            next(read_on)
        with pytest.raises(OperationFailure) as closed:  # ...one left alone does not
            next(left)
        assert closed.value.code == CURSOR_NOT_FOUND
    finally:
        client.drop_database(name)
        client.close()
