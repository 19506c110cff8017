"""A small taxonomy with tactics and documented incidents, for the page and API tests.

Under the baseline, t1 is addressed (single layer: hardware), t2 insufficient,
t3 and t4 unmitigated; t1 is in two tactics, t4 in none. cs1 is stopped at
step 2 (t1), g1 is stopped (t1); cs2, cs3 and g2 are not. Switching the
hardware layer off un-stops cs1 and g1. Demand: t3 3, t1 2, t2 2, t4 0.
"""

from __future__ import annotations

from taxonomy.domain.records import (
    Incident,
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Tactic,
    Taxonomy,
    Threat,
    Uses,
)

INCIDENTS = Taxonomy(
    layers=(Layer("hw", "Hardware"), Layer("sw", "Software")),
    threats=(
        Threat("t1", "Phish"),
        Threat("t2", "Exfiltrate"),
        Threat("t3", "Wipe"),
        Threat("t4", "Loiter"),
    ),
    mitigations=(
        Mitigation("m-hw", "Attested chips", "hw", "deployed"),
        Mitigation("m-sw", "Filters", "sw", "deployed"),
    ),
    mitigates=(Mitigates("m-hw", "t1", "high"), Mitigates("m-sw", "t2", "medium")),
    tactics=(
        Tactic("ta-access", "Initial access", shortname="initial-access", order=0),
        Tactic("ta-impact", "Impact", shortname="impact", order=1),
    ),
    in_tactic=(
        Link("t1", "ta-access"),
        Link("t1", "ta-impact"),
        Link("t2", "ta-access"),
        Link("t3", "ta-impact"),
    ),
    incidents=(
        Incident("cs1", "A breach", "case-study", "2024-05-01", "It went badly"),
        Incident("cs2", "A wiper", "case-study", "2023"),
        Incident("cs3", "Another wiper", "case-study", "2022"),
        Incident("g1", "Phishers", "group"),
        Incident("g2", "Leakers", "group"),
    ),
    uses=(
        Uses("cs1", "t2", (1,), ("ta-access",), ("took the data",)),
        Uses("cs1", "t1", (2,), ("initial-access",), ("sent mail",)),
        Uses("cs2", "t3", (1,), ("ta-impact",), ("wiped",)),
        Uses("cs3", "t3", (1,), ("ta-impact",), ("wiped again",)),
        Uses("g1", "t1"),
        Uses("g2", "t2"),
        Uses("g2", "t3"),
    ),
)
