"""Benchmark of the incident analysis: documented incidents replayed against a scenario.

Each size runs in a fresh process. The threats come from
``synthetic_taxonomy`` (``large``: 100k threats, 5k mitigations, 1M links;
``small``: 1k threats); ``synthetic_incidents`` adds the incidents (``large``:
10k incidents × 20 steps; ``small``: 100 × 20) and puts every threat in one
or two of 16 tactics. The scenario is today (deployed mitigations only).
Not timed: the generation and the coverage analysis of the scenario
(``run_scenario``, timed by the analysis suite). Timed, each
the median of three runs:

- **incident analysis** (target < 2 s for large): ``incident_model`` (index
  the USES links) plus ``incident_outcomes`` (every incident stopped or not,
  its first stopped step, the steps addressed, the totals by kind and the
  ranking of techniques that would stop the most incidents not yet stopped);
- **replay only**: ``incident_outcomes`` on the built model;
- **demand**, **threshold sweep** (``stopping_coverage`` and
  ``stopped_by_threshold``), **tactic coverage** and the whole **document**
  (``incident_document``, with the index): informative.

Run ``python -m bench.incidents [--sizes small,large] [--out FILE]``.
"""

from __future__ import annotations

import sys

import numpy as np

from bench.analysis import _row, fresh_process_suite, median_timed
from taxonomy.domain import records
from taxonomy.domain.records import INCIDENT_KINDS, ORDERED_INCIDENT_KINDS, Taxonomy

SIZES = {"small": (100, 20), "large": (10_000, 20)}
THREATS = {"small": "small", "large": "large"}
TACTICS = 16
REPEATS = 3
TARGETS = {("large", "incident analysis"): ("s", 2.0)}


def synthetic_incidents(
    taxonomy: Taxonomy, *, incidents: int, steps: int, seed: int = 0
) -> Taxonomy:
    """The taxonomy with ``incidents`` incidents of ``steps`` steps each, and tactics.

    Kinds: three in five case studies (ordered: step k uses one technique,
    a technique may recur at a later step), the rest campaigns, groups and
    software in turn (unordered: ``steps`` draws of techniques, repeats
    folded). Techniques are drawn with a Zipf-like popularity (weight
    1 / (rank + 10)), so demand is skewed as in real catalogues. Every
    threat is IN_TACTIC one of ``TACTICS`` tactics, one in four in a second.

    >>> from taxonomy.formats.synthetic import synthetic_taxonomy
    >>> tax = synthetic_incidents(synthetic_taxonomy(threats=50, mitigations=5,
    ...     layers=2, links=60), incidents=4, steps=3)
    >>> len(tax.incidents), len(tax.tactics), tax.incidents[0].kind
    (4, 16, 'case-study')
    """
    rng = np.random.default_rng(seed)
    threats = [t.id for t in taxonomy.threats]
    popularity = 1.0 / (np.arange(len(threats)) + 10.0)
    rank = rng.permutation(len(threats))
    drawn = rng.choice(
        len(threats), size=(incidents, steps), p=popularity / popularity.sum()
    )
    drawn = rank[drawn].tolist()
    others = [k for k in INCIDENT_KINDS if k not in ORDERED_INCIDENT_KINDS]
    width = len(str(max(incidents - 1, 0)))
    made, uses = [], []
    for i, row in enumerate(drawn):
        kind = "case-study" if i % 5 < 3 else others[i % len(others)]
        incident = f"x{i:0{width}d}"
        made.append(records.Incident(incident, f"Incident {i}", kind=kind))
        by_technique: dict[int, list[int]] = {}
        for step, t in enumerate(row, start=1):
            by_technique.setdefault(t, []).append(step)
        ordered = kind in ORDERED_INCIDENT_KINDS
        uses += [
            records.Uses(incident, threats[t], tuple(s) if ordered else ())
            for t, s in by_technique.items()
        ]
    tactics = tuple(
        records.Tactic(f"ta{k:02d}", f"Tactic {k}", order=k) for k in range(TACTICS)
    )
    first = rng.integers(0, TACTICS, size=len(threats))
    second = rng.integers(0, TACTICS, size=len(threats))
    twice = rng.random(len(threats)) < 0.25
    in_tactic = [
        records.Link(threats[t], tactics[k].id) for t, k in enumerate(first.tolist())
    ] + [
        records.Link(threats[t], tactics[k].id)
        for t in np.flatnonzero(twice & (second != first)).tolist()
        for k in [int(second[t])]
    ]
    return Taxonomy(
        **{
            f: getattr(taxonomy, f)
            for f in taxonomy.__dataclass_fields__
            if f not in ("incidents", "uses", "tactics", "in_tactic")
        },
        incidents=tuple(made),
        uses=tuple(uses),
        tactics=tactics,
        in_tactic=tuple(in_tactic),
    )


def _median(fn) -> tuple[float, object]:
    return median_timed(fn, REPEATS)


def measure(size: str) -> dict:
    """Measure one size in this process (see the module docstring).

    >>> measure("small")["incidents"]
    100
    """
    from taxonomy.analysis import demand, incidents_report
    from taxonomy.analysis import incidents as analysis
    from taxonomy.analysis.compiled import coverage_model
    from taxonomy.analysis.fast import run_scenario
    from taxonomy.analysis.recommend import TODAY
    from taxonomy.formats.synthetic import SIZES as THREAT_SIZES
    from taxonomy.formats.synthetic import synthetic_taxonomy

    n_incidents, steps = SIZES[size]
    taxonomy = synthetic_incidents(
        synthetic_taxonomy(**THREAT_SIZES[THREATS[size]], seed=0),
        incidents=n_incidents,
        steps=steps,
    )
    coverage = run_scenario(coverage_model(taxonomy), TODAY)
    addressed = coverage.addressed_threats
    result: dict = {
        "size": size,
        "threats": len(taxonomy.threats),
        "incidents": n_incidents,
        "steps": n_incidents * steps,
        "uses": len(taxonomy.uses),
        "addressed": len(addressed),
    }

    def whole():
        model = analysis.incident_model(taxonomy)
        return model, analysis.incident_outcomes(model, addressed)

    result["analysis_s"], (model, found) = _median(whole)
    result["stopped"] = found.stopped
    mask = analysis.threat_mask(model, addressed)
    result["replay_s"], _ = _median(lambda: analysis.incident_outcomes(model, mask))
    result["demand_s"], _ = _median(lambda: demand.threat_demand(model))
    result["sweep_s"], sweep = _median(
        lambda: analysis.stopped_by_threshold(
            analysis.stopping_coverage(model, coverage.coverages)
        )
    )
    result["sweep"] = [list(pair) for pair in sweep]
    result["tactics_s"], _ = _median(
        lambda: analysis.tactic_coverage(taxonomy, coverage.classes)
    )
    result["document_s"], _ = _median(
        lambda: incidents_report.incident_document(taxonomy, coverage)
    )
    return result


def rows_of(result: dict) -> list[dict]:
    """The table rows of one size, each beside its target.

    >>> rows = rows_of({"size": "large", "incidents": 10000, "steps": 200000,
    ...     "uses": 190000, "threats": 100000, "addressed": 9000, "stopped": 7000,
    ...     "analysis_s": 1.0, "replay_s": 0.2, "demand_s": 0.1, "sweep_s": 0.1,
    ...     "tactics_s": 0.3, "document_s": 1.5, "sweep": [[0.8, 7000]]})
    >>> [(r["measure"], r["ok"]) for r in rows][:2]
    [('incident analysis', True), ('replay only', None)]
    """
    size = result["size"]

    def row(name: str, key: str, note: str = "") -> dict:
        return _row(size, name, result[key], "s", note, targets=TARGETS)

    shape = (
        f"{result['incidents']} incidents x {result['steps'] // result['incidents']}"
        f" steps ({result['uses']} USES) over {result['threats']} threats"
    )
    sweep = ", ".join(f"{t:g}: {n}" for t, n in result["sweep"])
    return [
        row(
            "incident analysis",
            "analysis_s",
            f"index + replay; {shape}; {result['stopped']} stopped",
        ),
        row("replay only", "replay_s", f"{result['addressed']} threats addressed"),
        row("demand", "demand_s", "per technique, by kind"),
        row("threshold sweep", "sweep_s", f"stopped by threshold: {sweep}"),
        row("tactic coverage", "tactics_s", f"{TACTICS} tactics"),
        row("incident document", "document_s", "index + replay + every row"),
    ]


# The incidents suite: each size in a fresh process.
run_incidents_bench, main = fresh_process_suite(
    measure, rows_of, name="incidents", default_sizes="small,large"
)


if __name__ == "__main__":
    sys.exit(main())
