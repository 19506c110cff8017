"""Benchmark: importing a large STIX bundle, in links per second, against a baseline.

The import path (read the bundle, validate, diff against the graph, write in
one transaction) runs in a child process of its own, so its peak memory is
measured alone. The baseline writes the same rows with plain batched
``UNWIND ... MERGE`` through the driver (``repository.plain_merge``), in the
same run against the same server.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import numpy as np

from taxonomy.domain.records import (
    STRENGTHS,
    Layer,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.formats.stix import stix_bundle
from taxonomy.graph import driver, repository

NAME = "bench"
_STRENGTH_P = (0.6, 0.3, 0.1)


def bench_taxonomy(
    *, threats: int, mitigations: int, links: int, layers: int = 8, seed: int = 7
) -> Taxonomy:
    """A taxonomy ``bench`` of the given size; every mitigation mitigates
    ``links // mitigations`` distinct threats drawn at random.

    >>> t = bench_taxonomy(threats=10, mitigations=2, links=6, layers=2)
    >>> len(t.mitigates), len({(x.mitigation, x.threat) for x in t.mitigates})
    (6, 6)
    """
    rng = np.random.default_rng(seed)
    layer_records = tuple(
        Layer(f"{NAME}:l{i}", f"Layer {i}", taxonomy=NAME) for i in range(layers)
    )
    threat_records = tuple(
        Threat(
            f"{NAME}:t{i:06d}",
            f"Threat {i}",
            f"A synthetic misuse vector, number {i}, described in one sentence.",
            taxonomy=NAME,
        )
        for i in range(threats)
    )
    mitigation_records = tuple(
        Mitigation(
            f"{NAME}:m{i:05d}",
            f"Mitigation {i}",
            layer_records[i % layers].id,
            "deployed",
            f"A synthetic mitigation, number {i}.",
            taxonomy=NAME,
        )
        for i in range(mitigations)
    )
    per = links // mitigations
    strengths = rng.choice(len(STRENGTHS), size=per * mitigations, p=_STRENGTH_P)
    mitigates = []
    for i, m in enumerate(mitigation_records):
        for j, t in enumerate(rng.choice(threats, size=per, replace=False)):
            mitigates.append(
                Mitigates(
                    m.id,
                    threat_records[t].id,
                    STRENGTHS[strengths[i * per + j]],
                    f"Why mitigation {i} acts on threat {t}.",
                )
            )
    return Taxonomy(
        layers=layer_records,
        threats=threat_records,
        mitigations=mitigation_records,
        mitigates=tuple(mitigates),
    )


def _props(record, *skip: str) -> dict:
    """The properties the import path writes for a record (version 1, lists)."""
    props = {}
    for f in fields(record):
        if f.name not in skip:
            value = getattr(record, f.name)
            props[f.name] = list(value) if isinstance(value, tuple) else value
    return {**props, "version": 1}


def plain_rows(taxonomy: Taxonomy) -> dict[str, list[dict]]:
    """The rows of ``repository.plain_merge`` for a taxonomy: the same
    properties the import path writes, so only the path differs.

    >>> rows = plain_rows(bench_taxonomy(threats=2, mitigations=1, links=1, layers=1))
    >>> sorted(rows["mitigates"][0]["props"])
    ['rationale', 'sources', 'stix', 'strength', 'version']
    """
    return {
        "layer": [{"id": x.id, "props": _props(x, "id")} for x in taxonomy.layers],
        "threat": [{"id": x.id, "props": _props(x, "id")} for x in taxonomy.threats],
        "mitigation": [
            {"id": x.id, "props": _props(x, "id", "layer")}
            for x in taxonomy.mitigations
        ],
        "in_layer": [{"id": x.id, "layer": x.layer} for x in taxonomy.mitigations],
        "mitigates": [
            {
                "source": x.mitigation,
                "target": x.threat,
                "props": _props(x, "mitigation", "threat"),
            }
            for x in taxonomy.mitigates
        ],
    }


def child_env() -> dict[str, str]:
    """The environment of a benchmark's child process: this process's server."""
    target = driver.current_target()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "NEO4J_URI": target.uri,
        "NEO4J_USER": target.user,
        "NEO4J_PASSWORD": target.password,
        "NEO4J_DATABASE": target.database,
    }
    env.pop("NEO4J_PASSWORD_FILE", None)
    return env


def _import_in_child(path: Path) -> dict:
    """Run the import path on ``path`` in a fresh process against this process's server."""
    env = child_env()
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "bench.interchange", str(path)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(path: str) -> None:
    """The child process: import the bundle, print seconds and peak memory as JSON."""
    import django

    django.setup()
    from taxonomy import services

    def progress(done: int, total: int) -> None:
        if done == total or done % 50_000 < 5_000:
            print(f"  import: written {done}/{total} changes", file=sys.stderr)

    started = time.perf_counter()
    with open(path, "rb") as bundle:
        result = services.catalogue_import(
            format="stix", data=bundle, taxonomy=NAME, progress=progress
        )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "changes": len(result.changes.changes),
                "peak_rss_mb": round(_peak_rss_kib() / 1024),
            }
        )
    )


def _peak_rss_kib() -> int:
    """This process's peak resident memory.

    ``VmHWM`` where Linux has it: unlike ``ru_maxrss`` it is not inherited
    from the parent's image across fork and exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_import_bench(
    *,
    threats: int = 20_000,
    mitigations: int = 2_000,
    links: int = 200_000,
    layers: int = 8,
    runs: int = 3,
    progress: Callable[[str], None] = print,
) -> dict:
    """Time the STIX import path and the plain UNWIND...MERGE baseline.

    The server's graph is emptied before and after: run it only against a
    server whose data may be thrown away (``make bench`` uses the tests'
    instance). After a warm-up, each run writes the baseline into an empty
    graph and imports the bundle into an empty graph (alternating which goes
    first); the medians count. ``peak_rss_mb`` is the largest peak resident
    memory of an import process.
    """
    progress(
        f"import: generating {threats} threats, {mitigations} mitigations, {links} links"
    )
    taxonomy = bench_taxonomy(
        threats=threats, mitigations=mitigations, links=links, layers=layers
    )
    written = len(taxonomy.mitigates)
    rows = plain_rows(taxonomy)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.stix.json"
        path.write_text(stix_bundle(taxonomy, name=NAME), encoding="utf-8")
        del taxonomy
        size_mb = path.stat().st_size / 1e6
        progress(f"import: bundle of {size_mb:.0f} MB")
        repository.schema_apply()
        repository.graph_clear()
        repository.plain_merge(
            {k: v[: len(v) // 10] for k, v in rows.items()}
        )  # warm-up
        baseline, imported, peaks = [], [], []
        for run in range(1, runs + 1):
            # Alternate which goes first, so neither always meets a warmer server.
            for step in ("baseline", "import") if run % 2 else ("import", "baseline"):
                repository.graph_clear()
                if step == "baseline":
                    started = time.perf_counter()
                    repository.plain_merge(rows)
                    baseline.append(time.perf_counter() - started)
                    progress(f"import: run {run}/{runs}: baseline {baseline[-1]:.1f} s")
                    continue
                child = _import_in_child(path)
                imported.append(child["seconds"])
                peaks.append(child["peak_rss_mb"])
                if repository.mitigates_count(taxonomy=NAME) != written:
                    raise RuntimeError("the import did not write every link")
                progress(
                    f"import: run {run}/{runs}: import {child['seconds']:.1f} s, "
                    f"peak {child['peak_rss_mb']} MB"
                )
        repository.graph_clear()
    base_s, import_s = statistics.median(baseline), statistics.median(imported)
    return {
        "name": "STIX import",
        "threats": threats,
        "mitigations": mitigations,
        "links": written,
        "bundle_mb": round(size_mb, 1),
        "baseline_seconds": round(base_s, 2),
        "baseline_links_per_second": round(written / base_s),
        "import_seconds": round(import_s, 2),
        "import_links_per_second": round(written / import_s),
        "ratio_to_baseline": round(base_s / import_s, 3),
        "peak_rss_mb": max(peaks),
    }


if __name__ == "__main__":
    _child(sys.argv[1])
