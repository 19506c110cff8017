"""The coverage document: assembled from an analysis.

``coverage_document`` is the one entry point from a taxonomy to the
document; ``report_render`` renders it as JSON, CSV or a table and
``world_report`` builds its ``world`` section. docs/coverage.md documents
every key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from taxonomy.analysis import chains as chain_analysis
from taxonomy.analysis.chains import CHAIN_PATH_LIMIT, ChainReport
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.demand import demand_share
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.incidents import incident_model
from taxonomy.analysis.jurisdictions import jurisdiction_scenario
from taxonomy.analysis.model import (
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
from taxonomy.analysis.robustness_report import robustness_entry
from taxonomy.analysis.scenarios import diff_analyses
from taxonomy.analysis.world import world_view
from taxonomy.analysis.world_report import world_entry
from taxonomy.domain.coverage_query import ThreatPage
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.records import MATURITIES, Taxonomy
from taxonomy.domain.scenario import DEMAND, Scenario
from taxonomy.domain.scenario_words import scenario_summary

SCHEMA = "layerwise-coverage/1"
DIGITS = 6


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
