"""The OpenAPI document: every endpoint's summary, description, parameters and
responses, and the errors every operation can answer.

The views carry no documentation of their own: each is decorated with one of
the decorators re-exported here (``@schema.coverage``), written in the module
of its family (the API about itself, the views generated per kind, the
analyses, import and export, history, the mapping sets), and the views
generated per kind are documented from the serializers they declare. How the
document is generated and read (the inspector, the errors every operation
answers, the paths the views check their query against) is
``graphapi.openapi``.
"""

from graphapi.schema.analyses import (
    architecture_compare,
    coverage,
    coverage_diff,
    coverage_incident,
    coverage_incidents,
    coverage_matrix,
    coverage_robustness,
    coverage_tactics,
    recommendations,
)
from graphapi.schema.crosswalks import (
    mapping_row,
    mapping_rows,
    mapping_set,
    mapping_set_export,
    mapping_sets,
)
from graphapi.schema.history import audit, revision_compare, revisions
from graphapi.schema.interchange import (
    export,
    graph,
    import_,
    job,
    job_cancel,
    taxonomies,
)
from graphapi.schema.kinds import link_collection, link_item, node_collection, node_item
from graphapi.schema.service import api_index, health, ping

__all__ = [
    "api_index",
    "architecture_compare",
    "audit",
    "coverage",
    "coverage_diff",
    "coverage_incident",
    "coverage_incidents",
    "coverage_matrix",
    "coverage_robustness",
    "coverage_tactics",
    "export",
    "graph",
    "health",
    "import_",
    "job",
    "job_cancel",
    "link_collection",
    "link_item",
    "mapping_row",
    "mapping_rows",
    "mapping_set",
    "mapping_set_export",
    "mapping_sets",
    "node_collection",
    "node_item",
    "ping",
    "recommendations",
    "revision_compare",
    "revisions",
    "taxonomies",
]
