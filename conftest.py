"""Session-wide fixtures: the real broker and store every integration test runs against."""

from collections.abc import Iterator

import pytest
from jobfriends_shared.testing import Endpoints, session_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[Endpoints]:
    yield from session_infra()
