"""Benchmark of dependence, sensitivity and Monte Carlo beside the plain analysis.

Each size runs in a fresh process (so memory figures do not mix). In one run,
on the same synthetic taxonomy and its model:

1. **independent**: ``run_scenario`` under the brief's model (the baseline
   every other figure is a ratio of);
2. **within-layer** and **full**: the same analysis under each dependence;
3. **pivotal links**: ``sensitivity`` (every enabled link one step lower and
   higher);
4. **Monte Carlo**: ``monte_carlo`` with the size's samples, and the peak
   resident memory during it (``VmHWM``, reset just before);
5. for the seed taxonomy, the whole robustness section with 10,000 samples;
6. panels of judges (issue 27): on the seed, 30 judges on every link, the
   panels formed from their judgements and the robustness section with the
   page's 2,000 samples, cold (nothing cached); on the large taxonomy, 10
   judges on 10% of the links, Monte Carlo with the panels as a ratio of the
   same run without.

Run ``python -m bench.robustness [--sizes seed,large] [--out FILE]``.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.analysis import (
    _peak_mib,
    _reset_peak,
    _row,
    _timed,
    fresh_process_suite,
)

SAMPLES = {"seed": 10_000, "small": 2_000, "large": 1_000}
TARGETS = {
    ("seed", "robustness section"): ("s", 1.0),
    ("large", "within-layer / independent"): ("x", 2.0),
    ("large", "full / independent"): ("x", 2.0),
    ("large", "pivotal links"): ("s", 10.0),
    ("large", "Monte Carlo"): ("s", 60.0),
    ("large", "Monte Carlo peak memory"): ("MiB", 2048.0),
    ("seed", "robustness section, 30 judges a link"): ("s", 1.0),
    ("large", "Monte Carlo, 10 judges on 10% / none"): ("x", 1.5),
}
PANEL_JUDGES = {"seed": (30, 1.0), "large": (10, 0.1)}


def _panels(taxonomy, judges: int, share: float) -> list:
    """``judges`` random judgements (seed 0) on ``share`` of the links, as the
    robustness analysis takes them."""
    import numpy as np

    from taxonomy.analysis.panels import panel_draws, panels_of
    from taxonomy.analysis.robustness import DEFAULT_INTERVALS
    from taxonomy.domain.judgements import Judgement
    from taxonomy.domain.records import STRENGTHS

    rng = np.random.default_rng(0)
    links = taxonomy.mitigates[: max(1, round(share * len(taxonomy.mitigates)))]
    judgements = [
        Judgement(m.mitigation, m.threat, f"judge-{j}", STRENGTHS[rng.integers(3)])
        for m in links
        for j in range(judges)
    ]
    return panel_draws(panels_of(judgements, bands=DEFAULT_INTERVALS))


def _taxonomy(size: str):
    if size == "seed":
        from taxonomy.formats.fixtures_yaml import load_fixtures

        return load_fixtures(Path(__file__).resolve().parents[1] / "fixtures")
    from taxonomy.formats.synthetic import SIZES, synthetic_taxonomy

    return synthetic_taxonomy(**SIZES[size], seed=0)


def measure(size: str, *, repeats: int = 2) -> dict:
    """Measure one size in this process (see the module docstring).

    >>> sorted(measure("seed", repeats=1))[:3]
    ['full_s', 'independent_s', 'links']
    """
    from taxonomy.analysis.compiled import coverage_model
    from taxonomy.analysis.fast import run_scenario
    from taxonomy.analysis.robustness import monte_carlo, sensitivity
    from taxonomy.analysis.robustness_report import robustness_entry
    from taxonomy.domain.scenario import Scenario

    taxonomy = _taxonomy(size)
    model = coverage_model(taxonomy)

    def median(fn: Callable[[], object]) -> float:
        return statistics.median(_timed(fn)[0] for _ in range(repeats))

    result = {
        "size": size,
        "links": len(taxonomy.mitigates),
        "independent_s": median(lambda: run_scenario(model, Scenario())),
        "within_layer_s": median(
            lambda: run_scenario(model, Scenario(dependence="within-layer"))
        ),
        "full_s": median(lambda: run_scenario(model, Scenario(dependence="full"))),
        "pivotal_s": median(lambda: sensitivity(model, Scenario())),
    }
    samples = SAMPLES[size]
    reset = _reset_peak()
    result["monte_carlo_s"], _ = _timed(
        lambda: monte_carlo(model, Scenario(), samples=samples)
    )
    result["monte_carlo_peak_mib"], result["peak_kind"] = _peak_mib(reset)
    result["samples"] = samples
    if size == "seed":
        result["section_s"] = median(
            lambda: robustness_entry(model, Scenario(), samples=samples)
        )
    if size in PANEL_JUDGES:
        judges, share = PANEL_JUDGES[size]
        result["panel_judges"], result["panel_share"] = judges, share
        if size == "seed":
            result["panel_section_s"] = median(
                lambda: robustness_entry(
                    model, Scenario(), panels=_panels(taxonomy, judges, share)
                )
            )
        else:
            panels = _panels(taxonomy, judges, share)
            result["panel_mc_s"] = median(
                lambda: monte_carlo(model, Scenario(), samples=samples, panels=panels)
            )
            result["plain_mc_s"] = median(
                lambda: monte_carlo(model, Scenario(), samples=samples)
            )
    return result


def rows_of(result: dict) -> list[dict]:
    """The table rows of one size, each dependence as a ratio of the independent run.

    >>> rows = rows_of({"size": "large", "links": 10, "independent_s": 1.0,
    ...     "within_layer_s": 1.5, "full_s": 1.2, "pivotal_s": 3.0,
    ...     "monte_carlo_s": 30.0, "monte_carlo_peak_mib": 900.0,
    ...     "peak_kind": "VmHWM since reset", "samples": 1000})
    >>> [(r["measure"], r["ok"]) for r in rows][1:3]
    [('within-layer / independent', True), ('full / independent', True)]
    """
    size, base = result["size"], result["independent_s"]
    row = partial(_row, size, targets=TARGETS)

    rows = [
        row("independent analysis", base, "s", f"{result['links']} links, median"),
        row(
            "within-layer / independent",
            result["within_layer_s"] / base,
            "x",
            f"{result['within_layer_s']:.3f} s",
        ),
        row(
            "full / independent",
            result["full_s"] / base,
            "x",
            f"{result['full_s']:.3f} s",
        ),
        row(
            "pivotal links",
            result["pivotal_s"],
            "s",
            f"every enabled link, {result['pivotal_s'] / base:.1f}x the analysis",
        ),
        row(
            "Monte Carlo",
            result["monte_carlo_s"],
            "s",
            f"{result['samples']} samples, {result['monte_carlo_s'] / base:.0f}x the analysis",
        ),
        row(
            "Monte Carlo peak memory",
            result["monte_carlo_peak_mib"],
            "MiB",
            result["peak_kind"],
        ),
    ]
    if "section_s" in result:
        rows.append(
            row(
                "robustness section",
                result["section_s"],
                "s",
                f"{result['samples']} samples, sensitivity and the three dependences",
            )
        )
    if "panel_section_s" in result:
        rows.append(
            row(
                "robustness section, 30 judges a link",
                result["panel_section_s"],
                "s",
                f"{result['panel_judges']} judges on every link: panels formed, "
                "2000 samples, cold",
            )
        )
    if "panel_mc_s" in result:
        rows.append(
            row(
                "Monte Carlo, 10 judges on 10% / none",
                result["panel_mc_s"] / result["plain_mc_s"],
                "x",
                f"{result['panel_mc_s']:.2f} s / {result['plain_mc_s']:.2f} s, "
                f"{result['samples']} samples",
            )
        )
    return rows


# The robustness suite: each size in a fresh process.
run_robustness_bench, main = fresh_process_suite(
    measure, rows_of, name="robustness", default_sizes="seed,large"
)


if __name__ == "__main__":
    sys.exit(main())
