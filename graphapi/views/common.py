"""Helpers the API views share: validated parameters and bodies, the taxonomy a
read answers for, and item responses with their ETag."""

from __future__ import annotations

from typing import Any

from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from graphapi.etags import etag
from graphapi.exceptions import InvalidParameter
from graphapi.serializers.queries import TaxonomyQuerySerializer
from taxonomy import revisions, selectors
from taxonomy.domain.errors import NotFound
from taxonomy.domain.kinds import Kind
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.scenario import Scenario, scenario_from_cleaned


# The base of the views generated per kind of the registry, which set ``kind``,
# ``api`` (what the API alone knows of the kind) and ``item_serializer``. No
# docstring: the schema would publish it as the description of operations that
# have none.
class KindView(GenericAPIView):
    kind: Kind
    api: Any
    item_serializer: type[Serializer]


def params(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    """Validated query parameters (422 naming each bad one, and each sent empty)."""
    serializer = serializer_class(data=request.query_params)
    # DRF reads an empty query value as "not sent", so ?taxonomy= would
    # quietly answer for the seed: refuse it instead.
    empty = {
        name: ["must not be empty: give a value or leave the parameter out"]
        for name, values in request.query_params.lists()
        if name in serializer.fields and "" in values
    }
    if empty:
        raise InvalidParameter(empty)
    return body(serializer)


def body(serializer: Serializer) -> dict[str, Any]:
    """Validated fields (422 naming each bad one)."""
    if not serializer.is_valid():
        raise InvalidParameter(serializer.errors)
    return serializer.validated_data


def current(view: APIView, name: str = DEFAULT_TAXONOMY) -> tuple[str, Taxonomy]:
    """The revision token the cached GET read (``view.token``) and the taxonomy
    ``name`` at it; UnknownTaxonomy (404) if the graph holds none of it."""
    selectors.taxonomy_checked(token=view.token, taxonomy=name)
    return view.token, selectors.taxonomy_at(token=view.token, taxonomy=name)


def current_of_query(view: APIView, request: Request) -> Taxonomy:
    """The taxonomy ``?taxonomy=`` names, for a read without other parameters."""
    return current(view, params(TaxonomyQuerySerializer, request)["taxonomy"])[1]


def classes(token: str, taxonomy: str) -> dict[str, str]:
    """Threat id -> its coverage class with nothing disabled."""
    baseline = selectors.coverage_baseline(token=token, taxonomy=taxonomy)
    return {threat: entry["class"] for threat, entry in baseline.items()}


def scenario(values: dict[str, Any]) -> Scenario:
    """The what-if scenario of a ``ScenarioQuerySerializer``'s validated values."""
    return selectors.coverage_scenario(**scenario_from_cleaned(values))


def revision_taxonomy(name: str) -> Taxonomy:
    """A named revision's taxonomy (``current``: now), else 404 naming the revision."""
    try:
        return revisions.revision_taxonomy(name=name)
    except revisions.RevisionError:
        raise NotFound("revision", name) from None


def frozen(value: Any) -> Any:
    """A list from a serializer as the tuple a frozen record holds."""
    return tuple(value) if isinstance(value, list) else value


def with_key(data: Any, fields: dict[str, str]) -> Any:
    """The body with the URL's identifying fields; 422 if the body names others."""
    if not isinstance(data, dict):
        return data
    for field, value in fields.items():
        if field in data and data[field] != value:
            raise InvalidParameter(
                {
                    field: [
                        f"must be {value!r}, as in the URL (an item's identity cannot change)"
                    ]
                }
            )
    return {**data, **fields}


def item(
    data: Any, *, kind: str, key: str, version: int, code: int = 200, location: str = ""
) -> Response:
    """An item's answer with its ETag (and its Location when just created)."""
    response = Response(data, status=code)
    response["ETag"] = etag(kind, key, version)
    if location:
        response["Location"] = location
    return response
