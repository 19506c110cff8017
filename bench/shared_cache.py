"""Benchmark of warm answers from the shared cache: two gunicorn servers on one Redis.

``run_shared_cache_bench`` loads the seed taxonomy into the tests' Neo4j
server, starts a Redis of its own (config/redis_server.py, a free port) and
two gunicorn servers on 127.0.0.1 with CACHE_URL naming it. Server A answers
``/api/v1/coverage/`` once, as asked for server B's address (the Host a
proxy passes to every server), which puts that answer in Redis; then server
B, which never computed it, is loaded with 16 connections on
``/api/v1/ping/`` (the baseline, no Neo4j, no cache) and on the coverage
answer, in rounds as in ``bench.api``. Targets: p99 < 50 ms and at least 50 %
of ping's throughput. Everything stays on loopback and stops by itself.

From a shell: ``python manage.py bench --only cache``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import redis
from django.conf import settings

from bench.api import (
    BASELINE,
    Sample,
    _free_port,
    _seeded_test_graph,
    _start_gunicorn,
    _stop,
    _wait_until_up,
    measure,
    render_rows,
    rows_of,
)
from config import redis_server

COVERAGE = "/api/v1/coverage/"


def _warm(port: int, host: str) -> None:
    """Ask the server on ``port`` for the coverage answer as if it were ``host``."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{COVERAGE}", headers={"Host": host}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def run_shared_cache_bench(
    *,
    connections: int = 16,
    duration: float = 10.0,
    rounds: int = 5,
    workers: int | None = None,
    worker_class: str = "sync",
    out_path: str | Path | None = None,
    progress: Callable[[str], None] = print,
) -> dict:
    """Run the shared-cache benchmark; print the table, write and return the results.

    Parameters
    ----------
    connections : int
        Concurrent keep-alive connections.
    duration : float
        Seconds of load per endpoint, in all, cut into ``rounds`` slices.
    rounds : int
        How many slices the endpoints take turns in.
    workers : int
        gunicorn workers per server (default: CPUs + 1).
    worker_class : str
        ``sync`` (default, as ``make run``) or ``gthread`` (one thread,
        connections kept alive); see ``bench.api.run_api_bench``.
    out_path : str or Path, optional
        The JSON file; default ``var/bench/shared_cache.json``.
    progress : callable
        Receives progress lines and, at the end, the table.

    Returns
    -------
    dict
        ``{server, load, shared, rows}``; rows as ``bench.api.rows_of`` makes
        them; ``shared`` says whether the answer B served was in Redis before
        B's load began.

    The tests' Neo4j database is emptied and reloaded with the seed taxonomy.
    """
    workers = workers or (os.cpu_count() or 1) + 1
    target = _seeded_test_graph(progress)
    home = Path(tempfile.mkdtemp(prefix="layerwise-bench-redis-"))
    inst = redis_server.Instance(_free_port(), home)
    progress(f"cache bench: {redis_server.start(inst)}")
    client = redis.Redis(port=inst.port, password=inst.password())
    processes = []
    try:
        ports = [_free_port(), _free_port()]
        with mock.patch.dict(os.environ, {"CACHE_URL": inst.url}):
            processes = [
                _start_gunicorn(target, port, workers, 1, worker_class)
                for port in ports
            ]
        for process, port in zip(processes, ports, strict=True):
            _wait_until_up(process, port)
        progress(
            f"cache bench: server A (port {ports[0]}) computes the coverage answer; "
            f"server B (port {ports[1]}, {workers} {worker_class} workers) serves it"
        )
        _warm(ports[0], f"127.0.0.1:{ports[1]}")
        shared = bool(client.keys("layerwise:1:response:*"))
        for path in (BASELINE, COVERAGE):  # every worker of B reads the token once
            measure(ports[1], path, connections=connections, duration=1.0)
        samples = [Sample(path, 0.0) for path in (BASELINE, COVERAGE)]
        for round_ in range(1, rounds + 1):
            progress(f"cache bench: round {round_}/{rounds}")
            for sample in samples:
                measure(
                    ports[1],
                    sample.path,
                    connections=connections,
                    duration=duration / rounds,
                    into=sample,
                )
    finally:
        for process in processes:
            _stop(process)
        client.close()
        redis_server.stop(inst)
        shutil.rmtree(home, ignore_errors=True)
    summaries = [sample.summary() for sample in samples]
    rows = rows_of(summaries[0], summaries[1:])
    rows[1]["ok"] = rows[1]["ok"] and shared
    document = {
        "server": {
            "servers": 2,
            "workers": workers,
            "worker_class": worker_class,
            "cache": "redis",
        },
        "load": {"connections": connections, "seconds_per_endpoint": duration},
        "shared": shared,
        "rows": rows,
    }
    out = (
        Path(out_path) if out_path else settings.VAR_DIR / "bench" / "shared_cache.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    progress(render_rows(rows))
    progress(
        "the coverage answer was "
        + ("computed by server A and read from Redis" if shared else "NOT in Redis")
    )
    progress(f"wrote {out}")
    return document
