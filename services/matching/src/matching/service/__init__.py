"""Matching's use cases: suggestions, connections, tribes, nudges and the projections they read;
`Services` bundles them as the composition root (`main.wire`) builds them."""

from __future__ import annotations

from dataclasses import dataclass

from matching.service.activity import ActivityService
from matching.service.connections import ConnectionService
from matching.service.live import LiveIndex
from matching.service.nudges import NudgeService
from matching.service.outcomes import Outcomes
from matching.service.projections import ProjectionService
from matching.service.suggestions import SuggestionService
from matching.service.tribe import TribeService
from matching.service.upkeep import Upkeep


@dataclass(frozen=True)
class Services:
    live: LiveIndex
    suggestions: SuggestionService
    outcomes: Outcomes
    connections: ConnectionService
    tribe: TribeService
    nudges: NudgeService
    projections: ProjectionService
    activity: ActivityService
    upkeep: Upkeep
