"""Giving, changing or withdrawing a judgement of one MITIGATES link in the
browser, outside any elicitation round (issue 27).

``/panels/<mitigation>/<threat>/judge/`` gives the editor's own judgement;
``?judge=NAME`` opens a recorded external expert's, which any editor may
record. Editors only; every save is audited (channel ``browser``) by the
service (``taxonomy.judgements``), which also refuses another editor's
judgement. A round's answers are given on the round's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from taxonomy.domain.errors import InvalidWrite, NotFound
from taxonomy.domain.judgements import Judgement
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.judgements import (
    judge_create,
    judge_of_user,
    judgement_delete,
    judgement_save,
)
from taxonomy.selectors.panels import judge_of_account, judgements_list, judges_list
from taxonomy.web.edit_views import GET_POST, editor_required
from taxonomy.web.judgement_forms import (
    EXPERT,
    MYSELF,
    NEW_EXPERT,
    JudgementForm,
    judge_choices,
)
from taxonomy.web.pages.common import in_taxonomy, read_snapshot

# Where a refusal of the service lands on the form: record field -> form field.
FIELDS = {"interval": "low", "name": "expert_name", "judge": "judge"}


def _get_link_or_404(snapshot, mitigation_id: str, threat_id: str):
    """The MITIGATES link the URL names, else a 404 naming it."""
    for link in snapshot.mitigates:
        if (link.mitigation, link.threat) == (mitigation_id, threat_id):
            return link
    raise Http404(f"No link {mitigation_id} -> {threat_id}.")


def _chosen_judge(request, judges: list[dict]) -> tuple[str, str | None]:
    """``(judge field value, judge name)`` of the page's ``?judge=``: the
    editor (name None before their first judgement), else a recorded external
    expert; another editor's name is a 403, no judge's a 404."""
    name = request.GET.get("judge")
    own = judge_of_account(user=request.user)
    if not name or name == own:
        return MYSELF, own
    found = next((j for j in judges if j["name"] == name), None)
    if found is None:
        raise Http404(f"No judge named {name!r}.")
    if found["account"]:
        raise PermissionDenied(f"{name}'s judgements are theirs to give.")
    return EXPERT + name, name


def _stored(mitigation: str, threat: str, judge: str | None, user) -> Judgement | None:
    """The judge's judgement of the link outside any round, if they gave one."""
    if judge is None:
        return None
    given = judgements_list(
        mitigation=mitigation, threat=threat, judge=judge, viewer=user
    )
    return next((j for j in given if not j.round), None)


@editor_required
@GET_POST
@in_taxonomy
def judgement_edit(request, mitigation_id: str, threat_id: str) -> HttpResponse:
    """Give, change or withdraw one judge's judgement of one link."""
    if request.taxonomy.name != DEFAULT_TAXONOMY:
        # Judgements are of the project's own links; an imported catalogue's
        # strengths are assumed at import, not judged here.
        raise Http404("Only the links of the Layerwise taxonomy are judged.")
    snapshot = read_snapshot(request)
    link = _get_link_or_404(snapshot, mitigation_id, threat_id)
    judges = judges_list()
    experts = [j for j in judges if not j["account"]]
    value, name = _chosen_judge(request, judges)
    stored = _stored(mitigation_id, threat_id, name, request.user)
    options = {
        "judges": judge_choices(username=request.user.get_username(), experts=experts),
        "sources": [
            (s.id, s.title) for s in sorted(snapshot.sources, key=lambda s: s.title)
        ],
    }
    status = 200
    if request.method != "POST":
        initial = JudgementForm.initial_of(stored, judge=value) if stored else {}
        form = JudgementForm(initial={"judge": value, **initial}, **options)
    elif "withdraw" in request.POST and stored is not None:
        judgement_delete(
            mitigation=mitigation_id,
            threat=threat_id,
            judge=stored.judge,
            actor=request.user,
            channel="browser",
        )
        messages.success(request, f"{stored.judge}'s judgement withdrawn.")
        return redirect("panel", mitigation_id, threat_id)
    else:
        form = JudgementForm(request.POST, **options)
        if form.is_valid():
            status = _saved(request, form, link)
            if status is None:
                return redirect("panel", mitigation_id, threat_id)
    names = {m.id: m.name for m in snapshot.mitigations} | {
        t.id: t.name for t in snapshot.threats
    }
    context = {
        "form": form,
        "link": link,
        "mitigation_name": names.get(link.mitigation, link.mitigation),
        "threat_name": names.get(link.threat, link.threat),
        "stored": stored,
    }
    return render(request, "taxonomy/judgement_form.html", context, status=status)


def _saved(request, form: JudgementForm, link) -> int | None:
    """Write the form's judgement (recording a new expert first, in the same
    transaction); None once saved, else the status with the refusal on the
    form."""
    data = form.cleaned_data
    user = request.user
    try:
        with transaction.atomic():
            own = judge_of_user(user=user).name if data["judge"] == MYSELF else ""
            name = form.judge_name(own=own)
            record = form.record(
                mitigation=link.mitigation, threat=link.threat, judge=name
            )
            if data["judge"] == NEW_EXPERT:
                judge_create(
                    name=name,
                    affiliation=data["expert_affiliation"].strip(),
                    actor=user,
                    channel="browser",
                )
            judgement_save(
                record=record, actor=user, channel="browser", comment=data["comment"]
            )
    except InvalidWrite as error:
        for field, problems in error.errors.items():
            field = FIELDS.get(field, field)
            form.add_error(field if field in form.fields else None, problems)
        return 200
    except NotFound:
        form.add_error(None, "This link was removed since you opened the page.")
        return 200
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return 403
    messages.success(request, f"{name}'s judgement saved.")
    return None
