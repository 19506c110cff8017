"""The mapping sets the project ships (fixtures/mappings/): ATLAS techniques onto
the seed's threats, the seed's threats onto NIST AI 600-1's risks. Each reads
with the strict SSSOM reader, is in its canonical form, names only items the
imports and the seed hold, and says why what it leaves unmapped is."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from taxonomy import services
from taxonomy.domain.mappings import DEFAULT_JUSTIFICATION, PREDICATES
from taxonomy.formats.atlas import atlas_parse
from taxonomy.formats.risk_atlas import risk_atlas_catalogue_file, risk_atlas_parse
from taxonomy.formats.sssom import read_sssom, write_sssom

MAPPINGS = Path(settings.BASE_DIR) / "fixtures" / "mappings"
ATLAS_SET = MAPPINGS / "atlas-to-layerwise.sssom.tsv"
NIST_SET = MAPPINGS / "layerwise-to-nist-ai-600-1.sssom.tsv"


def _read(path: Path):
    return read_sssom(path.read_text(encoding="utf-8"), name=path.name)[0]


@pytest.fixture(scope="module")
def seed_threats() -> dict[str, str]:
    """The seed's threats, id -> name, read from the fixture file itself."""
    data = yaml.safe_load(
        (Path(settings.BASE_DIR) / "fixtures" / "threats.yaml").read_text("utf-8")
    )
    return {t["id"]: t["name"] for t in data["threats"]}


@pytest.mark.parametrize("path", [ATLAS_SET, NIST_SET], ids=lambda p: p.name)
def test_a_shipped_set_reads_strictly_and_is_in_canonical_form(path):
    text = path.read_text(encoding="utf-8")
    assert write_sssom(read_sssom(text, name=path.name)[0]) == text


@pytest.mark.parametrize("path", [ATLAS_SET, NIST_SET], ids=lambda p: p.name)
def test_every_row_carries_a_predicate_confidence_rationale_author_and_date(path):
    mapping_set = _read(path)
    assert mapping_set.license and mapping_set.creator_id and mapping_set.mapping_date
    for row in mapping_set.rows:
        assert row.predicate_id in PREDICATES
        assert row.mapping_justification == DEFAULT_JUSTIFICATION
        assert row.confidence is not None and 0 < row.confidence <= 1
        assert row.comment.endswith(".") and len(row.comment.split()) >= 8
        assert row.author_id and row.mapping_date


def test_atlas_rows_join_techniques_of_the_real_import_to_seed_threats(
    atlas_text, seed_threats
):
    imported, _ = atlas_parse(atlas_text)
    techniques = {t.id: t.name for t in imported.threats}
    mapping_set = _read(ATLAS_SET)
    assert (mapping_set.subject_source, mapping_set.object_source) == (
        "atlas",
        "layerwise",
    )
    for row in mapping_set.rows:
        # The CURIE is the id the ATLAS import gives the technique.
        assert techniques[row.subject_id] == row.subject_label
        prefix, _, threat = row.object_id.partition(":")
        assert prefix == "layerwise" and seed_threats[threat] == row.object_label


def test_nist_rows_join_seed_threats_to_the_imported_nist_risks(seed_threats):
    path = risk_atlas_catalogue_file("nist-ai-600-1")
    imported, _ = risk_atlas_parse(path.read_bytes(), catalogue="nist-ai-600-1")
    risks = {t.id: t.name for t in imported.threats}
    mapping_set = _read(NIST_SET)
    assert mapping_set.object_source == "nist-ai-600-1"
    for row in mapping_set.rows:
        assert risks[row.object_id] == row.object_label
        assert seed_threats[row.subject_id.partition(":")[2]] == row.subject_label


@pytest.mark.parametrize(
    "path, side", [(ATLAS_SET, "object_id"), (NIST_SET, "subject_id")]
)
def test_the_set_says_why_each_seed_threat_it_leaves_unmapped_is(
    path, side, seed_threats
):
    mapping_set = _read(path)
    mapped = {getattr(r, side).partition(":")[2] for r in mapping_set.rows}
    unmapped = set(seed_threats) - mapped
    assert unmapped, "every seed threat is mapped: the comment has nothing to say"
    said = mapping_set.comment.lower()
    assert {t for t in unmapped if seed_threats[t].lower() not in said} == set()
    assert {t for t in mapped if seed_threats[t].lower() in said} == set()


def _counts(mapping_set) -> str:
    """The rows per predicate, as the model's documentation words them."""
    found = [r.predicate_id for r in mapping_set.rows]
    return ", ".join(
        f"{found.count(p)} {p.partition(':')[2]}" for p in PREDICATES if p in found
    )


def test_the_model_documentation_quotes_the_shipped_sets_figures():
    text = " ".join(
        (Path(settings.BASE_DIR) / "docs" / "model.md").read_text("utf-8").split()
    )
    atlas, nist = _read(ATLAS_SET), _read(NIST_SET)
    assert (
        f"{len(atlas.rows)} rows from {len({r.subject_id for r in atlas.rows})} "
        f"techniques onto {len({r.object_id for r in atlas.rows})} of the 12 "
        f"threats: {_counts(atlas)}." in text
    )
    assert (
        f"{len(nist.rows)} rows from {len({r.subject_id for r in nist.rows})} "
        f"threats onto {len({r.object_id for r in nist.rows})} of the 12 risks: "
        f"{_counts(nist)}, no exact or close match." in text
    )


def test_both_sets_load_into_the_graph_beside_the_real_imports(
    seeded_graph, atlas_path
):
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("import_atlas", str(atlas_path), **quiet)
    call_command("import_risk_atlas", "nist-ai-600-1", **quiet)
    report = services.mappings_load(paths=[MAPPINGS])
    assert report.skipped == []
    assert {s.mapping_set_id: len(s.rows) for s in report.loaded} == {
        s.mapping_set_id: len(s.rows) for s in map(_read, (ATLAS_SET, NIST_SET))
    }
