"""How routes reach the use cases built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from matching.service.connections import ConnectionService
from matching.service.suggestions import SuggestionService
from matching.service.tribe import TribeService


@dataclass(frozen=True)
class Services:
    suggestions: SuggestionService
    connections: ConnectionService
    tribe: TribeService


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.matching
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
