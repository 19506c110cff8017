"""Known answers of the coverage model on the brief's seed taxonomy, by both paths."""

from __future__ import annotations

import pytest

from taxonomy.analysis import fast
from taxonomy.analysis.coverage import analyse
from taxonomy.domain.records import Layer, Mitigates, Mitigation, Taxonomy, Threat
from taxonomy.domain.scenario import Scenario

ANALYSERS = {"plain": analyse, "fast": fast.analyse}


@pytest.fixture(params=sorted(ANALYSERS))
def analyser(request):
    return ANALYSERS[request.param]


# Hand-computed from the brief: per layer q = Π(1 − e), coverage = 1 − Π q.
SEED_ANSWERS = {
    "guardrail-removal": {
        # hw: chip-attestation low; sw: three lows; inst: one low; liab: medium
        "coverage": 1 - 0.7**5 * 0.4,
        "by_layer": (0.3, 1 - 0.7**3, 0.3, 0.6),
        "class": "defense-in-depth",
        # pairs: sw+liab 0.343·0.4 = 0.1372 ≤ 0.2; triples hw+sw+inst 0.16807,
        # hw+inst+liab 0.196 (c = 0.804)
        "sets": (
            ("software", "liability"),
            ("hardware", "software", "institutional"),
            ("hardware", "institutional", "liability"),
        ),
        "critical_layers": (),
        "critical_mitigations": (),
    },
    "model-extraction": {
        "coverage": 1 - 0.1 * 0.4 * 0.7 * 0.7 * 0.7,
        "by_layer": (1 - 0.1 * 0.4 * 0.7, 0.0, 0.3, 0.3),
        "class": "single-layer",
        "sets": (("hardware",),),
        "critical_layers": ("hardware",),
        "critical_mitigations": (),
    },
    "covert-deployment": {
        "coverage": 1 - (0.1 * 0.4) * (0.4 * 0.7 * 0.4),
        "by_layer": (0.96, 0.0, 1 - 0.4 * 0.7 * 0.4, 0.0),
        "class": "single-layer",
        "sets": (("hardware",), ("institutional",)),
        "critical_layers": (),
        "critical_mitigations": (),
    },
    "sanctions-evasion": {
        "coverage": 1 - (0.4 * 0.7) * 0.7**3,
        "by_layer": (0.72, 0.0, 1 - 0.7**3, 0.0),
        "class": "defense-in-depth",
        "sets": (("hardware", "institutional"),),
        "critical_layers": ("hardware", "institutional"),
        # without chip-attestation: 1 − 0.7 · 0.343 = 0.7599
        "critical_mitigations": ("chip-attestation",),
    },
    "scaled-misuse": {
        "coverage": 1 - (0.4 * 0.7) * 0.7**3 * 0.7,
        "by_layer": (0.0, 0.72, 1 - 0.7**3, 0.3),
        "class": "defense-in-depth",
        "sets": (("software", "institutional"), ("software", "liability")),
        "critical_layers": ("software",),
        "critical_mitigations": (),
    },
    "shadow-ai": {
        "coverage": 1 - 0.7 * 0.7 * 0.49,
        "by_layer": (0.0, 0.3, 0.3, 0.51),
        "class": "insufficient",
        "sets": (),
        "critical_layers": (),
        "critical_mitigations": (),
    },
    "bias-amplification": {
        "coverage": 1 - 0.28 * 0.4 * 0.7,
        "by_layer": (0.0, 0.72, 0.6, 0.3),
        "class": "defense-in-depth",
        "sets": (("software", "institutional"), ("software", "liability")),
        "critical_layers": ("software",),
        # without bias-evaluation: 1 − 0.7 · 0.4 · 0.7 = 0.804, still addressed
        "critical_mitigations": (),
    },
    "monoculture-failure": {
        "coverage": 1 - 0.28 * 0.7,
        "by_layer": (0.0, 0.3, 0.72, 0.0),
        "class": "defense-in-depth",
        "sets": (("software", "institutional"),),
        "critical_layers": ("software", "institutional"),
        "critical_mitigations": (
            "incident-reporting",
            "multilateral-agency",
            "pre-release-testing",
        ),
    },
    "threshold-gaming": {
        "coverage": 1 - 0.28 * 0.7,
        "by_layer": (0.3, 0.0, 0.72, 0.0),
        "class": "defense-in-depth",
        "sets": (("hardware", "institutional"),),
        "critical_layers": ("hardware", "institutional"),
        "critical_mitigations": (
            "chip-attestation",
            "compute-thresholds",
            "use-case-regulation",
        ),
    },
    "unaccountable-harm": {
        "coverage": 1 - (0.4 * 0.4 * 0.7) * (0.4 * 0.7),
        "by_layer": (0.0, 0.72, 0.0, 0.888),
        "class": "single-layer",
        "sets": (("liability",),),
        "critical_layers": ("liability",),
        "critical_mitigations": (),
    },
    "jurisdiction-shopping": {
        "coverage": 1 - 0.7**3,
        "by_layer": (0.0, 0.0, 1 - 0.7**3, 0.0),
        "class": "insufficient",
        "sets": (),
        "critical_layers": (),
        "critical_mitigations": (),
    },
    "control-repression": {
        "coverage": 0.72,
        "by_layer": (0.0, 0.0, 0.72, 0.0),
        "class": "insufficient",
        "sets": (),
        "critical_layers": (),
        "critical_mitigations": (),
    },
}


@pytest.mark.parametrize("threat", sorted(SEED_ANSWERS))
def test_it_matches_the_hand_computed_answers_on_the_seed(
    seed_taxonomy, analyser, threat
):
    expected = SEED_ANSWERS[threat]
    result = analyser(seed_taxonomy).threat(threat)
    assert result.coverage == pytest.approx(expected["coverage"], abs=1e-12)
    assert result.by_layer == pytest.approx(expected["by_layer"], abs=1e-12)
    assert result.coverage_class == expected["class"]
    assert result.minimal_layer_sets == expected["sets"]
    assert result.minimal_layer_sets_exact
    assert result.critical_layers == expected["critical_layers"]
    assert result.critical_mitigations == expected["critical_mitigations"]


def test_it_counts_the_seed_classes(seed_taxonomy, analyser):
    analysis = analyser(seed_taxonomy)
    assert analysis.summary == {
        "unmitigated": 0,
        "insufficient": 3,
        "defense-in-depth": 6,
        "single-layer": 3,
    }
    assert [t.id for t in analysis.threats] == sorted(SEED_ANSWERS)
    assert analysis.layers == ("hardware", "software", "institutional", "liability")


def test_it_ranks_mitigations_by_the_threats_that_lose_their_status(
    seed_taxonomy, analyser
):
    assert analyser(seed_taxonomy).mitigation_ranking == (
        ("chip-attestation", 2),
        ("compute-thresholds", 1),
        ("incident-reporting", 1),
        ("multilateral-agency", 1),
        ("pre-release-testing", 1),
        ("use-case-regulation", 1),
    )


def test_it_scores_every_layer_set_of_the_seed(seed_taxonomy, analyser):
    analysis = analyser(seed_taxonomy)
    scores = {s.layers: (s.addressed, s.minimal_for) for s in analysis.layer_sets}
    assert analysis.layer_sets_scope == "all"
    assert len(scores) == 15
    assert scores[("software", "liability")] == (4, 3)
    assert scores[("software", "institutional")] == (4, 3)
    assert scores[("hardware", "software", "institutional", "liability")] == (9, 0)
    assert scores[("hardware",)] == (2, 2)


def test_it_totals_each_layer(seed_taxonomy, analyser):
    totals = analyser(seed_taxonomy).layer_totals
    assert totals["hardware"] == {
        "mitigations": 5,
        "links": 9,
        "threats": 5,
        "addressed_alone": 2,
        "critical_for": 3,
    }
    assert totals["liability"]["addressed_alone"] == 1
    assert sum(t["links"] for t in totals.values()) == 51


def test_it_lists_the_links_that_contribute(seed_taxonomy, analyser):
    links = analyser(seed_taxonomy).threat("unaccountable-harm").links
    assert [(link.layer, link.mitigation, link.strength) for link in links] == [
        ("software", "provenance-registry", "medium"),
        ("software", "watermarking", "low"),
        ("liability", "deployer-liability", "medium"),
        ("liability", "liability-insurance", "low"),
        ("liability", "platform-liability", "medium"),
    ]


def _two_layers(*links: tuple[str, str]) -> Taxonomy:
    """One threat, mitigations a (hardware) and b (software)."""
    return Taxonomy(
        layers=(Layer("hardware", "Hardware"), Layer("software", "Software")),
        threats=(Threat("t", "T"),),
        mitigations=(
            Mitigation("a", "A", "hardware", "deployed"),
            Mitigation("b", "B", "software", "deployed"),
        ),
        mitigates=tuple(Mitigates(m, "t", s) for m, s in links),
    )


@pytest.mark.parametrize(
    ("links", "coverage", "expected"),
    [
        ((("a", "high"),), 0.9, "single-layer"),
        ((("a", "medium"), ("b", "medium")), 0.84, "defense-in-depth"),
        ((("a", "medium"), ("b", "low")), 0.72, "insufficient"),
        ((), 0.0, "unmitigated"),
    ],
)
def test_it_reproduces_the_worked_example(analyser, links, coverage, expected):
    result = analyser(_two_layers(*links)).threat("t")
    assert result.coverage == pytest.approx(coverage, abs=1e-12)
    assert result.coverage_class == expected


def test_it_counts_a_coverage_equal_to_the_threshold_despite_float_error(analyser):
    taxonomy = Taxonomy(
        layers=tuple(Layer(f"l{i}", f"L{i}") for i in range(3)),
        threats=(Threat("t", "T"),),
        mitigations=tuple(Mitigation(f"m{i}", "M", f"l{i}", "pilot") for i in range(3)),
        mitigates=tuple(Mitigates(f"m{i}", "t", "low") for i in range(3)),
    )
    # 1 − 0.7³ = 0.657 exactly on paper; in floats one path gives 0.65699999…
    result = analyser(taxonomy, Scenario(threshold=0.657)).threat("t")
    assert result.coverage_class == "defense-in-depth"
    assert result.minimal_layer_sets == (("l0", "l1", "l2"),)
    assert result.critical_layers == ("l0", "l1", "l2")


def test_it_counts_two_mediums_at_a_threshold_of_0_84(analyser):
    taxonomy = _two_layers(("a", "medium"), ("b", "medium"))
    result = analyser(taxonomy, Scenario(threshold=0.84)).threat("t")
    assert result.coverage_class == "defense-in-depth"
    assert result.minimal_layer_sets == (("hardware", "software"),)


def test_it_counts_two_links_between_the_same_pair(analyser):
    taxonomy = Taxonomy(
        layers=(Layer("hardware", "Hardware"),),
        threats=(Threat("t", "T"),),
        mitigations=(Mitigation("a", "A", "hardware", "deployed"),),
        mitigates=(Mitigates("a", "t", "medium"), Mitigates("a", "t", "medium")),
    )
    result = analyser(taxonomy).threat("t")
    assert result.coverage == pytest.approx(0.84, abs=1e-12)
    assert len(result.links) == 2
    assert result.coverage_class == "single-layer"


def test_it_uses_the_scenarios_threshold_and_effectiveness(analyser):
    taxonomy = _two_layers(("a", "medium"), ("b", "low"))
    scenario = Scenario(
        threshold=0.7, effectiveness={"low": 0.5, "medium": 0.5, "high": 1}
    )
    result = analyser(taxonomy, scenario).threat("t")
    assert result.coverage == pytest.approx(0.75)
    assert result.links[0].effectiveness == 0.5
    assert result.coverage_class == "defense-in-depth"


def test_it_never_assumes_four_layers(analyser):
    layers = tuple(Layer(f"l{i}", f"L{i}") for i in range(7))
    taxonomy = Taxonomy(
        layers=layers,
        threats=(Threat("t", "T"),),
        mitigations=tuple(Mitigation(f"m{i}", "M", f"l{i}", "pilot") for i in range(7)),
        mitigates=tuple(Mitigates(f"m{i}", "t", "medium") for i in range(7)),
    )
    result = analyser(taxonomy).threat("t")
    assert len(result.by_layer) == 7
    assert len(result.minimal_layer_sets) == 21  # every pair: 0.84 ≥ 0.8
