"""HTTP API of the notifications service (reached only through the gateway)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["notifications"])
