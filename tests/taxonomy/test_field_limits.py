"""One definition of the fields' limits (taxonomy.domain.limits), held by the
API's serializers and fixtures/schema.json alike and applied by every import
path: the command line's STIX import and its dry run, fixture files, the JSON
document. And ``taxonomy_generate`` writes what its own import accepts."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
import stix2
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from graphapi.serializers.records import ITEM_SERIALIZERS
from taxonomy import selectors
from taxonomy.domain.errors import FixtureError
from taxonomy.domain.kinds import KINDS
from taxonomy.domain.limits import (
    INT64_MAX,
    INT_RANGES,
    NAME_MAX,
    TEXT_LIMITS,
    is_incident_date,
)
from taxonomy.domain.rules import taxonomy_problems
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.formats.synthetic import document_chunks, synthetic_taxonomy

# --- one definition ---------------------------------------------------------------------


def _serializer_fields():
    """(kind, field name, field) of every writable field of the API's items,
    and of the entries of its list fields."""
    for kind, serializer in ITEM_SERIALIZERS.items():
        for name, field in serializer().fields.items():
            if field.read_only:
                continue
            yield kind, name, getattr(field, "child", None) or field


def test_the_api_holds_every_text_and_number_to_the_one_definition():
    checked = 0
    for kind, name, field in _serializer_fields():
        if getattr(field, "max_length", None) is not None:
            assert name in TEXT_LIMITS, f"{kind}.{name}: give it a limit in limits.py"
            assert field.max_length == TEXT_LIMITS[name], (kind, name)
            checked += 1
        if name in INT_RANGES:
            assert (field.min_value, field.max_value) == INT_RANGES[name], (kind, name)
            checked += 1
    assert checked > 20


def _schema_limits(node, defs, out, name=None):
    """(field, maxLength or maximum) of every limited property of the schema."""
    if isinstance(node, dict):
        if "$ref" in node:
            _schema_limits(defs[node["$ref"].rsplit("/", 1)[1]], defs, out, name)
        for key in ("maxLength", "maximum"):
            if key in node and name is not None:
                out.add((name, key, node[key]))
        for key, value in node.get("properties", {}).items():
            _schema_limits(value, defs, out, key)
        if "items" in node:
            _schema_limits(node["items"], defs, out, name)


def test_the_fixture_schema_states_the_one_definition():
    schema = json.loads((Path(settings.FIXTURES_DIR) / "schema.json").read_text())
    found: set = set()
    for kind in KINDS.values():
        definition = schema["$defs"].get(kind.name) or schema["$defs"].get(
            kind.fixture_key
        )
        if definition:
            _schema_limits(definition, schema["$defs"], found)
    assert len(found) > 10
    for name, key, value in found:
        if key == "maxLength":
            # A property of no field's name is a list of ids (``requires``).
            assert value == TEXT_LIMITS.get(name, TEXT_LIMITS["id"]), name
        else:
            assert value == INT_RANGES[name][1], name
    assert ("order", "maximum", INT64_MAX) in found
    assert ("steps", "maximum", INT64_MAX) in found


# --- the command line's catalogue import -----------------------------------------------


def _bundle(name: str) -> str:
    refs = [{"source_name": "mitre-attack", "external_id": "T1566"}]
    pattern = stix2.AttackPattern(name=name, external_references=refs)
    return stix2.Bundle(objects=[pattern]).serialize()


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_import_stix_refuses_a_name_of_a_million_characters_writing_nothing(
    graph, tmp_path, dry_run
):
    path = tmp_path / "bundle.json"
    path.write_text(_bundle("x" * 1_048_576))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "import_stix",
            *(str(path), "--taxonomy", "big", *dry_run),
            stdout=StringIO(),
            stderr=err,
        )
    message = err.getvalue()
    assert "threat 'big:T1566'" in message
    assert "name is 1,048,576 characters long, more than the 300 allowed" in message
    assert len(message) < 1000
    assert "big" not in selectors.taxonomy_names()


def test_import_stix_takes_a_name_at_the_limit(graph, tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(_bundle("x" * NAME_MAX))
    call_command("import_stix", str(path), "--taxonomy", "big", stdout=StringIO())
    assert "big" in selectors.taxonomy_names()


# --- fixture files and the JSON document -------------------------------------------------


@pytest.fixture
def incident_fixtures(tmp_path) -> Path:
    """The seed's fixtures plus one file of tactics, an incident and its uses."""
    tree = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, tree)
    (tree / "zz-incidents.yaml").write_text(
        "tactics:\n"
        "  - id: recon\n"
        "    name: Reconnaissance\n"
        "    order: 0\n"
        "incidents:\n"
        "  - id: tay\n"
        "    name: Tay\n"
        "    date: 2016-03-23\n"
        "    uses:\n"
        "      - threat: shadow-ai\n"
        "        steps: [1]\n"
        "        tactics: [recon]\n"
    )
    return tree


def _break(tree: Path, old: str, new: str) -> int:
    path = tree / "zz-incidents.yaml"
    text = path.read_text()
    path.write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("order: 0", f"order: {2**64}", "order"),
        ("order: 0", f"order: {2**63}", "order"),
        ("steps: [1]", f"steps: [{2**70}]", "steps"),
        ("date: 2016-03-23", "date: '2016-13-45'", "date"),
    ],
)
def test_fixtures_past_a_limit_are_refused_by_file_line_and_field(
    seeded_graph, incident_fixtures, old, new, field
):
    line = _break(incident_fixtures, old, new)
    revision = selectors.taxonomy_snapshot().revision
    for action in (["validate"], ["load"], ["load", "--dry-run"]):
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError) as caught:
            call_command(
                "taxonomy", *action, str(incident_fixtures), stdout=out, stderr=err
            )
        text = out.getvalue() + err.getvalue() + str(caught.value)
        assert f"zz-incidents.yaml:{line}" in text, (action, text)
        assert field in text and "Traceback" not in text
    assert selectors.taxonomy_snapshot().revision == revision


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("tactics", 0, "order"), 2**64),
        (("uses", 0, "steps"), [2**64]),
        (("incidents", 0, "date"), "2016-13-45"),
        (("threats", 0, "name"), "x" * (NAME_MAX + 1)),
    ],
)
def test_the_json_document_refuses_what_the_api_refuses(path, value):
    from tests.taxonomy.interchange.test_incident_formats import INCIDENT_FIXTURE

    document = document_json.taxonomy_to_document(
        fixtures_yaml.load_fixture_text(INCIDENT_FIXTURE)
    )
    key, index, field = path
    document[key][index][field] = value
    with pytest.raises(FixtureError, match=rf"{key}\[{index}\]\.{field}"):
        document_json.taxonomy_from_document(document)


@given(text=st.text(max_size=12))
def test_an_incident_date_is_a_real_date_at_some_precision(text):
    import datetime

    def real(t: str) -> bool:
        for fmt in ("%Y", "%Y-%m", "%Y-%m-%d"):
            try:
                parsed = datetime.datetime.strptime(t, fmt)
            except ValueError:
                continue
            if parsed.strftime(fmt) == t:
                return True
        return t == ""

    assert is_incident_date(text) == real(text)


# --- taxonomy_generate writes what its import accepts ----------------------------------


@hypothesis_settings(deadline=None)
@given(
    threats=st.integers(1, 6),
    mitigations=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_a_generated_taxonomy_breaks_no_rule_of_its_own_import(
    threats, mitigations, seed, data
):
    links = data.draw(st.integers(0, threats * mitigations))
    taxonomy = synthetic_taxonomy(
        threats=threats, mitigations=mitigations, layers=2, links=links, seed=seed
    )
    assert len(taxonomy.mitigates) == links
    assert taxonomy_problems(taxonomy) == []
    document = json.loads("".join(document_chunks(taxonomy)))
    assert document_json.taxonomy_from_document(document) is not None


def test_taxonomy_generate_refuses_more_links_than_pairs(tmp_path):
    with pytest.raises(CommandError, match="at most"):
        call_command(
            "taxonomy_generate",
            *("--threats", "2", "--mitigations", "2", "--layers", "1"),
            *("--links", "5", "--out", str(tmp_path / "t.json")),
            stdout=StringIO(),
        )


@pytest.mark.parametrize(("key", "field", "value"), [("mitigations", "cost", 2**70)])
def test_any_whole_number_past_64_bits_is_refused_by_the_document(key, field, value):
    seed = fixtures_yaml.load_fixtures(Path(settings.FIXTURES_DIR))
    document = document_json.taxonomy_to_document(seed)
    document[key][0][field] = value
    with pytest.raises(FixtureError, match=rf"{key}\[0\]\.{field}: .*64 bits"):
        document_json.taxonomy_from_document(document)
