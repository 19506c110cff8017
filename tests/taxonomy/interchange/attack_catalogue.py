"""Small ATT&CK catalogues in the shape MITRE publishes them (attack-stix-data,
STIX 2.1): the copyright marking and MITRE's identity, tactics in a matrix,
techniques and a sub-technique with their domain's kill chain, a group with
aliases, malware and a tool, mitigations, ``uses`` and ``mitigates`` links
that cite sources, ``x_mitre_*`` properties on everything. Built here, so
the tests need no download."""

from __future__ import annotations

import copy
import uuid
from typing import Any

MITRE = "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5"
MARKING = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"
CREATED = "2017-05-31T21:30:00.000Z"
# Per domain: its kill chain, its matrix's external id, and per tactic
# (ATT&CK id, name, shortname) the techniques in it (ATT&CK id, name).
DOMAINS: dict[str, dict[str, Any]] = {
    "ics-attack": {
        "chain": "mitre-ics-attack",
        "matrix": ("ics-attack", "ATT&CK for ICS"),
        "tactics": [
            (
                ("TA0108", "Initial Access", "initial-access-ics"),
                [("T0817", "Drive-by Compromise"), ("T0865", "Spearphishing")],
            ),
            (
                ("TA0107", "Inhibit Response Function", "inhibit-response-function"),
                [("T0800", "Activate Firmware Update Mode"), ("T0816", "Restart")],
            ),
        ],
        "subtechnique": None,
        "mitigations": [("M0801", "Access Management"), ("M0917", "User Training")],
        "group": ("G1000", "ALLANITE", ["ALLANITE", "Palmetto Fusion"]),
        "malware": ("S0093", "Backdoor.Oldrea"),
        "tool": ("S0039", "Net"),
    },
    "mobile-attack": {
        "chain": "mitre-mobile-attack",
        "matrix": ("mobile-attack", "Mobile ATT&CK"),
        "tactics": [
            (
                ("TA0027", "Initial Access", "initial-access"),
                [("T1456", "Drive-By Compromise"), ("T1660", "Phishing")],
            ),
            (
                ("TA0041", "Execution", "execution"),
                [("T1603", "Scheduled Task/Job"), ("T1623", "Command Interpreter")],
            ),
        ],
        "subtechnique": ("T1623.001", "Unix Shell", "T1623"),
        "mitigations": [("M1001", "Security Updates"), ("M1011", "User Guidance")],
        "group": ("G0097", "Bouncing Golf", ["Bouncing Golf"]),
        "malware": ("S0405", "Exodus"),
        "tool": ("S0505", "Desert Scorpion"),
    },
}


def _id(kind: str, domain: str, key: str) -> str:
    """A UUIDv4 id, as MITRE's, fixed for the tests (from a hash of ``key``)."""
    raw = bytearray(uuid.uuid5(uuid.NAMESPACE_URL, f"{domain}/{key}").bytes)
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return f"{kind}--{uuid.UUID(bytes=bytes(raw))}"


def _common(domain: str, version: str = "1.1") -> dict[str, Any]:
    return {
        "spec_version": "2.1",
        "created": CREATED,
        "modified": "2023-10-13T17:56:35.418Z",
        "created_by_ref": MITRE,
        "object_marking_refs": [MARKING],
        "x_mitre_version": version,
        "x_mitre_attack_spec_version": "3.2.0",
        "x_mitre_modified_by_ref": MITRE,
        "x_mitre_domains": [domain],
    }


def _sdo(
    kind: str, domain: str, attack_id: str, name: str, path: str, **more: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": _id(kind, domain, attack_id),
        **_common(domain),
        "name": name,
        "description": f"{name}: what ATT&CK says of it.",
        "external_references": [
            {
                "source_name": "mitre-attack",
                "url": f"https://attack.mitre.org/{path}/{attack_id.replace('.', '/')}",
                "external_id": attack_id,
            },
            *more.pop("refs", []),
        ],
        **more,
    }


def _citation(name: str) -> dict[str, str]:
    return {
        "source_name": name,
        "url": f"https://example.org/reports/{name.lower().replace(' ', '-')}",
        "description": f"{name}. (2020). A report.",
    }


def _relationship(
    domain: str, kind: str, source: str, target: str, cite: str | None
) -> dict[str, Any]:
    out = {
        "type": "relationship",
        "id": _id("relationship", domain, f"{kind}:{source}->{target}"),
        **_common(domain, "0.1"),
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
    }
    del out["x_mitre_version"]
    if cite:
        out["description"] = f"It does so.(Citation: {cite})"
        out["external_references"] = [_citation(cite)]
    return out


def attack_catalogue(domain: str) -> dict[str, Any]:
    """A bundle of ``domain`` (``ics-attack`` or ``mobile-attack``) as MITRE
    publishes it, as a dict (a fresh copy on every call)."""
    spec = DOMAINS[domain]
    chain = spec["chain"]
    marking = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": MARKING,
        "created": "2017-06-01T00:00:00.000Z",
        "created_by_ref": MITRE,
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2015-2024, The MITRE Corporation."},
        "x_mitre_attack_spec_version": "2.1.0",
        "x_mitre_domains": [domain],
    }
    identity = {
        "type": "identity",
        "id": MITRE,
        **_common(domain, "1.0"),
        "name": "The MITRE Corporation",
        "identity_class": "organization",
    }
    del identity["created_by_ref"], identity["x_mitre_modified_by_ref"]
    objects: list[dict[str, Any]] = [marking, identity]
    tactics, techniques = [], []
    for (tactic_id, tactic_name, shortname), members in spec["tactics"]:
        tactics.append(
            _sdo(
                "x-mitre-tactic",
                domain,
                tactic_id,
                tactic_name,
                "tactics",
                x_mitre_shortname=shortname,
            )
        )
        for technique_id, technique_name in members:
            techniques.append(
                _sdo(
                    "attack-pattern",
                    domain,
                    technique_id,
                    technique_name,
                    "techniques",
                    kill_chain_phases=[
                        {"kill_chain_name": chain, "phase_name": shortname}
                    ],
                    x_mitre_is_subtechnique=False,
                    x_mitre_platforms=["Android", "iOS", "Windows"],
                    x_mitre_detection="Watch for it.",
                    refs=[_citation(f"{technique_name} Report")],
                )
            )
    matrix_id, matrix_name = spec["matrix"]
    matrix = _sdo(
        "x-mitre-matrix",
        domain,
        matrix_id,
        matrix_name,
        "matrices",
        tactic_refs=[t["id"] for t in tactics],
    )
    relationships = []
    if spec["subtechnique"]:
        sub_id, sub_name, parent_id = spec["subtechnique"]
        parent = next(
            t
            for t in techniques
            if t["external_references"][0]["external_id"] == parent_id
        )
        sub = _sdo(
            "attack-pattern",
            domain,
            sub_id,
            sub_name,
            "techniques",
            kill_chain_phases=copy.deepcopy(parent["kill_chain_phases"]),
            x_mitre_is_subtechnique=True,
            x_mitre_platforms=["Android"],
        )
        techniques.append(sub)
        relationships.append(
            _relationship(domain, "subtechnique-of", sub["id"], parent["id"], None)
        )
    mitigations = [
        _sdo("course-of-action", domain, mid, name, "mitigations")
        for mid, name in spec["mitigations"]
    ]
    group_id, group_name, aliases = spec["group"]
    group = _sdo(
        "intrusion-set",
        domain,
        group_id,
        group_name,
        "groups",
        aliases=aliases,
        first_seen="2017-04-01T00:00:00.000Z",
        last_seen="2022-09-01T00:00:00.000Z",
    )
    malware = _sdo(
        "malware",
        domain,
        spec["malware"][0],
        spec["malware"][1],
        "software",
        is_family=True,
        x_mitre_aliases=[spec["malware"][1]],
        x_mitre_platforms=["Windows"],
    )
    tool = _sdo(
        "tool",
        domain,
        spec["tool"][0],
        spec["tool"][1],
        "software",
        x_mitre_aliases=[spec["tool"][1]],
        x_mitre_platforms=["Windows"],
    )
    for i, technique in enumerate(techniques):
        for user in (group, malware, tool)[: 1 + i % 3]:
            relationships.append(
                _relationship(
                    domain,
                    "uses",
                    user["id"],
                    technique["id"],
                    f"Report {i} {user['name']}",
                )
            )
        relationships.append(
            _relationship(
                domain,
                "mitigates",
                mitigations[i % 2]["id"],
                technique["id"],
                f"Advice {i}",
            )
        )
    # A group using a piece of software: no technique, so Layerwise ignores it.
    relationships.append(
        _relationship(domain, "uses", group["id"], tool["id"], "Group Tooling")
    )
    objects += [*tactics, matrix, *techniques, *mitigations, group, malware, tool]
    objects += relationships
    return {
        "type": "bundle",
        "id": _id("bundle", domain, "bundle"),
        "objects": objects,
    }
