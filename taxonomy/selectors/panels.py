"""Reads of judgements and the panels they make (``taxonomy.judgements`` tells
where they live): what the robustness analysis and the panel pages receive."""

from __future__ import annotations

from django.conf import settings

from taxonomy.analysis.panels import Panel, panel_draws, panels_of, round_alphas
from taxonomy.domain.judgements import Judgement
from taxonomy.models import Judge, Round
from taxonomy.models import Judgement as JudgementRow
from taxonomy.selectors.rounds import sees_every_answer, visible_rows


def judgements_list(
    *,
    mitigation: str | None = None,
    threat: str | None = None,
    judge: str | None = None,
    viewer=None,
) -> list[Judgement]:
    """The judgements ``viewer`` may see (None: a public reader; see
    ``selectors.rounds``) as records, by link then judge, filtered by link end
    and judge."""
    rows = JudgementRow.objects.select_related("judge")
    if mitigation:
        rows = rows.filter(mitigation=mitigation)
    if threat:
        rows = rows.filter(threat=threat)
    if judge:
        rows = rows.filter(judge__name=judge)
    ordered = rows.order_by(
        "threat", "mitigation", "judge__name", "date", "phase", "id"
    )
    return [judgement_record_of(r) for r in visible_rows(ordered, viewer=viewer)]


def judgement_record_of(row: JudgementRow) -> Judgement:
    """The record of a stored judgement."""
    return Judgement(
        mitigation=row.mitigation,
        threat=row.threat,
        judge=row.judge.name,
        strength=row.strength,
        interval=None if row.low is None else (row.low, row.high),
        confidence=row.confidence,
        rationale=row.rationale,
        sources=tuple(row.sources),
        date=row.date.isoformat() if row.date else "",
        round=row.round,
        phase=row.phase,
    )


def round_agreement(held: Round, *, viewer=None) -> dict[str, float | None] | None:
    """A round's Krippendorff's alpha after phase 1 and now (``round_alphas``;
    None inside where it cannot be computed), or None while ``viewer`` may not
    see every answer of the round (``selectors.rounds.sees_every_answer``):
    what the panel says as a whole tells nothing of one secret answer only
    once all are seen."""
    if not sees_every_answer(held, viewer=viewer):
        return None
    rows = JudgementRow.objects.filter(round=held.slug).select_related("judge")
    return round_alphas(
        judgement_record_of(r) for r in rows.order_by("judge__name", "date", "id")
    )


def panels_now(**filters: str) -> dict[tuple[str, str], Panel]:
    """``(mitigation, threat)`` -> its panel of the public judgements (an open
    round's count nowhere until it closes), under the settings' bands and tie
    rule (``LAYERWISE_UNCERTAINTY``, ``LAYERWISE_PANEL_TIE``)."""
    return panels_of(
        judgements_list(**filters),
        bands=settings.LAYERWISE_UNCERTAINTY,
        tie=settings.LAYERWISE_PANEL_TIE,
    )


def panel_options() -> list[list]:
    """Every panel as the robustness analysis takes it (``panel_draws``)."""
    return panel_draws(panels_now())


def judges_list() -> list[dict[str, str]]:
    """Every judge: name, affiliation and the editor account they are ("" for
    an external expert), by name."""
    return [
        {
            "name": j.name,
            "affiliation": j.affiliation,
            "account": j.user.get_username() if j.user else "",
        }
        for j in Judge.objects.select_related("user").order_by("name")
    ]


def judge_of_account(*, user) -> str | None:
    """The name of the judge an account judges as, None before its first."""
    found = Judge.objects.filter(user=user).first()
    return found.name if found else None
