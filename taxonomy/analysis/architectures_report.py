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
  class), ``threats``, ``addressed``, ``not_addressed``, ``not_by_one_layer``
  (ids; these counts judge a mobile threat where it is weakest, as the world
  view does), ``mobile``
  (``count``, ``addressed``, ``weakest``: place id → how many mobile threats
  are weakest there, a tie counted in each tied place), ``introduced`` (``[{threat, introduced_by}]``),
  ``adopts`` (the measures it names, ids), ``already_in_effect`` (those of
  them in effect without it), ``adopted`` (ids: what its adoption pays for,
  REQUIRED ones included), ``cost``, ``costs_recorded`` (whether any of those
  has a cost other than the 1 unit a mitigation costs by default), ``measures`` (that in words)
  and ``line``;
- ``threats``: per threat ``id``, ``name``, ``mobile``, ``differs`` and
  ``by_architecture`` (in the order of ``architectures``: ``class``,
  ``coverage`` (as one world: every measure in effect anywhere counted everywhere),
  ``weakest``, ``weakest_tied`` (every place as weak), ``weakest_class``,
  ``weakest_coverage``);
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
from taxonomy.analysis.world_report import weakest_words
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import DEPENDENCE_WORDS, Scenario
from taxonomy.domain.scenario_params import scenario_params
from taxonomy.domain.scenario_words import percent, scenario_summary

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
    "weakest_coverage",
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


def measures_words(entry: Mapping) -> str:
    """The measures an architecture adopts and what they cost, in words: the
    recommendation's rule (``analysis.recommend.problem``): a measure already
    in effect costs nothing, one not yet in effect (or REQUIRED by one
    adopted) is paid once at its cost, 1 unit unless its editors set another.

    >>> entry = {"adopts": ["a", "b", "c"], "already_in_effect": ["c"],
    ...     "adopted": ["a", "b"], "cost": 2.0, "costs_recorded": False,
    ...     "scenario": {"maturities": ["deployed"]}}
    >>> measures_words(entry)
    '3 measures, 1 already deployed; cost 2, one unit per measure not yet in effect'
    >>> measures_words(entry | {"adopts": ["a"], "already_in_effect": [],
    ...     "cost": 5.0, "costs_recorded": True, "scenario": {"maturities": None}})
    '1 measure and 1 it requires; cost 5, each measure not yet in effect at its cost (1 unit unless its editors set another)'
    >>> measures_words({"adopts": []})
    'none adopted'
    """
    adopts = entry["adopts"]
    if not adopts:
        return "none adopted"
    words = _plural(len(adopts), "measure")
    already = entry["already_in_effect"]
    if already:
        state = (
            "deployed"
            if entry["scenario"]["maturities"] == ["deployed"]
            else "in effect"
        )
        words += f", {len(already)} already {state}"
    required = [m for m in entry["adopted"] if m not in adopts]
    if required:
        words += f" and {len(required)} {'it requires' if len(adopts) == 1 else 'they require'}"
    if not entry["adopted"]:
        return f"{words}; nothing to pay"
    rule = (
        "each measure not yet in effect at its cost (1 unit unless its editors "
        "set another)"
        if entry["costs_recorded"]
        else "one unit per measure not yet in effect"
    )
    return f"{words}; cost {entry['cost']:g}, {rule}"


def architecture_line(entry: Mapping, names: Mapping[str, str]) -> str:
    """What one architecture comes to, in words.

    >>> entry = {"name": "Layered", "threats": 3, "addressed": 2, "summary": {
    ...     "unmitigated": 0, "insufficient": 1, "defense-in-depth": 1,
    ...     "single-layer": 1}, "not_addressed": ["t"], "mobile": {"count": 1,
    ...     "addressed": 0, "weakest": {"cn": 1}}, "introduced": [{"threat": "r",
    ...     "introduced_by": ["a"]}], "adopts": ["a", "b"], "already_in_effect":
    ...     ["b"], "adopted": ["a"], "cost": 2.0, "costs_recorded": True,
    ...     "scenario": {"maturities": ["deployed"]}}
    >>> print(architecture_line(entry, {"t": "Theft", "cn": "China",
    ...     "r": "Repression", "a": "Attestation", "b": "Logging"}))
    Layered addresses 2 of 3 threats (a threat whose actors can move counted where it is weakest): 1 by a single governance layer, 1 only by several layers together. Not addressed: Theft. Of the 1 threat whose actors can move to another jurisdiction, none is addressed where it is weakest. It is weakest in China. Its measures introduce Repression (through Attestation). It adopts 2 measures, 1 already deployed; cost 2, each measure not yet in effect at its cost (1 unit unless its editors set another). Already in effect: Logging.
    """
    summary = entry["summary"]
    parts = [
        f"{entry['name']} addresses {entry['addressed']} of "
        f"{_plural(entry['threats'], 'threat')}"
        + (
            " (a threat whose actors can move counted where it is weakest)"
            if entry["mobile"]["weakest"]
            else ""
        )
        + f": {summary['single-layer']} by a "
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
        where = weakest_words(count, mobile["weakest"], names)
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
    if entry["adopts"]:
        parts.append(f"It adopts {measures_words(entry)}.")
        if entry["already_in_effect"]:
            parts.append(
                "Already in effect: "
                f"{_and([names.get(m, m) for m in entry['already_in_effect']])}."
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
    recorded: frozenset[str] = frozenset(),
) -> dict:
    scenario = outcome.scenario
    threats = comparison.threats
    addressed = outcome.world_addressed
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
        "summary": outcome.world_summary,
        "threats": len(threats),
        "addressed": int(addressed.sum()),
        "not_addressed": [t for t, a in zip(threats, addressed, strict=True) if not a],
        "not_by_one_layer": [
            t for t, n in zip(threats, outcome.world_not_by_one_layer, strict=True) if n
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
        "adopts": list(outcome.adopts),
        "already_in_effect": [m for m in outcome.adopts if m not in outcome.adopted],
        "adopted": list(outcome.adopted),
        "cost": outcome.cost,
        "costs_recorded": any(m in recorded for m in outcome.adopted),
    }
    entry["measures"] = measures_words(entry)
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
    # A mitigation costs 1 unit unless its editors give it another cost.
    recorded = frozenset(m.id for m in taxonomy.mitigations if m.cost != 1.0)
    architectures = [
        _architecture_entry(
            o, comparison, described, named, default_threshold, recorded
        )
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
                    "weakest_coverage": round(float(o.world_coverage[i]), 6)
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
    fraction, ``weakest`` and what is said of it there empty for a threat
    judged in one place."""
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
                    ""
                    if cell["weakest_coverage"] is None
                    else cell["weakest_coverage"],
                    str(threat["differs"]).lower(),
                )
            )
    return out.getvalue()
