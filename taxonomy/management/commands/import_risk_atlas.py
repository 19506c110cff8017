"""Import a catalogue of IBM's AI Atlas Nexus (e.g. NIST AI 600-1 and its
suggested actions) as a taxonomy."""

from __future__ import annotations

from django.core.management.base import CommandError

from taxonomy.domain.errors import InterchangeError
from taxonomy.formats.risk_atlas import (
    CATALOGUES,
    DISTRIBUTION,
    risk_atlas_action_files,
    risk_atlas_catalogue_file,
    risk_atlas_version,
)
from taxonomy.management.catalogue import CatalogueImportCommand


class Command(CatalogueImportCommand):
    help = (
        f"Import one catalogue of the installed {DISTRIBUTION} package, read as "
        "data, as a taxonomy named after it: CATALOGUE is "
        f"{', '.join(CATALOGUES)} or another taxonomy id of the package. Its "
        "entries and groups become threats (an entry SUBTYPE_OF its group), "
        "their pages and the documents the catalogue cites sources; its actions "
        "(NIST AI 600-1's suggested actions) become mitigations in a layer "
        "'institutional' of its own (--layer-map by action id or AI RMF function: "
        "Govern, Map, Measure, Manage), deployed, each MITIGATES the risks it "
        "names at --default-strength, an assumed strength. A re-import "
        "updates in place; nothing of another taxonomy is touched."
    )
    format = "risk-atlas"

    def handle(self, *args, path, **options):
        self.catalogue = str(path)
        try:
            found = risk_atlas_catalogue_file(self.catalogue)
        except InterchangeError as e:
            raise CommandError("; ".join(e.problems)) from e
        super().handle(*args, path=found, **options)

    def import_options(self, path, **options):
        actions = risk_atlas_action_files(self.catalogue)
        also = "".join(f", actions from {p.name}" for p in actions)
        return {"catalogue": self.catalogue}, (
            f"catalogue: {self.catalogue}, {DISTRIBUTION} {risk_atlas_version()} "
            f"({path.name}{also})"
        )
