"""The web app's files, served at `/` by the gateway (so the app and the API share one origin:
cookies stay first-party, no CORS, one URL to open).

- Hashed build outputs (`/assets/name-<hash>.js`) never change under their name, so they are
  cached for a year (`immutable`); `index.html` is revalidated on every load (`no-cache`), so a
  new build reaches people on their next visit.
- A path that is no file is one of the app's own screens (`/events/42`): it gets `index.html`
  and the app's router draws it. The API's own prefixes are never answered this way, so a
  mistyped API path is a JSON 404, not a page.
- Files built with a `.gz` twin are sent compressed to clients that accept gzip.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI, Request
from jobfriends_shared.errors import NotFound
from starlette.responses import FileResponse, Response

API_PREFIXES = ("v1", "docs", "health", ".well-known", "openapi.json", "metrics")
YEAR = 365 * 24 * 60 * 60
_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": _CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def is_api_path(path: str) -> bool:
    first = path.lstrip("/").split("/", 1)[0]
    return first in API_PREFIXES


def _file_in(root: Path, path: str) -> Path | None:
    """The file `path` names inside `root`, never outside it (no `..`, no symlink escapes)."""
    if not path or "\x00" in path:
        return None
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _send(file: Path, request: Request, headers: dict[str, str]) -> Response:
    gz = file.with_name(file.name + ".gz")
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "")
    headers = {**headers, "Vary": "Accept-Encoding"}
    if accepts_gzip and gz.is_file():
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        headers["Content-Encoding"] = "gzip"
        return FileResponse(gz, media_type=media_type, headers=headers)
    return FileResponse(file, headers=headers)


def install_web_app(app: FastAPI, root: Path | None) -> None:
    """Add the catch-all route; call it last, after every other route is in place."""
    if root is None:
        return
    root = root.resolve()
    index = root / "index.html"

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def web_app(path: str, request: Request) -> Response:
        if is_api_path(path):
            raise NotFound("no such endpoint")
        file = _file_in(root, path)
        if file is not None and file != index:
            hashed = path.startswith("assets/")
            cache = f"public, max-age={YEAR}, immutable" if hashed else "no-cache"
            headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
            return _send(file, request, headers)
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            raise NotFound("no such file")  # a missing file, not a screen of the app
        if not index.is_file():
            raise NotFound("the web app is not built (run: make web)")
        return _send(index, request, _PAGE_HEADERS)
