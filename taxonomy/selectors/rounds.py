"""Reads of elicitation rounds, and who may see a round's answers (issue 27).

The secrecy rule, in one place (every read of judgements passes through
``visible_rows``): a judgement given in a round that is not closed is seen by

- its own judge, always;
- in phase 1 (``open``), a judge of the round who has given their own answer
  for the same link, and nobody else: not the other judges, not the editors;
- in phase 2 (``revising``), the round's judges and the editors;

and by everyone once the round is closed. A judgement whose ``round`` names
no round (a survey's label, brought in by import) is public, as before.
Readers that count (the panels, the robustness analysis) pass no viewer, so
they see only public judgements: an open round counts nowhere until it closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from taxonomy.editors import is_editor
from taxonomy.models import Judge, Round
from taxonomy.models import Judgement as JudgementRow


def open_rounds() -> dict[str, Round]:
    """slug -> every round not yet closed, its judges fetched."""
    return {
        r.slug: r
        for r in Round.objects.exclude(phase=Round.CLOSED).prefetch_related("judges")
    }


def phase_now(held: Round) -> str:
    """A round's phase today: phase 1 ends on its closing day even before an
    editor advances it (the judges then see the distribution and may revise).
    """
    if held.phase == Round.OPEN and timezone.localdate() > held.closes_on:
        return Round.REVISING
    return held.phase


def judge_id_of(viewer: Any) -> int | None:
    """The id of the judge a signed-in account judges as, else None."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    return Judge.objects.filter(user=viewer).values_list("id", flat=True).first()


def visible_rows(
    rows: Iterable[JudgementRow], *, viewer: Any = None
) -> list[JudgementRow]:
    """The stored judgements ``viewer`` may see (None: a public reader)."""
    rows = list(rows)
    secret = open_rounds()
    if not secret or not any(r.round in secret for r in rows):
        return rows
    judge = judge_id_of(viewer)
    editor = bool(viewer is not None and is_editor(viewer))
    answered = (
        set(
            JudgementRow.objects.filter(judge_id=judge, round__in=secret).values_list(
                "round", "mitigation", "threat"
            )
        )
        if judge is not None
        else set()
    )
    out = []
    for row in rows:
        held = secret.get(row.round)
        if held is None or (judge is not None and row.judge_id == judge):
            out.append(row)
            continue
        member = judge is not None and any(j.id == judge for j in held.judges.all())
        if phase_now(held) == Round.OPEN:
            seen = member and (row.round, row.mitigation, row.threat) in answered
        else:
            seen = member or editor
        if seen:
            out.append(row)
    return out


def sees_every_answer(held: Round, *, viewer: Any = None) -> bool:
    """Whether ``viewer`` may see every answer of a round (and so what the
    panel says as a whole): once it is closed, everyone; in phase 2 its
    judges and the editors; in phase 1 nobody."""
    phase = phase_now(held)
    if phase == Round.CLOSED:
        return True
    if phase == Round.OPEN or viewer is None:
        return False
    judge = judge_id_of(viewer)
    return is_editor(viewer) or any(j.id == judge for j in held.judges.all())


def secret_round_slugs() -> list[str]:
    """The rounds whose judgements the history leaves out until they close."""
    return sorted(open_rounds())


def round_titles(slugs: Iterable[str]) -> dict[str, str]:
    """slug -> title of the recorded rounds among ``slugs`` (history sentences
    name a round by its title)."""
    return dict(Round.objects.filter(slug__in=set(slugs)).values_list("slug", "title"))


def round_get(slug: str) -> Round | None:
    return Round.objects.prefetch_related("judges").filter(slug=slug).first()


def rounds_list(*, judge: str | None = None, phase: str | None = None) -> list[Round]:
    """Rounds newest first, filtered by a judge's name and phase."""
    found = Round.objects.prefetch_related("judges")
    if judge:
        found = found.filter(judges__name=judge)
    if phase:
        found = found.filter(phase=phase)
    return list(found.distinct())


def round_as_dict(held: Round, *, viewer: Any = None) -> dict[str, Any]:
    """A round as the API answers it: what it asks and of whom, its phase, how
    many answers each link has (counts are not answers: anyone may see them),
    and the answers ``viewer`` may see (stored rows)."""
    rows = JudgementRow.objects.filter(round=held.slug).select_related("judge")
    rows = list(rows.order_by("threat", "mitigation", "judge__name"))
    # A judge's phase-1 answer and phase-2 revision are one judge answering.
    answered: dict[tuple[str, str], set[int]] = {}
    for row in rows:
        answered.setdefault((row.mitigation, row.threat), set()).add(row.judge_id)
    counts = {link: len(judges) for link, judges in answered.items()}
    return {
        "slug": held.slug,
        "title": held.title,
        "phase": phase_now(held),
        "closes_on": held.closes_on.isoformat(),
        "judges": sorted(j.name for j in held.judges.all()),
        "links": [
            {"mitigation": m, "threat": t, "answers": counts.get((m, t), 0)}
            for m, t in held.links
        ],
        # Stored rows: the caller makes them records (selectors.panels).
        "judgements": visible_rows(rows, viewer=viewer),
    }
