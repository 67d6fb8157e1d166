"""Whatever a client puts in a PATCH, it gets an answer about its input, never a 500."""

import pytest
from events.schemas import EventPatch

from .conftest import Events


@pytest.mark.parametrize("field", sorted(EventPatch.model_fields))
async def test_any_value_of_any_event_field_is_saved_or_refused_by_name(
    events: Events, field: str
) -> None:
    event = await events.create("host")
    path = f"/v1/events/{event['id']}"
    await events.patch_every_wrong_value(path, "host", field, answers=(200, 409, 422))
