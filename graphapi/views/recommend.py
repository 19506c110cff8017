"""What to adopt next: the recommendation document of ``manage.py recommend``."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import schema
from graphapi.caching import cached_get
from graphapi.exceptions import InvalidParameter
from graphapi.serializers.queries import RecommendationQuerySerializer
from graphapi.views.common import ApiView, params
from taxonomy import selectors
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.scenario_params import scenario_from_cleaned
from taxonomy.selectors.recommend import recommendation_scenario, scenario_given


@schema.recommendations
class RecommendationView(ApiView):
    @cached_get
    def get(self, request: Request) -> Response:
        query = params(RecommendationQuerySerializer, request)
        given = scenario_given(request.query_params)
        try:
            document = selectors.recommendation_report(
                taxonomy=query["taxonomy"],
                scenario=recommendation_scenario(
                    scenario_from_cleaned(query), given=given
                ),
                budget=query.get("budget"),
                candidates=query.get("candidates") or None,
                count_introduced=query["count_introduced"],
                where=query.get("where") or None,
            )
        except RecommendationError as error:
            raise InvalidParameter({error.field: [str(error)]}) from error
        return Response(document)
