"""Benchmark: server-side render time of each browser page on the seed taxonomy."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.test import Client

from taxonomy import services
from taxonomy.graph import repository

TARGET_MS = 100.0
PAGES = (
    ("overview", "/"),
    ("coverage matrix", "/coverage/"),
    (
        "matrix, hardware off, compared",
        "/coverage/?disable_layer=hardware&compare=baseline",
    ),
    ("threat", "/threats/guardrail-removal/"),
    ("mitigation", "/mitigations/chip-attestation/"),
    ("layer", "/layers/institutional/"),
    ("source", "/sources/qi-2024/"),
    ("combinations", "/combinations/"),
    ("graph explorer", "/graph/"),
    ("search", "/search/?q=export"),
    ("brief", "/brief/"),
    ("robustness", "/robustness/"),
    ("robustness, full dependence", "/robustness/?dependence=full"),
    ("what to do next", "/next/?budget=3"),
)


def run_pages_bench(
    *, runs: int = 30, progress: Callable[[str], None] = print
) -> list[dict]:
    """Render every page ``runs`` times in-process (Neo4j read included).

    The test server's graph is replaced by the seed fixtures first.
    """
    repository.graph_clear()
    repository.schema_apply()
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    client = Client()
    rows = []
    for name, url in PAGES:
        assert client.get(url).status_code == 200, url  # warm-up, and a sanity check
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        median = statistics.median(timings)
        rows.append(
            {
                "size": "seed",
                "measure": f"page: {name}",
                "value": round(median, 2),
                "unit": "ms",
                "target": f"< {TARGET_MS:g} ms",
                "ok": median < TARGET_MS,
                "note": f"median of {runs}, p90 {sorted(timings)[int(runs * 0.9) - 1]:.1f} ms",
            }
        )
        progress(f"pages: {name}: {median:.1f} ms")
    repository.graph_clear()
    return rows
