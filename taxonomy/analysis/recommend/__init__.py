"""What to adopt next: the candidate set that addresses the most threats on a budget.

Each module imports only those above it in this list:

- ``inputs``: the defaults, and the checks of what a caller gives;
- ``problem``: a starting scenario's choice indexed for the solvers, and the
  analysis every answer is checked by;
- ``milp``: the MILP, built and solved;
- ``rule``: the one rule that picks a set (objective, threats introduced,
  cost, names), the equally good sets, the repair of the solver's tolerance;
- ``greedy``: the greedy order (largest gain per cost next);
- ``recommendation``: ``recommend``, the rule's set within a budget;
- ``frontier``: every budget where that set changes;
- ``where``: candidates that say where (``M@J``): in one jurisdiction, and
  over the places for the mobile threats.
"""

from __future__ import annotations

from taxonomy.analysis.recommend.frontier import (
    FRONTIER_EXACT_LIMIT,
    FrontierStep,
    frontier,
)
from taxonomy.analysis.recommend.greedy import GreedyStep, greedy_order
from taxonomy.analysis.recommend.inputs import (
    DEFAULT_TIME_LIMIT,
    EQUALLY_GOOD_LIMIT,
    TODAY,
    checked_budget,
    checked_costs,
    checked_weights,
)
from taxonomy.analysis.recommend.recommendation import Recommendation, recommend
from taxonomy.analysis.recommend.rule import OPTIMAL, EquallyGood
from taxonomy.analysis.recommend.where import (
    PLACES_SEARCH_LIMIT,
    PlacesRecommendation,
    in_jurisdiction,
    recommend_places,
)

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "EQUALLY_GOOD_LIMIT",
    "FRONTIER_EXACT_LIMIT",
    "OPTIMAL",
    "PLACES_SEARCH_LIMIT",
    "PlacesRecommendation",
    "TODAY",
    "EquallyGood",
    "FrontierStep",
    "GreedyStep",
    "Recommendation",
    "checked_budget",
    "checked_costs",
    "checked_weights",
    "frontier",
    "greedy_order",
    "in_jurisdiction",
    "recommend",
    "recommend_places",
]
