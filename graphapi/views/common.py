"""Helpers the API views share: the base views (which refuse unknown query
parameters), validated parameters and bodies, the taxonomy a read answers for,
and item responses with their ETag."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from graphapi.etags import etag
from graphapi.exceptions import InvalidParameter
from graphapi.openapi import ApiSchema, operations_of, query_names
from graphapi.serializers.queries import TaxonomyQuerySerializer
from taxonomy import revisions, selectors
from taxonomy.domain.errors import NotFound
from taxonomy.domain.kinds import Kind
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_params import scenario_from_cleaned


# A view mixin: after authentication, permissions and throttling, a query
# parameter the endpoint's OpenAPI operation does not document is a 422 naming
# it and the known ones. A typo such as ?disable_mitgation= would otherwise be
# ignored, and the answer would silently be the baseline's. Views the OpenAPI
# document leaves out (the schema, Swagger UI) name theirs in query_parameters.
# No docstrings on these bases: the schema would publish one as the description
# of the operations that have none.
class KnownParameters:
    query_parameters: Sequence[str] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """DRF's checks, then the query's parameter names."""
        super().initial(request, *args, **kwargs)
        known = self.query_parameters
        if known is None:
            known = _documented(request)
        if known is not None:
            refuse_unknown(request, known)


def _documented(request: Request) -> tuple[str, ...] | None:
    """The query parameters the schema documents for the request's route and
    method; None for a method the endpoint does not serve (its 405 follows)."""
    route = request.resolver_match.route
    operations = operations_of(route)
    if operations is None:
        raise ImproperlyConfigured(
            f"the schema documents no {route}: document it or set query_parameters"
        )
    method = "get" if request.method == "HEAD" else request.method.lower()
    operation = operations.get(method)
    return None if operation is None else query_names(operation)


def refuse_unknown(request: Request, known: Sequence[str]) -> None:
    """422 naming each query parameter not in ``known``, with the known ones."""
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        raise InvalidParameter({name: [_unknown(name, known)] for name in unknown})


def _unknown(name: str, known: Sequence[str]) -> str:
    """The message of an unknown parameter: the nearest known name, and all of them."""
    nearest = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {nearest[0]!r}?)" if nearest else ""
    listed = ", ".join(sorted(known)) or "none"
    return f"unknown parameter{hint}; this endpoint takes: {listed}"


class ApiView(KnownParameters, APIView):
    schema = ApiSchema()


class ApiGenericView(KnownParameters, GenericAPIView):
    schema = ApiSchema()


# The base of the views generated per kind of the registry, which set ``kind``,
# ``api`` (what the API alone knows of the kind) and ``item_serializer``.
class KindView(ApiGenericView):
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


def checked_params(
    view: APIView, serializer_class: type[Serializer], request: Request
) -> tuple[dict[str, Any], str]:
    """A cached GET's validated query (as ``params``) and the taxonomy it
    names, checked at the revision token the GET read (``view.token``):
    UnknownTaxonomy (404) if the graph holds none of it."""
    query = params(serializer_class, request)
    return query, selectors.taxonomy_checked(
        token=view.token, taxonomy=query["taxonomy"]
    )


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
