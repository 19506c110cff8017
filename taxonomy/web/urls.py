"""URL routes of the browser pages."""

from django.urls import include, path

from taxonomy.web import downloads, views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("coverage/", views.coverage_matrix, name="coverage"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/<str:incident_id>/", views.incident_detail, name="incident"),
    path("combinations/", views.layer_combinations, name="combinations"),
    path("threats/<str:threat_id>/", views.threat_detail, name="threat"),
    path(
        "mitigations/<str:mitigation_id>/", views.mitigation_detail, name="mitigation"
    ),
    path("layers/<str:layer_id>/", views.layer_detail, name="layer"),
    path("sources/<str:source_id>/", views.source_detail, name="source"),
    path("graph/", views.graph_explorer, name="graph"),
    path("search/", views.search, name="search"),
    path("robustness/", views.robustness, name="robustness"),
    path("next/", views.next_steps, name="next"),
    path("brief/", views.brief, name="brief"),
    path("export/<str:format>/", downloads.export_download, name="export"),
    path("", include("taxonomy.web.edit_urls")),
]
