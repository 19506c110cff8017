"""Which of our threats the official frameworks name, and which none does; and
NIST AI 600-1's suggested actions, as the catalogue's import brings them in."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.selectors.frameworks import catalogue_actions, framework_naming

TEMPLATE = "taxonomy/frameworks.html"


def _rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each threat with one cell a catalogue, in the catalogues' order."""
    order = [c["name"] for c in document["catalogues"]]
    return [
        {**t, "cells": [t["named_by"].get(name, []) for name in order]}
        for t in document["threats"]
    ]


def _imported(catalogue: str, token: str) -> dict[str, int] | None:
    """What the graph holds of ``catalogue`` (threats, mitigations...), or
    None when it was never imported."""
    return selectors.taxonomy_counts(token=token).get(catalogue)


def _levers(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each lever with the names of the files naming it (no folders)."""
    return [
        {**lever, "files": [f.rpartition("/")[2] for f in lever["files"]]}
        for lever in document["levers"]
    ]


@require_safe
def frameworks(request):
    """The seed's threats against the AI risk catalogues of AI Atlas Nexus."""
    token = selectors.revision_token()
    snapshot = selectors.taxonomy_at(token=token, taxonomy=DEFAULT_TAXONOMY)
    try:
        document = framework_naming(threats=snapshot.threats)
        actions = catalogue_actions()
    except InterchangeError as error:
        problem = "; ".join(error.problems)
        return render(request, TEMPLATE, {"problem": problem}, status=503)
    context = {
        "document": document,
        "rows": _rows(document),
        "levers": _levers(document),
        "actions": actions,
        "actions_imported": _imported(actions["catalogue"], token),
    }
    context["unnamed"] = [
        t["name"] for t in document["threats"] if t["id"] in document["named_by_none"]
    ]
    return render(request, TEMPLATE, context)
