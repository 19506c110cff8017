"""Documented incidents replayed against a scenario: stopped or not, where, and by what.

The chain rule of the coverage model (a chain is blocked when some threat on
it is addressed) applied to a documented sequence: an incident is
**stopped** when at least one technique it uses is addressed. For an ordered
incident (a case study) the first step at which it is stopped is the
smallest step number whose technique is addressed.

``incident_model`` indexes a taxonomy's incidents once: the incidents ×
threats incidence ``uses`` (one entry per (incident, technique) pair, its
first step beside it) and one row per step. ``incident_outcomes`` then
answers for the set of addressed threats of any scenario with a few sparse
products and ``bincount``s. **Demand** is, per technique, the number of
incidents that use it (by kind); ``demand_weights`` turns it into the
recommendation's per-threat weights (1 + demand) and ``demand_share`` into
the demand-weighted headline (both in ``demand.py``). ``tactic_coverage``
counts the threats of each coverage class in each tactic; the documents built
from all this are in ``incidents_report.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
from scipy import sparse

from taxonomy.analysis.model import (
    CLASSES,
    TOLERANCE,
)
from taxonomy.domain.records import (
    INCIDENT_KINDS,
    ORDERED_INCIDENT_KINDS,
    Taxonomy,
)

# Words every number of stopped incidents is shown with.
ASSUMPTION = (
    "An incident counts as stopped when at least one technique it uses is "
    "addressed: one addressed step is taken to break the documented sequence "
    "(the chain rule). Whether a technique is addressed depends on the "
    "coverage threshold."
)
# The same rule read through a mapping set (issue 26): shown with RULE of
# taxonomy.analysis.crosswalk beside every count of a replay through a mapping.
CROSSED_ASSUMPTION = (
    "An incident of another catalogue counts as stopped when at least one "
    "technique it uses maps, exactly or closely, to a Layerwise threat this "
    "scenario addresses, after the mapping's confidence (the threat's coverage "
    "times the confidence reaches the threshold); a technique mapped to nothing "
    "is outside the taxonomy and stops nothing."
)
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
STOPPERS_SHOWN = 50


@dataclass(frozen=True, eq=False)
class IncidentModel:
    """A taxonomy's incidents indexed for vectorised analysis; build once per revision.

    Threats and incidents are in id order. ``uses`` is the incidents ×
    threats incidence (CSR, indices sorted, one entry per pair);
    ``first_step`` beside its ``data``, the pair's first step (0: none).
    The step arrays hold one entry per step of every incident, sorted by
    incident, step and technique; those of incident i are
    ``step_start[i]:step_start[i + 1]``; ``steps`` counts each incident's
    distinct step numbers.
    """

    threats: tuple[str, ...]
    threat_index: dict[str, int]
    incidents: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    kind: np.ndarray
    ordered: np.ndarray
    uses: sparse.csr_array
    first_step: np.ndarray
    step_number: np.ndarray
    step_threat: np.ndarray
    step_start: np.ndarray
    steps: np.ndarray

    @property
    def use_incident(self) -> np.ndarray:
        """Per entry of ``uses``, its incident (row) index."""
        return np.repeat(np.arange(len(self.incidents)), np.diff(self.uses.indptr))


def _index(ids: Iterable[str]) -> dict[str, int]:
    return {value: i for i, value in enumerate(ids)}


def _check_uses(taxonomy: Taxonomy, incidents: dict, threats: dict) -> None:
    missing = sorted(
        {("incident", u.incident) for u in taxonomy.uses if u.incident not in incidents}
        | {("threat", u.threat) for u in taxonomy.uses if u.threat not in threats}
    )
    if missing:
        names = ", ".join(f"{kind} {item}" for kind, item in missing)
        raise ValueError(f"USES links refer to missing items: {names}")


def incident_model(taxonomy: Taxonomy) -> IncidentModel:
    """Index a taxonomy's incidents and their USES links.

    Two links for the same (incident, technique) pair count as one use with
    the union of their steps. Raises ``ValueError`` for a link to an
    incident or threat the taxonomy lacks.

    Parameters
    ----------
    taxonomy : Taxonomy

    Returns
    -------
    IncidentModel

    >>> from taxonomy.domain.records import Incident, Threat, Uses
    >>> model = incident_model(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")),
    ...     incidents=(Incident("i", "I"),),
    ...     uses=(Uses("i", "b", (1, 3)), Uses("i", "a", (2,)))))
    >>> model.uses.toarray().tolist(), model.first_step.tolist()
    ([[1, 1]], [2, 1])
    >>> model.step_number.tolist(), model.step_threat.tolist()
    ([1, 2, 3], [1, 0, 1])
    """
    threats = tuple(sorted(t.id for t in taxonomy.threats))
    records = sorted(taxonomy.incidents, key=attrgetter("id"))
    t_index, i_index = _index(threats), _index(r.id for r in records)
    _check_uses(taxonomy, i_index, t_index)
    n_i, n_t = len(records), len(threats)
    pair_incident = np.fromiter(
        (i_index[u.incident] for u in taxonomy.uses), np.int64, len(taxonomy.uses)
    )
    pair_threat = np.fromiter(
        (t_index[u.threat] for u in taxonomy.uses), np.int64, len(taxonomy.uses)
    )
    counts = np.fromiter((len(u.steps) for u in taxonomy.uses), np.int64)
    steps = np.fromiter(
        (s for u in taxonomy.uses for s in u.steps), np.int64, int(counts.sum())
    )
    # Sorted by incident, step, technique; a step named twice is one step.
    rows = np.unique(
        np.stack(
            [np.repeat(pair_incident, counts), steps, np.repeat(pair_threat, counts)],
            axis=1,
        ).reshape(-1, 3),
        axis=0,
    )
    pairs = np.unique(pair_incident * n_t + pair_threat)
    # Two techniques claimed for one step: the step counts once.
    new_step = np.ones(len(rows), dtype=bool)
    new_step[1:] = (rows[1:, 0] != rows[:-1, 0]) | (rows[1:, 1] != rows[:-1, 1])
    first = np.full(len(pairs), np.iinfo(np.int64).max)
    at = np.searchsorted(pairs, rows[:, 0] * n_t + rows[:, 2])
    np.minimum.at(first, at, rows[:, 1])
    uses = sparse.csr_array(
        (np.ones(len(pairs), np.int8), divmod(pairs, max(n_t, 1))), shape=(n_i, n_t)
    )
    kinds = tuple(r.kind for r in records)
    return IncidentModel(
        threats=threats,
        threat_index=t_index,
        incidents=tuple(r.id for r in records),
        names=tuple(r.name for r in records),
        kinds=kinds,
        kind=np.fromiter((INCIDENT_KINDS.index(k) for k in kinds), np.int64, n_i),
        ordered=np.fromiter((k in ORDERED_INCIDENT_KINDS for k in kinds), bool, n_i),
        uses=uses,
        first_step=np.where(first == np.iinfo(np.int64).max, 0, first),
        step_number=rows[:, 1],
        step_threat=rows[:, 2],
        step_start=np.searchsorted(rows[:, 0], np.arange(n_i + 1)),
        steps=np.bincount(rows[new_step, 0], minlength=n_i),
    )


def threat_mask(model: IncidentModel, ids: Iterable[str]) -> np.ndarray:
    """Per threat of the model (id order), whether ``ids`` holds it; unknown ids
    are ignored.

    >>> from taxonomy.domain.records import Threat
    >>> threat_mask(incident_model(Taxonomy(threats=(Threat("b", "B"),
    ...     Threat("a", "A")))), {"b", "x"}).tolist()
    [False, True]
    """
    mask = np.zeros(len(model.threats), dtype=bool)
    index = model.threat_index
    mask[[index[t] for t in ids if t in index]] = True
    return mask


@dataclass(frozen=True)
class IncidentOutcome:
    """One incident under a scenario.

    ``stopped``: at least one technique it uses is addressed.
    ``first_stopped_step``: for an ordered incident, the smallest step
    number whose technique is addressed (None when unordered or not
    stopped); ``steps_addressed`` those step numbers, ascending (empty when
    unordered); ``techniques_addressed`` the addressed techniques it uses,
    by id; ``techniques`` and ``steps`` how many it uses and has.
    """

    id: str
    name: str
    kind: str
    ordered: bool
    techniques: int
    steps: int
    stopped: bool
    first_stopped_step: int | None
    steps_addressed: tuple[int, ...]
    techniques_addressed: tuple[str, ...]


@dataclass(frozen=True)
class IncidentAnalysis:
    """Every incident under one scenario, and the taxonomy's totals.

    ``incidents`` by id. ``by_kind`` maps every kind of ``INCIDENT_KINDS``
    to ``(incidents, stopped)``. ``stoppers`` pairs each technique used by
    an incident not yet stopped with how many such incidents use it
    (addressing it alone would stop exactly those), most first, ties by id;
    every such technique is unaddressed, since an incident using an
    addressed one is stopped.
    """

    incidents: tuple[IncidentOutcome, ...]
    stopped: int
    by_kind: Mapping[str, tuple[int, int]]
    stoppers: tuple[tuple[str, int], ...]


def _groups(values: np.ndarray, group: np.ndarray, n: int) -> list[list]:
    """``values`` split by ``group`` (sorted, in 0..n-1) into n Python lists."""
    bounds = np.searchsorted(group, np.arange(n + 1)).tolist()
    flat = values.tolist()
    return [flat[bounds[i] : bounds[i + 1]] for i in range(n)]


def incident_outcomes(
    model: IncidentModel, addressed: Collection[str] | np.ndarray
) -> IncidentAnalysis:
    """Replay every incident against the threats a scenario addresses.

    Parameters
    ----------
    model : IncidentModel
    addressed : collection of str, or ndarray of bool
        The addressed threats (``Analysis.addressed_threats``), or a mask
        over the model's threats in id order.

    Returns
    -------
    IncidentAnalysis

    >>> from taxonomy.domain.records import Incident, Threat, Uses
    >>> model = incident_model(Taxonomy(
    ...     threats=(Threat("a", "A"), Threat("b", "B"), Threat("c", "C")),
    ...     incidents=(Incident("i", "I"), Incident("g", "G", kind="group")),
    ...     uses=(Uses("i", "a", (1,)), Uses("i", "b", (2, 4)), Uses("i", "c", (3,)),
    ...           Uses("g", "a"))))
    >>> found = incident_outcomes(model, {"b"})
    >>> [(o.id, o.stopped, o.first_stopped_step, o.steps_addressed) for o in found.incidents]
    [('g', False, None, ()), ('i', True, 2, (2, 4))]
    >>> found.stoppers, found.by_kind["case-study"]
    ((('a', 1),), (1, 1))
    """
    on = (
        addressed
        if isinstance(addressed, np.ndarray)
        else threat_mask(model, addressed)
    )
    n_i, uses = len(model.incidents), model.uses
    rows = model.use_incident
    hit = on[uses.indices]
    stopped = np.bincount(rows[hit], minlength=n_i) > 0
    step_hit = on[model.step_threat] & np.repeat(
        model.ordered, np.diff(model.step_start)
    )
    step_rows = np.repeat(np.arange(n_i), np.diff(model.step_start))
    hit_rows, hit_steps = step_rows[step_hit], model.step_number[step_hit]
    # Two addressed techniques at one step: the step is listed once.
    new = np.ones(len(hit_rows), dtype=bool)
    new[1:] = (hit_rows[1:] != hit_rows[:-1]) | (hit_steps[1:] != hit_steps[:-1])
    steps_of = _groups(hit_steps[new], hit_rows[new], n_i)
    threats = np.array(model.threats, dtype=object)
    techniques_of = _groups(threats[uses.indices[hit]], rows[hit], n_i)
    counts = np.diff(uses.indptr).tolist()
    n_steps = model.steps.tolist()
    outcomes = tuple(
        IncidentOutcome(
            id=model.incidents[i],
            name=model.names[i],
            kind=model.kinds[i],
            ordered=bool(model.ordered[i]),
            techniques=counts[i],
            steps=n_steps[i],
            stopped=bool(stopped[i]),
            first_stopped_step=steps_of[i][0] if steps_of[i] else None,
            steps_addressed=tuple(steps_of[i]),
            techniques_addressed=tuple(techniques_of[i]),
        )
        for i in range(n_i)
    )
    kinds = np.bincount(model.kind, minlength=len(INCIDENT_KINDS)).tolist()
    kinds_stopped = np.bincount(
        model.kind[stopped], minlength=len(INCIDENT_KINDS)
    ).tolist()
    return IncidentAnalysis(
        incidents=outcomes,
        stopped=int(stopped.sum()),
        by_kind={
            kind: (kinds[k], kinds_stopped[k]) for k, kind in enumerate(INCIDENT_KINDS)
        },
        stoppers=_ranked(model, uses.indices[~stopped[rows]]),
    )


def _ranked(model: IncidentModel, used: np.ndarray) -> tuple[tuple[str, int], ...]:
    """Threat indices counted, as ``(id, count)``, most first, ties by id."""
    counts = np.bincount(used, minlength=len(model.threats))
    ranked = np.flatnonzero(counts)
    ranked = ranked[np.lexsort((ranked, -counts[ranked]))]
    return tuple(
        zip(
            (model.threats[t] for t in ranked.tolist()),
            counts[ranked].tolist(),
            strict=True,
        )
    )


def analyse_incidents(
    taxonomy: Taxonomy, addressed: Collection[str]
) -> IncidentAnalysis:
    """``incident_outcomes`` on a model built for one use.

    >>> analyse_incidents(Taxonomy(), set()).stopped
    0
    """
    return incident_outcomes(incident_model(taxonomy), addressed)


# --- The threshold margin ------------------------------------------------------------


def stopping_coverage(
    model: IncidentModel, coverages: Mapping[str, float]
) -> np.ndarray:
    """Per incident (id order), the best coverage among the techniques it uses.

    A threat is addressed iff its coverage reaches τ (for every dependence),
    and the coverages do not depend on τ, so an incident is stopped at every
    threshold up to this value and at none above (0 when it uses nothing).

    >>> from taxonomy.domain.records import Incident, Threat, Uses
    >>> model = incident_model(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")),
    ...     incidents=(Incident("i", "I"),), uses=(Uses("i", "a"), Uses("i", "b"))))
    >>> stopping_coverage(model, {"a": 0.72, "b": 0.84}).tolist()
    [0.84]
    """
    cover = np.fromiter(
        (coverages[t] for t in model.threats), float, len(model.threats)
    )
    best = np.zeros(len(model.incidents))
    np.maximum.at(best, model.use_incident, cover[model.uses.indices])
    return best


def stopped_by_threshold(
    stopping: np.ndarray, thresholds: Iterable[float] = THRESHOLDS
) -> tuple[tuple[float, int], ...]:
    """How many incidents are stopped at each threshold, the rest unchanged.

    ``stopping`` is ``stopping_coverage``'s; thresholds are sorted and
    deduplicated.

    >>> stopped_by_threshold(np.array([0.84, 0.9, 0.72]), [0.9, 0.8, 0.7])
    ((0.7, 3), (0.8, 2), (0.9, 1))
    """
    return tuple(
        (tau, int((stopping >= tau - TOLERANCE).sum()))
        for tau in sorted(set(thresholds))
    )


# --- Coverage per tactic -------------------------------------------------------------


@dataclass(frozen=True)
class TacticCoverage:
    """The threats of one tactic per class; ``id`` None for the threats in no tactic."""

    id: str | None
    name: str
    order: int | None
    threats: int
    by_class: Mapping[str, int]


def tactic_coverage(
    taxonomy: Taxonomy, classes: Mapping[str, str]
) -> tuple[tuple[TacticCoverage, ...], TacticCoverage]:
    """Per tactic (by ``order``, then id) the threats IN_TACTIC it per class,
    and the threats in no tactic as a group of their own.

    A threat in several tactics counts in each. ``classes`` maps every
    threat id to its class (``Analysis.classes``). Raises ``ValueError`` for
    an IN_TACTIC link to a threat or tactic the taxonomy lacks.

    Returns
    -------
    (rows, untactic)
        ``rows`` one per tactic; ``untactic`` the group with ``id`` None.

    >>> from taxonomy.domain.records import Link, Tactic, Threat
    >>> rows, none = tactic_coverage(Taxonomy(
    ...     threats=(Threat("a", "A"), Threat("b", "B")),
    ...     tactics=(Tactic("x", "X", order=2), Tactic("w", "W", order=1)),
    ...     in_tactic=(Link("a", "x"), Link("a", "w"))),
    ...     {"a": "single-layer", "b": "unmitigated"})
    >>> [(r.id, r.by_class["single-layer"]) for r in rows], none.by_class["unmitigated"]
    ([('w', 1), ('x', 1)], 1)
    """
    tactics = sorted(taxonomy.tactics, key=lambda t: (t.order, t.id))
    threats = sorted(t.id for t in taxonomy.threats)
    ta_index, t_index = _index(t.id for t in tactics), _index(threats)
    missing = sorted(
        {("threat", link.source) for link in taxonomy.in_tactic}
        - {("threat", t) for t in t_index}
        | {("tactic", link.target) for link in taxonomy.in_tactic}
        - {("tactic", t) for t in ta_index}
    )
    if missing:
        names = ", ".join(f"{kind} {item}" for kind, item in missing)
        raise ValueError(f"IN_TACTIC links refer to missing items: {names}")
    n_c, n_t = len(CLASSES), len(threats)
    code = np.fromiter((CLASSES.index(classes[t]) for t in threats), np.int64, n_t)
    pairs = np.unique(
        np.fromiter(
            (
                ta_index[link.target] * n_t + t_index[link.source]
                for link in taxonomy.in_tactic
            ),
            np.int64,
            len(taxonomy.in_tactic),
        )
    )
    tactic, threat = divmod(pairs, max(n_t, 1))
    table = np.bincount(tactic * n_c + code[threat], minlength=len(tactics) * n_c)
    table = table.reshape(len(tactics), n_c).tolist()
    loose = np.ones(n_t, dtype=bool)
    loose[threat] = False
    rows = tuple(
        TacticCoverage(
            t.id, t.name, t.order, sum(row), dict(zip(CLASSES, row, strict=True))
        )
        for t, row in zip(tactics, table, strict=True)
    )
    rest = np.bincount(code[loose], minlength=n_c).tolist()
    return rows, TacticCoverage(
        None, "No tactic", None, int(loose.sum()), dict(zip(CLASSES, rest, strict=True))
    )
