"""URL routes of the browser pages."""

from django.urls import include, path

from taxonomy.domain.kinds import NODE_KINDS
from taxonomy.web import downloads, views

# kind -> the view of one item's page, at /<segment>/<id>/ named after the kind:
# every node kind of the registry has one (a KeyError here names the one missing).
NODE_PAGES = {
    "layer": views.layer_detail,
    "threat": views.threat_detail,
    "mitigation": views.mitigation_detail,
    "source": views.source_detail,
    "tactic": views.tactic_detail,
    "incident": views.incident_detail,
}

urlpatterns = [
    path("", views.overview, name="overview"),
    path("coverage/", views.coverage_matrix, name="coverage"),
    path("incidents/", views.incident_list, name="incidents"),
    path("combinations/", views.layer_combinations, name="combinations"),
    path("graph/", views.graph_explorer, name="graph"),
    path("search/", views.search, name="search"),
    path("robustness/", views.robustness, name="robustness"),
    path("next/", views.next_steps, name="next"),
    path("brief/", views.brief, name="brief"),
    path("glossary/", views.glossary_page, name="glossary"),
    path("export/<str:format>/", downloads.export_download, name="export"),
    *(
        path(f"{kind.segment}/<str:{name}_id>/", NODE_PAGES[name], name=name)
        for name, kind in NODE_KINDS.items()
    ),
    path("", include("taxonomy.web.edit_urls")),
]
