"""SSSOM mapping sets: the strict reader's refusals at file:line:column, the
canonical writer's byte-identical round trip, and loads into the real graph
that write all or nothing."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sssom_schema.datamodel import sssom_schema

from taxonomy import services
from taxonomy.domain.errors import MappingFileError
from taxonomy.domain.mappings import (
    JUSTIFICATIONS,
    PREDICATES,
    MappingRow,
    MappingSet,
    oriented_rows,
)
from taxonomy.domain.records import Taxonomy, Threat
from taxonomy.formats.sssom import read_sssom, write_sssom
from taxonomy.graph import repository
from taxonomy.models import AuditEntry

# A canonical file: what write_sssom writes, line for line.
CANONICAL = """\
#curie_map:
#  atlas: https://atlas.mitre.org/techniques/
#  layerwise: https://example.org/layerwise/threat/
#  orcid: https://orcid.org/
#mapping_set_id: https://example.org/layerwise/mappings/atlas-test
#mapping_set_title: "ATLAS onto the seed: test set"
#license: https://creativecommons.org/licenses/by/4.0/
#creator_id:
#- orcid:0000-0002-1825-0097
#subject_source: atlas
#object_source: layerwise
#mapping_date: "2026-12-07"
subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification\tauthor_id\tconfidence\tmapping_date\tcomment
atlas:AML.T0024\tExfiltration via ML Inference API\tskos:closeMatch\tlayerwise:model-extraction\tModel extraction\tsemapv:ManualMappingCuration\torcid:0000-0002-1825-0097\t0.8\t2026-12-07\tExtraction through the API is one way weights leave.
atlas:AML.T0054\tLLM Jailbreak\tskos:narrowMatch\tlayerwise:guardrail-removal\t\tsemapv:ManualMappingCuration\t\t\t\t
"""
HEADER_LINE = 13


def _with_row(cells: str) -> str:
    """The canonical file with its first row replaced."""
    lines = CANONICAL.split("\n")
    lines[HEADER_LINE] = cells
    return "\n".join(lines)


def _cells(**changes: str) -> str:
    row = dict(
        zip(
            CANONICAL.split("\n")[HEADER_LINE - 1].split("\t"),
            CANONICAL.split("\n")[HEADER_LINE].split("\t"),
            strict=True,
        )
    )
    row.update(changes)
    return "\t".join(row.values())


def _problems(text: str) -> list[str]:
    with pytest.raises(MappingFileError) as caught:
        read_sssom(text, name="x.sssom.tsv")
    return [str(p) for p in caught.value.problems]


def test_a_canonical_file_writes_back_byte_for_byte():
    mapping_set, _ = read_sssom(CANONICAL, name="x.sssom.tsv")
    assert len(mapping_set.rows) == 2
    assert mapping_set.rows[0].confidence == 0.8
    assert write_sssom(mapping_set) == CANONICAL


def test_a_valid_file_in_another_form_reads_to_its_canonical_form():
    spaced = "\n".join(
        "# " + line[1:] if line.startswith("#") else line
        for line in CANONICAL.split("\n")
    )
    rows = spaced.split("\n")
    rows[HEADER_LINE], rows[HEADER_LINE + 1] = rows[HEADER_LINE + 1], rows[HEADER_LINE]
    mapping_set, _ = read_sssom("\n".join(rows), name="x")
    assert write_sssom(mapping_set) == CANONICAL


def _at(text: str, line: int, value: str) -> str:
    """``x.sssom.tsv:line:column`` of the first ``value`` on a line (from 1)."""
    return f"x.sssom.tsv:{line}:{text.split(chr(10))[line - 1].index(value) + 1}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "subject_id",
            "mitre:AML.T0024",
            "unknown prefix 'mitre' (not in the curie_map)",
        ),
        ("confidence", "1.5", "'1.5' is not a number between 0 and 1"),
        ("confidence", "-0.1", "'-0.1' is not a number between 0 and 1"),
        ("confidence", "nan", "'nan' is not a number between 0 and 1"),
        (
            "predicate_id",
            "skos:sameAs",
            "'skos:sameAs' is not one of " + ", ".join(PREDICATES),
        ),
        (
            "mapping_justification",
            "semapv:Guess",
            "'semapv:Guess' is not a semapv justification",
        ),
        ("mapping_date", "2026-13-01", "'2026-13-01' is not a date (YYYY-MM-DD)"),
        ("author_id", "someone", "'someone' is not a CURIE (prefix:id)"),
    ],
)
def test_it_refuses_a_bad_cell_at_its_line_and_column(field, value, message):
    text = _with_row(_cells(**{field: value}))
    assert _problems(text) == [f"{_at(text, 14, value)}: {field}: {message}"]


def test_it_refuses_an_unknown_column_and_an_unknown_slot_where_they_are():
    text = CANONICAL.replace("\tmapping_justification\t", "\tjustification\t")
    assert (
        f"{_at(text, 13, 'justification')}: justification: not a column "
        "Layerwise keeps" in _problems(text)
    )
    text = CANONICAL.replace("#license: https", "#licence: https")
    assert (
        f"{_at(text, 7, 'licence')}: licence: not a mapping set slot Layerwise keeps"
        in _problems(text)
    )


def test_it_names_a_missing_column():
    lines = CANONICAL.split("\n")
    lines = [
        "\t".join(c for i, c in enumerate(line.split("\t")) if i != 2)
        if n >= HEADER_LINE - 1
        else line
        for n, line in enumerate(lines)
    ]
    assert "x.sssom.tsv:13:1: predicate_id: missing column" in _problems(
        "\n".join(lines)
    )


def test_it_refuses_a_second_row_for_the_same_pair():
    lines = CANONICAL.split("\n")
    lines.insert(HEADER_LINE + 1, lines[HEADER_LINE])
    assert any(
        p.startswith("x.sssom.tsv:15:1: subject_id: a second row for")
        for p in _problems("\n".join(lines))
    )


_local = st.from_regex(r"[a-z][a-z0-9.-]{0,8}", fullmatch=True)
_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\t"),
    max_size=20,
)
_rows = st.lists(
    st.builds(
        MappingRow,
        subject_id=_local.map(lambda s: f"atlas:{s}"),
        predicate_id=st.sampled_from(PREDICATES),
        object_id=_local.map(lambda s: f"layerwise:{s}"),
        mapping_justification=st.sampled_from(JUSTIFICATIONS),
        confidence=st.none() | st.floats(0, 1),
        comment=_text,
        author_id=st.lists(_local.map(lambda s: f"orcid:{s}"), max_size=2).map(tuple),
        mapping_date=st.dates().map(lambda d: d.isoformat()),
        subject_label=_text,
        object_label=_text,
    ),
    unique_by=lambda r: r.key,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(rows=_rows, title=_text, comment=_text)
def test_any_set_reads_back_as_itself_and_writes_back_byte_for_byte(
    rows, title, comment
):
    mapping_set = MappingSet(
        "https://example.org/m",
        "atlas",
        "layerwise",
        license="https://creativecommons.org/licenses/by/4.0/",
        mapping_set_title=title,
        comment=comment,
        curie_map=(
            ("atlas", "https://atlas.mitre.org/techniques/"),
            ("layerwise", "https://example.org/l/"),
            ("orcid", "https://orcid.org/"),
        ),
        rows=tuple(sorted(rows, key=lambda r: (r.subject_id, r.object_id))),
    )
    text = write_sssom(mapping_set)
    again, _ = read_sssom(text, name="x")
    assert again == mapping_set
    assert write_sssom(again) == text


def test_sssoms_own_model_takes_every_slot_and_column_the_writer_writes():
    """sssom-schema's LinkML classes refuse a slot or column SSSOM lacks."""
    mapping_set, _ = read_sssom(CANONICAL, name="x")
    lines = write_sssom(mapping_set).split("\n")
    meta = yaml.safe_load("\n".join(line[1:] for line in lines if line[:1] == "#"))
    table = [line.split("\t") for line in lines if line and line[:1] != "#"]
    mappings = [
        sssom_schema.Mapping(
            **{
                column: float(value)
                if column == "confidence"
                else value.split("|")
                if column == "author_id"
                else value
                for column, value in zip(table[0], row, strict=True)
                if value
            }
        )
        for row in table[1:]
    ]
    checked = sssom_schema.MappingSet(**meta, mappings=mappings)
    assert len(checked.mappings) == 2
    assert str(checked.mappings[0].predicate_id) == "skos:closeMatch"
    assert set(meta) <= set(sssom_schema.MappingSet.__dataclass_fields__)


def test_rows_seen_from_the_subject_side_invert_broad_and_narrow():
    mapping_set, _ = read_sssom(CANONICAL, name="x")
    forward = {
        (o.other_id, o.predicate, o.threat_id)
        for o in oriented_rows(mapping_set, "layerwise")
    }
    backward = {
        (o.threat_id, o.predicate, o.other_id)
        for o in oriented_rows(mapping_set, "atlas")
    }
    assert ("AML.T0054", "skos:narrowMatch", "guardrail-removal") in forward
    assert ("AML.T0054", "skos:broadMatch", "guardrail-removal") in backward


# --- Into the graph -----------------------------------------------------------------

ATLAS_LIKE = Taxonomy(
    threats=(
        Threat("AML.T0024", "Exfiltration via ML Inference API", taxonomy="atlas"),
        Threat("AML.T0054", "LLM Jailbreak", taxonomy="atlas"),
    )
)
SEED_LIKE = Taxonomy(
    threats=(
        Threat("model-extraction", "Model extraction"),
        Threat("guardrail-removal", "Guardrail removal"),
    )
)


@pytest.fixture
def seed_only(graph):
    services.taxonomy_apply(taxonomy=SEED_LIKE, scope="layerwise")
    return graph


@pytest.fixture
def two_taxonomies(seed_only):
    services.taxonomy_apply(taxonomy=ATLAS_LIKE, scope="atlas")
    return seed_only


def _load(tmp_path, text: str, name: str = "atlas.sssom.tsv"):
    path = tmp_path / name
    path.write_text(text)
    return services.mappings_load(paths=[tmp_path])


def test_a_loaded_set_reads_back_from_the_graph_and_exports_byte_identical(
    two_taxonomies, tmp_path, db
):
    report = _load(tmp_path, CANONICAL)
    assert [s.mapping_set_id for s in report.loaded] == [
        "https://example.org/layerwise/mappings/atlas-test"
    ]
    [stored] = repository.mapping_sets_read()
    assert write_sssom(stored) == CANONICAL
    kinds = set(AuditEntry.objects.values_list("kind", flat=True))
    assert {"mapping_set", "maps_to"} <= kinds


def test_an_id_in_neither_taxonomy_is_refused_at_its_cell_and_nothing_is_written(
    two_taxonomies, tmp_path, db
):
    before = repository.graph_fingerprint()
    bad = _with_row(_cells(object_id="layerwise:no-such-threat"))
    with pytest.raises(MappingFileError) as caught:
        _load(tmp_path, bad)
    column = _at(bad, 14, "layerwise:no-such").split(":")[-1]
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'atlas.sssom.tsv'}:14:{column}: object_id: "
        "'layerwise:no-such-threat' is no item of the taxonomy layerwise"
    ]
    assert repository.mapping_sets_read() == []
    assert repository.graph_fingerprint() == before


def test_one_bad_file_keeps_every_file_of_the_load_out(two_taxonomies, tmp_path, db):
    (tmp_path / "a.sssom.tsv").write_text(CANONICAL)
    (tmp_path / "b.sssom.tsv").write_text(
        _with_row(_cells(confidence="1.5")).replace("atlas-test", "other")
    )
    with pytest.raises(MappingFileError):
        services.mappings_load(paths=[tmp_path])
    assert repository.mapping_sets_read() == []


def test_a_set_whose_taxonomy_is_not_loaded_is_skipped_and_said(
    seed_only, tmp_path, db
):
    report = _load(tmp_path, CANONICAL)
    assert report.loaded == []
    assert report.skipped == [
        (
            str(tmp_path / "atlas.sssom.tsv"),
            "it joins 'atlas', a catalogue the graph does not hold",
        )
    ]
    assert repository.mapping_sets_read() == []


def test_a_curie_names_an_imported_item_by_its_id_without_the_taxonomy_prefix(
    seed_only, tmp_path, db
):
    imported = Taxonomy(
        threats=tuple(
            Threat(f"atlas:{t.id}", t.name, taxonomy="atlas")
            for t in ATLAS_LIKE.threats
        )
    )
    services.taxonomy_apply(taxonomy=imported, scope="atlas")
    _load(tmp_path, CANONICAL)
    [stored] = repository.mapping_sets_read()
    assert write_sssom(stored) == CANONICAL
    ids = {t.id for t in imported.threats} | {t.id for t in SEED_LIKE.threats}
    assert {
        (o.other_id, o.threat_id) for o in oriented_rows(stored, "layerwise", ids)
    } == {
        ("atlas:AML.T0024", "model-extraction"),
        ("atlas:AML.T0054", "guardrail-removal"),
    }


def test_a_backup_restores_the_mapping_sets(two_taxonomies, tmp_path, db):
    _load(tmp_path, CANONICAL)
    rows: list[dict] = []
    repository.graph_dump(rows.append)
    repository.graph_clear()
    repository.graph_load(rows, replace=True)
    [stored] = repository.mapping_sets_read()
    assert write_sssom(stored) == CANONICAL


def test_a_staged_reload_of_a_taxonomy_keeps_the_rows_of_its_replaced_items(
    two_taxonomies, tmp_path, db, settings
):
    _load(tmp_path, CANONICAL)
    settings.LAYERWISE_STAGED_WRITE_ITEMS = 0
    settings.LAYERWISE_STAGE_BATCH = 3
    renamed = Taxonomy(
        threats=tuple(
            Threat(t.id, t.name + " (renamed)", taxonomy="atlas")
            for t in ATLAS_LIKE.threats
        )
    )
    result = services.taxonomy_apply(taxonomy=renamed, scope="atlas")
    assert result.write is not None and result.write.staged
    [stored] = repository.mapping_sets_read()
    assert write_sssom(stored) == CANONICAL
