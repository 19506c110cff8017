"""Import MITRE ATLAS (ATLAS.yaml) as the taxonomy ``atlas``."""

from __future__ import annotations

from taxonomy.management.catalogue import CatalogueImportCommand


class Command(CatalogueImportCommand):
    help = (
        "Import a MITRE ATLAS distribution file (ATLAS.yaml) as a taxonomy (default "
        "name atlas): techniques and sub-techniques become threats, mitigations keep "
        "each technique's 'use' text as the link's rationale, each mitigation "
        "category becomes a layer unless --layer-map sends it to another. A "
        "re-import updates in place and removes what the release dropped; nothing "
        "of another taxonomy is touched."
    )
    format = "atlas"
