"""Judgements in and out: CSV (one row a judgement) and the canonical JSON.

A survey run elsewhere (a spreadsheet of experts' answers) comes in as CSV;
the JSON is the same records with the judges who gave them. Neither is an
export of the taxonomy (``formats.registry`` lists those): judgements are
kept beside it (``taxonomy.judgements``).

CSV columns: ``mitigation, threat, judge, strength`` (required), then
``low, high`` (the judge's effectiveness interval, both or neither),
``confidence``, ``rationale``, ``sources`` (ids separated by ``;``),
``date`` (ISO), ``round``, ``phase`` (1, or 2 for a revision in a round's
second phase; blank or missing, in a file written before phases were kept:
the phase the round is in when the file is read, 1 outside any round).
JSON: ``{"format": "layerwise-judgements",
"version": 1, "judges": [{"name", "affiliation"}], "judgements": [{...}]}``
with ``interval`` as ``[low, high]`` or null.

Reading names the line (CSV) or item (JSON) and the field of every problem
and returns nothing unless all are sound (``InterchangeError``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from typing import Any

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.judgements import Judgement, judgement_problems

FORMAT = "layerwise-judgements"
VERSION = 1
COLUMNS = (
    "mitigation",
    "threat",
    "judge",
    "strength",
    "low",
    "high",
    "confidence",
    "rationale",
    "sources",
    "date",
    "round",
    "phase",
)
REQUIRED = COLUMNS[:4]


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    return float(value)


def _phase(value: Any) -> int | None:
    """A file's phase: 1 or 2, None when blank (ValueError otherwise).

    >>> _phase("2"), _phase(""), _phase(None), _phase(1)
    (2, None, None, 1)
    """
    if value in (None, ""):
        return None
    if str(value).strip() not in ("1", "2") or isinstance(value, (bool, float)):
        raise ValueError(f"phase: must be 1 or 2, got {value!r}")
    return int(value)


def _judgement(values: dict[str, Any], interval: Any) -> Judgement:
    """A record from one row's or item's values (ValueError on a bad number,
    date or phase)."""
    date = str(values.get("date") or "").strip()
    if date:
        dt.date.fromisoformat(date)
    confidence = _number(values.get("confidence"))
    return Judgement(
        mitigation=str(values.get("mitigation") or "").strip(),
        threat=str(values.get("threat") or "").strip(),
        judge=str(values.get("judge") or "").strip(),
        strength=str(values.get("strength") or "").strip(),
        interval=interval,
        confidence=confidence,
        rationale=str(values.get("rationale") or ""),
        sources=tuple(values.get("sources") or ()),
        date=date,
        round=str(values.get("round") or "").strip(),
        phase=_phase(values.get("phase")),
    )


def _checked(judgements: list[tuple[str, Judgement]], problems: list[str]) -> list:
    for where, judgement in judgements:
        problems += [
            f"{where}: {field}: {message}"
            for field, message in judgement_problems(judgement).items()
        ]
    if problems:
        raise InterchangeError(problems)
    return [j for _, j in judgements]


def judgements_read_csv(text: str, *, name: str = "judgements.csv") -> list[Judgement]:
    """The judgements of a CSV text, or InterchangeError naming each bad line.

    >>> text = "mitigation,threat,judge,strength,low,high\\nm,t,Ada,high,0.8,0.95\\n"
    >>> judgements_read_csv(text)[0].interval
    (0.8, 0.95)
    >>> judgements_read_csv("mitigation,threat,judge,strength\\nm,t,Ada,huge\\n")
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.InterchangeError: judgements.csv:2: strength: must be one of low, medium, high, got 'huge'
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
    if missing:
        raise InterchangeError([f"{name}:1: missing columns {', '.join(missing)}"])
    found, problems = [], []
    for row in reader:
        where = f"{name}:{reader.line_num}"
        try:
            low, high = _number(row.get("low")), _number(row.get("high"))
            if (low is None) != (high is None):
                problems.append(
                    f"{where}: interval: give both low and high, or neither"
                )
                continue
            row["sources"] = [
                s.strip() for s in (row.get("sources") or "").split(";") if s.strip()
            ]
            interval = None if low is None else (low, high)
            found.append((where, _judgement(row, interval)))
        except ValueError as error:
            problems.append(f"{where}: {error}")
    return _checked(found, problems)


def judgements_write_csv(judgements: Iterable[Judgement]) -> str:
    """The judgements as CSV text, in ``COLUMNS`` order.

    >>> print(judgements_write_csv([Judgement("m", "t", "Ada", "low", (0.1, 0.2))]),
    ...       end="")
    mitigation,threat,judge,strength,low,high,confidence,rationale,sources,date,round,phase
    m,t,Ada,low,0.1,0.2,,,,,,
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for j in judgements:
        low, high = j.interval or ("", "")
        writer.writerow(
            [
                j.mitigation,
                j.threat,
                j.judge,
                j.strength,
                low,
                high,
                "" if j.confidence is None else j.confidence,
                j.rationale,
                ";".join(j.sources),
                j.date,
                j.round,
                "" if j.phase is None else j.phase,
            ]
        )
    return out.getvalue()


def judgement_as_dict(j: Judgement) -> dict[str, Any]:
    """One judgement as the canonical JSON's item."""
    return {
        "mitigation": j.mitigation,
        "threat": j.threat,
        "judge": j.judge,
        "strength": j.strength,
        "interval": list(j.interval) if j.interval else None,
        "confidence": j.confidence,
        "rationale": j.rationale,
        "sources": list(j.sources),
        "date": j.date,
        "round": j.round,
        "phase": j.phase,
    }


def judgements_write_json(
    judgements: Iterable[Judgement], judges: Iterable[dict[str, str]]
) -> str:
    """The canonical JSON document of judgements and their judges.

    >>> doc = json.loads(judgements_write_json([Judgement("m", "t", "Ada", "low")],
    ...     [{"name": "Ada", "affiliation": ""}]))
    >>> doc["format"], doc["judgements"][0]["interval"]
    ('layerwise-judgements', None)
    """
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "judges": list(judges),
            "judgements": [judgement_as_dict(j) for j in judgements],
        },
        indent=2,
        ensure_ascii=False,
    )


def judgements_read_json(
    text: str, *, name: str = "judgements.json"
) -> tuple[list[Judgement], list[dict[str, str]]]:
    """The judgements and judges of a canonical JSON text, or InterchangeError
    naming each bad item.

    >>> judgements_read_json('{"format": "layerwise-judgements", "version": 1, '
    ...     '"judgements": [{"mitigation": "m", "threat": "t", "judge": "Ada", '
    ...     '"strength": "low", "interval": [0.1, 0.3]}]}')[0][0].interval
    (0.1, 0.3)
    """
    try:
        document = json.loads(text)
    except ValueError as error:
        raise InterchangeError([f"{name}: not JSON: {error}"]) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InterchangeError([f"{name}: not a {FORMAT} document"])
    judges = document.get("judges") or []
    problems = [
        f"{name}: judges[{i}]: name: a judge needs a name"
        for i, judge in enumerate(judges)
        if not isinstance(judge, dict) or not str(judge.get("name") or "").strip()
    ]
    found = []
    for i, item in enumerate(document.get("judgements") or []):
        where = f"{name}: judgements[{i}]"
        try:
            interval = item.get("interval")
            if interval is not None:
                low, high = (float(x) for x in interval)
                interval = (low, high)
            found.append((where, _judgement(item, interval)))
        except (ValueError, TypeError, AttributeError) as error:
            problems.append(f"{where}: {error}")
    return _checked(found, problems), [
        {"name": str(j["name"]).strip(), "affiliation": str(j.get("affiliation", ""))}
        for j in judges
    ]


def judgement_places(text: str, kind: str, name: str) -> list[str]:
    """Where each judgement of a sound file is: ``name:line`` of its CSV row,
    or ``name: judgements[i]`` of its JSON item, in the file's order.

    >>> judgement_places("mitigation,threat\\nm,t\\n\\"a\\nb\\",t\\n", "csv", "j.csv")
    ['j.csv:2', 'j.csv:4']
    >>> judgement_places('{"judgements": [{}, {}]}', "json", "j.json")
    ['j.json: judgements[0]', 'j.json: judgements[1]']
    """
    if kind == "json":
        count = len(json.loads(text).get("judgements") or [])
        return [f"{name}: judgements[{i}]" for i in range(count)]
    reader = csv.DictReader(io.StringIO(text))
    return [f"{name}:{reader.line_num}" for _ in reader]
