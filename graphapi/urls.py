"""URL routes of the REST API, mounted at /api/v1/ (namespace "api").

Each kind of the registry has ``<segment>/`` (``<kind>-list``) and its item
(``<kind>-detail``): ``<segment>/<key>/`` for a node, ``<segment>/<end>/<end>/``
for a link, named by the kind's ends.
"""

from django.urls import path, register_converter

from graphapi.views import (
    architectures,
    coverage,
    health,
    history,
    incidents,
    index,
    interchange,
    jobs,
    judgements,
    mappings,
    recommend,
    rounds,
)
from graphapi.views.links import LINK_VIEWS
from graphapi.views.nodes import NODE_VIEWS
from taxonomy.domain.kinds import KINDS


class IdConverter:
    """A taxonomy id in a URL (the pattern of fixtures/schema.json)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._:-]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "taxid")

app_name = "api"


def _kind_paths() -> list:
    """The list and item routes of every kind, nodes first."""
    views = {**NODE_VIEWS, **LINK_VIEWS}
    routes = []
    for name, kind in KINDS.items():
        collection, item = views[name]
        ends = ["key"] if not kind.is_link else list(kind.ends)
        key = "/".join(f"<taxid:{end}>" for end in ends)
        routes += [
            path(f"{kind.segment}/", collection.as_view(), name=f"{name}-list"),
            path(f"{kind.segment}/{key}/", item.as_view(), name=f"{name}-detail"),
        ]
    return routes


# (route, view, name) of everything that is not one kind's collection or item.
ROUTES = (
    ("", index.IndexView, "index"),
    ("ping/", health.PingView, "ping"),
    ("health/", health.HealthView, "health"),
    ("taxonomies/", interchange.TaxonomyCollection, "taxonomy-list"),
    ("coverage/", coverage.CoverageView, "coverage"),
    ("coverage/matrix.csv", coverage.CoverageMatrixView, "coverage-matrix"),
    ("coverage/diff/", coverage.CoverageDiffView, "coverage-diff"),
    ("coverage/robustness/", coverage.CoverageRobustnessView, "coverage-robustness"),
    ("coverage/tactics/", incidents.TacticCoverageView, "coverage-tactics"),
    ("coverage/incidents/", incidents.IncidentCoverageView, "coverage-incidents"),
    (
        "coverage/incidents/<taxid:key>/",
        incidents.IncidentVerdictView,
        "coverage-incident",
    ),
    ("recommendations/", recommend.RecommendationView, "recommendations"),
    (
        "architectures/compare/",
        architectures.ArchitectureCompareView,
        "architecture-compare",
    ),
    ("graph/", interchange.GraphView, "graph"),
    ("audit/", history.AuditCollection, "audit-list"),
    ("revisions/", history.RevisionCollection, "revision-list"),
    ("revisions/compare/", history.RevisionCompareView, "revision-compare"),
    ("export/", interchange.ExportView, "export"),
    ("import/", interchange.ImportView, "import"),
    ("jobs/<str:job_id>/", jobs.JobView, "job-detail"),
    ("mappings/", mappings.MappingSetCollection, "mapping-set-list"),
    ("mappings/set/", mappings.MappingSetItem, "mapping-set"),
    ("mappings/export/", mappings.MappingSetExport, "mapping-set-export"),
    ("mappings/rows/", mappings.MappingRowCollection, "mapping-row-list"),
    ("mappings/row/", mappings.MappingRowItem, "mapping-row"),
    ("jobs/<str:job_id>/cancel/", jobs.JobCancelView, "job-cancel"),
    ("judgements/", judgements.JudgementCollection, "judgement-list"),
    ("judgements/export/", judgements.JudgementExport, "judgement-export"),
    ("judgements/import/", judgements.JudgementImport, "judgement-import"),
    ("judgements/panels/", judgements.PanelCollection, "panel-list"),
    ("judges/", judgements.JudgeCollection, "judge-list"),
    ("rounds/", rounds.RoundCollection, "round-list"),
    ("rounds/<slug:slug>/", rounds.RoundItem, "round-detail"),
    ("rounds/<slug:slug>/submit/", rounds.RoundSubmit, "round-submit"),
    ("rounds/<slug:slug>/advance/", rounds.RoundAdvance, "round-advance"),
    ("rounds/<slug:slug>/close/", rounds.RoundClose, "round-close"),
)

urlpatterns = [
    *(path(route, view.as_view(), name=name) for route, view, name in ROUTES),
    *_kind_paths(),
    path("schema/", index.SchemaView.as_view(), name="schema"),
    path("docs/", index.DocsView.as_view(url_name="api:schema"), name="docs"),
]
