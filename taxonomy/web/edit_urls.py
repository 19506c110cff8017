"""URL routes of the editors' pages (one set per kind), the history and the revisions.

Each kind has its own routes so that an id can never be mistaken for a
keyword: ``/edit/threat/delete/`` edits the threat whose id is "delete".
"""

from django.urls import path

from taxonomy.domain.kinds import KINDS
from taxonomy.web import crosswalk_edit, history_views
from taxonomy.web.edit_views import edit_item

urlpatterns = [
    path("history/", history_views.history, name="history"),
    path(
        "history/<str:kind>/<str:key>/", history_views.node_history, name="history-node"
    ),
    path("crosswalks/row/", crosswalk_edit.mapping_row_edit, name="mapping-row-edit"),
    path("revisions/", history_views.revision_list, name="revisions"),
    path("revisions/compare/", history_views.revision_compare, name="revision-compare"),
]
# action -> (route, URL name) of each kind's edit pages; {item} is a node's id
# or a link's two ends. Only kinds with editable fields have an update page.
ROUTES = {
    "create": ("edit/new/{kind}/", "edit-{kind}-new"),
    "update": ("edit/{kind}/{item}/", "edit-{kind}"),
    "delete": ("edit/{kind}/{item}/delete/", "delete-{kind}"),
}
urlpatterns += [
    path(
        route.format(
            kind=name, item="<str:source>/<str:target>" if kind.is_link else "<str:key>"
        ),
        edit_item,
        {"kind": name, "action": action},
        name=url_name.format(kind=name),
    )
    for name, kind in KINDS.items()
    for action, (route, url_name) in ROUTES.items()
    if action != "update" or kind.editable
]
