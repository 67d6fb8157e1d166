"""Documents that expire: a TTL index where the store has them, the hourly delete where it has
not (FerretDB 1.24) — checked against the real store."""

from datetime import UTC, datetime, timedelta

import pytest
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.expiry import Expiries
from jobfriends_shared.mongo import Database

pytestmark = pytest.mark.integration


async def test_expired_documents_go_and_the_rest_stay(probe_db: Database) -> None:
    clock = ControlledClock(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    expiries = Expiries(probe_db, clock)
    expiries.add("markers", "at", timedelta(days=14))
    await expiries.ensure()
    now = clock.now()
    await probe_db["markers"].insert_many(
        [
            {"_id": "old", "at": now - timedelta(days=15)},
            {"_id": "young", "at": now - timedelta(days=13)},
        ]
    )
    if expiries.by_hand:  # FerretDB: no TTL indexes, so the job deletes
        assert await expiries.purge() == 1
        assert [d["_id"] for d in await probe_db["markers"].find().to_list()] == ["young"]
    else:  # MongoDB: the server expires them itself, from the TTL index
        indexes = await probe_db["markers"].index_information()
        assert any(i.get("expireAfterSeconds") == 14 * 86_400 for i in indexes.values())
        assert await expiries.purge() == 0
