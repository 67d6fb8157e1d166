"""Every screen, with real content, at a 390x844 phone and a 1280x800 desktop: axe-core finds
no serious or critical violation on any of them, and a screenshot of each is kept in
web/test-results/screenshots/{phone,desktop}/ (git-ignored test artefacts)."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Page, expect

from tests.browser.test_journeys import connected, designer, settle_matching
from tests.browser.ui import Ui


async def test_every_screen_at_phone_and_desktop_size(ui: Ui) -> None:
    stack = ui.stack
    ana, ben, cem = (
        await designer(stack, "Ana"),
        await designer(stack, "Ben"),
        await designer(stack, "Cem"),
    )
    await connected(stack, ana, ben)
    assert (await stack.call("PUT", f"/v1/tribe/{ben.id}", ana)).status_code == 200
    sent = await stack.call(
        "POST",
        "/v1/connections/requests",
        cem,
        json={"to_user_id": ana.id, "note": "Loved your #DesignHour talk: coffee in Kreuzberg?"},
    )
    assert sent.status_code == 201, sent.text
    post = await stack.call(
        "POST",
        "/v1/posts",
        ben,
        json={"text": "Tip: name your Figma layers. #DesignHour", "kind": "tip"},
    )
    assert post.status_code == 201, post.text
    group = await stack.call(
        "POST", "/v1/groups", ben, json={"name": "Berlin UX designers", "city": "Berlin"}
    )
    assert group.status_code == 201, group.text
    starts = (stack.clock.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    event = await stack.call(
        "POST",
        "/v1/events",
        ben,
        json={
            "title": "Portfolio review night",
            "kind": "meetup",
            "city": "Berlin",
            "neighbourhood": "Kreuzberg",
            "location": {"lat": 52.5, "lon": 13.41},
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "time_zone": "Europe/Berlin",
            "capacity": 12,
        },
    )
    assert event.status_code == 201, event.text
    await settle_matching(stack)

    anonymous = await ui.page()
    await anonymous.goto("/signin")
    await expect(anonymous.get_by_role("heading", name="Sign in")).to_be_visible()
    await ui.check_screen(anonymous, "sign-in")
    await anonymous.goto("/signup")
    await expect(anonymous.get_by_role("heading", name="Join JobFriends")).to_be_visible()
    await ui.check_screen(anonymous, "sign-up")

    page = await ui.signed_in(ana)

    async def visit(path: str, screen: str, shows: str) -> Page:
        await page.goto(path)
        await expect(page.get_by_text(shows).first).to_be_visible()
        await page.wait_for_load_state("networkidle")
        await ui.check_screen(page, screen)
        return page

    await visit("/", "home", "Tip: name your Figma layers.")
    await page.get_by_role("button", name="Comments (0)").click()
    await expect(page.get_by_label("Write a comment")).to_be_visible()
    await ui.check_screen(page, "home-comments")
    await visit("/welcome", "profile", "I am open to")
    await visit("/people", "matches", "People you should meet")
    await visit("/requests", "requests", "Loved your #DesignHour talk")
    await visit("/connections", "connections", "Your tribe")
    await visit(f"/people/{ben.id}", "person", "Tip: name your Figma layers.")
    await visit("/tags/designhour", "hashtag", "Tip: name your Figma layers.")
    await visit("/groups", "groups", "Berlin UX designers")
    await visit(f"/groups/{group.json()['id']}", "group", "Join group")
    await visit("/events", "events", "Portfolio review night")
    await visit(f"/events/{event.json()['id']}", "event", "Who is going")
    await visit("/events/new", "host-event", "Publish event")
    await visit("/notifications", "notifications", "Notifications")
    await visit("/settings", "settings", "Delete your account")
    assert len(ui.checked) == 2 * 17
