"""Benchmark of the REST API under load: gunicorn on loopback, concurrent clients.

``run_api_bench`` loads the seed taxonomy into the tests' Neo4j server,
starts gunicorn on 127.0.0.1 (a free port) against it, and for each endpoint
(``/api/v1/ping/``, the trivial baseline that does not touch Neo4j, then
``/api/v1/threats/`` and ``/api/v1/coverage/``) runs a bounded load: 16
clients sending requests back to back for 10 s in all, each on one
connection while the server keeps it open (gthread) and on a new one for
every request when it does not (sync, as ``make run`` serves). The
10 s are taken in rounds (2 s of ping, 2 s of threats, 2 s of coverage,
five times), so that a slower moment of the machine weighs on every endpoint
alike rather than on whichever ran then. It reports
requests per second, p50 and p99 latency and each endpoint's throughput as a
share of ping's, against the targets (share ≥ 50 %, p99 < 50 ms), prints a
table and writes JSON under var/bench/. Everything stays on loopback and
stops by itself; gunicorn is stopped at the end.

From a shell: ``python manage.py shell -c "from bench.api import
run_api_bench; run_api_bench()"``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from taxonomy import services
from taxonomy.graph import driver, repository, server

BASELINE = "/api/v1/ping/"
ENDPOINTS = ("/api/v1/threats/", "/api/v1/coverage/")
TARGET_SHARE = 0.5
TARGET_P99_MS = 50.0
START_TIMEOUT = 30.0


@dataclass
class Sample:
    """What one endpoint's load run measured."""

    path: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def summary(self) -> dict:
        ordered = sorted(self.latencies) or [float("nan")]
        return {
            "path": self.path,
            "requests": self.requests,
            "errors": self.errors,
            "requests_per_second": round(self.requests / self.seconds, 1),
            "p50_ms": round(1000 * _percentile(ordered, 0.50), 2),
            "p99_ms": round(1000 * _percentile(ordered, 0.99), 2),
            "mean_ms": round(1000 * statistics.fmean(ordered), 2),
        }


def _percentile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank).

    >>> _percentile([1.0, 2.0, 3.0, 4.0], 0.5), _percentile([1.0, 2.0, 3.0, 4.0], 0.99)
    (2.0, 4.0)
    """
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.4999)))
    return ordered[rank - 1]


# --- The load generator -------------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; return its status and whether the server closes."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection") == "close"


async def _connection(port: int, path: str, deadline: float, sample: Sample) -> None:
    """One client: requests back to back on one connection (reopened if closed)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept: */*\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.perf_counter() < deadline:
        # A request's time includes connecting when the server closed the last
        # connection, as a client's does.
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status, closing = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError):
            sample.errors += 1
            if writer is not None:
                writer.close()
            writer = None
            continue
        sample.latencies.append(time.perf_counter() - started)
        if status != 200:
            sample.errors += 1
        if closing:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _load(port: int, sample: Sample, connections: int, duration: float) -> None:
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(_connection(port, sample.path, deadline, sample) for _ in range(connections))
    )
    sample.seconds += time.perf_counter() - started


def measure(
    port: int,
    path: str,
    *,
    connections: int,
    duration: float,
    into: Sample | None = None,
) -> Sample:
    """Load ``path`` with ``connections`` keep-alive clients for ``duration`` seconds;
    the requests are added to ``into`` when given."""
    sample = into if into is not None else Sample(path, 0.0)
    asyncio.run(_load(port, sample, connections, duration))
    return sample


# --- The server under test ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seeded_test_graph(progress: Callable[[str], None]) -> driver.ConnectionTarget:
    """The tests' Neo4j server (started if needed) holding exactly the seed taxonomy."""
    target = driver.connection_target(for_tests=True)
    driver.use_target(target)
    if target.managed_instance:
        server.start(server.instance(target.managed_instance), echo=progress)
    progress("api bench: loading the seed taxonomy into the test server")
    repository.graph_clear()
    repository.schema_apply()
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    return target


def _start_gunicorn(
    target: driver.ConnectionTarget,
    port: int,
    workers: int,
    threads: int,
    worker_class: str = "sync",
) -> subprocess.Popen:
    env = {
        **os.environ,
        "NEO4J_URI": target.uri,
        "NEO4J_USER": target.user,
        "NEO4J_PASSWORD": target.password,
        "NEO4J_DATABASE": target.database,
        "DEBUG": "false",
        # Throttling stays on (its cost is part of every request) but never trips.
        "LAYERWISE_API_ANON_RATE": "100000000/s",
        "LAYERWISE_API_REQUIRE_LOGIN": "false",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--log-level",
        "warning",
    ]
    if worker_class == "gthread":
        command += ["--threads", str(threads), "--keep-alive", "30"]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)


def _wait_until_up(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}{BASELINE}", timeout=1
            ):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer on port {port} within {START_TIMEOUT:.0f} s"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Report ------------------------------------------------------------------------------


def rows_of(baseline: dict, results: list[dict]) -> list[dict]:
    """Each endpoint beside the baseline, with its share of the baseline's throughput."""
    rows = [{**baseline, "share_of_ping": 1.0, "ok": None}]
    for result in results:
        share = result["requests_per_second"] / baseline["requests_per_second"]
        ok = (
            share >= TARGET_SHARE
            and result["p99_ms"] < TARGET_P99_MS
            and not result["errors"]
        )
        rows.append({**result, "share_of_ping": round(share, 3), "ok": ok})
    return rows


def render_rows(
    rows: list[dict], label: Callable[[dict], str] = lambda row: row["path"]
) -> str:
    """The result table, one line per endpoint (named by ``label``)."""
    width = max(22, *(len(label(row)) for row in rows))
    header = f"{'endpoint':<{width}} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs ping':>8}  target"
    lines = [header, "-" * len(header)]
    for row in rows:
        verdict = "baseline" if row["ok"] is None else ("PASS" if row["ok"] else "FAIL")
        lines.append(
            f"{label(row):<{width}} {row['requests_per_second']:>9.0f} {row['p50_ms']:>8.2f} "
            f"{row['p99_ms']:>8.2f} {row['errors']:>7} {row['share_of_ping']:>7.0%}  {verdict}"
        )
    lines.append(
        f"targets: >= {TARGET_SHARE:.0%} of ping's throughput and p99 < {TARGET_P99_MS:.0f} ms"
    )
    return "\n".join(lines)


def load_in_turns(
    runs: list[tuple[int, str]],
    *,
    connections: int,
    duration: float,
    rounds: int,
    say: Callable[[int], None],
) -> list[dict]:
    """Load each ``(port, path)`` for a second (every worker computes its caches
    once), then ``rounds`` times in turn for ``duration / rounds`` seconds each
    (``say`` is told each round's number); the summary of each, in order."""
    for port, path in runs:
        measure(port, path, connections=connections, duration=1.0)
    samples = [Sample(path, 0.0) for _, path in runs]
    for round_ in range(1, rounds + 1):
        say(round_)
        for (port, _), sample in zip(runs, samples, strict=True):
            measure(
                port,
                sample.path,
                connections=connections,
                duration=duration / rounds,
                into=sample,
            )
    return [sample.summary() for sample in samples]


def write_document(document: dict, out_path: str | Path | None, name: str) -> Path:
    """Write a load benchmark's document as JSON to ``out_path`` (default:
    ``var/bench/<name>``); where it went."""
    out = Path(out_path) if out_path else settings.VAR_DIR / "bench" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return out


def run_api_bench(
    *,
    connections: int = 16,
    duration: float = 10.0,
    rounds: int = 5,
    workers: int | None = None,
    threads: int = 1,
    worker_class: str = "sync",
    out_path: str | Path | None = None,
    progress: Callable[[str], None] = print,
) -> dict:
    """Run the API load benchmark; print the table, write and return the results.

    Parameters
    ----------
    connections : int
        Concurrent keep-alive connections per endpoint.
    duration : float
        Seconds of load per endpoint, in all.
    rounds : int
        How many slices ``duration`` is cut into, the endpoints taking turns.
    workers, threads : int
        gunicorn workers (default: CPUs + 1), and threads per gthread worker.
    worker_class : str
        ``sync`` (default), the worker ``make run`` serves with: one request
        per connection, so each request goes to the next free worker.
        ``gthread`` keeps connections alive, but each stays with the worker
        that accepted it, and the workers' shares of 16 connections were
        uneven (1 and 15 in one round): the tail was the busiest worker's
        queue, not the answers' cost (see docs/api.md, "Speed").
    out_path : str or Path, optional
        The JSON file; default ``var/bench/api.json``.
    progress : callable
        Receives progress lines and, at the end, the table.

    Returns
    -------
    dict
        ``{machine, server, load, rows}``; each row has path, requests_per_second,
        p50_ms, p99_ms, errors, share_of_ping and ok (None for the baseline).

    The tests' Neo4j database is emptied and reloaded with the seed taxonomy.
    """
    workers = workers or (os.cpu_count() or 1) + 1
    target = _seeded_test_graph(progress)
    port = _free_port()
    progress(
        f"api bench: gunicorn on 127.0.0.1:{port} ({workers} {worker_class} workers"
        + (f" x {threads} threads)" if worker_class == "gthread" else ")")
    )
    process = _start_gunicorn(target, port, workers, threads, worker_class)
    try:
        _wait_until_up(process, port)
        summaries = load_in_turns(
            [(port, path) for path in (BASELINE, *ENDPOINTS)],
            connections=connections,
            duration=duration,
            rounds=rounds,
            say=lambda round_: progress(
                f"api bench: round {round_}/{rounds}: {connections} connections, "
                f"{duration / rounds:.1f} s per endpoint"
            ),
        )
    finally:
        _stop(process)
    rows = rows_of(summaries[0], summaries[1:])
    document = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "server": {
            "workers": workers,
            "threads": threads if worker_class == "gthread" else 1,
            "worker_class": worker_class,
        },
        "load": {
            "connections": connections,
            "seconds_per_endpoint": duration,
            "rounds": rounds,
        },
        "rows": rows,
    }
    out = write_document(document, out_path, "api.json")
    progress(render_rows(rows))
    progress(f"wrote {out}")
    return document
