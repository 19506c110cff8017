"""URL routes of the REST API, mounted at /api/v1/ (namespace "api")."""

from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from graphapi import views


class IdConverter:
    """A taxonomy id in a URL (the pattern of fixtures/schema.json)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._:-]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "taxid")

app_name = "api"

urlpatterns = [
    path("ping/", views.PingView.as_view(), name="ping"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("taxonomies/", views.TaxonomyCollection.as_view(), name="taxonomy-list"),
    path("layers/", views.LayerCollection.as_view(), name="layer-list"),
    path("layers/<taxid:key>/", views.LayerItem.as_view(), name="layer-detail"),
    path("threats/", views.ThreatCollection.as_view(), name="threat-list"),
    path("threats/<taxid:key>/", views.ThreatItem.as_view(), name="threat-detail"),
    path("mitigations/", views.MitigationCollection.as_view(), name="mitigation-list"),
    path(
        "mitigations/<taxid:key>/",
        views.MitigationItem.as_view(),
        name="mitigation-detail",
    ),
    path("sources/", views.SourceCollection.as_view(), name="source-list"),
    path("sources/<taxid:key>/", views.SourceItem.as_view(), name="source-detail"),
    path("mitigates/", views.MitigatesCollection.as_view(), name="mitigates-list"),
    path(
        "mitigates/<taxid:mitigation>/<taxid:threat>/",
        views.MitigatesItem.as_view(),
        name="mitigates-detail",
    ),
    path("enables/", views.EnablesCollection.as_view(), name="enables-list"),
    path(
        "enables/<taxid:source>/<taxid:target>/",
        views.EnablesItem.as_view(),
        name="enables-detail",
    ),
    path("requires/", views.RequiresCollection.as_view(), name="requires-list"),
    path(
        "requires/<taxid:source>/<taxid:target>/",
        views.RequiresItem.as_view(),
        name="requires-detail",
    ),
    path("introduces/", views.IntroducesCollection.as_view(), name="introduces-list"),
    path(
        "introduces/<taxid:source>/<taxid:target>/",
        views.IntroducesItem.as_view(),
        name="introduces-detail",
    ),
    path("subtypes/", views.SubtypeCollection.as_view(), name="subtype-list"),
    path(
        "subtypes/<taxid:source>/<taxid:target>/",
        views.SubtypeItem.as_view(),
        name="subtype-detail",
    ),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path(
        "coverage/matrix.csv",
        views.CoverageMatrixView.as_view(),
        name="coverage-matrix",
    ),
    path("coverage/diff/", views.CoverageDiffView.as_view(), name="coverage-diff"),
    path("graph/", views.GraphView.as_view(), name="graph"),
    path("audit/", views.AuditCollection.as_view(), name="audit-list"),
    path("revisions/", views.RevisionCollection.as_view(), name="revision-list"),
    path(
        "revisions/compare/",
        views.RevisionCompareView.as_view(),
        name="revision-compare",
    ),
    path("export/", views.ExportView.as_view(), name="export"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
