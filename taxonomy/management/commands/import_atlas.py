"""Import MITRE ATLAS (ATLAS.yaml) as the taxonomy ``atlas``."""

from __future__ import annotations

from pathlib import Path

from taxonomy.formats.atlas import SCHEMA_NAME, atlas_schema_path, atlas_schema_read
from taxonomy.management.catalogue import CatalogueImportCommand


class Command(CatalogueImportCommand):
    help = (
        "Import a MITRE ATLAS distribution file (ATLAS.yaml) as a taxonomy (default "
        "name atlas): techniques and sub-techniques become threats, mitigations keep "
        "each technique's 'use' text as the link's rationale, each mitigation "
        "category becomes a layer unless --layer-map sends it to another; tactics "
        "become tactics (techniques IN_TACTIC, sub-techniques in their parent's), "
        "case studies incidents whose procedure steps are USES links (a step "
        "naming a technique or tactic the file lacks is skipped and reported). A "
        "re-import updates in place and removes what the release dropped; nothing "
        "of another taxonomy is touched. The file is checked against MITRE's "
        f"JSON Schema: --schema FILE, else {SCHEMA_NAME} beside the file or in "
        "a schemas/ folder beside it (atlas-data's dist/ layout)."
    )
    format = "atlas"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        schema = parser.add_mutually_exclusive_group()
        schema.add_argument(
            "--schema",
            type=Path,
            metavar="FILE",
            help=f"the JSON Schema to check the file against ({SCHEMA_NAME})",
        )
        schema.add_argument(
            "--no-schema", action="store_true", help="do not check against a schema"
        )

    def import_options(self, path, *, schema=None, no_schema=False, **options):
        if no_schema:
            return {}, "schema: not checked (--no-schema)"
        found = schema or atlas_schema_path(path)
        if found is None:
            return {}, (
                f"schema: not checked; no {SCHEMA_NAME} beside {path.name} or in "
                "schemas/ beside it (--schema FILE names one)"
            )
        return {"schema": atlas_schema_read(found)}, f"schema: valid against {found}"
