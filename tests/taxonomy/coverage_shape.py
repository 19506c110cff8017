"""The coverage document's documented key order (docs/coverage.md), for tests."""

TOP_KEYS = [
    "schema",
    "revision",
    "threshold",
    "effectiveness",
    "scenario",
    "query",
    "layers",
    "minimal_layer_sets",
    "summary",
    "threats",
    "layer_totals",
    "mitigation_ranking",
    "layer_sets",
    "introduced",
    "unblocked_chains_into",
    "chains",
    "diff",
]
THREAT_KEYS = [
    "id",
    "name",
    "class",
    "coverage",
    "links",
    "minimal_layer_sets",
    "minimal_layer_sets_exact",
    "critical_layers",
    "critical_mitigations",
    "introduced_by",
]
