"""What to adopt next: the set of mitigations that addresses the most threats on a budget."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from taxonomy.domain.errors import GraphError, UnknownTaxonomy
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario_params import (
    PARAM_NAMES,
    add_scenario_arguments,
    scenario_from_cleaned,
    split_ids,
)
from taxonomy.selectors import recommendation_report
from taxonomy.selectors.recommend import recommendation_scenario

USAGE_ERROR = 2


def _budget(raw: str | None) -> float | None:
    """The ``--budget`` value as a number (None: no limit); the analysis checks its sign."""
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise CommandError(
            f"--budget must be a number, got {raw!r}", returncode=USAGE_ERROR
        ) from None


def _number(value: float) -> str:
    return f"{value:g}"


def render_text(document: dict) -> str:
    """The recommendation as text: the chosen set, the method and the frontier."""
    budget = document["budget"]
    lines = [
        "Starting point"
        + (" (the default)" if document["scenario"]["today"] else "")
        + f": {document['scenario']['summary']}",
        f"Budget: {'no limit' if budget is None else _number(budget)}"
        + ("" if document["assumptions"]["unit_costs"] else " (costs as recorded)"),
        f"Threats addressed: {document['addressed_before']} now, "
        f"{document['addressed_after']} with the set below "
        f"(cost {_number(document['cost'])})",
        f"Method: {document['method']}",
        "",
        "Adopt:",
    ]
    for m in document["chosen"]:
        lines.append(f"  {m.get('words', m['id'])} (cost {_number(m['cost'])})")
        lines.append(f"    closes: {', '.join(m['closes']) or '—'}")
        lines.append(f"    introduces: {', '.join(m['introduces']) or '—'}")
    if not document["chosen"]:
        lines.append("  nothing: no candidate within the budget adds a threat")
    equally = document["equally_good"]
    if document["chosen"] and equally and equally["count"]:
        lines += [
            "",
            f"Equally good: {'' if equally['exact'] else 'at least '}"
            f"{equally['count']} other set(s) (same objective, cost and threats "
            "introduced; the set above is the first by name):",
            *("  " + ", ".join(m["id"] for m in s) for s in equally["sets"]),
        ]
    if document.get("where") == "places":
        lines[2] = (
            f"Mobile threats the world view addresses: {document['addressed_before']} "
            f"now, {document['addressed_after']} with the adoptions below "
            f"(cost {_number(document['cost'])})"
        )
        return "\n".join([*lines, "", document["words"] + "."]) + "\n"
    lines += ["", "Frontier (budget → threats addressed):"]
    rows = [("budget", "addressed", "objective", "set")] + [
        (
            _number(step["budget"]),
            str(step["addressed"]),
            str(step["objective"]),
            ", ".join(step["chosen"]) or "—",
        )
        for step in document["frontier"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  " + "  ".join([*cells, row[3]]))
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "What to adopt next: the candidate mitigations that address the most threats "
        "within a budget, from a starting scenario (default: today, maturity=deployed), "
        "with the efficient frontier and the greedy order."
    )

    def add_arguments(self, parser):
        add_scenario_arguments(parser)
        parser.add_argument(
            "--budget", metavar="B", help="in cost units, ≥ 0 (default: no limit)"
        )
        parser.add_argument(
            "--candidates",
            nargs="+",
            action="extend",
            metavar="ID",
            help="mitigations that may be adopted (default: every one left out)",
        )
        parser.add_argument(
            "--where",
            metavar="J",
            help="adopt the candidates in jurisdiction J (M@J: what J should adopt "
            "next), or 'places': which measures, adopted in which places, close the "
            "most mobile threats in the world view",
        )
        parser.add_argument(
            "--count-introduced",
            action="store_true",
            help="count the threats the set INTRODUCES and leaves unaddressed against it",
        )
        parser.add_argument(
            "--taxonomy", default=DEFAULT_TAXONOMY, metavar="NAME", help="default seed"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        budget = _budget(options["budget"])
        given = any(options.get(name) not in (None, []) for name in PARAM_NAMES)
        candidates = options["candidates"]
        try:
            scenario = recommendation_scenario(
                scenario_from_cleaned(options), given=given
            )
            document = recommendation_report(
                taxonomy=options["taxonomy"],
                scenario=scenario,
                budget=budget,
                candidates=None if candidates is None else split_ids(candidates),
                count_introduced=options["count_introduced"],
                where=options["where"],
            )
        except (ValueError, GraphError, UnknownTaxonomy) as e:
            raise CommandError(str(e), returncode=USAGE_ERROR) from e
        if options["format"] == "json":
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(document), ending="")
