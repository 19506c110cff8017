"""NIST AI 600-1's suggested actions, imported from the installed AI Atlas Nexus
package as the catalogue's mitigations, each MITIGATES the risks it names."""

from __future__ import annotations

import functools
import importlib.util
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from taxonomy import selectors, services
from taxonomy.domain.errors import GraphError, InterchangeError
from taxonomy.domain.records import Layer, Mitigation, Taxonomy
from taxonomy.formats.risk_atlas import (
    risk_atlas_action_files,
    risk_atlas_catalogue_file,
    risk_atlas_parse,
)
from taxonomy.graph import repository
from taxonomy.models import AuditEntry

NIST = "nist-ai-600-1"
PACKAGE_ID = "nist-ai-rmf"  # the package's id of NIST AI 600-1's risks


@functools.cache
def _package_files() -> tuple[tuple[str, dict], ...]:
    """Every knowledge-graph file of the package, by name, read by PyYAML
    from the folder the import system finds (not by the importer's reader)."""
    spec = importlib.util.find_spec("ai_atlas_nexus")
    folder = Path(spec.submodule_search_locations[0]) / "data" / "knowledge_graph"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(
        (path.name, yaml.load(path.read_text(encoding="utf-8"), Loader=loader))
        for path in sorted(folder.glob("*.yaml"))
    )


def _package_actions() -> list[dict]:
    return [
        action
        for _, data in _package_files()
        for action in data.get("actions") or []
        if action.get("isDefinedByTaxonomy") == PACKAGE_ID
    ]


def _package_risks() -> list[dict]:
    return [
        entry
        for _, data in _package_files()
        for entry in data.get("entries") or []
        if entry.get("isDefinedByTaxonomy") == PACKAGE_ID
    ]


def _parsed(**options) -> Taxonomy:
    taxonomy, _ = risk_atlas_parse(
        risk_atlas_catalogue_file(NIST).read_bytes(),
        catalogue=NIST,
        actions=[p.read_bytes() for p in risk_atlas_action_files(NIST)],
        **options,
    )
    return taxonomy


def _import(*args) -> str:
    out = StringIO()
    call_command("import_risk_atlas", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


CATALOGUE = (
    "taxonomies: [{id: t, name: T}]\n"
    "entries: [{id: r, name: R, isDefinedByTaxonomy: t}]\n"
)


# --- The parser, without a graph ------------------------------------------------------


def test_every_action_of_nist_ai_600_1_becomes_a_mitigation_of_the_catalogue():
    actions = _package_actions()
    taxonomy = _parsed()
    assert actions, "the package lists no action of NIST AI 600-1"
    assert {m.id for m in taxonomy.mitigations} == {
        f"{NIST}:{a['id']}" for a in actions
    }
    assert len(taxonomy.mitigations) == len(actions)
    assert {m.taxonomy for m in taxonomy.mitigations} == {NIST}


def test_each_action_mitigates_exactly_the_risks_the_package_relates_it_to():
    expected = {
        (f"{NIST}:{a['id']}", f"{NIST}:{risk}")
        for a in _package_actions()
        for risk in a.get("hasRelatedRisk") or []
    }
    # The package says it twice, from the risks' side too.
    assert expected == {
        (f"{NIST}:{action}", f"{NIST}:{risk['id']}")
        for risk in _package_risks()
        for action in risk.get("hasRelatedAction") or []
    }
    taxonomy = _parsed()
    assert {(m.mitigation, m.threat) for m in taxonomy.mitigates} == expected
    assert len(taxonomy.mitigates) == len(expected)


def test_actions_are_imported_deployed_at_an_assumed_strength_in_one_institutional_layer():
    taxonomy = _parsed()
    [layer] = taxonomy.layers
    assert layer.id == f"{NIST}:institutional"
    assert "no governance layer" in layer.description
    assert {m.layer for m in taxonomy.mitigations} == {layer.id}
    assert {m.maturity for m in taxonomy.mitigations} == {"deployed"}
    assert {link.strength for link in taxonomy.mitigates} == {"medium"}
    for link in taxonomy.mitigates:
        assert "rates no action and places none in a governance layer" in (
            link.rationale
        )
        assert "medium strength is assumed at import" in link.rationale
    low = _parsed(default_strength="low")
    assert {link.strength for link in low.mitigates} == {"low"}


def test_an_action_cites_nist_ai_600_1_and_is_named_by_its_id_and_opening_words():
    taxonomy = _parsed()
    cited = {s.id: s.url for s in taxonomy.sources}
    by_id = {a["id"]: a for a in _package_actions()}
    for mitigation in taxonomy.mitigations:
        action = by_id[mitigation.id.partition(":")[2]]
        assert mitigation.name.startswith(f"{action['id']}: ")
        assert mitigation.description.startswith(
            " ".join(action["description"].split())
        )
        assert [cited[s] for s in mitigation.sources] == [
            "https://nvlpubs.nist.gov/nistpubs/ai/NIST.AI.600-1.pdf"
        ]


def test_actions_naming_no_risk_are_kept_without_links():
    unlinked = {a["id"] for a in _package_actions() if not a.get("hasRelatedRisk")}
    taxonomy = _parsed()
    linked = {m.mitigation for m in taxonomy.mitigates}
    assert (
        unlinked
        and {m.id.partition(":")[2] for m in taxonomy.mitigations if m.id not in linked}
        == unlinked
    )


def test_a_layer_map_places_actions_by_ai_rmf_function_or_by_id():
    taxonomy = _parsed(layer_map={"Measure": "software", "GV-1.1-001": "liability"})
    layers = {m.id.partition(":")[2]: m.layer for m in taxonomy.mitigations}
    assert {a for a, layer in layers.items() if layer == "software"} == {
        a for a in layers if a.startswith("MS-")
    }
    assert layers["GV-1.1-001"] == "liability"
    assert layers["MG-1.3-001"] == f"{NIST}:institutional"


def test_the_catalogue_file_alone_gives_the_risks_and_no_action():
    taxonomy, _ = risk_atlas_parse(
        risk_atlas_catalogue_file(NIST).read_bytes(), catalogue=NIST
    )
    assert len(taxonomy.threats) == len(_package_risks())
    assert not taxonomy.mitigations and not taxonomy.mitigates and not taxonomy.layers


def test_a_risk_the_catalogue_lacks_is_reported_not_invented():
    actions = (
        "actions:\n"
        "- {id: A-1, name: A-1, description: Do.,"
        " isDefinedByTaxonomy: t, hasRelatedRisk: [r, gone]}\n"
        "- {id: B-1, name: B-1, description: Other., isDefinedByTaxonomy: u}\n"
    )
    taxonomy, report = risk_atlas_parse(CATALOGUE, catalogue="t", actions=[actions])
    assert [(m.mitigation, m.threat) for m in taxonomy.mitigates] == [("t:A-1", "t:r")]
    assert report.skipped["mitigates"] == 1
    assert any("'gone'" in w and "unknown risk" in w for w in report.warnings)
    assert report.ignored["actions of another taxonomy"] == 1


@pytest.mark.parametrize(
    "actions, message",
    [
        (
            "actions: [{id: A, description: x, isDefinedByTaxonomy: t},"
            " {id: A, description: y, isDefinedByTaxonomy: t}]",
            "duplicate action id",
        ),
        ("actions: [{description: x, isDefinedByTaxonomy: t}]", "no id"),
        ("actions: [{id: A, isDefinedByTaxonomy: t}]", "no name or description"),
        ("actions: [{id: r, description: x, isDefinedByTaxonomy: t}]", "id of a risk"),
        ("actions: [\n", "invalid YAML"),
    ],
)
def test_a_malformed_action_is_an_error_naming_it(actions, message):
    with pytest.raises(InterchangeError, match=message):
        risk_atlas_parse(CATALOGUE, catalogue="t", actions=[actions])


def test_an_unknown_strength_is_refused():
    with pytest.raises(InterchangeError, match="default strength"):
        _parsed(default_strength="total")


# --- Into the graph ----------------------------------------------------------------------


def test_the_import_brings_the_actions_into_the_graph_audited(graph):
    output = _import(NIST)
    snapshot = selectors.taxonomy_snapshot(taxonomy=NIST)
    actions = _package_actions()
    assert len(snapshot.mitigations) == len(actions)
    assert len(snapshot.mitigates) == sum(
        len(a.get("hasRelatedRisk") or []) for a in actions
    )
    assert "nist_ai_rmf_actions_data.yaml" in output
    audited = AuditEntry.objects.filter(channel="import", kind="mitigation")
    assert audited.count() == len(actions)
    assert AuditEntry.objects.filter(channel="import", kind="mitigates").count() == len(
        snapshot.mitigates
    )


def test_a_dry_run_reports_the_actions_and_writes_nothing(graph):
    before = repository.graph_fingerprint()
    output = _import(NIST, "--dry-run")
    assert f"{len(_package_actions())} " in output and "nothing was written" in output
    assert repository.graph_fingerprint() == before
    assert not selectors.taxonomy_snapshot(taxonomy=NIST).mitigations


def test_re_importing_the_actions_changes_nothing(graph):
    _import(NIST)
    revision = repository.graph_revision()
    assert "0 to create, 0 to change, 0 to delete" in _import(NIST)
    assert repository.graph_revision() == revision


def test_a_layer_map_naming_an_unknown_layer_writes_nothing(graph, tmp_path):
    layer_map = tmp_path / "map.yaml"
    layer_map.write_text("Measure: no-such-layer\n")
    before = repository.graph_fingerprint()
    with pytest.raises(CommandError, match="nothing was written"):
        _import(NIST, "--layer-map", str(layer_map))
    assert repository.graph_fingerprint() == before


def test_an_action_id_held_by_another_taxonomy_refuses_the_whole_import(graph):
    last = _package_actions()[-1]["id"]
    services.taxonomy_import(
        taxonomy=Taxonomy(
            layers=(Layer("x-layer", "X", taxonomy="x"),),
            mitigations=(
                Mitigation(f"{NIST}:{last}", "Taken", "x-layer", "pilot", taxonomy="x"),
            ),
        )
    )
    before = repository.graph_fingerprint()
    with pytest.raises((CommandError, GraphError)):
        _import(NIST)
    assert repository.graph_fingerprint() == before
    assert not selectors.taxonomy_snapshot(taxonomy=NIST).threats
