"""The fake store keeps the promises in `jobfriends_shared.fakes.contract`; the same scenarios
run on the real store in `shared/tests/integration/test_fake_store_contract.py`."""

import pytest
from jobfriends_shared.fakes import FakeDatabase
from jobfriends_shared.fakes.contract import SCENARIOS, Scenario


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_the_fake_store_keeps_its_contract(name: str) -> None:
    run: Scenario = SCENARIOS[name]
    await run(FakeDatabase())
