"""Session-wide fixtures: the real broker and store every integration test runs against."""

from collections.abc import Iterator

import pytest
from jobfriends_shared.testing import Endpoints, session_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[Endpoints]:
    yield from session_infra()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under an `integration/` folder needs the real servers: mark it so
    `make test-unit` can leave it out."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.integration)
