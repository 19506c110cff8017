"""A real Redis for the shared-cache tests, started on first use like Neo4j, and
gunicorn servers on the test Neo4j and that Redis."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config import cache as shared_cache
from config import redis_server
from config.env import cache_settings
from taxonomy import services

GUNICORN = Path(sys.executable).parent / "gunicorn"
START_TIMEOUT = 30.0
# The host every server is asked for, as a proxy in front of them would pass it.
PUBLIC_HOST = "layerwise.test"


@pytest.fixture(scope="session")
def redis_instance() -> Iterator[redis_server.Instance]:
    """The test Redis (port LAYERWISE_REDIS_TEST_PORT), stopped at the end if
    this session started it."""
    inst = redis_server.instance()
    running_before = redis_server.pid(inst) is not None
    redis_server.start(inst)
    yield inst
    if not running_before:
        redis_server.stop(inst)


@pytest.fixture
def redis_client(redis_instance) -> Iterator[redis.Redis]:
    """A client of the test Redis, emptied before and after the test."""
    client = redis.Redis(port=redis_instance.port, password=redis_instance.password())
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def _cache_answers(monkeypatch):
    """No outage remembered from an earlier test."""
    monkeypatch.setattr(shared_cache, "_retry_at", 0.0)


def redis_entry(url: str) -> dict:
    """The CACHES entry CACHE_URL=``url`` gives."""
    return cache_settings(url, max_entries=0)


@pytest.fixture
def shared_settings(settings, redis_client, redis_instance, _cache_answers):
    """This process's cache is the test Redis."""
    settings.CACHES = {"default": redis_entry(redis_instance.url)}
    return settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One gunicorn server and how to ask it."""

    port: int
    process: subprocess.Popen

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        body: dict | None = None,
        token: str | None = None,
    ) -> tuple[int, bytes]:
        headers = {"Host": PUBLIC_HOST}
        if token:
            headers["Authorization"] = f"Token {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data, headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def json(self, path: str) -> dict:
        status, body = self.request(path)
        assert status == 200, body
        return json.loads(body)


def server_env(target, *, cache_url: str, database_url: str) -> dict[str, str]:
    """The environment of a gunicorn server on the TEST Neo4j and ``cache_url``."""
    return {
        **os.environ,
        "NEO4J_URI": target.uri,
        "NEO4J_USER": target.user,
        "NEO4J_PASSWORD": target.password,
        "NEO4J_DATABASE": target.database,
        "LAYERWISE_NEO4J_INSTANCE": "test",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        # Only the write mark can explain a server seeing another's write.
        "LAYERWISE_REVISION_MAX_AGE": "60",
        "LAYERWISE_API_ANON_RATE": "",
        "ALLOWED_HOSTS": f"{PUBLIC_HOST},127.0.0.1",
        "DEBUG": "false",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def start_server(env: dict[str, str]) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(port, process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if server.request("/api/v1/ping/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


@pytest.fixture(scope="module")
def sql_database(neo4j_server, tmp_path_factory) -> tuple[str, str]:
    """A file SQLite database the servers share, migrated, with an editor; its
    DATABASE_URL and the editor's API token."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sql') / 'shared.sqlite3'}"
    env = server_env(neo4j_server, cache_url="", database_url=url)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "create_editor", "alice")
    return url, manage(env, "api_token", "alice").strip()


@pytest.fixture(scope="module")
def _servers(neo4j_server, redis_instance, sql_database) -> Iterator[list[Server]]:
    env = server_env(
        neo4j_server, cache_url=redis_instance.url, database_url=sql_database[0]
    )
    servers = []
    try:
        servers += [start_server(env), start_server(env)]
        yield servers
    finally:
        for server in servers:
            stop_server(server)


@pytest.fixture
def two_servers(_servers, shared_settings, graph, sql_database):
    """Two gunicorn servers (two workers each) on the test Neo4j, one Redis and
    one SQL database, the graph holding the seed; and an editor's API token.

    The seed is loaded with this process's cache on the same Redis, as a
    third server's write: the servers see it on their next read."""
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    return (*_servers, sql_database[1])
