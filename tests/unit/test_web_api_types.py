"""The web app is typed from the API it calls: web/openapi.json is the gateway's merged document
(built in-process from the services' apps) and web/src/api/schema.d.ts is generated from it.
When a service changes its API, these fail until `make web-api` regenerates both, so the app's
compiler sees the change instead of a person in a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from gateway.openapi_snapshot import offline_document, rendered

WEB = Path(__file__).resolve().parents[2] / "web"
STALE = (
    "the web app's API types are stale: run `make web-api` and commit web/openapi.json and "
    "web/src/api/schema.d.ts"
)


def test_the_committed_openapi_is_the_gateways_document() -> None:
    committed = json.loads((WEB / "openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(rendered(offline_document())), STALE


def test_the_committed_types_are_generated_from_it(tmp_path: Path) -> None:
    generator = WEB / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists() or shutil.which("node") is None:
        pytest.skip("web/node_modules is not installed (make web installs it)")
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(generator), "openapi.json", "-o", str(out)],
        cwd=WEB,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert out.read_text(encoding="utf-8") == (WEB / "src/api/schema.d.ts").read_text(
        encoding="utf-8"
    ), STALE
