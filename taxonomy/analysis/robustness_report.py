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
from taxonomy.analysis.panels import panel_summary
from taxonomy.analysis.robustness import (
    distribution,
    monte_carlo,
    panel_model,
    sensitivity,
)
from taxonomy.domain.records import STRENGTHS
from taxonomy.domain.scenario import DEPENDENCES, Scenario

DIGITS = 6


def _number(value: float) -> float:
    return round(float(value), DIGITS) + 0.0


def robustness_entry(
    model: CoverageModel, scenario: Scenario, *, panels: Any = None, **draws: Any
) -> dict:
    """How robust the scenario's numbers are: margins, pivotal links, the headline
    range, the classes under each dependence, and the Monte Carlo distribution.

    ``draws`` are ``monte_carlo``'s ``samples``, ``seed`` and ``intervals``;
    ``panels`` the judges' panels (``panels.panel_draws``): a panel-judged
    link counts at its panel's strength everywhere here, and its draws come
    from the panel; ``panels`` lists them.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.domain.records import Taxonomy
    >>> entry = robustness_entry(coverage_model(Taxonomy()), Scenario(), samples=10)
    >>> entry["headline"], entry["monte_carlo"]["samples"]
    ({'count': 0, 'of': 0, 'lower': 0, 'higher': 0}, 10)
    """
    editorial = {
        (model.mitigations[m], model.threats[t]): STRENGTHS[s]
        for m, t, s in zip(
            model.link_mitigation.tolist(),
            model.link_threat.tolist(),
            model.link_strength.tolist(),
            strict=True,
        )
    }
    judged = [p for p in panels or () if (p[0], p[1]) in editorial]
    model = panel_model(model, judged)
    found = sensitivity(model, scenario)
    mc = monte_carlo(model, scenario, panels=judged, **draws)
    moves = _moves(found)
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
        "panels": [
            panel_summary(p, editorial[(p[0], p[1])], moves.get((p[0], p[1]), 0.0))
            for p in judged
        ],
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


def _moves(found) -> dict[tuple[str, str], float]:
    """``(mitigation, threat)`` -> the share of the link's two one-step moves
    (lower, higher) that change its threat's class, for every enabled link."""
    model = found.model
    changed = (found.lower != found.current).astype(float) + (
        found.higher != found.current
    )
    return {
        (
            model.mitigations[model.link_mitigation[k]],
            model.threats[model.link_threat[k]],
        ): float(changed[j]) / 2
        for j, k in enumerate(found.links.tolist())
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


def headline_sentence(entry: Mapping, names: Mapping[str, str] | None = None) -> str:
    """The headline, then what could change it and how likely, in plain words.

    ``names`` maps threat ids to the names the sentences use (default: ids).

    >>> headline_sentence({"headline": {"count": 9, "of": 12, "lower": 12,
    ...     "higher": 0}, "dependence": "independent", "pivotal_links": [],
    ...     "threats": [], "monte_carlo": {"samples": 10, "headline": {
    ...     "histogram": [{"count": 9, "draws": 10}]}}})
    '9 of 12 threats cannot be addressed by any single governance layer. In all 10 plausible readings of the strength judgements, 9 threats are addressed by no single layer, with independent mitigations. No single judgement one step off changes this count. If every judgement were one step off in the same direction at once, the count would be 12 (every one lower) or 0 (every one higher): worst cases, not likely readings.'
    """
    return f"{count_sentence(entry)} {range_words(entry, names)}"


def count_sentence(entry: Mapping) -> str:
    """The headline count alone, as judged.

    >>> count_sentence({"headline": {"count": 9, "of": 12}})
    '9 of 12 threats cannot be addressed by any single governance layer.'
    """
    h = entry["headline"]
    return (
        f"{h['count']} of {h['of']} threats cannot be addressed by any single "
        "governance layer."
    )


def range_words(
    entry: Mapping, names: Mapping[str, str] | None = None, *, one_step: bool = True
) -> str:
    """What could change the headline count and how likely, in plain sentences:
    across the random readings of the judgements, why their middle differs
    from the judged count (when it does), and one judgement or all of them one
    step off (``one_step`` False leaves that out).

    >>> range_words({"headline": {"count": 9, "of": 12, "lower": 9, "higher": 9},
    ...     "dependence": "full", "pivotal_links": [], "threats": [],
    ...     "monte_carlo": {"samples": 20, "headline": {"histogram": [
    ...     {"count": 8, "draws": 1}, {"count": 9, "draws": 19}]}}})
    'In 95% of 20 plausible readings of the strength judgements, 9 threats are addressed by no single layer, with every mitigation failing together. No single judgement one step off changes this count. Nor does every judgement one step off in the same direction at once.'
    """
    return " ".join(range_parts(entry, names, one_step=one_step))


def range_parts(
    entry: Mapping, names: Mapping[str, str] | None = None, *, one_step: bool = True
) -> list[str]:
    """The sentences of ``range_words``, one by one (a page lists them).

    >>> len(range_parts({"headline": {"count": 9, "of": 12, "lower": 9,
    ...     "higher": 9}, "dependence": "full", "pivotal_links": [], "threats": [],
    ...     "monte_carlo": {"samples": 20, "headline": {"histogram": [
    ...     {"count": 9, "draws": 20}]}}}))
    2
    """
    parts = (
        readings_words(entry),
        typical_words(entry, names),
        one_step_words(entry) if one_step else "",
    )
    return [part for part in parts if part]


def central_range(histogram: list[Mapping], samples: int) -> tuple[int, int, float]:
    """The narrowest range of counts that leaves at most 5% of the draws below
    it and at most 5% above, and the share of the draws within it (at least 90%).

    >>> central_range([{"count": 7, "draws": 1}, {"count": 8, "draws": 18},
    ...     {"count": 9, "draws": 1}], 20)
    (8, 8, 0.9)
    >>> central_range([{"count": 7, "draws": 2}, {"count": 8, "draws": 16},
    ...     {"count": 9, "draws": 2}], 20)
    (7, 9, 1.0)
    >>> central_range([{"count": 7, "draws": 1}, {"count": 8, "draws": 38},
    ...     {"count": 9, "draws": 1}], 40)
    (8, 8, 0.95)
    """
    tail = 0.05 * samples
    below, low = 0, None
    for item in histogram:
        if below > tail:
            break
        low, below = item["count"], below + item["draws"]
    above, high = 0, None
    for item in reversed(histogram):
        if above > tail:
            break
        high, above = item["count"], above + item["draws"]
    inside = sum(i["draws"] for i in histogram if low <= i["count"] <= high)
    return low, high, inside / samples


def middle_count(histogram: list[Mapping], samples: int) -> int:
    """The count of the middle reading: the smallest count that half the draws
    reach or stay under.

    >>> middle_count([{"count": 8, "draws": 2}, {"count": 9, "draws": 2}], 4)
    8
    """
    seen = 0
    for item in histogram:
        seen += item["draws"]
        if 2 * seen >= samples:
            return item["count"]
    raise ValueError("the histogram holds no draw")


def share_words(share: float) -> str:
    """A share of the readings in whole percent, never rounded to 0% or 100%.

    >>> share_words(0.004), share_words(0.134), share_words(0.998), share_words(1.0)
    ('under 1%', '13%', 'over 99%', '100%')
    """
    if 0 < share < 0.005:
        return "under 1%"
    if 0.995 <= share < 1:
        return "over 99%"
    return f"{round(100 * share)}%"


def _threats_word(n: int) -> str:
    return "1 threat is" if n == 1 else f"{n} threats are"


def readings_words(entry: Mapping) -> str:
    """How many threats no single layer addresses across the random readings.

    >>> readings_words({"dependence": "independent", "monte_carlo": {
    ...     "samples": 2000, "headline": {"histogram": [{"count": 7, "draws": 101},
    ...     {"count": 8, "draws": 1798}, {"count": 9, "draws": 101}]}}})
    'In all 2,000 plausible readings of the strength judgements, 7 to 9 threats are addressed by no single layer, with independent mitigations.'
    """
    mc = entry["monte_carlo"]
    histogram, samples = mc["headline"]["histogram"], mc["samples"]
    if not histogram:
        return ""
    low, high, share = central_range(histogram, samples)
    where = "all" if share == 1 else share_words(share) + " of"
    counted = _threats_word(low) if low == high else f"{low} to {high} threats are"
    return (
        f"In {where} {samples:,} plausible readings of the strength judgements, "
        f"{counted} addressed by no single layer, with "
        f"{_dependence_words(entry['dependence'])}."
    )


def crossings(entry: Mapping) -> tuple[dict[str, float], dict[str, float]]:
    """Per threat, the share of readings in which it crosses to the other side
    of the headline: threats counted as judged that a single layer addresses
    in some readings (``joining``, they leave the count), and threats a single
    layer addresses as judged that fall short in some (``leaving``, they join
    it). The draws' mean count is the judged count plus the ``leaving`` shares
    minus the ``joining`` ones.

    >>> crossings({"threats": [
    ...   {"id": "a", "class": "insufficient", "class_probability": {
    ...    "single-layer": 0.2}},
    ...   {"id": "b", "class": "single-layer", "class_probability": {
    ...    "single-layer": 0.9}},
    ...   {"id": "c", "class": "single-layer", "class_probability": {
    ...    "single-layer": 1.0}}]})
    ({'a': 0.2}, {'b': 0.1})
    """
    joining, leaving = {}, {}
    for t in entry["threats"]:
        alone = t["class_probability"]["single-layer"]
        if t["class"] != "single-layer" and alone > 0:
            joining[t["id"]] = alone
        elif t["class"] == "single-layer" and alone < 1:
            leaving[t["id"]] = round(1 - alone, DIGITS)
    return joining, leaving


def typical_words(entry: Mapping, names: Mapping[str, str] | None = None) -> str:
    """Why the middle reading differs from the judged count, when it does, and
    whether the judged count lies outside the range of most readings.

    >>> typical_words({"headline": {"count": 9}, "threats": [
    ...   {"id": "a", "class": "insufficient", "class_probability": {
    ...    "single-layer": 0.6}}],
    ...   "monte_carlo": {"samples": 10, "headline": {"histogram": [
    ...    {"count": 8, "draws": 6}, {"count": 9, "draws": 4}]}}})
    'The strengths as judged give 9; the middle reading gives 8. The gap comes from a, counted here, which a single layer addresses in some readings (60% of them): 60% of readings count fewer than 9.'
    """
    mc = entry["monte_carlo"]
    histogram, samples = mc["headline"]["histogram"], mc["samples"]
    count = entry["headline"]["count"]
    if not histogram:
        return ""
    middle = middle_count(histogram, samples)
    if middle == count:
        return ""
    joining, leaving = crossings(entry)
    if middle < count:
        movers, side = joining, "fewer"
        beyond = sum(i["draws"] for i in histogram if i["count"] < count)
        what = "counted here, which a single layer addresses"
    else:
        movers, side = leaving, "more"
        beyond = sum(i["draws"] for i in histogram if i["count"] > count)
        what = "which one layer addresses alone as judged but not"
    low, high, _ = central_range(histogram, samples)
    outside = (
        " That is why the judged count lies outside the range of most readings."
        if not low <= count <= high
        else ""
    )
    return (
        f"The strengths as judged give {count}; the middle reading gives {middle}. "
        f"The gap comes from {_movers_words(movers, names)}, {what} in some "
        f"readings ({_often(movers)}): {share_words(beyond / samples)} of readings "
        f"count {side} than {count}.{outside}"
    )


def _often(movers: Mapping[str, float]) -> str:
    """How often the crossing threats cross: one share, or the range of them."""
    shares = sorted(movers.values())
    low, high = share_words(shares[0]), share_words(shares[-1])
    return f"{low} of them" if low == high else f"{low} to {high} of them each"


def _movers_words(movers: Mapping[str, float], names: Mapping[str, str] | None) -> str:
    """The threats that cross, named when they are few."""
    if len(movers) > 3:
        return f"{len(movers)} threats"
    named = [(names or {}).get(t, t) for t in sorted(movers)]
    return " and ".join(filter(None, (", ".join(named[:-1]), named[-1])))


def one_step_words(entry: Mapping) -> str:
    """What one judgement, and every judgement, one step off would do to the count.

    >>> one_step_words({"headline": {"count": 9, "lower": 12, "higher": 9},
    ...     "pivotal_links": [{"moves_headline": True}, {"moves_headline": False}]})
    'A single judgement one step off moves at most one threat in or out of this count; 1 judgement could. If every judgement were one step off in the same direction at once, the count would be 12 (every one lower): a worst case, not a likely reading.'
    """
    h = entry["headline"]
    movers = sum(p["moves_headline"] for p in entry["pivotal_links"])
    if movers:
        one = (
            "A single judgement one step off moves at most one threat in or out "
            f"of this count; {movers} judgement{'s' if movers != 1 else ''} could."
        )
    else:
        one = "No single judgement one step off changes this count."
    extremes = [
        f"{h[key]} (every one {key})"
        for key in ("lower", "higher")
        if h[key] != h["count"]
    ]
    if not extremes:
        return (
            f"{one} Nor does every judgement one step off in the same direction "
            "at once."
        )
    worst = (
        "worst cases, not likely readings"
        if len(extremes) == 2
        else "a worst case, not a likely reading"
    )
    return (
        f"{one} If every judgement were one step off in the same direction at "
        f"once, the count would be {' or '.join(extremes)}: {worst}."
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
        f"  {p['mitigation']} -> {p['threat']} ({p['strength']}): {p['class']}; "
        + ", ".join(f"one step {step} makes it {c}" for step, c in pivot_changes(p))
        + (" [moves the headline]" if p["moves_headline"] else "")
        for p in pivotal
    ]
    return lines


def pivot_changes(pivot: Mapping) -> list[tuple[str, str]]:
    """The moves of a pivotal link that change its threat's class, each with
    the class it would have: a move that leaves the class as it is is no change.

    >>> pivot_changes({"class": "defense-in-depth", "lower": "defense-in-depth",
    ...     "higher": "single-layer"})
    [('higher', 'single-layer')]
    """
    return [
        (step, pivot[step])
        for step in ("lower", "higher")
        if pivot[step] != pivot["class"]
    ]
