"""Benchmark: reading one fixture file of 10k, 100k and 1M links.

Each read runs in a process of its own, for its peak memory (VmHWM):

- the stream reader (``fixtures_stream.load_fixtures``, what ``taxonomy load``
  uses): parse, schema checks, records, rules;
- the floor it stands on: the bare C parser's events of the same file,
  nothing built;
- the round-trip reader that builds each file whole (``fixtures_yaml``, what
  the export edits files with, and what loads used before), up to 100k links:
  at 1M it would take gigabytes and a quarter of an hour.

The target (at 1M links) is the large load's: a client peak under 1.5 GB, so
that reading the file leaves room for the load it feeds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.interchange import _peak_rss_kib, child_env
from bench.large import SIZES, shape

# The round-trip reader is measured up to this many links.
WHOLE_UP_TO = 100_000


def write_fixture_file(path: Path, links: int) -> int:
    """A fixture file of ``links`` MITIGATES links in the shape of the large
    suite, written line by line as the export lays it out; its size in bytes.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "f.yaml"
    ...     size = write_fixture_file(p, 10_000)
    ...     from taxonomy.formats import fixtures_stream
    ...     len(fixtures_stream.load_fixtures(p).mitigates)
    10000
    """
    spec = shape(links)
    threats, mitigations, layers = spec["threats"], spec["mitigations"], spec["layers"]
    per_threat = links // threats
    with path.open("w", encoding="utf-8") as out:
        out.write("layers:\n")
        for i in range(layers):
            out.write(f"  - id: l{i:02d}\n    name: Layer {i}\n")
        out.write("mitigations:\n")
        for i in range(mitigations):
            out.write(
                f"  - id: m{i:05d}\n    name: Mitigation {i}\n"
                f"    layer: l{i % layers:02d}\n    maturity: deployed\n"
            )
        out.write("threats:\n")
        strengths = ("low", "medium", "high")
        for t in range(threats):
            out.write(
                f"  - id: t{t:06d}\n    name: Threat {t}\n"
                f"    description: A synthetic misuse vector, number {t}.\n"
                "    mitigated_by:\n"
            )
            for k in range(per_threat):
                m = (t * 7 + k * 31) % mitigations
                out.write(
                    f"      - mitigation: m{m:05d}\n"
                    f"        strength: {strengths[(t + k) % 3]}\n"
                )
    return path.stat().st_size


def _read_in_child(path: Path, how: str) -> dict:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "bench.fixture_files", str(path), how],
        cwd=root,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"reading {path} ({how}) failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(path: Path, how: str) -> None:
    import django

    django.setup()
    from ruamel.yaml import YAML

    from taxonomy.formats import fixtures_stream, fixtures_yaml

    started = time.perf_counter()
    if how == "events":
        with path.open("rb") as stream:
            count = sum(1 for _ in YAML(typ="safe").parse(stream))
    elif how == "stream":
        count = len(fixtures_stream.load_fixtures(path).mitigates)
    else:
        files, problems = fixtures_yaml.read_fixture_files(path)
        problems += fixtures_yaml.validate_files(files)
        if problems:
            raise SystemExit(f"{len(problems)} problems")
        count = len(fixtures_yaml.taxonomy_from_files(files).mitigates)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "count": count,
                "peak_rss_mb": round(_peak_rss_kib() / 1024),
            }
        )
    )


def run_fixture_files_bench(
    *, sizes: tuple[str, ...] = tuple(SIZES), progress: Callable[[str], None] = print
) -> dict:
    out: dict = {"name": "fixture files", "sizes": {}}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            links = SIZES[size]
            path = Path(folder) / f"fixtures-{size}.yaml"
            progress(f"fixtures[{size}]: writing a file of {links:,} links")
            size_bytes = write_fixture_file(path, links)
            events = _read_in_child(path, "events")
            progress(
                f"fixtures[{size}]: {size_bytes / 1e6:.0f} MB, bare parser "
                f"{events['seconds']} s ({events['count']:,} events)"
            )
            stream = _read_in_child(path, "stream")
            if stream["count"] != links:
                raise RuntimeError("the stream reader did not read every link")
            progress(
                f"fixtures[{size}]: stream reader {stream['seconds']} s, "
                f"peak {stream['peak_rss_mb']} MB"
            )
            row = {
                "links": links,
                "file_mb": round(size_bytes / 1e6, 1),
                "events": events["count"],
                "parser_seconds": events["seconds"],
                "stream_seconds": stream["seconds"],
                "stream_ratio_to_parser": round(
                    stream["seconds"] / events["seconds"], 2
                ),
                "links_per_second": round(links / stream["seconds"]),
                "stream_peak_mb": stream["peak_rss_mb"],
                "parser_peak_mb": events["peak_rss_mb"],
            }
            if links <= WHOLE_UP_TO:
                whole = _read_in_child(path, "whole")
                progress(
                    f"fixtures[{size}]: whole-file reader {whole['seconds']} s, "
                    f"peak {whole['peak_rss_mb']} MB"
                )
                row["whole_seconds"] = whole["seconds"]
                row["whole_peak_mb"] = whole["peak_rss_mb"]
            out["sizes"][size] = row
    out["rows"] = _rows(out)
    return out


def _rows(out: dict) -> list[dict]:
    rows = []
    for size, r in out["sizes"].items():
        top = r["links"] >= 1_000_000
        whole = (
            f"; whole-file reader {r['whole_seconds']} s, {r['whole_peak_mb']} MB"
            if "whole_seconds" in r
            else ""
        )
        rows += [
            {
                "size": size,
                "measure": "fixture file read, stream reader",
                "value": r["stream_seconds"],
                "unit": "s",
                "target": "(growth)",
                "ok": None,
                "note": (
                    f"{r['file_mb']} MB file, {r['links_per_second']:,} links/s, "
                    f"{r['stream_ratio_to_parser']}x the bare parser "
                    f"({r['parser_seconds']} s){whole}"
                ),
            },
            {
                "size": size,
                "measure": "fixture file read, client peak memory",
                "value": r["stream_peak_mb"],
                "unit": "MB",
                "target": "< 1536 MB" if top else "(growth)",
                "ok": r["stream_peak_mb"] < 1536 if top else None,
                "note": f"bare parser {r['parser_peak_mb']} MB",
            },
        ]
    return rows


if __name__ == "__main__":
    _child(Path(sys.argv[1]), sys.argv[2])
