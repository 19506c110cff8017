"""Writes to the taxonomy graph: <entity>_<verb>(*, ...), each through one
audited path (``audited``): whole taxonomies (``loads``), single items
(``items``), external catalogues (``catalogues``) and mapping sets
(``mappings``)."""

from taxonomy.services.catalogues import (
    CATALOGUE_PARSERS,
    CatalogueImportResult,
    catalogue_import,
)
from taxonomy.services.items import (
    cascade_changes,
    link_create,
    link_delete,
    node_create,
    node_delete,
    node_update,
    property_link_create,
    property_link_update,
)
from taxonomy.services.loads import (
    ImportResult,
    LoadResult,
    schema_apply,
    taxonomy_apply,
    taxonomy_import,
    taxonomy_load,
    taxonomy_load_if_empty,
)
from taxonomy.services.mappings import (
    MappingsReport,
    mapping_row_save,
    mapping_set_delete,
    mapping_set_read_text,
    mapping_set_save,
    mapping_set_update,
    mappings_check,
    mappings_load,
)

__all__ = [
    "CATALOGUE_PARSERS",
    "CatalogueImportResult",
    "ImportResult",
    "LoadResult",
    "MappingsReport",
    "cascade_changes",
    "catalogue_import",
    "link_create",
    "link_delete",
    "mapping_row_save",
    "mapping_set_delete",
    "mapping_set_read_text",
    "mapping_set_save",
    "mapping_set_update",
    "mappings_check",
    "mappings_load",
    "node_create",
    "node_delete",
    "node_update",
    "property_link_create",
    "property_link_update",
    "schema_apply",
    "taxonomy_apply",
    "taxonomy_import",
    "taxonomy_load",
    "taxonomy_load_if_empty",
]
