"""Write a seeded random taxonomy as the canonical JSON document, for benchmarks."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from taxonomy.formats.synthetic import SIZES, document_chunks, synthetic_taxonomy

COUNTS = ("threats", "mitigations", "layers", "links")


class Command(BaseCommand):
    help = (
        "Generate a random taxonomy (see taxonomy/formats/synthetic.py for how) and "
        "write it as the canonical JSON document {layers, threats, mitigations, "
        "mitigates, enables, requires, introduces, subtypes, sources}. "
        "--size small is 1k threats × 200 mitigations × 8 layers × 5k links; "
        "--size large is 100k × 5k × 16 × 1M."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", choices=sorted(SIZES), help="a preset of the counts"
        )
        for name in COUNTS:
            parser.add_argument(f"--{name}", type=int, metavar="N")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", type=Path, required=True, metavar="FILE.json")

    def handle(self, *args, size=None, seed=0, out=None, **options):
        counts = dict(SIZES[size]) if size else {}
        counts.update({k: options[k] for k in COUNTS if options.get(k) is not None})
        missing = [f"--{k}" for k in COUNTS if k not in counts]
        if missing:
            raise CommandError(f"give --size or {', '.join(missing)}")
        pairs = counts["threats"] * counts["mitigations"]
        if counts["links"] > pairs:
            raise CommandError(
                f"--links: at most threats × mitigations = {pairs} (no two links "
                "join the same mitigation and threat: the import refuses them)"
            )
        try:
            taxonomy = synthetic_taxonomy(**counts, seed=seed)
        except ValueError as e:
            raise CommandError(str(e)) from e
        with out.open("w", encoding="utf-8") as fh:
            fh.writelines(document_chunks(taxonomy))
        summary = ", ".join(f"{counts[k]} {k}" for k in COUNTS)
        self.stdout.write(f"Wrote {out}: {summary} (seed {seed})")
