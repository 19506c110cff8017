"""What a scenario moves against its baseline, held to two plain analyses."""

from __future__ import annotations

import doctest
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis import diff
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.report import coverage_document
from taxonomy.domain.scenario import DEPENDENCES, Scenario
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# The document rounds to 6 decimals; the plain path may differ in the 16th.
CLOSE = 2e-6


def test_the_diff_helpers_do_what_their_examples_say():
    assert doctest.testmod(diff).failed == 0


def _plain_moves(taxonomy, scenario) -> dict[str, dict]:
    """Every threat's class and coverage on both sides, from two plain analyses
    computed separately, and whether anything of it moved."""
    before = {t.id: t for t in analyse(taxonomy, scenario.baseline()).threats}
    after = {t.id: t for t in analyse(taxonomy, scenario).threats}
    out = {}
    for threat, was in before.items():
        now = after[threat]
        pairs = [
            (was.coverage, now.coverage),
            *zip(was.by_layer, now.by_layer, strict=True),
        ]
        out[threat] = {
            "classes": (was.coverage_class, now.coverage_class),
            "all": pairs[0],
            "layers": pairs[1:],
            "moved": was.coverage_class != now.coverage_class
            or any(abs(b - a) > 1e-9 for a, b in pairs),
        }
    return out


@st.composite
def compared(draw):
    """A random taxonomy and scenario, under any dependence."""
    taxonomy, scenario = draw(cases())
    return taxonomy, replace(scenario, dependence=draw(st.sampled_from(DEPENDENCES)))


@EXAMPLES
@given(case=compared())
def test_the_moves_are_the_differences_of_two_separate_analyses(case):
    taxonomy, scenario = case
    found = coverage_document(taxonomy, scenario=scenario, diff_baseline=True)
    moves, layers = found["diff"]["moved"], found["layers"]
    plain = _plain_moves(taxonomy, scenario)
    ids = [m["id"] for m in moves]
    assert len(ids) == len(set(ids))
    assert set(ids) == {t for t, p in plain.items() if p["moved"]}
    assert found["diff"]["unchanged"] == len(plain) - len(ids)
    for move in moves:
        expected = plain[move["id"]]
        assert (move["from"], move["to"]) == expected["classes"]
        sides = [(move["coverage"], expected["all"])]
        sides += [
            (move["by_layer"][layer], pair)
            for layer, pair in zip(layers, expected["layers"], strict=True)
        ]
        assert list(move["by_layer"]) == layers
        for got, (was, now) in sides:
            assert abs(got["from"] - was) < CLOSE
            assert abs(got["to"] - now) < CLOSE
            assert abs(got["delta"] - (now - was)) < CLOSE


@EXAMPLES
@given(case=compared())
def test_class_changes_come_first_then_the_largest_move(case):
    taxonomy, scenario = case
    moves = coverage_document(taxonomy, scenario=scenario, diff_baseline=True)
    keys = [
        (m["from"] == m["to"], -abs(m["coverage"]["delta"]))
        for m in moves["diff"]["moved"]
    ]
    assert keys == sorted(keys)


def test_switching_export_controls_off_moves_three_threats_none_of_class(
    seed_taxonomy,
):
    scenario = Scenario(disabled_mitigations=["export-controls"])
    found = coverage_document(seed_taxonomy, scenario=scenario, diff_baseline=True)
    moves = found["diff"]["moved"]
    assert [m["id"] for m in moves] == [
        "jurisdiction-shopping",
        "sanctions-evasion",
        "model-extraction",
    ]
    assert found["diff"]["changed"] == []
    assert found["diff"]["unchanged"] == 9
    extraction = moves[2]["by_layer"]
    assert (extraction["institutional"]["from"], extraction["institutional"]["to"]) == (
        0.3,
        0.0,
    )
    assert [layer for layer, m in extraction.items() if m["delta"]] == ["institutional"]


def test_a_class_change_without_a_coverage_move_is_listed(seed_taxonomy):
    # Effectiveness 0 for "low": a threat whose only links are low keeps 0%
    # coverage but is unmitigated once they are switched off.
    effect = (("low", 0.0), ("medium", 0.6), ("high", 0.9))
    scenario = Scenario(disabled_layers=["institutional"], effectiveness=effect)
    found = coverage_document(seed_taxonomy, scenario=scenario, diff_baseline=True)
    still = [
        m
        for m in found["diff"]["moved"]
        if m["from"] != m["to"] and not m["coverage"]["delta"]
    ]
    plain = _plain_moves(seed_taxonomy, scenario)
    expected = {
        t
        for t, p in plain.items()
        if p["classes"][0] != p["classes"][1] and p["all"][0] == p["all"][1]
    }
    assert expected and {m["id"] for m in still} == expected
