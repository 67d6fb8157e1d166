"""Whatever a client puts in a PATCH, it gets an answer about its input, never a 500."""

import pytest
from events.schemas import EventPatch

from .conftest import Events

WRONG = [None, 0, 1.5, True, "", "x" * 5, [], ["a"], {}, {"a": 1}, {"$gt": ""}]


@pytest.mark.parametrize("field", sorted(EventPatch.model_fields))
async def test_any_value_of_any_event_field_is_saved_or_refused_by_name(
    events: Events, field: str
) -> None:
    event = await events.create("host")
    for value in WRONG:
        response = await events.call(
            "PATCH", f"/v1/events/{event['id']}", "host", json={field: value}
        )
        assert response.status_code in (200, 409, 422), (field, value, response.text)
        if response.status_code == 422:
            assert field in response.text, (field, value, response.text)
