"""A coverage scenario as an ATT&CK Navigator layer (layer format 4.5).

One technique entry per threat: the score is the number of governance
layers that address the threat on their own, the comment its coverage
class; a red-to-green gradient over 0..number of layers and a legend that
names each score. Technique ids are the taxonomy's own ids without the
taxonomy prefix (``atlas:AML.T0024`` → ``AML.T0024``), so a layer of an
ATLAS- or ATT&CK-derived taxonomy opens on the right cells in ATLAS or
ATT&CK Navigator.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from taxonomy.formats.common import unprefixed

LAYER_FORMAT = "4.5"
NAVIGATOR_VERSION = "5.1.0"
# Red (no layer alone) through yellow to green (every layer alone).
GRADIENT = ("#ff6666", "#ffe766", "#8ec843")
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


def addressing_layers(entry: Mapping[str, Any]) -> list[str]:
    """The layers that address one threat of a coverage document on their own
    (its minimal layer sets of one layer).

    >>> addressing_layers({"minimal_layer_sets": [["hw"], ["sw", "law"]]})
    ['hw']
    """
    return sorted(s[0] for s in entry["minimal_layer_sets"] if len(s) == 1)


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
        A coverage document: ``threshold``, ``layers``, ``summary`` and
        ``threats`` with ``id``, ``class`` and ``coverage``.
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
    ('atlas-atlas', 'AML.T0000', 1)
    """
    layers = list(report["layers"])
    top = max(len(layers), 1)
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
            f"Score: how many of the {len(layers)} governance layers address the "
            f"threat on their own (coverage >= {threshold:g}); comment: its coverage "
            f"class. {_scenario_text(report)} Classes: {summary}."
        ),
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": [_technique(t, taxonomy) for t in report["threats"]],
        "gradient": {"colors": list(GRADIENT), "minValue": 0, "maxValue": top},
        "legendItems": [
            {
                "label": f"{k} of {len(layers)} layers address it alone",
                "color": _color(k, 0, top),
            }
            for k in range(len(layers) + 1)
        ],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": [
            {"name": "taxonomy", "value": taxonomy},
            {"name": "threshold", "value": f"{threshold:g}"},
            {"name": "layers", "value": ", ".join(layers)},
        ],
    }


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
    return "Scenario: " + "; ".join(parts + together) + "."


def _technique(entry: Mapping[str, Any], taxonomy: str) -> dict[str, Any]:
    alone = addressing_layers(entry)
    return {
        "techniqueID": unprefixed(taxonomy, entry["id"]),
        "score": len(alone),
        "comment": entry["class"],
        "enabled": True,
        "metadata": [
            {"name": "coverage", "value": f"{entry['coverage']['all']:.3f}"},
            {"name": "addressed alone by", "value": ", ".join(alone) or "no layer"},
        ],
        "showSubtechniques": False,
    }


def render_navigator(layer: Mapping[str, Any]) -> str:
    return json.dumps(layer, indent=2, ensure_ascii=False) + "\n"
