"""Coverage of every threat by the governance layers, with what-if scenarios."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.report_render import render_csv, render_json, render_table
from taxonomy.analysis.robustness import DEFAULT_SAMPLES, MAX_SAMPLES
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.errors import GraphError
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario_params import (
    add_scenario_arguments,
    scenario_from_cleaned,
)
from taxonomy.selectors.coverage import (
    coverage_report,
    coverage_scenario,
    robustness_options,
)
from taxonomy.selectors.crosswalk import crosswalk_csv

RENDERERS = {"table": render_table, "json": render_json, "csv": render_csv}
# Exit statuses: 1 only for --fail-on, so a CI gate can tell a failing
# taxonomy from a mistyped id or an unreachable graph (2).
GATE_FAILED, USAGE_ERROR = 1, 2


def _comma_list(
    value: str | None, allowed: tuple[str, ...], what: str
) -> list[str] | None:
    """Split 'a,b' and check every item against ``allowed``."""
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in items if item not in allowed]
    if unknown or not items:
        named = ", ".join(unknown) or repr(value)
        raise CommandError(
            f"unknown {what}: {named} (use {', '.join(allowed)})",
            returncode=USAGE_ERROR,
        )
    return items


def _robustness(options) -> dict | None:
    """The robustness section's options, or None when not asked for."""
    asked = options["samples"] is not None or options["seed"] is not None
    if not options["robustness"]:
        if asked:
            raise CommandError(
                "--samples and --seed go with --robustness", returncode=USAGE_ERROR
            )
        return None
    samples = options["samples"]
    if samples is not None and not 1 <= samples <= MAX_SAMPLES:
        raise CommandError(
            f"--samples must be between 1 and {MAX_SAMPLES}, got {samples}",
            returncode=USAGE_ERROR,
        )
    return robustness_options(samples=samples, seed=options["seed"])


class Command(BaseCommand):
    help = (
        "Which threats no single governance layer addresses: coverage per threat and "
        "layer, classes, minimal layer sets, critical layers and mitigations, depth "
        "(how many layers / mitigations a threat can lose and stay addressed), under "
        "a what-if scenario. See docs/coverage.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(RENDERERS), default="table")
        add_scenario_arguments(parser)
        parser.add_argument("--threat", metavar="ID", help="list only this threat")
        parser.add_argument(
            "--chains", metavar="TARGET", help="ENABLES chains into TARGET"
        )
        parser.add_argument(
            "--diff-baseline", action="store_true", help="which threats change class"
        )
        parser.add_argument(
            "--robustness",
            action="store_true",
            help="add margins, pivotal links, the headline range and Monte Carlo "
            "uncertainty (docs/coverage.md, Robustness)",
        )
        parser.add_argument(
            "--samples",
            type=int,
            metavar="N",
            help=f"Monte Carlo draws with --robustness (default {DEFAULT_SAMPLES}, "
            f"at most {MAX_SAMPLES})",
        )
        parser.add_argument(
            "--seed", type=int, metavar="S", help="Monte Carlo seed (default 0)"
        )
        parser.add_argument(
            "--taxonomy",
            default=DEFAULT_TAXONOMY,
            metavar="NAME",
            help=f"the taxonomy to analyse (default {DEFAULT_TAXONOMY}, e.g. atlas)",
        )
        parser.add_argument(
            "--fail-on",
            metavar="CLASS[,CLASS]",
            help="exit 1 when a listed threat is in one of these classes",
        )

    def handle(self, *args, **options):
        fail_on = _comma_list(options["fail_on"], CLASSES, "class") or []
        try:
            scenario = coverage_scenario(**scenario_from_cleaned(options))
            query = CoverageQuery(
                taxonomy=options["taxonomy"],
                scenario=scenario,
                threat=options["threat"],
                chains=options["chains"],
                diff_baseline=options["diff_baseline"],
                robustness=_robustness(options),
            )
            report = coverage_report(query)
        except (ValueError, GraphError) as e:
            raise CommandError(str(e), returncode=USAGE_ERROR) from e
        render = RENDERERS[options["format"]]
        if scenario.through and options["format"] != "json":
            # Another catalogue through a mapping set: one line per item.
            render = crosswalk_csv
        self.stdout.write(render(report), ending="")
        failing = [t["id"] for t in report["threats"] if t["class"] in fail_on]
        if failing:
            raise CommandError(
                f"{len(failing)} threat(s) in {', '.join(fail_on)}: "
                f"{', '.join(failing)}",
                returncode=GATE_FAILED,
            )
