"""The documentation of the analyses' endpoints: coverage and its robustness,
incidents and tactics, the recommendation, architectures side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from graphapi.openapi import errors
from graphapi.pagination import PageQuerySerializer
from graphapi.schema.common import path_id
from graphapi.serializers import documents, queries


def _analysis(*, document: type, **documented: Any) -> Callable:
    """The documentation of an analysis (tag coverage): it answers ``document``,
    an unknown taxonomy or item 404 and a bad parameter 422 naming it."""
    return extend_schema(
        tags=["coverage"],
        responses={200: document, **errors(404, 422)},
        **documented,
    )


COVERAGE_DOC = (
    "The same document as `manage.py coverage --format json` with the same "
    "scenario, byte for byte. Served from a cache keyed by the graph revision, "
    "so repeated reads do not recompute. Unknown ids give 422 naming the parameter; "
    "an unknown `taxonomy` 404 (`manage.py coverage --taxonomy`). "
    "With `revision` it analyses a named revision instead (404 if there is none)."
)
coverage = _analysis(
    summary="Coverage of every threat by the layers, under a what-if scenario",
    description=COVERAGE_DOC,
    parameters=[queries.CoverageQuerySerializer],
    document=documents.CoverageDocumentSerializer,
)
coverage_diff = _analysis(
    summary="The scenario diffed against the baseline (nothing disabled)",
    description=COVERAGE_DOC + " `diff` compares the scenario with its baseline "
    "(nothing disabled, every maturity, the same threshold and dependence), as "
    "`--diff-baseline` does: `changed` lists the threats whose class changes, "
    "`moved` every threat whose class or coverage moves (by all layers and by "
    "each layer: before, after and the change), class changes first, then the "
    "largest move; `unchanged` counts the others.",
    parameters=[queries.CoverageQuerySerializer],
    document=documents.CoverageDocumentSerializer,
)
coverage_robustness = _analysis(
    summary="How robust the coverage numbers are: margins, pivotal judgements, "
    "the headline range and Monte Carlo uncertainty",
    description="The `robustness` section of `manage.py coverage --robustness` "
    "(docs/coverage.md, Robustness) under the scenario, `dependence` included. "
    "Reproducible: the same `samples` and `seed` give the same numbers. Cached by "
    "graph revision and parameters. `samples` over 20,000 is 422.",
    parameters=[queries.RobustnessQuerySerializer],
    document=documents.RobustnessSerializer,
)
INCIDENT_DOC = (
    "An incident is stopped when at least one technique it uses is addressed "
    "under the scenario: one addressed step is taken to break the documented "
    "sequence (the chain rule), so every count depends on the threshold; "
    "`assumption` says so in words, to show with the numbers, and `by_threshold` "
    "gives the margin. Cached by graph revision and parameters. Unknown ids give "
    "422 naming the parameter; an unknown `taxonomy` 404."
)
coverage_incidents = _analysis(
    operation_id="coverage_incidents_list",
    summary="Which documented incidents the scenario would stop, and what would "
    "stop the rest",
    description=INCIDENT_DOC + " `results` lists the incidents that pass `kind` "
    "and `stopped`, by id, paginated with limit and offset (`count`, `next`, "
    "`previous`); `totals`, `stoppers` and `by_threshold` count every incident of "
    "the taxonomy.",
    parameters=[queries.IncidentCoverageQuerySerializer, PageQuerySerializer],
    document=documents.IncidentCoverageSerializer,
)
coverage_tactics = _analysis(
    summary="Coverage per tactic: the threats of each class in each tactic",
    description="Per tactic, in matrix order (`order`, then id), the number of "
    "threats IN_TACTIC it of each coverage class under the scenario; threats in "
    "no tactic under `no_tactic`. A technique in several tactics counts under "
    "each, and once in `total`. Cached by graph revision and parameters. Unknown "
    "ids give 422 naming the parameter; an unknown `taxonomy` 404.",
    parameters=[queries.ScenarioQuerySerializer],
    document=documents.TacticCoverageSerializer,
)
coverage_incident = _analysis(
    operation_id="coverage_incident_retrieve",
    summary="One documented incident under the scenario: its steps in order, each "
    "technique's class, and the step that stops it",
    description=INCIDENT_DOC + " An incident the taxonomy does not hold is 404. "
    "`incidents/{key}/` gives the incident as stored, with its USES links.",
    parameters=[
        path_id("key", "The incident's id."),
        queries.ScenarioQuerySerializer,
    ],
    document=documents.IncidentVerdictSerializer,
)
coverage_matrix = extend_schema(
    tags=["coverage"],
    summary="The threat × layer coverage matrix as CSV",
    description="Header `threat,class,all,<layers>`; as `manage.py coverage --format csv` "
    "(`--taxonomy` as `taxonomy`). An unknown taxonomy is 404.",
    parameters=[queries.CoverageQuerySerializer],
    responses={(200, "text/csv"): OpenApiTypes.STR, **errors(404, 422)},
)


# --- The recommendation -----------------------------------------------------------------

recommendations = _analysis(
    summary="What to adopt next: the mitigations that address the most threats "
    "within a budget",
    description="The document of `manage.py recommend --format json`: from the "
    "starting scenario (default today, `maturity=deployed`, when no scenario "
    "parameter is given) the candidate set that addresses the most threats within "
    "`budget` (exact MILP; `method` says so, with the gap when a time limit "
    "stopped it), what each member closes and introduces, the efficient frontier "
    "and the greedy order. Cached by graph revision and parameters. An unknown "
    "candidate or one already in effect, or a negative or non-numeric budget, is "
    "422 naming the parameter; an unknown `taxonomy` 404. `where=J` answers what "
    "jurisdiction J should adopt next (`M@J` candidates, the analysis in J); "
    "`where=places` which measures, adopted in which places, make the world view "
    "address the most mobile threats (`chosen` names the place of each).",
    parameters=[queries.RecommendationQuerySerializer],
    document=documents.RecommendationSerializer,
)


# --- Governance architectures side by side (issue 25) ------------------------------------

architecture_compare = _analysis(
    summary="2 to 4 governance architectures (or one and today) side by side",
    description="Per architecture (`a=ID`, repeated 2 to 4 times, in the order "
    "to show them; `a=today` for what is deployed today): the threats it "
    "addresses, those no single layer addresses, the mobile threats' weakest "
    "jurisdictions, the threats its measures introduce, what the measures it "
    "adopts cost; then threat by threat where they differ, and the assumptions "
    "(threshold, strengths, dependence). The same document as the comparison "
    "page's JSON download; cached by graph revision. Fewer than 2 or more than 4 "
    "architectures, or one repeated, is 422 naming `a`; an unknown architecture "
    "404; an unknown `taxonomy` 404.",
    parameters=[
        queries.ArchitectureCompareQuerySerializer,
        # The same `a` with uniqueItems: one named twice is answered 422, so
        # the schema may not allow it (a=x&a=x).
        OpenApiParameter(
            "a",
            {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 2,
                "maxItems": 4,
                "uniqueItems": True,
            },
            OpenApiParameter.QUERY,
            required=True,
            description="An architecture id (`GET /api/v1/architectures/` lists "
            "them), or `today`; repeat 2 to 4 times, each once, in the order to "
            "show them.",
        ),
    ],
    document=documents.ArchitectureComparisonSerializer,
)
