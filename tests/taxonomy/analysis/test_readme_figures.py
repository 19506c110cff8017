"""The seed taxonomy's figures quoted in docs/model.md (once the README's) are
the ones the code computes."""

from __future__ import annotations

import re
from pathlib import Path

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.recommend import TODAY, frontier, recommend
from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.resilience import resilience_summary
from taxonomy.analysis.robustness_report import headline_sentence, robustness_entry
from taxonomy.domain.scenario import Scenario, today
from taxonomy.formats.fixtures_yaml import load_fixtures
from taxonomy.web.present import standing

MODEL_DOC = Path(__file__).resolve().parents[3] / "docs" / "model.md"
MODEL = MODEL_DOC.read_text(encoding="utf-8")


def _entry(seed_taxonomy):
    return robustness_entry(coverage_model(seed_taxonomy), Scenario())


def test_the_robustness_headline_quoted_is_the_computed_one(seed_taxonomy):
    assert f"> {headline_sentence(_entry(seed_taxonomy))}\n" in MODEL


def test_the_classes_by_dependence_quoted_are_the_computed_ones(seed_taxonomy):
    by_dependence = _entry(seed_taxonomy)["summary_by_dependence"]
    assert by_dependence
    for dependence, counts in by_dependence.items():
        row = f"| {dependence} | " + " | ".join(str(n) for n in counts.values()) + " |"
        assert row in MODEL


def test_the_pivotal_counts_quoted_are_the_computed_ones(seed_taxonomy):
    entry = _entry(seed_taxonomy)
    pivotal = entry["pivotal_links"]
    moving = sum(p["moves_headline"] for p in pivotal)
    links = len(seed_taxonomy.mitigates)
    expected = f"{len(pivotal)} of the {links} judgements are pivotal ({moving} of"
    assert expected in re.sub(r"\s+", " ", MODEL)


def test_the_least_robust_threats_quoted_are_the_computed_ones(seed_taxonomy):
    threats = {t["id"]: t for t in _entry(seed_taxonomy)["threats"]}
    shares = [
        threats[t]["addressed_probability"]
        for t in ("monoculture-failure", "threshold-gaming")
    ]
    quoted = f"addressed in {shares[0]:.1%} and {shares[1]:.1%} of the draws"
    assert quoted in re.sub(r"\s+", " ", MODEL)
    assert threats["monoculture-failure"]["margin"]["all"] == 0.004


def test_the_seed_frontier_quoted_is_the_computed_one(seed_taxonomy):
    steps = frontier(seed_taxonomy, TODAY)
    quoted = ", ".join(f"{s.budget:g} → {s.addressed}" for s in steps)
    assert f"The efficient frontier has {len(steps)} steps" in MODEL
    assert quoted in re.sub(r"\s+", " ", MODEL)
    for step in steps[1:]:
        best = recommend(seed_taxonomy, TODAY, budget=step.budget)
        row = f"| {step.budget:g} | {step.addressed} | {', '.join(best.chosen)} |"
        assert row in MODEL


def test_the_resilience_lines_quoted_are_the_computed_ones(seed_taxonomy):
    today = resilience_summary(seed_taxonomy, TODAY)
    every = resilience_summary(seed_taxonomy, Scenario())
    quoted = (
        f"Resilience today: {today.survive_one_layer} of {today.threats} threats "
        f"survive the loss of any one layer (with every mitigation in effect: "
        f"{every.survive_one_layer} of {every.threats})"
    )
    assert quoted in re.sub(r"\s+", " ", MODEL)


def test_today_and_every_proposal_quoted_in_using_the_site_are_computed(
    seed_taxonomy,
):
    site = re.sub(
        r"\s+",
        " ",
        (MODEL_DOC.parent / "using-the-site.md").read_text(encoding="utf-8"),
    )
    quoted = []
    for scenario in (today(), Scenario()):
        panel = standing(
            "", "", scenario, coverage_document(seed_taxonomy, scenario=scenario)
        )
        quoted.append((panel.unaddressed, panel.total, panel.gaps))
    (now, now_total, now_gaps), (then, then_total, then_gaps) = quoted
    assert (
        f"{now} of {now_total} threats are not addressed by any single governance "
        f"layer today, and {now_gaps} of them are not addressed even by all layers"
    ) in site
    assert (
        f"{then} of {then_total} threats would still not be addressed by any single "
        f"layer, {then_gaps} of them not even by all layers together"
    ) in site


def test_the_world_view_lines_quoted_are_the_computed_ones(settings):
    """docs/model.md quotes the seed's world view (fixtures/, with its
    jurisdictions) today and with every proposal."""
    fixtures = load_fixtures(Path(settings.FIXTURES_DIR))
    for scenario in (today(), Scenario()):
        line = coverage_document(fixtures, scenario=scenario)["world"]["line"]
        assert f"> {line}\n" in MODEL
