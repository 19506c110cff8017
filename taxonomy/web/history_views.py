"""The audit log and named revisions in the browser: who changed what, and coverage then."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from taxonomy import audit, revisions, selectors
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.errors import RevisionError
from taxonomy.domain.kinds import (
    KINDS,
    LINK_KINDS,
    NODE_KINDS,
    items_of,
    link_kinds_touching,
    split_link_key,
)
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.editors import audit_detail
from taxonomy.judgements import JUDGEMENT
from taxonomy.rounds import ROUND
from taxonomy.selectors.comparison import (
    change_lines,
    side_by_side,
    taxonomy_comparison,
)
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.selectors.rounds import round_titles
from taxonomy.web.forms import HistoryFilterForm
from taxonomy.web.history_words import item_name

PAGE_SIZE = 50


def audit_readers_only(view):
    """The audit log's pages for those ``LAYERWISE_AUDIT_VISIBILITY`` lets read it:
    others go to the login page, or get a 403 once logged in. The view gets
    ``request.audit_detail`` (``all`` or ``anonymised``)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.audit_detail = audit_detail(request.user)
        if request.audit_detail == "none" and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.audit_detail == "none":
            raise PermissionDenied("Only editors may read the history of changes.")
        return view(request, *args, **kwargs)

    return wrapper


def _history_form(request) -> HistoryFilterForm:
    """The filters; by editor only for those who may see who changed what."""
    anonymised = request.audit_detail == "anonymised"
    editors = [] if anonymised else audit.audit_editors()
    form = HistoryFilterForm(request.GET or None, editors=editors)
    if anonymised:
        del form.fields["editor"]
    return form


def _taxonomy_of(item_id: str, known) -> str:
    """The taxonomy an item's id belongs to: an imported id's prefix
    (``atlas:AML.T0024``), else the seed."""
    prefix = item_id.split(":", 1)[0] if ":" in item_id else ""
    return prefix if prefix in known else DEFAULT_TAXONOMY


def _names_now(entries) -> dict[str, dict[str, str]]:
    """Kind -> id -> name of the items the entries name that the graph holds now
    (each taxonomy read once per graph revision, as the pages read it), and
    ``round`` -> slug -> title of the rounds their judgements were given in."""
    known = selectors.taxonomy_names()
    wanted = {
        _taxonomy_of(item_id, known)
        for entry in entries
        for item_id in (entry.key, entry.source, entry.target)
        if item_id
    }
    token = selectors.revision_token()
    names: dict[str, dict[str, str]] = {kind: {} for kind in NODE_KINDS}
    for name in sorted(wanted):
        snapshot = selectors.taxonomy_at(token=token, taxonomy=name)
        for kind in NODE_KINDS:
            names[kind].update((r.id, r.name) for r in items_of(snapshot, kind))
    names["round"] = round_titles(
        (entry.after or entry.before or {}).get("round", "")
        if entry.kind == JUDGEMENT
        else entry.key
        for entry in entries
        if getattr(entry, "kind", "") in (JUDGEMENT, ROUND)
    )
    return names


@require_safe
@audit_readers_only
def history(request):
    """Recent changes, newest first, filtered by editor, day range and kind."""
    form = _history_form(request)
    filters = form.filters() if form.is_valid() else {}
    entries = audit.audit_list(**filters).select_related("actor")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "names": _names_now(page.object_list),
        "filtered": any(filters.values()),
        "anonymised": request.audit_detail == "anonymised",
    }
    return render(request, "taxonomy/history.html", context)


@require_safe
@audit_readers_only
def node_history(request, kind: str, key: str):
    """Every change to one node (and to the links that involve it), or to one link."""
    if kind not in KINDS:
        raise Http404(f"No such kind {kind!r}.")
    entries = audit.audit_node_history(kind=kind, key=key).select_related("actor")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _names_now([*page.object_list, _Key(key, *split_link_key(key))])
    record = names.get(kind, {}).get(key) if kind in NODE_KINDS else None
    context = {
        "kind": kind,
        "kind_title": KINDS[kind].title.lower() if kind in NODE_KINDS else "link",
        "key": key,
        "title": _item_title(kind, key, names),
        "exists": record is not None,
        "node_url": reverse(kind, args=[key]) if record is not None else "",
        "with_links": bool(link_kinds_touching(kind)),
        "page": page,
        "names": names,
        "anonymised": request.audit_detail == "anonymised",
    }
    return render(request, "taxonomy/node_history.html", context)


@dataclass(frozen=True)
class _Key:
    """An item the history page names besides its entries (the page's own)."""

    key: str
    source: str = ""
    target: str = ""


def _item_title(kind: str, key: str, names) -> str:
    """The item a history page is about, in words: a node's name, a link's sentence."""
    if kind in LINK_KINDS:
        spec = LINK_KINDS[kind]
        source, target = split_link_key(key)
        return " ".join(
            (
                item_name(spec.source, source, names),
                spec.words,
                item_name(spec.target, target, names),
            )
        )
    return item_name(kind, key, names)


def _taxonomy_at(name: str) -> Taxonomy:
    """The taxonomy of a named revision (or ``current``), else a 404 saying why."""
    try:
        return revisions.revision_taxonomy(name=name)
    except RevisionError as error:
        raise Http404(str(error)) from None


@require_safe
def revision_list(request):
    """The named revisions, with links to their coverage and a compare form."""
    context = {
        "revisions": revisions.revision_list().select_related("created_by"),
        "current": revisions.CURRENT,
        "show_who": audit_detail(request.user) == "all",
    }
    return render(request, "taxonomy/revisions.html", context)


@require_safe
def revision_compare(request):
    """Two revisions side by side: every threat's class, and what changed."""
    a = request.GET.get("a") or revisions.CURRENT
    b = request.GET.get("b") or revisions.CURRENT
    old, new = _taxonomy_at(a), _taxonomy_at(b)
    scenario = coverage_scenario()
    documents = [
        selectors.coverage_report(CoverageQuery(revision=name, scenario=scenario))
        for name in (a, b)
    ]
    comparison = taxonomy_comparison(old, new, old_name=a, new_name=b)
    context = {
        "a": a,
        "b": b,
        "comparison": comparison,
        "rows": side_by_side(*documents),
        "change_lines": change_lines(comparison),
        "class_names": CLASSES,
        "documents": documents,
        "revisions": revisions.revision_list(),
        "current": revisions.CURRENT,
    }
    return render(request, "taxonomy/revision_compare.html", context)
