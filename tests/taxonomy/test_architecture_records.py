"""Governance architectures (issue 25) as stored data: the seed's three
options, fixture files with file:line errors, the canonical document, the
graph, and the one function that makes an architecture a scenario."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from taxonomy import selectors, services
from taxonomy.domain.architectures import (
    adopt_entries,
    architecture_scenario,
    renamed_scenario,
    scenario_of_query,
)
from taxonomy.domain.errors import FixtureError, ScenarioError
from taxonomy.domain.records import Adopts, Architecture
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_params import scenario_query
from taxonomy.formats import document_json, fixtures_stream, fixtures_yaml


@pytest.fixture(scope="module")
def seed():
    return fixtures_yaml.load_fixtures(Path(settings.FIXTURES_DIR))


# --- The function ---------------------------------------------------------------


def test_an_architecture_is_its_parameters_plus_what_it_adopts_where():
    architecture = Architecture(
        "a", "A", scenario="maturity=deployed&disable_layer=liability&adopt=tee"
    )
    adopts = [
        Adopts("a", "chip-attestation"),
        Adopts("a", "multilateral-agency", ("eu", "us")),
        Adopts("other", "watermarking"),
    ]
    assert architecture_scenario(architecture, adopts) == Scenario(
        maturities=["deployed"],
        disabled_layers=["liability"],
        adopt=[
            "tee",
            "chip-attestation",
            "multilateral-agency@eu",
            "multilateral-agency@us",
        ],
    )


def test_an_architecture_keeps_the_sites_settings_unless_it_names_its_own():
    base = Scenario(threshold=0.7)
    assert architecture_scenario(Architecture("a", "A"), [], base=base) == base
    own = Architecture("a", "A", scenario="threshold=0.9&jurisdiction=eu")
    assert architecture_scenario(own, [], base=base) == Scenario(
        threshold=0.9, jurisdiction="eu"
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("colour=red", "unknown parameter: colour"),
        ("maturity=deployed&Maturity=pilot", "unknown parameter: Maturity"),
        ("threshold=high", "the threshold must be a number"),
        ("as_of=2026-02-30", "as_of must be a date"),
        ("maturity=someday", "unknown maturity: someday"),
        ("dependence=none", "dependence must be one of"),
    ],
)
def test_a_stored_scenario_the_codec_refuses_is_an_error_naming_it(text, error):
    with pytest.raises(ValueError, match=error):
        scenario_of_query(text)


def test_an_unknown_parameter_is_a_scenario_error():
    with pytest.raises(ScenarioError) as caught:
        scenario_of_query("?maturity=deployed&colour=red")
    assert caught.value.unknown == {"parameter": ("colour",)}


_ids = st.text(alphabet="abcxyz-", min_size=1, max_size=6)


@given(
    st.lists(
        st.tuples(_ids, st.lists(_ids, max_size=3, unique=True)),
        max_size=6,
        unique_by=lambda pair: pair[0],
    )
)
def test_the_adopt_entries_are_each_measure_where_it_is_adopted(pairs):
    links = [Adopts("a", m, tuple(js)) for m, js in pairs]
    expected = {m for m, js in pairs if not js} | {
        f"{m}@{j}" for m, js in pairs for j in js
    }
    scenario = architecture_scenario(Architecture("a", "A"), links)
    assert scenario.adopt == expected == adopt_entries(links)
    # Written back through the codec and read again, it is the same scenario.
    again = scenario_of_query(scenario_query(scenario))
    assert again == scenario


@given(st.lists(st.tuples(_ids, st.sampled_from(["", "@"]), _ids), max_size=4))
def test_renaming_a_scenarios_ids_renames_each_one(entries):
    adopt = [m + (at + j if at else "") for m, at, j in entries]
    scenario = Scenario(adopt=adopt, maturities=["deployed"], jurisdiction="eu")
    text = scenario_query(scenario).removeprefix("?")
    renamed = scenario_of_query(renamed_scenario(text, lambda i: f"t:{i}"))
    assert renamed.jurisdiction == "t:eu"
    assert renamed.maturities == scenario.maturities
    assert renamed.adopt == {
        f"t:{m}" + (f"@t:{j}" if at else "") for m, at, j in entries
    }


# --- The seed --------------------------------------------------------------------


def test_the_seed_records_the_three_options_each_judgement_cited(seed):
    by_id = {a.id: a for a in seed.architectures}
    assert set(by_id) == {
        "openness-without-governance",
        "restriction-without-alternatives",
        "layered-governance",
    }
    cited = {s.id for s in seed.sources}
    for link in seed.adopts:
        assert link.rationale and link.sources, link
        assert set(link.sources) <= cited
    for architecture in seed.architectures:
        assert architecture.description and architecture.sources
        scenario = architecture_scenario(architecture, seed.adopts)
        assert scenario.maturities == {"deployed"}
    open_, restricted, layered = (
        architecture_scenario(by_id[key], seed.adopts)
        for key in (
            "openness-without-governance",
            "restriction-without-alternatives",
            "layered-governance",
        )
    )
    assert open_.adopt == frozenset()
    # Restriction displaces activity: what it adopts introduces the threats
    # of moving elsewhere, through the ordinary INTRODUCES links.
    assert restricted.adopt == {
        "open-weight-restrictions@us",
        "open-weight-restrictions@eu",
    }
    introduced = {
        x.target for x in seed.introduces if x.source == "open-weight-restrictions"
    }
    assert introduced == {"covert-deployment", "jurisdiction-shopping"}
    # Layered governance: hardware measures everywhere, the multilateral
    # regime and its civil-liberties safeguards in every recorded place.
    places = {j.id for j in seed.jurisdictions if j.kind != "multilateral"}
    assert {"chip-attestation", "tee", "confidential-computing"} <= layered.adopt
    for measure in ("multilateral-agency", "civil-liberties-safeguards"):
        assert {e for e in layered.adopt if e.startswith(f"{measure}@")} == {
            f"{measure}@{place}" for place in places
        }


def test_the_restriction_measure_leaves_todays_figures_unchanged(seed):
    """Proposed, with no MITIGATES link: today (deployed only) counts nothing
    of it, and no coverage changes with every proposal counted."""
    from taxonomy.analysis.report import coverage_document
    from taxonomy.domain.scenario import today

    without = replace(
        seed,
        mitigations=tuple(
            m for m in seed.mitigations if m.id != "open-weight-restrictions"
        ),
        introduces=tuple(
            x for x in seed.introduces if x.source != "open-weight-restrictions"
        ),
        architectures=(),
        adopts=(),
    )
    for scenario in (today(), Scenario()):
        now = coverage_document(seed, scenario=scenario)
        before = coverage_document(without, scenario=scenario)
        assert [(t["id"], t["class"], t["coverage"]) for t in now["threats"]] == [
            (t["id"], t["class"], t["coverage"]) for t in before["threats"]
        ]
    assert (
        coverage_document(seed, scenario=today())["summary"]
        == (coverage_document(without, scenario=today())["summary"])
    )


# --- Fixture files ----------------------------------------------------------------

ARCHITECTURES_YAML = """\
architectures:
  - id: careful
    name: Careful
    description: Adopts a little.
    scenario: maturity=deployed&jurisdiction=eu
    sources: [bengio-2025]
    adopts:
      - mitigation: chip-attestation
        jurisdictions: [eu, us]
        rationale: Where it binds.
        sources: [aarne-2024]
      - mitigation: tee
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        (
            "jurisdiction=eu",
            "jurisdiction=atlantis",
            5,
            "architectures[0].scenario",
            "names an unknown jurisdiction 'atlantis'",
        ),
        (
            "maturity=deployed&",
            "maturity=deployed&colour=red&",
            5,
            "architectures[0].scenario",
            "unknown parameter: colour",
        ),
        (
            "maturity=deployed&",
            "maturity=deployed&disable_mitigation=nope&",
            5,
            "architectures[0].scenario",
            "names an unknown mitigation 'nope'",
        ),
        (
            "jurisdictions: [eu, us]",
            "jurisdictions: [eu, atlantis]",
            9,
            "architectures[0].adopts[0].jurisdictions[1]",
            "unknown jurisdiction 'atlantis'",
        ),
        (
            "mitigation: tee",
            "mitigation: tea",
            12,
            "architectures[0].adopts[1].mitigation",
            "unknown mitigation 'tea'",
        ),
        (
            "sources: [aarne-2024]",
            "sources: [no-such-paper]",
            11,
            "architectures[0].adopts[0].sources[0]",
            "unknown source 'no-such-paper'",
        ),
        (
            "id: careful",
            "id: today",
            2,
            "the id 'today'",
            "is reserved (the comparison page uses it",
        ),
        (
            "id: careful",
            "id: compare",
            2,
            "the id 'compare'",
            "is reserved (it is the address of the comparison page",
        ),
        (
            "    scenario:",
            "    scenery:",
            2,
            "architectures[0]",
            "unknown field 'scenery'",
        ),
    ],
)
def test_a_bad_architecture_is_named_at_file_line_and_field_and_nothing_is_written(
    fixture_tree, graph, old, new, line, field, message
):
    assert old in ARCHITECTURES_YAML
    (fixture_tree / "architectures.yaml").write_text(
        ARCHITECTURES_YAML.replace(old, new)
    )
    for read in (fixtures_yaml.load_fixtures, fixtures_stream.load_fixtures):
        with pytest.raises(FixtureError) as caught:
            read(fixture_tree)
        found = [(p.file, p.line, p.message) for p in caught.value.problems]
        assert any(
            p.file.endswith("architectures.yaml")
            and p.line == line
            and field in p.message
            and message in p.message
            for p in caught.value.problems
        ), found
    with pytest.raises(FixtureError):
        services.taxonomy_load(path=fixture_tree)
    snapshot = selectors.taxonomy_snapshot()
    assert snapshot.architectures == () and snapshot.mitigations == ()


def test_the_graph_keeps_architectures_and_what_they_adopt(fixture_tree, graph):
    (fixture_tree / "architectures.yaml").write_text(ARCHITECTURES_YAML)
    services.taxonomy_load(path=fixture_tree)
    expected = fixtures_yaml.load_fixtures(fixture_tree)
    snapshot = selectors.taxonomy_snapshot()
    assert snapshot.architectures == expected.architectures
    assert sorted(snapshot.adopts, key=repr) == sorted(expected.adopts, key=repr)
    detail = selectors.architecture_detail(taxonomy=snapshot, key="careful")
    assert [x.mitigation for x in detail["adopts"]] == ["chip-attestation", "tee"]
    assert detail["effective_scenario"].adopt == {
        "chip-attestation@eu",
        "chip-attestation@us",
        "tee",
    }
    assert detail["effective_scenario"].jurisdiction == "eu"


def test_the_canonical_document_round_trips_architectures(seed):
    text = document_json.export_json(seed)
    doc = json.loads(text)
    assert [a["id"] for a in doc["architectures"]] == sorted(
        a.id for a in seed.architectures
    )
    assert document_json.export_json(document_json.taxonomy_from_document(doc)) == text
    bad = {**doc, "adopts": [{**doc["adopts"][0], "jurisdictions": ["atlantis"]}]}
    with pytest.raises(
        FixtureError, match=r"adopts\[0\]\.jurisdictions\[0\]: unknown jurisdiction"
    ):
        document_json.taxonomy_from_document(bad)


def test_a_document_without_architectures_has_no_section_for_them(seed):
    bare = replace(seed, architectures=(), adopts=())
    doc = json.loads(document_json.export_json(bare))
    assert not {"architectures", "adopts"} & set(doc)
