"""The form an editor gives (or changes) a judgement of one MITIGATES link with,
outside any elicitation round: as themselves, or for a named external expert
they record (issue 27).

Effectiveness and confidence are asked in percent, as the pages show them;
the record (``domain.judgements.Judgement``) holds fractions of 1.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from taxonomy.domain.judgements import (
    JUDGE_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    Judgement,
)
from taxonomy.formats.judgements import judgement_as_dict

# The judge field's values: the editor themselves, a new expert named in the
# form, or "expert:" and a recorded expert's name. A name is never blank, so
# no expert's value can be taken for the other two.
MYSELF, NEW_EXPERT, EXPERT = "self", "new", "expert:"
STRENGTH_WORDS = {
    "low": "Low: it stops a small part of the threat",
    "medium": "Medium: it stops a good part of the threat",
    "high": "High: it stops most of the threat",
}


def strength_choices(bands: dict[str, tuple[float, float]]) -> list:
    """Each strength in words with the effectiveness the coverage pages count
    (the band's mean, as settings require) and the band of effectiveness the
    robustness analysis draws from (``LAYERWISE_UNCERTAINTY``): a range alone
    read as what every page counts.

    >>> strength_choices({"low": (0.15, 0.45)})
    [('low', 'Low: it stops a small part of the threat (counted as 30%; the robustness page draws it from 15–45%)')]
    """
    return [
        (
            s,
            f"{STRENGTH_WORDS[s]} (counted as {(low + high) / 2:.0%}; the robustness "
            f"page draws it from {low:.0%}–{high:.0%})".replace("%–", "–"),
        )
        for s, (low, high) in bands.items()
    ]


def _percent(label: str, help_text: str, *, least: float = 0) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=least,
        max_value=100,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )


def percent_of(fraction: float | None) -> float | int | None:
    """A stored fraction of 1 as the form's percent, without float noise.

    >>> percent_of(0.07), percent_of(0.825), percent_of(None)
    (7, 82.5, None)
    """
    if fraction is None:
        return None
    value = round(fraction * 100, 6)
    return int(value) if value.is_integer() else value


def judge_choices(*, username: str, experts: list[dict[str, str]]) -> list:
    """The judge field's choices: the editor, each recorded expert, a new one.

    >>> judge_choices(username="ada", experts=[{"name": "Bo", "affiliation": "X"}])
    ... # doctest: +NORMALIZE_WHITESPACE
    [('self', 'Myself (ada)'), ('expert:Bo', 'Bo, X'),
     ('new', 'An external expert not yet recorded (name below)')]
    """
    return [
        (MYSELF, f"Myself ({username})"),
        *(
            (
                EXPERT + e["name"],
                ", ".join(p for p in (e["name"], e["affiliation"]) if p),
            )
            for e in experts
        ),
        (NEW_EXPERT, "An external expert not yet recorded (name below)"),
    ]


class JudgementForm(forms.Form):
    """One judge's strength for one link, with optional effectiveness range,
    confidence, reason and sources. ``judges`` is ``judge_choices``'s list,
    ``sources`` the ``(id, label)`` of the sources the taxonomy holds."""

    judge = forms.ChoiceField(
        label="Whose judgement",
        widget=forms.RadioSelect,
        help_text="Your own, or an expert's answer that you record for them. "
        "Another editor's judgement is theirs to give.",
    )
    expert_name = forms.CharField(
        label="The expert's name",
        max_length=JUDGE_MAX_LENGTH,
        required=False,
        help_text="Only for an expert not yet recorded: their full name.",
    )
    expert_affiliation = forms.CharField(
        label="The expert's affiliation",
        max_length=JUDGE_MAX_LENGTH,
        required=False,
        help_text="Optional: where they work, as they would want it cited.",
    )
    strength = forms.ChoiceField(
        label="How strongly does this measure act against this threat?",
        widget=forms.RadioSelect,
    )
    low = _percent(
        "Effectiveness, at least (%)",
        "Optional: the share of the threat you believe the measure stops, at "
        "the least. Give both ends of the range, or neither; the analysis then "
        "draws from your range instead of the strength's.",
    )
    high = _percent("Effectiveness, at most (%)", "The range's upper end.")
    confidence = _percent(
        "How sure you are of that range (%)",
        "Optional, with a range only: 90 means you expect the true share to "
        "lie in it nine times out of ten.",
        least=1,
    )
    rationale = forms.CharField(
        label="Why",
        max_length=RATIONALE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The reasoning other judges and readers will see beside the answer.",
    )
    sources = forms.MultipleChoiceField(
        label="Sources",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional: the published work the judgement rests on.",
    )
    date = forms.DateField(
        label="Date",
        required=False,
        help_text="When the judgement was given, YYYY-MM-DD; empty for today.",
    )
    comment = forms.CharField(
        label="Note for the history (optional)",
        max_length=2000,
        required=False,
        help_text="Shown in the link's history beside this change.",
    )

    def __init__(self, *args, judges: list, sources: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["judge"].choices = judges
        self.fields["strength"].choices = strength_choices(
            settings.LAYERWISE_UNCERTAINTY
        )
        self.fields["sources"].choices = sources

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("low"), data.get("high")
        if (low is None) != (high is None):
            self.add_error(
                "high" if high is None else "low",
                "Give both ends of the effectiveness range, or leave both empty.",
            )
        elif low is not None and low > high:
            self.add_error("high", "The upper end must be at least the lower end.")
        if data.get("confidence") is not None and low is None and high is None:
            self.add_error(
                "confidence", "A confidence is of a range: give the range too."
            )
        if data.get("judge") == NEW_EXPERT:
            if not data.get("expert_name", "").strip():
                self.add_error("expert_name", "Give the expert's name.")
        elif data.get("expert_name", "").strip():
            self.add_error(
                "expert_name",
                "A name is only for a new expert: choose 'An external expert not "
                "yet recorded', or leave the name empty.",
            )
        return data

    def judge_name(self, *, own: str) -> str:
        """The name of the judge the form speaks for (``own``: the editor's)."""
        chosen = self.cleaned_data["judge"]
        if chosen == MYSELF:
            return own
        if chosen == NEW_EXPERT:
            return self.cleaned_data["expert_name"].strip()
        return chosen.removeprefix(EXPERT)

    def record(self, *, mitigation: str, threat: str, judge: str) -> Judgement:
        """The judgement the form holds, outside any round."""
        data = self.cleaned_data
        low, high, sure = data["low"], data["high"], data["confidence"]
        return Judgement(
            mitigation=mitigation,
            threat=threat,
            judge=judge,
            strength=data["strength"],
            interval=None if low is None else (low / 100, high / 100),
            confidence=None if sure is None else sure / 100,
            rationale=data["rationale"].strip(),
            sources=tuple(data["sources"]),
            date=data["date"].isoformat() if data["date"] else "",
        )

    @staticmethod
    def initial_of(judgement: Judgement, *, judge: str) -> dict[str, Any]:
        """A stored judgement as the form's initial values, for the judge
        field's value ``judge``."""
        values = judgement_as_dict(judgement)
        interval = values.pop("interval") or (None, None)
        return {
            **values,
            "judge": judge,
            "low": percent_of(interval[0]),
            "high": percent_of(interval[1]),
            "confidence": percent_of(values["confidence"]),
            "date": values["date"] or None,
        }
