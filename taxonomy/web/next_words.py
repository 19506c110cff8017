"""What to do next in words: the page's sentences on sets that do as well."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.template.defaultfilters import floatformat


@dataclass(frozen=True)
class EquallyGoodWords:
    """The paragraph under "Adopt these": a sentence, the rule, the sets named."""

    sentence: str
    rule: str
    sets: tuple[str, ...]


def equally_good_words(document: Mapping, *, weighted: bool) -> EquallyGoodWords | None:
    """Say whether other sets do exactly as well as the chosen one, how many,
    which, and why the page shows this one (None: nothing chosen, or unknown).

    ``weighted``: the threats count by demand, so "as many threats" would
    mislead; the sentence then speaks of their total weight.

    >>> doc = {"chosen": [{"id": "a"}, {"id": "b"}], "cost": 2.0,
    ...     "addressed_after": 7, "objective": 7, "count_introduced": False,
    ...     "assumptions": {"unit_costs": True},
    ...     "equally_good": {"count": 2, "exact": True, "sets": [
    ...         [{"id": "a", "name": "A"}, {"id": "c", "name": "C"}],
    ...         [{"id": "b", "name": "B"}, {"id": "c", "name": "C"}]]}}
    >>> words = equally_good_words(doc, weighted=False)
    >>> words.sentence
    '2 other sets of 2 mitigations do exactly as well: they address as many threats (7), cost the same (2) and introduce no more new threats.'
    >>> words.sets
    ('A, C', 'B, C')
    >>> doc["equally_good"] = {"count": 0, "exact": True, "sets": []}
    >>> equally_good_words(doc, weighted=False).sentence
    'No other set within this budget does as well: this one is the only best choice.'
    >>> doc["equally_good"] = {"count": 6, "exact": False, "sets": []}
    >>> doc["count_introduced"] = True
    >>> equally_good_words(doc, weighted=False).sentence[:96]
    'At least 6 other sets of 2 mitigations do exactly as well: they address as many threats once the'
    """
    found = document.get("equally_good")
    if found is None or not document["chosen"]:
        return None
    count = found["count"]
    if count == 0:
        if not found["exact"]:
            return None  # the time limit stopped the search before any was found
        return EquallyGoodWords(
            "No other set within this budget does as well: this one is the only "
            "best choice.",
            "",
            (),
        )
    one = count == 1
    they, does, address, costs, introduce = (
        ("it", "does", "addresses", "costs", "introduces")
        if one
        else ("they", "do", "address", "cost", "introduce")
    )
    size = len(document["chosen"])
    of = (
        f" of {size} mitigation{'' if size == 1 else 's'}"
        if document["assumptions"]["unit_costs"]
        else ""
    )
    if weighted:
        reach = (
            f"{they} {address} threats of the same total weight "
            f"({document['objective']}; each threat counts 1 plus the documented "
            "incidents that use it)"
        )
    elif document["count_introduced"]:
        reach = (
            f"{they} {address} as many threats once the new threats left open "
            f"count against {'it' if one else 'them'} ({document['objective']})"
        )
    else:
        reach = f"{they} {address} as many threats ({document['addressed_after']})"
    sentence = (
        f"{count if found['exact'] else f'At least {count}'} other "
        f"set{'' if one else 's'}{of} {does} exactly as well: {reach}, {costs} the "
        f"same ({floatformat(document['cost'], '-2')}) and {introduce} no more new "
        "threats."
    )
    rule = (
        "The numbers do not choose between "
        f"{'the two' if one else 'them'}: the set shown above is simply the first "
        "in alphabetical order."
    )
    sets = tuple(", ".join(m["name"] for m in members) for members in found["sets"])
    return EquallyGoodWords(sentence, rule, sets)


@dataclass(frozen=True)
class FrontierRow:
    """One step of the frontier as the table shows it: names, not ids."""

    budget: float
    addressed: int
    measures: str
    introduced: str
    current: bool


def by_name(entries: list[Mapping]) -> list[Mapping]:
    """Chosen mitigations (each with ``id`` and ``name``) in alphabetical order,
    the order the page's rule reads them in.

    >>> [m["id"] for m in by_name([{"id": "b", "name": "A"}, {"id": "a", "name": "B"}])]
    ['b', 'a']
    """
    return sorted(entries, key=lambda m: (m["name"], m["id"]))


def frontier_rows(document: Mapping, names: Mapping) -> list[FrontierRow]:
    """The frontier's steps with each set's and each introduced threat's names in
    alphabetical order, the step the budget falls in marked ``current``.

    >>> doc = {"frontier_step": 1, "frontier": [
    ...     {"budget": 0.0, "addressed": 2, "chosen": [], "introduced": []},
    ...     {"budget": 1.0, "addressed": 3, "chosen": ["z", "a"], "introduced": ["t"]}]}
    >>> names = {"mitigation": {"z": "Alpha", "a": "Beta"}, "threat": {"t": "T"}}
    >>> [(r.measures, r.introduced, r.current) for r in frontier_rows(doc, names)]
    [('', '', False), ('Alpha, Beta', 'T', True)]
    """
    rows = []
    for index, step in enumerate(document["frontier"]):
        measures = sorted(names["mitigation"].get(m, m) for m in step["chosen"])
        threats = sorted(names["threat"].get(t, t) for t in step["introduced"])
        rows.append(
            FrontierRow(
                step["budget"],
                step["addressed"],
                ", ".join(measures),
                ", ".join(threats),
                index == document["frontier_step"],
            )
        )
    return rows


def mobile_words(document: Mapping) -> str:
    """The sentence after a jurisdiction's headline on the mobile threats among
    those addressed there: their actors can act from another place, so
    addressing them in one place does not stop them ("" when none is mobile).

    >>> mobile_words({"addressed_after": 9, "mobile_addressed": ["a", "b", "c"]})
    'Of these 9, 3 are mobile threats: their actors can act from another place, so measures in one place alone do not stop them.'
    >>> mobile_words({"addressed_after": 9, "mobile_addressed": ["a"]})
    'Of these 9, 1 is a mobile threat: its actors can act from another place, so measures in one place alone do not stop it.'
    >>> mobile_words({"addressed_after": 9, "mobile_addressed": []})
    ''
    """
    count = len(document.get("mobile_addressed") or ())
    if not count:
        return ""
    of = f"Of these {document['addressed_after']}, {count}"
    if count == 1:
        return (
            f"{of} is a mobile threat: its actors can act from another place, so "
            "measures in one place alone do not stop it."
        )
    return (
        f"{of} are mobile threats: their actors can act from another place, so "
        "measures in one place alone do not stop them."
    )
