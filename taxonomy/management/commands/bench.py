"""Run the benchmarks (`make bench`): analysis, robustness, recommend, incidents, crosswalk, jurisdictions, architectures, Neo4j read, pages, API, shared cache, import, limits, large."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from taxonomy.graph import driver, server

SUITES = (
    "analysis",
    "robustness",
    "recommend",
    "incidents",
    "crosswalk",
    "jurisdictions",
    "architectures",
    "read",
    "pages",
    "api",
    "cache",
    "import",
    "limits",
    "large",
    "fixtures",
)


class Command(BaseCommand):
    help = (
        "Measure speed and memory against the issues' targets and write the figures "
        "to var/bench/. Uses the tests' Neo4j server, whose data it ERASES; never "
        "your own database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            default=",".join(SUITES),
            help=f"comma-separated suites among {', '.join(SUITES)} (default: all)",
        )
        parser.add_argument("--sizes", default="small,large", help="analysis sizes")
        parser.add_argument("--out", type=Path, default=settings.VAR_DIR / "bench")

    def handle(self, *args, only, sizes, out, **options):
        suites = [s.strip() for s in only.split(",") if s.strip()]
        unknown = sorted(set(suites) - set(SUITES))
        if unknown:
            raise CommandError(
                f"unknown suite(s) {', '.join(unknown)}; use {', '.join(SUITES)}"
            )
        out.mkdir(parents=True, exist_ok=True)
        self._use_test_server()
        results, failed = {}, []
        for suite in suites:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {suite} =="))
            started = time.perf_counter()
            results[suite] = getattr(self, f"_{suite}")(out=out, sizes=sizes.split(","))
            failed += [
                suite for row in _rows(results[suite]) if row.get("ok") is False
            ][:1]
            self.stdout.write(f"({suite}: {time.perf_counter() - started:.0f} s)")
        (out / "results.json").write_text(
            json.dumps(results, indent=2, default=str) + "\n"
        )
        self.stdout.write(f"Wrote {out / 'results.json'}")
        if failed:
            raise CommandError(f"targets missed in: {', '.join(failed)}")

    def _use_test_server(self) -> None:
        target = driver.connection_target(for_tests=True)
        if target.managed_instance:
            self.stdout.write(
                server.start(
                    server.instance(target.managed_instance), echo=self.stdout.write
                )
            )
        driver.use_target(target)

    def _analysis(self, *, out, sizes):
        from bench.analysis import run_analysis_bench

        return self._sized(run_analysis_bench, out / "analysis.json", sizes)

    def _robustness(self, *, out, sizes):
        from bench.robustness import run_robustness_bench

        wanted = ["seed", *(s for s in sizes if s in ("small", "large"))]
        return self._sized(run_robustness_bench, out / "robustness.json", wanted)

    def _recommend(self, *, out, sizes):
        from bench.recommend import run_recommend_bench

        wanted = ["seed", "atlas", *(s for s in sizes if s == "large")]
        return self._sized(run_recommend_bench, out / "recommend.json", wanted)

    def _incidents(self, *, out, sizes):
        from bench.incidents import run_incidents_bench

        wanted = [s for s in sizes if s in ("small", "large")]
        return self._sized(run_incidents_bench, out / "incidents.json", wanted)

    def _crosswalk(self, *, out, sizes):
        from bench.crosswalk import run_crosswalk_bench

        wanted = [s for s in sizes if s in ("small", "large")]
        return self._sized(run_crosswalk_bench, out / "crosswalk.json", wanted)

    def _jurisdictions(self, *, out, sizes):
        from bench.jurisdictions import run_jurisdictions_bench

        wanted = [s for s in sizes if s in ("small", "large")]
        return self._sized(run_jurisdictions_bench, out / "jurisdictions.json", wanted)

    def _architectures(self, *, out, sizes):
        from bench.architectures import run_architectures_bench

        return self._sized(
            run_architectures_bench, out / "architectures.json", ["seed"]
        )

    def _sized(self, run, path, sizes):
        """A suite measured size by size (``run`` writes its JSON to ``path``)."""
        return run(sizes=sizes, out_path=path, progress=self.stdout.write)

    def _read(self, *, out, sizes):
        from bench.analysis import render_rows
        from bench.graph_read import run_audit_copy_bench, run_read_bench

        rows = [
            run_read_bench(size="small", progress=self.stdout.write),
            run_audit_copy_bench(size="small", progress=self.stdout.write),
        ]
        table = [
            {
                "size": "small",
                "measure": r["name"],
                "value": r["records_per_second"],
                "unit": "records/s",
                "target": "",
                "ok": None,
                "note": f"{r['records']} records in {r['read_seconds_median']} s (median)",
            }
            for r in rows
        ]
        self.stdout.write(render_rows(table))
        (out / "read.json").write_text(json.dumps(rows, indent=2) + "\n")
        return {"rows": table, "runs": rows}

    def _pages(self, *, out, sizes):
        from bench.analysis import render_rows
        from bench.pages import run_pages_bench

        rows = run_pages_bench(progress=self.stdout.write)
        self.stdout.write(render_rows(rows))
        (out / "pages.json").write_text(json.dumps(rows, indent=2) + "\n")
        return {"rows": rows}

    def _api(self, *, out, sizes):
        from bench.api import run_api_bench

        return run_api_bench(out_path=out / "api.json", progress=self.stdout.write)

    def _cache(self, *, out, sizes):
        from bench.shared_cache import run_shared_cache_bench

        return run_shared_cache_bench(
            out_path=out / "shared_cache.json", progress=self.stdout.write
        )

    def _import(self, *, out, sizes):
        from bench.analysis import render_rows
        from bench.interchange import run_import_bench

        result = run_import_bench(progress=self.stdout.write)
        ratio, peak = result["ratio_to_baseline"], result["peak_rss_mb"]
        result["rows"] = [
            {
                "size": "200k links",
                "measure": "import links/s",
                "value": result["import_links_per_second"],
                "unit": "links/s",
                "target": ">= 50% of baseline",
                "ok": ratio >= 0.5,
                "note": f"{ratio:.0%} of the plain UNWIND...MERGE ({result['baseline_links_per_second']} links/s)",
            },
            {
                "size": "200k links",
                "measure": "import peak memory",
                "value": peak,
                "unit": "MB",
                "target": "< 1024 MB",
                "ok": peak < 1024,
                "note": "VmHWM of the import process",
            },
        ]
        self.stdout.write(render_rows(result["rows"]))
        (out / "import.json").write_text(
            json.dumps(result, indent=2, default=str) + "\n"
        )
        return result

    def _limits(self, *, out, sizes):
        from bench.analysis import render_rows
        from bench.memory_limits import run_limits_bench

        result = run_limits_bench(progress=self.stdout.write)
        self.stdout.write(render_rows(result["rows"]))
        (out / "limits.json").write_text(json.dumps(result, indent=2) + "\n")
        return result

    def _large(self, *, out, sizes):
        from bench.large import run_large_bench

        return self._by_links(run_large_bench, out / "large.json", sizes)

    def _fixtures(self, *, out, sizes):
        from bench.fixture_files import run_fixture_files_bench

        return self._by_links(run_fixture_files_bench, out / "fixtures.json", sizes)

    def _by_links(self, run, path, sizes):
        """A suite measured at 10k, 100k and 1M links (``--sizes`` picks)."""
        from bench.analysis import render_rows
        from bench.large import SIZES

        chosen = tuple(s for s in sizes if s in SIZES) or tuple(SIZES)
        result = run(sizes=chosen, progress=self.stdout.write)
        self.stdout.write(render_rows(result["rows"]))
        path.write_text(json.dumps(result, indent=2) + "\n")
        return result


def _rows(result) -> list[dict]:
    if isinstance(result, dict):
        return [r for r in result.get("rows", []) if isinstance(r, dict)]
    return []
