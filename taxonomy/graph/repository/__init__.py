"""All Cypher of the project. Values travel only as $parameters.

Labels and relationship types cannot be parameters; the queries that vary
them take them from the kind registry (``taxonomy.domain.kinds``), never from
input. The package's modules: ``read`` (whole taxonomies, counts, search),
``sync`` (a whole taxonomy written as one change set), ``writes`` (one node,
and the rules of every single-item write), ``link_writes`` (one link),
``revision`` (the revision counter and token), ``journal`` (the audit
records each write stores with itself), ``backup`` (the whole graph to a file
and back), ``schema`` (constraints, indexes, emptying). Driver errors leave it as ``taxonomy.domain.errors``.
"""

from taxonomy.domain.errors import (
    AlreadyExists,
    GraphConflict,
    GraphError,
    GraphUnavailable,
    InvalidWrite,
    NotFound,
    StillReferenced,
    VersionConflict,
)
from taxonomy.graph.repository.backup import (
    backup_rows_checked,
    graph_dump,
    graph_load,
    graph_load_staged,
    graph_restorable,
    restore_staged,
)
from taxonomy.graph.repository.base import Versions
from taxonomy.graph.repository.journal import (
    journal_after,
    journal_count,
    journal_epoch,
    journal_times,
)
from taxonomy.graph.repository.link_writes import (
    link_create,
    link_delete,
    property_link_create,
    property_link_update,
)
from taxonomy.graph.repository.mappings import (
    mapping_row_write,
    mapping_set_delete,
    mapping_set_replace,
    mapping_sets_read,
    threat_ids,
)
from taxonomy.graph.repository.read import (
    fulltext_search,
    layer_taxonomies,
    lucene_terms,
    mitigates_count,
    taxonomy_counts,
    taxonomy_read,
)
from taxonomy.graph.repository.revision import (
    epoch_of,
    forget_revision_token,
    graph_revision,
    graph_revision_token,
)
from taxonomy.graph.repository.schema import (
    ensure_schema,
    forget_schema,
    graph_clear,
    graph_fingerprint,
    graph_is_empty,
    graph_restore,
    graph_snapshot,
    schema_apply,
    schema_missing,
    server_components,
)
from taxonomy.graph.repository.staging import WriteStats, settle_load, staged_from
from taxonomy.graph.repository.sync import bare_read, plain_merge, taxonomy_sync
from taxonomy.graph.repository.visibility import load_status
from taxonomy.graph.repository.writes import node_create, node_delete, node_update

__all__ = [
    "AlreadyExists",
    "GraphConflict",
    "GraphError",
    "GraphUnavailable",
    "InvalidWrite",
    "NotFound",
    "StillReferenced",
    "VersionConflict",
    "Versions",
    "WriteStats",
    "backup_rows_checked",
    "bare_read",
    "ensure_schema",
    "epoch_of",
    "forget_revision_token",
    "forget_schema",
    "fulltext_search",
    "graph_clear",
    "graph_dump",
    "graph_fingerprint",
    "graph_is_empty",
    "graph_load",
    "graph_load_staged",
    "graph_restorable",
    "graph_restore",
    "graph_snapshot",
    "graph_revision",
    "graph_revision_token",
    "journal_after",
    "journal_count",
    "journal_epoch",
    "journal_times",
    "layer_taxonomies",
    "link_create",
    "link_delete",
    "mapping_row_write",
    "mapping_set_delete",
    "mapping_set_replace",
    "mapping_sets_read",
    "load_status",
    "lucene_terms",
    "mitigates_count",
    "node_create",
    "node_delete",
    "node_update",
    "plain_merge",
    "property_link_create",
    "property_link_update",
    "restore_staged",
    "schema_apply",
    "schema_missing",
    "server_components",
    "settle_load",
    "staged_from",
    "taxonomy_counts",
    "taxonomy_read",
    "taxonomy_sync",
    "threat_ids",
]
