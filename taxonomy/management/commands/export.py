"""Export a taxonomy to other tools: STIX 2.1, ATT&CK Navigator, GraphML, CSV."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from taxonomy import selectors
from taxonomy.domain.errors import GraphError, ScenarioError, UnknownTaxonomy
from taxonomy.domain.records import DEFAULT_TAXONOMY, MATURITIES
from taxonomy.formats import EXPORT_FORMATS
from taxonomy.selectors.coverage import coverage_scenario


class Command(BaseCommand):
    help = (
        "Export one taxonomy: --format stix (STIX 2.1 bundle), graphml, navigator "
        "(ATT&CK Navigator layer of the coverage: score = layers that address a "
        "threat alone) or csv (the coverage matrix). The scenario options apply to "
        "navigator and csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(EXPORT_FORMATS), required=True)
        parser.add_argument("--taxonomy", default=DEFAULT_TAXONOMY, metavar="NAME")
        parser.add_argument("--out", type=Path, metavar="FILE", help="default: stdout")
        parser.add_argument("--disable-layer", nargs="+", action="extend", default=[])
        parser.add_argument(
            "--disable-mitigation", nargs="+", action="extend", default=[]
        )
        parser.add_argument(
            "--maturity", nargs="+", choices=MATURITIES, help="count only these"
        )
        parser.add_argument("--threshold", type=float, help="τ in (0, 1]")
        parser.add_argument("--domain", help="Navigator domain, e.g. enterprise-attack")

    def handle(self, *args, **options):
        try:
            scenario = coverage_scenario(
                disabled_layers=options["disable_layer"],
                disabled_mitigations=options["disable_mitigation"],
                maturities=options["maturity"],
                threshold=options["threshold"],
            )
            text = selectors.taxonomy_export(
                format=options["format"],
                taxonomy=options["taxonomy"],
                scenario=scenario,
                domain=options["domain"],
            )
        except (ValueError, ScenarioError, UnknownTaxonomy, GraphError) as e:
            raise CommandError(str(e)) from e
        out = options["out"]
        if out is None:
            self.stdout.write(text, ending="")
            return
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {out}")
