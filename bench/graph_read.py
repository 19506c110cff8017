"""Benchmark: reading a whole taxonomy out of Neo4j, in records per second,
and copying a load's audit journal into the audit table, in records per second."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.db import transaction

from taxonomy import audit, services
from taxonomy.formats.synthetic import SIZES, synthetic_taxonomy
from taxonomy.graph import repository


def _record_count(taxonomy) -> int:
    return sum(
        len(getattr(taxonomy, name))
        for name in (
            "layers",
            "threats",
            "mitigations",
            "sources",
            "mitigates",
            "enables",
            "requires",
            "introduces",
            "subtypes",
        )
    )


def run_read_bench(
    *, size: str = "small", runs: int = 5, progress: Callable[[str], None] = print
) -> dict:
    """Load a synthetic taxonomy into the (test) server, then time full reads.

    The server's graph is emptied first: run it only against a server whose
    data may be thrown away (``make bench`` uses the tests' instance).
    """
    spec = SIZES[size]
    progress(f"read[{size}]: generating {spec}")
    taxonomy = synthetic_taxonomy(**spec, seed=7)
    repository.graph_clear()
    repository.schema_apply()
    progress(f"read[{size}]: loading into Neo4j (one transaction)")
    started = time.perf_counter()
    services.taxonomy_apply(taxonomy=taxonomy)
    load_s = time.perf_counter() - started
    timings = []
    records = 0
    for i in range(runs):
        started = time.perf_counter()
        snapshot = repository.taxonomy_read()
        timings.append(time.perf_counter() - started)
        records = _record_count(snapshot)
        progress(f"read[{size}]: run {i + 1}/{runs}: {timings[-1]:.3f} s")
    repository.graph_clear()
    median = statistics.median(timings)
    return {
        "name": f"neo4j read ({size})",
        "records": records,
        "load_seconds": round(load_s, 3),
        "read_seconds_median": round(median, 4),
        "read_seconds_min": round(min(timings), 4),
        "records_per_second": round(records / median),
    }


class _Undone(Exception):
    """Raised to roll the audit table back at the end of the copy's bench."""


def run_audit_copy_bench(
    *, size: str = "small", runs: int = 3, progress: Callable[[str], None] = print
) -> dict:
    """Load a synthetic taxonomy with its journal (as ``taxonomy load`` does),
    then time the copy of the whole journal into the audit table
    (``audit.audit_rebuild``).

    Everything written to the audit table is rolled back at the end, so the
    bench leaves the database's log as it found it; the server's graph is
    emptied, as in ``run_read_bench``. On SQLite (the default) the one
    transaction holds the database's write lock for the bench's few seconds:
    a dev server's writes wait for it.
    """
    spec = SIZES[size]
    progress(f"audit copy[{size}]: generating {spec}")
    taxonomy = synthetic_taxonomy(**spec, seed=7)
    repository.graph_clear()
    repository.schema_apply()
    timings: list[float] = []
    copied = 0
    try:
        with transaction.atomic():
            progress(f"audit copy[{size}]: loading with its journal")
            services.taxonomy_apply(
                taxonomy=taxonomy, actor="bench", channel="fixtures"
            )
            for i in range(runs):
                started = time.perf_counter()
                copied = audit.audit_rebuild()
                timings.append(time.perf_counter() - started)
                progress(
                    f"audit copy[{size}]: run {i + 1}/{runs}: "
                    f"{copied} records in {timings[-1]:.3f} s"
                )
            raise _Undone
    except _Undone:
        pass
    finally:
        repository.graph_clear()
    median = statistics.median(timings)
    return {
        "name": f"audit copy ({size})",
        "records": copied,
        "read_seconds_median": round(median, 4),
        "records_per_second": round(copied / median),
    }
