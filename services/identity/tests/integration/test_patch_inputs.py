"""Whatever a client puts in a PATCH, it gets an answer about its input, never a 500."""

import pytest
from identity.api import ProfilePatch

from .conftest import Identity


@pytest.mark.parametrize("field", sorted(ProfilePatch.model_fields))
async def test_any_value_of_any_profile_field_is_saved_or_refused_by_name(
    identity: Identity, field: str
) -> None:
    ana = await identity.register(f"{field}@example.org")
    await identity.patch_every_wrong_value("/v1/me", ana, field)
