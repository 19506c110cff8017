"""The history's rows in words: one sentence per change, with names instead of ids.

Pure helpers (no Django): the template filter ``entry_words`` turns their
parts into HTML, linking each part that names an item still in the taxonomy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taxonomy.domain.kinds import (
    KINDS,
    LINK_KINDS,
    MAPS_TO,
    NODE_KINDS,
    split_link_key,
)

# A field's value is quoted in the sentence only when it is this short (a
# maturity, a strength, a year); long texts are named, and the table shows them.
SHORT_VALUE = 40


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a sentence; ``kind`` and ``key`` when it names an item."""

    text: str
    kind: str = ""
    key: str = ""


def item_name(kind: str, key: str, names: Mapping[str, Mapping[str, str]], *recorded):
    """An item's name: the taxonomy's now, else one the change recorded, else its id.

    >>> item_name("threat", "t", {"threat": {"t": "Phish"}})
    'Phish'
    >>> item_name("threat", "t", {}, None, {"name": "Old name"}), item_name("threat", "t", {})
    ('Old name', 't')
    """
    if key in names.get(kind, {}):
        return names[kind][key]
    for values in recorded:
        if values and values.get("name"):
            return values["name"]
    return key


def _named(kind: str, key: str, names, *recorded) -> Part:
    """A part naming an item, linked only while the taxonomy holds it."""
    text = item_name(kind, key, names, *recorded)
    return Part(text, kind, key) if key in names.get(kind, {}) else Part(text)


def _value(field: str, value: Any, names) -> str | None:
    """A field's value as a sentence quotes it, or None when it is too long to."""
    if field == "layer" and value in names.get("layer", {}):
        return names["layer"][value]
    if value is None or value == "" or value == []:
        return "nothing"
    if isinstance(value, list | tuple):
        value = ", ".join(map(str, value))
    text = str(value)
    return text if len(text) <= SHORT_VALUE and "\n" not in text else None


def field_phrase(
    field: str, before: Any, after: Any, names, with_values: bool = True
) -> str:
    """One changed field in words: ``maturity from pilot to deployed``.

    >>> field_phrase("maturity", "pilot", "deployed", {})
    'maturity from pilot to deployed'
    >>> field_phrase("description", "a" * 50, "b", {}), field_phrase("year", 1, 2, {}, False)
    ('description', 'year')
    """
    label = field.replace("_", " ")
    if not with_values:
        return label
    old, new = _value(field, before, names), _value(field, after, names)
    if old is None or new is None:
        return label
    return f"{label} from {old} to {new}"


def _joined(phrases: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> _joined(["a"]), _joined(["a", "b", "c"])
    ('a', 'a, b and c')
    """
    return (
        phrases[0]
        if len(phrases) == 1
        else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    )


def _changed_fields(before, after) -> list[tuple[str, Any, Any]]:
    before, after = before or {}, after or {}
    return [
        (name, before.get(name), after.get(name))
        for name in list(after) + [k for k in before if k not in after]
        if name != "version" and before.get(name) != after.get(name)
    ]


def _link_parts(kind: str, key: str, values, names, with_values: bool) -> list[Part]:
    """``<source> <words> <target>`` of a link, with its strength when it has one."""
    spec = LINK_KINDS[kind]
    source, target = split_link_key(key)
    parts = [
        _named(spec.source, source, names),
        Part(f" {spec.words} "),
        _named(spec.target, target, names),
    ]
    if with_values and values and values.get("strength"):
        parts.append(Part(f" ({values['strength']})"))
    return parts


# What a judge did to a judgement (taxonomy.judgements), by the entry's action.
JUDGEMENT_VERBS = {"create": "gave", "update": "changed", "delete": "withdrew"}


def _judgement_parts(action: str, key: str, values, names, with_values) -> list[Part]:
    """``<judge> gave a judgement of <mitigation> against <threat> (high)``.

    >>> names = {"mitigation": {"m": "M"}, "threat": {"t": "T"}}
    >>> "".join(p.text for p in _judgement_parts("create", "m->t",
    ...     {"judge": "Ada", "strength": "high"}, names, True))
    'Ada gave a judgement of M against T (high)'
    >>> "".join(p.text for p in _judgement_parts("delete", "m->t",
    ...     {"judge": "Ada", "strength": "high"}, names, False))
    'A judge withdrew a judgement of M against T'
    >>> names["round"] = {"r": "Guardrails 2027"}
    >>> "".join(p.text for p in _judgement_parts("create", "m->t",
    ...     {"judge": "Ada", "strength": "low", "round": "r", "phase": 2}, names, True))
    'Ada gave a judgement of M against T in phase 2 of the round Guardrails 2027 (low)'
    >>> "".join(p.text for p in _judgement_parts("create", "m->t",
    ...     {"judge": "Ada", "strength": "low", "round": "gone"}, names, True))
    'Ada gave a judgement of M against T in the round gone (low)'
    """
    mitigation, threat = split_link_key(key)
    judge = (values or {}).get("judge") if with_values else None
    parts = [
        Part(f"{judge or 'A judge'} "),
        Part(f"{JUDGEMENT_VERBS.get(action, action)} a judgement of "),
        _named("mitigation", mitigation, names),
        Part(" against "),
        _named("threat", threat, names),
    ]
    # A revision is an entry of its own beside the phase-1 answer it revises.
    # The round is named by its title, linked, while it is recorded.
    if with_values and values and values.get("round"):
        phase = (
            " in phase 2 of the round "
            if values.get("phase") == 2
            else " in the round "
        )
        parts += [Part(phase), _named("round", values["round"], names)]
    if with_values and values and values.get("strength"):
        parts.append(Part(f" ({values['strength']})"))
    return parts


# What a round's step to a phase means, by the phase it moved to.
ROUND_STEPS = {
    "revising": "Began phase 2 of the round {}: its judges see the answers "
    "and may revise theirs",
    "closed": "Closed the round {}: its judgements are public and count in the panels",
}


def _round_parts(
    action: str, key: str, before, after, names, with_values
) -> list[Part]:
    """An elicitation round opened or moved on (``taxonomy.rounds``), named by
    its title and linked to its page while it is recorded.

    >>> names = {"round": {"g27": "Guardrails 2027"}}
    >>> opened = {"title": "Guardrails 2027", "phase": "open", "closes_on": "2027-01-31",
    ...     "links": [["m", "t"], ["m", "u"]], "judges": ["Ada", "Bob"]}
    >>> def said(action, before, after, values=True):
    ...     return "".join(p.text for p in _round_parts(action, "g27", before, after,
    ...         names, values))
    >>> said("create", None, opened)
    'Opened the round Guardrails 2027 on 2 links for 2 judges; phase 1 ends on 2027-01-31'
    >>> said("create", None, opened, values=False)
    'Opened the round Guardrails 2027'
    >>> said("update", opened, {**opened, "phase": "revising"})
    'Began phase 2 of the round Guardrails 2027: its judges see the answers and may revise theirs'
    >>> said("update", opened, {**opened, "phase": "closed"}, values=False)
    'Closed the round Guardrails 2027: its judgements are public and count in the panels'
    """
    values = after or before or {}
    title = _named("round", key, names, {"name": values.get("title")})
    if action == "create":
        parts = [Part("Opened the round "), title]
        if with_values and values.get("links"):
            links, judges = len(values["links"]), len(values.get("judges", ()))
            parts.append(
                Part(
                    f" on {links} link{'s' * (links != 1)} for {judges} "
                    f"judge{'s' * (judges != 1)}; phase 1 ends on {values['closes_on']}"
                )
            )
        return parts
    step = ROUND_STEPS.get((after or {}).get("phase", ""))
    if action == "update" and step and (before or {}).get("phase") != after["phase"]:
        head, tail = step.split("{}")
        return [Part(head), title, Part(tail)]
    verb = "Deleted" if action == "delete" else "Changed"
    return [Part(f"{verb} the round "), title]


def _judge_parts(
    action: str, key: str, before, after, names, with_values
) -> list[Part]:
    """A judge recorded (``taxonomy.judgements``): an editor's account or a
    named expert, with their affiliation.

    >>> "".join(p.text for p in _judge_parts("create", "Ada", None,
    ...     {"name": "Ada", "affiliation": "CSET", "account": ""}, {}, True))
    'Recorded the judge Ada (CSET)'
    >>> "".join(p.text for p in _judge_parts("create", "carol", None,
    ...     {"name": "carol", "affiliation": "", "account": "carol"}, {}, True))
    "Recorded the judge carol (the editor's own account)"
    """
    values = (after or before or {}) if with_values else {}
    verb = {"create": "Recorded", "delete": "Removed"}.get(action, "Changed")
    said = [
        values.get("affiliation", ""),
        "the editor's own account" if values.get("account") else "",
    ]
    said = [s for s in said if s]
    return [Part(f"{verb} the judge {key}" + (f" ({'; '.join(said)})" if said else ""))]


def _mapping_set_parts(action, key, before, after, names, with_values) -> list[Part]:
    """A crosswalk's mapping set written whole (``taxonomy.services.mappings``).

    >>> s = {"mapping_set_title": "ATLAS to Layerwise", "rows": 12}
    >>> def said(action, before, after):
    ...     return "".join(p.text for p in _mapping_set_parts(action, "x", before, after,
    ...         {}, True))
    >>> said("create", None, s)
    'Added the mapping set ATLAS to Layerwise (12 mappings)'
    >>> said("update", s, {**s, "rows": 13})
    'Changed the mapping set ATLAS to Layerwise: its rows from 12 to 13'
    """
    values = after or before or {}
    name = values.get("mapping_set_title") or key
    if action in ("create", "delete"):
        rows = values.get("rows")
        count = f" ({rows} mapping{'s' * (rows != 1)})" if with_values and rows else ""
        verb = "Added" if action == "create" else "Deleted"
        return [Part(f"{verb} the mapping set {name}{count}")]
    return [
        _changed(f"Changed the mapping set {name}", before, after, names, with_values)
    ]


def _mapping_parts(action, key, before, after, names, with_values) -> list[Part]:
    """One mapping of a crosswalk: ``subject predicate object`` in its set.

    >>> row = {"subject_id": "a:x", "predicate_id": "skos:exactMatch",
    ...     "object_id": "lw:t", "confidence": 0.8, "mapping_set_id": "s"}
    >>> def said(action, before, after, values=True):
    ...     return "".join(p.text for p in _mapping_parts(action, "a:x->lw:t", before,
    ...         after, {}, values))
    >>> said("create", None, row)
    'Added the mapping a:x skos:exactMatch lw:t to the mapping set s'
    >>> said("update", row, {**row, "confidence": 0.9})
    'Changed the mapping a:x skos:exactMatch lw:t in the mapping set s: its confidence from 0.8 to 0.9'
    """
    values = after or before or {}
    subject, _, target = key.partition("->")
    mapping = f"{subject} {values.get('predicate_id', 'maps to')} {target}"
    where = values.get("mapping_set_id", "")
    if action == "create":
        return [Part(f"Added the mapping {mapping} to the mapping set {where}")]
    if action == "delete":
        return [Part(f"Removed the mapping {mapping} from the mapping set {where}")]
    head = f"Changed the mapping {mapping} in the mapping set {where}"
    return [_changed(head, before, after, names, with_values)]


def _changed(head: str, before, after, names, with_values: bool) -> Part:
    """``head``, then ``: its <field> from <old> to <new> and ...`` when a
    field changed."""
    changed = [
        field_phrase(f, old, new, names, with_values)
        for f, old, new in _changed_fields(before, after)
    ]
    return Part(head + (f": its {_joined(changed)}" if changed else ""))


# The sentences of the records kept beside the taxonomy (Django's tables and
# the crosswalks), by the audit entry's kind.
RECORD_PARTS = {
    "round": _round_parts,
    "judge": _judge_parts,
    "mapping_set": _mapping_set_parts,
    MAPS_TO.name: _mapping_parts,
}


def entry_parts(
    *,
    action: str,
    kind: str,
    key: str,
    before: Mapping | None,
    after: Mapping | None,
    names: Mapping[str, Mapping[str, str]],
    with_values: bool = True,
) -> list[Part]:
    """One audit entry as a sentence in parts; ``with_values`` False leaves out
    what the change's values say (for readers who may not see them).

    ``names`` (kind -> id -> name) holds the items the taxonomies hold now.

    >>> names = {"mitigation": {"io": "I/O guardrails"}, "threat": {"sa": "Shadow AI"}}
    >>> def said(**entry):
    ...     return "".join(p.text for p in entry_parts(names=names, **entry))
    >>> said(action="create", kind="mitigates", key="io->sa", before=None,
    ...      after={"strength": "low"})
    'Added the link: I/O guardrails mitigates Shadow AI (low)'
    >>> said(action="update", kind="mitigation", key="io",
    ...      before={"maturity": "pilot"}, after={"maturity": "deployed"})
    "Changed I/O guardrails' maturity from pilot to deployed"
    >>> said(action="delete", kind="threat", key="gone", before={"name": "Gone"},
    ...      after=None)
    'Deleted the threat Gone'
    """
    if kind == "judgement":
        return _judgement_parts(action, key, after or before, names, with_values)
    if kind in RECORD_PARTS:
        return RECORD_PARTS[kind](action, key, before, after, names, with_values)
    if kind not in KINDS:
        return [Part(f"{action} {kind} {key}")]
    if kind in LINK_KINDS:
        values = after or before
        ends = _link_parts(kind, key, values, names, with_values)
        if action == "create":
            return [Part("Added the link: "), *ends]
        if action == "delete":
            return [Part("Removed the link: "), *ends]
        changed = [
            field_phrase(f, old, new, names, with_values)
            for f, old, new in _changed_fields(before, after)
        ]
        return [
            Part("Changed the link "),
            *_link_parts(kind, key, None, names, False),
            Part(f": its {_joined(changed)}" if changed else ""),
        ]
    title = NODE_KINDS[kind].title.lower()
    item = _named(kind, key, names, after, before)
    if action == "create":
        return [Part(f"Added the {title} "), item]
    if action == "delete":
        return [Part(f"Deleted the {title} "), item]
    changed = [
        field_phrase(f, old, new, names, with_values)
        for f, old, new in _changed_fields(before, after)
    ]
    if not changed:
        return [Part(f"Saved the {title} "), item, Part(" unchanged")]
    possessive = "'" if item.text.endswith("s") else "'s"
    return [Part("Changed "), item, Part(f"{possessive} {_joined(changed)}")]
