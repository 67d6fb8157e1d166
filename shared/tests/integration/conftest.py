"""A bare service runtime (no HTTP) wired to the real broker and store, for plumbing tests."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.kafka import ensure_topics
from jobfriends_shared.mongo import Database, mongo_client
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.settings import ServiceSettings
from jobfriends_shared.testing import Endpoints, settings_for, unique_name
from pydantic_settings import SettingsConfigDict


class ProbeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROBE_", extra="ignore")


def registered(n: int) -> Envelope:
    payload = UserRegistered(user_id=f"u{n}", email=f"u{n}@example.org", display_name=f"U {n}")
    return build_event(payload, producer="probe", occurred_at=datetime.now(UTC))


@pytest.fixture
def probe_settings(infra: Endpoints) -> ProbeSettings:
    return settings_for(ProbeSettings, infra, unique_name())


@pytest.fixture
async def probe_db(probe_settings: ProbeSettings) -> AsyncIterator[Database]:
    client = mongo_client(probe_settings.infra.mongodb_url, "probe-tests")
    yield client[probe_settings.database]
    await client.drop_database(probe_settings.database)
    await client.close()


@pytest.fixture
def runtime(probe_settings: ProbeSettings) -> Runtime:
    return Runtime("probe", probe_settings)


@pytest.fixture
async def topics(probe_settings: ProbeSettings) -> str:
    """Creates the catalogue's topics under this test's prefix; returns the prefix."""
    await ensure_topics(
        probe_settings.infra.kafka_bootstrap_servers, probe_settings.infra.topic_prefix
    )
    return probe_settings.infra.topic_prefix


@pytest.fixture
async def raw_producer(infra: Endpoints) -> AsyncIterator[Any]:
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka, enable_idempotence=True)
    await producer.start()
    yield producer
    await producer.stop()
