"""Single-item writes (the REST API's and the browser's): a node, a link or
a property link created, changed or deleted in one audited transaction.

Every write takes the acting user (``actor``, a Django user or None), a
free-text ``comment`` (the editor's "why") and the ``channel`` it came
through (``api`` or ``browser``), and records itself in the audit journal
with the item before and after, in the write's own transaction.
``channel=None`` writes without an audit record (tests and benchmarks only).
``expected`` is the set of versions the client may overwrite (from If-Match),
None to overwrite whatever is there. The repository checks it inside the
write's transaction.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from taxonomy.domain.changes import Change
from taxonomy.domain.kinds import (
    LINK_KINDS,
    MAPS_TO,
    PROPERTY_LINK_KINDS,
    link_key,
    record_key,
)
from taxonomy.domain.records import Link
from taxonomy.graph import repository
from taxonomy.graph.repository import Versions
from taxonomy.services.audited import By, audited


def node_create(
    *,
    kind: str,
    record: Any,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Create a layer, threat, mitigation or source; return it as stored (version 1).

    Raises AlreadyExists, or InvalidWrite for a mitigation's unknown layer.
    """
    write = partial(repository.node_create, kind=kind, record=record)
    return audited(write, "create", kind, record_key, By(actor, channel, comment))


def node_update(
    *,
    kind: str,
    key: str,
    changes: dict[str, Any],
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Change some fields of one node; return it with its new version.

    Raises NotFound, VersionConflict or InvalidWrite (unknown layer).
    """
    write = partial(
        repository.node_update, kind=kind, key=key, changes=changes, expected=expected
    )
    return audited(write, "update", kind, key, By(actor, channel, comment))


def node_delete(
    *,
    kind: str,
    key: str,
    expected: Versions = None,
    cascade: bool = False,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> list[dict[str, str]]:
    """Delete one node, refused (StillReferenced) while links involve it unless ``cascade``.

    With ``cascade`` the audit log also gets an entry per link removed with it
    (their ends; a layer's mitigations as deleted mitigations).
    """
    write = partial(
        repository.node_delete, kind=kind, key=key, expected=expected, cascade=cascade
    )
    by = By(actor, channel, comment)
    return audited(write, "delete", kind, key, by, partial(cascade_changes, kind, key))


def cascade_changes(kind: str, key: str, links: list[dict[str, str]]) -> list[Change]:
    """The changes a cascading delete of a node made to what linked to it.

    ``links`` is what ``repository.node_delete`` returns.

    >>> [c.describe() for c in cascade_changes("threat", "t", [
    ...     {"kind": "mitigates", "source": "m", "target": "t"}])]
    ['- mitigates m->t']
    """
    changes = []
    for link in links:
        source, target = link["source"], link["target"]
        if link["kind"] == MAPS_TO.name:
            row = {"mapping_set_id": link["set"], "subject": source, "object": target}
            changes.append(
                Change(MAPS_TO.name, "delete", link_key(source, target), row, None)
            )
        elif link["kind"] == "in_layer":
            changes.append(
                Change(
                    "mitigation", "delete", source, {"id": source, "layer": key}, None
                )
            )
        elif "via" in link:
            # A link or node that named the node in a list (sources, tactics).
            field = {"tactics": "tactic", "jurisdictions": "jurisdiction"}.get(
                link["via"], "cites"
            )
            if link["kind"] in PROPERTY_LINK_KINDS:
                kind_of, item = link["kind"], link_key(source, target)
            else:
                kind_of, item = link["via"], source
            changes.append(Change(kind_of, "update", item, {field: key}, {field: None}))
        else:
            ends = LINK_KINDS[link["kind"]].ends
            before = dict(zip(ends, (source, target), strict=True))
            key_of = link_key(source, target)
            changes.append(Change(link["kind"], "delete", key_of, before, None))
    return changes


def property_link_create(
    *,
    kind: str,
    record: Any,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Create one MITIGATES or USES link; InvalidWrite names an unknown end,
    source or tactic, or a step another technique of the incident holds."""
    write = partial(repository.property_link_create, kind=kind, record=record)
    by = By(actor, channel, comment)
    return audited(write, "create", kind, record_key, by)


def property_link_update(
    *,
    kind: str,
    source: str,
    target: str,
    changes: dict[str, Any],
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Change the properties of one MITIGATES link (strength, rationale,
    sources) or USES link (steps, tactics, descriptions)."""
    write = partial(
        repository.property_link_update,
        kind=kind,
        source=source,
        target=target,
        changes=changes,
        expected=expected,
    )
    key = link_key(source, target)
    return audited(write, "update", kind, key, By(actor, channel, comment))


def link_create(
    *,
    kind: str,
    source: str,
    target: str,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Link:
    """Create one ENABLES, REQUIRES, INTRODUCES or SUBTYPE_OF link.

    A threat enabling itself, or a REQUIRES or SUBTYPE_OF cycle, is InvalidWrite.
    """
    write = partial(repository.link_create, kind=kind, source=source, target=target)
    key = link_key(source, target)
    return audited(write, "create", kind, key, By(actor, channel, comment))


def link_delete(
    *,
    kind: str,
    source: str,
    target: str,
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> None:
    """Delete one link of any kind."""
    write = partial(
        repository.link_delete,
        kind=kind,
        source=source,
        target=target,
        expected=expected,
    )
    key = link_key(source, target)
    audited(write, "delete", kind, key, By(actor, channel, comment))
