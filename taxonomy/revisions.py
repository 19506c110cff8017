"""Named revisions: the taxonomy recorded under a name, to analyse and compare later.

``revision_tag`` stores the canonical JSON document of the taxonomy the site
shows and editors edit (the seed, ``selectors.taxonomy_snapshot()``), as
``taxonomy export --format json`` writes it; a revision's taxonomy is parsed
back from it with the fixtures' own parser, so coverage at a revision is the
same analysis as coverage now. ``current`` is not a stored revision but the
taxonomy as it is now. Imported catalogues are not recorded: they are
re-imported from their published files.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from taxonomy import audit, selectors
from taxonomy.domain.coverage_query import CURRENT
from taxonomy.domain.errors import RevisionError
from taxonomy.domain.records import Taxonomy
from taxonomy.formats import document_json
from taxonomy.models import NamedRevision
from taxonomy.selectors import named_revisions


def revision_tag(
    *, name: str, comment: str = "", actor: Any = None, force: bool = False
) -> NamedRevision:
    """Record the graph as it is now under ``name``.

    Refuses (RevisionError) a name in use unless ``force`` (then it moves),
    and the reserved name ``current``.
    """
    if name == CURRENT:
        raise RevisionError(f"{CURRENT!r} always means the graph as it is now")
    snapshot = selectors.taxonomy_snapshot()
    user, actor_name = audit.actor_of(actor)
    values = {
        "graph_revision": snapshot.revision,
        "document": document_json.taxonomy_to_document(snapshot),
        "comment": comment,
        "created_by": user,
        "created_by_name": actor_name,
    }
    with transaction.atomic():
        existing = NamedRevision.objects.select_for_update().filter(name=name).first()
        if existing is not None and not force:
            raise RevisionError(
                f"revision {name!r} exists (graph revision {existing.graph_revision}); "
                "use --force to move it"
            )
        if existing is not None:
            existing.delete()
        return NamedRevision.objects.create(name=name, **values)


def revision_list() -> QuerySet[NamedRevision]:
    """Every named revision, newest first, without their documents."""
    return NamedRevision.objects.defer("document")


def revision_get(*, name: str) -> NamedRevision:
    """One named revision; RevisionError naming the known ones if it does not exist."""
    return named_revisions.revision_get(name=name)


def revision_taxonomy(*, name: str) -> Taxonomy:
    """The taxonomy a named revision recorded, or the graph now for ``current``."""
    if name == CURRENT:
        return selectors.taxonomy_snapshot()
    return named_revisions.named_taxonomy(name=name)
