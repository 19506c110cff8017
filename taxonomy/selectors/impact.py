"""What a change would do to the coverage, computed in memory before anything is written.

Editors' forms, ``taxonomy diff``, the revision comparison and imports describe
a change as the taxonomy before and after it; ``coverage_impact`` compares the
baseline coverage of the two. A **gap** is a threat that the governance
layers do not address even all together: class ``unmitigated`` or
``insufficient`` (the brief's "The gaps"). A threat that only several layers
address together (``defense-in-depth``) is not a gap; its moves in and out of
``single-layer`` are still listed as class changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from taxonomy.domain.changes import Change, taxonomy_with_changes
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.kinds import KINDS, record_key
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors.coverage import coverage_report, coverage_scenario

GAP_CLASSES = frozenset({"unmitigated", "insufficient"})


def taxonomy_merged(current: Taxonomy, desired: Taxonomy, *, prune: bool) -> Taxonomy:
    """What the graph holds after ``taxonomy_sync(desired)``: every kind sorted by key."""
    out = {}
    for name in (kind.field for kind in KINDS.values()):
        items = {} if prune else {record_key(r): r for r in getattr(current, name)}
        items.update((record_key(r), r) for r in getattr(desired, name))
        out[name] = tuple(items[key] for key in sorted(items))
    return Taxonomy(**out)


def coverage_impact(
    before: Taxonomy, after: Taxonomy, *, scenario: Scenario | None = None
) -> dict[str, Any]:
    """Class counts before and after, and every threat whose class changes,
    under ``scenario`` (default the baseline of the settings).

    A threat that only exists on one side has ``None`` on the other.
    """
    query = CoverageQuery(scenario=scenario or coverage_scenario())
    docs = [coverage_report(query, of=t) for t in (before, after)]
    entries = [{e["id"]: e for e in doc["threats"]} for doc in docs]
    changed = []
    for threat in sorted(set(entries[0]) | set(entries[1])):
        was, now = (side.get(threat) for side in entries)
        if was is None or now is None or was["class"] != now["class"]:
            changed.append(
                {
                    "id": threat,
                    "from": was and was["class"],
                    "to": now and now["class"],
                    "coverage": {
                        "from": was and was["coverage"]["all"],
                        "to": now and now["coverage"]["all"],
                    },
                }
            )
    return {
        "summary": {"before": docs[0]["summary"], "after": docs[1]["summary"]},
        "changed": changed,
    }


@dataclass(frozen=True)
class GapCounts:
    """Threats that stop being a gap (``closed``) and that become one (``opened``).

    A new threat that is a gap counts as opened; a deleted one is in neither.
    """

    closed: tuple[str, ...]
    opened: tuple[str, ...]

    def sentence(self) -> str:
        """``"closes 2 gaps, opens 1"``.

        >>> GapCounts(("a", "b"), ("c",)).sentence()
        'closes 2 gaps, opens 1'
        """
        closes = f"closes {len(self.closed)} gap{'s' if len(self.closed) != 1 else ''}"
        return f"{closes}, opens {len(self.opened)}"


def gap_counts(impact: Mapping[str, Any]) -> GapCounts:
    """The gaps a change closes and opens, from ``coverage_impact``'s ``changed``.

    >>> gap_counts({"changed": [
    ...     {"id": "a", "from": "insufficient", "to": "defense-in-depth"},
    ...     {"id": "b", "from": "single-layer", "to": "unmitigated"},
    ...     {"id": "c", "from": None, "to": "unmitigated"},
    ...     {"id": "d", "from": "insufficient", "to": None}]})
    GapCounts(closed=('a',), opened=('b', 'c'))
    """
    closed, opened = [], []
    for change in impact["changed"]:
        was = change["from"] in GAP_CLASSES
        now = change["to"] in GAP_CLASSES
        if was and not now and change["to"] is not None:
            closed.append(change["id"])
        elif now and not was:
            opened.append(change["id"])
    return GapCounts(tuple(closed), tuple(opened))


def edit_impact(
    taxonomy: Taxonomy, changes: Iterable[Change], *, scenario: Scenario | None = None
) -> dict[str, Any]:
    """The coverage impact of applying ``changes`` to ``taxonomy`` (see
    ``coverage_impact``), plus ``gaps`` (a GapCounts).
    """
    after = taxonomy_with_changes(taxonomy, changes)
    impact = coverage_impact(taxonomy, after, scenario=scenario)
    return {**impact, "gaps": gap_counts(impact)}
