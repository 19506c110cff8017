"""How sure the numbers are: the robustness page."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy.analysis.panels import most_contested
from taxonomy.analysis.robustness import DEFAULT_SAMPLES, MAX_SAMPLES
from taxonomy.analysis.robustness_report import count_sentence, range_parts
from taxonomy.domain.kinds import link_key
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
    contested = [panel_words(p) for p in most_contested(entry["panels"])]
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
        "contested": contested,
        "panels": [panel_words(p) for p in entry["panels"]],
        "tie": settings.LAYERWISE_PANEL_TIE,
        "round_links": urlencode(
            [("link", link_key(p["mitigation"], p["threat"])) for p in contested]
        ),
    }
    return render(request, "taxonomy/robustness.html", context)


def panel_words(panel: dict, tie: str | None = None) -> dict:
    """A panel as the page words it: ``answers`` its counts without the
    strengths nobody gave, ``split`` the two strengths of an even split
    (the panel's strength is then the ``LAYERWISE_PANEL_TIE`` one), else None.

    >>> p = panel_words({"judges": 2, "strength": "low",
    ...     "counts": {"low": 1, "medium": 0, "high": 1}}, "lower")
    >>> p["answers"], p["split"]
    ('1 low, 1 high', ('low', 'high'))
    >>> panel_words({"judges": 3, "strength": "low",
    ...     "counts": {"low": 2, "medium": 0, "high": 1}}, "lower")["split"]
    """
    given = [s for s, n in panel["counts"].items() for _ in range(n)]
    half = len(given) // 2
    split = None
    if given and len(given) % 2 == 0 and given[half - 1] != given[half]:
        split = (given[half - 1], given[half])
    return panel | {
        "answers": ", ".join(f"{n} {s}" for s, n in panel["counts"].items() if n),
        "split": split,
        "tie": tie or settings.LAYERWISE_PANEL_TIE,
    }


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
