"""URL routes of the browser pages."""

from django.urls import include, path

from taxonomy.domain.kinds import NODE_KINDS
from taxonomy.web import downloads, judgement_edit, pages
from taxonomy.web.pages import architectures as side_by_side
from taxonomy.web.pages import crosswalks, panels, rounds
from taxonomy.web.pages import jurisdictions as where
from taxonomy.web.pages.frameworks import frameworks

# kind -> the view of one item's page, at /<segment>/<id>/ named after the kind:
# every node kind of the registry has one (a KeyError here names the one missing).
NODE_PAGES = {
    "layer": pages.layer_detail,
    "threat": pages.threat_detail,
    "mitigation": pages.mitigation_detail,
    "source": pages.source_detail,
    "tactic": pages.tactic_detail,
    "incident": pages.incident_detail,
    "jurisdiction": pages.jurisdiction_detail,
    "architecture": pages.architecture_detail,
}

urlpatterns = [
    path("", pages.overview, name="overview"),
    path("coverage/", pages.coverage_matrix, name="coverage"),
    path("incidents/", pages.incident_list, name="incidents"),
    path("combinations/", pages.layer_combinations, name="combinations"),
    path("graph/", pages.graph_explorer, name="graph"),
    path("search/", pages.search, name="search"),
    path("robustness/", pages.robustness, name="robustness"),
    path("next/", pages.next_steps, name="next"),
    path("brief/", pages.brief, name="brief"),
    path("glossary/", pages.glossary_page, name="glossary"),
    path("model/", pages.model_page, name="model"),
    path("frameworks/", frameworks, name="frameworks"),
    path("crosswalks/", crosswalks.crosswalk_list, name="crosswalks"),
    path("crosswalks/set/", crosswalks.mapping_set_page, name="crosswalk-set"),
    path("crosswalks/matrix/", crosswalks.crosswalk_matrix, name="crosswalk-matrix"),
    # Before the architectures' own pages, /architectures/<id>/.
    path(
        "architectures/compare/",
        side_by_side.architecture_compare,
        name="architecture-compare",
    ),
    path(
        "architectures/compare/<str:fmt>/",
        side_by_side.architecture_compare_download,
        name="architecture-compare-download",
    ),
    path("architectures/", pages.architecture_list, name="architectures"),
    # Before the jurisdictions' own pages, /jurisdictions/<id>/.
    path("jurisdictions/", where.jurisdiction_matrix, name="jurisdictions"),
    path("export/<str:format>/", downloads.export_download, name="export"),
    path("panels/<str:mitigation_id>/<str:threat_id>/", panels.panel, name="panel"),
    path(
        "panels/<str:mitigation_id>/<str:threat_id>/judge/",
        judgement_edit.judgement_edit,
        name="judgement-edit",
    ),
    path("judgements/mine/", panels.my_judgements, name="my-judgements"),
    path("rounds/new/", rounds.round_new, name="round-new"),
    path("rounds/<slug:slug>/", rounds.round_page, name="round"),
    *(
        path(f"{kind.segment}/<str:{name}_id>/", NODE_PAGES[name], name=name)
        for name, kind in NODE_KINDS.items()
    ),
    path("", include("taxonomy.web.edit_urls")),
]
