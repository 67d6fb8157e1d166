"""Session-wide fixtures: the real broker and store every integration test runs against."""

from collections.abc import Iterator

import pytest
from jobfriends_shared.testing import Endpoints, session_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[Endpoints]:
    yield from session_infra()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under an `integration/` folder needs the real servers, and so does any test
    that asks for them through the `infra` fixture (the system tests): mark it so
    `make test-fast` can leave it out."""
    for item in items:
        needs_servers = "infra" in getattr(item, "fixturenames", ())
        if "integration" in item.path.parts or needs_servers:
            item.add_marker(pytest.mark.integration)
