"""Importing the catalogues of IBM's AI Atlas Nexus (NIST AI 600-1, OWASP LLM Top
10, MIT AI Risk Repository...) from the installed package, read as data."""

from __future__ import annotations

import functools
import importlib.util
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from taxonomy import selectors, services
from taxonomy.domain.errors import InterchangeError
from taxonomy.formats.risk_atlas import (
    CATALOGUES,
    risk_atlas_catalogue_file,
    risk_atlas_catalogues,
    risk_atlas_parse,
)
from taxonomy.graph import repository


def _package_folder() -> Path:
    """The package's knowledge graph, found apart from the importer (through
    the import system's spec, which runs none of the package's code)."""
    spec = importlib.util.find_spec("ai_atlas_nexus")
    return Path(spec.submodule_search_locations[0]) / "data" / "knowledge_graph"


@functools.cache
def _package_data() -> tuple[dict, ...]:
    """Every knowledge-graph file of the package, read once by PyYAML (not
    the importer's reader)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        for path in sorted(_package_folder().glob("*.yaml"))
    )


def _counted(package_id: str) -> tuple[set[str], int]:
    """Independently of the importer: the ids of the groups and entries that
    ``package_id`` defines in any file of the package, and how many of them
    are part of another of them."""
    items = [
        item
        for data in _package_data()
        for section in ("groups", "entries")
        for item in data.get(section) or []
        if item.get("isDefinedByTaxonomy") == package_id
    ]
    ids = {item["id"] for item in items}
    return ids, sum(item.get("isPartOf") in ids for item in items)


def _parsed(catalogue: str):
    return risk_atlas_parse(
        risk_atlas_catalogue_file(catalogue).read_bytes(), catalogue=catalogue
    )


def _import(*args) -> str:
    out = StringIO()
    call_command("import_risk_atlas", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- The parser, without a graph ------------------------------------------------------


@pytest.mark.parametrize("catalogue", sorted(CATALOGUES))
def test_every_group_and_entry_of_the_catalogue_becomes_a_threat(catalogue):
    ids, parts = _counted(CATALOGUES[catalogue])
    taxonomy, _ = _parsed(catalogue)
    assert ids, f"the package defines nothing of {catalogue}"
    assert {t.id for t in taxonomy.threats} == {f"{catalogue}:{i}" for i in ids}
    assert len(taxonomy.subtypes) == parts
    assert {t.taxonomy for t in taxonomy.threats} == {catalogue}


def test_nist_ai_600_1_has_its_twelve_generative_ai_risks():
    taxonomy, report = _parsed("nist-ai-600-1")
    names = {t.name for t in taxonomy.threats}
    assert len(names) == 12
    assert {"CBRN Information or Capabilities", "Information Security"} <= names
    assert report.taxonomy == "nist-ai-600-1"
    cited = {s.url for s in taxonomy.sources}
    assert "https://nvlpubs.nist.gov/nistpubs/ai/NIST.AI.600-1.pdf" in cited
    assert all(t.sources and t.description for t in taxonomy.threats)


def test_a_group_the_catalogue_lacks_is_reported_not_invented():
    # IBM's Risk Atlas places nine prompt attacks in a group it never defines.
    taxonomy, report = _parsed("ibm-risk-atlas")
    dangling = [w for w in report.warnings if "unknown group" in w]
    assert dangling and report.skipped["subtype_of"] == len(dangling)
    assert {s.target for s in taxonomy.subtypes} <= {t.id for t in taxonomy.threats}


def test_items_of_another_taxonomy_in_the_same_file_are_left_out():
    taxonomy, report = _parsed("mit-ai-risk-repository")
    causal, _ = _counted("mit-ai-risk-repository-causal")
    assert causal and not {t.id.partition(":")[2] for t in taxonomy.threats} & causal
    assert sum(report.ignored.values()) == len(causal)


def test_every_catalogue_the_package_defines_is_listed():
    defined = {
        t["id"] for data in _package_data() for t in data.get("taxonomies") or []
    }
    ours = {CATALOGUES.get(name, name) for name in risk_atlas_catalogues()}
    assert ours == defined


@pytest.mark.parametrize(
    "text, message",
    [
        ("taxonomies: [{id: t, name: T}]\n", "no taxonomy 'other'"),
        (
            "taxonomies: [{id: other, name: O}]\n"
            "entries: [{id: e, name: E, isDefinedByTaxonomy: other},"
            " {id: e, name: F, isDefinedByTaxonomy: other}]\n",
            "duplicate id",
        ),
        (
            "taxonomies: [{id: other, name: O}]\n"
            "entries: [{id: e, isDefinedByTaxonomy: other}]\n",
            "no name",
        ),
        ("taxonomies: [\n", "invalid YAML"),
    ],
)
def test_a_malformed_file_is_an_error_naming_the_fault(text, message):
    with pytest.raises(InterchangeError, match=message):
        risk_atlas_parse(text, catalogue="other")


def test_an_unknown_catalogue_names_the_ones_there_are():
    with pytest.raises(InterchangeError, match="there are: .*nist-ai-600-1"):
        risk_atlas_catalogue_file("nist-ai-999")


def test_the_package_code_is_never_imported():
    for catalogue in CATALOGUES:
        _parsed(catalogue)
    assert "ai_atlas_nexus" not in sys.modules


# --- Into the graph ----------------------------------------------------------------------


def test_the_import_puts_the_catalogue_in_the_graph_beside_the_seed(seeded_graph):
    before = selectors.taxonomy_snapshot(taxonomy="layerwise").threats
    output = _import("nist-ai-600-1")
    snapshot = selectors.taxonomy_snapshot(taxonomy="nist-ai-600-1")
    assert len(snapshot.threats) == 12
    assert "nist-ai-600-1:nist-information-security" in {t.id for t in snapshot.threats}
    assert "catalogue: nist-ai-600-1, ai-atlas-nexus 1.2.5" in output
    assert selectors.taxonomy_snapshot(taxonomy="layerwise").threats == before


def test_re_importing_changes_nothing(graph):
    _import("owasp-llm-top-10")
    revision = repository.graph_revision()
    output = _import("owasp-llm-top-10")
    assert "0 to create, 0 to change, 0 to delete" in output
    assert repository.graph_revision() == revision


def test_groups_and_subtypes_reach_the_graph(graph):
    _import("mit-ai-risk-repository", "--taxonomy", "mit")
    snapshot = selectors.taxonomy_snapshot(taxonomy="mit")
    ids, parts = _counted("mit-ai-risk-repository")
    assert len(snapshot.threats) == len(ids)
    assert len(snapshot.subtypes) == parts


def test_an_unknown_catalogue_writes_nothing(graph):
    revision = repository.graph_revision()
    with pytest.raises(CommandError, match="no catalogue 'nist-ai-999'"):
        _import("nist-ai-999")
    assert repository.graph_revision() == revision


def test_a_catalogue_is_named_for_risk_atlas_files_only(graph):
    with pytest.raises(InterchangeError, match="risk-atlas files only"):
        services.catalogue_import(format="risk-atlas", data=b"taxonomies: []\n")
