"""A STIX catalogue survives import and export: MITRE's own query library
(``mitreattack.stix20.MitreAttackData``) reads the re-exported ATT&CK bundle
as it reads the original, every imported object keeps its id, type, dates,
references, markings and unmodelled properties, and an export of an
unchanged graph is the same bytes every time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from mitreattack.stix20 import MitreAttackData
from stix2validator import ValidationOptions, validate_string

from taxonomy import selectors, services
from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.records import Taxonomy, Threat
from taxonomy.formats import document_json
from taxonomy.formats.stix import EXTENSION_ID, IDENTITY_ID, stix_bundle
from taxonomy.selectors import cache
from tests.taxonomy.interchange.attack_catalogue import MARKING, attack_catalogue
from tests.taxonomy.interchange.test_field_tools import ACCEPTED_WARNINGS

TAXONOMIES = {"ics-attack": "attack-ics", "mobile-attack": "attack-mobile"}
# The object types MitreAttackData reads that Layerwise imports as items.
MODELLED = (
    "attack-pattern",
    "x-mitre-tactic",
    "course-of-action",
    "intrusion-set",
    "malware",
    "tool",
)


def _export(taxonomy: str) -> str:
    cache._memo = ("", {})  # read afresh, as another process would
    return selectors.taxonomy_export(format="stix", taxonomy=taxonomy)


@pytest.fixture(params=sorted(TAXONOMIES))
def catalogue(request, graph, tmp_path) -> tuple[str, dict, str]:
    """(domain, the original bundle, the taxonomy) with the bundle imported."""
    domain = request.param
    bundle = attack_catalogue(domain)
    services.catalogue_import(
        format="stix",
        data=json.dumps(bundle),
        taxonomy=TAXONOMIES[domain],
        channel="import",
    )
    return domain, bundle, TAXONOMIES[domain]


def _mitre(bundle: dict | str, path) -> MitreAttackData:
    text = bundle if isinstance(bundle, str) else json.dumps(bundle)
    path.write_text(text, encoding="utf-8")
    return MitreAttackData(stix_filepath=str(path))


def _answers(data: MitreAttackData, bundle: dict, domain: str) -> dict:
    """What the library answers to the queries ATT&CK users make."""
    ids = [
        o["id"] for o in bundle["objects"] if o["type"] in (*MODELLED, "x-mitre-matrix")
    ]
    tactics = data.get_tactics()
    return {
        "tactics": sorted((t.id, t.name, t.x_mitre_shortname) for t in tactics),
        "matrices": sorted(
            (m.id, m.name, tuple(m.tactic_refs)) for m in data.get_matrices()
        ),
        "attack ids": {i: data.get_attack_id(i) for i in ids},
        "by tactic": {
            t.x_mitre_shortname: sorted(
                x.id for x in data.get_techniques_by_tactic(t.x_mitre_shortname, domain)
            )
            for t in tactics
        },
        "subtechniques": sorted(x.id for x in data.get_subtechniques()),
        "groups": sorted((g.id, tuple(g.aliases)) for g in data.get_groups()),
        "software": sorted((s.id, s.type) for s in data.get_software()),
    }


def test_mitre_reads_a_reexported_attack_catalogue_as_the_original(catalogue, tmp_path):
    domain, bundle, taxonomy = catalogue
    original = _answers(_mitre(bundle, tmp_path / "original.json"), bundle, domain)
    again = _mitre(_export(taxonomy), tmp_path / "again.json")
    assert _answers(again, bundle, domain) == original
    # The queries found something to compare.
    assert all(original["by tactic"].values())
    assert None not in original["attack ids"].values()
    assert {"tool", "malware"} <= {kind for _, kind in original["software"]}


def test_every_imported_object_keeps_its_id_dates_references_and_properties(
    catalogue,
):
    domain, bundle, taxonomy = catalogue
    exported = {o["id"]: o for o in json.loads(_export(taxonomy))["objects"]}
    # Every object but a group's use of software (Layerwise keeps uses of
    # techniques only) and the plain subtechnique-of link, whose relationship
    # is Layerwise's own.
    kept = [
        o
        for o in bundle["objects"]
        if o["type"] != "relationship"
        or o["relationship_type"] in ("uses", "mitigates")
        and o["target_ref"].startswith("attack-pattern--")
    ]
    assert len(kept) > 20
    problems = []
    for obj in kept:
        out = exported.get(obj["id"])
        if out is None:
            problems.append(f"{obj['id']} missing")
            continue
        for key, value in obj.items():
            if out.get(key) != value:
                problems.append(f"{obj['id']}: {key} {out.get(key)!r} != {value!r}")
    assert problems == []
    assert all(
        MARKING in o["object_marking_refs"] for o in kept if o["type"] in MODELLED
    )


def test_uses_links_keep_their_references_and_export_them_back(catalogue):
    domain, bundle, taxonomy = catalogue
    exported = json.loads(_export(taxonomy))["objects"]
    uses = {
        o["id"]: o["external_references"]
        for o in exported
        if o["type"] == "relationship" and o["relationship_type"] == "uses"
    }
    wanted = {
        o["id"]: o["external_references"]
        for o in bundle["objects"]
        if o["type"] == "relationship"
        and o["relationship_type"] == "uses"
        and o["target_ref"].startswith("attack-pattern--")
    }
    assert wanted and uses == wanted


def test_a_reexported_catalogue_passes_stix2_validator(catalogue):
    _, _, taxonomy = catalogue
    text = _export(taxonomy)
    for options in (
        ValidationOptions(version="2.1"),
        ValidationOptions(version="2.1", strict_types=True, strict_properties=True),
    ):
        result = validate_string(text, options)
        assert [str(e) for e in result.errors or []] == []
        codes = {
            m.group(1)
            for w in result.warnings or []
            if (m := re.search(r"\{(\d+)\}", str(w)))
        }
        assert codes <= ACCEPTED_WARNINGS


def test_the_docs_list_the_warnings_the_validator_leaves():
    text = (Path(settings.BASE_DIR) / "docs" / "import-export.md").read_text()
    assert set(re.findall(r"`\{(\d{3})\}`", text)) == ACCEPTED_WARNINGS


def test_two_exports_of_an_unchanged_graph_are_the_same_bytes(seeded_graph_read_only):
    assert _export("layerwise") == _export("layerwise")


def test_an_edit_moves_modified_of_that_object_only_and_created_never(seeded_graph):
    before = {o["id"]: o for o in json.loads(_export("layerwise"))["objects"]}
    threat = next(o for o in before.values() if o["type"] == "attack-pattern")
    key = threat["extensions"][next(iter(threat["extensions"]))]["id"]
    services.node_update(kind="threat", key=key, changes={"description": "Edited."})
    after = {o["id"]: o for o in json.loads(_export("layerwise"))["objects"]}
    assert set(after) == set(before)
    moved = {i for i in after if after[i]["modified"] != before[i]["modified"]}
    assert moved == {threat["id"], next(o for o in after if o.startswith("grouping--"))}
    assert after[threat["id"]]["modified"] > before[threat["id"]]["modified"]
    assert all(after[i]["created"] == before[i]["created"] for i in after)


def test_an_edited_imported_object_keeps_created_and_moves_modified(catalogue):
    domain, bundle, taxonomy = catalogue
    technique = next(o for o in bundle["objects"] if o["type"] == "attack-pattern")
    key = f"{taxonomy}:{technique['external_references'][0]['external_id']}"
    services.node_update(kind="threat", key=key, changes={"name": "Renamed"})
    out = next(
        o
        for o in json.loads(_export(taxonomy))["objects"]
        if o["id"] == technique["id"]
    )
    assert out["name"] == "Renamed"
    assert out["created"] == technique["created"]
    assert out["modified"] > technique["modified"]
    assert out["x_mitre_platforms"] == technique["x_mitre_platforms"]
    assert out["external_references"] == technique["external_references"]


def test_a_bundle_listing_an_object_twice_is_refused_and_writes_nothing(graph):
    bundle = attack_catalogue("ics-attack")
    twice = next(o for o in bundle["objects"] if o["type"] == "attack-pattern")
    bundle["objects"].append(
        {**twice, "name": "Another", "modified": "2030-01-01T00:00:00.000Z"}
    )
    with pytest.raises(InterchangeError) as refused:
        services.catalogue_import(
            format="stix", data=json.dumps(bundle), taxonomy="attack-ics"
        )
    assert twice["id"] in str(refused.value)
    assert "more than once" in str(refused.value)
    assert selectors.taxonomy_names() == {}


def test_an_item_whose_kept_original_is_not_one_is_written_as_layerwise_makes_it():
    # The canonical document lets an editor write any text in ``stix``.
    threats = tuple(
        Threat(f"x:t{i}", "T", taxonomy="x", stix=text)
        for i, text in enumerate(("{", "[]", '{"object": {"type": "tool"}}'))
    )
    objects = json.loads(stix_bundle(Taxonomy(threats=threats), name="x"))["objects"]
    patterns = [o for o in objects if o["type"] == "attack-pattern"]
    assert [o["created_by_ref"] for o in patterns] == [IDENTITY_ID] * 3


def test_the_canonical_document_carries_the_originals_and_imports_back_unchanged(
    catalogue,
):
    _, _, taxonomy = catalogue
    snapshot = selectors.taxonomy_snapshot(taxonomy=taxonomy)
    text = document_json.export_json(snapshot)
    assert all(t["stix"] for t in json.loads(text)["threats"])
    reread = document_json.taxonomy_from_document_stream(text.encode())
    assert reread.threats == snapshot.threats
    assert services.taxonomy_import(taxonomy=reread).changes.is_empty


def test_a_changed_source_moves_modified_of_the_objects_citing_it(seeded_graph):
    before = {o["id"]: o for o in json.loads(_export("layerwise"))["objects"]}
    cited = {
        o["id"]: o["extensions"][EXTENSION_ID].get("sources", [])
        for o in before.values()
        if "extensions" in o and EXTENSION_ID in o["extensions"]
    }
    source = next(s for ids in cited.values() for s in ids)
    services.node_update(kind="source", key=source, changes={"title": "Retitled"})
    after = {o["id"]: o for o in json.loads(_export("layerwise"))["objects"]}
    moved = {i for i in after if after[i]["modified"] != before[i]["modified"]}
    citing = {i for i, ids in cited.items() if source in ids}
    grouping = next(i for i in after if i.startswith("grouping--"))
    assert citing and moved == citing | {grouping}
