"""Work a dying process leaves half done is finished later: a place taken in the arrival log
but never announced, an event saved but not yet put on the grid."""

from datetime import timedelta

from .conftest import Events


async def test_a_place_taken_by_a_request_that_died_is_seated_by_the_next_settling(
    events: Events,
) -> None:
    created = await events.create("host", capacity=2)
    event_id = created["id"]
    await events.rsvp(event_id, "a")
    # a request that appended its claim and died before deciding anything
    store = events.services.rsvps.store
    await store.append_claim(event_id, "ghost", 0, events.clock.now())
    await events.rsvp(event_id, "b")  # third arrival: waits behind the ghost
    events.clock.advance(timedelta(minutes=2))
    await events.rsvp(event_id, "a", "not_going")

    going = await events.call("GET", f"/v1/events/{event_id}/attendees", "x")
    assert [i["user_id"] for i in going.json()["items"]] == ["ghost", "b"]
    promoted = await events.wait_published(1, "waitlist.promoted")
    assert promoted[0].payload["user_id"] == "b"


async def test_an_event_saved_but_not_indexed_is_put_on_the_grid_by_the_repair_job(
    events: Events,
) -> None:
    created = await events.create("host", title="Half indexed")
    grid = events.services.ctx.repo.grid
    # as if the process died between saving the event and updating the grid
    await grid.remove(created["id"], created_cell := (await _cell(events, created["id"])))
    await events.db["events"].update_one(
        {"_id": created["id"]}, {"$set": {"geo_pending": True, "geo_cell": None}}
    )
    near = {"near": "52.52,13.405"}
    assert (await events.call("GET", "/v1/events", "v", params=near)).json()["items"] == []

    run = events.app.state.runtime.run_job
    assert await run("geo-repair") == 0  # too fresh: its writer may still be at work
    events.clock.advance(timedelta(minutes=2))
    assert await run("geo-repair") == 1
    found = (await events.call("GET", "/v1/events", "v", params=near)).json()["items"]
    assert [i["title"] for i in found] == ["Half indexed"]
    assert await _cell(events, created["id"]) == created_cell
    assert await run("geo-repair") == 0


async def _cell(events: Events, event_id: str) -> str:
    doc = await events.db["events"].find_one({"_id": event_id})
    assert doc is not None
    return str(doc["geo_cell"])
