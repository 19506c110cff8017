"""How sure the numbers are: the robustness page."""

from __future__ import annotations

from dataclasses import replace

from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy.analysis.panels import most_contested
from taxonomy.analysis.robustness import DEFAULT_SAMPLES, MAX_SAMPLES
from taxonomy.analysis.robustness_report import count_sentence, range_parts
from taxonomy.web import charts, uncertainty
from taxonomy.web.pages.common import (
    ScenarioProblem,
    analyse_request,
    in_taxonomy,
    read_snapshot,
    robustness_of,
)


@require_safe
@in_taxonomy
def robustness(request):
    """How sure are we? Margins, pivotal judgements and the uncertainty of each number."""
    analysis = analyse_request(
        request, read_snapshot(request), "taxonomy/robustness.html"
    )
    try:
        entry = robustness_of(request, analysis, **_draws(request))
    except ValueError as error:
        frame = {"names": analysis.names}
        raise ScenarioProblem(error, "taxonomy/robustness.html", frame) from error
    context = analysis.shown | {
        "entry": entry,
        "sentence": count_sentence(entry),
        "range_parts": range_parts(entry, analysis.names["threat"]),
        "judged_differs": uncertainty.judged_differs(entry),
        "rows": uncertainty.robustness_rows(entry),
        "histogram": charts.headline_histogram(
            entry["monte_carlo"], marked=entry["headline"]["count"]
        ),
        "by_dependence": [
            (d, counts, replace(analysis.scenario, dependence=d))
            for d, counts in entry["summary_by_dependence"].items()
        ],
        "threshold": analysis.scenario.threshold,
        "contested": most_contested(entry["panels"]),
    }
    return render(request, "taxonomy/robustness.html", context)


def _draws(request) -> dict[str, int]:
    """``samples`` and ``seed`` of the Monte Carlo draws the query asks for."""
    draws = {}
    for name in ("samples", "seed"):
        raw = request.GET.get(name, "").strip()
        if raw:
            if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
                raise ValueError(f"{name} must be a whole number, got {raw!r}")
            draws[name] = int(raw)
    samples = draws.get("samples", DEFAULT_SAMPLES)
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}, got {samples}")
    return draws
