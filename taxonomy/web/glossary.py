"""The glossary: every term the pages use, in plain words, one entry each.

Pages link a term to its entry where it first appears (the ``term`` template
tag); formulas live in docs/model.md (the site's /model/ page), not here.

>>> GLOSSARY["coverage"].word
'coverage'
>>> sorted(set(GLOSSARY)) == sorted(GLOSSARY)  # one entry per anchor
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry: its anchor, the word as pages say it, its meaning."""

    anchor: str
    word: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term(
        "threat",
        "threat",
        "A way open-weight AI can be misused (a misuse vector), such as stripping "
        "a model's safety guardrails or evading export controls.",
    ),
    Term(
        "layer",
        "governance layer",
        "A level at which governance acts: hardware (chips and data centres), "
        "software (the model and its tools), institutional (states and "
        "organisations) and liability (law and money). Editors may add others.",
    ),
    Term(
        "mitigation",
        "mitigation",
        "A measure that acts on one or more threats, such as chip attestation or "
        "deployer liability. Each belongs to one layer.",
    ),
    Term(
        "maturity",
        "maturity",
        "How far a measure is in force: proposed (not in force anywhere yet), "
        "pilot (tried in some places) or deployed (in force today).",
    ),
    Term(
        "today",
        "today",
        "The scenario where only deployed measures count: what is in force now.",
    ),
    Term(
        "every-proposal",
        "every proposal adopted",
        "The scenario where every measure counts, proposed and pilot ones "
        "included, as if all were in force. It describes a possible future, not "
        "the present.",
    ),
    Term(
        "strength",
        "strength",
        "How much a measure reduces a threat, as the editors judge it: low, "
        "medium or high, each with a rationale and sources.",
    ),
    Term(
        "coverage",
        "coverage",
        "How much of a threat the counted measures stop together, from 0% to "
        "100%. Each measure stops part of what the others let through, so "
        "coverage grows with every measure but never reaches 100% unless one "
        "measure is perfect.",
    ),
    Term(
        "threshold",
        "threshold",
        "The coverage from which a threat counts as addressed (80% unless the "
        "scenario says otherwise).",
    ),
    Term(
        "addressed",
        "addressed",
        "A threat is addressed when its coverage reaches the threshold.",
    ),
    Term(
        "unmitigated",
        "unmitigated",
        "No counted measure acts on the threat at all.",
    ),
    Term(
        "insufficient",
        "insufficient",
        "Measures act on the threat, but even all layers together stay below "
        "the threshold.",
    ),
    Term(
        "defense-in-depth",
        "defense in depth",
        "The threat is addressed only when several layers act together: no "
        "single layer gets it to the threshold alone.",
    ),
    Term(
        "single-layer",
        "single layer",
        "One layer alone gets the threat to the threshold.",
    ),
    Term(
        "critical",
        "critical",
        "A layer or measure is critical for a threat when, without it, the threat "
        "is no longer addressed.",
    ),
    Term(
        "minimal-layer-set",
        "layer combination",
        "A smallest set of layers that together address a threat: drop any one "
        "of them and the threat is no longer addressed.",
    ),
    Term(
        "dependence",
        "dependence",
        "Whether measures fail independently of each other (the default), the "
        "measures of one layer fail together, or every measure fails together. "
        "Measures that fail together cover less than independent ones.",
    ),
    Term(
        "chain",
        "chain",
        "A sequence of threats where each makes the next possible or cheaper "
        "(one threat enables the next). A chain is blocked when some threat on it "
        "is addressed.",
    ),
    Term(
        "requires",
        "requires",
        "A measure that requires another works only with it: switching the "
        "other off switches it off too, and adopting it adopts the other.",
    ),
    Term(
        "introduces",
        "introduces",
        "A measure that introduces a threat creates it or adds to it: hardware "
        "controls that a state could co-opt for repression, for example, or "
        "restrictions that push activity into covert deployment. The threat counts "
        "in every scenario, whether or not such a measure does.",
    ),
    Term(
        "scenario",
        "scenario",
        "A what-if: which layers and measures count, which maturities, and the "
        "model's settings. Every number on a page belongs to the scenario it "
        "names.",
    ),
    Term(
        "adopt",
        "adopt",
        "To count a measure as in force whatever its maturity, as if a "
        "government or organisation put it in place.",
    ),
    Term(
        "resilience",
        "survives the loss of a layer",
        "A threat stays addressed whichever single layer fails.",
    ),
    Term(
        "depth",
        "depth",
        "How many layers (or mitigations) would have to fail together before a "
        "threat is no longer addressed: 0 for a threat not addressed now; the "
        "higher, the more protection it has in reserve.",
    ),
    Term(
        "robustness",
        "robustness",
        "How much a number would change if the editors' strength judgements were "
        "somewhat off: the number is recomputed many times with each strength "
        "drawn within a plausible range.",
    ),
    Term(
        "pivotal",
        "pivotal judgement",
        "A strength judgement that, one step lower or higher, would change a "
        "threat's class.",
    ),
    Term(
        "incident",
        "documented incident",
        "A real attack or case study from an imported catalogue, with the "
        "techniques (threats) it used. It counts as stopped when a technique it "
        "needs is addressed.",
    ),
    Term(
        "demand",
        "demand",
        "How many documented incidents use a threat: where real attackers have been.",
    ),
    Term(
        "panel",
        "panel of judges",
        "Several experts who each judged the strength of the same link. Where a "
        "link has a panel, the robustness page counts the middle of their answers "
        "(the median) instead of the editors' strength; the other pages keep the "
        "editors' strength.",
    ),
    Term(
        "round",
        "round of judging",
        "An editor asks named judges for the strength of some links, in two "
        "phases: in phase 1 each answers without seeing the others' answers; in "
        "phase 2 each sees the panel's answers and reasons and may revise their "
        "own. The first answers are kept. Once the round closes, its answers "
        "become the links' panels.",
    ),
    Term(
        "alpha",
        "Krippendorff's alpha",
        "A measure of how far judges agree, beyond what chance would give: 1 is "
        "full agreement, 0 no better than chance. Below 0.67 it is usually read "
        "as too little agreement to rely on.",
    ),
)
GLOSSARY: dict[str, Term] = {term.anchor: term for term in TERMS}
