"""Several taxonomies in one graph: a write scoped to one never touches another."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from taxonomy import selectors, services
from taxonomy.domain.records import Layer, Mitigates, Mitigation, Taxonomy, Threat
from taxonomy.formats import document_json
from taxonomy.graph import repository

ACME = Taxonomy(
    layers=(Layer("acme:policy", "Policy", taxonomy="acme"),),
    threats=(
        Threat("acme:t1", "One", taxonomy="acme"),
        Threat("acme:t2", "Two", taxonomy="acme"),
    ),
    mitigations=(
        Mitigation("acme:m1", "M", "acme:policy", "deployed", taxonomy="acme"),
    ),
    mitigates=(Mitigates("acme:m1", "acme:t1", "high"),),
)


def _seed_document() -> dict:
    return document_json.taxonomy_to_document(
        selectors.taxonomy_snapshot(taxonomy="layerwise")
    )


def test_a_fixture_load_with_prune_keeps_the_other_taxonomies(seeded_graph):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    result = services.taxonomy_load(path=settings.FIXTURES_DIR, prune=True)
    assert result.changes.is_empty
    assert len(selectors.taxonomy_snapshot(taxonomy="acme").threats) == 2


def test_a_scoped_prune_removes_only_its_own_taxonomy(seeded_graph):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    seed = _seed_document()
    smaller = Taxonomy(
        layers=ACME.layers,
        threats=ACME.threats[:1],
        mitigations=ACME.mitigations,
        mitigates=ACME.mitigates,
    )
    result = services.taxonomy_apply(taxonomy=smaller, prune=True, scope="acme")
    assert [c.describe() for c in result.changes.changes] == ["- threat acme:t2"]
    assert _seed_document() == seed


def test_links_between_taxonomies_are_left_to_neither(seeded_graph):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    repository.property_link_create(
        kind="mitigates", record=Mitigates("tee", "acme:t2", "low", "cross")
    )
    services.taxonomy_apply(taxonomy=ACME, prune=True, scope="acme")
    services.taxonomy_load(path=settings.FIXTURES_DIR, prune=True)
    whole = selectors.taxonomy_snapshot(taxonomy=None)
    assert ("tee", "acme:t2") in {(m.mitigation, m.threat) for m in whole.mitigates}
    scoped = selectors.taxonomy_snapshot(taxonomy="acme")
    assert ("tee", "acme:t2") not in {
        (m.mitigation, m.threat) for m in scoped.mitigates
    }


def test_a_taxonomy_read_holds_the_foreign_layers_its_mitigations_sit_in(seeded_graph):
    mapped = Taxonomy(
        threats=ACME.threats,
        mitigations=(
            Mitigation("acme:m1", "M", "software", "deployed", taxonomy="acme"),
        ),
    )
    services.taxonomy_apply(taxonomy=mapped, scope="acme")
    snapshot = selectors.taxonomy_snapshot(taxonomy="acme")
    assert [(x.id, x.taxonomy) for x in snapshot.layers] == [("software", "layerwise")]
    assert selectors.taxonomy_names() == {"acme": 2, "layerwise": 12}


def test_an_import_cannot_take_over_an_id_of_another_taxonomy(seeded_graph):
    squatter = Taxonomy(
        threats=(Threat("acme:t1", "Squatter"),)
    )  # in the seed taxonomy
    services.taxonomy_apply(taxonomy=squatter, scope="layerwise")
    seed = _seed_document()
    with pytest.raises(
        repository.GraphConflict, match="acme:t1 \\(taxonomy layerwise\\)"
    ):
        services.taxonomy_apply(taxonomy=ACME, scope="acme")
    assert _seed_document() == seed
    assert selectors.taxonomy_snapshot(taxonomy="acme").threats == ()


def test_a_mitigation_in_a_layer_that_does_not_exist_is_refused(graph):
    lost = Taxonomy(
        mitigations=(
            Mitigation("acme:m1", "M", "nowhere", "deployed", taxonomy="acme"),
        )
    )
    with pytest.raises(repository.GraphConflict, match="unknown layer"):
        services.taxonomy_apply(taxonomy=lost, scope="acme")
    assert repository.graph_is_empty()


def test_the_fixture_export_writes_the_seed_only(seeded_graph, tmp_path):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    out = tmp_path / "taxonomy.json"
    call_command(
        "taxonomy", "export", "--format", "json", "--out", str(out), stdout=StringIO()
    )
    assert "acme:" not in out.read_text()
