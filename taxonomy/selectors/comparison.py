"""Two taxonomies compared for review: the items that differ and the coverage impact.

``taxonomy_comparison`` is the one document behind ``taxonomy diff`` (two
fixture trees), the revision compare page and its API; ``render_text`` is
for people, ``render_json`` for review bots. Schema ``layerwise-diff/1``:

- ``old``, ``new``: what was compared (paths or revision names);
- ``counts``: ``{create, update, delete}``;
- ``changes``: one item per added, removed or changed item, in kind order
  (layers, threats, mitigations, sources, then links), each
  ``{kind, action, key, fields}`` where ``fields`` maps every differing
  field to ``{before, after}`` (all fields of an added or removed item);
- ``coverage``: the baseline coverage of both sides as the ``coverage``
  command computes it: ``threshold``, ``effectiveness``, ``summary``
  (``{before, after}``, threats per class), ``changed`` (each threat whose
  class differs, ``{id, name, from, to, coverage: {from, to}}``; a threat
  on one side only has null on the other) and ``gaps`` (``{closed, opened}``,
  see ``taxonomy.web.editing``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from taxonomy.analysis.model import CLASSES
from taxonomy.audit import field_changes, record_values
from taxonomy.domain.changes import taxonomy_diff
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.selectors.impact import coverage_impact, gap_counts

SCHEMA = "layerwise-diff/1"


def taxonomy_comparison(
    old: Taxonomy,
    new: Taxonomy,
    *,
    old_name: str,
    new_name: str,
    scenario: Scenario | None = None,
) -> dict[str, Any]:
    """What changes from ``old`` to ``new``, item by item and in coverage
    (under ``scenario``, default the baseline of the settings)."""
    scenario = scenario or coverage_scenario()
    changes = taxonomy_diff(old, new, prune=True)
    impact = coverage_impact(old, new, scenario=scenario)
    names = {t.id: t.name for t in old.threats} | {t.id: t.name for t in new.threats}
    gaps = gap_counts(impact)
    settings = _analysis_settings(scenario)
    return {
        "schema": SCHEMA,
        "old": old_name,
        "new": new_name,
        "counts": changes.counts(),
        "changes": [
            {
                "kind": c.kind,
                "action": c.action,
                "key": c.key,
                "fields": {
                    name: {"before": before, "after": after}
                    for name, before, after in field_changes(
                        record_values(c.before), record_values(c.after)
                    )
                },
            }
            for c in changes.changes
        ],
        "coverage": {
            **settings,
            "summary": impact["summary"],
            "changed": [
                {**c, "name": names.get(c["id"], c["id"])} for c in impact["changed"]
            ],
            "gaps": {"closed": list(gaps.closed), "opened": list(gaps.opened)},
        },
    }


def _analysis_settings(scenario: Scenario) -> dict[str, Any]:
    return {
        "threshold": scenario.threshold,
        "effectiveness": dict(scenario.effectiveness),
        "dependence": scenario.dependence,
    }


def render_json(comparison: Mapping[str, Any]) -> str:
    """The comparison as indented JSON, keys in the documented order."""
    return json.dumps(comparison, indent=2, ensure_ascii=False) + "\n"


SIGNS = {"create": "+", "update": "~", "delete": "-"}


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def change_lines(comparison: Mapping[str, Any]) -> list[str]:
    """One line per changed item; an update lists each field ``before -> after``.

    >>> change_lines({"changes": [{"kind": "mitigates", "action": "update",
    ...     "key": "tee->model-extraction",
    ...     "fields": {"strength": {"before": "high", "after": "medium"}}}]})
    ['~ mitigates tee->model-extraction: strength high -> medium']
    """
    lines = []
    for change in comparison["changes"]:
        head = f"{SIGNS[change['action']]} {change['kind']} {change['key']}"
        if change["action"] == "update":
            detail = "; ".join(
                f"{name} {_value(v['before'])} -> {_value(v['after'])}"
                for name, v in change["fields"].items()
            )
            head += f": {detail}"
        lines.append(head)
    return lines


def coverage_lines(coverage: Mapping[str, Any]) -> list[str]:
    """The class counts before and after, the threats that change class, the gaps."""
    before, after = coverage["summary"]["before"], coverage["summary"]["after"]
    lines = [
        f"Coverage impact (baseline, threshold {coverage['threshold']:g}, "
        f"{coverage.get('dependence', 'independent')} mitigations):",
        f"  {'class':<18}{'before':>7}{'after':>7}{'change':>8}",
    ]
    for name in CLASSES:
        delta = after[name] - before[name]
        shown = f"{delta:+d}" if delta else ""
        lines.append(
            f"  {name:<18}{before[name]:>7}{after[name]:>7}{shown:>8}".rstrip()
        )
    if coverage["changed"]:
        lines.append("  Threats that change class:")
        width = max(len(c["id"]) for c in coverage["changed"])
        for c in coverage["changed"]:
            was, now = c["from"] or "(absent)", c["to"] or "(absent)"
            cov = c["coverage"]
            numbers = " -> ".join(
                "-" if x is None else f"{x:.3f}" for x in (cov["from"], cov["to"])
            )
            lines.append(
                f"    {c['id']:<{width}}  {was} -> {now}  (coverage {numbers})"
            )
    else:
        lines.append("  No threat changes class.")
    gaps = coverage["gaps"]
    lines.append(
        f"  Gaps (unmitigated or insufficient): closes {len(gaps['closed'])}, "
        f"opens {len(gaps['opened'])}"
        + "".join(
            f"; {label} {', '.join(ids)}"
            for label, ids in (("closed", gaps["closed"]), ("opened", gaps["opened"]))
            if ids
        )
    )
    return lines


def render_text(comparison: Mapping[str, Any]) -> str:
    """The comparison for a terminal."""
    counts = comparison["counts"]
    lines = [
        f"{comparison['old']} -> {comparison['new']}",
        f"Items: {counts['create']} added, {counts['update']} changed, "
        f"{counts['delete']} removed",
    ]
    lines += [f"  {line}" for line in change_lines(comparison)]
    lines.append("")
    lines += coverage_lines(comparison["coverage"])
    return "\n".join(lines) + "\n"


def side_by_side(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every threat of two coverage documents in one row: class and coverage on
    each side (None where it is absent), and whether the class changed.

    >>> doc = {"threats": [{"id": "t", "name": "T", "class": "insufficient",
    ...                     "coverage": {"all": 0.5}}]}
    >>> [(r["id"], r["changed"]) for r in side_by_side(doc, {"threats": []})]
    [('t', True)]
    """
    sides = [{t["id"]: t for t in doc["threats"]} for doc in (a, b)]
    rows = []
    for threat in sorted(set(sides[0]) | set(sides[1])):
        was, now = sides[0].get(threat), sides[1].get(threat)
        rows.append(
            {
                "id": threat,
                "name": (now or was)["name"],
                "a": was
                and {"class": was["class"], "coverage": was["coverage"]["all"]},
                "b": now
                and {"class": now["class"], "coverage": now["coverage"]["all"]},
                "changed": (was and was["class"]) != (now and now["class"]),
            }
        )
    return rows
