"""A coverage scenario as an ATT&CK Navigator layer (layer format 4.5).

One technique entry per threat and tactic (a technique in several tactics is
listed under each, its ``tactic`` the tactic's shortname, as Navigator
expects; a threat in no tactic has one entry without), a heatmap of coverage:
the score is the
threat's coverage by all governance layers together under the scenario, in
percent (0..100, a whole number, as MITRE's ``mitreattack-python`` reads
scores, rounded down so that a score at or above the threshold's percent means
addressed); the comment says its coverage class and which layers address
it, alone or together. Each cell has its class's colour (``color``, which
Navigator and mitreattack-python's exports draw instead of the score's), the
colour of the class's legend item, so the colour of a cell tells its class;
the gradient, for a tool that draws the score, steps at the threshold from
the insufficient colour to the single-layer one. The scenario's assumptions
(threshold, dependence, maturities, what is switched off, the jurisdiction
and the date it counts in) are in the layer's metadata, and in words in its
description. The layer's name holds none of the characters a spreadsheet's
sheet title cannot (a colon, slash, backslash, star, question mark or
bracket), so mitreattack-python's Excel export of it works. Technique ids
are the taxonomy's own ids without the taxonomy prefix (``atlas:AML.T0024``
→ ``AML.T0024``), so a layer of an ATLAS- or ATT&CK-derived taxonomy opens on the right cells in
ATLAS or ATT&CK Navigator. Given the number of documented incidents that use
each threat, the comment says it; when the scenario weights by demand (the
coverage document carries ``demand``), the score is that number instead, on
a white-to-red gradient from 0 to the largest.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from taxonomy.analysis.model import (
    CLASSES,
    DEFENSE_IN_DEPTH,
    INSUFFICIENT,
    SINGLE_LAYER,
    TOLERANCE,
    UNMITIGATED,
)
from taxonomy.domain.records import Taxonomy
from taxonomy.formats.common import phase_name, unprefixed

LAYER_FORMAT = "4.5"
# The layer format 4.5 asks for Navigator 4.9.0 or later; mitreattack-python
# reads the 5.x schema.
NAVIGATOR_VERSION = "5.1.0"
# One colour per coverage class, from red (no enabled mitigation) to green
# (one layer alone), each distinct in lightness too (ColorBrewer's RdYlGn).
CLASS_COLORS = {
    UNMITIGATED: "#d73027",
    INSUFFICIENT: "#fdae61",
    DEFENSE_IN_DEPTH: "#a6d96a",
    SINGLE_LAYER: "#1a9850",
}
# The characters a sheet title of a spreadsheet may not hold.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
# White (no incident uses it) to red (the most used), as ATLAS's own case-study
# frequency layer.
DEMAND_GRADIENT = ("#ffffff", "#f44336")
SCORE_MAX = 100
DOMAINS = {
    "atlas": "atlas-atlas",
    "ics": "ics-attack",
    "mobile": "mobile-attack",
}
DEFAULT_DOMAIN = "enterprise-attack"


def navigator_domain(taxonomy: str) -> str:
    """The Navigator domain a taxonomy most likely opens in.

    >>> navigator_domain("atlas"), navigator_domain("attack-ics")
    ('atlas-atlas', 'ics-attack')
    """
    for word, domain in DOMAINS.items():
        if word in taxonomy.split("-"):
            return domain
    return DEFAULT_DOMAIN


def coverage_score(entry: Mapping[str, Any]) -> int:
    """A threat's score: its coverage by all layers, in whole percent rounded
    down (within the analysis's tolerance, as its threshold test).

    >>> coverage_score({"coverage": {"all": 0.7996}}), coverage_score({"coverage": {"all": 0.29}})
    (79, 29)
    """
    return math.floor(SCORE_MAX * (entry["coverage"]["all"] + TOLERANCE))


def addressing_layers(entry: Mapping[str, Any]) -> list[str]:
    """The layers that address one threat of a coverage document on their own
    (its minimal layer sets of one layer).

    >>> addressing_layers({"minimal_layer_sets": [["hw"], ["sw", "law"]]})
    ['hw']
    """
    return sorted(s[0] for s in entry["minimal_layer_sets"] if len(s) == 1)


def technique_comment(entry: Mapping[str, Any], taxonomy: str) -> str:
    """A threat's class, coverage and the layers that address it, alone or
    only together, in words (layer ids without the ``taxonomy`` prefix).

    >>> technique_comment({"class": "single-layer", "coverage": {"all": 0.9},
    ...                    "minimal_layer_sets": [["t:hw"], ["sw", "law"]]}, "t")
    'single-layer, coverage 90%: addressed alone by hw; together by sw + law'
    """
    sets = [[unprefixed(taxonomy, x) for x in s] for s in entry["minimal_layer_sets"]]
    alone = sorted(s[0] for s in sets if len(s) == 1)
    together = [" + ".join(s) for s in sets if len(s) > 1]
    parts = []
    if alone:
        parts.append("addressed alone by " + ", ".join(alone))
    if together:
        parts.append("together by " + "; ".join(together))
        if not alone:
            parts[0] = "addressed " + parts[0]
    if not parts:
        parts.append(
            "no enabled mitigation"
            if entry["class"] == UNMITIGATED
            else "no set of layers reaches the threshold"
        )
    return f"{entry['class']}, coverage {coverage_score(entry)}%: {'; '.join(parts)}"


def technique_tactics(taxonomy: Taxonomy) -> dict[str, list[str]]:
    """Threat id -> the phase names of its tactics, in the matrix's order.

    >>> from taxonomy.domain.records import Link, Tactic
    >>> technique_tactics(Taxonomy(tactics=(Tactic("b", "B", order=1),
    ...     Tactic("a", "Initial Access")), in_tactic=(Link("t", "b"), Link("t", "a"))))
    {'t': ['initial-access', 'b']}
    """
    tactics = {t.id: t for t in taxonomy.tactics}
    out: dict[str, list] = {}
    for link in taxonomy.in_tactic:
        if link.target in tactics:
            out.setdefault(link.source, []).append(tactics[link.target])
    return {
        threat: list(
            dict.fromkeys(phase_name(t) for t in sorted(found, key=_tactic_order))
        )
        for threat, found in out.items()
    }


def _tactic_order(tactic: Any) -> tuple[int, str]:
    return tactic.order, tactic.id


def incidents_text(count: int) -> str:
    """How many documented incidents use a threat, in words.

    >>> incidents_text(1), incidents_text(3)
    ('used by 1 documented incident', 'used by 3 documented incidents')
    """
    return f"used by {count} documented incident{'' if count == 1 else 's'}"


def threshold_score(threshold: float) -> int:
    """The least score that means addressed at ``threshold`` (the cut of the
    layer's gradient).

    >>> threshold_score(0.8), threshold_score(0.57), threshold_score(0.805)
    (80, 57, 81)
    """
    return math.ceil(SCORE_MAX * threshold - TOLERANCE)


def navigator_layer(
    report: Mapping[str, Any],
    *,
    taxonomy: str,
    name: str | None = None,
    domain: str | None = None,
    attack_version: str | None = None,
    tactics: Mapping[str, list[str]] | None = None,
    demand: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The Navigator layer of a coverage document (``coverage_document``).

    Parameters
    ----------
    report : mapping
        A coverage document: ``threshold``, ``layers``, ``summary``,
        ``scenario`` and ``threats`` with ``id``, ``class``, ``coverage`` and
        ``minimal_layer_sets``.
    taxonomy : str
        The taxonomy's name; its prefix is taken off the threat ids.
    name : str, optional
        The layer's name (default: "<taxonomy> coverage"); a character a
        sheet title may not hold becomes ``-``.
    domain : str, optional
        Default ``navigator_domain(taxonomy)``.
    attack_version : str, optional
        ``versions.attack`` (left out when not given).
    tactics : mapping, optional
        Threat id -> the shortnames of its tactics (``technique_tactics``):
        one entry per tactic. Without it, one entry per threat, no tactic.
    demand : mapping, optional
        Threat id -> how many documented incidents use it (0 when absent),
        said in each comment; the score when the document has ``demand``
        (the scenario weights by demand). Without it, no incident is named.

    Returns
    -------
    dict

    >>> doc = {"threshold": 0.8, "layers": ["hw", "sw"], "summary": {},
    ...        "scenario": {"baseline": True}, "threats": [{"id": "atlas:AML.T0000",
    ...        "class": "single-layer", "coverage": {"all": 0.9},
    ...        "minimal_layer_sets": [["hw"]]}]}
    >>> layer = navigator_layer(doc, taxonomy="atlas")
    >>> layer["domain"], layer["techniques"][0]["techniqueID"], layer["techniques"][0]["score"]
    ('atlas-atlas', 'AML.T0000', 90)
    """
    layers = list(report["layers"])
    threshold = report["threshold"]
    versions = {"layer": LAYER_FORMAT, "navigator": NAVIGATOR_VERSION}
    if attack_version:
        versions["attack"] = attack_version
    summary = ", ".join(f"{k} {v}" for k, v in report.get("summary", {}).items())
    by_demand = demand is not None and report.get("demand") is not None
    top = max([1, *(demand or {}).values()])
    if by_demand:
        score = "how many documented incidents use the threat"
        gradient = {"colors": list(DEMAND_GRADIENT), "minValue": 0, "maxValue": top}
        legend = _demand_legend(top)
    else:
        score = (
            f"the threat's coverage by all {len(layers)} governance layers "
            f"together, in percent (addressed at {SCORE_MAX * threshold:g}% or more)"
        )
        cut = threshold_score(threshold)
        gradient = {
            "colors": [CLASS_COLORS[INSUFFICIENT], CLASS_COLORS[SINGLE_LAYER]],
            "minValue": cut - 1,
            "maxValue": cut,
        }
        legend = _legend(report)
    used = "; the documented incidents that use it" if demand is not None else ""
    techniques = [
        entry
        for t in report["threats"]
        for entry in _techniques(t, taxonomy, tactics, demand, by_demand=by_demand)
    ]
    return {
        "name": SHEET_TITLE_FORBIDDEN.sub("-", name or f"{taxonomy} coverage"),
        "versions": versions,
        "domain": domain or navigator_domain(taxonomy),
        "description": (
            f"Score: {score}; comment: its coverage class and the layers that "
            f"address it{used}. {_scenario_text(report)} Classes: {summary}."
        ),
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": gradient,
        "legendItems": legend,
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": _metadata(report, taxonomy),
    }


def _legend(report: Mapping[str, Any]) -> list[dict[str, str]]:
    """A legend item per class, in the class's colour (its cells' colour).

    >>> [i["label"] for i in _legend({"threshold": 0.8, "summary": {}})][1]
    'insufficient (0): coverage below 80%'
    """
    cut = SCORE_MAX * report["threshold"]
    bands = {
        UNMITIGATED: "no enabled mitigation, 0%",
        INSUFFICIENT: f"coverage below {cut:g}%",
        DEFENSE_IN_DEPTH: f"{cut:g}% or more, only layers together",
        SINGLE_LAYER: f"{cut:g}% or more, one layer alone",
    }
    counts = report.get("summary", {})
    return [
        {"label": f"{c} ({counts.get(c, 0)}): {bands[c]}", "color": CLASS_COLORS[c]}
        for c in CLASSES
    ]


def _demand_legend(top: int) -> list[dict[str, str]]:
    """The two ends of the demand gradient.

    >>> [i["label"] for i in _demand_legend(4)]
    ['no documented incident uses it', 'used by 4 documented incidents']
    """
    return [
        {"label": "no documented incident uses it", "color": DEMAND_GRADIENT[0]},
        {"label": incidents_text(top), "color": DEMAND_GRADIENT[-1]},
    ]


def _metadata(report: Mapping[str, Any], taxonomy: str) -> list[dict[str, str]]:
    """The scenario's assumptions, each a name and a text value; the
    jurisdiction (its id) and the date when the scenario names them.

    >>> [m for m in _metadata({"threshold": 0.8, "layers": ["hw"], "scenario": {
    ...     "jurisdiction": "eu", "as_of": "2026-01-01"}}, "t") if m["name"] in (
    ...     "jurisdiction", "as of")]
    [{'name': 'jurisdiction', 'value': 'eu'}, {'name': 'as of', 'value': '2026-01-01'}]
    """
    scenario = report.get("scenario") or {}
    maturities = scenario.get("maturities")
    effectiveness = report.get("effectiveness") or {}
    values = {
        "taxonomy": taxonomy,
        "threshold": f"{report['threshold']:g}",
        "dependence": str(report.get("dependence", "independent")),
        "maturities": "all" if maturities is None else ", ".join(maturities) or "none",
        "effectiveness": ", ".join(f"{k} {v:g}" for k, v in effectiveness.items()),
        "layers": ", ".join(report["layers"]),
        "layers off": ", ".join(scenario.get("disabled_layers") or []) or "none",
        "mitigations off": ", ".join(scenario.get("disabled_mitigations") or [])
        or "none",
        "adopted": ", ".join(scenario.get("adopted") or []) or "none",
        # Where and when (issue 25): only a taxonomy that records jurisdictions
        # has the keys, and only a scenario that names them has the values.
        "jurisdiction": scenario.get("jurisdiction") or "",
        "as of": scenario.get("as_of") or "",
    }
    return [{"name": k, "value": v} for k, v in values.items() if v]


def _scenario_text(report: Mapping[str, Any]) -> str:
    scenario = report.get("scenario") or {}
    if scenario.get("summary"):
        return "Scenario: " + scenario["summary"]
    dependence = report.get("dependence", "independent")
    together = [] if dependence == "independent" else [f"dependence: {dependence}"]
    if scenario.get("baseline", True):
        return "Scenario: " + "; ".join(["baseline", *together]) + "."
    parts = []
    if scenario.get("disabled_layers"):
        parts.append("layers off: " + ", ".join(scenario["disabled_layers"]))
    if scenario.get("disabled_mitigations"):
        parts.append("mitigations off: " + ", ".join(scenario["disabled_mitigations"]))
    if scenario.get("maturities") is not None:
        parts.append("maturities: " + ", ".join(scenario["maturities"]))
    if scenario.get("adopted"):
        parts.append("adopted: " + ", ".join(scenario["adopted"]))
    return "Scenario: " + "; ".join(parts + together) + "."


def _techniques(
    entry: Mapping[str, Any],
    taxonomy: str,
    tactics: Mapping[str, list[str]] | None,
    demand: Mapping[str, int] | None,
    *,
    by_demand: bool,
) -> list[dict[str, Any]]:
    """A threat's entries: one per tactic it is in (one without a tactic when
    it is in none)."""
    alone = [unprefixed(taxonomy, x) for x in addressing_layers(entry)]
    comment = technique_comment(entry, taxonomy)
    metadata = [
        {"name": "class", "value": entry["class"]},
        {"name": "coverage", "value": f"{entry['coverage']['all']:.3f}"},
        {"name": "addressed alone by", "value": ", ".join(alone) or "no layer"},
    ]
    count = (demand or {}).get(entry["id"], 0)
    if demand is not None:
        comment += f"; {incidents_text(count)}"
        metadata.append({"name": "incidents", "value": str(count)})
    technique = {
        "techniqueID": unprefixed(taxonomy, entry["id"]),
        "score": count if by_demand else coverage_score(entry),
        **({} if by_demand else {"color": CLASS_COLORS[entry["class"]]}),
        "comment": comment,
        "enabled": True,
        "metadata": metadata,
        "showSubtechniques": False,
    }
    placed = (tactics or {}).get(entry["id"]) or [None]
    return [
        technique if tactic is None else {**technique, "tactic": tactic}
        for tactic in placed
    ]


def render_navigator(layer: Mapping[str, Any]) -> str:
    return json.dumps(layer, indent=2, ensure_ascii=False) + "\n"
