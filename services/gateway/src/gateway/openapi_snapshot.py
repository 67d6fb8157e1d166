"""The merged API document built in-process, with no server running: the web app's types are
generated from it (`make web-api`), and a test compares it with the committed snapshot so the
app can never silently drift from the API it calls.

It builds each registry service's app from its fixed layout (`<name>.main.create_app`, the
`ServiceSettings` subclass in `<name>.settings`) without starting it (building opens no
connection), and merges their documents exactly as the running gateway does. It needs the
services installed beside the gateway, as they are in the workspace.

    python -m gateway.openapi_snapshot web/openapi.json
"""

from __future__ import annotations

import importlib
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from jobfriends_shared.registry import SERVICES
from jobfriends_shared.settings import InfraSettings, ServiceSettings

from gateway.api import own_openapi
from gateway.domain import RouteTable, merge_openapi
from gateway.main import create_app
from gateway.settings import GatewaySettings


def _service_document(name: str, infra: InfraSettings) -> dict[str, Any]:
    settings_module = importlib.import_module(f"{name}.settings")
    settings_class = next(
        value
        for value in vars(settings_module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    )
    app = importlib.import_module(f"{name}.main").create_app(settings_class(infra=infra))
    document: dict[str, Any] = app.openapi()
    return document


def offline_document() -> dict[str, Any]:
    infra = InfraSettings(JF_GATEWAY_SECRET=secrets.token_urlsafe(32))
    gateway = create_app(GatewaySettings(infra=infra, web_dir=None))
    services = {spec.name: _service_document(spec.name, infra) for spec in SERVICES}
    return merge_openapi(own_openapi(gateway), services, RouteTable())


def rendered(document: dict[str, Any]) -> str:
    """The committed form: stable key order, so a diff shows only what changed."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    text = rendered(offline_document())
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
