"""Benchmark of warm answers from the shared cache: two gunicorn servers on one Redis.

``run_shared_cache_bench`` loads the seed taxonomy into the tests' Neo4j
server, starts a Redis of its own (config/redis_server.py, a free port) and
three gunicorn servers on 127.0.0.1 with CACHE_URL naming it. Server A
answers ``/api/v1/coverage/`` once as asked for server B's address and once
for C's (the Host a proxy passes to every server), which puts the answers in
Redis; then servers B and C, which never computed them, are loaded with 16
connections: B on ``/api/v1/ping/`` (the baseline, no Neo4j, no cache) and
on the coverage answer, which each of its processes reads from Redis once
and then keeps, and C on the coverage answer with
LAYERWISE_ANSWER_MEMO_BYTES=0, so that Redis is asked for it every time; in
rounds as in ``bench.api``. Targets, for both coverage rows: p99 < 50 ms and
at least 50 % of ping's throughput. Everything stays on loopback and stops
by itself.

From a shell: ``python manage.py bench --only cache``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import redis

from bench.api import (
    BASELINE,
    _free_port,
    _seeded_test_graph,
    _start_gunicorn,
    _stop,
    _wait_until_up,
    load_in_turns,
    render_rows,
    rows_of,
    write_document,
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
        them, each with the ``server`` it was measured on; ``shared`` says
        whether the answers B and C served were in Redis before their load
        began.

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
        ports = [_free_port(), _free_port(), _free_port()]
        for n, port in enumerate(ports):
            env = {"CACHE_URL": inst.url}
            if n == 2:  # C: no answer kept in the process, Redis asked every time
                env["LAYERWISE_ANSWER_MEMO_BYTES"] = "0"
            with mock.patch.dict(os.environ, env):
                processes.append(
                    _start_gunicorn(target, port, workers, 1, worker_class)
                )
        for process, port in zip(processes, ports, strict=True):
            _wait_until_up(process, port)
        progress(
            f"cache bench: server A (port {ports[0]}) computes the coverage answer; "
            f"servers B (port {ports[1]}) and C (port {ports[2]}, keeping no answer "
            f"in memory), {workers} {worker_class} workers each, serve it"
        )
        for port in ports[1:]:
            _warm(ports[0], f"127.0.0.1:{port}")
        shared = len(client.keys("layerwise:1:response:*")) == 2
        # (port, path): ping and coverage on B, coverage on C
        runs = [(ports[1], BASELINE), (ports[1], COVERAGE), (ports[2], COVERAGE)]
        summaries = load_in_turns(  # every worker reads the token once first
            runs,
            connections=connections,
            duration=duration,
            rounds=rounds,
            say=lambda round_: progress(f"cache bench: round {round_}/{rounds}"),
        )
    finally:
        for process in processes:
            _stop(process)
        client.close()
        redis_server.stop(inst)
        shutil.rmtree(home, ignore_errors=True)
    rows = rows_of(summaries[0], summaries[1:])
    for row, server in zip(rows, ("B", "B", "C, Redis every time"), strict=True):
        row["server"] = server
    for row in rows[1:]:
        row["ok"] = row["ok"] and shared
    document = {
        "server": {
            "servers": 3,
            "workers": workers,
            "worker_class": worker_class,
            "cache": "redis",
        },
        "load": {"connections": connections, "seconds_per_endpoint": duration},
        "shared": shared,
        "rows": rows,
    }
    out = write_document(document, out_path, "shared_cache.json")
    progress(render_rows(rows, label=lambda row: f"{row['path']} ({row['server']})"))
    progress(
        "the coverage answer was "
        + ("computed by server A and read from Redis" if shared else "NOT in Redis")
    )
    progress(f"wrote {out}")
    return document
