"""The documentation of the mapping sets: SSSOM crosswalks between taxonomies
(issue 26)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from graphapi.openapi import errors
from graphapi.schema.common import ETAG, IF_MATCH
from graphapi.serializers import mappings

_MAPPINGS_RULES = (
    "A row maps `subject_id` (a CURIE whose local part is an item of the set's "
    "`subject_source` taxonomy) to `object_id` (one of `object_source`) with a "
    "SKOS `predicate_id` (exactMatch, closeMatch, broadMatch, narrowMatch, "
    "relatedMatch), a `confidence` in [0, 1], a semapv `mapping_justification` "
    "and a one-line `comment` (the rationale). A write that leaves the set "
    "unreadable as SSSOM, or names an item its taxonomy lacks, is 422 and writes "
    "nothing; every write is audited."
)

TAGS = ["mappings"]
# The errors of a change or delete of one set or row (editors only, If-Match).
WRITE_ERRORS = (400, 401, 403, 404, 412, 422)


def _collection(
    item: type[serializers.Serializer],
    *,
    queries: tuple[type[serializers.Serializer], type[serializers.Serializer] | None],
    summaries: tuple[str, str],
    descriptions: tuple[str | None, str],
    errors_of: tuple[tuple[int, ...], tuple[int, ...]],
) -> Callable[[type], type]:
    """Document a collection: GET lists ``item`` (without a body), POST adds one.

    Each pair holds the list's value, then the create's (no query: none).
    """
    (list_query, create_query), (list_errors, create_errors) = queries, errors_of
    return extend_schema_view(
        get=extend_schema(
            tags=TAGS,
            summary=summaries[0],
            description=descriptions[0],
            parameters=[list_query],
            responses={200: item(many=True), **errors(*list_errors)},
        ),
        post=extend_schema(
            tags=TAGS,
            summary=summaries[1],
            description=descriptions[1],
            parameters=[create_query] if create_query else None,
            request=item,
            responses={201: item, **errors(*create_errors)},
        ),
    )


def _item(
    item: type[serializers.Serializer],
    query: type[serializers.Serializer],
    *,
    read: str,
    change: dict[str, Any],
    delete: str,
) -> Callable[[type], type]:
    """Document one item: GET reads it, ``change["method"]`` changes it
    (``change``'s summary, description, request and errors), DELETE deletes it."""
    change = dict(change)
    method, change_errors = change.pop("method"), change.pop("errors")
    return extend_schema_view(
        get=extend_schema(
            tags=TAGS,
            summary=read,
            parameters=[query, ETAG],
            responses={200: item, **errors(404, 422)},
        ),
        **{
            method: extend_schema(
                tags=TAGS,
                parameters=[query, IF_MATCH],
                responses={200: item, **errors(*change_errors)},
                **change,
            )
        },
        delete=extend_schema(
            tags=TAGS,
            summary=delete,
            parameters=[query, IF_MATCH],
            responses={204: None, **errors(*WRITE_ERRORS)},
        ),
    )


mapping_sets = _collection(
    mappings.MappingSetSerializer,
    queries=(mappings.MappingListQuerySerializer, None),
    summaries=(
        "The mapping sets (crosswalks between taxonomies), without rows",
        "Create a mapping set, with its rows",
    ),
    descriptions=(
        "Each set's metadata and `row_count`; `taxonomy` keeps the "
        "sets that join it, on either side.",
        _MAPPINGS_RULES + " An existing `mapping_set_id` is 409.",
    ),
    errors_of=((422,), (400, 401, 403, 409, 422)),
)

mapping_set = _item(
    mappings.MappingSetSerializer,
    mappings.MappingSetQuerySerializer,
    read="One mapping set with its rows",
    change={
        "method": "patch",
        "summary": "Change a mapping set's metadata",
        "description": "Licence, creators, date, title, description, comment.",
        "request": mappings.MappingSetChangeSerializer,
        "errors": WRITE_ERRORS,
    },
    delete="Delete a mapping set and its rows",
)

mapping_set_export = extend_schema(
    tags=TAGS,
    summary="One mapping set as an SSSOM/TSV file (canonical form)",
    description="The metadata block (`#`-prefixed YAML with the curie_map) and "
    "the table, rows sorted by subject and object: a file that loads back "
    "(`manage.py mappings load`) as the same set.",
    parameters=[mappings.MappingSetQuerySerializer],
    responses={
        (200, "text/tab-separated-values"): OpenApiResponse(OpenApiTypes.STR),
        **errors(404, 422),
    },
)

mapping_rows = _collection(
    mappings.MappingRowSerializer,
    queries=(mappings.MappingRowsQuerySerializer,) * 2,
    summaries=("The rows of one mapping set", "Add a row to a mapping set"),
    descriptions=(
        None,
        _MAPPINGS_RULES + " A second row for the same subject and object is 409.",
    ),
    errors_of=((404, 422), (400, 401, 403, 404, 409, 422)),
)

mapping_row = _item(
    mappings.MappingRowSerializer,
    mappings.MappingRowQuerySerializer,
    read="One row of a mapping set",
    change={
        "method": "put",
        "summary": "Replace a row of a mapping set",
        "description": _MAPPINGS_RULES,
        "request": mappings.MappingRowSerializer,
        "errors": (400, 401, 403, 404, 409, 412, 422),
    },
    delete="Delete a row of a mapping set",
)
