"""Benchmark: the whole path of a large taxonomy (store, re-store, read, analyse).

For each size (10k, 100k and 1M MITIGATES links; a tenth as many threats, a
two-hundredth as many mitigations, 16 layers, as the analysis benchmark's
"large" taxonomy), against the benchmark server with its configured heap:

- **load**: ``services.taxonomy_apply`` into a graph without the taxonomy,
  in a child process of its own (its peak memory is the client's), beside
  the same rows written with plain batched ``UNWIND ... MERGE``, one
  transaction per batch (``repository.plain_merge``): no read, no diff, no
  versions and no all-or-nothing;
- **re-load** of the same taxonomy (nothing changed), as a share of the load;
- **read**: ``repository.taxonomy_read`` of it beside the same queries' rows
  fetched with bare driver calls (no records built, no visibility test);
- **analysis** of what was read (``fast.analyse``, the baseline scenario);
- **the cold coverage answer**: ``GET /api/v1/coverage/`` with its first page
  of 50 threats and every cache emptied, beside the bare read plus the
  analysis.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.analysis import median_timed
from bench.interchange import NAME, _peak_rss_kib, bench_taxonomy, child_env, plain_rows
from taxonomy.graph import driver, repository, server

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def shape(links: int) -> dict[str, int]:
    """The taxonomy of ``links`` links: threats, mitigations, links, layers.

    >>> shape(1_000_000)
    {'threats': 100000, 'mitigations': 5000, 'links': 1000000, 'layers': 16}
    """
    return {
        "threats": links // 10,
        "mitigations": max(links // 200, 1),
        "links": links,
        "layers": 16,
    }


def _in_child(links: int, times: int, progress: Callable[[str], None]) -> list[dict]:
    """Run ``_child`` (``times`` loads of the taxonomy) in a fresh process."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.large", str(links), str(times)],
        cwd=root,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    results = []
    for line in proc.stdout:
        if line.startswith("{"):
            results.append(json.loads(line))
        else:
            progress(line.rstrip())
    if proc.wait() != 0:
        raise RuntimeError(
            f"the load of {links:,} links failed (exit {proc.returncode})"
        )
    return results


def _child(links: int, times: int) -> None:
    """Build the taxonomy, then load it ``times`` times; one JSON line per load."""
    import django

    django.setup()
    from taxonomy import services
    from taxonomy.management.progress import Progress

    taxonomy = bench_taxonomy(**shape(links))
    for run in range(times):
        stats = repository.WriteStats()
        started = time.perf_counter()
        result = services.taxonomy_apply(
            taxonomy=taxonomy,
            scope=NAME,
            progress=Progress(sys.stdout, f"load {run + 1}: written", "changes"),
            stats=stats,
        )
        seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "changes": len(result.changes.changes),
                    "staged": stats.staged,
                    "transactions": stats.transactions,
                    "peak_rss_mb": round(_peak_rss_kib() / 1024),
                }
            ),
            flush=True,
        )


def _cold_coverage_answer() -> bytes:
    """``GET /api/v1/coverage/`` of the taxonomy, first page of threats, with
    every cache emptied first: read, analysis and the document."""
    from django.core.cache import cache
    from django.test import Client

    from taxonomy.selectors import cache as answers

    cache.clear()
    answers._memo = ("", {})
    response = Client().get(f"/api/v1/coverage/?taxonomy={NAME}&limit=50")
    if response.status_code != 200:
        raise RuntimeError(f"coverage answered {response.status_code}")
    return response.content


def run_large_bench(
    *, sizes: tuple[str, ...] = tuple(SIZES), progress: Callable[[str], None] = print
) -> dict:
    """Every figure per size; ``rows`` for the report. Erases the server's graph."""
    from taxonomy.analysis import fast
    from taxonomy.domain.scenario import Scenario

    heap = server.instance(driver.current_target().managed_instance or "test").heap
    out = {"name": "large taxonomies", "heap_mb": heap // 2**20, "sizes": {}}
    repository.schema_apply()
    for size in sizes:
        links = SIZES[size]
        spec = shape(links)
        progress(f"large[{size}]: {spec}")
        rows = plain_rows(bench_taxonomy(**spec))
        items = sum(len(v) for v in rows.values())
        repository.graph_clear()
        started = time.perf_counter()
        repository.plain_merge(rows, batch_per_transaction=True)
        baseline = time.perf_counter() - started
        del rows
        progress(f"large[{size}]: plain batched UNWIND MERGE {baseline:.1f} s")
        repository.graph_clear()
        first, again = _in_child(links, 2, progress)
        if repository.mitigates_count(taxonomy=NAME) != links:
            raise RuntimeError("the load did not write every link")
        progress(
            f"large[{size}]: load {first['seconds']:.1f} s "
            f"({'staged' if first['staged'] else 'one transaction'}, "
            f"{first['transactions']} transactions), re-load {again['seconds']:.1f} s, "
            f"client peak {again['peak_rss_mb']} MB"
        )
        runs = 3 if links < 1_000_000 else 2
        read_s, snapshot = median_timed(
            lambda: repository.taxonomy_read(taxonomy=NAME), runs
        )
        bare_s, bare_rows = median_timed(lambda: repository.bare_read(NAME), runs)
        analysis_s, _ = median_timed(
            lambda t=snapshot: fast.analyse(t, Scenario()), runs
        )
        cold_s, answer = median_timed(_cold_coverage_answer, runs)
        progress(
            f"large[{size}]: read {read_s:.2f} s, bare {bare_s:.2f} s "
            f"({bare_rows:,} rows), analysis {analysis_s:.2f} s, cold coverage "
            f"answer {cold_s:.2f} s ({len(answer) / 1e6:.1f} MB)"
        )
        del snapshot
        repository.graph_clear()
        out["sizes"][size] = {
            **spec,
            "items": items,
            "baseline_seconds": round(baseline, 2),
            "load_seconds": round(first["seconds"], 2),
            "load_staged": first["staged"],
            "load_transactions": first["transactions"],
            "load_share_of_baseline": round(baseline / first["seconds"], 3),
            "items_per_second": round(items / first["seconds"]),
            "reload_seconds": round(again["seconds"], 2),
            "reload_share_of_load": round(again["seconds"] / first["seconds"], 3),
            "client_peak_mb": max(first["peak_rss_mb"], again["peak_rss_mb"]),
            "read_seconds": round(read_s, 2),
            "bare_read_seconds": round(bare_s, 2),
            "read_ratio_to_bare": round(read_s / bare_s, 3),
            "analysis_seconds": round(analysis_s, 2),
            "cold_answer_seconds": round(cold_s, 2),
            "cold_answer_ratio": round(cold_s / (bare_s + analysis_s), 3),
            "cold_answer_mb": round(len(answer) / 1e6, 2),
        }
    out["rows"] = _rows(out)
    return out


# (measure, key, unit, target words, test of the 1M size, note of a size).
_MEASURES = (
    (
        "load, share of plain batched MERGE",
        "load_share_of_baseline",
        "",
        ">= 0.60",
        lambda v: v >= 0.6,
        lambda r: (
            f"{r['load_seconds']} s vs {r['baseline_seconds']} s; "
            f"{'staged' if r['load_staged'] else 'one transaction'}"
        ),
    ),
    (
        "re-load of the same taxonomy, share of the load",
        "reload_share_of_load",
        "",
        "< 0.30",
        lambda v: v < 0.3,
        lambda r: f"{r['reload_seconds']} s",
    ),
    (
        "client peak memory",
        "client_peak_mb",
        "MB",
        "< 1536 MB",
        lambda v: v < 1536,
        lambda r: "VmHWM of the loading process",
    ),
    (
        "cold coverage answer, ratio to bare read + analysis",
        "cold_answer_ratio",
        "x",
        "< 2",
        lambda v: v < 2,
        lambda r: f"{r['cold_answer_seconds']} s, first 50 threats",
    ),
    (
        "read, ratio to bare driver",
        "read_ratio_to_bare",
        "x",
        "<= 1.3",
        lambda v: v <= 1.3,
        lambda r: f"{r['read_seconds']} s vs {r['bare_read_seconds']} s",
    ),
)


def _rows(out: dict) -> list[dict]:
    """One report row per size and measure; the targets hold at 1M links."""
    return [
        {
            "size": size,
            "measure": measure,
            "value": r[key],
            "unit": unit,
            "target": target if r["links"] >= 1_000_000 else "(growth)",
            "ok": meets(r[key]) if r["links"] >= 1_000_000 else None,
            "note": note(r),
        }
        for size, r in out["sizes"].items()
        for measure, key, unit, target, meets, note in _MEASURES
    ]


if __name__ == "__main__":
    _child(int(sys.argv[1]), int(sys.argv[2]))
