"""The jurisdictions × threats matrix and the timeline, held to the analysis
of each jurisdiction computed one by one (``analyse_in``) on random
taxonomies with random jurisdictions, memberships and dates."""

from __future__ import annotations

import datetime
import math
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.jurisdiction_matrix import (
    MAX_DATES,
    jurisdiction_matrix,
    jurisdiction_timeline,
    recorded_dates,
)
from taxonomy.analysis.jurisdictions import analyse_in
from taxonomy.analysis.model import ADDRESSED_CLASSES, SINGLE_LAYER
from taxonomy.domain.jurisdictions import Geography, InForce, Jurisdiction
from taxonomy.domain.records import Layer, Mitigation, Taxonomy
from taxonomy.domain.scenario import Scenario
from tests.taxonomy.analysis.test_jurisdictions import (
    DAYS as RECORDED,
)
from tests.taxonomy.analysis.test_jurisdictions import (
    EXAMPLES,
    FEWER,
    brute_places,
    worlds,
)

TODAY = datetime.date(2026, 12, 7)


def _asked(draw, geography: Geography) -> str | None:
    """A jurisdiction the scenario names (the matrix sets it aside)."""
    ids = list(geography.jurisdiction_ids)
    return draw(st.none() | st.sampled_from(ids)) if ids else None


@EXAMPLES
@given(world=worlds(), data=st.data())
def test_each_column_of_the_matrix_is_the_analysis_in_that_place(world, data):
    taxonomy, scenario, geography, as_of = world
    scenario = replace(scenario, as_of=as_of, jurisdiction=_asked(data.draw, geography))
    model = coverage_model(taxonomy)
    matrix = jurisdiction_matrix(model, geography, scenario)
    where = brute_places(geography, as_of)
    assert matrix["places"] == where
    assert [row["id"] for row in matrix["threats"]] == list(model.threats)
    one_by_one = {
        j: analyse_in(
            model, geography, replace(scenario, jurisdiction=None), j, as_of=as_of
        )
        for j in where
    }
    for row in matrix["threats"]:
        t = row["id"]
        assert row["classes"] == [one_by_one[j].classes[t] for j in where]
        for got, j in zip(row["coverages"], where, strict=True):
            assert math.isclose(got, one_by_one[j].coverages[t], abs_tol=1e-6)
        hit = [j for j in where if one_by_one[j].classes[t] in ADDRESSED_CLASSES]
        assert row["addressed_in"] == len(hit)
        assert row["mobile"] == (t in geography.mobile_threats)
        if where:
            lowest = min(one_by_one[j].coverages[t] for j in where)
            assert one_by_one[row["weakest"]].coverages[t] == lowest
            assert math.isclose(row["share"], len(hit) / len(where), abs_tol=1e-6)
            weights = {j.id: j.weight for j in geography.jurisdictions}
            total = sum(weights[j] or 0 for j in where)
            if any(weights[j] is None for j in where) or total == 0:
                assert row["weighted_share"] is None
            else:
                expected = sum(weights[j] for j in hit) / total
                assert math.isclose(row["weighted_share"], expected, abs_tol=1e-6)
        else:
            assert row["weakest"] is None and row["share"] is None


def _headline(analysis) -> tuple[int, int]:
    classes = analysis.classes.values()
    return (
        sum(c in ADDRESSED_CLASSES for c in classes),
        sum(c != SINGLE_LAYER for c in classes),
    )


@FEWER
@given(world=worlds(), data=st.data())
def test_each_point_of_the_timeline_is_the_analysis_as_of_that_date(world, data):
    taxonomy, scenario, geography, as_of = world
    scenario = replace(scenario, as_of=as_of, jurisdiction=_asked(data.draw, geography))
    model = coverage_model(taxonomy)
    line = jurisdiction_timeline(model, geography, scenario, today=TODAY)
    recorded = recorded_dates(geography)
    before = {recorded[0] - datetime.timedelta(days=1)} if recorded else set()
    dates = sorted({*before, *recorded, TODAY})
    assert line["dates"] == [d.isoformat() for d in dates]
    on = {d: brute_places(geography, d) for d in dates}
    assert [s["id"] for s in line["series"]] == sorted(set().union(*on.values()))
    plain = replace(scenario, jurisdiction=None, as_of=None)
    for series in line["series"]:
        j = series["id"]
        for point, day in zip(series["points"], dates, strict=True):
            there = analyse_in(model, geography, plain, j, as_of=day)
            assert (point["addressed"], point["no_single_layer"]) == _headline(there)
            assert point["date"] == day.isoformat()
            assert point["place"] == (j in on[day])


def test_the_recorded_dates_are_every_since_and_until():
    since, until = RECORDED[1], RECORDED[3]
    geography = Geography(
        jurisdictions=(Jurisdiction("us", "US"),),
        in_force=(InForce("m", "us", "pilot", since=since, until=until),),
    )
    assert recorded_dates(geography) == (since, until)


def test_the_timeline_keeps_the_latest_dates_when_there_are_too_many():
    days = [datetime.date(2000, 1, 1) + datetime.timedelta(days=k) for k in range(130)]
    model = coverage_model(
        Taxonomy(
            layers=(Layer("hw", "HW"),),
            mitigations=(Mitigation("m", "M", "hw", "deployed"),),
        )
    )
    geography = Geography(
        jurisdictions=(Jurisdiction("us", "US"),),
        in_force=tuple(
            InForce("m", "us", "pilot", since=d, until=d + datetime.timedelta(days=1))
            for d in days
        ),
    )
    line = jurisdiction_timeline(model, geography, Scenario(), today=TODAY)
    # The day before the first, 130 starts, the last end, today.
    assert line["dates_recorded"] == 133
    assert len(line["dates"]) == MAX_DATES
    assert line["dates"][-1] == TODAY.isoformat()
