"""The seeds' journeys, done in a real browser against the real platform: every step a person
takes is a click or a keystroke in the web app; the API is used only to set the scene (the
other people) and to let events settle between screens, never to do the person's part."""

from __future__ import annotations

from typing import Any

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
    sent = await stack.call(
        "POST", "/v1/connections/requests", a, json={"to_user_id": b.id, "note": "Coffee?"}
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
