"""The lean read for analysis: the full records without their prose, and the
same coverage document as the full read, on the seed and on MITRE ATLAS."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from taxonomy import services
from taxonomy.analysis.report import coverage_document
from taxonomy.domain.scenario import Scenario
from taxonomy.graph import repository
from taxonomy.graph.repository.read import LEAN_OMITS


@pytest.fixture
def seed_and_atlas(seeded_graph, atlas_path):
    with atlas_path.open("rb") as data:
        services.catalogue_import(format="atlas", data=data)
    return seeded_graph


def _without_prose(record):
    blank = {f.name: f.default for f in fields(record) if f.name in LEAN_OMITS}
    return replace(record, **blank) if blank else record


@pytest.mark.parametrize("name", ["layerwise", "atlas"])
def test_a_lean_read_is_the_full_read_without_its_prose(seed_and_atlas, name):
    full = repository.taxonomy_read(taxonomy=name)
    lean = repository.taxonomy_read(taxonomy=name, lean=True)
    assert lean.revision == full.revision
    for f in fields(full):
        value = getattr(full, f.name)
        if isinstance(value, tuple):
            assert getattr(lean, f.name) == tuple(map(_without_prose, value)), f.name
    # The prose was there to leave out.
    assert any(t.description for t in full.threats)
    assert any(m.description for m in full.mitigations)


@pytest.mark.parametrize("name", ["layerwise", "atlas"])
@pytest.mark.parametrize("without_a_layer", [False, True])
def test_the_coverage_document_of_a_lean_read_is_the_full_reads(
    seed_and_atlas, name, without_a_layer
):
    full = repository.taxonomy_read(taxonomy=name)
    lean = repository.taxonomy_read(taxonomy=name, lean=True)
    scenario = Scenario()
    if without_a_layer:
        first = sorted({m.layer for m in full.mitigations})[0]
        scenario = Scenario(disabled_layers=frozenset({first}), threshold=0.6)
    assert coverage_document(lean, scenario=scenario) == coverage_document(
        full, scenario=scenario
    )
