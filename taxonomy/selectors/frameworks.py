"""Which of our threats each official framework names, and which none does
(issue 26): the catalogues of IBM's AI Atlas Nexus searched, as installed,
for the terms of ``fixtures/mappings/framework-terms.yaml``; and the actions
a catalogue suggests (NIST AI 600-1's), tied to its risks."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from taxonomy.analysis.framework_terms import named_by_none, naming_table, texts_naming
from taxonomy.domain.records import Threat
from taxonomy.formats.common import DEFAULT_STRENGTH, IMPORTED_MATURITY
from taxonomy.formats.risk_atlas import (
    CATALOGUE_LABELS,
    CATALOGUES,
    DISTRIBUTION,
    RMF_FUNCTIONS,
    catalogue_item_texts,
    framework_terms_parse,
    risk_atlas_action_files,
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


@functools.lru_cache(maxsize=4)
def _catalogue_with_actions(version: str, catalogue: str):
    path = risk_atlas_catalogue_file(catalogue)
    actions = [p.read_bytes() for p in risk_atlas_action_files(catalogue)]
    taxonomy, _ = risk_atlas_parse(
        path.read_bytes(), catalogue=catalogue, actions=actions
    )
    return taxonomy, [p.name for p in risk_atlas_action_files(catalogue)]


def catalogue_actions(*, catalogue: str = "nist-ai-600-1") -> dict[str, Any]:
    """The actions ``catalogue`` suggests, as the installed package ties them
    to its risks, and what the import assumes of them.

    Returns ``package``, ``title``, ``files`` (the files the actions are read
    from), ``actions`` (their number), ``ties`` (action-risk pairs),
    ``functions`` ([AI RMF function, number of actions], where the ids say),
    ``risks`` (id, name and number of actions of each risk, most first),
    ``risks_without`` (names of the risks no action is tied to),
    ``untied`` (id and name of each action tied to no risk) and ``assumed`` (the
    strength and maturity the import gives them).
    """
    version = risk_atlas_version()
    taxonomy, files = _catalogue_with_actions(version, catalogue)
    per_risk = {t.id: 0 for t in taxonomy.threats}
    for link in taxonomy.mitigates:
        per_risk[link.threat] += 1
    names = {t.id: t.name for t in taxonomy.threats}
    tied = {link.mitigation for link in taxonomy.mitigates}
    local = [m.id.partition(":")[2] for m in taxonomy.mitigations]
    functions = [
        [name, sum(a.partition("-")[0] == prefix for a in local)]
        for prefix, name in RMF_FUNCTIONS.items()
    ]
    return {
        "package": f"{DISTRIBUTION} {version}",
        "catalogue": catalogue,
        "title": CATALOGUE_LABELS.get(catalogue, catalogue),
        "files": files,
        "actions": len(taxonomy.mitigations),
        "ties": len(taxonomy.mitigates),
        "functions": [f for f in functions if f[1]],
        "risks": sorted(
            (
                {"id": risk, "name": names[risk], "actions": n}
                for risk, n in per_risk.items()
            ),
            key=lambda r: (-r["actions"], r["name"]),
        ),
        "risks_without": sorted(names[r] for r, n in per_risk.items() if not n),
        "untied": [
            {"id": m.id.partition(":")[2], "name": m.name}
            for m in taxonomy.mitigations
            if m.id not in tied
        ],
        "assumed": {
            "strength": DEFAULT_STRENGTH,
            "effectiveness": settings.LAYERWISE_EFFECTIVENESS[DEFAULT_STRENGTH],
            "maturity": IMPORTED_MATURITY,
        },
    }
