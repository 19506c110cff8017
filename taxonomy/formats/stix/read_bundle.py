"""A STIX bundle read one object at a time: each object checked, and what
the import keeps of it sorted by what it becomes."""

from __future__ import annotations

import codecs
import re
from typing import IO, Any, NamedTuple

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS, LinkKind, NodeKind
from taxonomy.domain.rules import MAX_SHOWN, shown
from taxonomy.formats.common import ImportReport
from taxonomy.formats.jsonstream import StreamError, array_items
from taxonomy.formats.stix.extension import extension_of
from taxonomy.formats.stix.vocabulary import (
    EXTENSION_ID,
    GROUPING_CONTEXT,
    IDENTITY_ID,
    INCIDENT_TYPES,
    SPEC_VERSION,
    made_here,
)

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)


# STIX object type -> the node kind it becomes
NODE_TYPES: dict[str, NodeKind] = {
    **{kind.stix_type: kind for kind in NODE_KINDS.values() if kind.stix_type},
    **{stix_type: NODE_KINDS["incident"] for stix_type in INCIDENT_TYPES},
}


# relationship type -> the link kind it becomes
RELATIONSHIPS: dict[str, LinkKind] = {
    kind.stix_type: kind for kind in LINK_KINDS.values() if kind.stix_type
}


_REQUIRED = {
    **{stix_type: ("name",) for stix_type in NODE_TYPES},
    "relationship": ("relationship_type", "source_ref", "target_ref"),
}


class Rel(NamedTuple):
    """What the import keeps of a relationship (there may be 200k of them)."""

    id: str
    type: str
    source: str
    target: str
    description: str
    skipped: str | None
    modified: str
    strength: str | None
    sources: list[str] | None  # the Layerwise extension's source ids
    refs: list[dict[str, Any]] | None  # external references
    steps: dict[str, Any] | None  # the extension's steps, tactics, descriptions
    bound: dict[str, Any] | None  # the extension's maturity, since, until
    original: dict[str, Any] | None  # the object, unless Layerwise wrote it


def stream_of(data: str | bytes | IO) -> str | bytes | IO:
    """The bundle as ``array_items`` reads it, without a UTF-8 byte order mark."""
    if isinstance(data, bytes | bytearray):
        return data[3:] if data[:3] == codecs.BOM_UTF8 else data
    if isinstance(data, str) or not hasattr(data, "peek"):
        return data
    if data.peek(3)[:3] == codecs.BOM_UTF8:
        data.read(3)
    return data


def object_label(index: int, obj: Any) -> str:
    if not isinstance(obj, dict):
        return f"objects[{index}]"
    what = obj.get("id") or f"objects[{index}]"
    what = what if isinstance(what, str) and len(what) <= MAX_SHOWN else shown(what)
    name = obj.get("name")
    return f"{what} ({shown(name)})" if name else what


def _object_problems(index: int, obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return [f"objects[{index}]: not a JSON object"]
    kind, stix_id = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or not kind:
        return [f"{object_label(index, obj)}: no type"]
    if not isinstance(stix_id, str) or not stix_id:
        return [f"{object_label(index, obj)} ({kind}): no id"]
    if not (
        stix_id.startswith(kind)
        and stix_id[len(kind) : len(kind) + 2] == "--"
        and _UUID.match(stix_id, len(kind) + 2)
    ):
        return [f"{object_label(index, obj)}: id is not '{kind}--<uuid>'"]
    if kind not in _REQUIRED or not _imported_type(obj):
        return []
    version = obj.get("spec_version")
    if version != SPEC_VERSION:
        shown = "none" if version is None else repr(version)
        return [
            f"{object_label(index, obj)}: spec_version {shown}; STIX 2.1 objects need '2.1'"
        ]
    problems = []
    for key in _REQUIRED[kind]:
        value = obj.get(key)
        if not value or not isinstance(value, str):
            problems.append(f"{object_label(index, obj)}: no {key}")
    return problems


def is_skipped(obj: dict[str, Any]) -> str | None:
    if obj.get("revoked") is True:
        return "revoked"
    if obj.get("x_mitre_deprecated") is True:
        return "deprecated"
    return None


def _slim(obj: dict[str, Any]) -> Rel:
    ext = extension_of(obj) or {}
    refs = obj.get("external_references")
    return Rel(
        obj["id"],
        obj["relationship_type"],
        obj["source_ref"],
        obj["target_ref"],
        str(obj.get("description") or "").strip(),
        is_skipped(obj),
        str(obj.get("modified", "")),
        ext.get("strength"),
        ext.get("sources") if ext else None,
        refs if isinstance(refs, list) and refs else None,
        {k: ext[k] for k in _STEP_FIELDS if k in ext} or None,
        {k: ext[k] for k in _BOUND_FIELDS if k in ext} or None,
        None if made_here(obj) else obj,
    )


# The objects an imported object may refer to that are kept with it.
_DEFINITION_TYPES = ("marking-definition", "identity")


DEFINITION_REFS = ("created_by_ref", "object_marking_refs")


_STEP_FIELDS = ("steps", "tactics", "descriptions")


_BOUND_FIELDS = ("maturity", "since", "until")


# The node type that is one of the project's only when Layerwise's extension
# says what it is: a location says where, not what binds there.
_EXTENDED_ONLY = ("location",)


def _imported_type(obj: dict[str, Any]) -> bool:
    """Whether an object of a node type becomes a node."""
    return obj["type"] not in _EXTENDED_ONLY or extension_of(obj) is not None


class BundleRead:
    """Everything the import keeps of a bundle, read one object at a time."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.header: dict[str, Any] = {}
        self.nodes: dict[str, dict[str, Any]] = {}  # objects of the NODE_TYPES
        self.rels: dict[str, Rel] = {}
        self.other: dict[str, str] = {}  # id -> type of every object not imported
        self.grouping: dict[str, Any] | None = None
        self.collections: list[str] = []
        self.tactic_refs: list[str] = []  # the matrices' tactics, in order
        self.matrices: list[dict[str, Any]] = []
        self.definitions: dict[str, dict[str, Any]] = {}
        self.seen: set[str] = set()
        self.problems: list[str] = []

    def add(self, index: int, obj: Any) -> None:
        found = _object_problems(index, obj)
        if found:
            self.problems += found
            return
        kind, stix_id = obj["type"], obj["id"]
        if stix_id in self.seen:
            self.problems.append(
                f"{object_label(index, obj)}: listed more than once (an object id is "
                "one object; a bundle holds one version of it)"
            )
            return
        self.seen.add(stix_id)
        if kind == "relationship":
            self.rels[stix_id] = _slim(obj)
        elif kind in NODE_TYPES and _imported_type(obj):
            self.nodes[stix_id] = obj
        elif (
            kind == "grouping"
            and obj.get("context") == GROUPING_CONTEXT
            and extension_of(obj)
        ):
            self.grouping = obj
        elif kind == "x-mitre-matrix" and isinstance(obj.get("tactic_refs"), list):
            self.tactic_refs += [str(ref) for ref in obj["tactic_refs"]]
            if not made_here(obj):
                self.matrices.append(obj)
        elif stix_id not in (IDENTITY_ID, EXTENSION_ID):
            self.other[stix_id] = kind
            if kind in _DEFINITION_TYPES:
                self.definitions[stix_id] = obj
            if kind == "x-mitre-collection" and obj.get("name"):
                self.collections.append(str(obj["name"]))


def read_bundle(source: str | bytes | IO, report: ImportReport) -> BundleRead:
    read = BundleRead(report)
    try:
        for index, obj in enumerate(array_items(source, "objects", read.header)):
            read.add(index, obj)
    except StreamError as e:
        raise InterchangeError([f"STIX bundle: {e}"]) from e
    header = read.header
    if header.get("type") != "bundle":
        raise InterchangeError(
            ["STIX bundle: the top level must be an object of type 'bundle'"]
        )
    if not isinstance(header.get("id"), str) or not header["id"].startswith("bundle--"):
        raise InterchangeError(["STIX bundle: no bundle id ('bundle--<uuid>')"])
    if "spec_version" in header and header["spec_version"] != SPEC_VERSION:
        raise InterchangeError(
            [
                f"STIX bundle: spec_version {shown(header['spec_version'])}; only STIX 2.1 is supported"
            ]
        )
    if header.get("objects") is not True:
        raise InterchangeError(["STIX bundle: no 'objects' list"])
    if read.problems:
        raise InterchangeError(read.problems)
    return read
