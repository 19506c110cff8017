"""Benchmark of governance architectures side by side beside one analysis.

On the seed taxonomy (fixtures/), in a fresh process:

1. **one analysis**: ``run_scenario`` of today on the seed's model, the figure
   the comparison stands beside (median of runs);
2. **4-architecture comparison**: ``compare`` of today and the seed's stored
   architectures (up to 4), its model built inside as the selector builds it,
   and the document the page and the API show (``comparison_document``);
   median of runs, target under 200 ms;
3. **each scenario alone**: the four coverage documents one by one
   (informative: what the comparison would cost through the single path).

Run ``python -m bench.architectures [--out FILE]``.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable

from bench.analysis import _row, _timed, fresh_process_suite

REPEATS = 20
TARGETS = {("seed", "4-architecture comparison"): ("ms", 200.0)}


def seed_architectures(taxonomy, base) -> list[tuple[str, object]]:
    """Today and up to three stored architectures of a taxonomy, as
    (id, scenario) pairs, as the comparison selector makes them."""
    from taxonomy.domain.architectures import architecture_scenario
    from taxonomy.domain.scenario import today

    stored = [
        (a.id, architecture_scenario(a, taxonomy.adopts, base=base))
        for a in sorted(taxonomy.architectures, key=lambda a: a.id)
    ]
    return [("today", today(base)), *stored[:3]]


def measure(size: str) -> dict:
    """Measure the seed in this process (see the module docstring).

    >>> sorted(measure("seed"))[:2]
    ['alone_ms', 'analysis_ms']
    """
    from django.conf import settings

    from taxonomy.analysis.architectures import compare
    from taxonomy.analysis.architectures_report import comparison_document
    from taxonomy.analysis.compiled import coverage_model
    from taxonomy.analysis.fast import run_scenario
    from taxonomy.analysis.report import coverage_document
    from taxonomy.domain.scenario import Scenario, today
    from taxonomy.formats.fixtures_yaml import load_fixtures

    taxonomy = load_fixtures(settings.FIXTURES_DIR)
    base = Scenario()
    architectures = seed_architectures(taxonomy, base)
    model = coverage_model(taxonomy)

    def median_ms(fn: Callable[[], object]) -> float:
        return 1000 * statistics.median(_timed(fn)[0] for _ in range(REPEATS))

    def comparison():
        return comparison_document(compare(taxonomy, architectures), taxonomy)

    def alone():
        return [coverage_document(taxonomy, scenario=s) for _, s in architectures]

    return {
        "size": size,
        "architectures": len(architectures),
        "threats": len(taxonomy.threats),
        "analysis_ms": median_ms(lambda: run_scenario(model, today(base))),
        "comparison_ms": median_ms(comparison),
        "alone_ms": median_ms(alone),
    }


def rows_of(result: dict) -> list[dict]:
    """The table rows of the seed.

    >>> rows = rows_of({"size": "seed", "architectures": 4, "threats": 12,
    ...     "analysis_ms": 5.0, "comparison_ms": 40.0, "alone_ms": 120.0})
    >>> [(r["measure"], r["ok"]) for r in rows]
    [('one analysis', None), ('4-architecture comparison', True), ('each scenario alone', None)]
    """
    size, base = result["size"], result["analysis_ms"]

    def row(name: str, value: float, note: str = "") -> dict:
        return _row(size, name, value, "ms", note, targets=TARGETS)

    n = result["architectures"]
    return [
        row("one analysis", base, f"today, {result['threats']} threats, median"),
        row(
            f"{n}-architecture comparison",
            result["comparison_ms"],
            f"{result['comparison_ms'] / base:.1f}x the analysis; model and "
            "document included, median",
        ),
        row(
            "each scenario alone",
            result["alone_ms"],
            f"{n} coverage documents one by one, informative",
        ),
    ]


# The architectures suite: the seed in a fresh process.
run_architectures_bench, main = fresh_process_suite(
    measure, rows_of, name="architectures", default_sizes="seed"
)


if __name__ == "__main__":
    sys.exit(main())
