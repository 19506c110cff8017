"""Browser pages: thin views that call one selector and render."""

from __future__ import annotations

from django.shortcuts import render

from taxonomy import selectors


def overview(request):
    """The taxonomy at a glance: layers, threats and mitigations from Neo4j."""
    return render(request, "taxonomy/overview.html", {"taxonomy": selectors.taxonomy_snapshot()})
