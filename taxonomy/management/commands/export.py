"""Export a taxonomy to other tools: STIX 2.1, ATT&CK Navigator, GraphML, CSV."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from taxonomy import selectors
from taxonomy.domain.errors import GraphError, ScenarioError, UnknownTaxonomy
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario_params import (
    SCENARIO_PARAMS,
    add_scenario_arguments,
    scenario_from_cleaned,
)
from taxonomy.formats.navigator import DEFAULT_DOMAIN, DOMAINS
from taxonomy.formats.registry import CLI, export_option_problems, formats_on
from taxonomy.selectors.coverage import coverage_scenario


class Command(BaseCommand):
    help = (
        "Export one taxonomy: --format stix (STIX 2.1 bundle), graphml, navigator "
        "(ATT&CK Navigator layer of the coverage: score = a threat's coverage by all "
        "layers in percent, comment = its class and the layers that address it) or "
        "csv (the coverage matrix). The scenario options apply to "
        "navigator and csv."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=[f.name for f in formats_on(CLI)], required=True
        )
        parser.add_argument("--taxonomy", default=DEFAULT_TAXONOMY, metavar="NAME")
        parser.add_argument("--out", type=Path, metavar="FILE", help="default: stdout")
        add_scenario_arguments(parser)
        parser.add_argument(
            "--domain",
            choices=sorted({DEFAULT_DOMAIN, *DOMAINS.values()}),
            help="navigator only: the Navigator domain",
        )
        parser.add_argument(
            "--mapping-set",
            metavar="ID",
            help="sssom only (required there): a mapping set joining the taxonomy",
        )

    def handle(self, *args, **options):
        # The options the API refuses for this format, refused here too.
        problems = export_option_problems(
            options["format"],
            scenario=[
                p.option
                for p in SCENARIO_PARAMS
                if options.get(p.name) not in (None, [])
            ],
            domain=options["domain"],
            mapping_set=options["mapping_set"],
        )
        if problems:
            raise CommandError(
                "; ".join(f"{name}: {', '.join(why)}" for name, why in problems.items())
            )
        try:
            scenario = coverage_scenario(**scenario_from_cleaned(options))
            text = selectors.taxonomy_export(
                format=options["format"],
                taxonomy=options["taxonomy"],
                scenario=scenario,
                domain=options["domain"],
                mapping_set=options["mapping_set"],
            )
        except (ValueError, ScenarioError, UnknownTaxonomy, GraphError) as e:
            raise CommandError(str(e)) from e
        out = options["out"]
        if out is None:
            self.stdout.write(text, ending="")
            return
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {out}")
