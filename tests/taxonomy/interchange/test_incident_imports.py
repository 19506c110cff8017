"""Tactics and documented incidents from MITRE ATLAS and from ATT&CK-shaped STIX
bundles built with stix2; their Navigator layers."""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import replace

import pytest
from mitreattack.navlayers import Layer
from stix2validator import ValidationOptions, validate_string

from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.report import build_report
from taxonomy.domain.records import Link, Uses
from taxonomy.formats.atlas import atlas_parse
from taxonomy.formats.navigator import navigator_layer, technique_tactics
from taxonomy.formats.stix import EXTENSION_ID, stix_bundle, stix_parse
from tests.taxonomy.interchange.attack_shaped import attack_bundle_text

# What ATLAS.yaml 5.6.0 (LAYERWISE_ATLAS_PATH) holds: 16 tactics, 57 case
# studies with 449 procedure steps on 440 (case study, technique) pairs, and
# 111 tactics listed by techniques (185 once sub-techniques get their
# parent's).
TACTICS, CASE_STUDIES, STEPS, PAIRS, IN_TACTIC = 16, 57, 449, 440, 185
# The kill-chain phase names ATLAS's own STIX data and Navigator layers use
# (its name lowercase, spaces as hyphens).
ATLAS_SHORTNAMES = [
    "reconnaissance",
    "resource-development",
    "initial-access",
    "ai-model-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "ai-attack-staging",
    "command-and-control",
    "exfiltration",
    "impact",
]


# --- ATLAS ----------------------------------------------------------------------------


def test_atlas_tactics_keep_the_matrix_order_and_navigators_shortnames(atlas_text):
    graph, _ = atlas_parse(atlas_text)
    assert len(graph.tactics) == TACTICS
    assert [t.shortname for t in sorted(graph.tactics, key=lambda t: t.order)] == (
        ATLAS_SHORTNAMES
    )
    assert [t.order for t in graph.tactics] == list(range(TACTICS))
    recon = graph.tactics[0]
    assert (recon.id, recon.name) == ("atlas:AML.TA0002", "Reconnaissance")
    assert recon.sources == ("atlas:attack-TA0043",)


def test_every_technique_is_in_its_tactics_and_a_sub_technique_in_its_parents(
    atlas_text, atlas_data
):
    graph, report = atlas_parse(atlas_text)
    assert len(graph.in_tactic) == IN_TACTIC and report.skipped == Counter()
    techniques = {t["id"]: t for t in atlas_data["matrices"][0]["techniques"]}
    expected = set()
    for tid, technique in techniques.items():
        own = (
            technique.get("tactics")
            or techniques[technique["subtechnique-of"]]["tactics"]
        )
        expected |= {Link(f"atlas:{tid}", f"atlas:{tactic}") for tactic in own}
    assert set(graph.in_tactic) == expected
    assert Link("atlas:AML.T0000.001", "atlas:AML.TA0002") in expected


def test_case_studies_become_incidents_with_every_procedure_step(
    atlas_text, atlas_data
):
    graph, report = atlas_parse(atlas_text)
    assert len(graph.incidents) == CASE_STUDIES
    assert {i.kind for i in graph.incidents} == {"case-study"}
    assert len(graph.uses) == PAIRS
    assert sum(len(link.steps) for link in graph.uses) == STEPS
    assert report.read == {"uses step": STEPS}
    assert report.merged["uses"] == STEPS - PAIRS
    by_pair = {(x.incident, x.threat): x for x in graph.uses}
    for study in atlas_data["case-studies"]:
        for number, step in enumerate(study["procedure"], 1):
            link = by_pair[f"atlas:{study['id']}", f"atlas:{step['technique']}"]
            at = link.steps.index(number)
            assert link.tactics[at] == f"atlas:{step['tactic']}"
            assert link.descriptions[at] == step["description"].strip()


def test_an_incident_keeps_its_date_at_atlas_precision_its_facts_and_references(
    atlas_text,
):
    graph, _ = atlas_parse(atlas_text)
    first = graph.incidents[0]
    assert (first.id, first.date) == ("atlas:AML.CS0000", "2020")  # granularity YEAR
    assert first.summary.endswith(
        "\n\nExercise. Actor: Palo Alto Networks AI Research Team. "
        "Target: Palo Alto Networks malware detection system."
    )
    (source,) = [s for s in graph.sources if s.id in first.sources]
    assert source.url == "https://arxiv.org/abs/1802.03162"
    assert source.title.startswith('Le, Hung, et al. "URLNet')
    dates = Counter(len(i.date) for i in graph.incidents)
    assert dates == {10: 34, 7: 14, 4: 9}  # DATE, MONTH and YEAR in the file


def test_a_step_to_a_missing_technique_or_tactic_is_skipped_and_named(atlas_text):
    text = atlas_text.replace(
        "technique: AML.T0000.001", "technique: AML.T9999", 1
    ).replace("tactic: AML.TA0003", "tactic: AML.TA9999", 1)
    graph, report = atlas_parse(text)
    assert report.skipped == {"uses step": 2}
    assert sum(len(x.steps) for x in graph.uses) == STEPS - 2
    assert report.read == {"uses step": STEPS - 2}
    missing = [w for w in report.warnings if "unknown" in w and "step" in w]
    assert len(missing) == 2
    assert "AML.CS0000 step 1): unknown technique 'AML.T9999'" in missing[0]
    assert "unknown tactic 'AML.TA9999'" in missing[1]


def test_the_atlas_bundle_passes_the_validator_with_its_tactics_and_case_studies(
    atlas_text,
):
    graph, _ = atlas_parse(atlas_text)
    text = stix_bundle(graph, name="atlas")
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert [str(e) for e in result.errors or []] == []
    objects = json.loads(text)["objects"]
    types = Counter(o["type"] for o in objects)
    assert (types["x-mitre-tactic"], types["incident"], types["x-mitre-matrix"]) == (
        TACTICS,
        CASE_STUDIES,
        1,
    )
    uses = [o for o in objects if o.get("relationship_type") == "uses"]
    assert len(uses) == PAIRS
    assert sum(len(o["extensions"][EXTENSION_ID]["steps"]) for o in uses) == STEPS
    back, _ = stix_parse(text)
    for field in ("tactics", "incidents", "in_tactic", "uses"):
        assert set(getattr(back, field)) == set(getattr(graph, field)), field


# --- ATT&CK-shaped STIX -------------------------------------------------------------


@pytest.fixture
def attack_bundle() -> str:
    return attack_bundle_text()


def test_an_attack_bundle_gives_tactics_in_the_matrix_order_and_in_tactic_links(
    attack_bundle,
):
    graph, report = stix_parse(attack_bundle, taxonomy="acme")
    assert [(t.id, t.shortname, t.order) for t in graph.tactics] == [
        ("acme:TA0001", "initial-access", 0),
        ("acme:TA0002", "execution", 1),
    ]
    assert set(graph.in_tactic) == {
        Link("acme:T1566", "acme:TA0001"),
        Link("acme:T1059", "acme:TA0002"),
        Link("acme:T1059", "acme:TA0001"),
        Link("acme:T1078", "acme:TA0001"),
    }
    assert any("'no-such-phase' names no tactic" in w for w in report.warnings)


def test_groups_campaigns_and_software_become_incidents_with_their_uses(
    attack_bundle,
):
    graph, report = stix_parse(attack_bundle, taxonomy="acme")
    assert {(i.id, i.kind, i.date) for i in graph.incidents} == {
        ("acme:G0007", "group", ""),
        ("acme:C0001", "campaign", "2021-03-04"),
        ("acme:S0161", "software", ""),
        ("acme:S0002", "software", ""),
    }
    # Each keeps its relationship (stix.originals.original_properties).
    assert all(u.stix for u in graph.uses)
    assert {replace(u, stix="") for u in graph.uses} == {
        Uses("acme:G0007", "acme:T1566", descriptions=("Sends lures.",)),
        Uses("acme:G0007", "acme:T1059"),
        Uses("acme:C0001", "acme:T1078", descriptions=("Logs in.",)),
        Uses("acme:S0161", "acme:T1059"),
        Uses("acme:S0002", "acme:T1078"),
    }
    # the revoked technique, the deprecated group; the uses to a missing or
    # revoked technique and the deprecated group's; a phase naming no tactic
    assert report.skipped == {"threat": 1, "incident": 1, "uses": 3, "in_tactic": 1}
    assert report.ignored == {"relationship uses (not to a technique)": 1}
    dangling = [w for w in report.warnings if "(uses): points to" in w]
    assert len(dangling) == 3
    assert any("missing object attack-pattern--5e0a0b36" in w for w in dangling)
    assert any("revoked object" in w for w in dangling)
    assert any("deprecated object" in w for w in dangling)


def test_an_attack_bundle_exported_again_passes_and_reads_back_the_same(
    attack_bundle,
):
    graph, _ = stix_parse(attack_bundle, taxonomy="acme")
    text = stix_bundle(graph, name="acme")
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert [str(e) for e in result.errors or []] == []
    types = Counter(o["type"] for o in json.loads(text)["objects"])
    # Imported objects keep their types: a tool stays a tool (MITRE's own
    # query library tells software by it).
    kinds = ("intrusion-set", "campaign", "malware", "tool")
    assert [types[kind] for kind in kinds] == [1, 1, 1, 1]
    malware = [o for o in json.loads(text)["objects"] if o["type"] == "malware"]
    assert {o["is_family"] for o in malware} == {True}
    again, report = stix_parse(text)
    # The phase naming no tactic travels back out as it came, skipped again.
    assert report.skipped == {"in_tactic": 1} and report.ignored == {}
    for field in ("tactics", "incidents", "in_tactic", "uses", "threats"):
        assert set(getattr(again, field)) == set(getattr(graph, field)), field


# --- Navigator ----------------------------------------------------------------------


def _layer(graph, name: str, *, weight: str = "none") -> dict:
    report = build_report(analyse(graph))
    if weight == "demand":
        report = {**report, "demand": {"uses": len(graph.uses)}}
    demand = Counter(link.threat for link in graph.uses)
    return navigator_layer(
        report,
        taxonomy=name,
        tactics=technique_tactics(graph),
        demand={t.id: demand[t.id] for t in graph.threats},
    )


def test_a_technique_in_two_tactics_has_an_entry_under_each(attack_bundle):
    graph, _ = stix_parse(attack_bundle, taxonomy="acme")
    layer = _layer(graph, "acme")
    placed = sorted((t["techniqueID"], t["tactic"]) for t in layer["techniques"])
    assert placed == [
        ("T1059", "execution"),
        ("T1059", "initial-access"),
        ("T1078", "initial-access"),
        ("T1566", "initial-access"),
    ]
    script = next(t for t in layer["techniques"] if t["techniqueID"] == "T1059")
    assert script["comment"].endswith("; used by 2 documented incidents")
    assert {"name": "incidents", "value": "2"} in script["metadata"]


def test_weighted_by_demand_the_score_is_the_incident_count(attack_bundle, capsys):
    graph, _ = stix_parse(attack_bundle, taxonomy="acme")
    layer = _layer(graph, "acme", weight="demand")
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    assert scores == {"T1059": 2, "T1078": 2, "T1566": 1}
    assert (layer["gradient"]["minValue"], layer["gradient"]["maxValue"]) == (0, 2)
    assert [i["label"] for i in layer["legendItems"]] == [
        "no documented incident uses it",
        "used by 2 documented incidents",
    ]
    capsys.readouterr()
    loaded = Layer()
    loaded.from_dict(copy.deepcopy(layer))
    assert capsys.readouterr().out == ""
    assert len(loaded.to_dict()["techniques"]) == len(layer["techniques"])


def test_the_atlas_layer_places_techniques_under_atlas_navigators_tactics(
    atlas_text,
):
    graph, _ = atlas_parse(atlas_text)
    layer = _layer(graph, "atlas")
    assert layer["domain"] == "atlas-atlas"
    assert {t["tactic"] for t in layer["techniques"]} == set(ATLAS_SHORTNAMES)
    assert len(layer["techniques"]) == IN_TACTIC  # every technique is in a tactic
    counts = Counter(link.threat for link in graph.uses)
    for entry in layer["techniques"]:
        n = counts[f"atlas:{entry['techniqueID']}"]
        assert entry["comment"].endswith(f"documented incident{'' if n == 1 else 's'}")
