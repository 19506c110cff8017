"""Benchmark of the coverage analysis on synthetic taxonomies: time and peak memory.

Each size runs in a fresh process (so memory figures do not mix):

1. generate the taxonomy with ``synthetic_taxonomy`` (not timed);
2. **full analysis**: ``coverage_model`` (index the records) plus
   ``run_scenario`` with nothing disabled, i.e. every number of the document;
   the median of several runs;
3. **scenario re-run**: ``run_scenario`` on the already-built model with one
   layer and one mitigation disabled;
4. **report**: ``build_report`` + ``render_json`` of every threat
   (informative, no target);
5. **peak memory**: the process's peak resident set size (Linux ``VmHWM``)
   during steps 2–3 (and again after step 4), reset just before step 2 through
   ``/proc/self/clear_refs``; it includes the interpreter and the taxonomy
   records already in memory (the Neo4j read is not part of it). Where the
   reset is not allowed, ``ru_maxrss`` is used instead and the row says so,
   as it then also counts the generation.

Run ``python -m bench.analysis [--sizes small,large] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

TARGETS = {
    ("small", "full analysis"): ("s", 0.2),
    ("large", "full analysis"): ("s", 10.0),
    ("large", "scenario re-run"): ("s", 1.0),
    ("large", "peak memory"): ("MiB", 2048.0),
}
REPEATS = {"small": 7, "large": 2}


def _status_mib(field: str) -> float | None:
    """A field of /proc/self/status (e.g. VmHWM) in MiB, None off Linux."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter for this process; False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _peak_mib(reset: bool) -> tuple[float, str]:
    if reset and (peak := _status_mib("VmHWM")) is not None:
        return peak, "VmHWM since reset"
    return resource.getrusage(
        resource.RUSAGE_SELF
    ).ru_maxrss / 1024, "ru_maxrss (process)"


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def median_timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """The median seconds of ``repeats`` runs of ``fn`` and the last run's
    value (only the last is kept: a large value is not held ``repeats`` times)."""
    timings, value = [], None
    for _ in range(repeats):
        seconds, value = _timed(fn)
        timings.append(seconds)
    return statistics.median(timings), value


def measure_size(size: str, *, repeats: int, seed: int = 0) -> dict:
    """Measure one size in this process; see the module docstring for the steps.

    Parameters
    ----------
    size : str
        A key of ``taxonomy.formats.synthetic.SIZES``.
    repeats : int
        Runs of the full analysis and of the scenario re-run; medians reported.
    seed : int

    Returns
    -------
    dict
        Counts, seconds per step (median and every run), peak memory in MiB.

    >>> measure_size("small", repeats=1)["counts"]["threats"]
    1000
    """
    from taxonomy.analysis.compiled import coverage_model
    from taxonomy.analysis.fast import run_scenario
    from taxonomy.analysis.report import build_report
    from taxonomy.analysis.report_render import render_json
    from taxonomy.domain.scenario import Scenario
    from taxonomy.formats.synthetic import SIZES, synthetic_taxonomy

    generate_s, taxonomy = _timed(lambda: synthetic_taxonomy(**SIZES[size], seed=seed))
    gc.collect()
    rss_before = _status_mib("VmRSS")
    reset = _reset_peak()
    full, model, analysis = [], None, None
    for _ in range(repeats):
        seconds, (model, analysis) = _timed(
            lambda: (m := coverage_model(taxonomy), run_scenario(m, Scenario()))
        )
        full.append(seconds)
    scenario = Scenario(
        disabled_layers=[model.layers[0]], disabled_mitigations=[model.mitigations[0]]
    )
    rerun = [
        _timed(lambda: run_scenario(model, scenario))[0] for _ in range(repeats + 1)
    ]
    peak, peak_kind = _peak_mib(reset)
    report_s, text = _timed(lambda: render_json(build_report(analysis)))
    peak_with_report, _ = _peak_mib(reset)
    return {
        "size": size,
        "counts": dict(SIZES[size]),
        "seed": seed,
        "generate_s": generate_s,
        "full_analysis_s": statistics.median(full),
        "full_analysis_runs_s": full,
        "scenario_rerun_s": statistics.median(rerun),
        "scenario_rerun_runs_s": rerun,
        "report_json_s": report_s,
        "report_json_mib": len(text.encode()) / 2**20,
        "rss_before_analysis_mib": rss_before,
        "peak_memory_mib": peak,
        "peak_memory_kind": peak_kind,
        "peak_memory_with_report_mib": peak_with_report,
        "summary": dict(analysis.summary),
        "minimal_layer_sets": "exact"
        if analysis.minimal_layer_sets_exact
        else "approximate",
    }


def _row(
    size: str, name: str, value: float, unit: str, note: str = "", targets=TARGETS
) -> dict:
    """One table row, judged against ``targets[(size, name)]`` when there is one."""
    target = targets.get((size, name))
    return {
        "size": size,
        "measure": name,
        "value": round(value, 4),
        "unit": unit,
        "target": f"< {target[1]:g} {target[0]}" if target else "",
        "ok": (value < target[1]) if target else None,
        "note": note,
    }


def rows_of(result: dict) -> list[dict]:
    """The table rows of one size's measurements, with targets and pass/fail.

    >>> rows_of({"size": "small", "full_analysis_s": 0.1, "scenario_rerun_s": 0.05,
    ...   "report_json_s": 0.2, "peak_memory_mib": 90.0,
    ...   "rss_before_analysis_mib": 80.0,
    ...   "peak_memory_kind": "VmHWM since reset", "peak_memory_with_report_mib": 99.0,
    ... })[0]["ok"]
    True
    """
    size = result["size"]
    before = result["rss_before_analysis_mib"] or 0.0
    return [
        _row(
            size, "full analysis", result["full_analysis_s"], "s", "index + run, median"
        ),
        _row(
            size,
            "scenario re-run",
            result["scenario_rerun_s"],
            "s",
            "1 layer + 1 mitigation off",
        ),
        _row(
            size,
            "report (JSON)",
            result["report_json_s"],
            "s",
            "every threat, informative",
        ),
        _row(
            size,
            "peak memory",
            result["peak_memory_mib"],
            "MiB",
            f"{result['peak_memory_kind']}; {before:.0f} MiB before analysis",
        ),
        _row(
            size,
            "peak memory with report",
            result["peak_memory_with_report_mib"],
            "MiB",
            "the same, after the JSON report too, informative",
        ),
    ]


def render_rows(rows: Iterable[dict]) -> str:
    """Rows as an aligned text table.

    >>> print(render_rows([{"size": "s", "measure": "m", "value": 1.0, "unit": "s",
    ...     "target": "< 2 s", "ok": True, "note": ""}]))
    SIZE  MEASURE  VALUE  UNIT  TARGET  OK   NOTE
    s     m        1.000  s     < 2 s   yes
    """
    header = ["SIZE", "MEASURE", "VALUE", "UNIT", "TARGET", "OK", "NOTE"]
    body = [
        [
            r["size"],
            r["measure"],
            f"{r['value']:.3f}",
            r["unit"],
            r["target"],
            {True: "yes", False: "NO", None: ""}[r["ok"]],
            r["note"],
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *body]
    )


def _machine() -> dict:
    import networkx
    import numpy
    import scipy

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "networkx": networkx.__version__,
    }


def run_in_fresh_processes(
    measure: Callable[[str], dict],
    rows_of: Callable[[dict], list[dict]],
    *,
    name: str,
    sizes: Iterable[str],
    out_path: str | Path,
    progress: Callable[[str], None] = print,
) -> dict:
    """Measure each size in a fresh process, print the table, write the JSON.

    Parameters
    ----------
    measure : callable
        Size -> its measurements (a module-level function, to cross processes).
    rows_of : callable
        Measurements -> table rows with targets and pass/fail.
    name : str
        The suite, in the progress lines.
    sizes : iterable of str
    out_path : str or Path
        Where the JSON goes: ``{machine, sizes: {size: measurements}, rows}``.
    progress : callable
        Receives progress lines and, at the end, the table.

    Returns
    -------
    dict
        What was written.
    """
    results = {}
    for size in sizes:
        progress(f"{name} bench: {size} (fresh process) ...")
        with ProcessPoolExecutor(
            max_workers=1, mp_context=get_context("spawn")
        ) as pool:
            results[size] = pool.submit(measure, size).result()
    rows = [row for size in results for row in rows_of(results[size])]
    document = {"machine": _machine(), "sizes": results, "rows": rows}
    Path(out_path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    progress(render_rows(rows))
    progress(f"wrote {out_path}")
    return document


def _measure_with_repeats(size: str) -> dict:
    return measure_size(size, repeats=REPEATS.get(size, 3))


def suite_main(run: Callable[..., dict], default_sizes: str, argv=None) -> int:
    """The command line of a suite module: ``--sizes`` and ``--out``; exit 1
    when a target is missed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=default_sizes)
    parser.add_argument("--out", default="bench-results.json")
    args = parser.parse_args(argv)
    document = run(sizes=args.sizes.split(","), out_path=args.out)
    return 0 if all(r["ok"] is not False for r in document["rows"]) else 1


def fresh_process_suite(
    measure: Callable[[str], dict],
    rows_of: Callable[[dict], list[dict]],
    *,
    name: str,
    default_sizes: str,
) -> tuple[Callable[..., dict], Callable[..., int]]:
    """A suite that measures each size in a fresh process: its run function
    (``run_in_fresh_processes`` with ``measure`` and ``rows_of``) and its
    command line (``suite_main`` with ``default_sizes``)."""
    run = functools.partial(run_in_fresh_processes, measure, rows_of, name=name)

    def main(argv: list[str] | None = None) -> int:
        return suite_main(run, default_sizes, argv)

    return run, main


# The analysis suite: each size in a fresh process (see the module docstring).
run_analysis_bench, main = fresh_process_suite(
    _measure_with_repeats, rows_of, name="analysis", default_sizes="small,large"
)


if __name__ == "__main__":
    sys.exit(main())
