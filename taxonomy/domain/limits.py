"""The limits and forms of the records' fields, defined ONCE: the API's
serializers read them, fixtures/schema.json states them (a test holds it to
them) and ``taxonomy_problems`` checks them, so every import (fixture files,
the JSON document, STIX bundles, ATLAS files, their dry runs) refuses what a
single write through the API refuses, naming the item and the field.

A text field is limited by its number of characters (each entry of a list of
texts on its own); a whole-number field by its range; Neo4j stores integers
in 64 bits, so no whole number in any field (a cost, a version) may pass
them. An incident's date is a real date at the precision known: empty, a
year, a year and month, or a day.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import fields
from typing import Any

INT64_MAX = 2**63 - 1
ID_MAX = 200
TAXONOMY_MAX = 63
NAME_MAX = 300
TEXT_MAX = 20_000

# Field name -> the most characters it may hold, whatever the kind: a field
# of one name means the same in every kind. Ids (the item's, a link's ends, a
# mitigation's layer, cited sources, the tactics of an incident's steps) are
# ids everywhere.
TEXT_LIMITS: dict[str, int] = {
    "id": ID_MAX,
    "source": ID_MAX,
    "target": ID_MAX,
    "mitigation": ID_MAX,
    "threat": ID_MAX,
    "incident": ID_MAX,
    "layer": ID_MAX,
    "sources": ID_MAX,
    "tactics": ID_MAX,
    "member": ID_MAX,
    "body": ID_MAX,
    "jurisdiction": ID_MAX,
    "jurisdictions": ID_MAX,
    "architecture": ID_MAX,
    "taxonomy": TAXONOMY_MAX,
    "name": NAME_MAX,
    "description": TEXT_MAX,
    "summary": TEXT_MAX,
    "rationale": TEXT_MAX,
    "descriptions": TEXT_MAX,
    "mobile": TEXT_MAX,
    "everywhere": TEXT_MAX,
    "maturity": 200,
    "shortname": 200,
    "kind": 200,
    "strength": 200,
    "authors": 2000,
    "title": 1000,
    "publisher": 500,
    "url": 2000,
    "date": 40,
    "since": 10,
    "until": 10,
    "scenario": 2000,
}
# Field name -> the least and most a whole number in it may be.
INT_RANGES: dict[str, tuple[int, int]] = {
    "order": (0, INT64_MAX),
    "steps": (1, INT64_MAX),
    "year": (1000, 3000),
}


_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def is_incident_date(text: str) -> bool:
    """Whether ``text`` is an incident's date: empty, ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``, a real one.

    >>> [is_incident_date(t) for t in ("", "2016", "2016-02", "2016-02-29")]
    [True, True, True, True]
    >>> [is_incident_date(t) for t in ("99999", "2016-13", "2016-13-45", "2015-02-29")]
    [False, False, False, False]
    """
    if text == "":
        return True
    match = _DATE.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def text_limit(field: str) -> int:
    """The most characters ``field`` may hold.

    >>> text_limit("name"), text_limit("url")
    (300, 2000)
    """
    return TEXT_LIMITS[field]


def int_range(field: str) -> tuple[int, int]:
    """The least and most a whole number in ``field`` may be.

    >>> int_range("steps") == (1, 2**63 - 1)
    True
    """
    return INT_RANGES[field]


def limit_problems(record: Any) -> list[tuple[str, int | None, str]]:
    """Every field of ``record`` past its limit, as ``(field, position,
    message)`` (``position`` the entry of a list field, else None).

    >>> from taxonomy.domain.records import Tactic, Uses
    >>> limit_problems(Tactic("t", "x" * 301, order=2**64))
    [('name', None, 'name is 301 characters long, more than the 300 allowed'), ('order', None, 'order is a 65-bit number, past the largest allowed, 9223372036854775807')]
    >>> limit_problems(Uses("i", "t", steps=(1, 0)))
    [('steps', 1, 'steps[1] is 0, less than the least allowed, 1')]
    >>> limit_problems(Tactic("t", "T", version=2**64))
    [('version', None, 'version is a 65-bit number, past the 64 bits a whole number may have')]
    """
    problems = []
    for f in fields(record):
        value = getattr(record, f.name)
        many = isinstance(value, tuple | list)
        for position, entry in enumerate(value) if many else [(None, value)]:
            where = f.name if position is None else f"{f.name}[{position}]"
            message = _entry_problem(f.name, entry, where)
            if message:
                problems.append((f.name, position, message))
    return problems


def _entry_problem(field: str, value: Any, where: str) -> str | None:
    """What is wrong with one value of ``field`` against its limit, if anything."""
    if isinstance(value, str) and field in TEXT_LIMITS:
        most = TEXT_LIMITS[field]
        if len(value) > most:
            return f"{where} is {len(value):,} characters long, more than the {most:,} allowed"
        if field == "date" and not is_incident_date(value):
            return f"{where} {value!r} is not a real date (YYYY, YYYY-MM or YYYY-MM-DD)"
    if isinstance(value, int) and not isinstance(value, bool) and field in INT_RANGES:
        least, most = INT_RANGES[field]
        if value > most:
            if value.bit_length() > 64:
                shown = f"a {value.bit_length()}-bit number"
            else:
                shown = str(value)
            return f"{where} is {shown}, past the largest allowed, {most}"
        if value < least:
            shown = (
                str(value)
                if value.bit_length() <= 64
                else f"a {value.bit_length()}-bit negative number"
            )
            return f"{where} is {shown}, less than the least allowed, {least}"
    if isinstance(value, int) and not isinstance(value, bool):
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            return (
                f"{where} is a {value.bit_length()}-bit number, past the 64 bits "
                "a whole number may have"
            )
    return None
