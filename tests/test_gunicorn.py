"""The web server as `make run` starts it (gunicorn with config/gunicorn.conf.py):
clients that send their request heads slowly, or half of them, hold no worker.

Each test starts a real gunicorn on a free port. The socket timeouts below are
hang detectors only (an answer that never comes), not time limits under test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from django.conf import settings

from config import gunicorn_worker

GUNICORN = Path(sys.executable).parent / "gunicorn"
CONF = settings.BASE_DIR / "config" / "gunicorn.conf.py"
HANG = 10.0
START = 120.0
FIRST = 8
PING = b"GET /api/v1/ping/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ask(
    port: int,
    head: bytes = PING + b"Connection: close\r\n\r\n",
    timeout: float = HANG,
) -> bytes:
    """Send one whole request and return the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        return _read_all(sock)


def _read_all(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def _read_answer(sock: socket.socket) -> bytes:
    """One answer of a kept-alive connection: its head and its body."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


class Served(NamedTuple):
    port: int
    first: list[bytes]  # the status lines of the first requests


@contextmanager
def _serve(home: Path, **env: str) -> Iterator[Served]:
    port = _free_port()
    environment = {
        **os.environ,
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "PORT": str(port),
        **env,
    }
    process = subprocess.Popen(
        # As the Makefile's run target starts it.
        [
            str(GUNICORN),
            "config.wsgi",
            "--config",
            str(CONF),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(600):
            assert process.poll() is None, "gunicorn exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=HANG).close()
                break
            except OSError:
                time.sleep(0.2)
        # The first requests, all at once, as the workers start: each answered
        # (the hang detector allows for starting Django on a busy machine).
        with ThreadPoolExecutor(FIRST) as pool:
            first = list(pool.map(lambda _: _ask(port, timeout=START), range(FIRST)))
        yield Served(port, [answer.split(b"\r\n", 1)[0] for answer in first])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """The server's home and runtime folders, where gunicorn's default control
    socket would go."""
    home = tmp_path_factory.mktemp("home")
    (home / "run").mkdir()
    return home


@pytest.fixture(scope="module")
def server(home) -> Iterator[Served]:
    with _serve(home) as served:
        yield served


def _threads() -> int:
    conf: dict = {}
    exec(CONF.read_text(), conf)
    return conf["workers"] * conf["threads"]


def test_the_first_requests_at_once_are_all_answered(server):
    assert server.first == [b"HTTP/1.1 200 OK"] * FIRST


def test_half_sent_request_heads_hold_no_worker(server):
    port = server.port
    slow = []
    try:
        # Twice as many as the server has threads, each stopped mid-header.
        for _ in range(2 * _threads()):
            sock = socket.create_connection(("127.0.0.1", port), timeout=HANG)
            sock.sendall(PING + b"X-Slow: ")
            slow.append(sock)
        assert _ask(port).startswith(b"HTTP/1.1 200 OK")
        # A slow head that is finished after all is answered, and the
        # connection's next request too.
        first = slow[0]
        first.sendall(b"1\r\n\r\n")
        assert _read_answer(first).startswith(b"HTTP/1.1 200 OK")
        first.sendall(PING)
        assert _ask(port).startswith(b"HTTP/1.1 200 OK")
        first.sendall(b"\r\n")
        assert _read_answer(first).startswith(b"HTTP/1.1 200 OK")
    finally:
        for sock in slow:
            sock.close()


def test_a_head_not_whole_in_time_closes_its_connection(tmp_path):
    (tmp_path / "run").mkdir()
    with _serve(tmp_path, LAYERWISE_GUNICORN_HEAD_TIMEOUT="0.5") as served:
        with socket.create_connection(("127.0.0.1", served.port), timeout=HANG) as sock:
            sock.sendall(PING)
            assert _read_all(sock) == b""


def test_the_server_opens_no_control_socket_at_the_shared_default_path(server, home):
    assert _ask(server.port).startswith(b"HTTP/1.1 200 OK")
    assert not list(home.rglob("gunicorn.ctl"))


def test_the_head_timeout_must_be_positive(monkeypatch):
    monkeypatch.setenv("LAYERWISE_GUNICORN_HEAD_TIMEOUT", "0")
    with pytest.raises(ValueError, match="must be above 0"):
        gunicorn_worker.head_timeout()
