"""The coverage document: assembled from an analysis, rendered as JSON, CSV or a table.

``coverage_document`` is the one entry point from a taxonomy to the
document; ``render_json`` is the one serialisation that the command line
and the REST API share, so both are byte-identical. docs/coverage.md
documents every key.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace

from taxonomy.analysis import chains as chain_analysis
from taxonomy.analysis.chains import CHAIN_PATH_LIMIT, ChainReport
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.demand import demand_share
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.incidents import incident_model
from taxonomy.analysis.jurisdictions import (
    WorldView,
    jurisdiction_scenario,
    world_view,
)
from taxonomy.analysis.model import (
    ADDRESSED_CLASSES,
    CLASSES,
    Analysis,
    LinkContribution,
    ThreatCoverage,
    validate_ids,
)
from taxonomy.analysis.resilience import (
    Depths,
    ResilienceSummary,
    layer_depth,
    mitigation_depth,
)
from taxonomy.analysis.robustness_report import robustness_entry, robustness_lines
from taxonomy.analysis.scenarios import diff_analyses
from taxonomy.domain.coverage_query import ThreatPage
from taxonomy.domain.jurisdictions import Geography, place_phrase
from taxonomy.domain.records import MATURITIES, Taxonomy
from taxonomy.domain.scenario import DEMAND, Scenario, percent, scenario_summary

SCHEMA = "layerwise-coverage/1"
DIGITS = 6
MARKS = {
    "unmitigated": "XX",
    "insufficient": "X",
    "defense-in-depth": "~",
    "single-layer": "",
}


def _number(value: float) -> float:
    """Round to ``DIGITS`` decimals; never ``-0.0``."""
    return round(float(value), DIGITS) + 0.0


def scenario_entry(analysis: Analysis) -> dict:
    """The ``scenario`` block of the document.

    >>> from taxonomy.analysis.coverage import analyse
    >>> scenario_entry(analyse(Taxonomy()))["maturities"] is None
    True
    """
    scenario = analysis.scenario
    maturities = scenario.maturities
    return {
        "baseline": scenario.is_baseline,
        "disabled_layers": sorted(scenario.disabled_layers),
        "disabled_mitigations": sorted(scenario.disabled_mitigations),
        "maturities": None
        if maturities is None
        else [m for m in MATURITIES if m in maturities],
        "adopted": sorted(scenario.adopt),
        "disabled_by_requires": list(analysis.disabled_by_requires),
    }


def threat_entry(
    threat: ThreatCoverage,
    layers: Iterable[str],
    shared: dict | None = None,
    depth: dict | None = None,
) -> dict:
    """One item of the document's ``threats`` list.

    ``shared`` (optional) is a dict the caller keeps across threats so that
    equal link entries and layer sets are built once and shared; ``depth``
    the threat's ``{layers, mitigations, exact}`` (see ``depth_entries``).

    >>> from taxonomy.analysis.model import LinkContribution
    >>> t = ThreatCoverage("t", "T", "single-layer", 0.9, (0.9,),
    ...     (LinkContribution("m", "hw", "high", 0.9),), (("hw",),), True,
    ...     ("hw",), ("m",), ())
    >>> threat_entry(t, ["hw"])["coverage"]
    {'all': 0.9, 'by_layer': {'hw': 0.9}}
    """
    shared = {} if shared is None else shared
    return {
        "id": threat.id,
        "name": threat.name,
        "class": threat.coverage_class,
        "coverage": {
            "all": _number(threat.coverage),
            "by_layer": dict(zip(layers, map(_number, threat.by_layer), strict=True)),
        },
        "links": [_shared(shared, link, _link_entry) for link in threat.links],
        "minimal_layer_sets": [
            _shared(shared, s, list) for s in threat.minimal_layer_sets
        ],
        "minimal_layer_sets_exact": threat.minimal_layer_sets_exact,
        "critical_layers": list(threat.critical_layers),
        "critical_mitigations": list(threat.critical_mitigations),
        "introduced_by": list(threat.introduced_by),
        "depth": depth,
    }


def depth_entries(layers: Depths, mitigations: Depths) -> dict[str, dict]:
    """Threat id → ``{layers, mitigations, exact}``: its layer and mitigation
    depth (``resilience.layer_depth``, ``mitigation_depth``) and whether both
    are exact rather than a greedy bound.

    >>> import numpy as np
    >>> d = Depths(("t",), np.array([2]), np.array([True]))
    >>> depth_entries(d, Depths(("t",), np.array([3]), np.array([False])))
    {'t': {'layers': 2, 'mitigations': 3, 'exact': False}}
    """
    exact = layers.exact & mitigations.exact
    return {
        threat: {
            "layers": int(n_layers),
            "mitigations": int(n_mitigations),
            "exact": bool(e),
        }
        for threat, n_layers, n_mitigations, e in zip(
            layers.threats,
            layers.depth.tolist(),
            mitigations.depth.tolist(),
            exact.tolist(),
            strict=True,
        )
    }


def resilience_entry(layers: Depths) -> dict:
    """The document's ``resilience`` line from the layer depths.

    >>> import numpy as np
    >>> resilience_entry(Depths(("t", "u"), np.array([2, 1]), np.array([True, True])))
    {'survive_any_one_layer': 1, 'threats': 2, 'line': '1 of 2 threats survive the loss of any one layer'}
    """
    # Counted as resilience.resilience_summary counts, without a second analysis.
    summary = ResilienceSummary(
        survive_one_layer=int((layers.depth >= 2).sum()),
        threats=len(layers.threats),
        addressed=int((layers.depth >= 1).sum()),
    )
    return {
        "survive_any_one_layer": summary.survive_one_layer,
        "threats": summary.threats,
        "line": summary.line,
    }


def _shared(cache: dict, key, build):
    value = cache.get(key)
    if value is None:
        value = cache[key] = build(key)
    return value


def _link_entry(link: LinkContribution) -> dict:
    return {
        "mitigation": link.mitigation,
        "layer": link.layer,
        "strength": link.strength,
        "effectiveness": link.effectiveness,
    }


def chain_entry(report: ChainReport) -> dict:
    """The ``chains`` block of the document for one target.

    >>> import networkx as nx
    >>> r = chain_analysis.chain_report(nx.DiGraph([("a", "b")]), "b", set())
    >>> chain_entry(r)["minimum_blocking_set"]
    ['a']
    """
    return {
        "target": report.target,
        "target_addressed": report.target_addressed,
        "paths": [
            {"threats": list(p.threats), "blocked_by": list(p.blocked_by)}
            for p in report.paths
        ],
        "unblocked": len(report.unblocked),
        "truncated": report.truncated,
        "minimum_blocking_set": list(report.minimum_blocking_set),
    }


def build_report(
    analysis: Analysis,
    *,
    threat: str | None = None,
    chain: ChainReport | None = None,
    diff: Mapping | None = None,
    robustness: Mapping | None = None,
    depths: tuple[Depths, Depths] | None = None,
    demand: Mapping | None = None,
    page: ThreatPage | None = None,
) -> dict:
    """The coverage document of an analysis (see docs/coverage.md).

    Parameters
    ----------
    analysis : Analysis
    threat : str, optional
        List only this threat under ``threats``; every other part still
        covers the whole taxonomy.
    chain : ChainReport, optional
    diff : mapping, optional
        From ``diff_analyses``.
    robustness : mapping, optional
        From ``robustness_report.robustness_entry``.
    depths : (Depths, Depths), optional
        The layer and mitigation depths of the same scenario
        (``resilience.layer_depth``, ``mitigation_depth``); without them
        every ``depth`` and ``resilience`` is None.
    demand : mapping, optional
        The headline weighted by demand (``demand.demand_share``), when
        the scenario weights by demand.
    page : ThreatPage, optional
        List only a page of ``threats`` (``threats_page`` says which).

    Returns
    -------
    dict
        Plain JSON-ready values; keys in the documented order.

    >>> from taxonomy.analysis.coverage import analyse
    >>> sorted(build_report(analyse(Taxonomy()))["summary"].values())
    [0, 0, 0, 0]
    """
    threats = [analysis.threat(threat)] if threat is not None else analysis.threats
    listed = None
    if page is not None:
        threats, count = page.cut(threats)
        listed = {
            "count": count,
            "offset": page.offset,
            "limit": page.limit,
            "coverage_class": page.coverage_class,
        }
    layers, shared = analysis.layers, {}
    by_threat = depth_entries(*depths) if depths is not None else {}
    return {
        "schema": SCHEMA,
        "revision": analysis.revision,
        "threshold": analysis.scenario.threshold,
        "effectiveness": analysis.scenario.effectiveness_map,
        "dependence": analysis.scenario.dependence,
        "scenario": scenario_entry(analysis),
        "query": {
            "threat": threat,
            "chains": chain.target if chain else None,
            "diff_baseline": diff is not None,
        },
        "layers": list(layers),
        "minimal_layer_sets": "exact"
        if analysis.minimal_layer_sets_exact
        else "approximate",
        "summary": dict(analysis.summary),
        "resilience": resilience_entry(depths[0]) if depths is not None else None,
        "threats": [
            threat_entry(t, layers, shared, by_threat.get(t.id)) for t in threats
        ],
        "threats_page": listed,
        "layer_totals": {layer: dict(v) for layer, v in analysis.layer_totals.items()},
        "mitigation_ranking": [
            {"mitigation": m, "layer": analysis.mitigation_layers[m], "threats": n}
            for m, n in analysis.mitigation_ranking
        ],
        "layer_sets": {
            "scope": analysis.layer_sets_scope,
            "total": analysis.layer_sets_total,
            "sets": [
                {
                    "layers": list(s.layers),
                    "addressed": s.addressed,
                    "minimal_for": s.minimal_for,
                }
                for s in analysis.layer_sets
            ],
        },
        "introduced": [
            {"threat": t, "introduced_by": list(ms)} for t, ms in analysis.introduced
        ],
        "unblocked_chains_into": list(analysis.unblocked_into),
        "chains": chain_entry(chain) if chain else None,
        "diff": dict(diff) if diff is not None else None,
        "robustness": dict(robustness) if robustness is not None else None,
        "demand": dict(demand) if demand is not None else None,
    }


def coverage_document(
    taxonomy: Taxonomy,
    *,
    scenario: Scenario,
    threat: str | None = None,
    chains: str | None = None,
    diff_baseline: bool = False,
    chain_limit: int = CHAIN_PATH_LIMIT,
    robustness: Mapping | None = None,
    page: ThreatPage | None = None,
) -> dict:
    """Analyse a taxonomy under a scenario and assemble the coverage document.

    Parameters
    ----------
    taxonomy : Taxonomy
    scenario : Scenario
    threat : str, optional
        Only this threat under ``threats``.
    chains : str, optional
        A target threat whose ENABLES chains to report.
    diff_baseline : bool
        Also diff the scenario against the baseline (nothing disabled, every
        maturity, the same threshold and effectiveness).
    chain_limit : int
    robustness : mapping, optional
        Add the ``robustness`` section: ``samples``, ``seed`` and
        ``intervals`` of its Monte Carlo draws (see ``robustness_entry``).
    page : ThreatPage, optional
        List only a page of ``threats``.

    Returns
    -------
    dict

    Raises
    ------
    ScenarioError
        When the scenario, ``threat`` or ``chains`` names an unknown id.

    >>> coverage_document(Taxonomy(), scenario=Scenario())["threats"]
    []
    """
    validate_ids(taxonomy, scenario, threats=[threat, chains])
    geography = Geography.of(taxonomy) if taxonomy.jurisdictions else None
    world_model = coverage_model(taxonomy)
    model, inner = world_model, scenario
    if geography is not None and scenario.jurisdiction is not None:
        # In one jurisdiction: what is not in force there is off, maturities
        # are those there (analysis.jurisdictions.analyse_in, section by section).
        model, inner = jurisdiction_scenario(
            world_model,
            geography,
            scenario,
            scenario.jurisdiction,
            as_of=scenario.as_of,
        )
    analysis = replace(run_scenario(model, inner), scenario=scenario)
    diff = None
    if diff_baseline:
        base_model, base = world_model, scenario.baseline()
        if model is not world_model:
            base_model, base = jurisdiction_scenario(
                world_model,
                geography,
                base,
                scenario.jurisdiction,
                as_of=scenario.as_of,
            )
        diff = diff_analyses(run_scenario(base_model, base), analysis)
    chain = None
    if chains is not None:
        chain = chain_analysis.chain_report(
            chain_analysis.enables_graph(taxonomy),
            chains,
            analysis.addressed_threats,
            limit=chain_limit,
        )
    robust = None
    if robustness is not None:
        robust = robustness_entry(model, inner, **robustness)
    depths = (layer_depth(model, inner), mitigation_depth(model, inner))
    demand = None
    if scenario.weight == DEMAND:
        demand = demand_share(incident_model(taxonomy), analysis.classes)
    document = build_report(
        analysis,
        threat=threat,
        chain=chain,
        diff=diff,
        robustness=robust,
        depths=depths,
        demand=demand,
        page=page,
    )
    named = {
        r.id: r.name
        for r in (*taxonomy.layers, *taxonomy.mitigations, *taxonomy.jurisdictions)
    }
    document["scenario"]["summary"] = scenario_summary(scenario, named)
    if geography is not None:
        # Only a taxonomy that records jurisdictions has these keys, so the
        # document of one that does not is byte for byte what it was.
        document["scenario"]["jurisdiction"] = scenario.jurisdiction
        document["scenario"]["as_of"] = (
            scenario.as_of.isoformat() if scenario.as_of is not None else None
        )
        document["world"] = None
        if scenario.jurisdiction is None:
            view = world_view(world_model, geography, scenario, as_of=scenario.as_of)
            document["world"] = world_entry(view, taxonomy)
    return document


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def world_entry(view: WorldView, taxonomy: Taxonomy) -> dict:
    """The ``world`` section: every threat seen from no jurisdiction in
    particular (``analysis.jurisdictions.world_view``), with a sentence.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.domain.records import (InForceIn, Jurisdiction, Layer,
    ...     Mitigates, Mitigation, Threat)
    >>> t = Taxonomy(layers=(Layer("hw", "HW"),), threats=(Threat("t", "T",
    ...     mobile="smugglers move"), Threat("u", "U")), mitigations=(Mitigation("m",
    ...     "M", "hw", "deployed"),), mitigates=(Mitigates("m", "t", "high"),
    ...     Mitigates("m", "u", "high")), jurisdictions=(Jurisdiction("us", "US"),
    ...     Jurisdiction("cn", "China")), in_force=(InForceIn("m", "us", "deployed"),))
    >>> view = world_view(coverage_model(t), Geography.of(t), Scenario())
    >>> print(world_entry(view, t)["line"])
    1 threat is mobile: its actors can choose the jurisdiction they act in. It is not addressed where it is weakest, in China. Of the 1 other threat, 0 are addressed in all 2 jurisdictions, 0 in none and 1 in some.
    """
    names = {j.id: j.name for j in taxonomy.jurisdictions}
    threats = [view.threat(t) for t in view.threats]
    mobile = [t for t in threats if t.mobile]
    others = [t for t in threats if not t.mobile]
    return {
        "as_of": view.as_of.isoformat() if view.as_of is not None else None,
        "places": [
            {"id": p, "name": names.get(p, p), "weight": w}
            for p, w in zip(
                view.places,
                view.weights.tolist()
                if view.weights is not None
                else [None] * len(view.places),
                strict=True,
            )
        ],
        "mobile_summary": view.mobile_summary,
        "line": _world_line(
            mobile, others, len(view.places), names, _weakest_places(view)
        ),
        "threats": [
            {
                "id": t.id,
                "mobile": t.mobile,
                "weakest": t.weakest,
                "coverage": _round(t.coverage),
                "class": t.coverage_class,
                "addressed_in": t.addressed_in,
                "places": t.places,
                "share": _round(t.share),
                "weighted_share": _round(t.weighted_share),
            }
            for t in threats
        ],
    }


def _names_list(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _weakest_places(view: WorldView) -> dict[str, list[str]]:
    """Each threat → every place where it is as weak as in its weakest one
    (the same coverage and class): the ties the ``weakest`` id settles."""
    if view.per_place is None:
        return {}
    coverage, classes = view.per_place.coverage, view.per_place.classes
    out = {}
    for t, threat in enumerate(view.threats):
        w = int(view.weakest[t])
        tied = (coverage[:, t] == coverage[w, t]) & (classes[:, t] == classes[w, t])
        out[threat] = [view.places[r] for r in tied.nonzero()[0].tolist()]
    return out


def _mobile_line(mobile: int, addressed: int, weakest: dict, names: dict) -> str:
    """The mobile threats' part of the world view's sentence.

    >>> print(_mobile_line(2, 0, {"cn": 2, "us": 1}, {"cn": "China", "us": "US"}))
    2 threats are mobile: their actors can choose the jurisdiction they act in. None of them is addressed where it is weakest. How many are weakest in each jurisdiction (a tie counts in each): China 2, US 1.
    >>> print(_mobile_line(1, 1, {"cn": 1}, {"cn": "China"}))
    1 threat is mobile: its actors can choose the jurisdiction they act in. It is addressed even where it is weakest, in China.
    >>> print(_mobile_line(1, 0, {"eu": 1, "row": 1}, {"eu": "European Union",
    ...     "row": "Rest of the world"}))
    1 threat is mobile: its actors can choose the jurisdiction they act in. It is not addressed where it is weakest, in the European Union and the rest of the world.
    """
    ranked = sorted(weakest.items(), key=lambda pn: (-pn[1], pn[0]))
    if mobile == 1:
        places = _names_list([place_phrase(names.get(p, p)) for p, _ in ranked])
        return (
            "1 threat is mobile: its actors can choose the jurisdiction they act "
            f"in. It is{'' if addressed else ' not'} addressed"
            f"{' even' if addressed else ''} where it is weakest, in {places}."
        )
    if addressed == 0:
        told = "None of them is addressed where it is weakest."
    else:
        verb = "is" if addressed == 1 else "are"
        told = f"{addressed} of them {verb} addressed even where they are weakest."
    counts = ", ".join(f"{names.get(p, p)} {n}" for p, n in ranked)
    return (
        f"{mobile} threats are mobile: their actors can choose the jurisdiction "
        f"they act in. {told} How many are weakest in each jurisdiction (a tie "
        f"counts in each): {counts}."
    )


def _world_line(
    mobile: list, others: list, places: int, names: dict, weakest_at: dict
) -> str:
    """The world view in a sentence a policymaker can read: each place named
    with the number of mobile threats that are weakest there (ties counted in
    every tied place)."""
    if not places:
        return "No jurisdiction is in force on this date: the analysis is the world's."
    parts = []
    if mobile:
        addressed = sum(t.coverage_class in ADDRESSED_CLASSES for t in mobile)
        weakest: dict[str, int] = {}
        for t in mobile:
            for place in weakest_at.get(t.id, [t.weakest]):
                weakest[place] = weakest.get(place, 0) + 1
        parts.append(_mobile_line(len(mobile), addressed, weakest, names))
    if others:
        everywhere = sum(t.addressed_in == places for t in others)
        nowhere = sum(t.addressed_in == 0 for t in others)
        some = len(others) - everywhere - nowhere
        verb = "is" if everywhere == 1 else "are"
        parts.append(
            f"Of the {_plural(len(others), 'other threat')}, {everywhere} {verb} "
            f"addressed in all {places} jurisdictions, {nowhere} in none"
            + (f" and {some} in some." if some else ".")
        )
    return " ".join(parts)


def render_json(report: Mapping) -> str:
    """The document as JSON text, the one serialisation the CLI and API share.

    Top-level keys one per line; the members of a top-level object one per
    line; lists of objects one item per line (so a scenario's diff is a
    line-per-threat text diff); everything deeper on one line. Items are
    encoded by the C encoder, so 100k threats take seconds, not minutes.

    >>> print(render_json({"a": [{"b": 1}, {"b": 2}], "c": {"d": [1, 2]}}), end="")
    {
      "a": [
        {"b": 1},
        {"b": 2}
      ],
      "c": {
        "d": [1, 2]
      }
    }
    """
    return "\n".join(_json_lines(report, 0)) + "\n"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _json_lines(value, depth: int) -> list[str]:
    """``value`` as lines indented by its depth; see ``render_json``."""
    pad = "  " * (depth + 1)
    if isinstance(value, Mapping) and value and depth < 2:
        items = list(value.items())
        lines = ["{"]
        for n, (key, item) in enumerate(items):
            inner = _json_lines(item, depth + 1)
            comma = "," if n < len(items) - 1 else ""
            lines.append(f"{pad}{_dumps(key)}: {inner[0]}")
            lines.extend(inner[1:])
            lines[-1] += comma
        return [*lines, "  " * depth + "}"]
    if (
        isinstance(value, list)
        and value
        and isinstance(value[0], Mapping)
        and depth < 3
    ):
        body = [f"{pad}{_dumps(item)}," for item in value]
        body[-1] = body[-1][:-1]
        return ["[", *body, "  " * depth + "]"]
    return [_dumps(value)]


def render_csv(report: Mapping) -> str:
    """The threat × layer coverage matrix as CSV.

    Header ``threat,class,all,<layer ids in layer order>,threat name,scenario in
    words``; one row per threat of the document, coverages with six decimals;
    every row states the scenario (ids never hold spaces, so the last two
    columns never clash with a layer's).

    >>> threat = {"id": "t", "name": "T", "class": "single-layer",
    ...           "coverage": {"all": 0.9, "by_layer": {"hw": 0.9}}}
    >>> print(render_csv({"layers": ["hw"], "threats": [threat],
    ...                   "scenario": {"summary": "Today"}}))
    threat,class,all,hw,threat name,scenario in words
    t,single-layer,0.900000,0.900000,T,Today
    <BLANKLINE>
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["threat", "class", "all", *report["layers"], *CSV_WORD_COLUMNS])
    summary = (report.get("scenario") or {}).get("summary", "")
    for t in report["threats"]:
        by_layer = t["coverage"]["by_layer"]
        writer.writerow(
            [t["id"], t["class"], f"{t['coverage']['all']:.{DIGITS}f}"]
            + [f"{by_layer[layer]:.{DIGITS}f}" for layer in report["layers"]]
            + [t.get("name", ""), summary]
        )
    return out.getvalue()


# The CSV's last columns, after the layers'.
CSV_WORD_COLUMNS = ("threat name", "scenario in words")


def _columns(rows: list[list[str]], right: Iterable[int] = ()) -> list[str]:
    """Rows of cells as aligned lines; columns in ``right`` align right."""
    right = set(right)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _scenario_line(report: Mapping) -> str:
    s = report["scenario"]
    # Where and when (a taxonomy that records jurisdictions): said even when
    # nothing else is changed, as the baseline then counts only what binds there.
    where = [
        f"{label}: {s[key]}"
        for key, label in (("jurisdiction", "in force in"), ("as_of", "as of"))
        if s.get(key)
    ]
    if s["baseline"]:
        line = "Scenario: baseline (every layer, mitigation and maturity counts)"
        return "; ".join([line, *where])
    parts = []
    if s["disabled_layers"]:
        parts.append("layers off: " + ", ".join(s["disabled_layers"]))
    if s["disabled_mitigations"]:
        parts.append("mitigations off: " + ", ".join(s["disabled_mitigations"]))
    if s["maturities"] is not None:
        parts.append("maturities counted: " + ", ".join(s["maturities"]))
    if s["adopted"]:
        parts.append("adopted: " + ", ".join(s["adopted"]))
    if s["disabled_by_requires"]:
        parts.append("also off (REQUIRES): " + ", ".join(s["disabled_by_requires"]))
    return "Scenario: " + "; ".join([*parts, *where])


def _threat_rows(report: Mapping) -> list[str]:
    layers = report["layers"]
    rows = [["", "THREAT", "CLASS", "ALL", *layers, "DEPTH", "CRITICAL LAYERS"]]
    for t in report["threats"]:
        by_layer = t["coverage"]["by_layer"]
        alone = {s[0] for s in t["minimal_layer_sets"] if len(s) == 1}
        rows.append(
            [
                MARKS[t["class"]],
                t["id"],
                t["class"],
                f"{t['coverage']['all']:.3f}",
                *(
                    f"{by_layer[layer]:.3f}" + ("*" if layer in alone else " ")
                    for layer in layers
                ),
                _depth_cell(t["depth"]),
                ", ".join(t["critical_layers"]) or "-",
            ]
        )
    return _columns(rows, right=range(3, 5 + len(layers)))


def _depth_cell(depth: Mapping | None) -> str:
    """``layers/mitigations``; ``<=`` where one is a greedy bound.

    >>> _depth_cell({"layers": 2, "mitigations": 3, "exact": False})
    '<=2/3'
    """
    if depth is None:
        return "-"
    bound = "" if depth["exact"] else "<="
    return f"{bound}{depth['layers']}/{depth['mitigations']}"


def render_table(report: Mapping, *, top: int = 10) -> str:
    """The document as aligned text for a terminal.

    One line per threat with a class mark (``XX`` unmitigated, ``X``
    insufficient, ``~`` defense-in-depth, blank single-layer), the coverage
    by all layers and by each layer (``*``: that layer alone addresses the
    threat), its layer / mitigation depth and the critical layers; then the
    summary, the resilience line, layer totals, the
    ``top`` mitigations, the ``top`` layer sets by the number of threats
    they are a minimal set for, introduced threats, open chains, and the
    chain and diff sections when present.

    >>> from taxonomy.analysis.coverage import analyse
    >>> print(render_table(build_report(analyse(Taxonomy()))).splitlines()[0])
    Coverage at threshold 0.8 (effectiveness low 0.3, medium 0.6, high 0.9), revision 0
    """
    tau = report["threshold"]
    effect = ", ".join(f"{k} {v:g}" for k, v in report["effectiveness"].items())
    lines = [
        f"Coverage at threshold {tau:g} (effectiveness {effect}), "
        f"revision {report['revision']}",
        f"Dependence: {report['dependence']}",
        _scenario_line(report),
        "",
        *_threat_rows(report),
        "",
        "Marks: XX unmitigated, X insufficient, ~ defense-in-depth "
        "(no single layer suffices); * the layer alone addresses the threat.",
        "Depth: how many layers / mitigations must be lost to leave the threat "
        "unaddressed (0: not addressed).",
        "Summary: " + ", ".join(f"{c} {report['summary'][c]}" for c in CLASSES),
        *_resilience_lines(report),
        *_demand_lines(report),
        f"Minimal layer sets: {report['minimal_layer_sets']}.",
    ]
    lines += _layer_lines(report)
    lines += _ranking_lines(report, top)
    lines += _chain_lines(report)
    lines += _diff_lines(report)
    lines += robustness_lines(report.get("robustness"))
    return "\n".join(lines) + "\n"


def _demand_lines(report: Mapping) -> list[str]:
    """The demand-weighted headline, when the scenario weights by demand.

    >>> _demand_lines({"demand": {"uses": 4, "addressed_uses": 1, "share": 0.25}})
    ['Weighted by demand: 1 of 4 incident uses (25%) hit addressed threats.']
    >>> _demand_lines({"demand": None})
    []
    """
    demand = report.get("demand")
    if not demand:
        return []
    share = "no uses" if demand["share"] is None else percent(demand["share"])
    return [
        f"Weighted by demand: {demand['addressed_uses']} of {demand['uses']} "
        f"incident uses ({share}) hit addressed threats."
    ]


def _resilience_lines(report: Mapping) -> list[str]:
    resilience = report.get("resilience")
    return [f"Resilience: {resilience['line']}."] if resilience else []


def _layer_lines(report: Mapping) -> list[str]:
    names = ("mitigations", "links", "threats", "addressed_alone", "critical_for")
    rows = [["LAYER", "MITIGATIONS", "LINKS", "THREATS", "ALONE", "CRITICAL"]]
    rows += [
        [layer, *(str(totals[n]) for n in names)]
        for layer, totals in report["layer_totals"].items()
    ]
    return ["", *_columns(rows, right=range(1, 6))]


def _ranking_lines(report: Mapping, top: int) -> list[str]:
    lines = []
    ranking = report["mitigation_ranking"][:top]
    if ranking:
        lines += ["", "Mitigations whose loss leaves threats unaddressed:"]
        lines += _columns(
            [[f"  {r['mitigation']}", r["layer"], str(r["threats"])] for r in ranking],
            right=[2],
        )
    sets = [
        s
        for s in report["layer_sets"]["sets"]
        if s["minimal_for"] and len(s["layers"]) > 1
    ]
    sets = sorted(sets, key=lambda s: (-s["minimal_for"], -s["addressed"]))[:top]
    if sets:
        scope = report["layer_sets"]["scope"]
        lines += ["", f"Layer sets that address threats only together ({scope}):"]
        lines += _columns(
            [
                [
                    "  " + " + ".join(s["layers"]),
                    f"{s['addressed']} addressed",
                    f"{s['minimal_for']} minimal",
                ]
                for s in sets
            ],
            right=[1, 2],
        )
    for item in report["introduced"]:
        lines.append(
            f"Introduced: {item['threat']} by {', '.join(item['introduced_by'])}"
        )
    open_ = report["unblocked_chains_into"]
    lines += ["", "Unblocked ENABLES chains into: " + (", ".join(open_) or "none")]
    return lines


def _chain_lines(report: Mapping) -> list[str]:
    chain = report["chains"]
    if not chain:
        return []
    lines = [
        "",
        f"Chains into {chain['target']}"
        + (" (addressed: every chain is blocked)" if chain["target_addressed"] else ""),
    ]
    for path in chain["paths"]:
        state = (
            "blocked by " + ", ".join(path["blocked_by"])
            if path["blocked_by"]
            else "OPEN"
        )
        lines.append(f"  {' -> '.join(path['threats'])}  [{state}]")
    if not chain["paths"]:
        lines.append("  no ENABLES chain ends here")
    if chain["truncated"]:
        lines.append(f"  (only the first {len(chain['paths'])} paths are listed)")
    blocking = ", ".join(chain["minimum_blocking_set"]) or "nothing to block"
    lines.append(f"  Minimum blocking set: {blocking}")
    return lines


def _diff_lines(report: Mapping) -> list[str]:
    diff = report["diff"]
    if diff is None:
        return []
    lines = ["", "Changed class against the baseline:"]
    for change in diff["changed"]:
        lines.append(
            f"  {change['id']}: {change['from']} -> {change['to']} "
            f"({change['coverage']['from']:.3f} -> {change['coverage']['to']:.3f})"
        )
    if not diff["changed"]:
        lines.append("  none")
    lines.append("Coverage moved against the baseline (class changes, then largest):")
    for move in diff["moved"]:
        cover = move["coverage"]
        layers = "".join(
            f"; {layer} {m['from']:.3f} -> {m['to']:.3f}"
            for layer, m in move["by_layer"].items()
            if m["delta"]
        )
        lines.append(
            f"  {move['id']}: {cover['from']:.3f} -> {cover['to']:.3f} "
            f"({cover['delta']:+.3f}){layers}"
        )
    lines.append(f"  {diff['unchanged']} threat(s) did not move")
    return lines
