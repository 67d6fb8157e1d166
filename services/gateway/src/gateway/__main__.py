"""`python -m gateway`: one uvicorn process; run more of them behind a load balancer to scale."""

from __future__ import annotations

import logging

from jobfriends_shared.runtime import serve

from gateway.main import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    # httpx logs every forwarded request at INFO: on the hot path that doubles the log volume
    # (uvicorn's access log already records each request), so keep only its warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    serve(create_app(settings), settings, "gateway")


if __name__ == "__main__":
    main()
