"""An ATT&CK-shaped STIX 2.1 bundle built with stix2: tactics, a matrix,
techniques with kill chain phases, groups, a campaign, software, their uses,
revoked and deprecated objects."""

from __future__ import annotations

import stix2


@stix2.CustomObject(
    "x-mitre-tactic",
    [
        ("name", stix2.properties.StringProperty(required=True)),
        ("description", stix2.properties.StringProperty()),
        ("x_mitre_shortname", stix2.properties.StringProperty()),
        ("external_references", stix2.properties.ListProperty(stix2.ExternalReference)),
    ],
)
class Tactic:
    """ATT&CK's tactic object."""


@stix2.CustomObject(
    "x-mitre-matrix",
    [
        ("name", stix2.properties.StringProperty(required=True)),
        (
            "tactic_refs",
            stix2.properties.ListProperty(
                stix2.properties.ReferenceProperty(
                    valid_types="x-mitre-tactic", spec_version="2.1"
                )
            ),
        ),
    ],
)
class Matrix:
    """ATT&CK's matrix object: its tactics, in order."""


def _refs(external_id: str) -> list[dict[str, str]]:
    return [{"source_name": "mitre-attack", "external_id": external_id}]


def _phases(*names: str) -> list[dict[str, str]]:
    return [{"kill_chain_name": "mitre-attack", "phase_name": n} for n in names]


def attack_bundle_text() -> str:
    """Two tactics (the matrix lists them right to left of the bundle), three
    live techniques and a revoked one, a group, a campaign, malware, a tool,
    a deprecated group, their uses; one uses a missing technique, one a
    revoked one, a group uses a tool."""
    initial = Tactic(
        name="Initial Access",
        x_mitre_shortname="initial-access",
        external_references=_refs("TA0001"),
    )
    execution = Tactic(
        name="Execution",
        x_mitre_shortname="execution",
        external_references=_refs("TA0002"),
    )
    phishing = stix2.AttackPattern(
        name="Phishing",
        external_references=_refs("T1566"),
        kill_chain_phases=_phases("initial-access"),
    )
    script = stix2.AttackPattern(
        name="Command and Scripting Interpreter",
        external_references=_refs("T1059"),
        kill_chain_phases=_phases("execution", "initial-access"),
    )
    valid = stix2.AttackPattern(
        name="Valid Accounts",
        external_references=_refs("T1078"),
        kill_chain_phases=_phases("initial-access", "no-such-phase"),
    )
    revoked = stix2.AttackPattern(
        name="Old", external_references=_refs("T1000"), revoked=True
    )
    apt = stix2.IntrusionSet(name="APT28", external_references=_refs("G0007"))
    old_group = stix2.IntrusionSet(
        name="Gone",
        external_references=_refs("G0001"),
        x_mitre_deprecated=True,
        allow_custom=True,
    )
    campaign = stix2.Campaign(
        name="Operation X",
        external_references=_refs("C0001"),
        first_seen="2021-03-04T00:00:00Z",
    )
    malware = stix2.Malware(
        name="X-Agent", is_family=True, external_references=_refs("S0161")
    )
    tool = stix2.Tool(name="Mimikatz", external_references=_refs("S0002"))
    missing = "attack-pattern--5e0a0b36-5cf7-4d7b-8b43-6a4d1b0f8f4a"
    objects = [
        execution,
        initial,
        Matrix(
            name="Enterprise ATT&CK",
            tactic_refs=[initial.id, execution.id],
            allow_custom=True,
        ),
        phishing,
        script,
        valid,
        revoked,
        apt,
        old_group,
        campaign,
        malware,
        tool,
        stix2.Relationship(apt, "uses", phishing, description="Sends lures."),
        stix2.Relationship(apt, "uses", script),
        stix2.Relationship(campaign, "uses", valid, description="Logs in."),
        stix2.Relationship(malware, "uses", script),
        stix2.Relationship(tool, "uses", valid),
        stix2.Relationship(apt, "uses", tool),
        stix2.Relationship(apt, "uses", missing),
        stix2.Relationship(apt, "uses", revoked),
        stix2.Relationship(old_group, "uses", phishing),
    ]
    return stix2.Bundle(objects=objects, allow_custom=True).serialize(pretty=True)
