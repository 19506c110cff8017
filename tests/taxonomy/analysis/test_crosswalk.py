"""Coverage across a mapping and incidents replayed through one, against plain
references on random taxonomies and random mappings (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis import crosswalk as cw
from taxonomy.analysis.fast import analyse
from taxonomy.analysis.incidents import incident_model, incident_outcomes
from taxonomy.analysis.incidents_report import crossed_incident_document
from taxonomy.analysis.model import ADDRESSED_CLASSES, TOLERANCE
from taxonomy.domain.records import Incident, Taxonomy, Threat, Uses
from tests.taxonomy.analysis.test_incidents import incident_cases
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
CONFIDENCES = st.sampled_from([0.0, 0.25, 0.5, 0.8, 0.9, 1.0]) | st.floats(0, 1)


@st.composite
def mappings(draw, ours: list[str], theirs: list[str]) -> list[cw.CrossRow]:
    """Random oriented rows "their item → our threat", an item mapped to none,
    one or several threats, with any predicate of the vocabulary."""
    row = st.tuples(
        st.sampled_from(theirs),
        st.sampled_from(cw.PREDICATES),
        st.sampled_from(ours),
        CONFIDENCES,
    )
    return draw(st.lists(row, max_size=3 * len(theirs)))


@st.composite
def crossings(draw):
    """Our taxonomy and scenario analysed, their items and a mapping onto ours."""
    taxonomy, scenario = draw(cases())
    analysis = analyse(taxonomy, scenario)
    theirs = [f"x{k}" for k in range(draw(st.integers(1, 8)))]
    rows = draw(mappings([t.id for t in taxonomy.threats], theirs))
    return analysis, theirs, rows


def brute_force(analysis, theirs, rows) -> dict[str, dict]:
    """Row by row: the best counted product, the best bound, whether mapped."""
    tau = analysis.scenario.threshold
    out = {i: {"counted": None, "bound": None, "rows": 0} for i in theirs}
    for item, predicate, threat, confidence in rows:
        if item not in out:
            continue
        entry = out[item]
        entry["rows"] += 1
        value = analysis.coverages[threat] * confidence
        key = "counted" if predicate in (cw.EXACT, cw.CLOSE) else "bound"
        if entry[key] is None or value > entry[key]:
            entry[key] = value
    for entry in out.values():
        entry["addressed"] = (
            entry["counted"] is not None and entry["counted"] >= tau - TOLERANCE
        )
    return out


@EXAMPLES
@given(crossings())
def test_coverage_through_a_mapping_equals_a_walk_over_the_rows(case):
    analysis, theirs, rows = case
    found = cw.crosswalk(
        theirs, rows, *cw.threat_inputs(analysis), analysis.scenario.threshold
    )
    expected = brute_force(analysis, theirs, rows)
    assert [c.id for c in found] == sorted(theirs)
    for item in found:
        want = expected[item.id]
        assert item.coverage == want["counted"]
        assert item.upper_bound == want["bound"]
        assert item.addressed == want["addressed"]
        assert item.rows == want["rows"]
        assert (item.coverage_class in ADDRESSED_CLASSES) == want["addressed"]
        if want["rows"] == 0:
            assert item.coverage_class == cw.OUTSIDE
        elif want["counted"] is None:
            assert item.coverage_class == cw.LOOSELY_MAPPED


@EXAMPLES
@given(st.data())
def test_an_exact_match_of_confidence_one_gives_the_threat_s_coverage_and_class(data):
    taxonomy, scenario = data.draw(cases())
    analysis = analyse(taxonomy, scenario)
    threat = data.draw(st.sampled_from(sorted(analysis.coverages)))
    (item,) = cw.crosswalk(
        ["x"],
        [("x", cw.EXACT, threat, 1.0)],
        *cw.threat_inputs(analysis),
        scenario.threshold,
    )
    assert item.coverage == analysis.coverages[threat]
    assert item.coverage_class == analysis.classes[threat]
    assert item.addressed == (threat in analysis.addressed_threats)


@EXAMPLES
@given(crossings())
def test_an_item_with_only_loose_matches_is_never_addressed(case):
    analysis, theirs, rows = case
    loose = [r for r in rows if r[1] in cw.BOUND_PREDICATES]
    found = cw.crosswalk(theirs, loose, *cw.threat_inputs(analysis), 1e-9)
    assert not any(item.addressed for item in found)
    assert not cw.addressed_items(found)


def test_an_unmapped_item_is_outside_the_taxonomy_whatever_the_threshold():
    (item,) = cw.crosswalk(["x"], [("y", cw.EXACT, "t", 1.0)], {"t": 1.0}, {}, {}, 0.01)
    assert (item.coverage_class, item.addressed, item.coverage) == (
        cw.OUTSIDE,
        False,
        None,
    )


# --- Incidents replayed through a mapping -------------------------------------------


def rebuilt(other: Taxonomy, rows, coverages, tau) -> tuple[Taxonomy, set[str]]:
    """Each incident's steps rebuilt as our threats: a technique becomes every
    counted row it has (a pseudo-threat per row, addressed when the threat's
    coverage times the row's confidence reaches τ); a technique without one
    keeps a step that nothing addresses."""
    per_technique: dict[str, list[str]] = {}
    addressed = set()
    for k, (item, predicate, threat, confidence) in enumerate(rows):
        if predicate not in (cw.EXACT, cw.CLOSE):
            continue
        name = f"{threat}@{k}"
        per_technique.setdefault(item, []).append(name)
        if coverages[threat] * confidence >= tau - TOLERANCE:
            addressed.add(name)
    uses, threats = [], set()
    for link in other.uses:
        for name in per_technique.get(link.threat, [f"none:{link.threat}"]):
            threats.add(name)
            uses.append(Uses(link.incident, name, link.steps))
    taxonomy = Taxonomy(
        threats=tuple(Threat(t, t) for t in sorted(threats)),
        incidents=other.incidents,
        uses=tuple(uses),
    )
    return taxonomy, addressed


@EXAMPLES
@given(st.data())
def test_replay_through_a_mapping_equals_rebuilding_the_steps_as_our_threats(data):
    ours, scenario = data.draw(cases())
    other, _ = data.draw(incident_cases())
    analysis = analyse(ours, scenario)
    theirs = [t.id for t in other.threats]
    rows = data.draw(mappings(sorted(analysis.coverages), theirs))
    crossed = cw.crosswalk(
        theirs, rows, *cw.threat_inputs(analysis), scenario.threshold
    )
    document = crossed_incident_document(
        other, analysis, crossed, mapping={"id": "m", "name": "M"}
    )
    again, addressed = rebuilt(other, rows, analysis.coverages, scenario.threshold)
    direct = incident_outcomes(incident_model(again), addressed)
    assert document["totals"]["stopped"] == direct.stopped
    for entry, outcome in zip(document["incidents"], direct.incidents, strict=True):
        assert entry["id"] == outcome.id
        assert entry["stopped"] == outcome.stopped
        assert entry["first_stopped_step"] == outcome.first_stopped_step
        assert tuple(entry["steps_addressed"]) == outcome.steps_addressed
        mapped = {r[0] for r in rows}
        used = {u.threat for u in other.uses if u.incident == entry["id"]}
        assert entry["outside"] == sorted(used - mapped)
        assert all(v["predicate"] in (cw.EXACT, cw.CLOSE) for v in entry["via"])


def test_an_incident_whose_steps_are_all_outside_the_taxonomy_is_never_stopped():
    other = Taxonomy(
        threats=(Threat("T1", "One"),),
        incidents=(Incident("cs", "Case"),),
        uses=(Uses("cs", "T1", (1,)),),
    )
    analysis = analyse(Taxonomy(threats=(Threat("t", "T"),)))
    crossed = cw.crosswalk(["T1"], [], *cw.threat_inputs(analysis), 0.01)
    document = crossed_incident_document(
        other, analysis, crossed, mapping={"id": "m", "name": "M"}
    )
    assert document["totals"]["stopped"] == 0
    assert document["incidents"][0]["outside"] == ["T1"]
    assert cw.RULE in document["assumption"]
    assert document["through"] == {"id": "m", "name": "M", "rule": cw.RULE}


@EXAMPLES
@given(crossings(), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_never_changes_the_answer(case, random):
    analysis, theirs, rows = case
    inputs = (*cw.threat_inputs(analysis), analysis.scenario.threshold)
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert cw.crosswalk(theirs, shuffled, *inputs) == cw.crosswalk(
        theirs, rows, *inputs
    )


@given(st.data())
@EXAMPLES
def test_no_coverage_of_ours_addresses_an_item_when_the_ceiling_is_unreachable(data):
    # Oracle: the ceiling against the crosswalk itself, with every threat of
    # ours covered as well as it can be short of completely (and completely).
    ours = [f"t{k}" for k in range(data.draw(st.integers(1, 4)))]
    theirs = [f"x{k}" for k in range(data.draw(st.integers(1, 4)))]
    rows = data.draw(mappings(ours, theirs))
    tau = data.draw(
        st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) | st.floats(0.01, 1)
    )
    almost = data.draw(st.floats(0, 1, exclude_max=True).filter(lambda c: c < 1 - 1e-6))
    found = cw.ceiling(rows, theirs, tau)
    counted = [r[3] for r in rows if r[1] in cw.COUNTED_PREDICATES]
    assert found["confidence"] == (round(max(counted), 6) if counted else None)
    mitigated = dict.fromkeys(ours, "single-layer")

    def addressed_at(cover: float) -> bool:
        coverages = dict.fromkeys(ours, cover)
        items = cw.crosswalk(theirs, rows, coverages, coverages, mitigated, tau)
        return any(i.addressed for i in items)

    if not found["reachable"]:
        assert not addressed_at(almost)
    if counted and max(counted) - tau > TOLERANCE:
        assert found["reachable"] and addressed_at(1.0)
    assert cw.ceiling(rows, theirs, tau, complete=True)["reachable"] == addressed_at(
        1.0
    )
    assert (cw.ceiling_words(found) is None) == found["reachable"]
