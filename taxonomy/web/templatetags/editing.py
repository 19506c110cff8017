"""Template filters of the editors' pages and the history, thin wrappers over helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from taxonomy import audit
from taxonomy.domain.kinds import (
    KINDS,
    LINK_KINDS,
    NODE_KINDS,
    link_kinds_touching,
)
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.editors import is_editor as user_is_editor
from taxonomy.web.history_words import entry_parts

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
    """A field's value as a person reads it: lists joined, nothing as a dash,
    a pair inside a list (a round's links) as its ends with an arrow.

    >>> shown(["a", "b"]), shown(""), shown(None), shown(3)
    ('a, b', '—', '—', '3')
    >>> shown([["m", "t"], ["m", "u"]])
    'm → t, m → u'
    """
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(
            " → ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
            for v in value
        )
    return str(value)


@register.filter
def has_history(entry) -> bool:
    """Whether an audit entry's item has a history page: an item of a kind of
    the registry (a mapping set's and its rows' changes are listed only)."""
    return entry.kind in KINDS


@register.filter
def entry_changes(entry) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` of an audit entry, versions left out."""
    return audit.field_changes(entry.before, entry.after)


@register.simple_tag
def entry_sentence(entry, names, anonymised=False) -> str:
    """An audit entry as a sentence in words, each item still held linked to its page."""
    parts = entry_parts(
        action=entry.action,
        kind=entry.kind,
        key=entry.key,
        before=entry.before,
        after=entry.after,
        names=names or {},
        with_values=not anonymised,
    )
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<a href="{}">{}</a>', reverse(p.kind, args=[p.key]), p.text
                )
                if p.kind
                else p.text,
            )
            for p in parts
        ),
    )


def _article(noun: str) -> str:
    """``noun`` with its indefinite article: ``a threat``, ``an incident``."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def add_links(kind: str) -> list[tuple[str, str, str]]:
    """(label, URL name, query parameter naming this node) of the "add" links of
    a node's page: one per link kind with an end of this kind (from the
    registry), each end it can be, and a mitigation in a layer.

    >>> add_links("tactic")
    [('Add a threat that is in it', 'edit-in_tactic-new', 'target')]
    >>> add_links("layer")
    [('Add a mitigation in this layer', 'edit-mitigation-new', 'layer')]
    """
    found = []
    for link in link_kinds_touching(kind):
        name = f"edit-{link.name}-new"
        if link.source == kind:
            other = NODE_KINDS[link.target].title.lower()
            label = f"Add {_article(other)} it {link.words}"
            found.append((label, name, link.ends[0]))
        if link.target == kind:
            other = NODE_KINDS[link.source].title.lower()
            label = f"Add {_article(other)} that {link.words} it"
            found.append((label, name, link.ends[1]))
    # A mitigation's layer is one of its fields, not a link of the registry.
    if kind == "layer":
        found.append(("Add a mitigation in this layer", "edit-mitigation-new", "layer"))
    return found


@register.simple_tag
def node_edit_links(kind: str, key: str) -> dict[str, Any]:
    """The editing URLs of a node's page: edit, delete, and the links to add."""
    return {
        "edit": reverse(f"edit-{kind}", args=[key]),
        "delete": reverse(f"delete-{kind}", args=[key]),
        "add": [
            (label, f"{reverse(name)}?{urlencode({param: key})}")
            for label, name, param in add_links(kind)
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
