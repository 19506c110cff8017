"""An elicitation round's page (issue 27): its links, judges and phase; for a
judge of the round, a form to give (phase 1) or revise (phase 2) each answer,
and, once they may see them (``selectors.rounds``), the others' answers."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from taxonomy.analysis.panels import latest_by_judge, phase_movement
from taxonomy.domain.errors import InvalidWrite, TaxonomyError, http_status
from taxonomy.domain.judgements import Judgement
from taxonomy.domain.kinds import link_key, split_link_key
from taxonomy.domain.records import STRENGTHS
from taxonomy.editors import is_editor
from taxonomy.judgements import judge_of_user, judgement_save
from taxonomy.rounds import round_advance, round_close, round_open
from taxonomy.selectors import rounds as round_selectors
from taxonomy.selectors.panels import (
    judgement_record_of,
    judges_list,
    round_agreement,
)
from taxonomy.web.edit_views import editor_required
from taxonomy.web.pages.common import in_taxonomy, read_snapshot
from taxonomy.web.round_words import (
    ALPHA_MEANING,
    ALPHA_SOURCE,
    alpha_words,
    movement_words,
    strengths_in_words,
)

PHASE_WORDS = {
    "open": "Phase 1: each judge answers without seeing the others' answers.",
    "revising": "Phase 2: the judges see the panel's answers and reasons, and may revise their own.",
    "closed": "Closed: its answers are the panel's, and the robustness analysis counts them.",
}


def _round_post(request, held, member: bool) -> None:
    """A round page's form: an editor's step (advance, close) or the judge's
    own answer. Raises PermissionDenied, or the write's error."""
    user = request.user
    step = request.POST.get("step")
    if step in ("advance", "close"):
        if not is_editor(user):
            raise PermissionDenied("only editors move a round on")
        moved = round_close if step == "close" else round_advance
        moved(slug=held.slug, actor=user, channel="browser")
        return
    if not member:
        raise PermissionDenied("you are not a judge of this round")
    judge = judge_of_user(user=user)
    judgement_save(
        record=Judgement(
            mitigation=request.POST.get("mitigation", ""),
            threat=request.POST.get("threat", ""),
            judge=judge.name,
            strength=request.POST.get("strength", ""),
            rationale=request.POST.get("rationale", "").strip(),
            round=held.slug,
        ),
        actor=user,
        channel="browser",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@in_taxonomy
def round_page(request, slug: str):
    held = round_selectors.round_get(slug)
    if held is None:
        raise Http404(f"No round {slug}.")
    user = request.user
    member = user.is_authenticated and any(
        j.user_id == user.pk for j in held.judges.all()
    )
    problem, status = None, 200
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            _round_post(request, held, member)
        except TaxonomyError as error:
            status, _ = http_status(error) or (422, "")
            problem = str(error)
        else:
            return redirect(request.path)
    snapshot = read_snapshot(request)
    names = {
        "mitigation": {m.id: m.name for m in snapshot.mitigations},
        "threat": {t.id: t.name for t in snapshot.threats},
    }
    found = round_selectors.round_as_dict(held, viewer=user)
    seen = [judgement_record_of(r) for r in found["judgements"]]
    alphas = round_agreement(held, viewer=user)
    me = round_selectors.judge_id_of(user)
    my_name = next((j.name for j in held.judges.all() if j.id == me), None)
    latest = latest_by_judge(seen)
    moved = phase_movement(seen) if alphas is not None else {}
    links = []
    for link in found["links"]:
        key = (link["mitigation"], link["threat"])
        given = latest.get(key, [])
        mine = next((j for j in given if j.judge == my_name), None)
        first = next(
            (j for j in seen if j.link == key and j.judge == my_name and j.phase != 2),
            None,
        )
        others = [j for j in given if j.judge != my_name]
        before = {j.judge: j.strength for j in seen if j.link == key and j.phase != 2}
        links.append(
            {
                **link,
                "mitigation_name": names["mitigation"].get(
                    link["mitigation"], link["mitigation"]
                ),
                "threat_name": names["threat"].get(link["threat"], link["threat"]),
                "mine": mine,
                "my_first": first if mine is not None and mine.phase == 2 else None,
                "given": [
                    {"answer": j, "was": before.get(j.judge) if j.phase == 2 else None}
                    for j in given
                ]
                if others
                else [],
                "words": strengths_in_words([j.strength for j in given])
                if others
                else "",
                "moved": movement_words(moved[key]) if key in moved else "",
            }
        )
    context = {
        "round": held,
        "phase": found["phase"],
        "phase_words": PHASE_WORDS[found["phase"]],
        "judges": found["judges"],
        "links": links,
        "member": member and found["phase"] != "closed",
        "editor": is_editor(user) and found["phase"] != "closed",
        "strengths": STRENGTHS,
        "alpha": alphas,
        "alpha_words": alpha_words(alphas, revised=any(j.phase == 2 for j in seen))
        if alphas is not None
        else "",
        "alpha_meaning": ALPHA_MEANING,
        "alpha_source": ALPHA_SOURCE,
    }
    context["problem"] = problem
    return render(request, "taxonomy/round.html", context, status=status)


def _link_choices(snapshot) -> list[tuple[str, str]]:
    """Every MITIGATES link as a (value, label) choice, by threat."""
    mitigations = {m.id: m.name for m in snapshot.mitigations}
    threats = {t.id: t.name for t in snapshot.threats}
    return sorted(
        (
            (
                link_key(m.mitigation, m.threat),
                f"{mitigations.get(m.mitigation, m.mitigation)} against "
                f"{threats.get(m.threat, m.threat)}",
            )
            for m in snapshot.mitigates
        ),
        key=lambda choice: choice[1],
    )


@require_http_methods(["GET", "HEAD", "POST"])
@editor_required
@in_taxonomy
def round_new(request):
    """An editor opens a round: its title, links (``?link=m->t`` preselects,
    as the robustness page's most contested list does), judges and the last
    day of phase 1."""
    snapshot = read_snapshot(request)
    choices = _link_choices(snapshot)
    source = request.POST if request.method == "POST" else request.GET
    chosen = source.getlist("link")
    judges = [j["name"] for j in judges_list()]
    problem = None
    if request.method == "POST":
        try:
            closes_on = dt.date.fromisoformat(request.POST.get("closes_on", ""))
        except ValueError:
            problem = "Give the last day of phase 1 as a date."
        else:
            try:
                held = round_open(
                    title=request.POST.get("title", ""),
                    links=[split_link_key(k) for k in chosen if "->" in k],
                    judges=request.POST.getlist("judge"),
                    closes_on=closes_on,
                    actor=request.user,
                    channel="browser",
                )
            except InvalidWrite as error:
                problem = str(error)
            else:
                return redirect("round", slug=held.slug)
    context = {
        "choices": choices,
        "chosen": set(chosen),
        "judges": judges,
        "picked": set(source.getlist("judge")),
        "problem": problem,
        "title": source.get("title", ""),
        "closes_on": source.get("closes_on", ""),
    }
    return render(
        request, "taxonomy/round_new.html", context, status=422 if problem else 200
    )
