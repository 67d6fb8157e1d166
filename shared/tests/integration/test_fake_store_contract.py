"""The scenarios the fake store keeps (`jobfriends_shared.fakes.contract`), on the real store:
where they disagree, the store is right and the fake must change."""

import pytest
from jobfriends_shared.fakes.contract import SCENARIOS, Scenario
from jobfriends_shared.mongo import Database


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_the_real_store_answers_as_the_fake_does(probe_db: Database, name: str) -> None:
    run: Scenario = SCENARIOS[name]
    await run(probe_db)
