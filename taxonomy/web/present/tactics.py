"""A tactic's page: its threats with their coverage."""

from __future__ import annotations

from collections.abc import Mapping

# --- Tactics ------------------------------------------------------------------------


def tactic_threats(snapshot, tactic_id: str, document: Mapping) -> list[dict]:
    """The threats in a tactic, by name, each with its coverage class and coverage.

    >>> from taxonomy.domain.records import Link, Taxonomy, Threat
    >>> snap = Taxonomy(threats=(Threat("b", "B"), Threat("a", "A")),
    ...                 in_tactic=(Link("b", "x"), Link("a", "x"), Link("a", "y")))
    >>> doc = {"threats": [{"id": "a", "class": "unmitigated", "coverage": {"all": 0}},
    ...                    {"id": "b", "class": "single-layer", "coverage": {"all": .9}}]}
    >>> [(t["name"], t["class"]) for t in tactic_threats(snap, "x", doc)]
    [('A', 'unmitigated'), ('B', 'single-layer')]
    """
    entries = {t["id"]: t for t in document["threats"]}
    inside = {link.source for link in snapshot.in_tactic if link.target == tactic_id}
    return [
        {
            "id": threat.id,
            "name": threat.name,
            "class": entries[threat.id]["class"],
            "coverage": entries[threat.id]["coverage"]["all"],
        }
        for threat in sorted(snapshot.threats, key=lambda t: (t.name, t.id))
        if threat.id in inside and threat.id in entries
    ]
