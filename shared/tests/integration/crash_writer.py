"""Run as a separate process: stage an event, maybe write the state change, then die hard.

`os._exit` skips every cleanup, as a killed process would, so the test sees exactly what a crash
between the steps leaves behind.
"""

import asyncio
import os
import sys
from datetime import UTC, datetime

from jobfriends_shared.clock import SystemClock
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.outbox import Outbox, marked


async def main(url: str, database: str, prefix: str, die_after: str) -> None:
    client = mongo_client(url, "crash-writer")
    db = client[database]
    outbox = Outbox(db, SystemClock(), prefix)
    user_id = "u-crash"
    event = build_event(
        UserRegistered(user_id=user_id, email="crash@example.org", display_name="Crash"),
        producer="probe",
        occurred_at=datetime.now(UTC),
    )
    print(event.id, flush=True)
    unit = await outbox.stage(
        [event], topic="identity.users", collection="users", aggregate_id=user_id
    )
    if die_after == "stage":
        os._exit(17)
    await db["users"].insert_one({"_id": user_id, "name": "Crash", **marked(unit)})
    os._exit(17)  # dies after the state change, before commit and publish


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
