"""The Layerwise property extension: its schema, its definition and identity
objects, and an object's extension values as written and as read."""

from __future__ import annotations

from typing import Any

from taxonomy.formats.stix.vocabulary import (
    DEFINED,
    EXTENDED,
    EXTENSION_ID,
    IDENTITY_ID,
    SPEC_VERSION,
    stix_object,
)

EXTENSION_SCHEMA = """\
Layerwise governance properties, version 1.1.0 (property-extension).
A property whose value would be empty (an empty list or string, no year) is
left out: a missing property means the empty value.
On every object: taxonomy (string), the Layerwise taxonomy the object was
exported from; id (string), the object's id within it.
attack-pattern: maturity (string, the source taxonomy's vocabulary); mobile
(string: why its actors choose where to act; left out for a threat that is
not mobile); sources (list of source ids).
course-of-action: layer (string), the id of its governance layer: a layer id
of the same taxonomy (listed in the grouping) when layer_taxonomy equals
taxonomy, else the full id of another taxonomy's layer; layer_taxonomy
(string); maturity (one of proposed, pilot, deployed); cost (a positive
number in the editors' own units; left out when 1); everywhere (string: why
it is in force in every jurisdiction; left out for any other mitigation);
sources (list of source ids).
x-mitre-tactic: order (integer from 0, its column; the x-mitre-matrix lists
the tactics in this order too); sources (list of source ids);
x_mitre_shortname is left out when the tactic has none (its
kill_chain_phases then name it by its name in lowercase with hyphens).
incident, campaign, intrusion-set, malware: date (string: an ISO date,
year-month or year; first_seen holds its first day where the type has
first_seen); sources (list of source ids); the description is the summary.
location (a jurisdiction; its region or country says where, as far as
STIX's vocabularies can): kind (one of state, bloc, multilateral); weight (a
number, what the world view weighs it by; left out when not recorded);
sources (list of source ids).
relationship mitigates: strength (one of low, medium, high); sources (list
of source ids); the relationship's description is the rationale.
relationship uses (an incident to an attack-pattern): steps (list of step
numbers from 1, ascending), tactics (per step, the tactic's id or an empty
string), descriptions (per step); all left out for an incident without
steps, whose single description is the relationship's description.
grouping (context layerwise-taxonomy, one per bundle): layers (list of
{id, name, description}); sources (list of {id, name, description, authors,
title, year, publisher, url}); architectures (list of {id, name,
description, scenario: its parameters as a query string, sources, adopts:
list of {mitigation, jurisdictions: where, none for everywhere, rationale,
sources}}: the governance architectures, which STIX has no object for).
Relationship types besides mitigates and subtechnique-of: enables
(attack-pattern to attack-pattern: the source makes the target possible or
cheaper), requires (course-of-action to course-of-action), introduces
(course-of-action to attack-pattern: the mitigation creates the threat),
member-of (location to location: the member belongs to the bloc or
multilateral body; since, until, sources) and in-force-in (course-of-action
to location: maturity, one of proposed, pilot, deployed, the mitigation's
maturity there; since, until, sources). since and until are ISO dates: the
link holds from since (inclusive) to until (exclusive); the relationship's
description is the rationale.
"""


def present(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without the empty ones, which STIX forbids (lists) or which
    say nothing (empty strings, no year).

    >>> present({"maturity": "", "sources": [], "year": None, "layer": "hw"})
    {'layer': 'hw'}
    """
    return {k: v for k, v in values.items() if v not in ("", [], None)}


def layerwise_extensions(**values: Any) -> dict[str, Any]:
    """An object's ``extensions``: the Layerwise property extension's values,
    the empty ones left out."""
    return {EXTENSION_ID: {"extension_type": "property-extension", **present(values)}}


def identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": IDENTITY_ID,
        "created": DEFINED,
        "modified": DEFINED,
        "name": "Layerwise",
        "identity_class": "system",
    }


def extension_definition() -> dict[str, Any]:
    return stix_object(
        "extension-definition",
        EXTENSION_ID,
        DEFINED,
        EXTENDED,
        name="Layerwise governance properties",
        description=(
            "Governance layer, link strength, maturity, the steps of an "
            "incident's uses, where measures are in force, and the Layerwise "
            "ids of threats (attack-pattern), mitigations (course-of-action), "
            "tactics, incidents and jurisdictions (location)."
        ),
        schema=EXTENSION_SCHEMA,
        version="1.1.0",
        extension_types=["property-extension"],
    )


def extension_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    extensions = obj.get("extensions")
    ext = extensions.get(EXTENSION_ID) if isinstance(extensions, dict) else None
    return ext if isinstance(ext, dict) else None
