"""Coverage per jurisdiction (issue 25), for every jurisdiction at once on one
compiled model; the world view over them is ``analysis.world``.

The rules, each held by an oracle in ``tests/taxonomy/analysis/test_jurisdictions.py``:

- **Membership**: what is in force in a bloc or a multilateral body is in
  force in its members, transitively (``membership_closure``); memberships
  and in-force links count on ``as_of`` when their period holds, every one
  when no date is chosen.
- **Effective maturity** of a mitigation in a jurisdiction J: a mitigation
  with no in-force link at all (on any date) keeps today's meaning, in force
  everywhere at its own maturity; one with links is in force in J only when
  a link to J or to a body J belongs to holds on ``as_of``, at that link's
  maturity; a mitigation flagged *everywhere* is in force everywhere at its
  own maturity too. When several apply (J's own link, its bloc's, the flag)
  the **most mature** wins (deployed > pilot > proposed): a measure deployed
  by the bloc is deployed in each member even where the member's own
  transposition is still a pilot.
- **Coverage in J**: the scenario's analysis with every mitigation not in
  force in J disabled (so what REQUIRES it is disabled too, as for any
  disabled mitigation) and every maturity set to J's (so ``maturity=deployed``
  counts what is deployed *there*). Disabling wins over ``adopt``, as
  elsewhere: adopting a measure that is not in force in J changes nothing in J.
- **Adopting in a jurisdiction** (``adopt`` entry ``M@J``): M and every
  mitigation it REQUIRES count as in force in J, at ``deployed``, on every
  date (so in J's members too, by the membership rule), and as adopted there
  (in effect whatever the maturities counted); elsewhere nothing changes (a
  mitigation bound nowhere keeps being in force everywhere at its own
  maturity). ``with_adoptions`` records them; disabling still wins.
- **The world view** (no jurisdiction chosen): ``analysis.world``.

``coverage_by_jurisdiction`` computes the coverage and class of every threat
in every jurisdiction from the compiled model: one enabled-mitigation matrix
for all jurisdictions (one sparse product through the REQUIRES closure), then
one masked weight matrix per jurisdiction, with the same numpy functions as
``taxonomy.analysis.fast.run_scenario`` so its figures are exactly that
path's. ``analyse_in`` gives the whole ``Analysis`` in one jurisdiction (one
``run_scenario`` on the same model, its maturities replaced).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from taxonomy.analysis.compiled import (
    CoverageModel,
    adopted_mask,
    check_scenario,
    coverage_model,
    switched_off,
)
from taxonomy.analysis.fast import class_codes, layer_weights, run_scenario, set_weights
from taxonomy.analysis.model import (
    ADDRESSED_CLASSES,
    CLASSES,
    Analysis,
    addressing_weight,
)
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.jurisdictions import (
    MULTILATERAL,
    Everywhere,
    Geography,
    GeographyError,
    InForce,
    in_period,
)
from taxonomy.domain.records import MATURITIES, Taxonomy
from taxonomy.domain.scenario import FULL, Scenario

# The maturity code of a mitigation not in force in a jurisdiction; the others
# index ``MATURITIES``, least mature first, so the most mature is the largest.
NOT_IN_FORCE = -1
_ADDRESSED_CODES = [CLASSES.index(c) for c in sorted(ADDRESSED_CLASSES)]


def membership_closure(
    geography: Geography, as_of: datetime.date | None = None
) -> dict[str, frozenset[str]]:
    """Each jurisdiction → itself and every body it belongs to, transitively.

    Parameters
    ----------
    geography : Geography
    as_of : datetime.date or None
        Only memberships whose period holds that day; every one when None.

    Returns
    -------
    dict
        Jurisdiction id → frozenset of jurisdiction ids, itself included.

    >>> from taxonomy.domain.jurisdictions import Jurisdiction, Membership
    >>> geo = Geography(jurisdictions=(Jurisdiction("fr", "France"),
    ...     Jurisdiction("eu", "EU", "bloc"), Jurisdiction("un", "UN", "multilateral")),
    ...     memberships=(Membership("fr", "eu"), Membership("eu", "un")))
    >>> sorted(membership_closure(geo)["fr"])
    ['eu', 'fr', 'un']
    """
    bodies: dict[str, set[str]] = {j: set() for j in geography.jurisdiction_ids}
    for m in geography.memberships:
        if in_period(m.since, m.until, as_of):
            bodies[m.member].add(m.body)
    closure = {}
    for start in bodies:
        seen, stack = {start}, [start]
        while stack:
            for body in bodies[stack.pop()] - seen:
                seen.add(body)
                stack.append(body)
        closure[start] = frozenset(seen)
    return closure


def places(geography: Geography, as_of: datetime.date | None = None) -> tuple[str, ...]:
    """The jurisdictions the world view ranges over, sorted: states and blocs
    with no member on ``as_of``.

    >>> from taxonomy.domain.jurisdictions import Jurisdiction, Membership
    >>> geo = Geography(jurisdictions=(Jurisdiction("fr", "France"),
    ...     Jurisdiction("eu", "EU", "bloc"), Jurisdiction("us", "US"),
    ...     Jurisdiction("un", "UN", "multilateral")),
    ...     memberships=(Membership("fr", "eu"),))
    >>> places(geo)
    ('fr', 'us')
    """
    with_members = {
        m.body for m in geography.memberships if in_period(m.since, m.until, as_of)
    }
    return tuple(
        sorted(
            j.id
            for j in geography.jurisdictions
            if j.kind != MULTILATERAL and j.id not in with_members
        )
    )


def requirements_of(model: CoverageModel, mitigation: str) -> np.ndarray:
    """A mitigation and every one it REQUIRES, transitively, as a mask.

    >>> from taxonomy.domain.records import Layer, Link, Mitigation
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("a", "A", "hw", "pilot"), Mitigation("b", "B", "hw", "pilot")),
    ...     requires=(Link("b", "a"),)))
    >>> requirements_of(model, "b").tolist(), requirements_of(model, "a").tolist()
    ([True, True], [True, False])
    """
    seed = np.zeros(len(model.mitigations), dtype=np.int32)
    seed[model.mitigation_index[mitigation]] = 1
    return (model.closure @ seed) > 0


def check_adoptions(geography: Geography, scenario: Scenario) -> None:
    """``ScenarioError`` naming the jurisdictions of ``M@J`` entries that the
    geography does not record (every one, when it records none)."""
    unknown = {j for _, j in scenario.adopted_in} - set(geography.jurisdiction_ids)
    if unknown:
        raise ScenarioError({"jurisdiction to adopt in": unknown})


def with_adoptions(
    model: CoverageModel, geography: Geography, scenario: Scenario
) -> Geography:
    """The geography with the scenario's ``M@J`` adoptions recorded: an
    in-force link to J at ``deployed`` with no dates for M and everything it
    REQUIRES, and an *everywhere* flag for each of those bound nowhere before
    (so that it stays in force everywhere else at its own maturity).

    >>> from taxonomy.domain.jurisdictions import Jurisdiction
    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("a", "A", "hw", "pilot"),)))
    >>> geo = Geography(jurisdictions=(Jurisdiction("eu", "EU", "bloc"),))
    >>> adopted = with_adoptions(model, geo, Scenario(adopt=["a@eu"]))
    >>> [(f.mitigation, f.jurisdiction, f.maturity) for f in adopted.in_force]
    [('a', 'eu', 'deployed')]
    >>> sorted(adopted.everywhere_mitigations)
    ['a']
    """
    if not scenario.adopted_in:
        return geography
    check_scenario(model, scenario)
    check_adoptions(geography, scenario)
    links, bound = [], geography.bound_mitigations
    for mitigation, jurisdiction in sorted(scenario.adopted_in):
        needed = np.flatnonzero(requirements_of(model, mitigation)).tolist()
        links += [
            InForce(model.mitigations[m], jurisdiction, "deployed") for m in needed
        ]
    flags = sorted({link.mitigation for link in links} - bound)
    return replace(
        geography,
        in_force=(*geography.in_force, *links),
        everywhere=(*geography.everywhere, *(Everywhere(m) for m in flags)),
    )


def adopted_rows(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    rows: Sequence[str],
    as_of: datetime.date | None = None,
) -> np.ndarray:
    """Per jurisdiction of ``rows``, the mitigations adopted there: the plain
    ``adopt`` entries everywhere, an ``M@J`` one in J and its members (on
    ``as_of``); each with what it REQUIRES.

    >>> from taxonomy.domain.jurisdictions import Jurisdiction, Membership
    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("a", "A", "hw", "pilot"), Mitigation("b", "B", "hw", "pilot"))))
    >>> geo = Geography(jurisdictions=(Jurisdiction("eu", "EU", "bloc"),
    ...     Jurisdiction("fr", "France"), Jurisdiction("us", "US")),
    ...     memberships=(Membership("fr", "eu"),))
    >>> adopted_rows(model, geo, Scenario(adopt=["a@eu", "b"]), ["fr", "us"]).tolist()
    [[True, True], [False, True]]
    """
    everywhere = replace(scenario, adopt=scenario.adopted_everywhere)
    out = np.tile(adopted_mask(model, everywhere), (len(rows), 1))
    closure = membership_closure(geography, as_of)
    for mitigation, jurisdiction in sorted(scenario.adopted_in):
        needed = requirements_of(model, mitigation)
        for r, row in enumerate(rows):
            if jurisdiction in closure[row]:
                out[r] |= needed
    return out


def _check_mitigations(model: CoverageModel, geography: Geography) -> None:
    known = model.mitigation_index
    problems = [
        f"in-force link {link.mitigation} → {link.jurisdiction}: "
        f"unknown mitigation {link.mitigation!r}"
        for link in geography.in_force
        if link.mitigation not in known
    ] + [
        f"everywhere mitigation {flag.mitigation!r}: unknown mitigation"
        for flag in geography.everywhere
        if flag.mitigation not in known
    ]
    if problems:
        raise GeographyError(problems)


def maturity_matrix(
    model: CoverageModel,
    geography: Geography,
    as_of: datetime.date | None = None,
    jurisdictions: Sequence[str] | None = None,
) -> np.ndarray:
    """The effective maturity of every mitigation in every jurisdiction.

    Parameters
    ----------
    model : CoverageModel
    geography : Geography
    as_of : datetime.date or None
    jurisdictions : sequence of str, optional
        The rows, in this order; every jurisdiction, sorted, by default.

    Returns
    -------
    ndarray of int8, shape (jurisdictions, mitigations)
        An index into ``MATURITIES``, or ``NOT_IN_FORCE``; columns in the
        model's mitigation order.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.domain.jurisdictions import InForce, Jurisdiction, Membership
    >>> from taxonomy.domain.records import Layer, Mitigation, Taxonomy
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("kyc", "KYC", "hw", "pilot"), Mitigation("tee", "TEE", "hw",
    ...     "deployed"))))
    >>> geo = Geography(jurisdictions=(Jurisdiction("eu", "EU", "bloc"),
    ...     Jurisdiction("fr", "France"), Jurisdiction("us", "US")),
    ...     memberships=(Membership("fr", "eu"),),
    ...     in_force=(InForce("kyc", "eu", "deployed"), InForce("kyc", "fr", "pilot")))
    >>> maturity_matrix(model, geo).tolist()  # rows eu, fr, us; columns kyc, tee
    [[2, 2], [2, 2], [-1, 2]]
    """
    _check_mitigations(model, geography)
    rows = geography.jurisdiction_ids if jurisdictions is None else tuple(jurisdictions)
    unknown = set(rows) - set(geography.jurisdiction_ids)
    if unknown:
        raise ScenarioError({"jurisdiction": unknown})
    every = geography.jurisdiction_ids
    j_index = {j: i for i, j in enumerate(every)}
    direct = np.full((len(every), len(model.mitigations)), NOT_IN_FORCE, np.int8)
    active = [
        link for link in geography.in_force if in_period(link.since, link.until, as_of)
    ]
    np.maximum.at(
        direct,
        (
            np.array([j_index[link.jurisdiction] for link in active], dtype=np.int64),
            np.array(
                [model.mitigation_index[link.mitigation] for link in active],
                dtype=np.int64,
            ),
        ),
        np.array([MATURITIES.index(link.maturity) for link in active], dtype=np.int8),
    )
    closure = membership_closure(geography, as_of)
    out = np.full((len(rows), len(model.mitigations)), NOT_IN_FORCE, np.int8)
    for r, j in enumerate(rows):
        for body in closure[j]:
            np.maximum(out[r], direct[j_index[body]], out=out[r])
    own = model.mitigation_maturity.astype(np.int8)
    unbound = np.ones(len(model.mitigations), dtype=bool)
    unbound[[model.mitigation_index[m] for m in geography.bound_mitigations]] = False
    out[:, unbound] = own[unbound]
    flagged = [model.mitigation_index[m] for m in geography.everywhere_mitigations]
    out[:, flagged] = np.maximum(out[:, flagged], own[flagged])
    return out


def in_force_in(
    model: CoverageModel,
    geography: Geography,
    jurisdiction: str,
    as_of: datetime.date | None = None,
) -> dict[str, str]:
    """The mitigations in force in a jurisdiction and their maturity there.

    >>> from taxonomy.analysis.examples import us_and_china
    >>> from taxonomy.domain.records import Layer, Mitigation, Taxonomy
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("kyc", "KYC", "hw", "pilot"),)))
    >>> geo = us_and_china({"kyc": "deployed"}, since=datetime.date(2025, 1, 1))
    >>> in_force_in(model, geo, "us"), in_force_in(model, geo, "cn")
    ({'kyc': 'deployed'}, {})
    >>> in_force_in(model, geo, "us", as_of=datetime.date(2024, 6, 1))
    {}
    """
    row = maturity_matrix(model, geography, as_of, [jurisdiction])[0]
    return {
        model.mitigations[m]: MATURITIES[row[m]]
        for m in np.flatnonzero(row != NOT_IN_FORCE).tolist()
    }


def bound_nowhere(
    model: CoverageModel, geography: Geography, as_of: datetime.date | None = None
) -> dict[str, tuple[str, ...]]:
    """The mitigations recorded as in force on ``as_of`` that are in force in no
    place of the world view, each with the jurisdictions it is recorded in
    (a multilateral body with no member yet, say). The one-world view counts
    them as any measure; no place does.

    >>> from taxonomy.domain.jurisdictions import InForce, Jurisdiction
    >>> from taxonomy.domain.records import Layer, Mitigation, Taxonomy
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("kyc", "KYC", "hw", "pilot"), Mitigation("iaea", "Agency",
    ...     "hw", "proposed"))))
    >>> geo = Geography(jurisdictions=(Jurisdiction("us", "US"),
    ...     Jurisdiction("un", "Agency", "multilateral")), in_force=(
    ...     InForce("kyc", "us", "pilot"), InForce("iaea", "un", "proposed")))
    >>> bound_nowhere(model, geo)
    {'iaea': ('un',)}
    """
    recorded: dict[str, set[str]] = {}
    for link in geography.in_force:
        if in_period(link.since, link.until, as_of):
            recorded.setdefault(link.mitigation, set()).add(link.jurisdiction)
    where = places(geography, as_of)
    matrix = maturity_matrix(model, geography, as_of, where)
    return {
        m: tuple(sorted(js))
        for m, js in sorted(recorded.items())
        if (matrix[:, model.mitigation_index[m]] == NOT_IN_FORCE).all()
    }


def enabled_matrix(
    model: CoverageModel,
    scenario: Scenario,
    maturity: np.ndarray,
    adopted: np.ndarray | None = None,
) -> np.ndarray:
    """Per jurisdiction (row of ``maturity``), the mitigations that count.

    A mitigation is off in a jurisdiction when it is not in force there, when
    the scenario names it or its layer, or when its maturity there is one the
    scenario does not count (unless adopted, with what it REQUIRES); it is
    disabled when it REQUIRES, transitively, one that is off: one sparse
    product through the REQUIRES closure for every jurisdiction at once.
    ``adopted`` (per row, from ``adopted_rows``) defaults to the scenario's
    adoptions in every row.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.domain.records import Layer, Link, Mitigation, Taxonomy
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("a", "A", "hw", "pilot"), Mitigation("b", "B", "hw", "pilot")),
    ...     requires=(Link("b", "a"),)))
    >>> enabled_matrix(model, Scenario(maturities=["deployed"]),
    ...     np.array([[2, 2], [1, 2], [-1, 2]])).tolist()
    [[True, True], [False, False], [False, False]]
    """
    check_scenario(model, scenario)
    named = switched_off(model, replace(scenario, maturities=None))
    off = named[None, :] | (maturity == NOT_IN_FORCE)
    if scenario.maturities is not None:
        kept = [MATURITIES.index(m) for m in scenario.maturities]
        if adopted is None:
            adopted = adopted_mask(model, scenario)[None, :]
        off |= ~np.isin(maturity, kept) & ~adopted
    return (model.closure.T @ off.T.astype(np.int32)).T == 0


def threat_rows(
    model: CoverageModel, scenario: Scenario, link_on: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every threat's coverage and class code when the links ``link_on`` count,
    computed as ``run_scenario`` computes them (the same functions, in order).

    >>> from taxonomy.analysis.examples import one_link
    >>> model = coverage_model(one_link())
    >>> coverage, classes = threat_rows(model, Scenario(), np.array([True]))
    >>> round(float(coverage[0]), 6), CLASSES[classes[0]]
    (0.9, 'single-layer')
    """
    theta = addressing_weight(scenario.threshold)
    weights, counts, _ = layer_weights(model, link_on, scenario)
    in_sets = set_weights(weights, theta, scenario.dependence)
    classes = class_codes(counts, in_sets, theta)
    if scenario.dependence == FULL:
        reach = weights.max(axis=1, initial=0.0)
    else:
        reach = weights.sum(1)
    return -np.expm1(-reach), classes


@dataclass(frozen=True, eq=False)
class JurisdictionCoverage:
    """Every threat's coverage and class in every jurisdiction of a run.

    ``coverage[j, t]`` and ``classes[j, t]`` (an index into ``CLASSES``) for
    jurisdiction ``jurisdictions[j]`` and threat ``threats[t]`` (the model's
    orders); ``maturity`` and ``enabled`` are the matrices they came from.
    """

    scenario: Scenario
    as_of: datetime.date | None
    jurisdictions: tuple[str, ...]
    threats: tuple[str, ...]
    mitigations: tuple[str, ...]
    maturity: np.ndarray
    enabled: np.ndarray
    coverage: np.ndarray
    classes: np.ndarray

    def row(self, jurisdiction: str) -> int:
        """The row of a jurisdiction; ``ScenarioError`` for one not in the run."""
        try:
            return self.jurisdictions.index(jurisdiction)
        except ValueError:
            raise ScenarioError({"jurisdiction": {jurisdiction}}) from None

    def classes_in(self, jurisdiction: str) -> dict[str, str]:
        """Threat id → class in one jurisdiction (as ``Analysis.classes``)."""
        codes = self.classes[self.row(jurisdiction)].tolist()
        return {t: CLASSES[c] for t, c in zip(self.threats, codes, strict=True)}

    def coverages_in(self, jurisdiction: str) -> dict[str, float]:
        """Threat id → coverage in one jurisdiction (as ``Analysis.coverages``)."""
        values = self.coverage[self.row(jurisdiction)].tolist()
        return dict(zip(self.threats, values, strict=True))

    def summary_in(self, jurisdiction: str) -> dict[str, int]:
        """Threats per class in one jurisdiction (as ``Analysis.summary``)."""
        counts = np.bincount(
            self.classes[self.row(jurisdiction)], minlength=len(CLASSES)
        )
        return dict(zip(CLASSES, counts.tolist(), strict=True))

    @property
    def addressed(self) -> np.ndarray:
        """``addressed[j, t]``: threat t is addressed in jurisdiction j."""
        return np.isin(self.classes, _ADDRESSED_CODES)


def coverage_by_jurisdiction(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    *,
    as_of: datetime.date | None = None,
    jurisdictions: Sequence[str] | None = None,
) -> JurisdictionCoverage:
    """Every threat's coverage and class in every jurisdiction, together.

    Parameters
    ----------
    model : CoverageModel
        From ``coverage_model``; not rebuilt.
    geography : Geography
    scenario : Scenario
    as_of : datetime.date or None
    jurisdictions : sequence of str, optional
        Which jurisdictions, in this order; every one, sorted, by default.

    Returns
    -------
    JurisdictionCoverage

    >>> from taxonomy.analysis.examples import one_link_in_us
    >>> model, geo = one_link_in_us("pilot")
    >>> run = coverage_by_jurisdiction(model, geo, Scenario())
    >>> run.classes_in("us"), run.classes_in("cn")
    ({'t': 'single-layer'}, {'t': 'unmitigated'})
    >>> coverage_by_jurisdiction(model, geo, Scenario(maturities=["deployed"])
    ...     ).classes_in("us")
    {'t': 'unmitigated'}
    """
    rows = geography.jurisdiction_ids if jurisdictions is None else tuple(jurisdictions)
    adopted = with_adoptions(model, geography, scenario)
    maturity = maturity_matrix(model, adopted, as_of, rows)
    enabled = enabled_matrix(
        model, scenario, maturity, adopted_rows(model, adopted, scenario, rows, as_of)
    )
    shape = (len(rows), len(model.threats))
    coverage, classes = np.zeros(shape), np.zeros(shape, dtype=np.int64)
    for r in range(len(rows)):
        coverage[r], classes[r] = threat_rows(
            model, scenario, enabled[r][model.link_mitigation]
        )
    return JurisdictionCoverage(
        scenario=scenario,
        as_of=as_of,
        jurisdictions=rows,
        threats=model.threats,
        mitigations=model.mitigations,
        maturity=maturity,
        enabled=enabled,
        coverage=coverage,
        classes=classes,
    )


def jurisdiction_scenario(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    jurisdiction: str,
    *,
    as_of: datetime.date | None = None,
) -> tuple[CoverageModel, Scenario]:
    """The model and scenario whose plain analysis is the analysis in ``jurisdiction``:
    maturities replaced by the jurisdiction's, what is not in force there disabled,
    and the ``adopt`` entries those that hold there, as plain ids.

    >>> from taxonomy.analysis.examples import us_and_china
    >>> from taxonomy.domain.records import Layer, Mitigation, Taxonomy
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("kyc", "KYC", "hw", "pilot"), Mitigation("tee", "TEE", "hw",
    ...     "deployed"))))
    >>> geo = us_and_china({"kyc": "deployed"})
    >>> there, scenario = jurisdiction_scenario(model, geo, Scenario(), "cn")
    >>> sorted(scenario.disabled_mitigations), there.mitigation_maturity.tolist()
    (['kyc'], [1, 2])
    """
    adopted = with_adoptions(model, geography, scenario)
    row = maturity_matrix(model, adopted, as_of, [jurisdiction])[0]
    absent = row == NOT_IN_FORCE
    closure = membership_closure(adopted, as_of)[jurisdiction]
    local = {m for m, j in scenario.adopted_in if j in closure}
    there = replace(
        model,
        mitigation_maturity=np.where(absent, model.mitigation_maturity, row).astype(
            model.mitigation_maturity.dtype
        ),
    )
    off = {model.mitigations[m] for m in np.flatnonzero(absent).tolist()}
    return there, replace(
        scenario,
        disabled_mitigations=scenario.disabled_mitigations | off,
        adopt=scenario.adopted_everywhere | local,
    )


def scoped_model(
    taxonomy: Taxonomy, scenario: Scenario, model: CoverageModel | None = None
) -> tuple[CoverageModel, Scenario]:
    """The compiled model and scenario whose plain analysis is ``scenario``'s:
    in its ``jurisdiction`` (``jurisdiction_scenario``) when it names one,
    else the taxonomy's model and the scenario as they are. Every analysis
    (resilience, recommendations, incidents, robustness) takes the
    jurisdiction through it. ``ScenarioError`` for a jurisdiction the
    taxonomy does not record.

    >>> from taxonomy.domain.records import Jurisdiction, Layer, Mitigation, InForceIn
    >>> t = Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(Mitigation("m", "M",
    ...     "hw", "deployed"),), jurisdictions=(Jurisdiction("us", "US"),
    ...     Jurisdiction("cn", "China")), in_force=(InForceIn("m", "us", "pilot"),))
    >>> sorted(scoped_model(t, Scenario(jurisdiction="cn"))[1].disabled_mitigations)
    ['m']
    >>> scoped_model(t, Scenario(jurisdiction="fr"))
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.ScenarioError: unknown jurisdiction: fr
    """
    model = coverage_model(taxonomy) if model is None else model
    if scenario.adopted_in:
        check_adoptions(Geography.of(taxonomy), scenario)
    if scenario.jurisdiction is None:
        return model, scenario
    if scenario.jurisdiction not in {j.id for j in taxonomy.jurisdictions}:
        raise ScenarioError({"jurisdiction": [scenario.jurisdiction]})
    return jurisdiction_scenario(
        model,
        Geography.of(taxonomy),
        scenario,
        scenario.jurisdiction,
        as_of=scenario.as_of,
    )


def analyse_in(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    jurisdiction: str,
    *,
    as_of: datetime.date | None = None,
) -> Analysis:
    """The whole analysis of a scenario in one jurisdiction: classes, minimal
    sets, critical layers and mitigations, chains, as ``run_scenario`` gives
    them, on the same model (not rebuilt). Its ``scenario`` is the one asked
    for (the mitigations not in force there are not listed as disabled by name).

    >>> from taxonomy.analysis.examples import one_link_in_us
    >>> model, geo = one_link_in_us("pilot")
    >>> analyse_in(model, geo, Scenario(), "us").threat("t").minimal_layer_sets
    (('hw',),)
    >>> analyse_in(model, geo, Scenario(), "cn").summary["unmitigated"]
    1
    """
    there, inside = jurisdiction_scenario(
        model, geography, scenario, jurisdiction, as_of=as_of
    )
    return replace(run_scenario(there, inside), scenario=scenario)
