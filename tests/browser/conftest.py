"""Browser tests: the built web app, served by the gateway of the whole platform in process
(tests/harness.py, on the real broker and store), driven in Debian's chromium by Playwright.

Playwright cannot download its own browsers here, so the system chromium is launched by path;
when it is missing and we are root (as CI is), it is installed with apt-get. The web app is
built first (`make web`: npm ci from the lock file, then Vite) when its build is missing or
older than its sources. Screenshots of every screen at phone and desktop size are written to
web/test-results/screenshots/ (git-ignored), as test artefacts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from jobfriends_shared.testing import Endpoints
from playwright.async_api import Browser, async_playwright

from tests.browser.ui import Ui
from tests.harness import Stack, running_stack

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_NAMES = ("chromium", "chromium-browser")


def _chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _install_chromium() -> str | None:
    """Debian's chromium, installed once by apt-get when we may (root, apt-get present)."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run(command, check=False, env=env, capture_output=True, timeout=900)
    return _chromium()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium() or _install_chromium()
    if path is None:
        pytest.skip("no chromium: install Debian's chromium (apt-get install chromium) as root")
    return path


@pytest.fixture(scope="session")
def web_built() -> Path:
    if shutil.which("npm") is None:
        pytest.skip("no npm: the web app cannot be built (install Node.js 20+)")
    subprocess.run(["make", "--no-print-directory", "web"], cwd=ROOT, check=True, timeout=900)
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").is_file()
    return dist


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path)
        yield launched
        await launched.close()


@pytest.fixture
async def stack(infra: Endpoints, web_built: Path) -> AsyncIterator[Stack]:
    async with running_stack(infra, overrides={"gateway": {"web_dir": web_built}}) as running:
        yield running


@pytest.fixture
async def ui(stack: Stack, browser: Browser) -> AsyncIterator[Ui]:
    helper = Ui(stack, browser, ROOT / "web" / "test-results")
    yield helper
    await helper.close()
