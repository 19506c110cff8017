"""Governance architectures side by side, as the comparison page and the brief
show them: the choices offered, the headline cards and the threat-by-threat rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from taxonomy.domain.scenario import percent
from taxonomy.web.present.common import ADDRESSED, class_info, joined

# How many choice boxes the page's form shows (the most a comparison takes).
CHOICE_BOXES = 4


@dataclass(frozen=True, slots=True)
class Cell:
    """One architecture's judgement of one threat, in words: ``name`` is the
    class, ``architecture`` the architecture's name (the cell's label when a
    phone stacks the table's rows)."""

    name: str
    architecture: str
    label: str
    icon: str
    coverage: str
    addressed: bool
    weakest: str
    words: str


def cell(entry: Mapping, names: Mapping[str, str], architecture: str = "") -> Cell:
    """A threat's cell: its class and coverage, and for a mobile threat the
    class where it is weakest, named.

    >>> c = cell({"class": "single-layer", "coverage": 0.9, "weakest": "cn",
    ...     "weakest_tied": ["cn", "row"], "weakest_class": "unmitigated"},
    ...     {"cn": "China", "row": "Rest of the world"})
    >>> c.label, c.coverage, c.weakest
    ('Single layer', '90%', 'Unmitigated where weakest: China and Rest of the world')
    """
    info = class_info(entry["class"])
    weakest = ""
    if entry.get("weakest"):
        there = class_info(entry["weakest_class"]).label
        places = entry.get("weakest_tied") or [entry["weakest"]]
        weakest = f"{there} where weakest: {joined([names.get(p, p) for p in places])}"
    words = f"{info.label}, {percent(entry['coverage'])} coverage"
    return Cell(
        name=entry["class"],
        architecture=architecture,
        label=info.label,
        icon=info.icon,
        coverage=percent(entry["coverage"]),
        addressed=entry["class"] in ADDRESSED,
        weakest=weakest,
        words=f"{words}; {weakest}" if weakest else words,
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
