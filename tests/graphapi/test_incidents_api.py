"""coverage/incidents/ and coverage/incidents/{id}/: documented incidents under a
what-if scenario, against the real Neo4j test server."""

from __future__ import annotations

import pytest

from taxonomy import services
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors import incidents as incident_selectors
from tests.taxonomy.incident_samples import INCIDENTS

URL = "/api/v1/coverage/incidents/"


@pytest.fixture
def incident_graph(graph):
    services.taxonomy_apply(taxonomy=INCIDENTS)
    return graph


def _stopped(body: dict) -> dict[str, bool]:
    return {i["id"]: i["stopped"] for i in body["results"]}


def test_it_answers_every_incident_with_its_verdict_and_the_totals(
    anon, incident_graph
):
    body = anon.get(URL).json()
    assert body == {
        **{
            k: v
            for k, v in incident_selectors.incident_report(scenario=Scenario()).items()
            if k != "incidents"
        },
        "count": 5,
        "next": None,
        "previous": None,
        "results": incident_selectors.incident_report(scenario=Scenario())["incidents"],
    }
    assert _stopped(body) == {
        "cs1": True,
        "cs2": False,
        "cs3": False,
        "g1": True,
        "g2": False,
    }
    cs1 = body["results"][0]
    assert (cs1["first_stopped_step"], cs1["steps_addressed"]) == (2, [2])
    assert body["totals"]["by_kind"]["group"] == {"incidents": 2, "stopped": 1}
    assert body["stoppers"][0] == {"threat": "t3", "name": "Wipe", "incidents": 3}
    assert "one addressed step" in body["assumption"]


def test_disabling_a_layer_un_stops_the_incidents_it_alone_stopped(
    anon, incident_graph
):
    body = anon.get(URL, {"disable_layer": "hw"}).json()
    assert not any(_stopped(body).values())
    assert body["totals"]["stopped"] == 0
    lower = anon.get(URL, {"threshold": "0.55"}).json()
    assert _stopped(lower)["g2"] is True


def test_it_filters_and_paginates_the_list_but_counts_every_incident(
    anon, incident_graph
):
    body = anon.get(URL, {"kind": "group", "stopped": "false"}).json()
    assert [i["id"] for i in body["results"]] == ["g2"]
    assert body["count"] == 1 and body["totals"]["incidents"] == 5
    page = anon.get(URL, {"limit": 2, "offset": 2}).json()
    assert [i["id"] for i in page["results"]] == ["cs3", "g1"]
    assert page["next"] and page["previous"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"disable_layer": "nowhere"}, "disable_layer"),
        ({"threshold": "2"}, "threshold"),
        ({"kind": "tourist"}, "kind"),
        ({"stopped": "perhaps"}, "stopped"),
        ({"limit": "0"}, "limit"),
        ({"taxonomy": ""}, "taxonomy"),
    ],
)
def test_bad_parameters_are_422_naming_them(anon, incident_graph, params, field):
    response = anon.get(URL, params)
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


def test_an_unknown_taxonomy_is_404(anon, incident_graph):
    assert anon.get(URL, {"taxonomy": "nowhere"}).status_code == 404


def test_one_incident_answers_its_steps_and_the_step_that_stops_it(
    anon, incident_graph
):
    body = anon.get(f"{URL}cs1/").json()
    assert body == incident_selectors.incident_detail(
        scenario=Scenario(), incident_id="cs1"
    )
    assert [
        (s["step"], s["threat"], s["class"], s["stops"]) for s in body["steps"]
    ] == [
        (1, "t2", "insufficient", False),
        (2, "t1", "single-layer", True),
    ]
    off = anon.get(f"{URL}cs1/", {"disable_layer": "hw"}).json()
    assert (off["stopped"], off["first_stopped_step"]) == (False, None)


def test_one_unknown_incident_is_404_and_a_bad_scenario_422(anon, incident_graph):
    assert anon.get(f"{URL}nowhere/").status_code == 404
    bad = anon.get(f"{URL}cs1/", {"disable_mitigation": "nothing"})
    assert bad.status_code == 422
    assert "disable_mitigation" in bad.json()["error"]["details"]


def _by_class_brute(classes, threats):
    counts = {name: 0 for name in CLASSES}
    for threat in threats:
        counts[classes[threat]] += 1
    return {"threats": len(threats), "by_class": counts}


@pytest.mark.parametrize("query", ["", "?disable_layer=hw", "?threshold=0.5"])
def test_coverage_per_tactic_counts_each_tactics_threats_by_class(
    anon, incident_graph, query
):
    body = anon.get(f"/api/v1/coverage/tactics/{query}").json()
    document = anon.get(f"/api/v1/coverage/{query}").json()
    classes = {t["id"]: t["class"] for t in document["threats"]}
    tactics = sorted(INCIDENTS.tactics, key=lambda t: (t.order, t.id))
    assert [row["id"] for row in body["tactics"]] == [t.id for t in tactics]
    for row, tactic in zip(body["tactics"], tactics, strict=True):
        members = {x.source for x in INCIDENTS.in_tactic if x.target == tactic.id}
        assert {k: row[k] for k in ("threats", "by_class")} == _by_class_brute(
            classes, members
        )
    placed = {x.source for x in INCIDENTS.in_tactic}
    alone = {t.id for t in INCIDENTS.threats} - placed
    assert body["no_tactic"] == _by_class_brute(classes, alone)
    assert body["total"] == _by_class_brute(classes, set(classes))


def test_coverage_per_tactic_refuses_an_unknown_layer(anon, incident_graph):
    response = anon.get("/api/v1/coverage/tactics/?disable_layer=nowhere")
    assert response.status_code == 422
    assert "disable_layer" in response.json()["error"]["details"]
