"""Which documented incidents a scenario would stop, with the assumption and its margin."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from taxonomy.domain.errors import GraphError, UnknownTaxonomy
from taxonomy.domain.records import DEFAULT_TAXONOMY, INCIDENT_KINDS
from taxonomy.domain.scenario_params import (
    add_scenario_arguments,
    scenario_from_cleaned,
)
from taxonomy.selectors import revision_token, taxonomy_checked
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.selectors.incidents import incident_report

USAGE_ERROR = 2
# The techniques listed that would stop the most incidents not yet stopped.
STOPPERS_SHOWN = 10


def _threshold_text(value: float) -> str:
    return f"{value:g}"


def render_text(document: dict, kind: str | None) -> str:
    """The totals per kind, the margin across thresholds, the incidents, the
    techniques that would stop the most of those left."""
    totals = document["totals"]
    lines = [
        f"{totals['stopped']} of {totals['incidents']} documented incidents would be "
        f"stopped (threshold τ = {_threshold_text(document['threshold'])}, "
        f"{document['dependence']}).",
        f"Assumption: {document['assumption']}",
    ]
    if document.get("through"):
        through = document["through"]
        lines.append(
            f"Read through the mapping set {through['name']} ({through['id']}) "
            f"against our measures: {document['outside_total']} technique(s) they "
            "use are outside the taxonomy and stop nothing."
        )
        if (document.get("ceiling") or {}).get("words"):
            lines.append(document["ceiling"]["words"])
    for name, counts in totals["by_kind"].items():
        if counts["incidents"]:
            lines.append(f"  {name}: {counts['stopped']} of {counts['incidents']}")
    margin = ", ".join(
        f"τ {_threshold_text(row['threshold'])}: {row['stopped']}"
        for row in document["by_threshold"]
    )
    lines += [f"Stopped across thresholds: {margin}", ""]
    for incident in document["incidents"]:
        if kind not in (None, incident["kind"]):
            continue
        if incident["stopped"]:
            at = incident["first_stopped_step"]
            verdict = "stopped" + (f" at step {at}" if at is not None else "")
        else:
            verdict = "not stopped"
        if incident.get("outside"):
            verdict += f" ({len(incident['outside'])} step(s) outside the taxonomy)"
        lines.append(f"  {incident['id']}  {verdict}  {incident['name']}")
    stoppers = document["stoppers"][:STOPPERS_SHOWN]
    if stoppers:
        lines += ["", "Techniques that would stop the most incidents left:"]
        lines += [
            f"  {s['threat']}  {s['incidents']} incidents  {s['name']}"
            + (f"  (address our threat {s['via_name']})" if s.get("via") else "")
            for s in stoppers
        ]
    if document.get("stoppers_unmapped"):
        lines.append(
            f"  (and {document['stoppers_unmapped']} technique(s) outside our "
            "taxonomy, not listed: no Layerwise measure addresses them)"
        )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Documented incidents (case studies, campaigns, groups, software) stopped or "
        "not under a scenario: an incident is stopped when a technique it uses is "
        "addressed. Totals per kind, the count across thresholds, and the techniques "
        "that would stop the most incidents left."
    )

    def add_arguments(self, parser):
        add_scenario_arguments(parser)
        parser.add_argument("--kind", choices=INCIDENT_KINDS, help="list only these")
        parser.add_argument(
            "--taxonomy", default=DEFAULT_TAXONOMY, metavar="NAME", help="default seed"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        try:
            token = revision_token(fresh=True)
            name = taxonomy_checked(token=token, taxonomy=options["taxonomy"])
            document = incident_report(
                scenario=coverage_scenario(**scenario_from_cleaned(options)),
                taxonomy=name,
                token=token,
            )
        except (ValueError, GraphError, UnknownTaxonomy) as e:
            raise CommandError(str(e), returncode=USAGE_ERROR) from e
        if options["format"] == "json":
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(document, options["kind"]), ending="")
