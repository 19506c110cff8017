"""Benchmark of the recommendation, the frontier, the greedy order and the depths.

Each size runs in a fresh process. From today (deployed mitigations only),
unit costs:

- **seed** (the fixtures) and **atlas** (ATLAS-sized: 170 threats, 35
  mitigations, 4 layers, 500 links, synthetic): one recommendation (budget
  3) and the whole exact frontier;
- **large** (100k threats, 5k mitigations, 1M links) with the first 500
  candidates by id: the greedy order (the greedy frontier), the MILP for one
  budget (25) under a 30 s limit with its method and gap, and the layer and
  mitigation depth of every threat.

Run ``python -m bench.recommend [--sizes seed,atlas,large] [--out FILE]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.analysis import _row, _timed, fresh_process_suite

ATLAS = {"threats": 170, "mitigations": 35, "layers": 4, "links": 500}
LARGE_CANDIDATES = 500
LARGE_BUDGET = 25
TIME_LIMIT = 30.0
TARGETS = {
    ("seed", "recommendation"): ("s", 0.5),
    ("seed", "frontier"): ("s", 0.5),
    ("atlas", "recommendation"): ("s", 2.0),
    ("atlas", "frontier"): ("s", 2.0),
    ("large", "greedy frontier"): ("s", 10.0),
    ("large", "MILP, one budget"): ("s", TIME_LIMIT + 5.0),
    ("large", "layer depth"): ("s", 2.0),
    ("large", "mitigation depth"): ("s", 2.0),
}


def _taxonomy(size: str):
    from taxonomy.formats.synthetic import SIZES, synthetic_taxonomy

    if size == "seed":
        from taxonomy.formats.fixtures_yaml import load_fixtures

        return load_fixtures(Path(__file__).resolve().parents[1] / "fixtures")
    if size == "atlas":
        return synthetic_taxonomy(**ATLAS, seed=0)
    return synthetic_taxonomy(**SIZES[size], seed=0)


def measure(size: str) -> dict:
    """Measure one size in this process (see the module docstring).

    >>> sorted(measure("seed"))[:3]
    ['chosen', 'frontier_s', 'frontier_steps']
    """
    from taxonomy.analysis.compiled import coverage_model
    from taxonomy.analysis.recommend import (
        TODAY,
        frontier,
        greedy_order,
        recommend,
    )
    from taxonomy.analysis.resilience import layer_depth, mitigation_depth

    model = coverage_model(_taxonomy(size))
    result: dict = {"size": size, "links": int(len(model.link_threat))}
    if size in ("seed", "atlas"):
        result["recommend_s"], found = _timed(lambda: recommend(model, budget=3))
        result["frontier_s"], steps = _timed(lambda: frontier(model))
        result["method"], result["chosen"] = found.method, len(found.chosen)
        result["frontier_steps"] = len(steps)
        return result
    from taxonomy.analysis.compiled import enabled_mask

    on = enabled_mask(model, TODAY)
    candidates = [m for m, o in zip(model.mitigations, on, strict=True) if not o]
    candidates = candidates[:LARGE_CANDIDATES]
    result["greedy_s"], order = _timed(
        lambda: greedy_order(model, candidates=candidates)
    )
    result["greedy_steps"] = len(order)
    result["milp_s"], found = _timed(
        lambda: recommend(
            model, budget=LARGE_BUDGET, candidates=candidates, time_limit=TIME_LIMIT
        )
    )
    result["method"], result["gap"] = found.method, found.gap
    result["milp_gain"] = found.addressed_after - found.addressed_before
    greedy = [s for s in order if s.cost <= LARGE_BUDGET]
    result["greedy_gain_at_budget"] = greedy[-1].addressed - found.addressed_before
    result["layer_depth_s"], _ = _timed(lambda: layer_depth(model, TODAY))
    result["mitigation_depth_s"], depths = _timed(
        lambda: mitigation_depth(model, TODAY)
    )
    result["depth_exact"] = bool(depths.exact.all())
    return result


def rows_of(result: dict) -> list[dict]:
    """The table rows of one size, each beside its target.

    >>> rows = rows_of({"size": "seed", "links": 60, "recommend_s": 0.1,
    ...     "frontier_s": 0.3, "method": "milp-optimal", "chosen": 3,
    ...     "frontier_steps": 6})
    >>> [(r["measure"], r["ok"]) for r in rows]
    [('recommendation', True), ('frontier', True)]
    """
    size = result["size"]

    def row(name: str, value: float, note: str = "") -> dict:
        return _row(size, name, value, "s", note, targets=TARGETS)

    if "recommend_s" in result:
        return [
            row(
                "recommendation",
                result["recommend_s"],
                f"budget 3: {result['chosen']} adopted, {result['method']}",
            ),
            row("frontier", result["frontier_s"], f"{result['frontier_steps']} steps"),
        ]
    gap = result["gap"]
    return [
        row(
            "greedy frontier",
            result["greedy_s"],
            f"{result['greedy_steps']} steps over {LARGE_CANDIDATES} candidates",
        ),
        row(
            "MILP, one budget",
            result["milp_s"],
            f"budget {LARGE_BUDGET}, {result['method']}"
            + (f", gap {gap:.2%}" if gap is not None else "")
            + f"; +{result['milp_gain']} threats (greedy: "
            f"+{result['greedy_gain_at_budget']})",
        ),
        row("layer depth", result["layer_depth_s"], "every threat"),
        row(
            "mitigation depth",
            result["mitigation_depth_s"],
            "every threat, " + ("exact" if result["depth_exact"] else "some bounds"),
        ),
    ]


# The recommendation suite: each size in a fresh process.
run_recommend_bench, main = fresh_process_suite(
    measure, rows_of, name="recommend", default_sizes="seed,atlas,large"
)


if __name__ == "__main__":
    sys.exit(main())
