"""Whatever a client puts in a PATCH, it gets an answer about its input, never a 500."""

import pytest
from identity.api import ProfilePatch

from .conftest import Identity

WRONG = [None, 0, 1.5, True, "", "x" * 5, [], ["a"], {}, {"a": 1}, {"$gt": ""}]


@pytest.mark.parametrize("field", sorted(ProfilePatch.model_fields))
async def test_any_value_of_any_profile_field_is_saved_or_refused_by_name(
    identity: Identity, field: str
) -> None:
    ana = await identity.register(f"{field}@example.org")
    for value in WRONG:
        response = await identity.call("PATCH", "/v1/me", ana, json={field: value})
        assert response.status_code in (200, 422), (field, value, response.text)
        if response.status_code == 422:
            assert field in response.text, (field, value, response.text)
