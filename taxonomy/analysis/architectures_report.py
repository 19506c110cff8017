"""Governance architectures compared, as a document (schema
``layerwise-architectures/1``) with sentences a policymaker reads without
knowing the model, and its CSV; what the comparison page, the API, the brief
and the downloads show (docs/coverage.md, "Architectures side by side").

The document:

- ``assumptions``: ``threshold``, ``effectiveness``, ``dependence`` and a
  ``line`` saying them in words;
- ``architectures``: per architecture ``id``, ``name``, ``description``,
  ``scenario`` (``summary`` in words, ``query`` its parameters,
  ``jurisdiction``, ``as_of``, ``maturities``), ``summary`` (threats per
  class), ``threats``, ``addressed``, ``not_by_one_layer`` (ids), ``mobile``
  (``count``, ``addressed``, ``weakest``: place id → how many mobile threats
  are weakest there, a tie counted in each tied place), ``introduced`` (``[{threat, introduced_by}]``),
  ``adopted`` (ids), ``cost`` and ``line``;
- ``threats``: per threat ``id``, ``name``, ``mobile``, ``differs`` and
  ``by_architecture`` (in the order of ``architectures``: ``class``,
  ``coverage``, ``weakest``, ``weakest_tied`` (every place as weak),
  ``weakest_class``);
- ``differ``: the ids of the threats on which the architectures differ, and
  ``line``, what that comes to in a sentence.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from taxonomy.analysis.architectures import Comparison, Outcome
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import (
    DEPENDENCE_WORDS,
    Scenario,
    percent,
    scenario_params,
    scenario_summary,
)

SCHEMA = "layerwise-architectures/1"
# How many threats a sentence names before it says "and N more".
NAMED = 4
CSV_COLUMNS = (
    "architecture",
    "threat",
    "name",
    "mobile",
    "class",
    "coverage",
    "weakest",
    "weakest_class",
    "differs",
)


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def _and(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``, at most ``NAMED`` then how many more.

    >>> _and(["a", "b", "c"]), _and(list("abcdef"))
    ('a, b and c', 'a, b, c, d and 2 more')
    """
    words = list(words)
    if len(words) > NAMED:
        words = [*words[:NAMED], f"{len(words) - NAMED} more"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def assumptions_entry(scenario: Scenario) -> dict:
    """The model's settings every architecture is judged by, with a sentence.

    >>> print(assumptions_entry(Scenario())["line"])
    A threat counts as addressed when its coverage reaches 80%. A weak measure counts for 30%, a medium one for 60%, a strong one for 90%; mitigations fail independently.
    """
    e = scenario.effectiveness_map
    return {
        "threshold": scenario.threshold,
        "effectiveness": e,
        "dependence": scenario.dependence,
        "line": (
            "A threat counts as addressed when its coverage reaches "
            f"{percent(scenario.threshold)}. A weak measure counts for "
            f"{percent(e['low'])}, a medium one for {percent(e['medium'])}, a "
            f"strong one for {percent(e['high'])}; "
            f"{DEPENDENCE_WORDS[scenario.dependence]}."
        ),
    }


def _weakest_counts(outcome: Outcome) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tied in outcome.weakest_tied:
        for place in tied:
            counts[place] = counts.get(place, 0) + 1
    return dict(sorted(counts.items(), key=lambda pn: (-pn[1], pn[0])))


def architecture_line(entry: Mapping, names: Mapping[str, str]) -> str:
    """What one architecture comes to, in words.

    >>> entry = {"name": "Layered", "threats": 3, "addressed": 2, "summary": {
    ...     "unmitigated": 0, "insufficient": 1, "defense-in-depth": 1,
    ...     "single-layer": 1}, "not_addressed": ["t"], "mobile": {"count": 1,
    ...     "addressed": 0, "weakest": {"cn": 1}}, "introduced": [{"threat": "r",
    ...     "introduced_by": ["a"]}], "adopted": ["a"], "cost": 2.0}
    >>> print(architecture_line(entry, {"t": "Theft", "cn": "China",
    ...     "r": "Repression", "a": "Attestation"}))
    Layered addresses 2 of 3 threats: 1 by a single governance layer, 1 only by several layers together. Not addressed: Theft. Of the 1 threat whose actors can move to another jurisdiction, none is addressed where it is weakest. It is weakest in China. Its measures introduce Repression (through Attestation). The measures it adopts cost 2 units: Attestation.
    """
    summary = entry["summary"]
    parts = [
        f"{entry['name']} addresses {entry['addressed']} of "
        f"{_plural(entry['threats'], 'threat')}: {summary['single-layer']} by a "
        f"single governance layer, {summary['defense-in-depth']} only by several "
        "layers together."
    ]
    if entry["not_addressed"]:
        parts.append(
            f"Not addressed: {_and([names.get(t, t) for t in entry['not_addressed']])}."
        )
    mobile = entry["mobile"]
    if mobile["weakest"]:
        count, addressed = mobile["count"], mobile["addressed"]
        who = "whose actors can move to another jurisdiction"
        told = (
            "none is"
            if addressed == 0
            else f"{addressed} {'is' if addressed == 1 else 'are'}"
        )
        places = ", ".join(
            f"{names.get(p, p)} {n}" for p, n in mobile["weakest"].items()
        )
        if count == 1:
            where = f"It is weakest in {_and([names.get(p, p) for p in mobile['weakest']])}."
        else:
            where = (
                "How many are weakest in each jurisdiction (a tie counts in each): "
                f"{places}."
            )
        parts.append(
            f"Of the {_plural(count, 'threat')} {who}, {told} addressed where "
            f"{'it is' if count == 1 else 'they are'} weakest. {where}"
        )
    if entry["introduced"]:
        made = [
            f"{names.get(i['threat'], i['threat'])} (through "
            f"{_and([names.get(m, m) for m in i['introduced_by']])})"
            for i in entry["introduced"]
        ]
        parts.append(f"Its measures introduce {_and(made)}.")
    if entry["adopted"]:
        cost = f"{entry['cost']:g}"
        parts.append(
            f"The measures it adopts cost {cost} unit{'s' * (cost != '1')}: "
            f"{_and([names.get(m, m) for m in entry['adopted']])}."
        )
    else:
        parts.append("It adopts no measure beyond those that count already.")
    return " ".join(parts)


def _architecture_entry(
    outcome: Outcome,
    comparison: Comparison,
    described: Mapping[str, str],
    names: Mapping[str, str],
    default_threshold: float,
) -> dict:
    scenario = outcome.scenario
    threats = comparison.threats
    addressed = outcome.addressed
    mobile = comparison.mobile
    where_weakest = [w is not None for w in outcome.weakest]
    entry = {
        "id": outcome.label,
        "name": names.get(outcome.label, outcome.label),
        "description": described.get(outcome.label, ""),
        "scenario": {
            "summary": scenario_summary(scenario, names),
            "query": urlencode(
                scenario_params(scenario, default_threshold=default_threshold)
            ),
            "jurisdiction": scenario.jurisdiction,
            "as_of": scenario.as_of.isoformat() if scenario.as_of else None,
            "maturities": None
            if scenario.maturities is None
            else sorted(scenario.maturities),
        },
        "summary": outcome.summary,
        "threats": len(threats),
        "addressed": int(addressed.sum()),
        "not_addressed": [t for t, a in zip(threats, addressed, strict=True) if not a],
        "not_by_one_layer": [
            t for t, n in zip(threats, outcome.not_by_one_layer, strict=True) if n
        ],
        "mobile": {
            "count": int(mobile.sum()),
            "addressed": int(
                sum(
                    CLASSES[c] in ("defense-in-depth", "single-layer")
                    for c, m, w in zip(
                        outcome.world_classes, mobile, where_weakest, strict=True
                    )
                    if m and w
                )
            ),
            "weakest": _weakest_counts(outcome),
        },
        "introduced": [
            {"threat": t, "introduced_by": list(ms)} for t, ms in outcome.introduced
        ],
        "adopted": list(outcome.adopted),
        "cost": outcome.cost,
    }
    entry["line"] = architecture_line(entry, names)
    return entry


def comparison_document(
    comparison: Comparison,
    taxonomy: Taxonomy,
    *,
    names: Mapping[str, str] | None = None,
    default_threshold: float = 0.8,
) -> dict:
    """The comparison as a document (see the module's schema).

    Parameters
    ----------
    comparison : Comparison
        Its outcomes' labels are the architectures' ids (``today`` for today).
    taxonomy : Taxonomy
        For names and descriptions.
    names : mapping, optional
        Display names beyond the taxonomy's (``{"today": "Today"}``).
    default_threshold : float
        The site's threshold, left out of each scenario's ``query``.

    Returns
    -------
    dict
    """
    named = {
        r.id: r.name
        for r in (
            *taxonomy.layers,
            *taxonomy.threats,
            *taxonomy.mitigations,
            *taxonomy.jurisdictions,
            *getattr(taxonomy, "architectures", ()),
        )
    } | dict(names or {})
    described = {a.id: a.description for a in getattr(taxonomy, "architectures", ())}
    outcomes = comparison.outcomes
    differ = set(comparison.differ.tolist())
    architectures = [
        _architecture_entry(o, comparison, described, named, default_threshold)
        for o in outcomes
    ]
    threats = [
        {
            "id": t,
            "name": comparison.threat_names[i],
            "mobile": bool(comparison.mobile[i]),
            "differs": i in differ,
            "by_architecture": [
                {
                    "class": CLASSES[o.classes[i]],
                    "coverage": round(float(o.coverage[i]), 6),
                    "weakest": o.weakest[i],
                    "weakest_tied": list(o.weakest_tied[i]),
                    "weakest_class": CLASSES[o.world_classes[i]]
                    if o.weakest[i] is not None
                    else None,
                }
                for o in outcomes
            ],
        }
        for i, t in enumerate(comparison.threats)
    ]
    return {
        "schema": SCHEMA,
        "revision": taxonomy.revision,
        "assumptions": assumptions_entry(outcomes[0].scenario),
        "architectures": architectures,
        "threats": threats,
        "differ": [t["id"] for t in threats if t["differs"]],
        "line": _differ_line(len(differ), len(threats), len(outcomes)),
    }


def _differ_line(differ: int, threats: int, architectures: int) -> str:
    """How many threats the choice changes, in words.

    >>> _differ_line(0, 12, 2), _differ_line(1, 12, 3)
    ('The 2 architectures leave every one of the 12 threats in the same state.', 'The 3 architectures differ on 1 of the 12 threats.')
    """
    if not differ:
        return (
            f"The {architectures} architectures leave every one of the "
            f"{threats} threats in the same state."
        )
    return f"The {architectures} architectures differ on {differ} of the {threats} threats."


def render_json(document: Mapping) -> str:
    """The document as indented JSON text."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_csv(document: Mapping) -> str:
    """One row per architecture and threat (``CSV_COLUMNS``); coverage as a
    fraction, ``weakest`` empty for a threat judged in one place."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a, architecture in enumerate(document["architectures"]):
        for threat in document["threats"]:
            cell = threat["by_architecture"][a]
            writer.writerow(
                (
                    architecture["id"],
                    threat["id"],
                    threat["name"],
                    str(threat["mobile"]).lower(),
                    cell["class"],
                    cell["coverage"],
                    cell["weakest"] or "",
                    cell["weakest_class"] or "",
                    str(threat["differs"]).lower(),
                )
            )
    return out.getvalue()
