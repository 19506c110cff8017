"""Governance architectures side by side, as the comparison page and the brief
show them: the choices offered, the headline cards and the threat-by-threat rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from taxonomy.domain.scenario_words import percent
from taxonomy.web.present.common import ADDRESSED, class_info, joined

# How many choice boxes the page's form shows (the most a comparison takes).
CHOICE_BOXES = 4
# What a mobile threat's first figure assumes: every place as one world.
ONE_WORLD = " as one world"


@dataclass(frozen=True, slots=True)
class Cell:
    """One architecture's judgement of one threat, in words: ``name`` is the
    class, ``architecture`` the architecture's name (the cell's label when a
    phone stacks the table's rows); ``first`` the class and coverage as one
    world, said so for a mobile threat, whose ``weakest`` gives its class and
    coverage where it is weakest."""

    name: str
    architecture: str
    label: str
    icon: str
    coverage: str
    addressed: bool
    weakest: str
    words: str
    first: str = ""


def cell(entry: Mapping, names: Mapping[str, str], architecture: str = "") -> Cell:
    """A threat's cell: its class and coverage, and for a mobile threat the
    class and coverage where it is weakest, named; its first figure then says
    that it takes the world as one place.

    >>> c = cell({"class": "single-layer", "coverage": 0.9, "weakest": "cn",
    ...     "weakest_tied": ["cn", "row"], "weakest_class": "unmitigated",
    ...     "weakest_coverage": 0.0}, {"cn": "China", "row": "Rest of the world"})
    >>> c.first, c.weakest
    ('Single layer, 90% as one world', 'Unmitigated, 0% where weakest: China and Rest of the world')
    >>> cell({"class": "insufficient", "coverage": 0.3}, {}).first
    'Insufficient, 30%'
    """
    info = class_info(entry["class"])
    weakest = ""
    first = f"{info.label}, {percent(entry['coverage'])}"
    words = f"{first} coverage"
    if entry.get("weakest"):
        there = class_info(entry["weakest_class"]).label
        places = entry.get("weakest_tied") or [entry["weakest"]]
        coverage = entry.get("weakest_coverage")
        there += "" if coverage is None else f", {percent(coverage)}"
        weakest = f"{there} where weakest: {joined([names.get(p, p) for p in places])}"
        first += ONE_WORLD
        words += ONE_WORLD
    return Cell(
        name=entry["class"],
        architecture=architecture,
        label=info.label,
        icon=info.icon,
        coverage=percent(entry["coverage"]),
        addressed=entry["class"] in ADDRESSED,
        weakest=weakest,
        words=f"{words}; {weakest}" if weakest else words,
        first=first,
    )


def threat_rows(
    document: Mapping, names: Mapping[str, str], *, only_differing: bool
) -> list[dict]:
    """The threat-by-threat table: each threat with one ``Cell`` per architecture
    (only those on which they differ when ``only_differing``)."""
    return [
        {
            "id": t["id"],
            "name": t["name"],
            "mobile": t["mobile"],
            "differs": t["differs"],
            "cells": [
                cell(c, names, a["name"])
                for c, a in zip(
                    t["by_architecture"], document["architectures"], strict=True
                )
            ],
        }
        for t in document["threats"]
        if t["differs"] or not only_differing
    ]


def choice_boxes(
    chosen: Sequence[str], choices: Sequence[tuple[str, str]]
) -> list[dict]:
    """The form's ``CHOICE_BOXES`` selects, each with the choices and the one
    chosen there (empty for none).

    >>> boxes = choice_boxes(["today"], [("today", "Today"), ("x", "X")])
    >>> [b["chosen"] for b in boxes], boxes[0]["number"]
    (['today', '', '', ''], 1)
    """
    padded = [*chosen[:CHOICE_BOXES], *[""] * CHOICE_BOXES][:CHOICE_BOXES]
    return [
        {"number": n + 1, "chosen": value, "choices": choices}
        for n, value in enumerate(padded)
    ]


def compare_query(ids: Sequence[str], **extra: str) -> str:
    """The query string (with its ``?``) that asks for a comparison.

    >>> compare_query(["today", "layered"], taxonomy="atlas")
    '?a=today&a=layered&taxonomy=atlas'
    """
    params = [("a", i) for i in ids] + [(k, v) for k, v in extra.items() if v]
    return "?" + urlencode(params)


def glance_rows(document: Mapping) -> list[tuple[str, list[str]]]:
    """The headline of every architecture side by side: (what, one value per
    architecture), in the order a policymaker asks.

    >>> a = {"addressed": 2, "threats": 12, "not_by_one_layer": ["t"] * 11,
    ...     "mobile": {"count": 5, "addressed": 0, "weakest": {"cn": 5}},
    ...     "introduced": [], "measures": "none adopted"}
    >>> glance_rows({"architectures": [a]})[0]
    ('Threats addressed (one whose actors can move, where it is weakest)', ['2 of 12'])
    >>> glance_rows({"architectures": [a]})[2]
    ('Threats whose actors can move, addressed even where they are weakest', ['0 of 5'])
    """
    # The count's basis differs from the overview's (the world as one place)
    # once some threat's actors can move: said in the row itself.
    mobile = any(a["mobile"]["weakest"] for a in document["architectures"])
    addressed = "Threats addressed" + (
        " (one whose actors can move, where it is weakest)" if mobile else ""
    )
    rows = [
        (addressed, lambda a: f"{a['addressed']} of {a['threats']}"),
        (
            "Threats no single governance layer addresses on its own",
            lambda a: str(len(a["not_by_one_layer"])),
        ),
        (
            "Threats whose actors can move, addressed even where they are weakest",
            lambda a: (
                f"{a['mobile']['addressed']} of {a['mobile']['count']}"
                if a["mobile"]["weakest"]
                else "—"
            ),
        ),
        ("Threats its measures introduce", lambda a: str(len(a["introduced"]))),
        ("Measures it adopts, and their cost", lambda a: a["measures"]),
    ]
    return [
        (what, [value(a) for a in document["architectures"]]) for what, value in rows
    ]


def assumption_lines(document: Mapping) -> list[tuple[str, str]]:
    """(architecture name, what it counts) without the name repeated when the
    sentence starts with it ("Today: ...").

    >>> assumption_lines({"architectures": [{"name": "Today", "scenario":
    ...     {"summary": "Today: only the measures already deployed count."}}]})
    [('Today', 'only the measures already deployed count.')]
    >>> assumption_lines({"architectures": [{"name": "Open", "scenario":
    ...     {"summary": "Today: only the measures already deployed count."}}]})
    [('Open', 'as today, only the measures already deployed count.')]
    """
    lines = []
    for a in document["architectures"]:
        summary = a["scenario"]["summary"].removeprefix(f"{a['name']}: ")
        if summary.startswith("Today: "):
            summary = "as today, " + summary.removeprefix("Today: ")
        lines.append((a["name"], summary))
    return lines
