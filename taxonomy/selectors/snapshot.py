"""The taxonomy as it is now: read once per revision, and what the graph holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taxonomy.domain.errors import GraphError, UnknownTaxonomy
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.graph import repository
from taxonomy.selectors.cache import per_revision, revision_of, revision_token


def taxonomy_snapshot(
    *, taxonomy: str | None = DEFAULT_TAXONOMY, lean: bool = False
) -> Taxonomy:
    """One taxonomy (the seed by default) as plain records, read in one transaction.

    ``taxonomy=None`` reads the whole graph, every taxonomy at once. ``lean``
    leaves out the prose no analysis reads (``repository.taxonomy_read``).
    """
    return repository.taxonomy_read(taxonomy=taxonomy, lean=lean)


def server_version() -> str:
    """The Neo4j Kernel version the connected server reports, e.g. '5.26.30'."""
    for component in repository.server_components():
        if component["name"] == "Neo4j Kernel":
            return component["versions"][0]
    raise GraphError("the server did not report a Neo4j Kernel component")


def taxonomy_at(*, token: str, taxonomy: str = DEFAULT_TAXONOMY) -> Taxonomy:
    """One taxonomy at ``token``, read from Neo4j once per revision per process.

    A snapshot read while a write landed (its revision is not the token's) is
    right now but not kept under ``token``.
    """
    return per_revision(
        token,
        ("taxonomy", taxonomy),
        lambda: repository.taxonomy_read(taxonomy=taxonomy),
        keep=lambda snapshot: snapshot.revision == revision_of(token),
    )


def of_snapshot(
    family: str,
    token: str,
    taxonomy: str,
    key: tuple,
    compute: Callable[[Taxonomy], Any],
) -> Any:
    """``compute(snapshot)`` of the taxonomy at ``token``, once per revision
    token, taxonomy and ``key`` among the answers of ``family``; not kept
    when the snapshot's revision is not the token's."""
    snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
    # A scenario's cache key holds lists: its repr is the hashable part.
    return per_revision(
        token,
        (family, taxonomy, repr(key)),
        lambda: compute(snapshot),
        keep=lambda _: snapshot.revision == revision_of(token),
    )


def taxonomy_names() -> dict[str, int]:
    """The taxonomies the graph holds, each with its number of threats.

    Counted once per graph revision per process (``taxonomy_counts``), so a
    page that shows the taxonomy switcher does not scan the graph each time.
    """
    counts = taxonomy_counts(token=revision_token())
    return {name: kinds["threats"] for name, kinds in counts.items()}


def taxonomy_counts(*, token: str) -> dict[str, dict[str, int]]:
    """Each taxonomy the graph holds at ``token`` with its layers, threats,
    mitigations and sources counted; read once per revision per process."""
    return per_revision(token, ("counts",), repository.taxonomy_counts)


def taxonomy_checked(*, token: str, taxonomy: str) -> str:
    """``taxonomy`` if the graph holds it (the seed always counts), else
    UnknownTaxonomy."""
    known = taxonomy_counts(token=token)
    if taxonomy != DEFAULT_TAXONOMY and taxonomy not in known:
        raise UnknownTaxonomy(taxonomy, known)
    return taxonomy


def load_status() -> dict | None:
    """The staged load in progress, if any (``repository.load_status``)."""
    return repository.load_status()


def schema_missing() -> list[str]:
    """The constraints and indexes the server lacks (empty when all are there)."""
    return repository.schema_missing()
