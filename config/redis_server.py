"""Start and stop a local Redis for the tests and benchmarks (never a deployment's).

`make` unpacks Debian's build into ``var/redis/root/`` (see the Makefile);
a ``redis-server`` on PATH is used when that is absent. Each instance has a
port of its own and a directory ``var/redis/<port>/`` with its configuration,
password (``requirepass``, generated on first use, owner only), pid file and
log. It listens on 127.0.0.1 only and keeps nothing on disk.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class RedisServerError(RuntimeError):
    """The local Redis could not be found, started or stopped."""


@dataclass(frozen=True)
class Instance:
    """One local Redis: its port and its directory."""

    port: int
    home: Path

    @property
    def pid_file(self) -> Path:
        return self.home / "redis.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "redis.log"

    def password(self) -> str:
        path = self.home / "password"
        if not path.exists():
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.write_text("p" + secrets.token_urlsafe(24) + "\n")  # never "-..."
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def url(self) -> str:
        """The CACHE_URL that reaches this instance."""
        return f"redis://:{self.password()}@127.0.0.1:{self.port}/0"


def instance(port: int | None = None) -> Instance:
    """The instance on ``port`` (default LAYERWISE_REDIS_TEST_PORT)."""
    port = port or settings.LAYERWISE_REDIS_TEST_PORT
    return Instance(port, Path(settings.REDIS_HOME) / str(port))


def _root() -> Path:
    return Path(settings.REDIS_HOME) / "root"


def binary() -> str:
    unpacked = _root() / "usr" / "bin" / "redis-server"
    if unpacked.exists():
        return str(unpacked)
    found = shutil.which("redis-server")
    if found is None:
        raise RedisServerError(
            "redis-server not found: run `make var/redis/.installed` (or install "
            "Debian's redis-server package)"
        )
    return found


def _env() -> dict[str, str]:
    """The environment, with the unpacked libraries (jemalloc, lzf) findable."""
    libs = [str(path) for path in (_root() / "usr" / "lib").glob("*-linux-gnu")]
    given = os.environ.get("LD_LIBRARY_PATH")
    return {**os.environ, "LD_LIBRARY_PATH": ":".join([*libs, *filter(None, [given])])}


def _config(inst: Instance) -> str:
    return "\n".join(
        [
            "bind 127.0.0.1",
            "protected-mode yes",
            f"port {inst.port}",
            f"requirepass {inst.password()}",
            "daemonize no",
            f"dir {inst.home}",
            'save ""',
            "appendonly no",
            "maxmemory 256mb",
            "maxmemory-policy allkeys-lru",
            "",
        ]
    )


def answers(inst: Instance) -> bool:
    """Whether the instance answers a PING with its password."""
    client = redis.Redis(
        host="127.0.0.1",
        port=inst.port,
        password=inst.password(),
        socket_connect_timeout=0.5,
        socket_timeout=0.5,
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def pid(inst: Instance) -> int | None:
    """The instance's process id if it runs, else None."""
    try:
        value = int(inst.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{value}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return value if b"redis-server" in cmdline else None


def start(inst: Instance) -> str:
    """Start ``inst`` in the background and wait until it answers; harmless
    when it already runs. Returns a one-line status."""
    if pid(inst) is not None and answers(inst):
        return f"Redis already running on 127.0.0.1:{inst.port}"
    inst.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    conf = inst.home / "redis.conf"
    conf.write_text(_config(inst))
    conf.chmod(0o600)
    with inst.log_file.open("ab") as log:
        process = subprocess.Popen(
            [binary(), str(conf)],
            cwd=inst.home,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    inst.pid_file.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisServerError(
                f"redis-server exited with status {process.returncode} while "
                f"starting:\n{_log_tail(inst)}"
            )
        if answers(inst):
            return f"Redis running on 127.0.0.1:{inst.port}, pid {process.pid}"
        time.sleep(0.05)
    stop(inst)
    raise RedisServerError(
        f"Redis did not answer on 127.0.0.1:{inst.port} within {START_TIMEOUT:g} s:"
        f"\n{_log_tail(inst)}"
    )


def stop(inst: Instance) -> str:
    """Stop ``inst`` (SIGTERM, then SIGKILL); returns what it did."""
    running = pid(inst)
    if running is None:
        inst.pid_file.unlink(missing_ok=True)
        return f"Redis on 127.0.0.1:{inst.port} is not running"
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.kill(running, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while pid(inst) is not None and time.monotonic() < deadline:
            _reap(running)
            time.sleep(0.05)
        if pid(inst) is None:
            break
    else:
        raise RedisServerError(f"Redis pid {running} survived SIGKILL")
    inst.pid_file.unlink(missing_ok=True)
    return f"Redis on 127.0.0.1:{inst.port} stopped"


def _reap(process_id: int) -> None:
    """Collect the exit status of a server this process started (else a zombie
    would still look alive in /proc)."""
    try:
        os.waitpid(process_id, os.WNOHANG)
    except ChildProcessError:
        pass


def _log_tail(inst: Instance, lines: int = 30) -> str:
    try:
        return "\n".join(
            inst.log_file.read_text(errors="replace").splitlines()[-lines:]
        )
    except OSError:
        return "(no log written)"
