"""Template filters of the editors' pages and the history, thin wrappers over helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from taxonomy import audit
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS, split_link_key
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.editors import is_editor as user_is_editor

register = template.Library()


@register.filter
def is_editor(user) -> bool:
    """Whether the user may change the taxonomy (shows the edit links)."""
    return user_is_editor(user)


@register.filter
def edits_here(user, request) -> bool:
    """Whether to offer edit links on this page: an editor, in the seed taxonomy.

    Imported catalogues (ATLAS, STIX) are curated at their source and brought
    up to date by re-importing, which would undo an edit made here.
    """
    chosen = getattr(request, "taxonomy", None)
    name = getattr(chosen, "name", DEFAULT_TAXONOMY)
    return user_is_editor(user) and name == DEFAULT_TAXONOMY


@register.filter
def shown(value: Any) -> str:
    """A field's value as a person reads it: lists joined, nothing as a dash.

    >>> shown(["a", "b"]), shown(""), shown(None), shown(3)
    ('a, b', '—', '—', '3')
    """
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


@register.filter
def entry_changes(entry) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` of an audit entry, versions left out."""
    return audit.field_changes(entry.before, entry.after)


@register.filter
def has_page(kind: str) -> bool:
    """Whether an item of this kind has a page of its own (nodes do, links do not)."""
    return kind in NODE_KINDS


@register.filter
def link_ends(key: str) -> tuple[str, str]:
    """A link key's two ends: ``"a->b"`` → ``("a", "b")``."""
    return split_link_key(key)


# kind -> (label, URL name, the query parameter naming this node) of "add" links.
ADD_LINKS = {
    "threat": (
        ("Add a mitigation against it", "edit-mitigates-new", "threat"),
        ("Add a threat it enables", "edit-enables-new", "source"),
        ("Add a threat that enables it", "edit-enables-new", "target"),
        ("Add a mitigation that introduces it", "edit-introduces-new", "target"),
        ("Add a threat it is a subtype of", "edit-subtype-new", "source"),
    ),
    "mitigation": (
        ("Add a threat it mitigates", "edit-mitigates-new", "mitigation"),
        ("Add a mitigation it requires", "edit-requires-new", "source"),
        ("Add a threat it introduces", "edit-introduces-new", "source"),
    ),
    "layer": (("Add a mitigation in this layer", "edit-mitigation-new", "layer"),),
    "source": (),
}


@register.simple_tag
def node_edit_links(kind: str, key: str) -> dict[str, Any]:
    """The editing URLs of a node's page: edit, delete, and the links to add."""
    return {
        "edit": reverse(f"edit-{kind}", args=[key]),
        "delete": reverse(f"delete-{kind}", args=[key]),
        "add": [
            (label, f"{reverse(name)}?{urlencode({param: key})}")
            for label, name, param in ADD_LINKS[kind]
        ],
    }


@register.simple_tag
def link_edit_links(kind: str, source: str, target: str) -> dict[str, str]:
    """A link's editing URLs: edit (kinds with editable fields only) and remove."""
    ends = [source, target]
    editable = LINK_KINDS[kind].editable
    return {
        "edit": reverse(f"edit-{kind}", args=ends) if editable else "",
        "delete": reverse(f"delete-{kind}", args=ends),
    }
