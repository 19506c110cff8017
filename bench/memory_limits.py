"""Benchmark: the largest STIX import Neo4j's default memory limits take.

Neo4j aborts a transaction that holds more memory than
``db.memory.transaction.max`` (half the heap by default, see
``taxonomy.graph.server``). This imports bundles of a few sizes through the
real import path while sampling the memory Neo4j reports for the import's
transaction (``SHOW TRANSACTIONS``, the figure the limit is checked against),
fits bytes per link, and from it the largest import that fits each default
heap. About a minute: the sizes are small and the line is extrapolated (a
server whose own limit is smaller stops at the sizes that fit it).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.interchange import NAME, bench_taxonomy
from taxonomy import services
from taxonomy.domain.errors import WriteTooLarge
from taxonomy.formats.stix import stix_bundle
from taxonomy.graph import driver, repository, server

SIZES = (5_000, 10_000, 20_000, 40_000)
_SAMPLE_SECONDS = 0.02
_OTHERS = "SHOW TRANSACTIONS YIELD currentQuery, estimatedUsedHeapMemory AS bytes"


class _PeakSampler(threading.Thread):
    """Polls the largest memory any other transaction holds until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        with driver.get_driver().session(database=driver.database()) as session:
            while not self._done.wait(_SAMPLE_SECONDS):
                for row in session.run(_OTHERS):
                    if not (row["currentQuery"] or "").startswith("SHOW"):
                        self.peak = max(self.peak, row["bytes"] or 0)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def _measure(links: int, folder: Path) -> dict:
    """Import a bundle of ``links`` links into an empty graph; its bytes and peak."""
    taxonomy = bench_taxonomy(
        threats=links // 10, mitigations=max(links // 100, 1), links=links
    )
    path = folder / f"{links}.stix.json"
    path.write_text(stix_bundle(taxonomy, name=NAME), encoding="utf-8")
    repository.graph_clear()
    sampler = _PeakSampler()
    sampler.start()
    with path.open("rb") as data:
        services.catalogue_import(format="stix", data=data, taxonomy=NAME)
    return {
        "links": links,
        "objects": len(taxonomy.threats) + len(taxonomy.mitigations) + links,
        "bundle_bytes": path.stat().st_size,
        "tx_peak_bytes": sampler.stop(),
    }


def largest_import(limit: int, per_link: float, fixed: float) -> int:
    """The links of the largest import whose transaction fits in ``limit`` bytes.

    >>> largest_import(1000, per_link=10.0, fixed=100.0)
    90
    """
    return max(int((limit - fixed) / per_link), 0)


def run_limits_bench(*, progress: Callable[[str], None] = print) -> dict:
    """Measure transaction memory per link and the largest import per default heap.

    Empties the server's graph: run it only against a server whose data may
    be thrown away (``make bench`` uses the tests' instance).
    """
    repository.schema_apply()
    with tempfile.TemporaryDirectory() as folder:
        runs = []
        for links in SIZES:
            try:
                runs.append(_measure(links, Path(folder)))
            except WriteTooLarge:
                progress(f"limits: {links} links exceed this server's limit")
                break
            progress(
                f"limits: {links} links, bundle {runs[-1]['bundle_bytes'] / 1e6:.1f} MB, "
                f"transaction peak {runs[-1]['tx_peak_bytes'] / 2**20:.0f} MiB"
            )
    repository.graph_clear()
    x = [r["links"] for r in runs]
    per_link, fixed = np.polyfit(x, [r["tx_peak_bytes"] for r in runs], 1)
    bundle_per_link = np.polyfit(x, [r["bundle_bytes"] for r in runs], 1)[0]
    objects_per_link = runs[-1]["objects"] / runs[-1]["links"]
    rows = []
    heaps = {
        "smallest default heap": server.HEAP_BOUNDS[0],
        "largest default heap": server.HEAP_BOUNDS[1],
        "this machine's default heap": server.default_heap(server.machine_memory()),
    }
    for label, heap in heaps.items():
        limit = int(heap * server.TX_SHARE)
        links = largest_import(limit, per_link, fixed)
        rows.append(
            {
                "size": f"heap {heap // server.MIB} MiB",
                "measure": f"largest import ({label})",
                "value": links / 1000,
                "unit": "k links",
                "target": "",
                "ok": None,
                "note": (
                    f"about {links * objects_per_link:,.0f} STIX objects, a "
                    f"{links * bundle_per_link / 1e6:.0f} MB bundle; "
                    f"db.memory.transaction.max {limit // server.MIB} MiB"
                ),
            }
        )
    return {
        "name": "import memory limits",
        "runs": runs,
        "tx_bytes_per_link": round(per_link),
        "tx_fixed_bytes": round(fixed),
        "bundle_bytes_per_link": round(bundle_per_link),
        "rows": rows,
    }
