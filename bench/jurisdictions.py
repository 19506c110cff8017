"""Benchmark of coverage per jurisdiction and the world view beside one analysis.

Each size runs in a fresh process (so memory figures do not mix). On the
synthetic taxonomy of the size and a synthetic geography of 50 jurisdictions
(``synthetic_geography``: 42 states, 5 blocs, 3 multilateral bodies, random
memberships and in-force links with dates), with the model built once:

1. **one analysis**: ``run_scenario`` with nothing disabled, the figure the
   others are ratios of (median of runs);
2. **every jurisdiction + world view**: ``coverage_by_jurisdiction`` of all
   50 on a date, then ``world_view`` reusing it (median of runs), as a ratio
   of the analysis, and the peak resident memory during it (``VmHWM``, reset
   just before; it includes the taxonomy and the model already in memory);
3. **one jurisdiction, whole analysis**: ``analyse_in`` for one state
   (informative: what a page asking ``jurisdiction=J`` costs).

Run ``python -m bench.jurisdictions [--sizes small,large] [--out FILE]``.
"""

from __future__ import annotations

import datetime
import statistics
import sys
from collections.abc import Callable
from functools import partial

import numpy as np

from bench.analysis import (
    _peak_mib,
    _reset_peak,
    _row,
    _timed,
    fresh_process_suite,
)

JURISDICTIONS = 50
AS_OF = datetime.date(2025, 6, 1)
REPEATS = {"small": 5, "large": 2}
TARGETS = {
    ("large", "every jurisdiction + world view / analysis"): ("x", 5.0),
    ("large", "peak memory"): ("MiB", 2048.0),
}


def synthetic_geography(taxonomy, *, jurisdictions: int = JURISDICTIONS, seed: int = 0):
    """A random geography over a taxonomy, the same for the same seed.

    Three multilateral bodies and five blocs, the rest states; each state
    joins each bloc with probability 0.1 and each multilateral body with 0.3,
    each bloc a multilateral body with 0.3 (a fifth of the memberships start
    on a date). Half the mitigations are bound, each to 1–15 random
    jurisdictions at a random maturity (a fifth start on a date, a tenth end
    on one); 2% of the mitigations act everywhere; 10% of the threats are
    mobile; every jurisdiction has a weight.

    >>> from taxonomy.formats.synthetic import synthetic_taxonomy
    >>> geo = synthetic_geography(synthetic_taxonomy(threats=20, mitigations=10,
    ...     layers=3, links=50), jurisdictions=12)
    >>> len(geo.jurisdictions), sorted({j.kind for j in geo.jurisdictions})
    (12, ['bloc', 'multilateral', 'state'])
    """
    from taxonomy.domain.jurisdictions import (
        Everywhere,
        Geography,
        InForce,
        Jurisdiction,
        Membership,
        Mobile,
    )
    from taxonomy.domain.records import MATURITIES

    rng = np.random.default_rng(seed)
    multilateral = [f"x{i}" for i in range(3)]
    blocs = [f"b{i}" for i in range(5)]
    states = [f"s{i:03d}" for i in range(jurisdictions - 8)]
    weights = rng.dirichlet(np.ones(jurisdictions)) * 100
    kinds = (
        [(j, "multilateral") for j in multilateral]
        + [(j, "bloc") for j in blocs]
        + [(j, "state") for j in states]
    )

    def dated(p: float) -> datetime.date | None:
        if rng.random() >= p:
            return None
        return AS_OF + datetime.timedelta(days=int(rng.integers(-900, 900)))

    memberships = [
        Membership(member, body, since=dated(0.2))
        for members, bodies, p in (
            (states, blocs, 0.1),
            (states, multilateral, 0.3),
            (blocs, multilateral, 0.3),
        )
        for member in members
        for body in bodies
        if rng.random() < p
    ]
    ids = [j for j, _ in kinds]
    mitigations = [m.id for m in taxonomy.mitigations]
    bound = [m for m in mitigations if rng.random() < 0.5]
    in_force = []
    for m in bound:
        for j in rng.choice(
            len(ids), size=min(int(rng.integers(1, 16)), len(ids)), replace=False
        ):
            since, until = dated(0.2), None
            if rng.random() < 0.1:
                until = (since or AS_OF) + datetime.timedelta(
                    days=int(rng.integers(1, 900))
                )
            maturity = MATURITIES[int(rng.integers(len(MATURITIES)))]
            in_force.append(InForce(m, ids[j], maturity, since=since, until=until))
    return Geography(
        jurisdictions=tuple(
            Jurisdiction(j, j.upper(), kind, weight=float(w))
            for (j, kind), w in zip(kinds, weights, strict=True)
        ),
        memberships=tuple(memberships),
        in_force=tuple(in_force),
        everywhere=tuple(Everywhere(m) for m in mitigations if rng.random() < 0.02),
        mobile=tuple(Mobile(t.id) for t in taxonomy.threats if rng.random() < 0.1),
    )


def measure(size: str) -> dict:
    """Measure one size in this process (see the module docstring).

    >>> sorted(measure("small"))[:3]
    ['analysis_s', 'every_jurisdiction_s', 'in_force_links']
    """
    from taxonomy.analysis.compiled import coverage_model
    from taxonomy.analysis.fast import run_scenario
    from taxonomy.analysis.jurisdictions import analyse_in, coverage_by_jurisdiction
    from taxonomy.analysis.world import world_view
    from taxonomy.domain.scenario import Scenario
    from taxonomy.formats.synthetic import SIZES, synthetic_taxonomy

    taxonomy = synthetic_taxonomy(**SIZES[size], seed=0)
    geography = synthetic_geography(taxonomy)
    model = coverage_model(taxonomy)
    scenario, repeats = Scenario(), REPEATS.get(size, 3)

    def median(fn: Callable[[], object]) -> float:
        return statistics.median(_timed(fn)[0] for _ in range(repeats))

    def every_jurisdiction():
        run = coverage_by_jurisdiction(model, geography, scenario, as_of=AS_OF)
        return world_view(model, geography, scenario, as_of=AS_OF, per_jurisdiction=run)

    result = {
        "size": size,
        "links": len(taxonomy.mitigates),
        "jurisdictions": len(geography.jurisdictions),
        "in_force_links": len(geography.in_force),
        "analysis_s": median(lambda: run_scenario(model, scenario)),
    }
    reset = _reset_peak()
    result["every_jurisdiction_s"] = median(every_jurisdiction)
    result["peak_mib"], result["peak_kind"] = _peak_mib(reset)
    view = every_jurisdiction()
    result["places"] = len(view.places)
    result["mobile_threats"] = int(view.mobile.sum())
    state = view.places[0]
    result["one_jurisdiction_s"] = median(
        lambda: analyse_in(model, geography, scenario, state, as_of=AS_OF)
    )
    return result


def rows_of(result: dict) -> list[dict]:
    """The table rows of one size.

    >>> rows = rows_of({"size": "large", "links": 10, "jurisdictions": 50,
    ...     "in_force_links": 9, "places": 42, "mobile_threats": 3,
    ...     "analysis_s": 1.0, "every_jurisdiction_s": 3.0, "peak_mib": 900.0,
    ...     "peak_kind": "VmHWM since reset", "one_jurisdiction_s": 1.1})
    >>> [(r["measure"], r["ok"]) for r in rows][1:3]
    [('every jurisdiction + world view / analysis', True), ('peak memory', True)]
    """
    size, base = result["size"], result["analysis_s"]
    row = partial(_row, size, targets=TARGETS)

    every = result["every_jurisdiction_s"]
    return [
        row("one analysis", base, "s", f"{result['links']} links, median"),
        row(
            "every jurisdiction + world view / analysis",
            every / base,
            "x",
            f"{every:.3f} s for {result['jurisdictions']} jurisdictions "
            f"({result['in_force_links']} in-force links), {result['places']} "
            f"places, {result['mobile_threats']} mobile threats",
        ),
        row("peak memory", result["peak_mib"], "MiB", result["peak_kind"]),
        row(
            "one jurisdiction, whole analysis",
            result["one_jurisdiction_s"],
            "s",
            f"{result['one_jurisdiction_s'] / base:.1f}x the analysis, informative",
        ),
    ]


# The jurisdictions suite: each size in a fresh process.
run_jurisdictions_bench, main = fresh_process_suite(
    measure, rows_of, name="jurisdictions", default_sizes="small,large"
)


if __name__ == "__main__":
    sys.exit(main())
