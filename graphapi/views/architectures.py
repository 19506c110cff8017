"""Governance architectures side by side: the comparison document."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import schema
from graphapi.caching import cached_get
from graphapi.exceptions import InvalidParameter
from graphapi.serializers.queries import ArchitectureCompareQuerySerializer
from graphapi.views.common import ApiView, checked_params
from taxonomy import selectors
from taxonomy.selectors.architecture_comparison import ComparisonChoiceError


@schema.architecture_compare
class ArchitectureCompareView(ApiView):
    @cached_get
    def get(self, request: Request) -> Response:
        query, taxonomy = checked_params(
            self, ArchitectureCompareQuerySerializer, request
        )
        try:
            document = selectors.architecture_comparison(
                ids=query["a"], taxonomy=taxonomy, token=self.token
            )
        except ComparisonChoiceError as error:
            raise InvalidParameter({error.field: [str(error)]}) from error
        return Response(document)
