"""HTTP API of the feed service (reached only through the gateway)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["feed"])
