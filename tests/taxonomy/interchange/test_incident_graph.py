"""Tactics and incidents imported into the real graph: the summary, re-imports
that change nothing, a uses to a missing technique, the field's tools."""

from __future__ import annotations

import copy
import json
from io import StringIO

from django.core.management import call_command
from mitreattack.navlayers import Layer
from stix2validator import ValidationOptions, validate_string

from taxonomy import selectors, services
from taxonomy.formats import document_json
from taxonomy.graph import repository
from tests.taxonomy.interchange.attack_shaped import attack_bundle_text


def _call(command: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _document(taxonomy: str) -> dict:
    return document_json.taxonomy_to_document(
        selectors.taxonomy_snapshot(taxonomy=taxonomy)
    )


def _row(output: str, kind: str) -> list[str]:
    return next(x.split() for x in output.splitlines() if x.split()[:1] == [kind])


def test_import_atlas_puts_tactics_case_studies_and_their_steps_in_the_graph(
    graph, atlas_path
):
    out, _ = _call("import_atlas", atlas_path)
    snapshot = selectors.taxonomy_snapshot(taxonomy="atlas")
    assert (len(snapshot.tactics), len(snapshot.incidents)) == (16, 57)
    assert (len(snapshot.in_tactic), len(snapshot.uses)) == (185, 440)
    assert sum(len(link.steps) for link in snapshot.uses) == 449
    assert _row(out, "tactic")[1] == "16"
    assert _row(out, "incident")[1] == "57"
    assert _row(out, "uses")[1:6] == ["440", "0", "0", "0", "9"]  # 9 steps merged
    assert "  uses steps: 449 imported, 0 skipped" in out


def test_re_importing_atlas_changes_nothing_in_its_tactics_and_incidents(
    graph, atlas_path
):
    _call("import_atlas", atlas_path)
    before, revision = _document("atlas"), repository.graph_revision()
    out, _ = _call("import_atlas", atlas_path)
    assert "0 to create, 0 to change, 0 to delete" in out
    assert repository.graph_revision() == revision
    assert _document("atlas") == before


def test_a_stix_uses_to_a_missing_technique_is_reported_and_the_rest_imported(
    graph, tmp_path
):
    path = tmp_path / "attack.json"
    path.write_text(attack_bundle_text(), encoding="utf-8")
    out, err = _call("import_stix", path, "--taxonomy", "acme")
    snapshot = selectors.taxonomy_snapshot(taxonomy="acme")
    assert (len(snapshot.tactics), len(snapshot.incidents)) == (2, 4)
    assert (len(snapshot.in_tactic), len(snapshot.uses)) == (4, 5)
    assert "(uses): points to missing object attack-pattern--5e0a0b36" in err
    assert _row(out, "uses")[1:5] == ["5", "0", "0", "3"]
    assert "relationship uses (not to a technique) 1" in out
    revision = repository.graph_revision()
    again, _ = _call("import_stix", path, "--taxonomy", "acme")
    assert "0 to create, 0 to change, 0 to delete" in again
    assert repository.graph_revision() == revision


def test_an_attack_import_with_incidents_exports_what_the_field_tools_accept(
    graph, capsys
):
    services.catalogue_import(
        format="stix", data=attack_bundle_text(), taxonomy="attack-enterprise"
    )
    text = selectors.taxonomy_export(format="stix", taxonomy="attack-enterprise")
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert [str(e) for e in result.errors or []] == []
    assert services.catalogue_import(format="stix", data=text).changes.is_empty
    layer = json.loads(
        selectors.taxonomy_export(format="navigator", taxonomy="attack-enterprise")
    )
    assert {t.get("tactic") for t in layer["techniques"]} == {
        "initial-access",
        "execution",
    }
    capsys.readouterr()
    loaded = Layer()
    loaded.from_dict(copy.deepcopy(layer))
    assert capsys.readouterr().out == ""
    assert len(loaded.to_dict()["techniques"]) == len(layer["techniques"]) == 4
