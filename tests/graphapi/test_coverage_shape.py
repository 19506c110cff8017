"""The coverage document's shape is written once, in the API's serializers
(``CoverageDocumentSerializer``, published in the OpenAPI document): the
documents ``analysis.report`` builds, the tables of docs/coverage.md (and so
``tests/taxonomy/coverage_shape.py``, read from them) are held to it, key for
key, recursively."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework import serializers

from graphapi.serializers.documents import CoverageDocumentSerializer
from taxonomy.analysis.report_render import render_json
from taxonomy.domain.coverage_query import CoverageQuery, ThreatPage
from taxonomy.domain.scenario import DEMAND, Scenario
from taxonomy.formats.fixtures_yaml import load_fixtures
from taxonomy.selectors.coverage import coverage_report
from tests.taxonomy.coverage_shape import (
    THREAT_KEYS,
    TOP_KEYS,
    braces,
    documented_tables,
)


def serializer_shape(field) -> dict | None:
    """The keys a serializer field describes, recursively: a nested serializer
    (one or many) is ``{key: shape}``; a mapping of free keys is
    ``{"*": shape of its values}``; a leaf is None."""
    if isinstance(field, serializers.ListSerializer):
        return serializer_shape(field.child)
    if isinstance(field, serializers.Serializer):
        return {name: serializer_shape(f) for name, f in field.fields.items()}
    if isinstance(field, serializers.ListField):
        return serializer_shape(field.child)
    if isinstance(field, serializers.DictField):
        inner = serializer_shape(field.child)
        return None if inner is None else {"*": inner}
    return None


DOCUMENT_SHAPE = serializer_shape(CoverageDocumentSerializer())


def document_mismatches(value, shape, path: str = "") -> list[str]:
    """Where a document (parsed JSON) holds keys other than ``shape``'s."""
    if shape is None or value is None:
        return []
    if isinstance(value, list):
        return [m for item in value for m in document_mismatches(item, shape, path)]
    if not isinstance(value, dict):
        return [f"{path or '.'}: {type(value).__name__}, not an object"]
    if set(shape) == {"*"}:
        return [
            m
            for key, item in value.items()
            for m in document_mismatches(item, shape["*"], f"{path}.{key}")
        ]
    found = []
    if set(value) != set(shape):
        extra, missing = (
            sorted(set(value) - set(shape)),
            sorted(set(shape) - set(value)),
        )
        found.append(f"{path or '.'}: extra {extra}, missing {missing}")
    for key in set(value) & set(shape):
        found += document_mismatches(value[key], shape[key], f"{path}.{key}")
    return found


TABLES = documented_tables()


def _shape_of(section: str | None) -> dict:
    return DOCUMENT_SHAPE if section is None else DOCUMENT_SHAPE[section]


def test_every_part_of_the_document_with_keys_of_its_own_has_a_table():
    assert set(TABLES) == {
        None,
        "scenario",
        "threats",
        "chains",
        "diff",
        "robustness",
        "demand",
        "world",
    }


@pytest.mark.parametrize("section", list(TABLES), ids=str)
def test_each_table_lists_the_serializers_keys(section):
    documented = [key for key, _ in TABLES[section]]
    assert len(documented) == len(set(documented))
    assert set(documented) == set(_shape_of(section))


def test_the_top_level_is_documented_in_the_serializers_order():
    assert TOP_KEYS == list(DOCUMENT_SHAPE)
    assert set(THREAT_KEYS) == set(DOCUMENT_SHAPE["threats"])


def _brace_mismatches(documented: dict, shape: dict | None, path: str) -> list[str]:
    """Where the keys a table's ``{...}`` names differ from the serializer's."""
    if shape is None:
        return []
    if set(shape) == {"*"}:
        shape = shape["*"]
        if shape is None:
            return []
    found = []
    if set(documented) != set(shape):
        found.append(
            f"{path}: documented {sorted(documented)}, serializer {sorted(shape)}"
        )
    for key in set(documented) & set(shape):
        if documented[key] is not None and shape[key] is not None:
            if set(shape[key]) != {"*"}:
                found += _brace_mismatches(documented[key], shape[key], f"{path}.{key}")
    return found


def test_the_objects_the_tables_spell_out_have_the_serializers_keys():
    checked, found = 0, []
    for section, rows in TABLES.items():
        for key, meaning in rows:
            documented = braces(meaning)
            if documented is None:
                continue
            shape = _shape_of(section)[key]
            checked += 1
            found += _brace_mismatches(documented, shape, f"{section or ''}.{key}")
    assert checked >= 15
    assert found == []


@pytest.fixture(scope="module")
def seed():
    return load_fixtures(Path(settings.FIXTURES_DIR))


QUERIES = [
    CoverageQuery(),
    CoverageQuery(
        scenario=Scenario(disabled_layers=["software"], weight=DEMAND),
        chains="scaled-misuse",
        diff_baseline=True,
        page=ThreatPage(1, 4),
        robustness={
            "samples": 20,
            "seed": 0,
            "intervals": settings.LAYERWISE_UNCERTAINTY,
        },
    ),
]


@pytest.mark.parametrize("query", QUERIES, ids=["plain", "every-section"])
def test_the_documents_the_analysis_builds_have_the_serializers_shape(seed, query):
    document = json.loads(render_json(coverage_report(query, of=seed)))
    assert list(document) == list(DOCUMENT_SHAPE)
    assert document_mismatches(document, DOCUMENT_SHAPE) == []
    if query.diff_baseline:
        # Every optional section is there, so every key above was compared.
        assert all(document[k] is not None for k in ("chains", "diff", "robustness"))
        assert document["demand"] is not None and document["threats_page"] is not None
        assert document["diff"]["moved"] and document["robustness"]["pivotal_links"]


def test_a_document_with_a_key_the_serializer_lacks_is_caught(seed):
    document = json.loads(render_json(coverage_report(CoverageQuery(), of=seed)))
    document["threats"][0]["depth"]["extra"] = 1
    del document["scenario"]["summary"]
    found = document_mismatches(document, DOCUMENT_SHAPE)
    assert any(".threats.depth: extra ['extra']" in m for m in found)
    assert any(".scenario: extra [], missing ['summary']" in m for m in found)
