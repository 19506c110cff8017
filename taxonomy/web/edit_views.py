"""Editors' pages: create, change and delete taxonomy items from forms.

Every form can be previewed ("Preview impact": the change applied in memory
and the baseline coverage compared, nothing written) and saved (one service
call, audited as the ``browser`` channel with the editor's reason). A save
over a version someone else has changed since the form was loaded is
refused: the page then shows what changed, keeps the editor's input and
takes the other editor's, so nothing is lost and nothing is overwritten
unseen. What differs by kind (record, editable fields, names, link ends) is
read from the kind registry; every kind goes through the one flow of
``edit_item``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from taxonomy import audit, selectors, services
from taxonomy.domain.changes import Change, node_delete_changes
from taxonomy.domain.errors import (
    AlreadyExists,
    InvalidWrite,
    NotFound,
    StillReferenced,
    VersionConflict,
)
from taxonomy.domain.kinds import KINDS, NODE_KINDS, Kind, link_key, record_key
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import DEPENDENCE_WORDS, DEPENDENCES
from taxonomy.editors import is_editor
from taxonomy.selectors import impact as impacts
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.web import editing
from taxonomy.web import present as presentation
from taxonomy.web.forms import FORMS, CascadeDeleteForm, DeleteForm, EditForm

TEMPLATE = "taxonomy/edit.html"
# kind -> how titles and messages name one item: "governance layer", "MITIGATES link".
LABELS = {
    name: kind.title if kind.is_link else kind.title.lower()
    for name, kind in KINDS.items()
}
# action -> the verb of its done message for a node, and for a link.
DONE = {
    "create": ("Created", "Added"),
    "update": ("Saved", "Saved"),
    "delete": ("Deleted", "Removed"),
}
GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def editor_required(view: Callable) -> Callable:
    """Anonymous users go to the login page, users outside ``editors`` get a 403;
    neither reaches the view, so neither can write."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_editor(request.user):
            raise PermissionDenied(
                "Only members of the editors group may change the taxonomy."
            )
        return view(request, *args, **kwargs)

    return wrapper


@dataclass
class EditPage:
    """One edit, and what the edit template shows around its form."""

    kind: str
    action: str  # create, update or delete
    title: str
    cancel_url: str
    snapshot: Taxonomy
    key: str = ""
    removes: list[Change] = field(default_factory=list)
    record: Any = None  # the item as loaded; None for a new one
    dependence: str = DEPENDENCES[0]  # of the coverage the impact preview shows

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def identity(self) -> dict[str, str]:
        """The fields the URL fixes: a node's id, a link's two ends."""
        if self.record is None:
            return {}
        if self.spec.is_link:
            return dict(
                zip(self.spec.ends, self.spec.end_ids(self.record), strict=True)
            )
        return {"id": self.key}

    @property
    def history_url(self) -> str:
        if not self.key:
            return ""
        return reverse("history-node", args=[self.kind, self.key])


# --- The one flow -----------------------------------------------------------------


@editor_required
@GET_POST
def edit_item(
    request, kind: str, action: str, key: str = "", source: str = "", target: str = ""
):
    """Create, change or delete one item of ``kind``; a link is named by its ends.

    GET shows the form (a deletion with its coverage impact first); POST
    previews or saves it.
    """
    page = _page(request, kind, action, link_key(source, target) if source else key)
    form_class = _form_class(page)
    options = {"taxonomy": page.snapshot, "identity": page.identity}
    if request.method in ("GET", "HEAD"):
        form = form_class(initial=_initial(request, page), **options)
        if action != "delete":
            return _render(request, form, page)
        return _render(request, form, page, impact=_impact(page, _changes(page)))
    form = form_class(request.POST, **options)
    if not form.is_valid():
        return _render(request, form, page)
    return _submit(request, form, page)


def _page(request, kind: str, action: str, key: str) -> EditPage:
    """The edit of one item in a fresh snapshot (404 for an item that is not there)."""
    snapshot = selectors.taxonomy_snapshot()
    record = _get(snapshot, kind, key) if key else None
    deletes_node = action == "delete" and kind in NODE_KINDS
    return EditPage(
        kind,
        action,
        _title(snapshot, kind, action, record),
        _cancel_url(request, kind, record),
        snapshot,
        key,
        node_delete_changes(snapshot, kind, key)[1:] if deletes_node else [],
        record,
        _dependence(request),
    )


def _dependence(request) -> str:
    """The dependence the page was opened with (``?dependence=``), if a known one."""
    chosen = request.POST.get("dependence") or request.GET.get("dependence")
    return chosen if chosen in DEPENDENCES else DEPENDENCES[0]


def _render(request, form: EditForm, page: EditPage, **extra) -> HttpResponse:
    """The edit page with its form, and a preview or a conflict when there is one."""
    return render(request, TEMPLATE, {"form": form, "page": page, **extra})


def _submit(request, form: EditForm, page: EditPage) -> HttpResponse:
    """Preview a valid form's change, or save it and go to the item's page.

    A refused save re-renders the form: a stale version with what changed, a
    rule the graph enforces on the field at fault.
    """
    changes = _changes(page, form)
    if "preview" in request.POST:
        return _render(request, form, page, impact=_impact(page, changes))
    try:
        WRITES[page.action](request, form, page, changes[0].after)
    except VersionConflict:
        return _conflict(request, form, page)
    except NotFound:
        form.add_error(
            None,
            f"This {page.label} was deleted by someone else while you were editing "
            "it; nothing was saved. Your input is still in the form.",
        )
        return _render(request, form, page)
    except AlreadyExists:
        where = "id" if "id" in form.fields else None
        form.add_error(where, f"This {page.label} exists already.")
        return _render(request, form, page)
    except StillReferenced as error:
        form.add_error(None, str(error))
        return _render(request, form, page)
    except InvalidWrite as error:
        form.add_write_errors(error)
        return _render(request, form, page)
    messages.success(request, _done(page, changes[0].after or page.record))
    return redirect(_done_url(page, changes[0].after or page.record))


# --- What differs by action and kind --------------------------------------------------


def _form_class(page: EditPage) -> type[EditForm]:
    """The kind's form; a deletion's confirms it, with a cascade box when others go."""
    if page.action != "delete":
        return FORMS[page.kind]
    return CascadeDeleteForm if page.removes else DeleteForm


def _initial(request, page: EditPage) -> dict[str, Any]:
    """A form's initial data: the query string's for a new item, else the item's
    editable values, its version and those values as the base of a later conflict."""
    if page.record is None:
        return request.GET.dict()
    if page.action == "delete" and page.spec.is_link:
        # A link's deletion is confirmed at its version alone, without a base.
        return {"version": page.record.version}
    values = editing.editable_values(page.kind, page.record)
    return {**values, "version": page.record.version, "base": json.dumps(values)}


def _changes(page: EditPage, form: EditForm | None = None) -> list[Change]:
    """The changes the edit makes (a node's deletion with what goes with it)."""
    if page.action == "delete":
        return [Change(page.kind, "delete", page.key, page.record, None), *page.removes]
    values = form.values()
    if page.action == "update":
        after = editing.updated(page.record, values)
        return [Change(page.kind, "update", page.key, page.record, after)]
    after = page.spec.record(**editing.tupled(values))
    return [Change(page.kind, "create", record_key(after), None, after)]


def _create(request, form: EditForm, page: EditPage, record: Any) -> None:
    who = _who(request, form)
    if not page.spec.is_link:
        services.node_create(kind=page.kind, record=record, **who)
    elif page.spec.props:
        services.property_link_create(kind=page.kind, record=record, **who)
    else:
        source, target = page.spec.end_ids(record)
        services.link_create(kind=page.kind, source=source, target=target, **who)


def _update(request, form: EditForm, page: EditPage, record: Any) -> None:
    changes = editing.tupled(form.values())
    who = _who(request, form) | {"changes": changes, "expected": form.expected}
    if page.spec.is_link:
        source, target = page.spec.end_ids(page.record)
        services.property_link_update(
            kind=page.kind, source=source, target=target, **who
        )
    else:
        services.node_update(kind=page.kind, key=page.key, **who)


def _delete(request, form: EditForm, page: EditPage, record: Any) -> None:
    who = _who(request, form) | {"kind": page.kind, "expected": form.expected}
    if page.spec.is_link:
        source, target = page.spec.end_ids(page.record)
        services.link_delete(source=source, target=target, **who)
    else:
        cascade = form.cleaned_data.get("cascade", False)
        services.node_delete(key=page.key, cascade=cascade, **who)


# action -> the service call that saves it (given the record as it will be).
WRITES = {"create": _create, "update": _update, "delete": _delete}


def _who(request, form: EditForm) -> dict[str, Any]:
    """Who saves, and why, as every service call is audited."""
    return {"actor": request.user, "comment": form.reason, "channel": "browser"}


def _title(snapshot: Taxonomy, kind: str, action: str, record: Any) -> str:
    label, spec = LABELS[kind], KINDS[kind]
    if record is None:
        return f"New {label}"
    if not spec.is_link:
        return f"{'Edit' if action == 'update' else 'Delete'} {label} “{record.name}”"
    source, target = spec.end_ids(record)
    if action == "delete":
        return f"Remove the {label} {source} → {target}"
    names = _name(snapshot, spec.source, source), _name(snapshot, spec.target, target)
    return f"Edit the {label} {names[0]} → {names[1]}"


def _done(page: EditPage, record: Any) -> str:
    verb = DONE[page.action][page.spec.is_link]
    if page.spec.is_link:
        return f"{verb} the {page.label}."
    return f"{verb} the {page.label} “{record.name}”."


def _done_url(page: EditPage, record: Any) -> str:
    """Where a save goes: the item's page; the overview once a node is gone."""
    if page.action == "delete" and not page.spec.is_link:
        return reverse("overview")
    return _item_url(page.kind, record)


def _cancel_url(request, kind: str, record: Any) -> str:
    """Where Back and Cancel go: the item's page; for a new link the page of the end
    the request names (the form was opened from it), else the overview."""
    if record is not None:
        return _item_url(kind, record)
    spec = KINDS[kind]
    if spec.is_link:
        ends = list(zip(spec.ends, (spec.source, spec.target), strict=True))
        for query in (request.GET, request.POST):
            for name, end in ends:
                if query.get(name):
                    return _node_url(end, query[name])
    return reverse("overview")


def _item_url(kind: str, record: Any) -> str:
    """The page that shows an item: a node's own; a link's is the page of the end
    it is listed under, the same end that holds it in fixture files."""
    spec = KINDS[kind]
    if not spec.is_link:
        return _node_url(kind, record.id)
    home = spec.fixture_owner
    return _node_url(getattr(spec, home), spec.end_ids(record)[home == "target"])


# --- Shared steps -----------------------------------------------------------------


def _impact(page: EditPage, changes: list[Change]) -> dict[str, Any]:
    """The coverage impact of ``changes``, with threat names and headline counts."""
    snapshot = page.snapshot
    scenario = coverage_scenario(dependence=page.dependence)
    impact = impacts.edit_impact(snapshot, changes, scenario=scenario)
    names = {t.id: t.name for t in snapshot.threats}
    names |= {c.key: c.after.name for c in changes if c.kind == "threat" and c.after}
    summary = impact["summary"]
    return {
        **impact,
        "dependence_words": DEPENDENCE_WORDS[page.dependence],
        "changed": [
            {**c, "name": names.get(c["id"], c["id"])} for c in impact["changed"]
        ],
        "unaddressed": {
            side: presentation.unaddressed_count(summary[side])
            for side in ("before", "after")
        },
    }


def _conflict(request, form: EditForm, page: EditPage) -> HttpResponse:
    """A save refused because the item changed since the form was loaded.

    Shows each field as loaded, as it is now and as the editor has it, and the
    history entries since; the form comes back with the editor's changes on
    top of the current values and the current version, so saving again is a
    deliberate choice and nothing anyone entered is lost.
    """
    snapshot = selectors.taxonomy_snapshot()
    current = editing.find(snapshot, page.kind, page.key)
    base, yours = form.base_values(), form.values()
    editable = current is not None and page.kind in editing.EDITABLE
    now = editing.editable_values(page.kind, current) if editable else {}
    rows = [
        {
            "name": name,
            "base": base.get(name),
            "now": value,
            "yours": yours.get(name, base.get(name)),
            "they_changed": value != base.get(name),
            "you_changed": name in yours and yours[name] != base.get(name),
        }
        for name, value in now.items()
    ]
    loaded = form.cleaned_data.get("version") or 0
    since = audit.audit_node_history(kind=page.kind, key=page.key).filter(
        kind=page.kind, after__version__gt=loaded
    )
    data = _form_data(
        {
            k: (yours[k] if yours[k] != base.get(k) else now[k])
            for k in now
            if k in yours
        },
        comment=form.reason,
        version=getattr(current, "version", None),
        base=now,
    )
    fresh = type(form)(data, taxonomy=snapshot, identity=form.identity)
    fresh.is_valid()
    page.snapshot = snapshot
    conflict = {"rows": rows, "entries": since[:20], "current": current}
    return _render(request, fresh, page, conflict=conflict)


def _form_data(values: dict[str, Any], **hidden: Any) -> QueryDict:
    """Form data (as a browser would post it) holding ``values`` and the hidden fields."""
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if isinstance(value, list | tuple):
            data.setlist(name, [str(v) for v in value])
        elif value is not None:
            data[name] = str(value)
    data["comment"] = hidden.get("comment") or ""
    if hidden.get("version") is not None:
        data["version"] = str(hidden["version"])
    data["base"] = json.dumps(hidden.get("base") or {})
    return data


def _node_url(kind: str, key: str) -> str:
    """A node's page; the overview for an id no URL can hold (it came from a query)."""
    try:
        return reverse(kind, args=[key])
    except NoReverseMatch:
        return reverse("overview")


def _get(snapshot: Taxonomy, kind: str, key: str) -> Any:
    """The item of ``kind`` with ``key``, else a 404 naming it."""
    record = editing.find(snapshot, kind, key)
    if record is None:
        raise Http404(f"No {LABELS[kind]} {key!r}.")
    return record


def _name(snapshot: Taxonomy, kind: str, key: str) -> str:
    """The display name of a node, or its id when it has none."""
    return getattr(editing.find(snapshot, kind, key), "name", key)
