"""HTTP API of the matching service (reached only through the gateway)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["matching"])
