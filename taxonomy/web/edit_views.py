"""Editors' pages: create, change and delete taxonomy items from forms.

Every form can be previewed ("Preview impact": the change applied in memory
and the baseline coverage compared, nothing written) and saved (one service
call, audited as the ``browser`` channel with the editor's reason). A save
over a version someone else has changed since the form was loaded is
refused: the page then shows what changed, keeps the editor's input and
takes the other editor's, so nothing is lost and nothing is overwritten
unseen.
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

from graphapi.permissions import is_editor
from taxonomy import audit, selectors, services
from taxonomy.domain.changes import Change, record_key
from taxonomy.domain.changes import node_delete_changes as changes_of_delete
from taxonomy.domain.records import Link, Mitigates, Taxonomy
from taxonomy.graph import repository
from taxonomy.selectors import impact as impacts
from taxonomy.web import editing, presentation
from taxonomy.web.forms import NODE_FORMS, DeleteForm, EditForm, LinkForm, MitigatesForm

TEMPLATE = "taxonomy/edit.html"
LABELS = {
    "layer": "governance layer",
    "threat": "threat",
    "mitigation": "mitigation",
    "source": "source",
    "mitigates": "MITIGATES link",
    "enables": "ENABLES link",
    "requires": "REQUIRES link",
    "introduces": "INTRODUCES link",
    "subtype": "SUBTYPE_OF link",
}
GET_POST = require_http_methods(["GET", "POST"])


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
    """What the edit template shows around a form."""

    kind: str
    action: str  # create, update or delete
    title: str
    cancel_url: str
    snapshot: Taxonomy
    key: str = ""
    removes: list[Change] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def history_url(self) -> str:
        if not self.key:
            return ""
        return reverse("history-node", args=[self.kind, self.key])


# --- Shared steps -----------------------------------------------------------------


def _render(request, form: EditForm, page: EditPage, **extra) -> HttpResponse:
    """The edit page with its form, and a preview or a conflict when there is one."""
    return render(request, TEMPLATE, {"form": form, "page": page, **extra})


def _impact(snapshot: Taxonomy, changes: list[Change]) -> dict[str, Any]:
    """The coverage impact of ``changes``, with threat names and headline counts."""
    impact = impacts.edit_impact(snapshot, changes)
    names = {t.id: t.name for t in snapshot.threats}
    names |= {c.key: c.after.name for c in changes if c.kind == "threat" and c.after}
    summary = impact["summary"]
    return {
        **impact,
        "changed": [
            {**c, "name": names.get(c["id"], c["id"])} for c in impact["changed"]
        ],
        "unaddressed": {
            side: presentation.unaddressed_count(summary[side])
            for side in ("before", "after")
        },
    }


def _submit(
    request,
    form: EditForm,
    page: EditPage,
    *,
    changes: list[Change],
    write: Callable[[], Any],
    done_url: str,
    done: str,
) -> HttpResponse:
    """Preview a valid form's change, or save it and go to ``done_url``.

    A refused save re-renders the form: a stale version with what changed, a
    rule the graph enforces on the field at fault.
    """
    if "preview" in request.POST:
        return _render(request, form, page, impact=_impact(page.snapshot, changes))
    try:
        write()
    except repository.VersionConflict:
        return _conflict(request, form, page)
    except repository.NotFound:
        form.add_error(
            None,
            f"This {page.label} was deleted by someone else while you were editing "
            "it; nothing was saved. Your input is still in the form.",
        )
        return _render(request, form, page)
    except repository.AlreadyExists:
        where = "id" if "id" in form.fields else None
        form.add_error(where, f"This {page.label} exists already.")
        return _render(request, form, page)
    except repository.StillReferenced as error:
        form.add_error(None, str(error))
        return _render(request, form, page)
    except repository.InvalidWrite as error:
        form.add_write_errors(error)
        return _render(request, form, page)
    messages.success(request, done)
    return redirect(done_url)


def _current(kind: str, key: str) -> tuple[Taxonomy, Any]:
    """A fresh snapshot and the item in it (None when it is gone)."""
    snapshot = selectors.taxonomy_snapshot()
    return snapshot, editing.find(snapshot, kind, key)


def _conflict(request, form: EditForm, page: EditPage) -> HttpResponse:
    """A save refused because the item changed since the form was loaded.

    Shows each field as loaded, as it is now and as the editor has it, and the
    history entries since; the form comes back with the editor's changes on
    top of the current values and the current version, so saving again is a
    deliberate choice and nothing anyone entered is lost.
    """
    snapshot, current = _current(page.kind, page.key)
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
    fresh = type(form)(
        data, taxonomy=snapshot, identity=form.identity, **_form_kwargs(form)
    )
    fresh.is_valid()
    page.snapshot = snapshot
    conflict = {"rows": rows, "entries": since[:20], "current": current}
    return _render(request, fresh, page, conflict=conflict)


def _form_kwargs(form: EditForm) -> dict[str, Any]:
    if isinstance(form, LinkForm):
        return {"link_kind": form.link_kind}
    if isinstance(form, DeleteForm):
        return {"links": "cascade" in form.fields}
    return {}


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


def _initial(kind: str, record: Any) -> dict[str, Any]:
    """A form's initial data for an existing item: its values, version and base."""
    values = editing.editable_values(kind, record)
    return {**values, "version": record.version, "base": json.dumps(values)}


def _node_url(kind: str, key: str) -> str:
    """A node's page; the overview for an id no URL can hold (it came from a query)."""
    try:
        return reverse(kind, args=[key])
    except NoReverseMatch:
        return reverse("overview")


def _check_kind(kind: str, allowed) -> None:
    if kind not in allowed:
        raise Http404(f"No such kind {kind!r}.")


def _get(snapshot: Taxonomy, kind: str, key: str) -> Any:
    """The item of ``kind`` with ``key``, else a 404 naming it."""
    record = editing.find(snapshot, kind, key)
    if record is None:
        raise Http404(f"No {LABELS[kind]} {key!r}.")
    return record


# --- Nodes ----------------------------------------------------------------------------


@editor_required
@GET_POST
def node_create(request, kind: str):
    """A new layer, threat, mitigation or source."""
    _check_kind(kind, NODE_FORMS)
    snapshot = selectors.taxonomy_snapshot()
    page = EditPage(
        kind, "create", f"New {LABELS[kind]}", reverse("overview"), snapshot
    )
    if request.method == "GET":
        form = NODE_FORMS[kind](taxonomy=snapshot, initial=request.GET.dict())
        return _render(request, form, page)
    form = NODE_FORMS[kind](request.POST, taxonomy=snapshot)
    if not form.is_valid():
        return _render(request, form, page)
    record = repository.NODE_KINDS[kind][1](**editing.tupled(form.values()))
    return _submit(
        request,
        form,
        page,
        changes=[Change(kind, "create", record.id, None, record)],
        write=lambda: services.node_create(
            kind=kind,
            record=record,
            actor=request.user,
            comment=form.reason,
            channel="browser",
        ),
        done_url=_node_url(kind, record.id),
        done=f"Created the {LABELS[kind]} “{record.name}”.",
    )


@editor_required
@GET_POST
def node_edit(request, kind: str, key: str):
    """Change a node's fields (its id stays)."""
    _check_kind(kind, NODE_FORMS)
    snapshot = selectors.taxonomy_snapshot()
    record = _get(snapshot, kind, key)
    title = f"Edit {LABELS[kind]} “{record.name}”"
    page = EditPage(kind, "update", title, _node_url(kind, key), snapshot, key)
    identity = {"id": key}
    if request.method == "GET":
        form = NODE_FORMS[kind](
            taxonomy=snapshot, identity=identity, initial=_initial(kind, record)
        )
        return _render(request, form, page)
    form = NODE_FORMS[kind](request.POST, taxonomy=snapshot, identity=identity)
    if not form.is_valid():
        return _render(request, form, page)
    values = form.values()
    return _submit(
        request,
        form,
        page,
        changes=[Change(kind, "update", key, record, editing.updated(record, values))],
        write=lambda: services.node_update(
            kind=kind,
            key=key,
            changes=editing.tupled(values),
            expected=form.expected,
            actor=request.user,
            comment=form.reason,
            channel="browser",
        ),
        done_url=_node_url(kind, key),
        done=f"Saved the {LABELS[kind]} “{values['name']}”.",
    )


@editor_required
@GET_POST
def node_delete(request, kind: str, key: str):
    """Delete a node, showing first what goes with it and the coverage impact."""
    _check_kind(kind, NODE_FORMS)
    snapshot = selectors.taxonomy_snapshot()
    record = _get(snapshot, kind, key)
    changes = changes_of_delete(snapshot, kind, key)
    title = f"Delete {LABELS[kind]} “{record.name}”"
    page = EditPage(
        kind, "delete", title, _node_url(kind, key), snapshot, key, changes[1:]
    )
    links = len(changes) > 1
    if request.method == "GET":
        form = DeleteForm(
            taxonomy=snapshot, links=links, initial=_initial(kind, record)
        )
        return _render(request, form, page, impact=_impact(snapshot, changes))
    form = DeleteForm(request.POST, taxonomy=snapshot, links=links)
    if not form.is_valid():
        return _render(request, form, page)
    return _submit(
        request,
        form,
        page,
        changes=changes,
        write=lambda: services.node_delete(
            kind=kind,
            key=key,
            expected=form.expected,
            cascade=form.cleaned_data.get("cascade", False),
            actor=request.user,
            comment=form.reason,
            channel="browser",
        ),
        done_url=reverse("overview"),
        done=f"Deleted the {LABELS[kind]} “{record.name}”.",
    )


# --- Links ----------------------------------------------------------------------------


@editor_required
@GET_POST
def mitigates_create(request):
    """A new MITIGATES link (``?threat=`` or ``?mitigation=`` chooses one end)."""
    snapshot = selectors.taxonomy_snapshot()
    back = _back_url(request)
    page = EditPage("mitigates", "create", "New MITIGATES link", back, snapshot)
    if request.method == "GET":
        initial = {"strength": "medium", **request.GET.dict()}
        return _render(request, MitigatesForm(taxonomy=snapshot, initial=initial), page)
    form = MitigatesForm(request.POST, taxonomy=snapshot)
    if not form.is_valid():
        return _render(request, form, page)
    record = Mitigates(**editing.tupled(form.values()))
    return _submit(
        request,
        form,
        page,
        changes=[Change("mitigates", "create", record_key(record), None, record)],
        write=lambda: services.mitigates_create(
            record=record, actor=request.user, comment=form.reason, channel="browser"
        ),
        done_url=_node_url("threat", record.threat),
        done="Added the MITIGATES link.",
    )


def _back_url(request) -> str:
    """The page of the end a link form was opened from, else the overview."""
    for kind in ("threat", "mitigation", "source"):
        key = request.GET.get(kind) or request.POST.get(f"from_{kind}")
        if key:
            return _node_url(kind, key)
    return reverse("overview")


@editor_required
@GET_POST
def mitigates_edit(request, mitigation: str, threat: str):
    """Change a MITIGATES link's strength, rationale and sources."""
    snapshot = selectors.taxonomy_snapshot()
    key = f"{mitigation}->{threat}"
    link = _get(snapshot, "mitigates", key)
    names = {m.id: m.name for m in snapshot.mitigations}
    title = f"Edit the MITIGATES link {names[mitigation]} → {_threat_name(snapshot, threat)}"
    page = EditPage(
        "mitigates", "update", title, _node_url("threat", threat), snapshot, key
    )
    identity = {"mitigation": mitigation, "threat": threat}
    if request.method == "GET":
        initial = _initial("mitigates", link)
        form = MitigatesForm(taxonomy=snapshot, identity=identity, initial=initial)
        return _render(request, form, page)
    form = MitigatesForm(request.POST, taxonomy=snapshot, identity=identity)
    if not form.is_valid():
        return _render(request, form, page)
    values = form.values()
    return _submit(
        request,
        form,
        page,
        changes=[
            Change("mitigates", "update", key, link, editing.updated(link, values))
        ],
        write=lambda: services.mitigates_update(
            mitigation=mitigation,
            threat=threat,
            changes=editing.tupled(values),
            expected=form.expected,
            actor=request.user,
            comment=form.reason,
            channel="browser",
        ),
        done_url=_node_url("threat", threat),
        done="Saved the MITIGATES link.",
    )


def _threat_name(snapshot: Taxonomy, threat: str) -> str:
    return next((t.name for t in snapshot.threats if t.id == threat), threat)


LINK_FORM_KINDS = ("enables", "requires", "introduces", "subtype")


def _source_kind(kind: str) -> str:
    """The kind of node a link of ``kind`` starts from, whose page its forms return to."""
    return repository.LABEL_KIND[repository.LINK_KINDS[kind][0]]


@editor_required
@GET_POST
def link_create(request, kind: str):
    """A new ENABLES, REQUIRES, INTRODUCES or SUBTYPE_OF link (``?source=`` /
    ``?target=``)."""
    _check_kind(kind, LINK_FORM_KINDS)
    snapshot = selectors.taxonomy_snapshot()
    source_kind = _source_kind(kind)
    back = request.GET.get("source") or request.POST.get("source")
    cancel = _node_url(source_kind, back) if back else reverse("overview")
    page = EditPage(kind, "create", f"New {LABELS[kind]}", cancel, snapshot)
    if request.method == "GET":
        form = LinkForm(taxonomy=snapshot, link_kind=kind, initial=request.GET.dict())
        return _render(request, form, page)
    form = LinkForm(request.POST, taxonomy=snapshot, link_kind=kind)
    if not form.is_valid():
        return _render(request, form, page)
    link = Link(form.cleaned_data["source"], form.cleaned_data["target"])
    return _submit(
        request,
        form,
        page,
        changes=[Change(kind, "create", record_key(link), None, link)],
        write=lambda: services.link_create(
            kind=kind,
            source=link.source,
            target=link.target,
            actor=request.user,
            comment=form.reason,
            channel="browser",
        ),
        done_url=_node_url(source_kind, link.source),
        done=f"Added the {LABELS[kind]}.",
    )


@editor_required
@GET_POST
def link_delete(request, kind: str, source: str, target: str):
    """Remove one link of any kind, showing the coverage impact first."""
    _check_kind(kind, ("mitigates", *LINK_FORM_KINDS))
    snapshot = selectors.taxonomy_snapshot()
    key = f"{source}->{target}"
    link = _get(snapshot, kind, key)
    changes = [Change(kind, "delete", key, link, None)]
    source_kind = _source_kind(kind)
    back = (
        _node_url("threat", target)
        if kind == "mitigates"
        else _node_url(source_kind, source)
    )
    page = EditPage(
        kind,
        "delete",
        f"Remove the {LABELS[kind]} {source} → {target}",
        back,
        snapshot,
        key,
    )
    if request.method == "GET":
        form = DeleteForm(taxonomy=snapshot, initial={"version": link.version})
        return _render(request, form, page, impact=_impact(snapshot, changes))
    form = DeleteForm(request.POST, taxonomy=snapshot)
    if not form.is_valid():
        return _render(request, form, page)
    return _submit(
        request,
        form,
        page,
        changes=changes,
        write=lambda: services.link_delete(
            kind=kind,
            source=source,
            target=target,
            expected=form.expected,
            actor=request.user,
            comment=form.reason,
            channel="browser",
        ),
        done_url=back,
        done=f"Removed the {LABELS[kind]}.",
    )
