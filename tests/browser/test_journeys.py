"""The seeds' journeys, done in a real browser against the real platform: every step a person
takes is a click or a keystroke in the web app; the API is used only to set the scene (the
other people) and to let events settle between screens, never to do the person's part."""

from __future__ import annotations

from typing import Any

from jobfriends_shared.testing import wait_for
from playwright.async_api import Page, expect

from tests.browser.ui import PHONE, Ui, named
from tests.harness import Person, Stack

KREUZBERG = {"lat": 52.4986, "lon": 13.4030}


async def profile(stack: Stack, person: Person, **fields: Any) -> None:
    body = {"city": "Berlin", "time_zone": "Europe/Berlin", "neighbourhood": "Kreuzberg"}
    response = await stack.call(
        "PATCH", "/v1/me", person, json={**body, "location": KREUZBERG, **fields}
    )
    assert response.status_code == 200, response.text


async def designer(stack: Stack, name: str) -> Person:
    person = await stack.join(name)
    await profile(
        stack,
        person,
        profession="ux-designer",
        skills=["figma", "prototyping"],
        open_to=["collaborating", "new_friends"],
    )
    return person


async def connected(stack: Stack, a: Person, b: Person) -> None:
    """A connection, once matching has heard of both people (it refuses a request to someone
    it does not know yet)."""
    await stack.settle()
    await wait_for(lambda: stack.caught_up("matching", "identity.users"), timeout=30)
    sent = await stack.call(
        "POST",
        "/v1/connections/requests",
        a,
        json={"to_user_id": b.id, "note": "Both designers here: coffee?"},
    )
    assert sent.status_code == 201, sent.text
    accepted = await stack.call("POST", f"/v1/connections/requests/{sent.json()['id']}/accept", b)
    assert accepted.status_code == 200, accepted.text


async def settle_matching(stack: Stack) -> None:
    await stack.settle()
    matching = stack.runtime("matching")
    if "index-sync" in matching.jobs:
        await matching.run_job("index-sync")


async def sign_up(ui: Ui, page: Page, name: str, email: str) -> None:
    await page.goto("/")
    await expect(page).to_have_url(named("/signin"))
    await page.get_by_role("link", name="Create an account").click()
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("Kreuzberg-Design-2026")
    await ui.axe(page, "sign-up")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name="Your profile")).to_be_visible()


async def test_a_newcomer_onboards_and_connects_with_a_suggested_job_friend(ui: Ui) -> None:
    stack = ui.stack
    ben = await designer(stack, "Ben")
    page = await ui.page(PHONE)
    await sign_up(ui, page, "Ana", "ana.newcomer@example.org")

    await page.get_by_label("Profession", exact=True).select_option(label="UX designer")
    await page.get_by_label("Skills", exact=True).fill("figma, user research")
    await page.get_by_label("Interests", exact=True).fill("accessibility")
    await page.get_by_label("Neighbourhood in Berlin").select_option("Kreuzberg")
    await page.get_by_label("New job friends").check()
    await page.get_by_label("Collaborating").check()
    await page.get_by_label("Neighbourhood: who can see it").select_option("connections")
    await ui.axe(page, "onboarding")
    await page.get_by_role("button", name="Save and meet people").click()

    await expect(page.get_by_role("heading", name="People you should meet")).to_be_visible()
    connect = page.get_by_role("button", name="Connect with Ben")
    await ui.until_shown(page, connect, between=lambda: settle_matching(stack))
    await ui.axe(page, "matches")
    await connect.click()
    note = page.get_by_label("Your note to Ben")
    await expect(note).not_to_have_value("")  # drafted from what they share
    await note.fill("Both UX designers in Kreuzberg: swap portfolio reviews over coffee?")
    await page.get_by_role("button", name="Send request").click()
    await expect(page.get_by_text("Request sent to Ben.", exact=False)).to_be_visible()

    incoming = await stack.call(
        "GET", "/v1/connections/requests", ben, params={"direction": "incoming"}
    )
    notes = [r["note"] for r in incoming.json()["items"]]
    assert notes == ["Both UX designers in Kreuzberg: swap portfolio reviews over coffee?"]


async def test_a_job_seeker_asks_for_help_and_the_tribe_reacts(ui: Ui) -> None:
    stack = ui.stack
    ana, ben = await designer(stack, "Ana"), await designer(stack, "Ben")
    await connected(stack, ana, ben)
    await stack.settle()
    assert (await stack.call("PUT", f"/v1/tribe/{ana.id}", ben)).status_code == 200

    mine = await ui.signed_in(ana, PHONE)
    await mine.get_by_label("Share with your job friends").fill(
        "Third rejection this month. Could someone look at my #portfolio before Friday?"
    )
    await mine.get_by_label("Kind of post").select_option("help_request")
    await mine.get_by_role("button", name="Post", exact=True).click()
    await expect(mine.get_by_text("Posted.")).to_be_visible()

    theirs = await ui.signed_in(ben)
    support = theirs.get_by_role("button", name="Support (0)")
    await ui.until_shown(theirs, support, between=stack.settle)
    await ui.axe(theirs, "home")
    await support.click()
    await expect(theirs.get_by_role("button", name="Support (1)")).to_have_attribute(
        "aria-pressed", "true"
    )

    await ui.until_shown(mine, mine.get_by_role("button", name="Support (1)"), between=stack.settle)


async def test_a_capped_meetup_waitlists_the_second_then_promotes_them(ui: Ui) -> None:
    stack = ui.stack
    hana, ivo, ana = (
        await designer(stack, "Hana"),
        await designer(stack, "Ivo"),
        await designer(stack, "Ana"),
    )
    host = await ui.signed_in(hana)
    await host.goto("/events")
    await host.get_by_role("link", name="Host an event").click()
    await host.get_by_label("Title").fill("Design networking night")
    await host.get_by_label("Kind").select_option("networking")
    await host.get_by_label("Venue").fill("Café Kotti")
    await host.get_by_label("Neighbourhood").select_option("Kreuzberg")
    await host.get_by_label("Seats").fill("1")
    await ui.axe(host, "host-event")
    await host.get_by_role("button", name="Publish event").click()
    await expect(host.get_by_role("heading", name="Design networking night")).to_be_visible()
    event_url = host.url

    first = await ui.signed_in(ivo, PHONE)
    await first.goto(event_url)
    await first.get_by_role("button", name="Going").click()
    await expect(first.get_by_text("You are going.")).to_be_visible()

    second = await ui.signed_in(ana)
    await second.goto("/events")
    await second.get_by_role("link", name="Design networking night").click()
    await second.get_by_role("button", name="Going").click()
    await expect(second.get_by_text("You are on the waitlist, number 1.")).to_be_visible()
    await ui.axe(second, "event")

    await first.get_by_role("button", name="Not going").click()
    await expect(first.get_by_text("You have not answered yet.")).to_be_visible()
    await ui.until_shown(second, second.get_by_text("You are going."), between=stack.settle)


async def test_a_notification_arrives_live_without_a_reload(ui: Ui) -> None:
    stack = ui.stack
    ana, ben = await designer(stack, "Ana"), await designer(stack, "Ben")
    page = await ui.signed_in(ana)
    await expect(page.get_by_role("heading", name="Home")).to_be_visible()
    await page.wait_for_timeout(500)  # the stream is open once the page has settled
    sent = await stack.call(
        "POST",
        "/v1/connections/requests",
        ben,
        json={"to_user_id": ana.id, "note": "Both designers in Kreuzberg: coffee?"},
    )
    assert sent.status_code == 201, sent.text
    await stack.settle()
    await expect(page.get_by_test_id("unread-badge")).to_have_text("1", timeout=30_000)
    await page.get_by_role("link", name="Notifications, 1 unread").click()
    await expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    await ui.axe(page, "notifications")


async def test_a_blocked_person_disappears_from_every_screen(ui: Ui) -> None:
    stack = ui.stack
    ana, ben = await designer(stack, "Ana"), await designer(stack, "Ben")
    await connected(stack, ana, ben)
    posted = await stack.call("POST", "/v1/posts", ben, json={"text": "Ben's #figma tip"})
    assert posted.status_code == 201, posted.text

    page = await ui.signed_in(ana)
    await ui.until_shown(page, page.get_by_text("Ben's #figma tip"), between=stack.settle)
    await page.get_by_role("link", name="Ben", exact=True).first.click()
    await expect(page.get_by_role("heading", name="Ben", level=1)).to_be_visible()
    await ui.axe(page, "person")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Block").click()
    await expect(page.get_by_role("heading", name="Home")).to_be_visible()
    await stack.settle()

    for screen in ("/", "/connections", "/people", "/tags/figma"):
        await page.goto(screen)
        await page.wait_for_load_state("networkidle")
        await expect(page.get_by_text("Ben", exact=True)).to_have_count(0)
        await expect(page.get_by_text("Ben's #figma tip")).to_have_count(0)
    await page.goto(f"/people/{ben.id}")
    await expect(page.get_by_role("alert")).to_be_visible()


async def test_deleting_the_account_signs_out_and_the_person_is_gone(ui: Ui) -> None:
    stack = ui.stack
    ana, ben = await designer(stack, "Ana"), await designer(stack, "Ben")
    page = await ui.signed_in(ana, PHONE)
    await page.get_by_role("link", name="Settings").click()
    await ui.axe(page, "settings")
    delete = page.get_by_role("button", name="Delete my account")
    await expect(delete).to_be_disabled()
    await page.get_by_label("Type DELETE to confirm").fill("DELETE")
    await delete.click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    await page.goto("/")
    await expect(page).to_have_url(named("/signin"))  # the session is gone with the account
    await page.get_by_label("Email").fill(ana.email)
    await page.get_by_label("Password").fill("Kreuzberg-Design-2026")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await stack.settle()
    assert (await stack.call("GET", f"/v1/users/{ana.id}", ben)).status_code == 404
