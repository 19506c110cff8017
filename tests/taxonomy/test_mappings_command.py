"""``manage.py mappings load`` and ``list`` speak the user's words: each set's
title, its id, the file it came from, its rows and the catalogues it joins by
the names readers know them by, never the code's field names or keys."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from taxonomy import services
from taxonomy.domain.records import Taxonomy, Threat

SET_ID = "https://example.org/layerwise/mappings/atlas-test"
SSSOM = """\
#curie_map:
#  atlas: https://atlas.mitre.org/techniques/
#  layerwise: https://example.org/layerwise/threat/
#mapping_set_id: https://example.org/layerwise/mappings/atlas-test
#mapping_set_title: "ATLAS onto the seed: test set"
#license: https://creativecommons.org/licenses/by/4.0/
#subject_source: atlas
#object_source: layerwise
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence
atlas:AML.T0024\tskos:closeMatch\tlayerwise:model-extraction\tsemapv:ManualMappingCuration\t0.8
atlas:AML.T0054\tskos:narrowMatch\tlayerwise:guardrail-removal\tsemapv:ManualMappingCuration\t0.5
"""
# What the output must not show: field names, keys and arrows of the code.
INTERNAL = (
    "mapping_set_id",
    "subject_source",
    "object_source",
    "->",
    "atlas onto layerwise",
    "\t",
)


@pytest.fixture
def seed(graph, db):
    services.taxonomy_apply(
        taxonomy=Taxonomy(
            threats=(
                Threat("model-extraction", "Model extraction"),
                Threat("guardrail-removal", "Guardrail removal"),
            )
        ),
        scope="layerwise",
    )
    return graph


@pytest.fixture
def atlas(seed):
    services.taxonomy_apply(
        taxonomy=Taxonomy(
            threats=(
                Threat("AML.T0024", "Exfiltration", taxonomy="atlas"),
                Threat("AML.T0054", "LLM Jailbreak", taxonomy="atlas"),
            )
        ),
        scope="atlas",
    )
    return seed


def _run(*args: str) -> str:
    out = StringIO()
    call_command("mappings", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_load_names_the_set_its_file_rows_and_catalogues(atlas, tmp_path):
    path = tmp_path / "atlas.sssom.tsv"
    path.write_text(SSSOM)
    assert _run("load", str(tmp_path)).splitlines() == [
        'Loaded mapping set "ATLAS onto the seed: test set"',
        f"  from {path}",
        f"  set id: {SET_ID}",
        "  2 rows, MITRE ATLAS onto our threats",
        "Loaded: 1 mapping set (2 rows), 0 skipped",
    ]


def test_a_set_whose_catalogue_is_missing_is_skipped_in_words(seed, tmp_path):
    path = tmp_path / "atlas.sssom.tsv"
    path.write_text(SSSOM)
    assert _run("load", str(path)).splitlines() == [
        f"Skipped {path}: it joins 'atlas', a catalogue the graph does not hold; "
        "import that catalogue, then run `manage.py mappings load` again",
        "Loaded: 0 mapping sets (0 rows), 1 skipped",
    ]


def test_the_list_names_each_set_as_the_load_did(atlas, tmp_path):
    assert _run("list") == (
        "No mapping set in the graph; load one with `manage.py mappings load`\n"
    )
    (tmp_path / "atlas.sssom.tsv").write_text(SSSOM)
    _run("load", str(tmp_path))
    assert _run("list").splitlines() == [
        'Mapping set "ATLAS onto the seed: test set"',
        f"  set id: {SET_ID}",
        "  2 rows, MITRE ATLAS onto our threats",
    ]


def test_no_output_shows_a_name_of_the_code(atlas, tmp_path):
    (tmp_path / "atlas.sssom.tsv").write_text(SSSOM)
    said = _run("load", str(tmp_path)) + _run("list")
    assert not [word for word in INTERNAL if word in said]
