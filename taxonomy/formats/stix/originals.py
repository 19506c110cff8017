"""What an object imported from a bundle Layerwise did not write keeps (its
record's ``stix``), so that an export writes it back out unchanged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from typing import Any

from taxonomy.formats.stix.vocabulary import EXTENSION_ID, INCIDENT_TYPES


def record_digest(record: Any) -> str:
    """What an item says (every field but its version and its ``stix``), as a
    short digest: an imported object keeps the one it had when imported, so
    an export tells whether the item changed since.

    >>> from taxonomy.domain.records import Threat
    >>> record_digest(Threat("t1", "T")) == record_digest(Threat("t1", "T", version=4))
    True
    """
    values = {
        f.name: getattr(record, f.name)
        for f in fields(record)
        if f.name not in ("version", "stix")
    }
    text = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def original_properties(
    obj: dict[str, Any],
    record: Any,
    *,
    sources: list[str | None],
    definitions: list[dict[str, Any]] = (),  # type: ignore[assignment]
    matrices: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> str:
    """What an imported object keeps, as its record's ``stix`` (JSON text): the
    object without the Layerwise extension, the digest of the record it
    became, the source id each external reference became (None for none),
    the definitions it refers to and (a tactic) the matrices that list it,
    without their ``tactic_refs``."""
    obj = dict(obj)
    extensions = {
        k: v for k, v in (obj.get("extensions") or {}).items() if k != EXTENSION_ID
    }
    if extensions:
        obj["extensions"] = extensions
    else:
        obj.pop("extensions", None)
    kept: dict[str, Any] = {
        "object": obj,
        "digest": record_digest(record),
        "sources": sources,
    }
    if definitions:
        kept["definitions"] = list(definitions)
    if matrices:
        kept["matrices"] = [
            {k: v for k, v in m.items() if k != "tactic_refs"} for m in matrices
        ]
    return json.dumps(kept, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# The STIX types an imported original of each kind may have.
_ORIGINAL_TYPES = {
    "threat": ("attack-pattern",),
    "mitigation": ("course-of-action",),
    "tactic": ("x-mitre-tactic",),
    "incident": tuple(INCIDENT_TYPES),
    "mitigates": ("relationship",),
    "uses": ("relationship",),
}


def kept_original(kind: str, text: str) -> dict[str, Any] | None:
    """The original an item's ``stix`` holds, or None when it holds none or
    not one of the shape ``original_properties`` writes (the canonical
    document lets an editor write any text there): such an item is written
    as Layerwise makes it.

    >>> kept_original("threat", "") is None, kept_original("threat", "{") is None
    (True, True)
    >>> kept_original("threat", '{"object": {"type": "tool", "id": "tool--1"}, "digest": ""}')
    """
    try:
        found = json.loads(text) if text else None
    except ValueError:
        return None
    obj = found.get("object") if isinstance(found, dict) else None
    if not (
        isinstance(obj, dict)
        and obj.get("type") in _ORIGINAL_TYPES.get(kind, ())
        and isinstance(obj.get("id"), str)
        and obj["id"].startswith(f"{obj['type']}--")
        and isinstance(found.get("digest"), str)
        and isinstance(found.get("sources", []), list)
        and all(
            isinstance(item, dict) and isinstance(item.get("id"), str)
            for key in ("definitions", "matrices")
            for item in _listed(found.get(key, []))
        )
    ):
        return None
    return found


def _listed(value: Any) -> list[Any]:
    """``value`` if a list, else a list of one thing no list holds."""
    return value if isinstance(value, list) else [None]
