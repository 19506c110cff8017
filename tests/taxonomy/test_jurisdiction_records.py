"""Jurisdictions in the taxonomy (issue 25): fixture files, the canonical JSON
document and the graph hold them like every kind; a taxonomy without them
is written as before."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from taxonomy import selectors, services
from taxonomy.domain.errors import FixtureError, GeographyError, http_status
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.records import InForceIn, Jurisdiction, MemberOf, Taxonomy
from taxonomy.formats import document_json, fixtures_stream, fixtures_yaml

GEOGRAPHY_YAML = """\
jurisdictions:
  - id: bloc
    name: A bloc
    kind: bloc
    weight: 10
    in_force:
      - mitigation: compute-thresholds
        maturity: deployed
        since: 2025-08-02
        rationale: its act binds its members
  - id: member
    name: A member
    weight: 2.5
    member_of:
      - body: bloc
        since: 1958-01-01
  - id: elsewhere
    name: Elsewhere
    weight: 0
"""


def _tree(fixture_tree: Path, text: str) -> Path:
    (fixture_tree / "jurisdictions.yaml").write_text(text)
    # The seed's architectures adopt measures in the seed's jurisdictions.
    (fixture_tree / "architectures.yaml").unlink(missing_ok=True)
    return fixture_tree


def test_a_jurisdictions_file_reads_into_the_taxonomy(fixture_tree):
    path = _tree(fixture_tree, GEOGRAPHY_YAML)
    taxonomy = fixtures_yaml.load_fixtures(path)
    assert fixtures_stream.load_fixtures(path) == taxonomy
    assert [j.id for j in taxonomy.jurisdictions] == ["bloc", "member", "elsewhere"]
    assert taxonomy.memberships == (MemberOf("member", "bloc", since="1958-01-01"),)
    assert taxonomy.in_force == (
        InForceIn(
            "compute-thresholds",
            "bloc",
            "deployed",
            since="2025-08-02",
            rationale="its act binds its members",
        ),
    )
    geography = Geography.of(taxonomy)
    assert geography.memberships[0].since.isoformat() == "1958-01-01"
    assert geography.bound_mitigations == {"compute-thresholds"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            GEOGRAPHY_YAML.replace("body: bloc", "body: nowhere"),
            15,
            "jurisdictions[1].member_of[0].body: unknown jurisdiction 'nowhere'",
        ),
        (
            GEOGRAPHY_YAML.replace("since: 2025-08-02", 'since: "2025-02-30"'),
            9,
            "since '2025-02-30' is not a date YYYY-MM-DD",
        ),
        (
            GEOGRAPHY_YAML.replace(
                "mitigation: compute-thresholds", "mitigation: nope"
            ),
            7,
            "unknown mitigation 'nope'",
        ),
        (
            GEOGRAPHY_YAML.replace(
                "    in_force:", "    member_of:\n      - body: bloc2\n    in_force:"
            )
            + "  - id: bloc2\n    name: B2\n    kind: bloc\n"
            "    member_of:\n      - body: bloc\n",
            6,
            "MEMBER_OF cycle: bloc -> bloc2 -> bloc",
        ),
        (
            GEOGRAPHY_YAML.replace("kind: bloc", "kind: city"),
            4,
            "'city' is not one of state, bloc, multilateral",
        ),
        (
            GEOGRAPHY_YAML.replace("body: bloc", "body: elsewhere"),
            15,
            "'elsewhere' is a state; only a bloc or a multilateral body has members",
        ),
    ],
)
def test_a_bad_jurisdiction_is_named_at_its_file_and_line_and_nothing_is_written(
    fixture_tree, graph, text, line, message
):
    path = _tree(fixture_tree, text)
    for read in (fixtures_yaml.load_fixtures, fixtures_stream.load_fixtures):
        with pytest.raises(FixtureError) as caught:
            read(path)
        where = [(p.line, p.message) for p in caught.value.problems]
        assert any(
            p.file.endswith("jurisdictions.yaml")
            and p.line == line
            and message in p.message
            for p in caught.value.problems
        ), where
    with pytest.raises(FixtureError):
        services.taxonomy_load(path=path)
    assert selectors.taxonomy_snapshot().jurisdictions == ()
    assert selectors.taxonomy_snapshot().mitigations == ()


def test_the_canonical_document_round_trips_jurisdictions(fixture_tree):
    taxonomy = fixtures_yaml.load_fixtures(_tree(fixture_tree, GEOGRAPHY_YAML))
    text = document_json.export_json(taxonomy)
    doc = json.loads(text)
    assert [j["id"] for j in doc["jurisdictions"]] == ["bloc", "elsewhere", "member"]
    assert doc["memberships"][0] == {
        "member": "member",
        "body": "bloc",
        "since": "1958-01-01",
        "until": "",
        "rationale": "",
        "sources": [],
        "version": 1,
    }
    again = document_json.taxonomy_from_document(doc)
    assert document_json.export_json(again) == text
    assert document_json.taxonomy_from_document_stream(text.encode()) == again
    bad = {**doc, "in_force": [{**doc["in_force"][0], "until": "2020-01-01"}]}
    with pytest.raises(
        FixtureError, match=r"in_force\[0\]\.until: until \(2020-01-01\)"
    ):
        document_json.taxonomy_from_document(bad)


def test_a_document_without_jurisdictions_is_the_one_written_before(settings):
    """No jurisdiction, membership or in-force section, and no empty
    ``mobile``/``everywhere`` keys: the seed's document is what it was."""
    seed = fixtures_yaml.load_fixtures(Path(settings.FIXTURES_DIR))
    bare = replace(
        seed,
        jurisdictions=(),
        memberships=(),
        in_force=(),
        threats=tuple(replace(t, mobile="") for t in seed.threats),
        mitigations=tuple(replace(m, everywhere="") for m in seed.mitigations),
    )
    doc = json.loads(document_json.export_json(bare))
    assert not {"jurisdictions", "memberships", "in_force"} & set(doc)
    assert not any("mobile" in t for t in doc["threats"])
    assert not any("everywhere" in m for m in doc["mitigations"])


def test_the_graph_keeps_jurisdictions_and_their_links(fixture_tree, graph):
    path = _tree(fixture_tree, GEOGRAPHY_YAML)
    services.taxonomy_load(path=path)
    snapshot = selectors.taxonomy_snapshot()
    expected = fixtures_yaml.load_fixtures(path)
    assert sorted(snapshot.jurisdictions, key=lambda j: j.id) == sorted(
        expected.jurisdictions, key=lambda j: j.id
    )
    assert snapshot.memberships == expected.memberships
    assert snapshot.in_force == expected.in_force
    assert Geography.of(snapshot).jurisdiction_ids == ("bloc", "elsewhere", "member")


def test_a_geography_error_is_answered_422():
    with pytest.raises(GeographyError) as caught:
        Geography.of(
            Taxonomy(
                jurisdictions=(Jurisdiction("a", "A", "bloc"), Jurisdiction("b", "B")),
                memberships=(MemberOf("b", "a", since="someday"),),
            )
        )
    assert "membership b → a: since must be a date YYYY-MM-DD" in str(caught.value)
    assert http_status(caught.value) == (422, "invalid")
