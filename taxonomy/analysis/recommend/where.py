"""Where to adopt: recommendations whose candidates are (mitigation,
jurisdiction) pairs, ``adopt=M@J`` (issue 25).

Two questions, each answered exactly:

- **In one jurisdiction** ("what should the EU adopt next?"): the analysis in
  J (``jurisdictions.jurisdiction_scenario``) in which a mitigation not in
  force in J is *not yet in force* rather than switched off, so that adopting
  it there (``M@J``) brings it and what it REQUIRES into effect. On that
  model (``in_jurisdiction``) adopting M is adopting ``M@J``, and
  ``recommend``, ``frontier`` and ``greedy_order`` answer as they do
  anywhere (the MILP).
- **Over the places** ("which k measures, adopted in which jurisdictions,
  close the most mobile threats?"): the objective is the number of mobile
  threats the world view addresses, i.e. those addressed in every place.
  ``recommend_places`` searches exhaustively: per place every affordable set
  of its candidates (at most ``PLACES_SEARCH_LIMIT`` sets in all, else
  ``RecommendationError`` saying so), then across places a dynamic programme
  over the set of mobile threats still addressed everywhere, keeping the
  cheapest way to each such set. Adopting ``M@P`` costs the costs of M and
  of what it REQUIRES that is not yet in effect in P. Among the choices
  closing the most, the cheapest wins, then the one with fewest adoptions,
  then the first by its ``M@P`` entries in order.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from taxonomy.analysis.compiled import (
    CoverageModel,
    adopted_mask,
    check_scenario,
    enabled_mask,
    switched_off,
)
from taxonomy.analysis.jurisdictions import (
    jurisdiction_scenario,
    places,
    requirements_of,
    threat_rows,
)
from taxonomy.analysis.model import ADDRESSED_CLASSES, CLASSES
from taxonomy.analysis.recommend.inputs import checked_budget, checked_costs
from taxonomy.analysis.world import world_view
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.records import MATURITIES
from taxonomy.domain.scenario import Scenario, adopt_entry, adoption

# The maturity code of a mitigation not yet in force in a jurisdiction: no
# maturity the scenario counts, so only adopting it there brings it in.
NOT_YET = len(MATURITIES)
# The most sets of candidates, over every place, the search of the places tries.
PLACES_SEARCH_LIMIT = 100_000
_ADDRESSED = [CLASSES.index(c) for c in sorted(ADDRESSED_CLASSES)]


def in_jurisdiction(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    jurisdiction: str,
    *,
    as_of: datetime.date | None = None,
) -> tuple[CoverageModel, Scenario]:
    """The model and scenario on which adopting M is adopting ``M@jurisdiction``.

    As ``jurisdiction_scenario``, but a mitigation not in force there has the
    maturity ``NOT_YET`` and the scenario counts only named maturities, so
    it is off until adopted (then it counts, with what it REQUIRES).

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.analysis.examples import us_and_china
    >>> from taxonomy.domain.records import Layer, Mitigation, Taxonomy
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("kyc", "KYC", "hw", "pilot"),)))
    >>> geo = us_and_china({"kyc": "deployed"})
    >>> there, scenario = in_jurisdiction(model, geo, Scenario(), "cn")
    >>> enabled_mask(there, scenario).tolist()
    [False]
    >>> enabled_mask(there, replace(scenario, adopt={"kyc"})).tolist()
    [True]
    """
    there, inside = jurisdiction_scenario(
        model, geography, scenario, jurisdiction, as_of=as_of
    )
    absent = inside.disabled_mitigations - scenario.disabled_mitigations
    codes = there.mitigation_maturity.copy()
    codes[[there.mitigation_index[m] for m in absent]] = NOT_YET
    counted = frozenset(MATURITIES) if inside.maturities is None else inside.maturities
    # A plain adoption of what needs a measure not in force there brings
    # nothing in (disabling wins): here it would, so it is dropped.
    held = {
        m
        for m in inside.adopt
        if not any(
            there.mitigations[r] in absent
            for r in np.flatnonzero(requirements_of(there, m)).tolist()
        )
    }
    return replace(there, mitigation_maturity=codes), replace(
        inside,
        disabled_mitigations=scenario.disabled_mitigations,
        maturities=counted,
        adopt=frozenset(held),
    )


def candidates_in(candidates: Iterable[str] | None, jurisdiction: str) -> list | None:
    """Candidate entries for a recommendation in ``jurisdiction`` as plain
    mitigation ids: ``M`` and ``M@jurisdiction`` alike; another jurisdiction
    or a malformed entry is a ``RecommendationError``.

    >>> candidates_in(["a", "b@eu"], "eu")
    ['a', 'b']
    >>> candidates_in(["a@us"], "eu")
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.RecommendationError: a candidate in another jurisdiction than eu: a@us
    """
    if candidates is None:
        return None
    out, elsewhere = [], []
    for entry in candidates:
        mitigation, where = _parsed(entry)
        if where not in (None, jurisdiction):
            elsewhere.append(entry)
        out.append(mitigation)
    if elsewhere:
        raise RecommendationError(
            "candidates",
            f"a candidate in another jurisdiction than {jurisdiction}: "
            f"{', '.join(sorted(elsewhere))}",
        )
    return out


def _parsed(entry: str) -> tuple[str, str | None]:
    try:
        return adoption(entry)
    except ValueError as error:
        raise RecommendationError("candidates", str(error)) from None


@dataclass(frozen=True)
class PlacesRecommendation:
    """What to adopt where so that the world view addresses the most mobile threats.

    ``chosen`` are (mitigation, place) pairs sorted, each adopted as ``M@P``
    (what they REQUIRE comes with them); ``cost`` their cost together;
    ``mobile`` the mobile threats; ``addressed_before`` / ``addressed_after``
    those the world view addresses without and with them, ``newly_addressed``
    the difference; ``searched`` how many sets were tried. ``introduces``
    pairs each chosen pair with the threats INTRODUCED by what adopting it
    brings into effect in its place (the mitigation and what it REQUIRES that
    was not yet in effect there): the rule of the recommendation anywhere.
    """

    scenario: Scenario
    budget: float
    places: tuple[str, ...]
    chosen: tuple[tuple[str, str], ...]
    cost: float
    mobile: tuple[str, ...]
    addressed_before: tuple[str, ...]
    addressed_after: tuple[str, ...]
    newly_addressed: tuple[str, ...]
    searched: int
    method: str
    introduces: tuple[tuple[tuple[str, str], tuple[str, ...]], ...] = ()

    @property
    def adopted_scenario(self) -> Scenario:
        """The starting scenario with the chosen pairs adopted where chosen."""
        return replace(
            self.scenario,
            adopt=self.scenario.adopt | {adopt_entry(m, p) for m, p in self.chosen},
        )


def _mobile_addressed(model, scenario, enabled, mobile) -> int:
    """The bit mask of the mobile threats addressed with ``enabled`` on."""
    _, classes = threat_rows(model, scenario, enabled[model.link_mitigation])
    hit = np.isin(classes[mobile], _ADDRESSED)
    return sum(1 << i for i in np.flatnonzero(hit).tolist())


@dataclass
class _Place:
    place: str
    model: CoverageModel
    scenario: Scenario
    start_on: np.ndarray
    candidates: list[int]
    options: list[tuple[float, int, tuple[int, ...]]]


def _place_candidates(
    model, scenario, start_on, mobile_links, named: list[str] | None
) -> list[int]:
    """Candidate mitigations in one place: those named, else every one not in
    effect there, not switched off by name or layer (or through what it
    REQUIRES), whose closure reaches a mobile threat."""
    if named is not None:
        return sorted(model.mitigation_index[m] for m in set(named))
    hard = switched_off(model, replace(scenario, maturities=None, adopt=()))
    blocked = (model.closure.T @ hard.astype(np.int32)) > 0
    useful = np.zeros(len(model.mitigations), dtype=bool)
    useful[model.link_mitigation[mobile_links]] = True
    reaches = (model.closure.T @ useful.astype(np.int32)) > 0
    return np.flatnonzero(~start_on & ~blocked & reaches).tolist()


def _enabled_adopting(model: CoverageModel, scenario: Scenario):
    """``enabled_mask`` of ``scenario`` with more adopted, as a function of the
    mask of what the adoption brings (the mitigations and what they REQUIRE),
    for a search that tries thousands of sets on one scenario: what is switched
    off by name or layer stays off; adopting lifts only the maturity filter.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.analysis.examples import two_layers
    >>> model, today = coverage_model(two_layers("pilot")), Scenario(maturities=["deployed"])
    >>> brought = requirements_of(model, "n")
    >>> _enabled_adopting(model, today)(brought).tolist()
    [True, True]
    >>> enabled_mask(model, replace(today, adopt={"n"})).tolist()
    [True, True]
    """
    fixed = switched_off(model, replace(scenario, maturities=None))
    immature = np.zeros(len(model.mitigations), dtype=bool)
    if scenario.maturities is not None:
        kept = [MATURITIES.index(m) for m in scenario.maturities]
        immature = ~np.isin(model.mitigation_maturity, kept)
        immature &= ~adopted_mask(model, scenario)
    requires = model.closure.T

    def enabled(brought: np.ndarray) -> np.ndarray:
        off = fixed | (immature & ~brought)
        return (requires @ off.astype(np.int32)) == 0

    return enabled


def _options(place: _Place, cost, budget, mobile, counter: list[int], limit: int):
    """Every affordable set of the place's candidates, with its cost and mask."""
    model, n = place.model, len(place.candidates)
    needs = {c: requirements_of(model, model.mitigations[c]) for c in place.candidates}
    own = [0.0 if place.start_on[c] else float(cost[c]) for c in place.candidates]
    free, priced = own.count(0.0), [c for c in own if c > 0]
    enabled = _enabled_adopting(model, place.scenario)
    if priced and math.isfinite(budget):
        # Every candidate not yet in effect costs at least the cheapest one.
        n = min(n, free + int(budget / min(priced) + 1e-9))
    for size in range(n + 1):
        for combo in itertools.combinations(place.candidates, size):
            union = np.zeros(len(model.mitigations), dtype=bool)
            for c in combo:
                union |= needs[c]
            price = float(cost[union & ~place.start_on].sum())
            if price > budget + 1e-9:
                continue
            counter[0] += 1
            if counter[0] > limit:
                raise RecommendationError(
                    "where",
                    f"more than {limit:,} sets of candidates to try over the "
                    "places: name fewer candidates or set a smaller budget",
                )
            mask = _mobile_addressed(model, place.scenario, enabled(union), mobile)
            place.options.append((price, mask, combo))


def recommend_places(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    *,
    budget: float,
    candidates: Iterable[str] | None = None,
    costs: Mapping[str, float] | None = None,
    limit: int = PLACES_SEARCH_LIMIT,
) -> PlacesRecommendation:
    """The pairs (mitigation, place) to adopt within a budget so that the world
    view addresses the most mobile threats (module docstring).

    Parameters
    ----------
    model : CoverageModel
    geography : Geography
    scenario : Scenario
        The starting point (its ``as_of`` dates the places and links).
    budget : float
        ≥ 0; ``inf`` for no limit.
    candidates : iterable of str, optional
        ``M@P`` entries, P a place; default every mitigation not in effect
        in a place whose adoption there can reach a mobile threat.
    costs : mapping, optional
        Mitigation id → positive cost; 1 when unnamed.
    limit : int
        The most sets tried over every place.

    Returns
    -------
    PlacesRecommendation

    >>> from taxonomy.analysis.examples import one_link_in_us
    >>> model, geo = one_link_in_us(mobile=True)
    >>> r = recommend_places(model, geo, Scenario(), budget=1)
    >>> r.chosen, r.newly_addressed
    ((('m', 'cn'),), ('t',))
    """
    budget = checked_budget(budget)
    check_scenario(model, scenario)
    as_of = scenario.as_of
    where = places(geography, as_of)
    if not where:
        raise RecommendationError(
            "where", "the taxonomy records no place (a state or a bloc) to adopt in"
        )
    cost = checked_costs(model, costs)
    mobile = np.isin(model.threats, sorted(geography.mobile_threats))
    mobile_links = np.flatnonzero(mobile[model.link_threat])
    named = _named_by_place(model, candidates, where)
    counter = [0]
    states: dict[int, tuple[float, int, tuple]] = {
        (1 << int(mobile.sum())) - 1: (0.0, 0, ())
    }
    searched: dict[str, _Place] = {}
    for p in where:
        there, inside = in_jurisdiction(model, geography, scenario, p, as_of=as_of)
        start_on = enabled_mask(there, inside)
        place = _Place(
            p,
            there,
            inside,
            start_on,
            _place_candidates(there, inside, start_on, mobile_links, named.get(p)),
            [],
        )
        _options(place, cost, budget, mobile, counter, limit)
        states = _combine(states, place, budget)
        searched[p] = place
    mask, (price, _, choice) = min(
        states.items(), key=lambda item: (-item[0].bit_count(), *item[1])
    )
    chosen = tuple(sorted(choice))
    adopted = replace(
        scenario, adopt=scenario.adopt | {adopt_entry(m, p) for m, p in chosen}
    )
    before = _world_addressed(model, geography, scenario)
    after = _world_addressed(model, geography, adopted)
    return PlacesRecommendation(
        scenario=scenario,
        budget=budget,
        places=where,
        chosen=chosen,
        cost=price,
        mobile=tuple(t for t, m in zip(model.threats, mobile, strict=True) if m),
        addressed_before=before,
        addressed_after=after,
        newly_addressed=tuple(t for t in after if t not in before),
        searched=counter[0],
        method=f"exhaustive search over {counter[0]:,} sets of candidates",
        introduces=tuple(
            ((m, p), _introduced_there(searched[p], m)) for m, p in chosen
        ),
    )


def _introduced_there(place: _Place, mitigation: str) -> tuple[str, ...]:
    """The threats INTRODUCED by what adopting ``mitigation`` in the place
    brings into effect there: it and what it REQUIRES, not yet in effect."""
    model = place.model
    brought = requirements_of(model, mitigation) & ~place.start_on
    hit = (model.introduces @ brought.astype(np.int32)) > 0
    return tuple(model.threats[t] for t in np.flatnonzero(hit).tolist())


def _named_by_place(model, candidates, where) -> dict[str, list[str]]:
    """``M@P`` candidates by place (every place named, when candidates are given)."""
    if candidates is None:
        return {}
    out: dict[str, list[str]] = {p: [] for p in where}
    wrong, unknown = [], []
    for entry in candidates:
        m, p = _parsed(entry)
        if p not in out:
            wrong.append(entry)
        elif m not in model.mitigation_index:
            unknown.append(entry)
        else:
            out[p].append(m)
    if unknown:
        raise RecommendationError(
            "candidates", f"unknown candidate mitigations: {', '.join(sorted(unknown))}"
        )
    if wrong:
        raise RecommendationError(
            "candidates",
            "candidates over the places are MITIGATION@PLACE, a place one of "
            f"{', '.join(where)}; got {', '.join(sorted(wrong))}",
        )
    return out


def _combine(states, place: _Place, budget: float):
    """The cheapest way to each set of mobile threats still addressed everywhere,
    after this place's options (ties: fewer adoptions, then the entries)."""
    out: dict[int, tuple[float, int, tuple]] = {}
    for mask, (price, count, choice) in states.items():
        for extra, option, combo in place.options:
            total = price + extra
            if total > budget + 1e-9 and not math.isinf(budget):
                continue
            pairs = tuple(
                sorted(
                    (
                        *choice,
                        *((place.model.mitigations[c], place.place) for c in combo),
                    )
                )
            )
            key = mask & option
            entry = (total, count + len(combo), pairs)
            if key not in out or entry < out[key]:
                out[key] = entry
    return out


def _world_addressed(model, geography, scenario) -> tuple[str, ...]:
    """The mobile threats the world view addresses under ``scenario``."""
    view = world_view(model, geography, scenario, as_of=scenario.as_of)
    hit = view.mobile & np.isin(view.classes, _ADDRESSED)
    return tuple(t for t, h in zip(view.threats, hit.tolist(), strict=True) if h)
