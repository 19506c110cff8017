"""Editing one row of a mapping set in the browser (SSSOM crosswalks, issue 26).

``/crosswalks/row/?set=ID`` adds a row to the set; with ``&subject=&object=``
it changes or deletes that row. Editors only; every save is audited (channel
``browser``) and saved only over the version the form was loaded at.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from taxonomy import services
from taxonomy.domain.errors import (
    AlreadyExists,
    InvalidWrite,
    MappingFileError,
    NotFound,
    VersionConflict,
)
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.selectors.mappings import mapping_set_detail
from taxonomy.web.edit_views import GET_POST, editor_required
from taxonomy.web.forms import MappingRowForm


def _get_set_or_404(set_id: str) -> MappingSet:
    """The set ``?set=`` names, else a 404 page naming it."""
    try:
        return mapping_set_detail(mapping_set_id=set_id)
    except NotFound:
        raise Http404(f"No mapping set {set_id!r}.") from None


def _get_row_or_404(mapping_set: MappingSet, key: str | None) -> MappingRow | None:
    """The row ``?subject=&object=`` names (None: a new row), else a 404."""
    if key is None:
        return None
    for row in mapping_set.rows:
        if row.key == key:
            return row
    raise Http404(f"No row {key!r} in this mapping set.")


def _row_url(set_id: str, row: MappingRow | None = None) -> str:
    query = {"set": set_id}
    if row is not None:
        query |= {"subject": row.subject_id, "object": row.object_id}
    return reverse("mapping-row-edit") + "?" + urlencode(query)


@editor_required
@GET_POST
def mapping_row_edit(request) -> HttpResponse:
    """Add, change or delete one row of a mapping set."""
    mapping_set = _get_set_or_404(request.GET.get("set", ""))
    subject, obj = request.GET.get("subject"), request.GET.get("object")
    key = f"{subject}->{obj}" if subject and obj else None
    row = _get_row_or_404(mapping_set, key)
    if request.method != "POST":
        initial = MappingRowForm.initial_of(row) if row else {}
        form = MappingRowForm(initial=initial)
    else:
        form = MappingRowForm(request.POST)
        if form.is_valid() and _saved(request, form, mapping_set, key):
            deleted = "delete" in request.POST
            return redirect(
                _row_url(mapping_set.mapping_set_id, None if deleted else form.row())
            )
    context = {"form": form, "mapping_set": mapping_set, "row": row}
    return render(request, "taxonomy/mapping_row_form.html", context)


def _saved(request, form: MappingRowForm, mapping_set: MappingSet, key) -> bool:
    """Write the form's row (or delete it); False with the refusal on the form."""
    deleting = "delete" in request.POST and key is not None
    version = form.cleaned_data.get("version")
    try:
        services.mapping_row_save(
            mapping_set_id=mapping_set.mapping_set_id,
            key=key,
            row=None if deleting else form.row(),
            expected=None if version is None else frozenset({version}),
            actor=request.user,
            comment=form.cleaned_data["comment"],
            channel="browser",
        )
    except MappingFileError as error:
        form.add_file_errors(error)
    except InvalidWrite as error:
        form.add_error(None, [m for ms in error.errors.values() for m in ms])
    except AlreadyExists:
        form.add_error(None, "This set already has a row for that subject and object.")
    except (VersionConflict, NotFound):
        form.add_error(
            None,
            "Someone else changed or deleted this row since you opened it; nothing "
            "was saved. Reload the page to see their version.",
        )
    else:
        messages.success(request, "Row deleted." if deleting else "Row saved.")
        return True
    return False
