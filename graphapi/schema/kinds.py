"""The documentation of the views generated per node and link kind: list and
create, read, replace, change and delete."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view

from graphapi.openapi import errors
from graphapi.schema.common import ETAG, IF_MATCH, path_id
from graphapi.serializers import queries

# Node kind -> what deleting one does to what involves it.
DELETE_NOTES = {
    "layer": "Refused with 409 while mitigations are in the layer; with cascade=true "
    "they are deleted too, with their links.",
    "threat": "Refused with 409 while links involve the threat; cascade=true deletes "
    "them too.",
    "mitigation": "Refused with 409 while links involve the mitigation; cascade=true "
    "deletes them too.",
    "source": "Refused with 409 while links or items cite the source; cascade=true "
    "removes it from their sources.",
    "tactic": "Refused with 409 while techniques are in the tactic or incidents' "
    "steps name it; cascade=true deletes the IN_TACTIC links and leaves those steps "
    "without a tactic.",
    "incident": "Refused with 409 while it has USES links; cascade=true deletes "
    "them too.",
    "jurisdiction": "Refused with 409 while MEMBER_OF or IN_FORCE_IN links involve "
    "it or ADOPTS links name it; cascade=true deletes them too (an ADOPTS link "
    "naming other places only loses this one).",
    "architecture": "Refused with 409 while it has ADOPTS links; cascade=true "
    "deletes them too.",
}
# Link kind (without properties) -> what one such link says.
LINK_MEANINGS = {
    "enables": "source threat makes target threat possible or cheaper",
    "requires": "source mitigation cannot work without target mitigation; no cycles",
    "introduces": "source mitigation creates target threat",
    "subtype": "source threat is a special case of target threat; no cycles",
    "in_tactic": "source threat (technique) serves target tactic",
    "member_of": "source jurisdiction belongs to target bloc or multilateral body "
    "between the dates given; no cycles",
    "in_force_in": "source mitigation is in force in target jurisdiction, at a "
    "maturity there, between the dates given",
    "adopts": "source governance architecture adopts target mitigation in the "
    "jurisdictions given (everywhere when none), with its rationale and sources",
}


STORED = "Answers with the item as stored (without embeds) and its new ETag."


def _changes(
    tag: str,
    summaries: tuple[str, str],
    descriptions: tuple[str | None, str | None] = (None, None),
    **documented: Any,
) -> dict[str, Any]:
    """The documentation of PUT and PATCH, which differ only in their words."""
    request, response = documented.pop("request"), documented.pop("response")
    return {
        method: extend_schema(
            tags=[tag],
            summary=summary,
            description=description,
            request=request,
            responses={200: response, **errors(400, 404, 412, 415, 422)},
            **documented,
        )
        for method, summary, description in zip(
            ("put", "patch"), summaries, descriptions, strict=True
        )
    }


def node_collection(view: type) -> type:
    """Document a node kind's list and create (``view.kind``, ``view.api``)."""
    tag, api = view.kind.segment, view.api
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"List {tag} in id order",
            description="Paginated with limit and offset; the filters combine (AND). "
            "An unknown taxonomy is 404.",
            parameters=[api.filters],
            responses={200: api.listed(many=True), **errors(404, 422)},
        ),
        post=extend_schema(
            tags=[tag],
            summary=f"Create one of the {tag}",
            description="Answers with the item as stored (version 1), its ETag and "
            "its Location. An id in use is 409; an unknown reference 422.",
            request=view.item_serializer,
            responses={201: view.item_serializer, **errors(400, 409, 415, 422)},
            parameters=[ETAG],
        ),
    )(view)


def node_item(view: type) -> type:
    """Document a node kind's read, replace, change and delete."""
    tag, api = view.kind.segment, view.api
    key = path_id("key", "The id.")
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"Read one of the {tag}, with what it links to",
            description="The ETag names the item's version, for If-Match. An item "
            "of another taxonomy than `taxonomy` is 404.",
            parameters=[key, queries.TaxonomyQuerySerializer, ETAG],
            responses={200: api.detail, **errors(404, 422)},
        ),
        **_changes(
            tag,
            (
                f"Replace every field of one of the {tag} (the id stays)",
                f"Change some fields of one of the {tag}",
            ),
            (
                "Fields left out take their defaults. " + STORED,
                "Only the fields sent change. " + STORED,
            ),
            parameters=[key, IF_MATCH, ETAG],
            request=view.item_serializer,
            response=view.item_serializer,
        ),
        delete=extend_schema(
            tags=[tag],
            summary=f"Delete one of the {tag}",
            description=DELETE_NOTES[view.kind.name],
            parameters=[key, IF_MATCH, queries.CascadeSerializer],
            responses={204: None, **errors(400, 404, 409, 412, 422)},
        ),
    )(view)


def _link_texts(kind) -> tuple[str, str | None, str]:
    """The list's summary and description, and the create's description."""
    if kind.name == "mitigates":
        return (
            f"List {kind.rel} links by (mitigation, threat)",
            "Those whose mitigation is of `taxonomy`.",
            "Its mitigation, threat and sources must exist (422 names the field).",
        )
    if kind.name == "uses":
        return (
            f"List {kind.rel} links by (incident, threat)",
            "Filter by `source` (the incident) and `target` (the threat).",
            "Its incident, threat and tactics must exist; steps are ascending whole "
            "numbers from 1 that no other technique of the incident holds, with one "
            "tactic and description per step (422 names the field).",
        )
    meaning = LINK_MEANINGS[kind.name]
    return (
        f"List {kind.rel} links ({meaning})",
        None,
        f"{meaning}. Both ends must exist (422 names the field).",
    )


def _article(word: str) -> str:
    """The indefinite article before ``word`` as it is spelt (an ENABLES, a USES)."""
    return "an" if word[0] in "AEIOUaeiou" else "a"


def link_collection(view: type) -> type:
    """Document a link kind's list and create (``view.kind``, ``view.api``)."""
    kind, api = view.kind, view.api
    summary, description, create = _link_texts(kind)
    return extend_schema_view(
        get=extend_schema(
            tags=[kind.segment],
            summary=summary,
            description=description,
            parameters=[api.filters],
            responses={200: view.item_serializer(many=True), **errors(404, 422)},
        ),
        post=extend_schema(
            tags=[kind.segment],
            summary=f"Create {_article(kind.rel)} {kind.rel} link",
            description=create,
            parameters=[ETAG],
            responses={201: view.item_serializer, **errors(400, 409, 415, 422)},
        ),
    )(view)


def link_item(view: type) -> type:
    """Document a link kind's read and delete, and the changes of one with properties."""
    kind, api = view.kind, view.api
    ends = [path_id(end, f"The {end}'s id.") for end in kind.ends]
    documented = {
        "get": extend_schema(
            tags=[kind.segment],
            summary=f"Read one {kind.rel} link",
            parameters=[*ends, queries.TaxonomyQuerySerializer, ETAG],
            responses={200: view.item_serializer, **errors(404, 422)},
        ),
        "delete": extend_schema(
            tags=[kind.segment],
            summary=f"Delete one {kind.rel} link",
            parameters=[*ends, IF_MATCH],
            responses={204: None, **errors(400, 404, 412)},
        ),
    }
    if api.change is not None:
        *first, last = kind.editable
        fields = f"{', '.join(first)} and {last}"
        documented |= _changes(
            kind.segment,
            (f"Replace {fields}", f"Change some of {fields}"),
            parameters=[*ends, IF_MATCH, ETAG],
            request=api.change,
            response=view.item_serializer,
        )
    return extend_schema_view(**documented)(view)
