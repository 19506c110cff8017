"""The world view (issue 25): every threat seen over the places, no
jurisdiction in particular (see ``analysis.jurisdictions`` for the rules).

The world view ranges over the *places*: the states and blocs with no member
recorded on ``as_of`` (a bloc whose members are recorded is seen through
them; a multilateral body binds its members and is not a place of its own). A
threat's *weakest place* has the lowest coverage there; ties go to the lower
class (``CLASSES`` order), then to the first id. A *mobile* threat's world
coverage and class are those of its weakest place (its actors move there);
every threat also gets the share of places where it is addressed, by count
and, when every place has a weight (and they do not sum to 0), by weight.
With no place at all the world view is the scenario's analysis as it is today.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from dataclasses import dataclass, replace

import numpy as np

from taxonomy.analysis.compiled import (
    CoverageModel,
    check_scenario,
    enabled_mask,
)
from taxonomy.analysis.jurisdictions import (
    JurisdictionCoverage,
    coverage_by_jurisdiction,
    places,
    threat_rows,
)
from taxonomy.analysis.model import CLASSES, class_counts
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.scenario import Scenario


@dataclass(frozen=True, slots=True)
class WorldThreat:
    """One threat in the world view.

    ``weakest`` is the place where its coverage is lowest (None with no
    place); ``coverage`` and ``coverage_class`` are those there, which for a
    ``mobile`` threat are its world figures. ``addressed_in`` of ``places``
    places address it; ``share`` is that as a fraction and ``weighted_share``
    by weight (None when some place has no weight, or with no place).
    """

    id: str
    mobile: bool
    weakest: str | None
    coverage: float
    coverage_class: str
    addressed_in: int
    places: int
    share: float | None
    weighted_share: float | None


@dataclass(frozen=True, eq=False)
class WorldView:
    """The world view of every threat, as arrays in the model's threat order.

    ``weakest[t]`` indexes ``places`` (-1 with no place); ``per_place`` holds
    every place's coverage and classes (None with no place).
    """

    scenario: Scenario
    as_of: datetime.date | None
    places: tuple[str, ...]
    weights: np.ndarray | None
    threats: tuple[str, ...]
    mobile: np.ndarray
    weakest: np.ndarray
    coverage: np.ndarray
    classes: np.ndarray
    addressed_in: np.ndarray
    share: np.ndarray | None
    weighted_share: np.ndarray | None
    per_place: JurisdictionCoverage | None

    def threat(self, threat_id: str) -> WorldThreat:
        """The world view of one threat; ``KeyError`` if there is none."""
        t = bisect_left(self.threats, threat_id)
        if t == len(self.threats) or self.threats[t] != threat_id:
            raise KeyError(threat_id)
        w = int(self.weakest[t])
        return WorldThreat(
            id=threat_id,
            mobile=bool(self.mobile[t]),
            weakest=self.places[w] if w >= 0 else None,
            coverage=float(self.coverage[t]),
            coverage_class=CLASSES[self.classes[t]],
            addressed_in=int(self.addressed_in[t]),
            places=len(self.places),
            share=None if self.share is None else float(self.share[t]),
            weighted_share=None
            if self.weighted_share is None
            else float(self.weighted_share[t]),
        )

    @property
    def mobile_summary(self) -> dict[str, int]:
        """Mobile threats per class in their weakest place."""
        return class_counts(self.classes[self.mobile])


def weakest_places(coverage: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Per column (threat), the row (place) with the lowest coverage; ties go
    to the lower class, then to the first row.

    >>> weakest_places(np.array([[0.5, 0.0], [0.5, 0.0], [0.7, 0.0]]),
    ...                np.array([[1, 1], [1, 0], [2, 1]])).tolist()
    [0, 1]
    """
    n_rows, n_cols = coverage.shape
    if not n_cols:
        return np.zeros(0, dtype=np.int64)
    rows = np.broadcast_to(np.arange(n_rows), (n_cols, n_rows))
    return np.lexsort((rows, classes.T, coverage.T))[:, 0]


def world_view(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    *,
    as_of: datetime.date | None = None,
    per_jurisdiction: JurisdictionCoverage | None = None,
) -> WorldView:
    """Every threat seen from no jurisdiction in particular (see the module's rules).

    Parameters
    ----------
    model : CoverageModel
    geography : Geography
    scenario : Scenario
    as_of : datetime.date or None
    per_jurisdiction : JurisdictionCoverage, optional
        A run of the same scenario and date holding every place, reused
        instead of computing the places again.

    Returns
    -------
    WorldView

    >>> from taxonomy.analysis.examples import one_link_in_us
    >>> model, geo = one_link_in_us(weights=(75, 25), mobile=True)
    >>> t = world_view(model, geo, Scenario()).threat("t")
    >>> t.weakest, t.coverage_class, t.share, t.weighted_share
    ('cn', 'unmitigated', 0.5, 0.75)
    """
    rows = places(geography, as_of)
    mobile = np.isin(model.threats, sorted(geography.mobile_threats))
    if not rows:
        check_scenario(model, scenario)
        coverage, classes = threat_rows(
            model, scenario, enabled_mask(model, scenario)[model.link_mitigation]
        )
        return WorldView(
            scenario=scenario,
            as_of=as_of,
            places=(),
            weights=None,
            threats=model.threats,
            mobile=mobile,
            weakest=np.full(len(model.threats), -1),
            coverage=coverage,
            classes=classes,
            addressed_in=np.zeros(len(model.threats), dtype=np.int64),
            share=None,
            weighted_share=None,
            per_place=None,
        )
    if per_jurisdiction is None:
        per_place = coverage_by_jurisdiction(
            model, geography, scenario, as_of=as_of, jurisdictions=rows
        )
    else:
        per_place = _rows_of(per_jurisdiction, rows)
    weakest = weakest_places(per_place.coverage, per_place.classes)
    columns = np.arange(len(model.threats))
    addressed, weights = per_place.addressed, _weights(geography, rows)
    return WorldView(
        scenario=scenario,
        as_of=as_of,
        places=rows,
        weights=weights,
        threats=model.threats,
        mobile=mobile,
        weakest=weakest,
        coverage=per_place.coverage[weakest, columns],
        classes=per_place.classes[weakest, columns],
        addressed_in=addressed.sum(axis=0),
        share=addressed.mean(axis=0),
        weighted_share=_weighted_share(weights, addressed),
        per_place=per_place,
    )


def _rows_of(run: JurisdictionCoverage, rows: tuple[str, ...]) -> JurisdictionCoverage:
    """The rows of a run for some of its jurisdictions, in the order given."""
    index = [run.row(j) for j in rows]
    return replace(
        run,
        jurisdictions=rows,
        maturity=run.maturity[index],
        enabled=run.enabled[index],
        coverage=run.coverage[index],
        classes=run.classes[index],
    )


def _weights(geography: Geography, rows: tuple[str, ...]) -> np.ndarray | None:
    weight = {j.id: j.weight for j in geography.jurisdictions}
    if any(weight[j] is None for j in rows):
        return None
    return np.array([float(weight[j]) for j in rows])


def _weighted_share(weights: np.ndarray | None, addressed: np.ndarray):
    if weights is None or weights.sum() <= 0:
        return None
    return (weights @ addressed) / weights.sum()
