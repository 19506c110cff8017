"""Properties of the coverage model on random taxonomies (hypothesis), both paths."""

from __future__ import annotations

import functools
import math
from itertools import combinations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from taxonomy.analysis import fast
from taxonomy.analysis.coverage import analyse, set_coverage
from taxonomy.analysis.model import Analysis, addressed, taxonomy_graph
from taxonomy.analysis.scenarios import enabled_mitigations
from taxonomy.domain.records import (
    INCIDENT_KINDS,
    MATURITIES,
    ORDERED_INCIDENT_KINDS,
    STRENGTHS,
    Incident,
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Tactic,
    Taxonomy,
    Threat,
    Uses,
)
from taxonomy.domain.scenario import Scenario

EXAMPLES = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
THRESHOLDS = st.one_of(
    st.sampled_from([0.3, 0.51, 0.6, 0.657, 0.72, 0.8, 0.804, 0.84, 0.9, 0.95, 1.0]),
    st.floats(0.05, 0.99),
)
EFFECTIVENESS = st.one_of(
    st.just({"low": 0.3, "medium": 0.6, "high": 0.9}),
    st.fixed_dictionaries(
        {s: st.sampled_from([0.0, 0.2, 0.3, 0.5, 0.6, 0.9, 1.0]) for s in STRENGTHS}
    ),
)


ANALYSERS = {"plain": analyse, "fast": fast.analyse}


@st.composite
def taxonomies(draw, max_layers: int = 5, incidents: bool = False) -> Taxonomy:
    """A random taxonomy of layers, threats, mitigations and their links; with
    ``incidents`` also tactics, IN_TACTIC links, incidents of every kind and
    their USES links (what it draws otherwise is unchanged)."""
    n_layers = draw(st.integers(1, max_layers))
    n_threats = draw(st.integers(1, 5))
    n_mitigations = draw(st.integers(1, 8))
    # Tuples, not lists: hypothesis caches a strategy built from hashable
    # arguments, so a draw reuses it instead of building and validating anew.
    layers = tuple(f"l{i}" for i in range(n_layers))
    threats = tuple(f"t{i}" for i in range(n_threats))
    mitigations = tuple(f"m{i}" for i in range(n_mitigations))
    pair = st.tuples(st.sampled_from(mitigations), st.sampled_from(threats))
    links = draw(st.lists(st.tuples(pair, st.sampled_from(STRENGTHS)), max_size=18))
    requires = draw(st.lists(_distinct_pairs(mitigations), max_size=4))
    enables = draw(st.lists(_distinct_pairs(threats), max_size=6))
    introduces = draw(st.lists(pair, max_size=3))
    extra = draw(_incident_parts(threats)) if incidents else {}
    return Taxonomy(
        **extra,
        layers=tuple(Layer(layer, layer.upper()) for layer in layers),
        threats=tuple(Threat(t, t.upper()) for t in threats),
        mitigations=tuple(
            Mitigation(
                m,
                m.upper(),
                draw(st.sampled_from(layers)),
                draw(st.sampled_from(MATURITIES)),
            )
            for m in mitigations
        ),
        mitigates=tuple(Mitigates(m, t, s) for (m, t), s in links),
        requires=tuple(Link(a, b) for a, b in requires),
        enables=tuple(Link(a, b) for a, b in enables),
        introduces=tuple(Link(m, t) for m, t in introduces),
    )


@functools.cache
def _distinct_pairs(ids: tuple[str, ...]) -> st.SearchStrategy[tuple[str, str]]:
    """Ordered pairs of two different ids (one strategy per id tuple)."""
    one = st.sampled_from(ids)
    return st.tuples(one, one).filter(lambda p: p[0] != p[1])


@st.composite
def _incident_parts(draw, threats: list[str]) -> dict[str, tuple]:
    """Tactics, IN_TACTIC, incidents and USES over ``threats``, by the rules:
    one USES link per (incident, threat); an ordered incident's steps number
    1, 2, ... across its links, each with a tactic (or none) and a text."""
    tactics = [f"ta{i}" for i in range(draw(st.integers(1, 4)))]
    placed = draw(
        st.sets(st.tuples(st.sampled_from(threats), st.sampled_from(tactics)))
    )
    kinds = draw(st.lists(st.sampled_from(INCIDENT_KINDS), min_size=1, max_size=4))
    uses = []
    for i, kind in enumerate(kinds):
        used = draw(st.lists(st.sampled_from(threats), unique=True, max_size=4))
        if kind not in ORDERED_INCIDENT_KINDS:
            for threat in used:
                text = draw(st.sampled_from(["", "Used it."]))
                uses.append(Uses(f"i{i}", threat, (), (), (text,) if text else ()))
            continue
        steps = {threat: [] for threat in used}
        for number in range(1, draw(st.integers(len(used), 2 * len(used))) + 1):
            steps[draw(st.sampled_from(used))].append(number)
        for threat, numbers in steps.items():
            if not numbers:
                continue
            per_step = st.lists(
                st.sampled_from(["", *tactics]),
                min_size=len(numbers),
                max_size=len(numbers),
            )
            uses.append(
                Uses(
                    f"i{i}",
                    threat,
                    tuple(numbers),
                    tuple(draw(per_step)),
                    tuple(f"Step {n}." for n in numbers),
                )
            )
    return {
        "tactics": tuple(
            Tactic(t, t.upper(), shortname=f"phase-{t}", order=n)
            for n, t in enumerate(tactics)
        ),
        "incidents": tuple(
            Incident(f"i{i}", f"I{i}", kind=kind, date=draw(st.sampled_from(DATES)))
            for i, kind in enumerate(kinds)
        ),
        "in_tactic": tuple(Link(t, tactic) for t, tactic in sorted(placed)),
        "uses": tuple(uses),
    }


DATES = ("", "2020", "2021-03", "2023-11-30")


@st.composite
def scenarios(draw, taxonomy: Taxonomy) -> Scenario:
    layers = [layer.id for layer in taxonomy.layers]
    mitigations = [m.id for m in taxonomy.mitigations]
    return Scenario(
        disabled_layers=draw(st.sets(st.sampled_from(layers), max_size=2)),
        disabled_mitigations=draw(st.sets(st.sampled_from(mitigations), max_size=2)),
        maturities=draw(st.none() | st.sets(st.sampled_from(MATURITIES), min_size=1)),
        threshold=draw(THRESHOLDS),
        effectiveness=draw(EFFECTIVENESS),
    )


@st.composite
def cases(draw, max_layers: int = 5) -> tuple[Taxonomy, Scenario]:
    taxonomy = draw(taxonomies(max_layers))
    return taxonomy, draw(scenarios(taxonomy))


def _coverages(analysis: Analysis) -> dict[str, tuple[float, ...]]:
    return {t.id: (t.coverage, *t.by_layer) for t in analysis.threats}


def _not_lower(before: dict, after: dict) -> bool:
    return all(
        a >= b - 1e-12 for t in before for a, b in zip(after[t], before[t], strict=True)
    )


both_paths = pytest.mark.parametrize(
    "analyser", list(ANALYSERS.values()), ids=list(ANALYSERS)
)


@both_paths
@EXAMPLES
@given(case=cases(), extra=st.data())
def test_adding_a_link_never_lowers_any_coverage(analyser, case, extra):
    taxonomy, scenario = case
    link = Mitigates(
        extra.draw(st.sampled_from([m.id for m in taxonomy.mitigations])),
        extra.draw(st.sampled_from([t.id for t in taxonomy.threats])),
        extra.draw(st.sampled_from(STRENGTHS)),
    )
    more = Taxonomy(**{**_fields(taxonomy), "mitigates": (*taxonomy.mitigates, link)})
    before = _coverages(analyser(taxonomy, scenario))
    assert _not_lower(before, _coverages(analyser(more, scenario)))


def _fields(taxonomy: Taxonomy) -> dict:
    return {name: getattr(taxonomy, name) for name in taxonomy.__dataclass_fields__}


@both_paths
@EXAMPLES
@given(case=cases(), extra=st.data())
def test_disabling_a_layer_never_raises_any_coverage(analyser, case, extra):
    taxonomy, scenario = case
    layer = extra.draw(st.sampled_from([layer.id for layer in taxonomy.layers]))
    fewer = Scenario(
        disabled_layers=scenario.disabled_layers | {layer},
        disabled_mitigations=scenario.disabled_mitigations,
        maturities=scenario.maturities,
        threshold=scenario.threshold,
        effectiveness=scenario.effectiveness,
    )
    after = _coverages(analyser(taxonomy, fewer))
    assert _not_lower(after, _coverages(analyser(taxonomy, scenario)))


@both_paths
@EXAMPLES
@given(case=cases())
def test_restricting_maturities_or_mitigations_never_raises_coverage(analyser, case):
    taxonomy, scenario = case
    baseline = _coverages(analyser(taxonomy, scenario.baseline()))
    assert _not_lower(_coverages(analyser(taxonomy, scenario)), baseline)


@both_paths
@EXAMPLES
@given(case=cases())
def test_every_minimal_set_addresses_and_no_proper_subset_does(analyser, case):
    taxonomy, scenario = case
    analysis = analyser(taxonomy, scenario)
    tau, index = (
        scenario.threshold,
        {layer: i for i, layer in enumerate(analysis.layers)},
    )
    assert len(analysis.threats) == len(taxonomy.threats) > 0
    for threat in analysis.threats:
        misses = [1.0 - c for c in threat.by_layer]
        sets = [tuple(index[layer] for layer in s) for s in threat.minimal_layer_sets]
        for s in sets:
            assert addressed(set_coverage(misses, s), tau)
            for size in range(len(s)):
                for sub in combinations(s, size):
                    assert not addressed(set_coverage(misses, sub), tau)
        # exact: every addressing set contains one of them
        for size in range(1, len(misses) + 1):
            for candidate in combinations(range(len(misses)), size):
                if addressed(set_coverage(misses, candidate), tau):
                    assert any(set(s) <= set(candidate) for s in sets)


@both_paths
@EXAMPLES
@given(case=cases())
def test_the_class_agrees_with_the_coverages(analyser, case):
    taxonomy, scenario = case
    analysis = analyser(taxonomy, scenario)
    tau = scenario.threshold
    assert len(analysis.threats) == len(taxonomy.threats) > 0
    for t in analysis.threats:
        if not t.links:
            expected = "unmitigated"
        elif not addressed(t.coverage, tau):
            expected = "insufficient"
        elif any(addressed(c, tau) for c in t.by_layer):
            expected = "single-layer"
        else:
            expected = "defense-in-depth"
        assert t.coverage_class == expected
        assert analysis.classes[t.id] == expected
        assert math.isclose(
            t.coverage, 1 - math.prod(1 - c for c in t.by_layer), abs_tol=1e-12
        )


@both_paths
@EXAMPLES
@given(case=cases())
def test_critical_layers_are_those_in_every_minimal_set(analyser, case):
    taxonomy, scenario = case
    threats = analyser(taxonomy, scenario).threats
    assert len(threats) == len(taxonomy.threats) > 0
    for t in threats:
        if t.minimal_layer_sets:
            common = set.intersection(*(set(s) for s in t.minimal_layer_sets))
            assert set(t.critical_layers) == common
        else:
            assert t.critical_layers == ()


@EXAMPLES
@given(case=cases())
def test_no_enabled_mitigation_requires_a_disabled_one(case):
    taxonomy, scenario = case
    assume(taxonomy.requires)  # with none, there is nothing to check
    enabled = enabled_mitigations(taxonomy_graph(taxonomy), scenario)
    for link in taxonomy.requires:
        assert link.source not in enabled or link.target in enabled
