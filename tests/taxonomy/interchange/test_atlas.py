"""Importing MITRE ATLAS: the published facts, idempotence, releases, bad files."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from taxonomy import selectors, services
from taxonomy.domain.errors import InterchangeError
from taxonomy.formats import document_json
from taxonomy.formats.atlas import atlas_parse
from taxonomy.graph import repository

# The facts the atlas-data release v5.6.0 states (LAYERWISE_ATLAS_PATH's file).
TECHNIQUES, MITIGATIONS, LINKS, CATEGORIES = 170, 35, 246, 3


def _import(path, *args) -> str:
    out = StringIO()
    call_command("import_atlas", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _document(taxonomy: str) -> dict:
    return document_json.taxonomy_to_document(
        selectors.taxonomy_snapshot(taxonomy=taxonomy)
    )


# --- The parser, without a graph ------------------------------------------------------


def test_it_reads_every_technique_mitigation_link_and_category(atlas_text):
    graph, report = atlas_parse(atlas_text)
    assert len(graph.threats) == TECHNIQUES
    assert len(graph.mitigations) == MITIGATIONS
    assert len(graph.layers) == CATEGORIES
    assert len(graph.mitigates) + report.merged["mitigates"] == LINKS
    assert report.skipped == Counter()


def test_every_use_text_is_the_rationale_of_its_link(atlas_text, atlas_data):
    graph, _ = atlas_parse(atlas_text)
    rationale = {(m.mitigation, m.threat): m.rationale for m in graph.mitigates}
    uses = [
        (f"atlas:{m['id']}", f"atlas:{link['id']}", link["use"].strip())
        for m in atlas_data["matrices"][0]["mitigations"]
        for link in m["techniques"]
    ]
    assert len(uses) == LINKS
    for mitigation, threat, use in uses:
        assert use in rationale[(mitigation, threat)].split("\n\n")


def test_a_pair_listed_twice_is_one_link_with_both_uses(atlas_text):
    graph, report = atlas_parse(atlas_text)
    link = next(
        m
        for m in graph.mitigates
        if (m.mitigation, m.threat) == ("atlas:AML.M0002", "atlas:AML.T0043.001")
    )
    assert len(link.rationale.split("\n\n")) == 2
    assert report.merged["mitigates"] == LINKS - len(graph.mitigates) == 2
    assert any("AML.M0002 -> AML.T0043.001" in w for w in report.warnings)


def test_sub_techniques_are_subtypes_and_maturity_and_references_are_kept(
    atlas_text, atlas_data
):
    graph, _ = atlas_parse(atlas_text)
    techniques = atlas_data["matrices"][0]["techniques"]
    expected = {
        (f"atlas:{t['id']}", f"atlas:{t['subtechnique-of']}")
        for t in techniques
        if "subtechnique-of" in t
    }
    assert {(x.source, x.target) for x in graph.subtypes} == expected
    threats = {t.id: t for t in graph.threats}
    assert Counter(t.maturity for t in graph.threats) == Counter(
        t["maturity"] for t in techniques
    )
    sources = {s.id: s for s in graph.sources}
    with_refs = threats["atlas:AML.T0096"]
    assert [sources[s].url for s in with_refs.sources] == [
        r["url"]
        for r in next(t for t in techniques if t["id"] == "AML.T0096")["references"]
    ]
    attack = threats["atlas:AML.T0000"]
    assert (
        sources["atlas:attack-T1596"].url
        == "https://attack.mitre.org/techniques/T1596/"
    )
    assert "atlas:attack-T1596" in attack.sources


def test_categories_become_layers_unless_the_layer_map_says_otherwise(atlas_text):
    graph, _ = atlas_parse(atlas_text)
    assert {x.name for x in graph.layers} == {
        "Policy",
        "Technical - ML",
        "Technical - Cyber",
    }
    mapped, report = atlas_parse(
        atlas_text, layer_map={"Policy": "institutional", "AML.M0000": "liability"}
    )
    layers = {m.id: m.layer for m in mapped.mitigations}
    assert layers["atlas:AML.M0000"] == "liability"
    assert {x.name for x in mapped.layers} == {"Technical - ML", "Technical - Cyber"}
    policy = [m for m in mapped.mitigations if m.layer == "institutional"]
    assert len(policy) == 6  # 7 Policy mitigations, AML.M0000 sent elsewhere
    assert not [w for w in report.warnings if w.startswith("layer map")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("matrices: [\n  - {id: x\n", "invalid YAML at line"),
        ("id: ATLAS\n", "expected a mapping with a 'matrices' list"),
        (
            "matrices:\n- techniques:\n  - {name: Nameless}\n",
            "matrices[0].techniques[0] ('Nameless'): no id",
        ),
        (
            "matrices:\n- techniques:\n  - {id: AML.T0000, name: A}\n"
            "  - {id: AML.T0000, name: B}\n",
            "duplicate id",
        ),
        (
            "matrices:\n- techniques:\n"
            "  - {id: A.1, name: A, subtechnique-of: B.1}\n"
            "  - {id: B.1, name: B, subtechnique-of: A.1}\n",
            "SUBTYPE_OF cycle",
        ),
    ],
)
def test_a_malformed_file_is_an_error_naming_the_object(text, message):
    with pytest.raises(InterchangeError) as e:
        atlas_parse(text)
    assert message in str(e.value)


# --- Into the graph ----------------------------------------------------------------------


def test_the_import_puts_the_published_facts_in_the_graph(graph, atlas_path):
    output = _import(atlas_path)
    snapshot = selectors.taxonomy_snapshot(taxonomy="atlas")
    assert len(snapshot.threats) == TECHNIQUES
    assert len(snapshot.mitigations) == MITIGATIONS
    assert len(snapshot.layers) == CATEGORIES
    assert len(snapshot.mitigates) == LINKS - 2  # two pairs are listed twice
    assert all(
        t.id.startswith("atlas:") and t.taxonomy == "atlas" for t in snapshot.threats
    )
    assert {m.maturity for m in snapshot.mitigations} == {"deployed"}
    assert {m.strength for m in snapshot.mitigates} == {"medium"}
    assert "threat" in output and "Imported: " in output


def test_re_importing_the_same_release_changes_nothing(graph, atlas_path):
    _import(atlas_path)
    before = _document("atlas")
    revision = repository.graph_revision()
    output = _import(atlas_path)
    assert "0 to create, 0 to change, 0 to delete" in output
    assert repository.graph_revision() == revision
    assert _document("atlas") == before


def test_a_newer_release_updates_in_place_and_removes_what_it_dropped(
    graph, atlas_path, tmp_path
):
    _import(atlas_path)
    text = atlas_path.read_text(encoding="utf-8")
    release = text.replace(
        "name: Search Open Technical Databases", "name: Search Databases"
    )
    start = release.index("  - id: AML.M0000\n")
    end = release.index("  - id: AML.M0001\n")
    release = release[:start] + release[end:]  # a mitigation dropped
    result = services.catalogue_import(format="atlas", data=release, dry_run=True)
    rows = {row["kind"]: row for row in result.summary()}
    assert rows["threat"]["updated"] == 1
    assert rows["mitigation"]["removed"] == 1
    assert rows["mitigates"]["removed"] == 7
    newer = tmp_path / "ATLAS.yaml"
    newer.write_text(release, encoding="utf-8")
    output = _import(newer)
    assert "~ threat atlas:AML.T0000 (name)" in output
    assert "- mitigation atlas:AML.M0000" in output
    assert "0 to create, 1 to change, 8 to delete" in output
    snapshot = selectors.taxonomy_snapshot(taxonomy="atlas")
    assert "atlas:AML.M0000" not in {m.id for m in snapshot.mitigations}
    assert {t.name for t in snapshot.threats if t.id == "atlas:AML.T0000"} == {
        "Search Databases"
    }


def test_the_seed_is_untouched_by_an_import_and_a_re_import(
    seeded_graph, atlas_path, seed_layer_map
):
    seed = _document("layerwise")
    _import(atlas_path, "--layer-map", str(seed_layer_map))
    _import(atlas_path, "--layer-map", str(seed_layer_map))
    _import(atlas_path)  # the categories become layers of their own again
    assert _document("layerwise") == seed
    atlas = selectors.taxonomy_snapshot(taxonomy="atlas")
    assert len(atlas.mitigations) == MITIGATIONS


def test_a_layer_map_puts_atlas_mitigations_in_the_seed_layers(
    seeded_graph, atlas_path, seed_layer_map
):
    _import(atlas_path, "--layer-map", str(seed_layer_map))
    atlas = selectors.taxonomy_snapshot(taxonomy="atlas")
    assert {m.layer for m in atlas.mitigations} == {"institutional", "software"}
    assert {x.id for x in atlas.layers} == {
        "institutional",
        "software",
    }  # read with them
    whole = selectors.taxonomy_snapshot(taxonomy=None)
    assert {x.id for x in whole.layers} == {
        "hardware",
        "software",
        "institutional",
        "liability",
    }


def test_a_layer_map_naming_an_unknown_layer_writes_nothing(
    graph, atlas_path, tmp_path
):
    layer_map = tmp_path / "map.json"
    layer_map.write_text('{"Policy": "no-such-layer"}')
    with pytest.raises(CommandError, match="nothing was written"):
        _import(atlas_path, "--layer-map", str(layer_map))
    assert repository.graph_is_empty()


def test_a_malformed_file_writes_nothing(graph, tmp_path):
    bad = tmp_path / "ATLAS.yaml"
    bad.write_text("matrices:\n- techniques:\n  - {name: Nameless}\n")
    err = StringIO()
    with pytest.raises(CommandError, match="cannot be imported; nothing was written"):
        call_command("import_atlas", str(bad), stdout=StringIO(), stderr=err)
    assert "techniques[0] ('Nameless'): no id" in err.getvalue()
    assert repository.graph_is_empty()


def test_a_dry_run_reports_and_writes_nothing(graph, atlas_path):
    output = _import(atlas_path, "--dry-run")
    assert "Would import: " in output and "nothing was written" in output
    assert repository.graph_is_empty()


def test_the_default_strength_is_an_option(graph, atlas_path):
    _import(atlas_path, "--default-strength", "low")
    assert {
        m.strength for m in selectors.taxonomy_snapshot(taxonomy="atlas").mitigates
    } == {"low"}


def test_the_seed_name_is_refused(graph, atlas_path):
    with pytest.raises(CommandError):
        _import(atlas_path, "--taxonomy", "layerwise")
    assert repository.graph_is_empty()


def test_a_missing_file_is_a_clear_error(graph, tmp_path):
    with pytest.raises(CommandError, match="nope.yaml: cannot read"):
        _import(tmp_path / "nope.yaml")


def test_pruning_a_seed_layer_that_atlas_mitigations_sit_in_is_refused(
    seeded_graph, atlas_path, seed_layer_map, fixture_tree
):
    from taxonomy import services
    from taxonomy.domain.errors import GraphConflict

    _import(atlas_path, "--layer-map", str(seed_layer_map))
    before = selectors.taxonomy_snapshot(taxonomy=None)
    layers = fixture_tree / "layers.yaml"
    text = layers.read_text()
    start = text.index("  - id: software")
    end = text.index("  - id: institutional")
    layers.write_text(text[:start] + text[end:])
    mitigations = fixture_tree / "mitigations.yaml"
    mitigations.write_text(
        mitigations.read_text().replace("layer: software", "layer: hardware")
    )
    with pytest.raises(GraphConflict, match="mitigations still sit in"):
        services.taxonomy_load(path=fixture_tree, prune=True)
    assert selectors.taxonomy_snapshot(taxonomy=None) == before
