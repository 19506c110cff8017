"""A link's panel of judges, and a judge's own judgements and queue (issue 27)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.analysis.panels import CODE
from taxonomy.domain.records import STRENGTHS
from taxonomy.selectors import panels as panel_selectors
from taxonomy.selectors import rounds as round_selectors
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.web.pages.common import in_taxonomy, read_snapshot
from taxonomy.web.round_words import counts_in_words

# The distribution chart: one bar a strength, the longest this many pixels.
BAR_WIDTH, BAR_HEIGHT, BAR_GAP = 240, 20, 8


def _names(snapshot) -> dict[str, dict[str, str]]:
    return {
        "mitigation": {m.id: m.name for m in snapshot.mitigations},
        "threat": {t.id: t.name for t in snapshot.threats},
    }


def _link_or_404(snapshot, mitigation_id: str, threat_id: str):
    """The MITIGATES link the URL names, or 404."""
    for link in snapshot.mitigates:
        if (link.mitigation, link.threat) == (mitigation_id, threat_id):
            return link
    raise Http404(f"No link {mitigation_id} -> {threat_id}.")


def _round_titles(judgements) -> dict[str, str]:
    """slug -> title of the rounds ``judgements`` were given in, so the pages
    name a round as its editor titled it rather than by its slug."""
    slugs = {j.round for j in judgements if j.round}
    if not slugs:
        return {}
    return {r.slug: r.title for r in round_selectors.rounds_list() if r.slug in slugs}


def distribution_bars(counts: dict[str, int]) -> list[dict]:
    """The chart's bars: per strength its count, the bar's width and its top.

    >>> [(b["strength"], b["width"]) for b in distribution_bars(
    ...     {"low": 1, "medium": 0, "high": 2})]
    [('low', 120), ('medium', 0), ('high', 240)]
    """
    most = max(counts.values(), default=0) or 1
    return [
        {
            "strength": s,
            "count": counts.get(s, 0),
            "width": round(BAR_WIDTH * counts.get(s, 0) / most),
            "y": i * (BAR_HEIGHT + BAR_GAP),
        }
        for i, s in enumerate(STRENGTHS)
    ]


@require_safe
@in_taxonomy
def panel(request, mitigation_id: str, threat_id: str):
    """What the judges said of one link: their answers, a chart, the median."""
    snapshot = read_snapshot(request)
    link = _link_or_404(snapshot, mitigation_id, threat_id)
    given = panel_selectors.judgements_list(mitigation=mitigation_id, threat=threat_id)
    found = panel_selectors.panels_now(mitigation=mitigation_id, threat=threat_id)
    judged = found.get((mitigation_id, threat_id))
    counts = {s: 0 for s in STRENGTHS}
    for code in judged.strengths if judged else ():
        counts[STRENGTHS[code]] += 1
    context = {
        "link": link,
        "names": _names(snapshot),
        "judgements": given,
        "round_titles": _round_titles(given),
        "panel": judged,
        "strength": STRENGTHS[judged.strength] if judged else link.strength,
        "counts": counts,
        "counts_words": counts_in_words(counts),
        "bars": distribution_bars(counts),
        "chart_height": len(STRENGTHS) * (BAR_HEIGHT + BAR_GAP),
        "bar_height": BAR_HEIGHT,
    }
    return render(request, "taxonomy/panel.html", context)


@require_safe
@login_required
@in_taxonomy
def my_judgements(request):
    """A judge's own judgements, and the pivotal links they have not judged yet."""
    snapshot = read_snapshot(request)
    judge = panel_selectors.judge_of_account(user=request.user)
    mine = (
        panel_selectors.judgements_list(judge=judge, viewer=request.user)
        if judge
        else []
    )
    rounds = [
        {"round": r, "phase": round_selectors.phase_now(r)}
        for r in (round_selectors.rounds_list(judge=judge) if judge else [])
        if r.phase != r.CLOSED
    ]
    done = {(j.mitigation, j.threat) for j in mine}
    entry = selectors.coverage_robustness(
        token=request.graph_token, scenario=coverage_scenario(), samples=100
    )
    queue = [
        p for p in entry["pivotal_links"] if (p["mitigation"], p["threat"]) not in done
    ]
    context = {
        "judge": judge,
        "rounds": rounds,
        "mine": mine,
        "round_titles": _round_titles(mine),
        "queue": queue,
        "names": _names(snapshot),
        "codes": CODE,
    }
    return render(request, "taxonomy/my_judgements.html", context)
