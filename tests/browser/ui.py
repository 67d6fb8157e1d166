"""What browser tests do as people do it: open the app in their own browser context (their own
cookies), sign up or in through the forms, and check each screen with axe-core and a
screenshot. Locators are by role and label, as a person finds things."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.harness import PASSWORD, Person, Stack

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


class Ui:
    def __init__(self, stack: Stack, browser: Browser, artefacts: Path) -> None:
        self.stack = stack
        self.browser = browser
        self.artefacts = artefacts
        self._contexts: list[BrowserContext] = []
        self.checked: list[str] = []

    async def page(self, viewport: dict[str, int] = DESKTOP) -> Page:
        """A fresh browser (its own cookie jar) on the app, as a new visitor."""
        context = await self.browser.new_context(
            base_url=self.stack.gateway_url,
            viewport=viewport,  # type: ignore[arg-type]
            bypass_csp=True,  # axe-core is injected as a script; the app itself runs under it
        )
        context.set_default_timeout(20_000)
        self._contexts.append(context)
        return await context.new_page()

    async def close(self) -> None:
        for context in self._contexts:
            await context.close()

    async def sign_in(self, page: Page, person: Person) -> None:
        await page.goto("/signin")
        await page.get_by_label("Email").fill(person.email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    async def signed_in(self, person: Person, viewport: dict[str, int] = DESKTOP) -> Page:
        page = await self.page(viewport)
        await self.sign_in(page, person)
        return page

    async def axe(self, page: Page, screen: str) -> None:
        """No serious or critical accessibility violation on what the page shows now."""
        if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
            await page.add_script_tag(path=str(AXE))
        results: dict[str, Any] = await page.evaluate(
            "() => window.axe.run(document, {resultTypes: ['violations']})"
        )
        blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING]
        described = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in blocking
        ]
        assert not blocking, f"{screen}: " + json.dumps(described, indent=1, ensure_ascii=False)
        self.checked.append(screen)

    async def shot(self, page: Page, screen: str, size: str) -> None:
        folder = self.artefacts / "screenshots" / size
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / f"{screen}.png"), full_page=True)

    async def check_screen(self, page: Page, screen: str) -> None:
        """axe and a screenshot at both sizes, then back to the desktop size."""
        for size, viewport in SIZES.items():
            await page.set_viewport_size(viewport)  # type: ignore[arg-type]
            await page.wait_for_timeout(50)  # one frame for the layout to settle
            await self.axe(page, f"{screen}@{size}")
            await self.shot(page, screen, size)
        await page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]

    async def until_shown(
        self,
        page: Page,
        locator: Locator,
        *,
        between: Callable[[], Awaitable[Any]] | None = None,
        timeout: float = 30.0,
    ) -> None:
        """Reload until `locator` shows (for what arrives through events, not the page's own
        request), running `between` (settling the platform) before each reload."""
        deadline = time.monotonic() + timeout
        while True:
            if between is not None:
                await between()
            await page.reload()
            try:
                await expect(locator.first).to_be_visible(timeout=2_000)
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise


def named(text: str) -> re.Pattern[str]:
    return re.compile(re.escape(text), re.IGNORECASE)
