"""Benchmark of coverage through a mapping set (issue 26): another catalogue
read against our taxonomy through a large crosswalk.

Each size runs in a fresh process. Both taxonomies come from
``synthetic_taxonomy`` (``large``: 100k threats, 5k mitigations, 16 layers,
1M links each, different seeds; ``small``: 1k threats); the mapping set
(``synthetic_mapping``) has ``large`` 100k rows (``small`` 1k): each of
their threats mapped to none, one or several of ours, every predicate of the
vocabulary, random confidences. The scenario is every proposal adopted.
Timed, each the median of three runs:

- **target analysis**: ``coverage_model`` + ``run_scenario`` of THEIR
  taxonomy (what its own coverage document costs);
- **coverage through the mapping**: ``coverage_model`` + ``run_scenario`` of
  OUR taxonomy plus ``crosswalk_document`` of their threats through the
  100k rows, i.e. the whole ``through=`` document; target < 2x the target
  analysis;
- **crosswalk only**: the rows oriented and walked on an analysis already run
  (informative).

Then, against the benchmark's Neo4j (``run_load_bench``, whose graph it
erases): a set of 100k rows (2k without ``large``) saved as ``mappings load``
saves a set its reader has checked (``services.mapping_set_save``, a staged
load past ``LAYERWISE_STAGED_WRITE_ITEMS`` rows), beside the plain fixture
load (``services.taxonomy_apply``, records not read from files either) of a
taxonomy with as many MITIGATES links, in links per second; target at least
60% of the plain load's, printed beside the ratio.

Run ``python -m bench.crosswalk [--sizes small,large] [--out FILE]``.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

from bench.analysis import (
    _row,
    fresh_process_suite,
    median_timed,
    render_rows,
)
from taxonomy.domain.mappings import PREDICATES, MappingRow, MappingSet

ROWS = {"small": 1_000, "large": 100_000}
REPEATS = 3
TARGETS = {("large", "through / target analysis"): ("x", 2.0)}


def synthetic_mapping(
    theirs: list[str],
    ours: list[str],
    *,
    rows: int,
    seed: int = 0,
    names: tuple[str, str] = ("theirs", "ours"),
) -> MappingSet:
    """A mapping set "their threat → our threat" of ``rows`` distinct pairs
    (at most ``len(theirs) * len(ours)``), random predicates and confidences
    (one in ten unstated); ``names`` the two taxonomies (subject, object),
    also the CURIEs' prefixes.

    >>> m = synthetic_mapping(["a", "b"], ["x", "y"], rows=3)
    >>> len(m.rows), m.subject_source, m.rows[0].subject_id.split(":")[0]
    (3, 'theirs', 'theirs')
    """
    rng = np.random.default_rng(seed)
    rows = min(rows, len(theirs) * len(ours))
    pairs = rng.choice(len(theirs) * len(ours), size=rows, replace=False)
    predicate = rng.integers(0, len(PREDICATES), size=rows).tolist()
    confidence = np.round(rng.random(rows), 3).tolist()
    unstated = (rng.random(rows) < 0.1).tolist()
    made = tuple(
        MappingRow(
            f"{names[0]}:{theirs[p // len(ours)]}",
            PREDICATES[k],
            f"{names[1]}:{ours[p % len(ours)]}",
            confidence=None if none else c,
        )
        for p, k, c, none in zip(
            pairs.tolist(), predicate, confidence, unstated, strict=True
        )
    )
    return MappingSet(
        "https://example.org/bench",
        *names,
        license="https://creativecommons.org/licenses/by/4.0/",
        curie_map=tuple(sorted((n, f"https://example.org/{n}/") for n in names)),
        rows=made,
    )


def _median(fn) -> tuple[float, object]:
    return median_timed(fn, REPEATS)


def measure(size: str) -> dict:
    """Measure one size in this process (see the module docstring).

    >>> measure("small")["rows"]
    1000
    """
    from taxonomy.analysis.compiled import coverage_model
    from taxonomy.analysis.crosswalk_report import crosswalk_document
    from taxonomy.analysis.fast import run_scenario
    from taxonomy.domain.scenario import Scenario
    from taxonomy.formats.synthetic import SIZES as THREAT_SIZES
    from taxonomy.formats.synthetic import synthetic_taxonomy

    ours = synthetic_taxonomy(**THREAT_SIZES[size], seed=0)
    theirs = synthetic_taxonomy(**THREAT_SIZES[size], seed=1)
    mapping = synthetic_mapping(
        [t.id for t in theirs.threats], [t.id for t in ours.threats], rows=ROWS[size]
    )
    scenario = Scenario()
    # The records are built once and live to the end: out of the collector's
    # sight, so a collection during one timed run does not rescan millions of
    # them (the same for both measures).
    gc.collect()
    gc.freeze()

    def target():
        return run_scenario(coverage_model(theirs), scenario)

    def through():
        analysis = run_scenario(coverage_model(ours), scenario)
        return crosswalk_document(theirs, "theirs", analysis, ours, mapping)

    result: dict = {"size": size, "threats": len(ours.threats), "rows": ROWS[size]}
    result["links"] = len(ours.mitigates)
    result["target_s"], _ = _median(target)
    result["through_s"], document = _median(through)
    analysis = run_scenario(coverage_model(ours), scenario)
    result["crosswalk_s"], _ = _median(
        lambda: crosswalk_document(theirs, "theirs", analysis, ours, mapping)
    )
    result["ratio"] = result["through_s"] / result["target_s"]
    result["addressed"] = document["addressed"]
    result["summary"] = document["summary"]
    return result


def rows_of(result: dict) -> list[dict]:
    """The table rows of one size, each beside its target.

    >>> rows = rows_of({"size": "large", "threats": 100000, "rows": 100000,
    ...     "links": 1000000, "target_s": 10.0, "through_s": 11.0,
    ...     "crosswalk_s": 1.0, "ratio": 1.1, "addressed": 5,
    ...     "summary": {"outside-the-taxonomy": 3}})
    >>> [(r["measure"], r["ok"]) for r in rows]
    [('target analysis', None), ('coverage through the mapping', None), ('through / target analysis', True), ('crosswalk only', None)]
    """
    size = result["size"]
    shape = (
        f"{result['threats']} threats, {result['links']} links a side; "
        f"{result['rows']} mapping rows"
    )
    outside = result["summary"].get("outside-the-taxonomy", 0)
    return [
        _row(size, "target analysis", result["target_s"], "s", shape, TARGETS),
        _row(
            size,
            "coverage through the mapping",
            result["through_s"],
            "s",
            f"our analysis + crosswalk; {result['addressed']} items addressed, "
            f"{outside} outside the taxonomy",
            TARGETS,
        ),
        _row(size, "through / target analysis", result["ratio"], "x", "", TARGETS),
        _row(size, "crosswalk only", result["crosswalk_s"], "s", "", TARGETS),
    ]


# The crosswalk suite: each size in a fresh process.
run_analysis_sizes, main = fresh_process_suite(
    measure, rows_of, name="crosswalk", default_sizes="small,large"
)
LOAD_TARGET = 0.6


def run_load_bench(*, rows: int = 100_000, progress=print) -> dict:
    """A set of ``rows`` rows written into Neo4j (``services.mapping_set_save``,
    all or nothing) beside the plain fixture load of a taxonomy with
    as many MITIGATES links (``services.taxonomy_apply``), in links (rows)
    per second; target at least ``LOAD_TARGET`` of the plain load's. Erases
    the server's graph."""
    from taxonomy import services
    from taxonomy.domain.records import Taxonomy, Threat
    from taxonomy.formats.synthetic import synthetic_taxonomy
    from taxonomy.graph import repository

    threats = max(rows // 10, 10)
    ours = synthetic_taxonomy(
        threats=threats, mitigations=max(threats // 20, 5), layers=8, links=rows
    )
    theirs = Taxonomy(
        threats=tuple(
            Threat(f"x{i:06d}", f"Item {i}", taxonomy="theirs") for i in range(threats)
        )
    )
    mapping = synthetic_mapping(
        [t.id for t in theirs.threats],
        [t.id for t in ours.threats],
        rows=rows,
        names=("theirs", "layerwise"),
    )
    repository.schema_apply()
    repository.graph_clear()
    started = time.perf_counter()
    services.taxonomy_apply(taxonomy=ours, scope="layerwise")
    plain_s = time.perf_counter() - started
    services.taxonomy_apply(taxonomy=theirs, scope="theirs")
    started = time.perf_counter()
    # Checked by construction, as the plain load's records are: the file
    # checks a load reads it with are no part of either write.
    services.mapping_set_save(mapping_set=mapping, channel=None, checked=True)
    load_s = time.perf_counter() - started
    repository.graph_clear()
    plain, load = len(ours.mitigates) / plain_s, len(mapping.rows) / load_s
    ratio = load / plain
    progress(
        f"crosswalk load: {len(mapping.rows)} rows in {load_s:.1f} s "
        f"({load:,.0f}/s) beside the plain load's {len(ours.mitigates)} links in "
        f"{plain_s:.1f} s ({plain:,.0f}/s): {ratio:.2f}x the plain load's links/s "
        f"(target >= {LOAD_TARGET:g}x, {'met' if ratio >= LOAD_TARGET else 'MISSED'})"
    )
    return {
        "rows": len(mapping.rows),
        "plain_s": plain_s,
        "load_s": load_s,
        "ratio": ratio,
        "row": {
            "size": f"{rows // 1000}k rows",
            "measure": "set load / plain load (links/s)",
            "value": round(ratio, 3),
            "unit": "x",
            "target": f">= {LOAD_TARGET:g} x",
            "ok": ratio >= LOAD_TARGET,
            "note": f"{load:,.0f} rows/s beside {plain:,.0f} links/s",
        },
    }


def run_crosswalk_bench(*, sizes, out_path, progress=print) -> dict:
    """The analysis sizes in fresh processes, then the load into Neo4j (at
    100k rows with ``large``, else 2k); one JSON with every row."""
    document = run_analysis_sizes(sizes=sizes, out_path=out_path, progress=progress)
    loaded = run_load_bench(
        rows=100_000 if "large" in sizes else 2_000, progress=progress
    )
    document["load"] = {k: v for k, v in loaded.items() if k != "row"}
    document["rows"].append(loaded["row"])
    progress(render_rows([loaded["row"]]))
    Path(out_path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document


if __name__ == "__main__":
    sys.exit(main())
