"""Tactics, incidents, IN_TACTIC and USES through every format, on random
taxonomies (hypothesis): fixtures, the canonical document, GraphML and STIX
give back what went in."""

from __future__ import annotations

import io
import json
from dataclasses import fields, replace

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_string

from taxonomy.domain.errors import FixtureError
from taxonomy.domain.kinds import KINDS, LINK_KINDS, NODE_KINDS, record_key
from taxonomy.domain.records import Link, Source, Taxonomy, Uses
from taxonomy.domain.rules import taxonomy_problems
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.formats.graphml import graphml_document
from taxonomy.formats.stix import stix_bundle, stix_parse
from tests.taxonomy.analysis.test_properties import taxonomies

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# Texts a YAML or JSON writer must quote or escape to keep.
TEXTS = st.sampled_from(
    ["", "Plain.", "key: value", "'quoted' \"twice\"", "line\nbreak", "ünï – ✓", "#"]
)


def _deduplicated(taxonomy: Taxonomy) -> Taxonomy:
    """``taxonomy`` within the rules: each link once, REQUIRES without cycles."""
    out = {}
    for kind in LINK_KINDS.values():
        links = {record_key(x): x for x in reversed(getattr(taxonomy, kind.field))}
        out[kind.field] = tuple(reversed(links.values()))
    out["requires"] = tuple(x for x in out["requires"] if x.source < x.target)
    return replace(taxonomy, **out)


@st.composite
def catalogues(draw) -> Taxonomy:
    """A random taxonomy with tactics and incidents, sources cited by every kind
    that cites them, and texts that need quoting."""
    taxonomy = _deduplicated(draw(taxonomies(incidents=True)))
    sources = tuple(
        Source(f"s{i}", f"Source {i}", title=draw(TEXTS), url="https://example.org/")
        for i in range(draw(st.integers(0, 3)))
    )
    ids = [s.id for s in sources]
    cited = (
        st.lists(st.sampled_from(ids), unique=True, max_size=2) if ids else st.just([])
    )
    out = {"sources": sources}
    for field in ("threats", "mitigations", "tactics", "incidents"):
        out[field] = tuple(
            replace(
                record,
                sources=tuple(draw(cited)),
                **{_text_field(record): draw(TEXTS)},
            )
            for record in getattr(taxonomy, field)
        )
    out["mitigates"] = tuple(
        replace(link, rationale=draw(TEXTS), sources=tuple(draw(cited)))
        for link in taxonomy.mitigates
    )
    result = replace(taxonomy, **out)
    assert taxonomy_problems(result) == []
    return result


def _text_field(record) -> str:
    return "summary" if hasattr(record, "summary") else "description"


def _same(a: Taxonomy, b: Taxonomy) -> None:
    """Equal taxonomies, whatever the order of their items."""
    for kind in KINDS.values():
        assert sorted(getattr(a, kind.field), key=record_key) == sorted(
            getattr(b, kind.field), key=record_key
        ), kind.field


def _renamed(taxonomy: Taxonomy, name: str) -> Taxonomy:
    """``taxonomy`` as an imported taxonomy ``name``: every id prefixed."""

    def ids(value):
        if isinstance(value, tuple):
            return tuple(ids(v) for v in value)
        return f"{name}:{value}" if value else value

    id_fields = {"id", "layer", "sources", "tactics"} | {
        end for kind in LINK_KINDS.values() for end in kind.ends
    }
    out = {}
    for kind in KINDS.values():
        records = []
        for record in getattr(taxonomy, kind.field):
            changed = {
                f.name: ids(getattr(record, f.name))
                for f in fields(record)
                if f.name in id_fields
            }
            if not kind.is_link:
                changed["taxonomy"] = name
            records.append(replace(record, **changed))
        out[kind.field] = tuple(records)
    return Taxonomy(**out)


# --- Fixtures ----------------------------------------------------------------------


@EXAMPLES
@given(taxonomy=catalogues())
def test_fixture_text_round_trips_tactics_incidents_and_their_links(taxonomy):
    text = fixtures_yaml.export_yaml_text(taxonomy)
    _same(fixtures_yaml.load_fixture_text(text), taxonomy)


@EXAMPLES
@given(taxonomy=catalogues())
def test_fixture_files_round_trip_and_a_second_export_changes_no_file(
    taxonomy, tmp_path_factory
):
    dest = tmp_path_factory.mktemp("fixtures")
    assert fixtures_yaml.export_yaml(taxonomy, dest=dest)
    _same(fixtures_yaml.load_fixtures(dest), taxonomy)
    assert fixtures_yaml.export_yaml(taxonomy, dest=dest) == []


def test_a_changed_step_rewrites_only_its_own_list(tmp_path):
    taxonomy = fixtures_yaml.load_fixture_text(INCIDENT_FIXTURE)
    fixtures_yaml.export_yaml(taxonomy, dest=tmp_path)
    before = (tmp_path / "incidents.yaml").read_text()
    link = taxonomy.uses[0]
    changed = replace(
        taxonomy,
        uses=(replace(link, tactics=("recon", "staging")),) + taxonomy.uses[1:],
    )
    assert fixtures_yaml.export_yaml(changed, dest=tmp_path)
    after = (tmp_path / "incidents.yaml").read_text()
    diff = [
        (a, b)
        for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
        if a != b
    ]
    assert diff == [
        ("        tactics: [recon, recon]", "        tactics: [recon, staging]")
    ]


INCIDENT_FIXTURE = """\
threats:
  - id: scraping
    name: Scraping
    tactics: [recon]
  - id: poisoning
    name: Poisoning
    tactics: [staging, recon]
tactics:
  - id: recon
    name: Reconnaissance
    shortname: reconnaissance
    order: 0
  - id: staging
    name: ML Attack Staging
    shortname: ml-attack-staging
    order: 1
incidents:
  - id: tay
    name: Tay poisoning
    kind: case-study
    date: 2016-03-23
    summary: 'Users taught a chatbot to say offensive things.'
    uses:
      - threat: scraping
        steps: [1, 3]
        tactics: [recon, recon]
        descriptions:
          - Read the bot's public replies.
          - Read them again.
      - threat: poisoning
        steps: [2]
        tactics: [staging]
        descriptions:
          - Sent it coordinated messages.
  - id: apt-x
    name: APT X
    kind: group
    uses:
      - threat: poisoning
        descriptions: [Poisons training sets.]
"""


def test_an_incident_fixture_reads_as_records_an_unquoted_date_as_text():
    taxonomy = fixtures_yaml.load_fixture_text(INCIDENT_FIXTURE)
    assert [(t.id, t.shortname, t.order) for t in taxonomy.tactics] == [
        ("recon", "reconnaissance", 0),
        ("staging", "ml-attack-staging", 1),
    ]
    assert set(taxonomy.in_tactic) == {
        Link("scraping", "recon"),
        Link("poisoning", "staging"),
        Link("poisoning", "recon"),
    }
    tay = taxonomy.incidents[0]
    assert (tay.kind, tay.date) == ("case-study", "2016-03-23")
    assert taxonomy.uses[0] == Uses(
        "tay",
        "scraping",
        (1, 3),
        ("recon", "recon"),
        ("Read the bot's public replies.", "Read them again."),
    )
    assert taxonomy.uses[2] == Uses(
        "apt-x", "poisoning", (), (), ("Poisons training sets.",)
    )


# (text in INCIDENT_FIXTURE, its replacement, the line reported, the message)
BROKEN = [
    ("steps: [1, 3]", "steps: [0, 3]", 25, "steps[0]: 0 is less than the minimum of 1"),
    ("steps: [1, 3]", "steps: [3, 1]", 25, "steps (3, 1) are not ascending"),
    ("steps: [2]", "steps: [3]", 31, "step 3 of incident 'tay' is already"),
    ("tactics: [staging]", "tactics: [nowhere]", 32, "unknown tactic 'nowhere'"),
    ("tactics: [recon, recon]", "tactics: [recon]", 26, "1 tactics for 2 steps"),
    ("kind: group", "kind: gang", 37, "incidents[1].kind: 'gang' is not one of"),
    ("date: 2016-03-23", "date: March 2016", 21, "incidents[0].date: 'March 2016'"),
    ("threat: poisoning\n        steps", "threat: nobody\n        steps", 30, "nobody"),
    ("tactics: [staging, recon]", "tactics: [staging, nowhere]", 7, "'nowhere'"),
    ("order: 1", "order: -1", 16, "order: -1 is less than the minimum of 0"),
]


@pytest.mark.parametrize(("old", "new", "line", "message"), BROKEN)
def test_a_broken_incident_or_tactic_is_named_at_its_file_and_line(
    old, new, line, message
):
    assert old in INCIDENT_FIXTURE
    with pytest.raises(FixtureError) as e:
        fixtures_yaml.load_fixture_text(
            INCIDENT_FIXTURE.replace(old, new, 1), name="x.yaml"
        )
    problems = [(p.file, p.line, p.message) for p in e.value.problems]
    assert any(
        file == "x.yaml" and at == line and message in text
        for file, at, text in problems
    ), problems


# --- The canonical document and GraphML --------------------------------------------


@EXAMPLES
@given(taxonomy=catalogues())
def test_the_canonical_document_round_trips_tactics_and_incidents(taxonomy):
    text = document_json.export_json(taxonomy)
    _same(document_json.taxonomy_from_document(json.loads(text)), taxonomy)


def test_the_document_refuses_a_step_that_is_no_number():
    document = document_json.taxonomy_to_document(
        fixtures_yaml.load_fixture_text(INCIDENT_FIXTURE)
    )
    document["uses"][0]["steps"] = ["one"]
    with pytest.raises(FixtureError, match=r"uses\[0\]\.steps\[0\]: 'one' is not"):
        document_json.taxonomy_from_document(document)


def _from_graphml(text: str) -> Taxonomy:
    """The nodes and links a GraphML export holds, read back with networkx."""
    g = nx.read_graphml(io.StringIO(text), force_multigraph=True)
    out: dict[str, list] = {kind.field: [] for kind in KINDS.values()}
    for _, data in g.nodes(data=True):
        kind = NODE_KINDS[data["kind"]]
        named = {"kind": f"{kind.name}_kind"}
        values = {
            f.name: _field(f.name, data[named.get(f.name, f.name)])
            for f in fields(kind.record)
            if named.get(f.name, f.name) in data and f.name not in ("id", "version")
        }
        out[kind.field].append(kind.record(id=data["key"], **values))
    by_rel = {kind.rel: kind for kind in LINK_KINDS.values()}
    for source, target, data in g.edges(data=True):
        kind = by_rel.get(data["type"])
        if kind is None:
            continue  # IN_LAYER and CITES repeat node properties
        values = {
            f.name: _field(f.name, data[f.name])
            for f in fields(kind.record)
            if f.name in data and f.name not in ("version", "type")
        }
        ends = (g.nodes[source]["key"], g.nodes[target]["key"])
        out[kind.field].append(kind.make(*ends, **values))
    return Taxonomy(**{k: tuple(v) for k, v in out.items()})


def _field(name: str, value):
    if name == "sources":
        return tuple(value.split())
    if name in ("steps", "tactics", "descriptions"):
        return tuple(json.loads(value))
    return value


@EXAMPLES
@given(taxonomy=catalogues())
def test_graphml_holds_every_tactic_incident_and_link_with_its_steps(taxonomy):
    _same(_from_graphml(graphml_document(taxonomy)), taxonomy)


# --- STIX ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(taxonomy=catalogues())
def test_a_stix_export_passes_the_validator_and_imports_back_equal(taxonomy):
    taxonomy = _renamed(taxonomy, "acme")
    text = stix_bundle(taxonomy, name="acme")
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert [str(e) for e in result.errors or []] == []
    parsed, report = stix_parse(text)
    assert report.skipped == {} and report.warnings == []
    _same(parsed, taxonomy)
