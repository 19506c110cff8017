"""Import a STIX 2.1 bundle (ATT&CK, ATLAS, a Layerwise export) as a taxonomy."""

from __future__ import annotations

from taxonomy.management.catalogue import CatalogueImportCommand


class Command(CatalogueImportCommand):
    help = (
        "Import a STIX 2.1 bundle as a taxonomy: attack-pattern -> threat, "
        "course-of-action -> mitigation, x-mitre-tactic -> tactic (kill_chain_phases "
        "-> IN_TACTIC), intrusion-set, campaign, malware, tool and incident -> "
        "incident (group, campaign, software, case study), mitigates, "
        "subtechnique-of and uses relationships, external references -> sources. "
        "Revoked and deprecated objects are skipped, other types ignored, both "
        "counted; a relationship to a missing object is reported and the rest "
        "imported. --taxonomy names it (default: the name a "
        "Layerwise export carries, or the ATT&CK collection's). A re-import updates "
        "in place and removes what the bundle dropped; nothing of another taxonomy "
        "is touched."
    )
    format = "stix"
