"""A judge's judgement of one MITIGATES link: the record a panel is made of.

Several judges (editors, or named external experts an editor records) may
judge the same link; ``taxonomy.analysis.panels`` aggregates them. The
record is plain data: where judgements are stored, and why, is told in
``taxonomy.judgements``.
"""

from __future__ import annotations

from dataclasses import dataclass

from taxonomy.domain.records import STRENGTHS

# How a tie between the two middle judgements of an even panel is resolved:
# the lower strength (the cautious reading) or the higher one.
TIES = ("lower", "higher")
# The most characters a judge's name, a rationale and a round's id may hold.
JUDGE_MAX_LENGTH = 200
RATIONALE_MAX_LENGTH = 4000
# A round's phases an answer is given in (None: the round's phase when written).
PHASES = (None, 1, 2)


@dataclass(frozen=True, slots=True)
class Judgement:
    """One judge's strength for the link ``mitigation -> threat``.

    ``interval`` is the effectiveness ``(low, high)`` the judge believes in
    (None: the band of ``strength``), ``confidence`` how sure they are of
    it, between 0 and 1 (None: not said); ``date`` an ISO date; ``round``
    the elicitation round it was given in ("" outside any round); ``phase``
    the round's phase, 1 or 2 (a revision in a Delphi's second phase; the
    judge's phase-1 answer is a judgement of its own), None for the phase
    the round is in when it is written (1 outside any round).
    """

    mitigation: str
    threat: str
    judge: str
    strength: str
    interval: tuple[float, float] | None = None
    confidence: float | None = None
    rationale: str = ""
    sources: tuple[str, ...] = ()
    date: str = ""
    round: str = ""
    phase: int | None = None

    @property
    def link(self) -> tuple[str, str]:
        """``(mitigation, threat)``, the link judged."""
        return self.mitigation, self.threat


def judgement_problems(judgement: Judgement) -> dict[str, str]:
    """Field -> what is wrong with it; empty when the judgement is sound.

    >>> judgement_problems(Judgement("m", "t", "Ada", "medium", (0.5, 0.7), 0.8))
    {}
    >>> judgement_problems(Judgement("m", "t", "", "huge", (0.7, 0.5), 2.0))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'judge': 'a judgement needs its judge', 'strength': "must be one of low,
    medium, high, got 'huge'", 'interval': 'must satisfy 0 <= low <= high <= 1,
    got 0.7-0.5', 'confidence': 'must be between 0 and 1, got 2.0'}
    """
    problems = {}
    for name in ("mitigation", "threat", "judge"):
        if not getattr(judgement, name).strip():
            problems[name] = f"a judgement needs its {name}"
    if len(judgement.judge) > JUDGE_MAX_LENGTH:
        problems["judge"] = f"at most {JUDGE_MAX_LENGTH} characters"
    if judgement.strength not in STRENGTHS:
        problems["strength"] = (
            f"must be one of {', '.join(STRENGTHS)}, got {judgement.strength!r}"
        )
    if judgement.interval is not None:
        low, high = judgement.interval
        if not 0.0 <= low <= high <= 1.0:
            problems["interval"] = (
                f"must satisfy 0 <= low <= high <= 1, got {low:g}-{high:g}"
            )
    if judgement.confidence is not None and not 0.0 < judgement.confidence <= 1.0:
        problems["confidence"] = f"must be between 0 and 1, got {judgement.confidence}"
    if judgement.phase not in PHASES:
        problems["phase"] = f"must be 1 or 2, got {judgement.phase!r}"
    elif judgement.phase == 2 and not judgement.round.strip():
        problems["phase"] = "a phase-2 answer revises one given in a round: name it"
    if len(judgement.rationale) > RATIONALE_MAX_LENGTH:
        problems["rationale"] = f"at most {RATIONALE_MAX_LENGTH} characters"
    return problems
