"""The web app's budgets (issue 18): what a first visit downloads, and how long a person waits
from pressing "Sign in" to the first post of their home feed.

- **First-load JavaScript**: the gzipped bytes of every script `index.html` loads (the entry
  and the chunks it preloads), as the gateway sends them, against the 150 kB budget. Screens
  other than sign-in are separate chunks fetched when visited.
- **Sign-in to first post**: in Debian's chromium (Playwright), a fresh browser (cold cache)
  opens the sign-in page, the person submits it, and the clock stops when the first post of
  the home feed is on screen; against a bare HTTP client doing the same two requests (token,
  then the feed) on the same platform in the same run. The ratio is what the browser, the
  app's code and its extra requests (the profile, the notifications, the screen's chunk) add
  to the API's own time.

    python -m bench web
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import httpx
from jobfriends_shared.testing import Endpoints, wait_for
from playwright.async_api import async_playwright, expect

from bench.report import Figure
from tests.harness import PASSWORD, Stack, running_stack

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
BUDGET_KB = 150.0
ROUNDS = 7
_STOPWATCH = """() => {
  document.addEventListener("submit", () => { window.__clicked = performance.now(); }, true);
  new MutationObserver((_, observer) => {
    if (document.querySelector("article.post")) {
      window.__firstPost = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { childList: true, subtree: true });
}"""
_SCRIPTS = re.compile(r'<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="/([^"]+\.js)"')


def build() -> None:
    subprocess.run(["make", "--no-print-directory", "web"], cwd=ROOT, check=True, timeout=900)


def first_load_kb() -> tuple[float, list[str]]:
    index = (DIST / "index.html").read_text(encoding="utf-8")
    scripts = sorted(set(_SCRIPTS.findall(index)))
    sizes = [(DIST / f"{name}.gz").stat().st_size for name in scripts]
    return sum(sizes) / 1000, scripts


async def _scene(stack: Stack) -> tuple[str, str]:
    """A person whose home feed holds a connection's post; their email and the post's text."""
    ana, ben = await stack.join("Ana"), await stack.join("Ben")
    sent = await stack.call(
        "POST",
        "/v1/connections/requests",
        ana,
        json={"to_user_id": ben.id, "note": "Both designers in Kreuzberg: coffee?"},
    )
    await stack.call("POST", f"/v1/connections/requests/{sent.json()['id']}/accept", ben)
    await stack.settle()
    text = "Tip: name your Figma layers #DesignHour"
    await stack.call("PATCH", "/v1/me", ana, json={"profession": "ux-designer"})
    await stack.call("POST", "/v1/posts", ben, json={"text": text})

    async def in_feed() -> bool:
        await stack.settle()
        return bool((await stack.call("GET", "/v1/feed", ana)).json()["items"])

    await wait_for(in_feed, timeout=30)
    return ana.email, text


async def _bare(stack: Stack, email: str) -> float:
    async with httpx.AsyncClient(base_url=stack.gateway_url) as client:
        started = time.perf_counter()
        tokens = await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
        auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        feed = await client.get("/v1/feed", headers=auth)
        assert feed.json()["items"], feed.text
        return time.perf_counter() - started


async def sign_in_to_first_post(endpoints: Endpoints, chromium: str) -> tuple[float, float]:
    browser_times: list[float] = []
    bare_times: list[float] = []
    async with (
        running_stack(endpoints, overrides={"gateway": {"web_dir": DIST}}) as stack,
        async_playwright() as playwright,
    ):
        email, text = await _scene(stack)
        browser = await playwright.chromium.launch(executable_path=chromium)
        for _ in range(ROUNDS):
            context = await browser.new_context(base_url=stack.gateway_url)
            page = await context.new_page()
            await page.goto("/signin")
            await page.get_by_label("Email").fill(email)
            await page.get_by_label("Password").fill(PASSWORD)
            # Timed inside the page (Playwright's own waits poll at 100 ms and more): from the
            # click on "Sign in" to the frame where the first post is in the document.
            await page.evaluate(_STOPWATCH)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_function("() => window.__firstPost", polling="raf")
            await expect(page.get_by_text(text)).to_be_visible()
            elapsed = await page.evaluate("() => window.__firstPost - window.__clicked")
            browser_times.append(float(elapsed) / 1000)
            await context.close()
            bare_times.append(await _bare(stack, email))
        await browser.close()
    return statistics.median(browser_times), statistics.median(bare_times)


async def budgets(endpoints: Endpoints) -> list[Figure]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    build()
    kb, scripts = first_load_kb()
    figures = [
        Figure(
            "web app first-load JavaScript (gzipped)",
            kb,
            "kB",
            BUDGET_KB,
            "the budget",
            target=1.0,
            higher_is_better=False,
            notes={"scripts": ", ".join(scripts)},
        )
    ]
    if chromium is None:
        print("no chromium: the sign-in timing needs Debian's chromium (apt-get install chromium)")
        return figures
    in_browser, bare = await sign_in_to_first_post(endpoints, chromium)
    figures.append(
        Figure(
            "sign-in to the home feed's first post, in the browser",
            in_browser * 1000,
            "ms",
            bare * 1000,
            "a bare HTTP client's token + feed requests",
            target=10.0,
            higher_is_better=False,
            notes={"rounds": ROUNDS, "statistic": "median", "browser cache": "cold each round"},
        )
    )
    return figures
