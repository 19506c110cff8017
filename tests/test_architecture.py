"""The layout's promises, checked on the source: who may import whom, no import
cycle, and Cypher only in taxonomy/graph/ (see docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("taxonomy", "graphapi", "config", "bench")
# A pattern clause over a node, ``MATCH (n:Label`` or ``MERGE (m)``, or an UNWIND.
CYPHER = re.compile(r"\b(MATCH|MERGE|CREATE)\s+\(\w*[:)]|\bUNWIND \$\w+ AS\b")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


SOURCES = _sources()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in SOURCES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = nx.DiGraph(
    [
        (name, target)
        for name, path in SOURCES.items()
        for target in _imports(name, path)
    ]
)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _importers_of(prefix: str, among: str) -> list[str]:
    return sorted(
        f"{a} -> {b}"
        for a, b in GRAPH.edges
        if _within(a, among) and _within(b, prefix)
    )


def _is_reexport(cycle: list[str]) -> bool:
    """A package's ``__init__`` importing its own submodules (a facade they
    import back) is not a cycle between concerns."""
    packages = [m for m in cycle if SOURCES[m].name == "__init__.py"]
    return any(all(_within(m, package) for m in cycle) for package in packages)


def test_the_project_has_no_import_cycle():
    # Two modules of one package that import each other are a cycle too: only
    # an __init__ re-export is allowed.
    cycles = [cycle for cycle in nx.simple_cycles(GRAPH) if not _is_reexport(cycle)]
    assert cycles == []


def test_a_cycle_between_two_modules_of_one_package_is_caught():
    cycle = ["taxonomy.formats.fixtures_yaml", "taxonomy.formats.fixtures_stream"]
    assert not _is_reexport(cycle)
    assert _is_reexport(["taxonomy.selectors", "taxonomy.selectors.coverage"])


def test_the_domain_imports_nothing_else_of_the_project():
    leaks = [
        f"{a} -> {b}"
        for a, b in GRAPH.edges
        if _within(a, "taxonomy.domain") and not _within(b, "taxonomy.domain")
    ]
    assert leaks == []


def test_analysis_is_pure():
    allowed = ("taxonomy.analysis", "taxonomy.domain")
    leaks = [
        f"{a} -> {b}"
        for a, b in GRAPH.edges
        if _within(a, "taxonomy.analysis") and not any(_within(b, x) for x in allowed)
    ]
    assert leaks == []


@pytest.mark.parametrize("among", ["taxonomy.web", "graphapi"])
def test_views_forms_and_template_tags_never_reach_the_repository(among):
    assert _importers_of("taxonomy.graph", among) == []


def test_the_browser_does_not_import_the_api():
    assert _importers_of("graphapi", "taxonomy") == []


def test_cypher_is_written_only_in_the_graph_package():
    outside = [
        name
        for name, path in SOURCES.items()
        if not _within(name, "taxonomy.graph")
        and CYPHER.search(path.read_text(encoding="utf-8"))
    ]
    assert outside == []


def test_the_checks_see_the_modules_they_speak_of():
    assert {"taxonomy.domain.kinds", "taxonomy.graph.repository"} <= set(GRAPH)
    assert _within("taxonomy.web.pages.common", "taxonomy.web")
    assert GRAPH.has_edge("taxonomy.services.items", "taxonomy.graph.repository")


def test_only_the_bench_command_imports_the_benchmarks():
    # A shipped command importing bench/ made the site depend on the benchmarks;
    # `manage.py bench`, which runs them, is the one that may.
    runner = "taxonomy.management.commands.bench"
    leaks = _importers_of("bench", "taxonomy") + _importers_of("bench", "graphapi")
    assert [leak for leak in leaks if not leak.startswith(runner + " ")] == []
