"""URL routes of the editors' pages, the history and the named revisions.

Each kind has its own routes so that an id can never be mistaken for a
keyword: ``/edit/threat/delete/`` edits the threat whose id is "delete".
"""

from django.urls import path

from taxonomy.web import edit_views, history_views

NODE_KINDS = ("layer", "threat", "mitigation", "source")
LINK_KINDS = ("enables", "requires", "introduces", "subtype")

urlpatterns = [
    path("edit/new/mitigates/", edit_views.mitigates_create, name="edit-mitigates-new"),
    path(
        "edit/mitigates/<str:mitigation>/<str:threat>/",
        edit_views.mitigates_edit,
        name="edit-mitigates",
    ),
    path("history/", history_views.history, name="history"),
    path(
        "history/<str:kind>/<str:key>/", history_views.node_history, name="history-node"
    ),
    path("revisions/", history_views.revision_list, name="revisions"),
    path("revisions/compare/", history_views.revision_compare, name="revision-compare"),
]
for kind in NODE_KINDS:
    urlpatterns += [
        path(
            f"edit/new/{kind}/",
            edit_views.node_create,
            {"kind": kind},
            name=f"edit-{kind}-new",
        ),
        path(
            f"edit/{kind}/<str:key>/",
            edit_views.node_edit,
            {"kind": kind},
            name=f"edit-{kind}",
        ),
        path(
            f"edit/{kind}/<str:key>/delete/",
            edit_views.node_delete,
            {"kind": kind},
            name=f"delete-{kind}",
        ),
    ]
for kind in LINK_KINDS:
    urlpatterns.append(
        path(
            f"edit/new/{kind}/",
            edit_views.link_create,
            {"kind": kind},
            name=f"edit-{kind}-new",
        )
    )
for kind in ("mitigates", *LINK_KINDS):
    urlpatterns.append(
        path(
            f"edit/{kind}/<str:source>/<str:target>/delete/",
            edit_views.link_delete,
            {"kind": kind},
            name=f"delete-{kind}",
        )
    )
