"""Benchmark: server-side render time of each browser page on the seed taxonomy,
and of the matrix grouped by tactic and the incident pages on MITRE ATLAS."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.test import Client

from taxonomy import services
from taxonomy.formats.atlas import atlas_parse
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
# (name, url, headers) of the pages timed on ATLAS (170 techniques, 16 tactics,
# 57 case studies); the htmx request is what a change of the scenario fetches.
ATLAS_PAGES = (
    ("matrix by tactic", "/coverage/?taxonomy=atlas", {}),
    (
        "matrix by tactic (htmx region)",
        "/coverage/?taxonomy=atlas",
        {"HTTP_HX_REQUEST": "true"},
    ),
    (
        "matrix by tactic, only gaps, by demand",
        "/coverage/?taxonomy=atlas&gaps=1&sort=demand",
        {},
    ),
    ("incidents", "/incidents/?taxonomy=atlas", {}),
    ("incident", "/incidents/atlas:AML.CS0000/", {}),
)


def _timed(
    client: Client, name: str, url: str, *, size: str, runs: int, **headers
) -> dict:
    """The median of ``runs`` renders of one page, after a warm-up that checks it."""
    assert client.get(url, **headers).status_code == 200, url
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    return {
        "size": size,
        "measure": f"page: {name}",
        "value": round(median, 2),
        "unit": "ms",
        "target": f"< {TARGET_MS:g} ms",
        "ok": median < TARGET_MS,
        "note": f"median of {runs}, p90 {sorted(timings)[int(runs * 0.9) - 1]:.1f} ms",
    }


def run_pages_bench(
    *, runs: int = 30, progress: Callable[[str], None] = print
) -> list[dict]:
    """Render every page ``runs`` times in-process (Neo4j read included).

    The test server's graph is replaced by the seed fixtures and, beside
    them, the ATLAS taxonomy of the published file at LAYERWISE_ATLAS_PATH
    (parsed and written whole); without that file its pages are not timed.
    """
    repository.graph_clear()
    repository.schema_apply()
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    client = Client()
    rows = []
    pages = [("seed", name, url, {}) for name, url in PAGES]
    atlas_file = settings.LAYERWISE_ATLAS_PATH
    if atlas_file.is_file():
        atlas, _ = atlas_parse(atlas_file.read_text(encoding="utf-8"))
        services.taxonomy_apply(taxonomy=atlas, scope="atlas")
        pages += [("atlas", name, url, headers) for name, url, headers in ATLAS_PAGES]
    else:
        progress(
            f"pages: no MITRE ATLAS file at {atlas_file} (LAYERWISE_ATLAS_PATH): "
            "its pages are not timed; docs/benchmarks.md says how to download it"
        )
    for size, name, url, headers in pages:
        rows.append(_timed(client, name, url, size=size, runs=runs, **headers))
        progress(f"pages: {size} {name}: {rows[-1]['value']:.1f} ms")
    repository.graph_clear()
    return rows
