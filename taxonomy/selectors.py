"""Reads from the taxonomy graph: <entity>_<noun>(*, ...)."""

from __future__ import annotations

from taxonomy.graph import repository
from taxonomy.graph.records import Taxonomy


def taxonomy_snapshot(*, taxonomy: str | None = None) -> Taxonomy:
    """The whole taxonomy graph as plain records, read in one transaction."""
    return repository.taxonomy_read(taxonomy=taxonomy)


def server_version() -> str:
    """The Neo4j Kernel version the connected server reports, e.g. '5.26.30'."""
    for component in repository.server_components():
        if component["name"] == "Neo4j Kernel":
            return component["versions"][0]
    raise repository.GraphError("the server did not report a Neo4j Kernel component")
