"""`neo4j stop` stops a server politely, kills one that will not stop, and says which."""

from __future__ import annotations

import subprocess
import sys

import pytest

from taxonomy.graph import server

# A stand-in for the JVM: a process whose command line names Neo4j's entry
# point (which is how ``server.pid`` recognises the server), ignoring SIGTERM
# or not.
_STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN)"
_POLITE = "import time"


@pytest.fixture
def fake_server(tmp_path):
    started = []

    def start(prelude: str) -> server.Instance:
        inst = server.Instance(
            "dev", tmp_path, 1, 512 * server.MIB, "64m", server.MIB, server.MIB
        )
        inst.pid_file.parent.mkdir(parents=True, exist_ok=True)
        code = f"{prelude}\nprint('ready', flush=True)\ntime.sleep(120)"
        process = subprocess.Popen(
            [sys.executable, "-c", code, server.ENTRY_POINT],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline() == "ready\n"
        started.append(process)
        inst.pid_file.write_text(f"{process.pid}\n")
        return inst

    yield start
    for process in started:
        process.kill()
        process.wait()


def test_a_server_that_stops_on_sigterm_is_stopped_cleanly(fake_server):
    inst = fake_server(_POLITE)
    said = []
    assert server.stop(inst, echo=said.append, timeout=30) == "Neo4j (dev) stopped"
    assert said == []
    assert server.pid(inst) is None
    assert not inst.pid_file.exists()


def test_a_server_that_ignores_sigterm_is_killed_and_the_command_says_so(fake_server):
    inst = fake_server(_STUBBORN)
    said = []
    result = server.stop(inst, echo=said.append, timeout=0.5)
    assert "did not stop within 0.5s of SIGTERM; killing it (SIGKILL)" in said[0]
    assert result.startswith("Neo4j (dev) killed after 0.5s")
    assert "recovers its store" in result
    assert server.pid(inst) is None
    assert not inst.pid_file.exists()


def test_stopping_a_server_that_is_not_running_says_so(tmp_path):
    inst = server.Instance("dev", tmp_path, 1, server.MIB, "64m", 1, 1)
    assert server.stop(inst, echo=print) == "Neo4j (dev) is not running"
