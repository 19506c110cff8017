"""The incident selectors over a taxonomy held in memory (their pure core and cache)."""

from __future__ import annotations

from dataclasses import replace
from itertools import count

import pytest
from django.utils.datastructures import MultiValueDict

from taxonomy import selectors
from taxonomy.analysis import incidents_report
from taxonomy.analysis.fast import analyse
from taxonomy.domain.errors import NotFound, ScenarioError
from taxonomy.domain.records import Incident, Link, Tactic, Uses
from taxonomy.domain.scenario import DEMAND, Scenario
from taxonomy.domain.scenario_params import scenario_params, scenario_values
from taxonomy.domain.scenario_words import scenario_summary
from taxonomy.selectors import snapshot as snapshot_selectors

TODAY = Scenario(maturities={"deployed"})
_tokens = count(1)


@pytest.fixture
def held(seed_taxonomy, monkeypatch):
    """The seed with two incidents, served by ``taxonomy_at`` from memory; a
    fresh revision token per test, so nothing cached leaks between tests."""
    taxonomy = replace(
        seed_taxonomy,
        tactics=(Tactic("ta1", "Staging", shortname="staging", order=1),),
        in_tactic=(Link("model-extraction", "ta1"), Link("shadow-ai", "ta1")),
        incidents=(
            Incident("case", "Case", date="2024"),
            Incident("crew", "Crew", kind="group"),
        ),
        uses=(
            Uses("case", "guardrail-removal", (1,), ("staging",), ("strip",)),
            Uses("case", "model-extraction", (2,), ("ta1",), ("steal",)),
            Uses("crew", "shadow-ai"),
            Uses("crew", "guardrail-removal"),
        ),
        revision=next(_tokens),
    )
    monkeypatch.setattr(snapshot_selectors, "taxonomy_at", lambda **_: taxonomy)
    return {"token": f"test:{taxonomy.revision}", "taxonomy": taxonomy}


def test_the_report_is_the_documents_and_is_computed_once_per_revision(held):
    first = selectors.incident_report(scenario=TODAY, token=held["token"])
    again = selectors.incident_report(scenario=TODAY, token=held["token"])
    assert first is again
    expected = incidents_report.incident_document(
        held["taxonomy"], analyse(held["taxonomy"], TODAY)
    )
    assert first == expected
    assert first["totals"]["stopped"] == 1
    assert [r["stopped"] for r in first["incidents"]] == [True, False]


def test_the_detail_lists_the_steps_in_order_and_the_step_that_stops_it(held):
    detail = selectors.incident_detail(
        scenario=TODAY, incident_id="case", token=held["token"]
    )
    assert [(s["step"], s["stops"]) for s in detail["steps"]] == [(1, False), (2, True)]


def test_an_unknown_incident_is_not_found(held):
    with pytest.raises(NotFound, match="no incident 'nope'"):
        selectors.incident_detail(
            scenario=TODAY, incident_id="nope", token=held["token"]
        )


def test_a_scenario_naming_an_unknown_layer_is_refused(held):
    with pytest.raises(ScenarioError, match="unknown layer: market"):
        selectors.incident_report(
            scenario=Scenario(disabled_layers={"market"}), token=held["token"]
        )


def test_the_incidents_using_a_threat_and_its_demand(held):
    using = selectors.threat_incidents(
        threat_id="guardrail-removal", token=held["token"]
    )
    assert [(i["id"], i["steps"]) for i in using] == [("case", [1]), ("crew", [])]
    demand = selectors.threat_demand(token=held["token"])
    assert demand["guardrail-removal"]["total"] == 2
    assert demand["guardrail-removal"]["by_kind"]["group"] == 1
    assert "tee" not in demand and "covert-deployment" not in demand


def test_coverage_per_tactic_counts_each_threat_once_in_the_total(held):
    doc = selectors.tactic_coverage(scenario=TODAY, token=held["token"])
    (row,) = doc["tactics"]
    assert (row["id"], row["threats"]) == ("ta1", 2)
    assert doc["no_tactic"]["threats"] == 10
    assert doc["total"]["threats"] == 12


def test_the_weight_parameter_is_read_written_and_put_in_words():
    values = scenario_values(MultiValueDict({"weight": ["demand"]}))
    assert values["weight"] == DEMAND
    weighted = Scenario(weight=DEMAND)
    assert scenario_params(weighted) == [("weight", "demand")]
    assert scenario_params(Scenario()) == []
    assert scenario_summary(weighted, {}).endswith("weighted by incident demand.")
    assert weighted.cache_key() != Scenario().cache_key()
    assert weighted.baseline().weight == DEMAND
    with pytest.raises(ValueError, match="weight must be one of none, demand"):
        Scenario(weight="heavy")
    with pytest.raises(ValueError, match="weight must be one of"):
        scenario_values(MultiValueDict({"weight": ["heavy"]}))
