"""HTTP API of the matching service (reached only through the gateway)."""

from fastapi import APIRouter, Depends
from jobfriends_shared.http import current_caller

from matching.api import connections, matches, tribe

router = APIRouter(dependencies=[Depends(current_caller)])
router.include_router(matches.router)
router.include_router(connections.router)
router.include_router(tribe.router)

__all__ = ["router"]
