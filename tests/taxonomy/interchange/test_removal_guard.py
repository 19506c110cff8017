"""A truncated catalogue never silently replaces the one the graph holds:
the removal guard and the check against MITRE's JSON Schema."""

from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from taxonomy import selectors, services
from taxonomy.domain.errors import InterchangeError, RemovalsRefused
from taxonomy.formats import document_json
from taxonomy.formats.atlas import SCHEMA_NAME, atlas_parse, atlas_schema_read
from taxonomy.graph import repository
from tests.published_atlas import atlas_schema_file


def _import(path, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_atlas", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _document() -> dict:
    return document_json.taxonomy_to_document(
        selectors.taxonomy_snapshot(taxonomy="atlas")
    )


def _cut(text: str, share: float) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[: int(len(lines) * share)])


@pytest.fixture
def atlas_graph(graph, atlas_path):
    """The graph holding the full ATLAS release."""
    _import(atlas_path)
    return graph


@pytest.fixture
def schema_path(atlas_path):
    return atlas_schema_file(atlas_path)


# --- The removal guard -------------------------------------------------------------


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5])
def test_a_truncated_atlas_file_is_refused_and_writes_nothing(
    atlas_graph, atlas_text, tmp_path, share
):
    before, revision = _document(), repository.graph_revision()
    path = tmp_path / "ATLAS.yaml"
    path.write_text(_cut(atlas_text, share), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        _import(path)
    message = str(caught.value)
    assert "of 35 mitigation" in message
    assert "more than 10% of the" in message
    assert "--allow-removals" in message
    assert "Nothing was written" in message
    assert repository.graph_revision() == revision
    assert _document() == before


def test_the_refusal_lists_what_it_would_remove_per_kind(atlas_graph, atlas_text):
    with pytest.raises(RemovalsRefused) as caught:
        services.catalogue_import(format="atlas", data=_cut(atlas_text, 0.5))
    refused = caught.value
    # The case studies come last in the file: the cut drops them all, with
    # their USES links and the sources only they cite.
    assert refused.removals == {
        "mitigation": (15, 35),
        "source": (101, 153),
        "incident": (57, 57),
        "mitigates": (101, 244),
        "uses": (440, 440),
    }
    assert refused.over == ["mitigation", "source", "incident", "mitigates", "uses"]
    assert "15 of 35 mitigation, 101 of 153 source, 57 of 57 incident" in str(refused)


def test_a_release_without_its_case_studies_is_refused(atlas_graph, atlas_text):
    head, _, _ = atlas_text.partition("\ncase-studies:")
    with pytest.raises(RemovalsRefused) as caught:
        services.catalogue_import(format="atlas", data=head + "\n")
    assert caught.value.over[-2:] == ["incident", "uses"]
    assert caught.value.removals["incident"] == (57, 57)


def test_a_truncated_file_cut_inside_a_value_is_refused_as_invalid_yaml(
    atlas_graph, atlas_text, tmp_path
):
    path = tmp_path / "ATLAS.yaml"
    path.write_text(_cut(atlas_text, 0.75), encoding="utf-8")
    before = _document()
    with pytest.raises(CommandError, match="cannot be imported; nothing was written"):
        _import(path)
    assert _document() == before


def test_allow_removals_imports_the_smaller_file(atlas_graph, atlas_text, tmp_path):
    path = tmp_path / "ATLAS.yaml"
    path.write_text(_cut(atlas_text, 0.5), encoding="utf-8")
    out, _ = _import(path, "--allow-removals")
    assert "Imported: " in out
    assert len(selectors.taxonomy_snapshot(taxonomy="atlas").mitigations) == 20


def test_a_dry_run_reports_the_refusal_and_what_it_would_remove(
    atlas_graph, atlas_text, tmp_path
):
    path = tmp_path / "ATLAS.yaml"
    path.write_text(_cut(atlas_text, 0.5), encoding="utf-8")
    out, err = _import(path, "--dry-run")
    assert "warning: refused unless removals are allowed: the import would " in err
    assert "- mitigation atlas:AML.M" in out
    row = next(line for line in out.splitlines() if line.startswith("  mitigation "))
    assert row.split()[3] == "15"  # created, updated, removed


def test_a_release_that_removes_a_few_items_is_not_refused(atlas_graph, atlas_text):
    start = atlas_text.index("  - id: AML.M0000\n")
    end = atlas_text.index("  - id: AML.M0001\n")
    release = atlas_text[:start] + atlas_text[end:]
    result = services.catalogue_import(format="atlas", data=release)
    rows = {row["kind"]: row for row in result.summary()}
    assert (rows["mitigation"]["removed"], rows["mitigates"]["removed"]) == (1, 7)


def test_the_first_import_of_a_taxonomy_is_never_refused(graph, atlas_text):
    result = services.catalogue_import(format="atlas", data=_cut(atlas_text, 0.5))
    assert not result.dry_run and result.changes.counts()["delete"] == 0


def test_a_stix_bundle_that_drops_most_of_a_taxonomy_is_refused(graph, atlas_text):
    services.catalogue_import(format="atlas", data=atlas_text, taxonomy="acme")
    exported = selectors.taxonomy_export(format="stix", taxonomy="acme")
    doc = json.loads(exported)
    doc["objects"] = [o for o in doc["objects"] if o["type"] != "course-of-action"]
    with pytest.raises(RemovalsRefused) as caught:
        services.catalogue_import(format="stix", data=json.dumps(doc))
    assert caught.value.removals["mitigation"] == (35, 35)


# --- MITRE's JSON Schema -------------------------------------------------------------


def test_the_published_file_is_valid_against_the_schema_beside_it(
    graph, atlas_path, schema_path
):
    out, _ = _import(atlas_path)
    assert f"schema: valid against {schema_path}" in out


def test_a_file_failing_the_schema_is_refused_with_each_error_and_its_path(
    graph, atlas_text, schema_path, tmp_path
):
    broken = atlas_text.replace("maturity: realized", "maturity: real", 1)
    path = tmp_path / "ATLAS.yaml"
    path.write_text(broken, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "import_atlas",
            str(path),
            "--schema",
            str(schema_path),
            stdout=StringIO(),
            stderr=err,
        )
    assert (
        "ATLAS file: fails the schema at matrices[0].techniques[7].maturity: "
        "'real' is not one of ['feasible', 'demonstrated', 'realized']"
    ) in err.getvalue()
    assert repository.graph_revision() == 0


def test_the_schema_is_found_in_a_schemas_folder_beside_the_file(
    graph, atlas_path, schema_path, tmp_path
):
    shutil.copy(atlas_path, tmp_path / "ATLAS.yaml")
    (tmp_path / "schemas").mkdir()
    shutil.copy(schema_path, tmp_path / "schemas" / SCHEMA_NAME)
    out, _ = _import(tmp_path / "ATLAS.yaml")
    assert f"schema: valid against {tmp_path / 'schemas' / SCHEMA_NAME}" in out


def test_without_a_schema_the_summary_says_it_was_not_checked(
    graph, atlas_path, tmp_path
):
    shutil.copy(atlas_path, tmp_path / "ATLAS.yaml")
    out, _ = _import(tmp_path / "ATLAS.yaml")
    assert f"schema: not checked; no {SCHEMA_NAME} beside ATLAS.yaml" in out
    assert "Imported: " in out


def test_no_schema_skips_the_check(graph, atlas_text, tmp_path, schema_path):
    path = tmp_path / "ATLAS.yaml"
    path.write_text(atlas_text.replace("object-type: technique", "object-type: x"))
    shutil.copy(schema_path, tmp_path / SCHEMA_NAME)
    out, _ = _import(path, "--no-schema")
    assert "schema: not checked (--no-schema)" in out


def test_a_schema_file_that_is_not_a_schema_is_refused(graph, atlas_path, tmp_path):
    bad = tmp_path / "schema.json"
    bad.write_text('{"type": 12}')
    with pytest.raises(CommandError, match="nothing was written"):
        _import(atlas_path, "--schema", str(bad))


def test_dates_are_checked_as_the_iso_text_json_has(atlas_text, schema_path):
    graph, report = atlas_parse(atlas_text, schema=atlas_schema_read(schema_path))
    assert report.schema == "valid" and len(graph.threats) == 170


def test_a_schema_is_only_for_atlas(graph, schema_path):
    with pytest.raises(InterchangeError, match="ATLAS files only"):
        services.catalogue_import(
            format="stix", data="{}", schema=atlas_schema_read(schema_path)
        )
