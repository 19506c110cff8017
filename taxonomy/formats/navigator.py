"""A coverage scenario as an ATT&CK Navigator layer (layer format 4.5).

One technique entry per threat, a heatmap of coverage: the score is the
threat's coverage by all governance layers together under the scenario, in
percent (0..100, a whole number, as MITRE's ``mitreattack-python`` reads
scores, rounded down so that a score at or above the threshold's percent means
addressed); the comment says its coverage class and which layers address
it, alone or together. A red-to-green gradient over 0..100, a legend item per
class and the scenario's assumptions (threshold, dependence, maturities, what
is switched off) in the layer's metadata. Technique ids are the taxonomy's own
ids without the taxonomy prefix (``atlas:AML.T0024`` → ``AML.T0024``), so a
layer of an ATLAS- or ATT&CK-derived taxonomy opens on the right cells in
ATLAS or ATT&CK Navigator.
"""

from __future__ import annotations

import json
import math
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
from taxonomy.formats.common import unprefixed

LAYER_FORMAT = "4.5"
# The layer format 4.5 asks for Navigator 4.9.0 or later; mitreattack-python
# reads the 5.x schema.
NAVIGATOR_VERSION = "5.1.0"
# Red (no coverage) through yellow to green (full coverage).
GRADIENT = ("#ff6666", "#ffe766", "#8ec843")
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


def _color(value: float, low: float, high: float) -> str:
    """The gradient's color at ``value`` (linear between the stops)."""
    stops = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in GRADIENT]
    t = 0.0 if high <= low else (value - low) / (high - low)
    t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(t), len(stops) - 2)
    frac = t - i
    rgb = [
        round(a + (b - a) * frac) for a, b in zip(stops[i], stops[i + 1], strict=True)
    ]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def navigator_layer(
    report: Mapping[str, Any],
    *,
    taxonomy: str,
    name: str | None = None,
    domain: str | None = None,
    attack_version: str | None = None,
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
        The layer's name (default: "Layerwise coverage: <taxonomy>").
    domain : str, optional
        Default ``navigator_domain(taxonomy)``.
    attack_version : str, optional
        ``versions.attack`` (left out when not given).

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
    return {
        "name": name or f"Layerwise coverage: {taxonomy}",
        "versions": versions,
        "domain": domain or navigator_domain(taxonomy),
        "description": (
            f"Score: the threat's coverage by all {len(layers)} governance layers "
            f"together, in percent (addressed at {SCORE_MAX * threshold:g}% or more); "
            "comment: "
            f"its coverage class and the layers that address it. "
            f"{_scenario_text(report)} Classes: {summary}."
        ),
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": [_technique(t, taxonomy) for t in report["threats"]],
        "gradient": {"colors": list(GRADIENT), "minValue": 0, "maxValue": SCORE_MAX},
        "legendItems": _legend(report),
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": _metadata(report, taxonomy),
    }


def _legend(report: Mapping[str, Any]) -> list[dict[str, str]]:
    """A legend item per class, in the gradient's color of the class's band of
    scores (the two addressed classes share the band above the threshold).

    >>> [i["label"] for i in _legend({"threshold": 0.8, "summary": {}})][1]
    'insufficient (0): coverage below 80%'
    """
    cut = SCORE_MAX * report["threshold"]
    bands = {
        UNMITIGATED: ("no enabled mitigation, 0%", 0),
        INSUFFICIENT: (f"coverage below {cut:g}%", cut / 2),
        DEFENSE_IN_DEPTH: (
            f"{cut:g}% or more, only layers together",
            (cut + SCORE_MAX) / 2,
        ),
        SINGLE_LAYER: (f"{cut:g}% or more, one layer alone", (cut + SCORE_MAX) / 2),
    }
    counts = report.get("summary", {})
    return [
        {
            "label": f"{c} ({counts.get(c, 0)}): {bands[c][0]}",
            "color": _color(bands[c][1], 0, SCORE_MAX),
        }
        for c in CLASSES
    ]


def _metadata(report: Mapping[str, Any], taxonomy: str) -> list[dict[str, str]]:
    """The scenario's assumptions, each a name and a text value."""
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
    }
    return [{"name": k, "value": v} for k, v in values.items() if v]


def _scenario_text(report: Mapping[str, Any]) -> str:
    scenario = report.get("scenario") or {}
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


def _technique(entry: Mapping[str, Any], taxonomy: str) -> dict[str, Any]:
    alone = [unprefixed(taxonomy, x) for x in addressing_layers(entry)]
    return {
        "techniqueID": unprefixed(taxonomy, entry["id"]),
        "score": coverage_score(entry),
        "comment": technique_comment(entry, taxonomy),
        "enabled": True,
        "metadata": [
            {"name": "class", "value": entry["class"]},
            {"name": "coverage", "value": f"{entry['coverage']['all']:.3f}"},
            {"name": "addressed alone by", "value": ", ".join(alone) or "no layer"},
        ],
        "showSubtechniques": False,
    }


def render_navigator(layer: Mapping[str, Any]) -> str:
    return json.dumps(layer, indent=2, ensure_ascii=False) + "\n"
