"""Which of our threats each official framework names, and which none does
(issue 26): the catalogues of IBM's AI Atlas Nexus searched, as installed,
for the terms of ``fixtures/mappings/framework-terms.yaml``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from taxonomy.analysis.framework_terms import named_by_none, naming_table, texts_naming
from taxonomy.domain.records import Threat
from taxonomy.formats.risk_atlas import (
    CATALOGUE_LABELS,
    CATALOGUES,
    DISTRIBUTION,
    catalogue_item_texts,
    framework_terms_parse,
    risk_atlas_catalogue_file,
    risk_atlas_parse,
    risk_atlas_texts,
    risk_atlas_version,
)


def terms_path() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "mappings" / "framework-terms.yaml"


@functools.lru_cache(maxsize=2)
def _catalogues(
    version: str,
) -> tuple[dict[str, dict[str, str]], dict[str, str], dict[str, str]]:
    """The searched catalogues' items (catalogue -> {item id -> text}), their
    titles and the items' names, read once per installed version."""
    items, titles, names = {}, {}, {}
    for name in CATALOGUES:
        path = risk_atlas_catalogue_file(name)
        taxonomy, report = risk_atlas_parse(path.read_bytes(), catalogue=name)
        items[name] = catalogue_item_texts(taxonomy)
        titles[name] = CATALOGUE_LABELS.get(name, report.title)
        names |= {t.id: t.name for t in taxonomy.threats}
    return items, titles, names


@functools.lru_cache(maxsize=2)
def _package_texts(version: str) -> dict[str, str]:
    return risk_atlas_texts()


def framework_naming(*, threats: Sequence[Threat]) -> dict[str, Any]:
    """Which of ``threats`` each catalogue names, and which levers any file
    of the package names.

    Returns ``package`` (name and version), ``catalogues`` (name, title,
    item count), ``threats`` (id, name, whether it has terms, and per
    catalogue the names of the items naming it), ``named_by_none`` (ids of
    the searched threats no catalogue names), ``levers`` (lever, the package
    files naming it) and ``files_searched``.
    """
    version = risk_atlas_version()
    threat_terms, lever_terms = framework_terms_parse(
        terms_path().read_bytes(), name=str(terms_path())
    )
    items, titles, names = _catalogues(version)
    searched = {t.id: threat_terms[t.id] for t in threats if t.id in threat_terms}
    table = naming_table(items, searched)
    texts = _package_texts(version)
    return {
        "package": f"{DISTRIBUTION} {version}",
        "catalogues": [
            {"name": name, "title": titles[name], "items": len(items[name])}
            for name in CATALOGUES
        ],
        "threats": [
            {
                "id": t.id,
                "name": t.name,
                "searched": t.id in searched,
                "named_by": {c: [names[i] for i in table[t.id][c]] for c in CATALOGUES}
                if t.id in searched
                else {},
            }
            for t in threats
        ],
        "named_by_none": named_by_none(table),
        "levers": [
            {"lever": lever, "files": list(texts_naming(texts, terms))}
            for lever, terms in lever_terms.items()
        ],
        "files_searched": len(texts),
    }
