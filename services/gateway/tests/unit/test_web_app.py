"""The web app at `/`: cached hashed files, the app's screens by fallback, the API untouched."""

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gateway.testing import FakeServices, Harness, running_gateway

INDEX = "<!doctype html><title>JobFriends</title><div id=root></div>"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(b"console.log('app')"))
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


@pytest.fixture
async def gw(fakes: FakeServices, built: Path) -> AsyncIterator[Harness]:
    async with running_gateway(fakes, web_dir=built) as harness:
        yield harness


async def test_the_app_is_served_at_the_root_and_revalidated(gw: Harness) -> None:
    response = await gw.client.get("/")
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("screen", ["/events/42", "/people/ana", "/settings"])
async def test_the_apps_screens_fall_back_to_the_page(gw: Harness, screen: str) -> None:
    response = await gw.client.get(screen)
    assert response.status_code == 200
    assert response.text == INDEX


async def test_hashed_assets_are_cached_for_a_year_and_sent_compressed(gw: Harness) -> None:
    response = await gw.client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == "console.log('app')"  # httpx undid the gzip
    assert "javascript" in response.headers["content-type"]


async def test_unhashed_files_are_revalidated(gw: Harness) -> None:
    response = await gw.client.get("/favicon.svg")
    assert response.headers["cache-control"] == "no-cache"


async def test_a_missing_file_is_404_not_the_page(gw: Harness) -> None:
    assert (await gw.client.get("/assets/index-old999.js")).status_code == 404
    assert (await gw.client.get("/robots.txt")).status_code == 404


@pytest.mark.parametrize("path", ["/v1/nothing-here", "/health/nope", "/.well-known/other"])
async def test_the_api_is_never_shadowed_by_the_page(gw: Harness, path: str) -> None:
    response = await gw.client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


async def test_docs_health_and_keys_still_answer(gw: Harness) -> None:
    assert "swagger" in (await gw.client.get("/docs")).text.lower()
    assert (await gw.client.get("/health/live")).status_code == 200
    assert (await gw.client.get("/.well-known/jwks.json")).json()["keys"]
    assert (await gw.client.get("/v1/me", headers=gw.auth())).json()["service"] == "identity"


async def test_nothing_outside_the_build_is_served(gw: Harness, built: Path) -> None:
    (built.parent / "secret.txt").write_text("no")
    response = await gw.client.get("/%2e%2e/secret.txt")
    assert response.text != "no"
    assert response.status_code == 404


async def test_without_a_build_there_is_no_page(fakes: FakeServices) -> None:
    async with running_gateway(fakes, web_dir=None) as gw:
        assert (await gw.client.get("/")).status_code == 404
