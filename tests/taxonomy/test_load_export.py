"""Loading fixtures into the real Neo4j test server and exporting them back."""

from __future__ import annotations

import filecmp
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from taxonomy import selectors, services
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.graph import repository


def _graph_json() -> str:
    return document_json.export_json(selectors.taxonomy_snapshot())


def test_loading_the_seed_creates_every_item(graph, settings):
    result = services.taxonomy_load(path=settings.FIXTURES_DIR)
    counts = result.changes.counts()
    assert counts == {
        # ... + 6 jurisdictions and 7 IN_FORCE_IN links, 3 governance
        # architectures and their 12 ADOPTS links (issue 25)
        "create": 4 + 12 + 24 + 10 + 51 + 7 + 2 + 4 + 6 + 7 + 3 + 12,
        "update": 0,
        "delete": 0,
    }
    snapshot = selectors.taxonomy_snapshot()
    assert len(snapshot.threats) == 12
    assert {m.layer for m in snapshot.mitigations} == {
        "hardware",
        "software",
        "institutional",
        "liability",
    }
    assert snapshot.revision == 1


def test_loading_twice_changes_nothing(seeded_graph, settings):
    before = _graph_json()
    result = services.taxonomy_load(path=settings.FIXTURES_DIR)
    assert result.changes.is_empty
    assert _graph_json() == before
    assert selectors.taxonomy_snapshot().revision == 1


def test_yaml_export_reproduces_the_fixture_files_byte_for_byte(
    seeded_graph, settings, tmp_path
):
    out = StringIO()
    call_command("taxonomy", "export", "--out", str(tmp_path), stdout=out)
    fixtures = sorted(Path(settings.FIXTURES_DIR).glob("*.yaml"))
    assert fixtures
    for path in fixtures:
        assert filecmp.cmp(path, tmp_path / path.name, shallow=False), path.name


def test_yaml_export_from_scratch_describes_the_same_graph(seeded_graph, tmp_path):
    snapshot = selectors.taxonomy_snapshot()
    fixtures_yaml.export_yaml(snapshot, dest=tmp_path, base=None)
    reread = fixtures_yaml.load_fixtures(tmp_path)
    assert document_json.taxonomy_to_document(reread)["mitigates"] == [
        {**link, "version": 1}
        for link in document_json.taxonomy_to_document(snapshot)["mitigates"]
    ]


def test_export_after_a_change_touches_only_the_changed_line(
    seeded_graph, fixture_tree
):
    threats = fixture_tree / "threats.yaml"
    original = threats.read_text().splitlines()
    edited = threats.read_text().replace("strength: high", "strength: medium", 1)
    threats.write_text(edited)
    result = services.taxonomy_load(path=fixture_tree)
    assert [c.describe() for c in result.changes.changes] == [
        "~ mitigates tee->model-extraction (strength)"
    ]
    threats.write_text("\n".join(original) + "\n")
    changed = fixtures_yaml.export_yaml(
        selectors.taxonomy_snapshot(), dest=fixture_tree
    )
    assert changed == [threats]
    after = threats.read_text().splitlines()
    differing = [
        i for i, (a, b) in enumerate(zip(original, after, strict=True)) if a != b
    ]
    assert len(differing) == 1
    assert after[differing[0]].strip() == "strength: medium"


def test_a_fixture_with_one_broken_reference_writes_nothing(graph, fixture_tree):
    text = (fixture_tree / "threats.yaml").read_text()
    line = text[: text.index("mitigation: tee\n")].count("\n") + 1
    (fixture_tree / "threats.yaml").write_text(
        text.replace("mitigation: tee\n", "mitigation: tea\n")
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("taxonomy", "load", str(fixture_tree), stderr=err)
    assert f"threats.yaml:{line}: " in err.getvalue()
    assert "unknown mitigation 'tea'" in err.getvalue()
    assert repository.graph_is_empty()


def test_a_failure_during_the_write_leaves_the_graph_as_it_was(
    seeded_graph, fixture_tree
):
    before = _graph_json()
    path = fixture_tree / "threats.yaml"
    path.write_text(
        path.read_text().replace("name: Guardrail removal", "name: Guardrails stripped")
    )

    def fail(done: int, total: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        services.taxonomy_load(path=fixture_tree, progress=fail)
    assert _graph_json() == before


def test_dry_run_reports_changes_and_writes_nothing(graph, settings):
    out = StringIO()
    call_command("taxonomy", "load", "--dry-run", stdout=out)
    assert "Would apply: 142 to create" in out.getvalue()
    assert "+ threat guardrail-removal" in out.getvalue()
    assert repository.graph_is_empty()


def test_prune_deletes_what_the_fixtures_no_longer_hold(seeded_graph, fixture_tree):
    path = fixture_tree / "threats.yaml"
    path.write_text(
        path.read_text().replace(
            "enables: [scaled-misuse, unaccountable-harm]", "enables: [scaled-misuse]"
        )
    )
    without_prune = services.taxonomy_load(path=fixture_tree)
    assert without_prune.changes.is_empty
    with_prune = services.taxonomy_load(path=fixture_tree, prune=True)
    assert [c.describe() for c in with_prune.changes.changes] == [
        "- enables guardrail-removal->unaccountable-harm"
    ]
    enables = {(x.source, x.target) for x in selectors.taxonomy_snapshot().enables}
    assert ("guardrail-removal", "unaccountable-harm") not in enables
    assert ("guardrail-removal", "scaled-misuse") in enables


def test_a_cypher_injection_in_a_name_is_stored_as_text(graph, fixture_tree):
    nasty = "x'}) MATCH (n) DETACH DELETE n //"
    path = fixture_tree / "layers.yaml"
    description = '"}) RETURN 1 UNION MATCH (m) SET m.pwned = true // Law and money'
    text = path.read_text().replace("name: Hardware", f"name: {json.dumps(nasty)}")
    text = re.sub(
        r"description: Law and money.*", f"description: {json.dumps(description)}", text
    )
    path.write_text(text)
    services.taxonomy_load(path=fixture_tree)
    snapshot = selectors.taxonomy_snapshot()
    layers = {layer.id: layer for layer in snapshot.layers}
    assert layers["hardware"].name == nasty
    assert layers["liability"].description.startswith(description)
    assert len(snapshot.threats) == 12


def test_json_export_is_one_canonical_sorted_document(seeded_graph):
    out = StringIO()
    call_command("taxonomy", "export", "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert list(document) == list(document_json.JSON_KEYS)
    ids = [t["id"] for t in document["threats"]]
    assert ids == sorted(ids)
    tee = next(m for m in document["mitigations"] if m["id"] == "tee")
    assert tee["layer"] == "hardware" and tee["maturity"] == "deployed"
    link = next(x for x in document["mitigates"] if x["mitigation"] == "tee")
    assert set(link) == {
        "mitigation",
        "threat",
        "strength",
        "rationale",
        "sources",
        "version",
    }


def test_load_if_empty_does_not_touch_a_graph_that_holds_data(
    seeded_graph, fixture_tree
):
    path = fixture_tree / "layers.yaml"
    path.write_text(path.read_text().replace("name: Hardware", "name: Chips"))
    assert services.taxonomy_load_if_empty(path=fixture_tree) is None
    assert {layer.name for layer in selectors.taxonomy_snapshot().layers} >= {
        "Hardware"
    }
