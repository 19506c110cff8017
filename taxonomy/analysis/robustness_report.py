"""The ``robustness`` section of the coverage document, and its lines in the table.

See docs/coverage.md ("Robustness") for every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from taxonomy.analysis.compiled import CoverageModel
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.robustness import distribution, monte_carlo, sensitivity
from taxonomy.domain.scenario import DEPENDENCES, Scenario

DIGITS = 6


def _number(value: float) -> float:
    return round(float(value), DIGITS) + 0.0


def robustness_entry(model: CoverageModel, scenario: Scenario, **draws: Any) -> dict:
    """How robust the scenario's numbers are: margins, pivotal links, the headline
    range, the classes under each dependence, and the Monte Carlo distribution.

    ``draws`` are ``monte_carlo``'s ``samples``, ``seed`` and ``intervals``.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.domain.records import Taxonomy
    >>> entry = robustness_entry(coverage_model(Taxonomy()), Scenario(), samples=10)
    >>> entry["headline"], entry["monte_carlo"]["samples"]
    ({'count': 0, 'of': 0, 'lower': 0, 'higher': 0}, 10)
    """
    found = sensitivity(model, scenario)
    mc = monte_carlo(model, scenario, **draws)
    tau = scenario.threshold
    by_dependence = {
        d: run_scenario(model, replace(scenario, dependence=d)).classes
        for d in DEPENDENCES
    }
    threats = [
        {
            "id": threat,
            "class": CLASSES[found.classes[i]],
            "margin": {
                "all": _number(found.coverage[i] - tau),
                "best_layer": _number(found.best_layer[i] - tau),
            },
            "class_by_dependence": {d: by_dependence[d][threat] for d in DEPENDENCES},
            "addressed_probability": _number(mc.addressed[i]),
            "addressed_interval": list(
                map(_number, wilson(mc.addressed[i], mc.samples))
            ),
            "class_probability": {
                c: _number(mc.class_share[i, j]) for j, c in enumerate(CLASSES)
            },
            "coverage_percentiles": dict(
                zip(
                    ("p5", "p50", "p95"),
                    map(_number, mc.coverage_percentiles[i]),
                    strict=True,
                )
            ),
        }
        for i, threat in enumerate(model.threats)
    ]
    return {
        "dependence": scenario.dependence,
        "headline": {
            "count": found.headline,
            "of": len(model.threats),
            "lower": found.headline_lower,
            "higher": found.headline_higher,
        },
        "pivotal_links": found.pivotal_links(),
        "summary_by_dependence": {
            d: {c: sum(v == c for v in by_dependence[d].values()) for c in CLASSES}
            for d in DEPENDENCES
        },
        "monte_carlo": {
            "samples": mc.samples,
            "seed": mc.seed,
            "intervals": {s: list(v) for s, v in mc.intervals.items()},
            "headline": {
                **distribution(mc.headline),
                "histogram": histogram(mc.headline, len(model.threats)),
            },
            "classes": {
                c: distribution(mc.class_counts[:, j]) for j, c in enumerate(CLASSES)
            },
        },
        "threats": threats,
    }


def wilson(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a share observed in ``n`` draws: how far
    the Monte Carlo estimate itself may be from the exact probability.

    >>> [round(x, 3) for x in wilson(0.5, 100)]
    [0.404, 0.596]
    >>> wilson(1.0, 2000)[1]
    1.0
    """
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = (
        z * ((share * (1 - share) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def histogram(counts: np.ndarray, of: int) -> list[dict[str, int]]:
    """How many draws gave each headline count, for the counts that occur.

    >>> histogram(np.array([3, 3, 5]), 12)
    [{'count': 3, 'draws': 2}, {'count': 5, 'draws': 1}]
    """
    values, draws = np.unique(counts, return_counts=True)
    return [
        {"count": int(v), "draws": int(n)}
        for v, n in zip(values.tolist(), draws.tolist(), strict=True)
        if 0 <= v <= of
    ]


def headline_sentence(entry: Mapping) -> str:
    """The headline with its range and its Monte Carlo interval, in plain words.

    >>> headline_sentence({"headline": {"count": 9, "of": 12, "lower": 10,
    ...     "higher": 6}, "dependence": "independent", "monte_carlo": {"samples": 2000,
    ...     "headline": {"median": 9.0, "p5": 7.0, "p95": 10.0}}})
    '9 of 12 threats cannot be addressed by any single governance layer; between 6 and 10 if every strength judgement were one step off; 7 to 10 in 90% of 2000 random draws of the effectiveness within each strength (median 9), with independent mitigations.'
    """
    h = entry["headline"]
    return (
        f"{h['count']} of {h['of']} threats cannot be addressed by any single "
        f"governance layer; {range_words(entry)}"
    )


def range_words(entry: Mapping) -> str:
    """How far the headline moves: one step off, and across random draws.

    >>> range_words({"headline": {"lower": 9, "higher": 9}, "dependence": "full",
    ...     "monte_carlo": {"samples": 10, "headline": {"median": 9, "p5": 9, "p95": 9}}})
    'the same if every strength judgement were one step off; 9 to 9 in 90% of 10 random draws of the effectiveness within each strength (median 9), with every mitigation failing together.'
    """
    h, mc = entry["headline"], entry["monte_carlo"]
    low, high = sorted((h["lower"], h["higher"]))
    moved = (
        "the same"
        if low == high == h.get("count", low)
        else f"between {low} and {high}"
    )
    band = mc["headline"]
    return (
        f"{moved} if every strength judgement were one step off; "
        f"{band['p5']:g} to {band['p95']:g} in 90% of {mc['samples']} random draws "
        f"of the effectiveness within each strength (median {band['median']:g}), "
        f"with {_dependence_words(entry['dependence'])}."
    )


def _dependence_words(dependence: str) -> str:
    return {
        "independent": "independent mitigations",
        "within-layer": "the mitigations of a layer failing together",
        "full": "every mitigation failing together",
    }[dependence]


def robustness_lines(entry: Mapping | None) -> list[str]:
    """The table's lines for the section (none when it was not asked for)."""
    if not entry:
        return []
    lines = ["", "Robustness: " + headline_sentence(entry), ""]
    rows = [["THREAT", "CLASS", "MARGIN", "BEST LAYER", "P(ADDRESSED)", "P5-P95"]]
    for t in entry["threats"]:
        pct = t["coverage_percentiles"]
        rows.append(
            [
                t["id"],
                t["class"],
                f"{t['margin']['all']:+.3f}",
                f"{t['margin']['best_layer']:+.3f}",
                f"{t['addressed_probability']:.2f}",
                f"{pct['p5']:.3f}-{pct['p95']:.3f}",
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]
    pivotal = entry["pivotal_links"]
    lines += ["", f"Pivotal links ({len(pivotal)}): a one-step change moves the class."]
    lines += [
        f"  {p['mitigation']} -> {p['threat']} ({p['strength']}): "
        f"{p['class']}; lower {p['lower']}, higher {p['higher']}"
        + (" [moves the headline]" if p["moves_headline"] else "")
        for p in pivotal
    ]
    return lines
