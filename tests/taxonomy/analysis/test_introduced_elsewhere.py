"""Threats counted although the measures recorded as introducing them do not
count: held to a brute-force reading of the taxonomy on random cases."""

from __future__ import annotations

from hypothesis import given, settings

from taxonomy.analysis.compiled import (
    coverage_model,
    enabled_mask,
    introduced_only_by_others,
)
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.model import taxonomy_graph
from taxonomy.analysis.scenarios import enabled_mitigations
from tests.taxonomy.analysis.test_properties import cases


@settings(max_examples=200, deadline=None)
@given(case=cases())
def test_a_threat_is_listed_when_no_measure_introducing_it_counts(case):
    taxonomy, scenario = case
    # Brute force: the mitigations that count, by the graph's own reading.
    enabled = enabled_mitigations(taxonomy_graph(taxonomy), scenario)
    introducers: dict[str, set[str]] = {}
    for link in taxonomy.introduces:
        introducers.setdefault(link.target, set()).add(link.source)
    expected = tuple(
        (threat, tuple(sorted(by)))
        for threat, by in sorted(introducers.items())
        if not by & enabled
    )
    model = coverage_model(taxonomy)
    listed = introduced_only_by_others(model, enabled_mask(model, scenario))
    assert listed == expected
    # The analysis names no introducer of any of them, and names one of
    # every other threat a measure is recorded as introducing.
    analysis = run_scenario(model, scenario)
    shown = {t.id: t.introduced_by for t in analysis.threats}
    assert all(shown[threat] == () for threat, _ in listed)
    assert all(shown[t] for t in set(introducers) - {threat for threat, _ in listed})
