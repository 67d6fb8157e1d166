"""How routes reach the use cases built by the composition root."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from matching.service import Services


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
