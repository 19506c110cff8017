"""Scenarios: disabled layers and mitigations, maturities, REQUIRES, INTRODUCES."""

from __future__ import annotations

import pytest

from taxonomy.analysis import fast, scenarios
from taxonomy.analysis.compiled import coverage_model, enabled_mask
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.model import taxonomy_graph, validate_ids
from taxonomy.analysis.scenarios import diff_analyses
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import Layer, Link, Mitigation, Taxonomy
from taxonomy.domain.scenario import Scenario

TODAY = Scenario(maturities=["deployed"])


@pytest.fixture(params=["plain", "fast"])
def analyser(request):
    return {"plain": analyse, "fast": fast.analyse}[request.param]


def test_today_only_deployed_mitigations_count(seed_taxonomy, analyser):
    analysis = analyser(seed_taxonomy, TODAY)
    assert analysis.summary == {
        "unmitigated": 2,
        "insufficient": 8,
        "defense-in-depth": 1,
        "single-layer": 1,
    }
    assert analysis.classes["scaled-misuse"] == "defense-in-depth"
    assert analysis.coverages["scaled-misuse"] == pytest.approx(1 - 0.4 * 0.49)
    assert analysis.classes["model-extraction"] == "single-layer"
    assert analysis.classes["unaccountable-harm"] == "unmitigated"
    assert analysis.classes["control-repression"] == "unmitigated"


def test_disabling_a_mitigation_disables_what_requires_it(seed_taxonomy, analyser):
    scenario = Scenario(disabled_mitigations=["provenance-registry"])
    analysis = analyser(seed_taxonomy, scenario)
    assert analysis.disabled_by_requires == ("liability-insurance",)
    harm = analysis.threat("unaccountable-harm")
    assert "liability-insurance" not in {link.mitigation for link in harm.links}
    assert harm.coverage == pytest.approx(1 - (0.4 * 0.4) * 0.7)


def test_a_disabled_layer_disables_dependants_in_other_layers(analyser):
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"), Layer("sw", "SW")),
        mitigations=(
            Mitigation("a", "A", "hw", "deployed"),
            Mitigation("b", "B", "sw", "deployed"),
            Mitigation("c", "C", "sw", "deployed"),
        ),
        requires=(Link("b", "a"), Link("c", "b")),
    )
    analysis = analyser(taxonomy, Scenario(disabled_layers=["hw"]))
    assert analysis.disabled_by_requires == ("b", "c")
    assert analysis.layer_totals["sw"]["mitigations"] == 0


def test_a_maturity_filter_disables_dependants_of_what_it_filters(analyser):
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        mitigations=(
            Mitigation("a", "A", "hw", "proposed"),
            Mitigation("b", "B", "hw", "deployed"),
        ),
        requires=(Link("b", "a"),),
    )
    assert analyser(taxonomy, TODAY).disabled_by_requires == ("b",)


def test_the_requires_closure_survives_a_cycle():
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        mitigations=tuple(Mitigation(m, m, "hw", "pilot") for m in "abc"),
        requires=(Link("a", "b"), Link("b", "a"), Link("c", "a")),
    )
    g = taxonomy_graph(taxonomy)
    assert scenarios.requires_closure(g, ["b"]) == {"a", "b", "c"}
    mask = enabled_mask(coverage_model(taxonomy), Scenario(disabled_mitigations=["b"]))
    assert not mask.any()


def test_the_fast_and_plain_closures_agree_on_the_seed(seed_taxonomy):
    g, model = taxonomy_graph(seed_taxonomy), coverage_model(seed_taxonomy)
    for scenario in (TODAY, Scenario(disabled_layers=["software"])):
        mask = enabled_mask(model, scenario)
        fast = {m for m, on in zip(model.mitigations, mask, strict=True) if on}
        assert fast == scenarios.enabled_mitigations(g, scenario)


def test_it_lists_threats_introduced_by_enabled_mitigations(seed_taxonomy, analyser):
    baseline = analyser(seed_taxonomy)
    assert baseline.introduced == (
        ("control-repression", ("chip-attestation", "unattested-compute-caps")),
    )
    assert baseline.threat("control-repression").introduced_by == (
        "chip-attestation",
        "unattested-compute-caps",
    )
    today = analyser(seed_taxonomy, TODAY)
    assert today.introduced == ()
    assert today.threat("control-repression").introduced_by == ()


def test_only_enabled_introducers_are_listed(seed_taxonomy, analyser):
    scenario = Scenario(disabled_mitigations=["unattested-compute-caps"])
    assert analyser(seed_taxonomy, scenario).introduced == (
        ("control-repression", ("chip-attestation",)),
    )


def test_a_diff_names_the_threats_that_changed_class(seed_taxonomy, analyser):
    scenario = Scenario(disabled_mitigations=["chip-attestation"])
    diff = diff_analyses(analyser(seed_taxonomy), analyser(seed_taxonomy, scenario))
    assert diff["changed"] == [
        {
            "id": "sanctions-evasion",
            "from": "defense-in-depth",
            "to": "insufficient",
            "coverage": {"from": 0.90396, "to": 0.7599},
        },
        {
            "id": "threshold-gaming",
            "from": "defense-in-depth",
            "to": "insufficient",
            "coverage": {"from": 0.804, "to": 0.72},
        },
    ]
    assert diff["summary"] == {
        "unmitigated": 0,
        "insufficient": 2,
        "defense-in-depth": -2,
        "single-layer": 0,
    }


def test_without_liability_one_threat_falls_through(seed_taxonomy, analyser):
    scenario = Scenario(disabled_layers=["liability"])
    diff = diff_analyses(analyser(seed_taxonomy), analyser(seed_taxonomy, scenario))
    assert [(c["id"], c["from"], c["to"]) for c in diff["changed"]] == [
        ("unaccountable-harm", "single-layer", "insufficient")
    ]


def test_it_names_every_unknown_id_and_its_kind(seed_taxonomy):
    scenario = Scenario(
        disabled_layers=["market", "hardware"], disabled_mitigations=["x"]
    )
    with pytest.raises(ScenarioError) as caught:
        validate_ids(seed_taxonomy, scenario, threats=["nope", "shadow-ai", None])
    assert caught.value.unknown == {
        "layer": ("market",),
        "mitigation": ("x",),
        "threat": ("nope",),
    }
    assert str(caught.value) == (
        "unknown layer: market; unknown mitigation: x; unknown threat: nope"
    )


def test_the_fast_path_refuses_unknown_ids_too(seed_taxonomy):
    model = coverage_model(seed_taxonomy)
    with pytest.raises(ScenarioError, match="unknown layers: a, b"):
        run_scenario(model, Scenario(disabled_layers=["a", "b"]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"maturities": ["deployed", "someday"]}, "unknown maturity: someday"),
        ({"threshold": 0}, "threshold must be in"),
        ({"threshold": 1.5}, "threshold must be in"),
        ({"effectiveness": {"low": 0.3}}, "effectiveness must map"),
        ({"effectiveness": {"low": -1, "medium": 0.5, "high": 1}}, "must be in"),
    ],
)
def test_a_scenario_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Scenario(**kwargs)


def test_a_scenario_is_hashable_and_says_what_it_used():
    scenario = Scenario(disabled_layers=("hardware",), threshold=0.7)
    assert hash(scenario) == hash(Scenario(disabled_layers={"hardware"}, threshold=0.7))
    assert scenario.effectiveness_map == {"low": 0.3, "medium": 0.6, "high": 0.9}
    assert not scenario.is_baseline
    assert scenario.baseline() == Scenario(threshold=0.7)
