"""The SSSOM exports checked with the field's own tool, the ``sssom`` package:
the shipped mapping sets loaded into the graph beside the catalogues they
join, a set through the graph with every predicate, and random sets, exported
to files that ``sssom.parsers.parse_sssom_table`` reads and
``sssom.validators.validate`` passes, reading what our reader reads and the
graph holds.

``sssom`` cannot live in the project's .venv (it needs linkml, which pins
antlr4-python3-runtime 4.9; stix2-patterns needs 4.13), so ``make test``
installs it in var/sssom-venv/ from requirements-sssom.lock and the tests run
that virtualenv's python in a subprocess. Without it they are skipped naming
``make test``, or fail under CI=true.
"""

from __future__ import annotations

import json
import os
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from taxonomy import services
from taxonomy.domain.errors import MappingFileError
from taxonomy.domain.mappings import JUSTIFICATIONS, PREDICATES, MappingRow, MappingSet
from taxonomy.domain.records import Taxonomy, Threat
from taxonomy.formats.sssom import read_sssom, write_sssom
from taxonomy.graph import repository
from tests.published_atlas import in_ci

ROOT = Path(settings.BASE_DIR)
SSSOM_PYTHON = ROOT / "var" / "sssom-venv" / "bin" / "python"
MAPPINGS = ROOT / "fixtures" / "mappings"
# sssom's validations that apply to a TSV file (SHACL and SPARQL are not
# implemented in 0.4.x: they raise NotImplementedError).
VALIDATIONS = ("JsonSchema", "PrefixMapCompleteness", "StrictCurieFormat")

# Run by the tools virtualenv's python: each file given is parsed and
# validated by sssom, and what it read is printed as JSON.
READER = """
import json, math, sys
from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.validators import validate

COLUMNS = ("subject_id", "predicate_id", "object_id", "confidence",
           "mapping_justification", "comment", "author_id", "mapping_date")

def plain(value, column):
    if value is None or isinstance(value, float) and math.isnan(value):
        return None
    if column == "author_id":  # a multivalued cell, kept as written
        return value.split("|") if isinstance(value, str) else [str(v) for v in value]
    return value if isinstance(value, (int, float)) else str(value)

read = []
for path in sys.argv[2:]:
    msdf = parse_sssom_table(path)
    kinds = [SchemaValidationType(v) for v in json.loads(sys.argv[1])]
    reports = validate(msdf, kinds, fail_on_error=False)
    read.append({
        "mapping_set_id": msdf.metadata.get("mapping_set_id"),
        "license": msdf.metadata.get("license"),
        "rows": [
            {c: plain(row.get(c), c) for c in COLUMNS}
            for row in msdf.df.to_dict(orient="records")
        ],
        "problems": sorted(
            str(result.message)
            for report in reports.values() if report is not None
            for result in report.results
        ),
    })
print(json.dumps(read))
"""


def sssom_reads(*paths: Path) -> list[dict]:
    """What the sssom package reads of each file (one subprocess for all)."""
    if not SSSOM_PYTHON.exists():
        message = (
            f"the sssom tools virtualenv is missing ({SSSOM_PYTHON}): "
            "`make test` installs it from requirements-sssom.lock"
        )
        (pytest.fail if in_ci(os.environ) else pytest.skip)(message)
    done = subprocess.run(
        [SSSOM_PYTHON, "-c", READER, json.dumps(VALIDATIONS), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    # sssom sorts the rows its own way; their order means nothing in SSSOM.
    for mapping_set in read:
        mapping_set["rows"].sort(key=lambda r: (r["subject_id"], r["object_id"]))
    return read


def ours(mapping_set: MappingSet) -> dict:
    """A set as the sssom reader's JSON gives it, from our own records."""
    return {
        "mapping_set_id": mapping_set.mapping_set_id,
        "license": mapping_set.license,
        "rows": [
            {
                "subject_id": r.subject_id,
                "predicate_id": r.predicate_id,
                "object_id": r.object_id,
                "confidence": r.confidence,
                "mapping_justification": r.mapping_justification,
                "comment": r.comment or None,
                "author_id": list(r.author_id) or None,
                "mapping_date": r.mapping_date or None,
            }
            for r in sorted(mapping_set.rows, key=lambda r: (r.subject_id, r.object_id))
        ],
        "problems": [],
    }


def _read_file(path: Path) -> MappingSet:
    return read_sssom(path.read_text(encoding="utf-8"), name=path.name)[0]


def _export(mapping_set_id: str, out: Path) -> Path:
    """``manage.py mappings export ID --out FILE``."""
    call_command(
        "mappings", "export", mapping_set_id, "--out", str(out), stdout=StringIO()
    )
    return out


def test_the_shipped_sets_exported_from_the_graph_read_the_same_in_sssom(
    seeded_graph, atlas_path, tmp_path
):
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("import_atlas", str(atlas_path), **quiet)
    call_command("import_risk_atlas", "nist-ai-600-1", **quiet)
    report = services.mappings_load(paths=[MAPPINGS])
    assert report.skipped == [] and len(report.loaded) == 2
    held = {s.mapping_set_id: s for s in repository.mapping_sets_read()}
    ids = sorted(held)
    files = [_export(i, tmp_path / f"{n}.sssom.tsv") for n, i in enumerate(ids)]
    read = sssom_reads(*files)
    assert read == [ours(_read_file(f)) for f in files]
    assert read == [ours(held[i]) for i in ids]
    shipped = {_read_file(p).mapping_set_id: p for p in MAPPINGS.glob("*.sssom.tsv")}
    assert [len(r["rows"]) for r in read] == [
        len(_read_file(shipped[i]).rows) for i in ids
    ]


# A set through the graph with every predicate and every justification, a
# confidence, comment, authors and date on each row.
SUBJECTS = Taxonomy(
    threats=tuple(Threat(f"T{n}", f"Technique {n}", taxonomy="atlas") for n in range(5))
)
EVERY_PREDICATE = MappingSet(
    "https://example.org/layerwise/mappings/every-predicate",
    "atlas",
    "layerwise",
    license="https://creativecommons.org/licenses/by/4.0/",
    mapping_set_title="Every predicate",
    creator_id=("orcid:0000-0002-1825-0097",),
    mapping_date="2026-12-07",
    comment="One row per predicate.",
    curie_map=(
        ("atlas", "https://atlas.mitre.org/techniques/"),
        ("layerwise", "https://example.org/layerwise/threat/"),
        ("orcid", "https://orcid.org/"),
    ),
    rows=tuple(
        MappingRow(
            f"atlas:T{n}",
            predicate,
            f"layerwise:{threat}",
            mapping_justification=JUSTIFICATIONS[n % len(JUSTIFICATIONS)],
            confidence=round(0.15 + 0.2 * n, 2),
            comment=f"Row {n}: {predicate} as a curator would say why.",
            author_id=("orcid:0000-0002-1825-0097", f"orcid:0000-0000-0000-000{n}"),
            mapping_date=f"2026-0{n + 1}-1{n}",
        )
        for n, (predicate, threat) in enumerate(
            zip(
                PREDICATES,
                (
                    "model-extraction",
                    "guardrail-removal",
                    "covert-deployment",
                    "scaled-misuse",
                    "shadow-ai",
                ),
                strict=True,
            )
        )
    ),
)


def test_a_set_with_every_predicate_reads_in_sssom_as_the_graph_holds_it(
    seeded_graph, tmp_path
):
    services.taxonomy_apply(taxonomy=SUBJECTS, scope="atlas")
    source = tmp_path / "in" / "every.sssom.tsv"
    source.parent.mkdir()
    source.write_text(write_sssom(EVERY_PREDICATE))
    services.mappings_load(paths=[source.parent])
    [held] = repository.mapping_sets_read()
    exported = _export(held.mapping_set_id, tmp_path / "every.sssom.tsv")
    [read] = sssom_reads(exported)
    assert read == ours(_read_file(exported)) == ours(held) == ours(EVERY_PREDICATE)
    assert {r["predicate_id"] for r in read["rows"]} == set(PREDICATES)


# Two kinds of cell sssom 0.4 cannot read back, which our writer writes as they
# are (left to the writer, see docs/import-export.md): a cell pandas takes for
# a missing value, read as none, and a cell opening with a double quote, which
# pandas' parser takes for CSV quoting and refuses or joins with the next cells.
PANDAS_MISSING = {
    *("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"),
    *("1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"),
}


def _sssom_reads_as_written(cell: str) -> bool:
    return cell not in PANDAS_MISSING and not cell.startswith('"')


_local = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
_text = (
    st.text(
        st.characters(
            whitelist_categories=("L", "N", "Zs", "P"), blacklist_characters="\t|"
        ),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(lambda cell: cell and _sssom_reads_as_written(cell))
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
        author_id=st.lists(
            _local.map(lambda s: f"orcid:{s}"), min_size=1, max_size=2
        ).map(tuple),
        mapping_date=st.dates().map(lambda d: d.isoformat()),
    ),
    unique_by=lambda r: r.key,
    min_size=1,
    max_size=6,
)


def test_random_sets_our_writer_writes_read_in_sssom_as_our_reader_reads_them(
    tmp_path,
):
    """Hypothesis draws the sets; sssom reads them all in one subprocess."""
    files: list[Path] = []

    @hypothesis_settings(max_examples=40, deadline=None, database=None)
    @given(rows=_rows, number=st.integers(0, 10**6))
    def write(rows, number):
        mapping_set = MappingSet(
            f"https://example.org/m/{number}",
            "atlas",
            "layerwise",
            license="https://creativecommons.org/licenses/by/4.0/",
            curie_map=(
                ("atlas", "https://atlas.mitre.org/techniques/"),
                ("layerwise", "https://example.org/l/"),
                ("orcid", "https://orcid.org/"),
            ),
            rows=tuple(rows),
        )
        path = tmp_path / f"{len(files)}.sssom.tsv"
        path.write_text(write_sssom(mapping_set), encoding="utf-8")
        files.append(path)

    write()
    read = sssom_reads(*files)
    assert len(read) == len(files)
    differ = [
        (f.read_text(encoding="utf-8"), theirs, ours(_read_file(f)))
        for f, theirs in zip(files, read, strict=True)
        if theirs != ours(_read_file(f))
    ]
    assert differ == []


def _malformed(tmp_path: Path, field: str, value: str) -> tuple[Path, int]:
    """The every-predicate set with ``value`` in its first row's ``field``: the
    file and the row's line (from 1)."""
    lines = write_sssom(EVERY_PREDICATE).split("\n")
    header = next(i for i, line in enumerate(lines) if line[:1] != "#")
    cells = lines[header + 1].split("\t")
    cells[lines[header].split("\t").index(field)] = value
    lines[header + 1] = "\t".join(cells)
    path = tmp_path / "bad.sssom.tsv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, header + 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("confidence", "1.5"), ("predicate_id", "skos:sameAs")],
)
def test_a_malformed_file_is_refused_by_our_reader(field, value, tmp_path):
    path, line = _malformed(tmp_path, field, value)
    with pytest.raises(MappingFileError) as caught:
        _read_file(path)
    assert [(p.line, p.message.partition(":")[0]) for p in caught.value.problems] == [
        (line, field)
    ]


def test_sssoms_validation_names_a_confidence_above_1(tmp_path):
    """SSSOM's schema bounds confidence to [0, 1]. Its predicate_id is any
    entity, not a list, so what sssom does with skos:sameAs is not asserted."""
    path, _ = _malformed(tmp_path, "confidence", "1.5")
    [read] = sssom_reads(path)
    assert read["rows"][0]["confidence"] == 1.5
    assert [p for p in read["problems"] if "confidence" in p] != []


def test_the_tools_virtualenv_holds_exactly_the_lock():
    sssom_reads()  # skipped or failed, as every test here, without it
    frozen = subprocess.run(
        [SSSOM_PYTHON, "-m", "pip", "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    lock = (ROOT / "requirements-sssom.lock").read_text(encoding="utf-8")
    pinned = [line for line in lock.splitlines() if line and line[:1] != "#"]
    assert sorted(frozen, key=str.lower) == sorted(pinned, key=str.lower)


def test_without_the_tools_virtualenv_a_ci_run_fails_naming_make_test(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(
        "tests.taxonomy.interchange.test_sssom_package.SSSOM_PYTHON",
        tmp_path / "no-venv" / "bin" / "python",
    )
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="`make test` installs it"):
        sssom_reads(tmp_path / "x.sssom.tsv")
