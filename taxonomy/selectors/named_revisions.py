"""Named revisions as the reads see them: which recording a name holds now,
and the taxonomy it recorded (``taxonomy.revisions`` records and lists them)."""

from __future__ import annotations

from taxonomy.domain.errors import RevisionError
from taxonomy.domain.records import Taxonomy
from taxonomy.formats import document_json
from taxonomy.models import NamedRevision


def revision_get(*, name: str, document: bool = True) -> NamedRevision:
    """One named revision (without its document unless ``document``);
    RevisionError naming the known ones if it does not exist."""
    revisions = NamedRevision.objects.all()
    if not document:
        revisions = revisions.defer("document")
    try:
        return revisions.get(name=name)
    except NamedRevision.DoesNotExist:
        known = (
            ", ".join(NamedRevision.objects.values_list("name", flat=True)) or "none"
        )
        raise RevisionError(
            f"no revision {name!r} (known: {known}; or 'current')"
        ) from None


def revision_identity(*, name: str) -> tuple:
    """What tells this recording of ``name`` from any other (a name moved
    with ``--force`` is a new row, recorded at another time): a cache key part."""
    revision = revision_get(name=name, document=False)
    return (revision.name, revision.pk, revision.created_at.isoformat())


def named_taxonomy(*, name: str) -> Taxonomy:
    """The taxonomy the named revision recorded, at its graph revision."""
    revision = revision_get(name=name)
    taxonomy = document_json.taxonomy_from_document(revision.document)
    return Taxonomy(
        **{f: getattr(taxonomy, f) for f in document_json.JSON_KEYS},
        revision=revision.graph_revision,
    )
