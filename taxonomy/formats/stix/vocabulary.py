"""STIX 2.1 as Layerwise writes and reads it: the spec version, the ids it
derives (its identity, its extension, every object's), the incident types,
the kill chains, the times, and the properties every object it makes starts
with."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from taxonomy.formats.navigator import navigator_domain

SPEC_VERSION = "2.1"


NAMESPACE = uuid.UUID("af16676e-13d1-44f4-bccb-675b953fe0ec")


EXTENSION_ID = (
    f"extension-definition--{uuid.uuid5(NAMESPACE, 'layerwise-governance/1')}"
)


IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'layerwise')}"


GROUPING_CONTEXT = "layerwise-taxonomy"


# STIX object type -> the kind of incident it imports as, and each kind's type
# on export.
INCIDENT_TYPES = {
    "incident": "case-study",
    "campaign": "campaign",
    "intrusion-set": "group",
    "malware": "software",
    "tool": "software",
}


INCIDENT_EXPORT = {
    "case-study": "incident",
    "campaign": "campaign",
    "group": "intrusion-set",
    "software": "malware",
}


# When an item the audit journal has no creation of was made: not known, so
# the start of the Unix epoch, the same in every export. When the Layerwise
# identity and its extension definition (version 1.0.0) were defined, and
# when version 1.1.0 added jurisdictions and governance architectures (issue 25).
UNRECORDED = "1970-01-01T00:00:00.000Z"


DEFINED = "2026-12-01T00:00:00.000Z"


EXTENDED = "2026-12-07T00:00:00.000Z"


# The kill chain of each Navigator domain, as ATT&CK's and ATLAS's own
# bundles name it (mitreattack-python finds a domain's techniques by it).
KILL_CHAINS = {
    "enterprise-attack": "mitre-attack",
    "ics-attack": "mitre-ics-attack",
    "mobile-attack": "mitre-mobile-attack",
    "atlas-atlas": "mitre-atlas",
}


# (journal kind, key) -> (created, modified), ISO text (``journal_times``).
Times = Mapping[tuple[str, str], tuple[str, str]]


def stix_time(moment: str | datetime) -> str:
    """A time as STIX writes it: UTC, to the millisecond, with ``Z``.

    >>> stix_time("2026-12-06T22:55:48.123456+00:00")
    '2026-12-06T22:55:48.123Z'
    """
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def stix_id_of(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, key)}"


def kill_chain_name(name: str) -> str:
    """The kill chain a taxonomy's phases belong to: the one ATT&CK's and
    ATLAS's own bundles name for the taxonomy's Navigator domain.

    >>> kill_chain_name("atlas"), kill_chain_name("attack-ics")
    ('mitre-atlas', 'mitre-ics-attack')
    """
    return KILL_CHAINS.get(navigator_domain(name), "mitre-attack")


def made_here(obj: dict[str, Any]) -> bool:
    """Whether Layerwise wrote the object (its shape is the export's own)."""
    return obj.get("created_by_ref") == IDENTITY_ID


def stix_object(
    kind: str, stix_id: str, created: str, modified: str, **properties: Any
) -> dict[str, Any]:
    """The properties every object Layerwise creates starts with."""
    return {
        "type": kind,
        "spec_version": SPEC_VERSION,
        "id": stix_id,
        "created_by_ref": IDENTITY_ID,
        "created": created,
        "modified": modified,
        **properties,
    }
