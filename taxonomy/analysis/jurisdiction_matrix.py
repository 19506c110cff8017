"""The jurisdictions × threats matrix and the timeline of the headline per
jurisdiction (issue 25), as plain data for the pages.

- **The matrix** has a column per *place* of the world view on the
  scenario's ``as_of`` (``analysis.jurisdictions.places``) and a row per
  threat: its class and coverage in each place, its weakest place, and the
  share of places that address it, by count and by weight. It is the world
  view's run (``world_view``, one ``coverage_by_jurisdiction`` over every
  place), so each column is ``analyse_in`` of that place.
- **The timeline** gives, for every jurisdiction that is a place on one of
  the dates, the headline there (threats addressed, threats no single layer
  addresses) on each date recorded: every ``since`` and ``until`` of an
  in-force link or a membership, the day before the first of them, and today. Each date is one
  ``coverage_by_jurisdiction`` over those jurisdictions, as if the scenario
  asked ``as_of`` that date.

The scenario's ``jurisdiction`` is set aside (every place is a column); the
timeline sets its ``as_of`` aside too (every date is a point).
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from taxonomy.analysis.compiled import CoverageModel
from taxonomy.analysis.jurisdictions import (
    bound_nowhere,
    coverage_by_jurisdiction,
    places,
)
from taxonomy.analysis.model import CLASSES, SINGLE_LAYER
from taxonomy.analysis.world import world_view
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.scenario import Scenario

# More dates than this and the timeline keeps the latest ones (a point each
# is a run over every place).
MAX_DATES = 120
_SINGLE = CLASSES.index(SINGLE_LAYER)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def jurisdiction_matrix(
    model: CoverageModel, geography: Geography, scenario: Scenario
) -> dict:
    """Every threat's class and coverage in every place, with its weakest
    place and the share of places that address it.

    Parameters
    ----------
    model : CoverageModel
    geography : Geography
    scenario : Scenario
        Its ``jurisdiction`` is set aside; its ``as_of`` chooses the places
        and what is in force.

    Returns
    -------
    dict
        ``as_of`` (ISO or None), ``places`` (ids, the columns), ``weights``
        (per place, or None when some place has none) and ``threats``: per
        threat in the model's order ``id``, ``mobile``, ``classes`` and
        ``coverages`` (per place, in column order), ``weakest`` (a place id,
        None with no place), ``addressed_in``, ``share``, ``weighted_share``;
        ``bound_nowhere``: the mitigations in force in no place though recorded
        as in force, each with where it is recorded (``bound_nowhere``).

    >>> from taxonomy.analysis.examples import one_link_in_us
    >>> model, geo = one_link_in_us(weights=(75, 25), mobile=True)
    >>> row = jurisdiction_matrix(model, geo, Scenario())["threats"][0]
    >>> row["classes"], row["weakest"], row["share"], row["weighted_share"]
    (['unmitigated', 'single-layer'], 'cn', 0.5, 0.75)
    """
    scenario = replace(scenario, jurisdiction=None)
    view = world_view(model, geography, scenario, as_of=scenario.as_of)
    run = view.per_place
    threats = []
    for t, threat in enumerate(view.threats):
        w = int(view.weakest[t])
        threats.append(
            {
                "id": threat,
                "mobile": bool(view.mobile[t]),
                "classes": []
                if run is None
                else [CLASSES[c] for c in run.classes[:, t]],
                "coverages": []
                if run is None
                else [_round(c) for c in run.coverage[:, t].tolist()],
                "weakest": view.places[w] if w >= 0 else None,
                "addressed_in": int(view.addressed_in[t]),
                "share": None if view.share is None else _round(view.share[t]),
                "weighted_share": None
                if view.weighted_share is None
                else _round(view.weighted_share[t]),
            }
        )
    return {
        "as_of": None if scenario.as_of is None else scenario.as_of.isoformat(),
        "places": list(view.places),
        "weights": None if view.weights is None else view.weights.tolist(),
        "threats": threats,
        # What the one-world view counts and no column does (a measure recorded
        # only in a body with no member yet): the page says so.
        "bound_nowhere": {
            m: list(js)
            for m, js in bound_nowhere(model, geography, scenario.as_of).items()
        },
    }


def recorded_dates(geography: Geography) -> tuple[datetime.date, ...]:
    """Every ``since`` and ``until`` of the in-force links and memberships, sorted.

    >>> from taxonomy.domain.jurisdictions import InForce, Jurisdiction, Membership
    >>> d = datetime.date
    >>> recorded_dates(Geography(jurisdictions=(Jurisdiction("eu", "EU", "bloc"),
    ...     Jurisdiction("fr", "France")), memberships=(Membership("fr", "eu",
    ...     since=d(1958, 1, 1)),), in_force=(InForce("m", "eu", "pilot",
    ...     since=d(2025, 8, 2), until=d(2030, 1, 1)),)))
    (datetime.date(1958, 1, 1), datetime.date(2025, 8, 2), datetime.date(2030, 1, 1))
    """
    periods = [*geography.in_force, *geography.memberships]
    return tuple(
        sorted(
            {p.since for p in periods if p.since is not None}
            | {p.until for p in periods if p.until is not None}
        )
    )


def timeline_dates(
    geography: Geography, today: datetime.date
) -> tuple[tuple[datetime.date, ...], int]:
    """The timeline's dates and how many there were in all: the day before the
    first recorded date (how things stood before anything recorded changed),
    the recorded dates and today, sorted; the latest ``MAX_DATES`` when there
    are more.

    >>> timeline_dates(Geography(), datetime.date(2026, 1, 1))
    ((datetime.date(2026, 1, 1),), 1)
    >>> from taxonomy.domain.jurisdictions import InForce, Jurisdiction
    >>> [d.isoformat() for d in timeline_dates(Geography(jurisdictions=(
    ...     Jurisdiction("eu", "EU", "bloc"),), in_force=(InForce("m", "eu",
    ...     "deployed", since=datetime.date(2025, 2, 2)),)),
    ...     datetime.date(2026, 1, 1))[0]]
    ['2025-02-01', '2025-02-02', '2026-01-01']
    """
    recorded = recorded_dates(geography)
    before = {recorded[0] - datetime.timedelta(days=1)} if recorded else set()
    every = sorted({*before, *recorded, today})
    return tuple(every[-MAX_DATES:]), len(every)


def jurisdiction_timeline(
    model: CoverageModel,
    geography: Geography,
    scenario: Scenario,
    *,
    today: datetime.date,
) -> dict:
    """The headline of every jurisdiction that is a place on some date, on
    each date recorded and today.

    Parameters
    ----------
    model : CoverageModel
    geography : Geography
    scenario : Scenario
        Its ``jurisdiction`` and ``as_of`` are set aside.
    today : datetime.date

    Returns
    -------
    dict
        ``dates`` (ISO, sorted), ``today``, ``before`` (the day before the
        first recorded date, None with none), ``dates_recorded`` (how many in
        all, today included), ``threats`` (how many), ``series``: per jurisdiction ``id`` and
        ``points``, one per date: ``date``, ``place`` (whether it is a place
        of the world view that day), ``addressed`` and ``no_single_layer``.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.analysis.examples import one_link
    >>> from taxonomy.domain.jurisdictions import InForce, Jurisdiction
    >>> model = coverage_model(one_link())
    >>> geo = Geography(jurisdictions=(Jurisdiction("us", "US"),),
    ...     in_force=(InForce("m", "us", "deployed", since=datetime.date(2025, 1, 1)),))
    >>> line = jurisdiction_timeline(model, geo, Scenario(),
    ...     today=datetime.date(2026, 1, 1))
    >>> [(p["date"], p["addressed"]) for p in line["series"][0]["points"]]
    [('2024-12-31', 0), ('2025-01-01', 1), ('2026-01-01', 1)]
    """
    scenario = replace(scenario, jurisdiction=None, as_of=None)
    dates, recorded = timeline_dates(geography, today)
    on = {d: set(places(geography, d)) for d in dates}
    series = sorted(set().union(*on.values())) if dates else []
    points: dict[str, list[dict]] = {j: [] for j in series}
    if series:
        for day in dates:
            run = coverage_by_jurisdiction(
                model, geography, scenario, as_of=day, jurisdictions=series
            )
            addressed = run.addressed.sum(axis=1).tolist()
            single = (run.classes == _SINGLE).sum(axis=1)
            others = (len(run.threats) - single).tolist()
            for r, j in enumerate(series):
                points[j].append(
                    {
                        "date": day.isoformat(),
                        "place": j in on[day],
                        "addressed": int(addressed[r]),
                        "no_single_layer": int(others[r]),
                    }
                )
    recorded_days = recorded_dates(geography)
    return {
        "dates": [d.isoformat() for d in dates],
        "today": today.isoformat(),
        "before": (recorded_days[0] - datetime.timedelta(days=1)).isoformat()
        if recorded_days
        else None,
        "dates_recorded": recorded,
        "threats": len(model.threats),
        "series": [{"id": j, "points": points[j]} for j in series],
    }
