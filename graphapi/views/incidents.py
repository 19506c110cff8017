"""Documented incidents under a what-if scenario: which are stopped, at which
step, and which techniques would stop the rest."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import schema
from graphapi.caching import cached_get
from graphapi.serializers.queries import (
    IncidentCoverageQuerySerializer,
    ScenarioQuerySerializer,
)
from graphapi.views.common import (
    ApiGenericView,
    ApiView,
    checked_params,
    scenario,
)
from taxonomy.selectors.incidents import (
    incident_detail,
    incident_report,
    tactic_coverage,
)


def _listed(incidents: list[dict], query: dict) -> list[dict]:
    """The incidents of the query's ``kind`` and ``stopped`` (each: any when absent)."""
    kind, stopped = query.get("kind"), query.get("stopped")
    return [
        i
        for i in incidents
        if kind in (None, i["kind"]) and stopped in (None, i["stopped"])
    ]


class IncidentCoverageView(ApiGenericView):
    @schema.coverage_incidents
    @cached_get
    def get(self, request: Request) -> Response:
        query, name = checked_params(self, IncidentCoverageQuerySerializer, request)
        report = incident_report(
            scenario=scenario(query), taxonomy=name, token=self.token
        )
        page = self.paginate_queryset(_listed(report["incidents"], query))
        listed = self.get_paginated_response(page).data
        summary = {k: v for k, v in report.items() if k != "incidents"}
        return Response(summary | listed)


class IncidentVerdictView(ApiView):
    @schema.coverage_incident
    @cached_get
    def get(self, request: Request, key: str) -> Response:
        query, name = checked_params(self, ScenarioQuerySerializer, request)
        return Response(
            incident_detail(
                scenario=scenario(query),
                incident_id=key,
                taxonomy=name,
                token=self.token,
            )
        )


class TacticCoverageView(ApiView):
    @schema.coverage_tactics
    @cached_get
    def get(self, request: Request) -> Response:
        query, name = checked_params(self, ScenarioQuerySerializer, request)
        return Response(
            tactic_coverage(scenario=scenario(query), taxonomy=name, token=self.token)
        )
