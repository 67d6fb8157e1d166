"""The whole platform, in process, on the real broker and store, reached through the gateway."""

from collections.abc import AsyncIterator

import pytest
from jobfriends_shared.testing import Endpoints

from tests.harness import Stack, running_stack


@pytest.fixture
async def stack(infra: Endpoints) -> AsyncIterator[Stack]:
    async with running_stack(infra) as running:
        yield running
