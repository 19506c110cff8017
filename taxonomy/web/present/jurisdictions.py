"""The jurisdictions × threats matrix page and its timeline: rows, cells and
sentences from the selectors' plain documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from taxonomy.domain.jurisdictions import place_phrase
from taxonomy.web import charts
from taxonomy.web.present.common import ADDRESSED, CLASS_ORDER, class_info, joined


@dataclass(frozen=True, slots=True)
class PlaceCell:
    """One threat in one place: its class, coverage, and whether this is the
    place where it is weakest (marked for a mobile threat: its actors go there)."""

    place: str
    name: str
    coverage_class: str
    coverage: float
    weakest: bool

    @property
    def info(self):
        return class_info(self.coverage_class)

    @property
    def addressed(self) -> bool:
        return self.coverage_class in ADDRESSED


@dataclass(frozen=True, slots=True)
class ThreatAcross:
    """One threat across the places, with the share of places that address it."""

    id: str
    name: str
    mobile: bool
    cells: tuple[PlaceCell, ...]
    weakest: str | None
    weakest_name: str
    addressed_in: int
    places: int
    share: float | None
    weighted_share: float | None


def jurisdiction_rows(
    matrix: Mapping, threat_names: Mapping[str, str], place_names: Mapping[str, str]
) -> list[ThreatAcross]:
    """The matrix's rows, the threats addressed in the fewest places first
    (then by class in the weakest place, then by name).

    A mobile threat's cells are marked in every place where it is as weak
    as in its weakest one (the same class and coverage).

    >>> rows = jurisdiction_rows({"places": ["cn", "eu", "us"], "threats": [{
    ...     "id": "t", "mobile": True, "classes": ["unmitigated", "unmitigated",
    ...     "single-layer"], "coverages": [0.0, 0.0, 0.9], "weakest": "cn",
    ...     "addressed_in": 1, "share": 0.33, "weighted_share": None}]}, {"t": "T"},
    ...     {"cn": "China"})
    >>> [(c.place, c.weakest) for c in rows[0].cells], rows[0].weakest_name
    ([('cn', True), ('eu', True), ('us', False)], 'China')
    """
    places = matrix["places"]
    rows = []
    for t in matrix["threats"]:
        found = list(zip(places, t["classes"], t["coverages"], strict=True))
        # Every place as weak as the weakest is marked: the id that settles a
        # tie is no reason to single one place out.
        lowest = next(((c, v) for p, c, v in found if p == t["weakest"]), None)
        cells = tuple(
            PlaceCell(
                place=p,
                name=place_names.get(p, p),
                coverage_class=c,
                coverage=v,
                weakest=t["mobile"] and (c, v) == lowest,
            )
            for p, c, v in found
        )
        rows.append(
            ThreatAcross(
                id=t["id"],
                name=threat_names.get(t["id"], t["id"]),
                mobile=t["mobile"],
                cells=cells,
                weakest=t["weakest"],
                weakest_name=place_names.get(t["weakest"], t["weakest"] or ""),
                addressed_in=t["addressed_in"],
                places=len(places),
                share=t["share"],
                weighted_share=t["weighted_share"],
            )
        )

    def order(row: ThreatAcross):
        weakest = min((CLASS_ORDER[c.coverage_class] for c in row.cells), default=0)
        return (row.addressed_in, weakest, row.name)

    return sorted(rows, key=order)


def bound_nowhere_words(
    bound: Mapping[str, list[str]], names: Mapping[str, str], dated: bool = False
) -> str:
    """The measures recorded as in force only where no column is bound, in a
    sentence ('' when there is none): the coverage matrix counts them (it takes
    the world as one place), so the two pages differ on them.

    >>> bound_nowhere_words({"iaea": ["un"], "cl": ["un"]}, {"iaea": "Agency",
    ...     "cl": "Civil liberties", "un": "Multilateral body"})
    'Agency and Civil liberties are recorded as in force only in the multilateral body, which binds no place shown here (it has no member recorded): they count in no column, while the coverage matrix, which takes the world as one place, counts them as it counts every measure.'
    >>> bound_nowhere_words({}, {})
    ''
    """
    if not bound:
        return ""
    measures = joined(sorted(names.get(m, m) for m in bound))
    bodies = sorted({names.get(j, j) for js in bound.values() for j in js})
    where = joined([place_phrase(b) for b in bodies])
    one, alone = len(bound) == 1, len(bodies) == 1
    when = " on this date" if dated else ""
    return (
        f"{measures} {'is' if one else 'are'} recorded as in force only in {where}, "
        f"which {'binds' if alone else 'bind'} no place shown here "
        f"({'it has' if alone else 'they have'} no member recorded{when}): "
        f"{'it counts' if one else 'they count'} in no column, while the coverage "
        "matrix, which takes the world as one place, counts "
        f"{'it' if one else 'them'} as it counts every measure."
    )


def jurisdiction_sentence(rows: list[ThreatAcross], places: int) -> str:
    """The matrix in a sentence: how many threats every place, no place and
    some places address, and how many mobile threats are addressed even where
    they are weakest.

    >>> row = ThreatAcross("t", "T", True, (), "cn", "China", 1, 2, 0.5, None)
    >>> jurisdiction_sentence([row], 2)
    'Of 1 threat, 0 are addressed in all 2 places, 0 in none and 1 in some. 1 threat is mobile: its actors can move to where it is weakest; it is not addressed there.'
    """
    everywhere = sum(r.addressed_in == places for r in rows)
    nowhere = sum(r.addressed_in == 0 for r in rows)
    some = len(rows) - everywhere - nowhere
    verb = "is" if everywhere == 1 else "are"
    noun = "threat" if len(rows) == 1 else "threats"
    text = (
        f"Of {len(rows)} {noun}, {everywhere} {verb} addressed in all {places} "
        f"places, {nowhere} in none and {some} in some."
    )
    mobile = [r for r in rows if r.mobile]
    if mobile:
        held = sum(r.addressed_in == places for r in mobile)
        if len(mobile) == 1:
            told = "it is addressed there" if held else "it is not addressed there"
            text += (
                " 1 threat is mobile: its actors can move to where it is weakest; "
                f"{told}."
            )
        else:
            told = (
                "none of them is addressed there"
                if not held
                else f"{held} of them {'is' if held == 1 else 'are'} addressed even there"
            )
            text += (
                f" {len(mobile)} threats are mobile: their actors can move to where "
                f"each is weakest; {told}."
            )
    return text


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One date of the timeline's table: the headline in each jurisdiction."""

    date: str
    today: bool
    before: bool
    cells: tuple[dict, ...]


def timeline_view(timeline: Mapping, place_names: Mapping[str, str]) -> dict:
    """The timeline's charts (one per jurisdiction) and its text equivalent
    (a table, a row per date).

    >>> view = timeline_view({"dates": ["2025-01-01"], "today": "2025-01-01",
    ...     "dates_recorded": 1, "threats": 2, "series": [{"id": "eu", "points": [
    ...     {"date": "2025-01-01", "place": True, "addressed": 1,
    ...     "no_single_layer": 2}]}]}, {"eu": "European Union"})
    >>> view["charts"][0]["chart"].describe()
    'In the European Union, of 2 threats: on 2025-01-01, 1 addressed and 2 that no single layer addresses.'
    >>> view["rows"][0].today, view["rows"][0].cells[0]["addressed"]
    (True, 1)
    """
    series = timeline["series"]
    names = [place_names.get(s["id"], s["id"]) for s in series]
    chart_list = [
        charts.timeline_chart(
            s["points"], name=place_phrase(name), threats=timeline["threats"]
        )
        for s, name in zip(series, names, strict=True)
    ]
    rows = [
        TimelineRow(
            date=day,
            today=day == timeline["today"],
            before=day == timeline.get("before"),
            cells=tuple(s["points"][i] for s in series),
        )
        for i, day in enumerate(timeline["dates"])
    ]
    return {
        "charts": [
            {"id": s["id"], "name": name, "chart": chart}
            for s, name, chart in zip(series, names, chart_list, strict=True)
        ],
        "columns": list(zip([s["id"] for s in series], names, strict=True)),
        "rows": rows,
        "dates": len(timeline["dates"]),
        "dates_recorded": timeline["dates_recorded"],
        "threats": timeline["threats"],
    }
