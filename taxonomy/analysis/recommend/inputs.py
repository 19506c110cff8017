"""What a recommendation is asked with: the defaults, and every input checked
before anything is computed (``RecommendationError`` names the field)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real

import numpy as np

from taxonomy.analysis.compiled import CoverageModel, coverage_model
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario

TODAY = Scenario(maturities=frozenset({"deployed"}))
DEFAULT_TIME_LIMIT = 30.0
# Equally good sets looked for beyond the chosen one: each costs a solve, and
# on an ATLAS-sized problem one solve can take a second.
EQUALLY_GOOD_LIMIT = 5


def _number(value, what: str, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise RecommendationError(field_name, f"{what} must be a number, got {value!r}")
    value = float(value)
    if math.isnan(value):
        raise RecommendationError(field_name, f"{what} must be a number, got nan")
    return value


def checked_budget(budget) -> float:
    """A budget as a float ≥ 0 (``inf`` for no limit), or ``RecommendationError``.

    >>> checked_budget(2), checked_budget(float("inf"))
    (2.0, inf)
    >>> checked_budget(-1)
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.RecommendationError: the budget must be ≥ 0, got -1.0
    """
    value = _number(budget, "the budget", "budget")
    if value < 0:
        raise RecommendationError("budget", f"the budget must be ≥ 0, got {value}")
    return value


def checked_costs(
    model: CoverageModel, costs: Mapping[str, object] | None
) -> np.ndarray:
    """Per mitigation (model order) its cost: positive and finite, 1 when unnamed.

    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "pilot"),)))
    >>> checked_costs(model, {"a": 2.5}).tolist(), checked_costs(model, None).tolist()
    ([2.5], [1.0])
    >>> checked_costs(model, {"a": 0})
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.RecommendationError: the cost of a must be a positive finite number, got 0.0
    """
    out = np.ones(len(model.mitigations))
    costs = dict(costs or {})
    unknown = sorted(set(costs) - set(model.mitigation_index))
    if unknown:
        raise RecommendationError(
            "costs", f"costs name unknown mitigations: {', '.join(unknown)}"
        )
    for mitigation, raw in sorted(costs.items()):
        value = _number(raw, f"the cost of {mitigation}", "costs")
        if not 0 < value < math.inf:
            raise RecommendationError(
                "costs",
                f"the cost of {mitigation} must be a positive finite number, "
                f"got {value}",
            )
        out[model.mitigation_index[mitigation]] = value
    return out


def checked_weights(
    model: CoverageModel, weights: Mapping[str, object] | None
) -> np.ndarray:
    """Per threat (model order) its weight in the objective: a positive integer,
    1 when unnamed.

    >>> from taxonomy.domain.records import Threat
    >>> model = coverage_model(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B"))))
    >>> checked_weights(model, {"b": 3}).tolist()
    [1, 3]
    >>> checked_weights(model, {"a": 0.5})
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.RecommendationError: the weight of a must be a positive integer, got 0.5
    """
    out = np.ones(len(model.threats), dtype=np.int64)
    index = {t: i for i, t in enumerate(model.threats)}
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(index))
    if unknown:
        raise RecommendationError(
            "threat_weights", f"weights name unknown threats: {', '.join(unknown)}"
        )
    for threat, raw in sorted(weights.items()):
        if (
            isinstance(raw, bool)
            or not isinstance(raw, Real)
            or raw != int(raw)
            or raw < 1
        ):
            raise RecommendationError(
                "threat_weights",
                f"the weight of {threat} must be a positive integer, got {raw!r}",
            )
        out[index[threat]] = int(raw)
    return out


def checked_limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise RecommendationError(
            "equally_good_limit",
            f"the limit of equally good sets must be an integer ≥ 1, got {limit!r}",
        )
    return limit


def checked_time_limit(time_limit) -> float:
    value = _number(time_limit, "the time limit", "time_limit")
    if not value > 0:
        raise RecommendationError(
            "time_limit", f"the time limit must be positive, got {value}"
        )
    return value


def as_model(taxonomy: Taxonomy | CoverageModel) -> CoverageModel:
    return taxonomy if isinstance(taxonomy, CoverageModel) else coverage_model(taxonomy)
