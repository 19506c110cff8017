"""A panel's answers and agreement in words a policymaker reads (the pages of
rounds and of a link's panel): counts per strength, Krippendorff's alpha and
how a round's panel moved between its two phases."""

from __future__ import annotations

from collections.abc import Mapping

from taxonomy.domain.records import STRENGTHS

# Krippendorff's conventional reading of alpha (Krippendorff 2004, Content
# Analysis, 2nd ed., p. 241): rely on alpha >= .800; draw only tentative
# conclusions between .667 and .800.
RELIABLE, TENTATIVE = 0.800, 0.667
ALPHA_SOURCE = (
    "Krippendorff, K. (2004). Content Analysis: An Introduction to Its "
    "Methodology, 2nd ed., Sage, p. 241"
)
ALPHA_MEANING = (
    "Krippendorff's alpha measures how far the judges agree over all the "
    "links of the round: 1 means full agreement, 0 agreement no better than "
    "chance, and below 0 systematic disagreement. By the usual reading, 0.80 "
    "or more is agreement to rely on, 0.67 to 0.80 supports only tentative "
    "conclusions, and below 0.67 is too little to rely on."
)


def counts_in_words(counts: Mapping[str, int]) -> str:
    """'1 low, 2 high': the answers per strength, the strengths nobody gave
    left out ('no answers' when there are none).

    >>> counts_in_words({"low": 1, "medium": 0, "high": 2})
    '1 low, 2 high'
    >>> counts_in_words({"low": 0, "medium": 0, "high": 0})
    'no answers'
    """
    said = [f"{counts[s]} {s}" for s in STRENGTHS if counts.get(s)]
    return ", ".join(said) or "no answers"


def strengths_in_words(strengths: list[str]) -> str:
    """``counts_in_words`` of a list of strengths.

    >>> strengths_in_words(["high", "low", "high"])
    '1 low, 2 high'
    """
    return counts_in_words({s: strengths.count(s) for s in STRENGTHS})


def alpha_reading(alpha: float) -> str:
    """What an alpha value allows, by Krippendorff's thresholds.

    >>> alpha_reading(0.8), alpha_reading(0.7), alpha_reading(0.2)
    ('agreement to rely on', 'enough only for tentative conclusions', 'too little to rely on')
    >>> alpha_reading(-0.1)
    'worse than chance: the judges disagree systematically'
    """
    if alpha < 0:
        return "worse than chance: the judges disagree systematically"
    if alpha >= RELIABLE:
        return "agreement to rely on"
    if alpha >= TENTATIVE:
        return "enough only for tentative conclusions"
    return "too little to rely on"


def _value(alpha: float | None, when: str = "", missing: str = "") -> str:
    """'0.50 after phase 1 (too little to rely on)', or ``missing`` and when."""
    if alpha is None:
        return f"{missing} {when}"
    return f"{alpha:.2f} {when} ({alpha_reading(alpha)})".replace("  ", " ")


def alpha_words(alphas: Mapping[str, float | None], *, revised: bool) -> str:
    """The round's alpha, named, after phase 1 and with the phase-2
    revisions, or why it cannot be computed.

    ``revised``: whether any judge revised in phase 2 (else one value).

    >>> alpha_words({"phase_1": 0.5, "latest": 0.85}, revised=True)
    "Krippendorff's alpha: 0.50 after phase 1 (too little to rely on); 0.85 with the phase-2 revisions (agreement to rely on)."
    >>> alpha_words({"phase_1": 0.9, "latest": 0.9}, revised=False)
    "Krippendorff's alpha: 0.90 (agreement to rely on)."
    >>> alpha_words({"phase_1": None, "latest": None}, revised=False)
    "Not enough judgements to compute Krippendorff's alpha: it needs at least two judges who answered the same link, and answers that are not all the same."
    """
    first, latest = alphas.get("phase_1"), alphas.get("latest")
    if latest is None and first is None:
        return (
            "Not enough judgements to compute Krippendorff's alpha: it needs at "
            "least two judges who answered the same link, and answers that are "
            "not all the same."
        )
    if not revised or first == latest:
        return f"Krippendorff's alpha: {_value(latest)}." if latest is not None else ""
    was = _value(first, "after phase 1", "not computable")
    now = _value(latest, "with the phase-2 revisions", "not computable")
    return f"Krippendorff's alpha: {was}; {now}."


def movement_words(moved: Mapping) -> str:
    """How one link's answers moved between the phases (``phase_movement``).

    >>> movement_words({"before": {"low": 1, "medium": 1, "high": 0},
    ...     "after": {"low": 0, "medium": 2, "high": 0}, "revised": 1, "changed": 1})
    'After phase 1: 1 low, 1 medium. Now: 2 medium. 1 judge revised in phase 2 and changed their answer.'
    >>> movement_words({"before": {"high": 3}, "after": {"high": 3},
    ...     "revised": 2, "changed": 0})
    'After phase 1: 3 high. Now: 3 high. 2 judges revised in phase 2, none changed their answer.'
    >>> movement_words({"before": {"low": 2}, "after": {"low": 2},
    ...     "revised": 0, "changed": 0})
    'After phase 1: 2 low. No judge has revised in phase 2.'
    """
    before = f"After phase 1: {counts_in_words(moved['before'])}."
    revised, changed = moved["revised"], moved["changed"]
    if not revised:
        return f"{before} No judge has revised in phase 2."
    if revised == 1:
        what = "changed their answer" if changed else "kept the same strength"
        how = f"1 judge revised in phase 2 and {what}"
    else:
        what = (
            "none changed their answer"
            if not changed
            else f"{changed} changed {'their answer' if changed == 1 else 'theirs'}"
        )
        how = f"{revised} judges revised in phase 2, {what}"
    return f"{before} Now: {counts_in_words(moved['after'])}. {how}."
