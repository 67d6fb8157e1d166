"""A gateway in front of fake services, with a controlled clock, for every unit test."""

from collections.abc import AsyncIterator

import pytest
from gateway.testing import FakeServices, Harness, Signer, running_gateway


@pytest.fixture
def fakes() -> FakeServices:
    return FakeServices(published=[Signer.generate("key-1")])


@pytest.fixture
async def gw(fakes: FakeServices) -> AsyncIterator[Harness]:
    async with running_gateway(fakes) as harness:
        yield harness
