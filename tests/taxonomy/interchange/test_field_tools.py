"""The exports in the field's own tools: OASIS's stix2-validator and MITRE's
mitreattack-python (``mitreattack.navlayers.Layer``)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import stix2
from mitreattack.navlayers import Layer
from stix2validator import ValidationOptions, validate_string

from taxonomy import selectors, services
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.selectors.coverage import coverage_scenario

# What the validator may still warn about ("SHOULD"s the exports cannot meet,
# as docs/import-export.md lists them): 103 ids not UUIDv4 (the ids Layerwise
# makes derive from the taxonomy's ids, as uuid5, so every export has the
# same ones), 202 relationship types STIX does not suggest (subtechnique-of,
# enables, requires, introduces, member-of, in-force-in; uses from a tool or
# an incident), 223 a location's region outside the open vocabulary (a
# jurisdiction no region or country fits, as the rest of the world or a
# multilateral body, is the region "world"), 225 the grouping's context
# outside the open vocabulary, 302 a reference with a url
# but no hash, 401 the custom x-mitre-tactic and x-mitre-matrix objects and
# an imported object's x_mitre_* properties (ATT&CK's and ATLAS's own bundles
# carry the same).
ACCEPTED_WARNINGS = {"103", "202", "223", "225", "302", "401"}


def _attack_bundle(domain: str, techniques: dict[str, str]) -> str:
    """An ATT&CK-shaped bundle of ``domain``: techniques by ATT&CK id, the last
    a sub-technique of the first; the first two mitigated, the first by two
    mitigations."""

    def refs(external_id: str) -> list[dict[str, str]]:
        return [{"source_name": "mitre-attack", "external_id": external_id}]

    patterns = [
        stix2.AttackPattern(
            name=name,
            external_references=refs(tid),
            x_mitre_domains=[domain],
            allow_custom=True,
        )
        for tid, name in techniques.items()
    ]
    mitigations = [
        stix2.CourseOfAction(
            name=name,
            external_references=refs(mid),
            x_mitre_domains=[domain],
            allow_custom=True,
        )
        for mid, name in (("M0917", "User Training"), ("M0931", "Network Filtering"))
    ]
    relationships = [
        stix2.Relationship(mitigations[0], "mitigates", patterns[0]),
        stix2.Relationship(mitigations[1], "mitigates", patterns[0]),
        stix2.Relationship(mitigations[1], "mitigates", patterns[1]),
        stix2.Relationship(patterns[-1], "subtechnique-of", patterns[0]),
    ]
    objects = [*patterns, *mitigations, *relationships]
    return stix2.Bundle(objects=objects, allow_custom=True).serialize(pretty=True)


ATTACK_DOMAINS = {
    "attack-ics": (
        "ics-attack",
        {"T0865": "Spearphishing Attachment", "T0817": "Drive-by", "T0866": "Exploit"},
    ),
    "attack-enterprise": (
        "enterprise-attack",
        {"T1566": "Phishing", "T1189": "Drive-by", "T1566.001": "Attachment"},
    ),
}


@pytest.fixture(params=sorted(ATTACK_DOMAINS))
def attack_import(request, graph) -> tuple[str, str]:
    """An ATT&CK-shaped bundle imported into the graph: (taxonomy, domain)."""
    domain, techniques = ATTACK_DOMAINS[request.param]
    services.catalogue_import(
        format="stix",
        data=_attack_bundle(domain, techniques),
        taxonomy=request.param,
    )
    return request.param, domain


@pytest.fixture
def atlas_import(graph, atlas_text) -> str:
    services.catalogue_import(format="atlas", data=atlas_text)
    return "atlas"


def _validated(text: str, **options: bool) -> list[str]:
    """The warnings stix2-validator has for a bundle it finds free of errors."""
    result = validate_string(text, ValidationOptions(version="2.1", **options))
    assert [str(e) for e in result.errors or []] == []
    assert result.is_valid
    return [str(w) for w in result.warnings or []]


def _warning_codes(warnings: list[str]) -> set[str]:
    return {m.group(1) for w in warnings if (m := re.search(r"\{(\d+)\}", w))}


def _navigator(taxonomy: str, domain: str | None = None, **scenario) -> dict:
    text = selectors.taxonomy_export(
        format="navigator",
        taxonomy=taxonomy,
        scenario=coverage_scenario(**scenario),
        domain=domain,
    )
    return json.loads(text)


def _loaded_by_mitre(layer: dict, capsys) -> dict:
    """The layer as mitreattack-python reads it; it prints what it refuses."""
    capsys.readouterr()
    loaded = Layer()
    loaded.from_dict(copy.deepcopy(layer))
    assert capsys.readouterr().out == ""
    assert loaded.to_dict() is not None
    return loaded.to_dict()


def _with_attack_ids(layer: dict) -> dict:
    """The layer with ATT&CK technique ids and domain in place of its own:
    mitreattack-python takes only ids starting with T and the three ATT&CK
    domains, which the seed's ids and the ATLAS domain are not."""
    techniques = [
        {**t, "techniqueID": f"T{i:04d}"} for i, t in enumerate(layer["techniques"])
    ]
    return {**layer, "domain": "enterprise-attack", "techniques": techniques}


def _assert_scores_are_coverage_percent(layer: dict, taxonomy: str) -> None:
    """Every score is a whole percent and is the coverage document's
    coverage of the threat, in percent rounded down."""
    query = CoverageQuery(taxonomy=taxonomy, scenario=coverage_scenario())
    report = selectors.coverage_report(query)
    coverage = {
        t["id"].removeprefix(f"{taxonomy}:"): t["coverage"]["all"]
        for t in report["threats"]
    }
    assert {t["techniqueID"] for t in layer["techniques"]} == set(coverage)
    for technique in layer["techniques"]:
        score, percent = technique["score"], 100 * coverage[technique["techniqueID"]]
        assert isinstance(score, int)
        assert 0 <= score <= 100
        assert score <= percent + 1e-6 < score + 1


# --- STIX bundles pass the OASIS validator -------------------------------------------


@pytest.mark.parametrize(
    "options", [{}, {"strict_types": True, "strict_properties": True}]
)
def test_the_seed_bundle_passes_stix2_validator(seeded_graph_read_only, options):
    text = selectors.taxonomy_export(format="stix")
    warnings = _validated(text, **options)
    assert _warning_codes(warnings) <= ACCEPTED_WARNINGS
    # Its jurisdictions (issue 25) are among what the validator checked.
    types = [o["type"] for o in json.loads(text)["objects"]]
    assert types.count("location") == 6


def test_the_atlas_bundle_passes_stix2_validator(atlas_import):
    text = selectors.taxonomy_export(format="stix", taxonomy=atlas_import)
    assert _warning_codes(_validated(text)) <= ACCEPTED_WARNINGS


def test_an_attack_import_exported_again_passes_stix2_validator(attack_import):
    taxonomy, _ = attack_import
    text = selectors.taxonomy_export(format="stix", taxonomy=taxonomy)
    assert _warning_codes(_validated(text)) <= ACCEPTED_WARNINGS


def test_a_bundle_without_sources_leaves_them_out_and_reads_back_empty(
    attack_import,
):
    taxonomy, _ = attack_import
    text = selectors.taxonomy_export(format="stix", taxonomy=taxonomy)
    assert "[]" not in text
    before = selectors.taxonomy_snapshot(taxonomy=taxonomy)
    assert services.catalogue_import(format="stix", data=text).changes.is_empty
    assert all(t.sources == () for t in before.threats)


# --- Navigator layers load in mitreattack-python -------------------------------------


def test_an_attack_layer_loads_in_mitreattack_python(attack_import, capsys):
    taxonomy, domain = attack_import
    layer = _navigator(taxonomy, domain)
    assert layer["domain"] == domain
    loaded = _loaded_by_mitre(layer, capsys)
    assert {t["techniqueID"]: t["score"] for t in loaded["techniques"]} == {
        t["techniqueID"]: t["score"] for t in layer["techniques"]
    }
    assert loaded["versions"]["layer"] == "4.5"
    assert loaded["versions"]["navigator"].startswith("5.")


def test_an_attack_layer_scores_coverage_with_the_class_in_the_comment(
    attack_import,
):
    taxonomy, domain = attack_import
    layer = _navigator(taxonomy, domain)
    _assert_scores_are_coverage_percent(layer, taxonomy)
    by_id = {t["techniqueID"]: t for t in layer["techniques"]}
    first, second, third = (by_id[tid] for tid in ATTACK_DOMAINS[taxonomy][1])
    # Two medium links (0.6 each): 1 - 0.4 * 0.4 = 0.84, in the one layer.
    assert first["score"] == 84
    assert first["comment"] == (
        "single-layer, coverage 84%: addressed alone by unassigned"
    )
    assert second["comment"] == (
        "insufficient, coverage 60%: no set of layers reaches the threshold"
    )
    assert third["score"] == 0
    assert third["comment"].startswith("unmitigated, coverage 0%")


def test_the_seed_and_atlas_layers_load_but_for_their_ids(
    seeded_graph, atlas_text, capsys
):
    services.catalogue_import(format="atlas", data=atlas_text)
    for taxonomy in ("layerwise", "atlas"):
        layer = _navigator(taxonomy)
        _assert_scores_are_coverage_percent(layer, taxonomy)
        loaded = _loaded_by_mitre(_with_attack_ids(layer), capsys)
        assert len(loaded["techniques"]) == len(layer["techniques"])
        assert len(loaded["legendItems"]) == len(CLASSES)


def test_the_legend_names_each_class_with_its_count(seeded_graph_read_only):
    layer = _navigator("layerwise")
    report = selectors.coverage_report(CoverageQuery(scenario=coverage_scenario()))
    labels = [item["label"] for item in layer["legendItems"]]
    assert len(labels) == len(CLASSES)
    for name, label in zip(CLASSES, labels, strict=True):
        assert label.startswith(f"{name} ({report['summary'][name]}): ")
    assert "coverage below 80%" in labels[CLASSES.index("insufficient")]


def test_the_metadata_states_the_scenario_assumptions(seeded_graph_read_only):
    layer = _navigator(
        "layerwise", threshold=0.7, dependence="within-layer", maturities=["deployed"]
    )
    metadata = {m["name"]: m["value"] for m in layer["metadata"]}
    assert metadata["threshold"] == "0.7"
    assert metadata["dependence"] == "within-layer"
    assert metadata["maturities"] == "deployed"
    assert metadata["layers off"] == "none"
    assert "addressed at 70% or more" in layer["description"]
