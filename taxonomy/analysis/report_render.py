"""The coverage document rendered: the one JSON serialisation, the CSV matrix
and the table the command line prints (``render_json``, ``render_csv``,
``render_table``).

``render_json`` is the one serialisation that the command line and the REST
API share, so both are byte-identical.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping

from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.report import DIGITS
from taxonomy.analysis.robustness_report import robustness_lines
from taxonomy.domain.scenario_words import percent

MARKS = {
    "unmitigated": "XX",
    "insufficient": "X",
    "defense-in-depth": "~",
    "single-layer": "",
}


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
    >>> from taxonomy.analysis.report import build_report
    >>> from taxonomy.domain.records import Taxonomy
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
