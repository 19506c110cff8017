"""Install, start, stop and inspect the project's own local Neo4j servers."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
# What Neo4j's own launcher passes to the JVM that the server needs to run
# on Java 17 (netty and the page cache reach into these modules).
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)


MIB = 1024**2
# A local server's heap when LAYERWISE_NEO4J_HEAP is unset: a quarter of the
# machine's memory, never below what Neo4j needs to run, never above what a
# workstation's taxonomy needs (a larger graph sets the variable).
HEAP_SHARE = 4
HEAP_BOUNDS = (512 * MIB, 4096 * MIB)
# Neo4j aborts a transaction that would hold more than these shares of the
# heap, so a write too large fails on its own instead of exhausting the JVM
# (which would leave the server answering nothing until it is restarted).
TX_SHARE = 0.5
TX_TOTAL_SHARE = 0.7
KILL_WAIT = 10.0  # seconds a killed server may take to disappear
# Neo4j's memory limits -> the suffix of the variable that sets each locally.
LIMIT_VARIABLES = {
    "db.memory.transaction.max": "TX_MAX",
    "db.memory.transaction.total.max": "TX_TOTAL_MAX",
    "dbms.memory.transaction.total.max": "TX_TOTAL_MAX",
}


class ServerError(RuntimeError):
    """The local server could not be installed, started or stopped."""


@dataclass(frozen=True)
class Instance:
    """One local Neo4j server: its own directory, port, and password file."""

    name: str
    home: Path
    port: int
    heap: int  # bytes, as are the transaction limits
    pagecache: str
    tx_max: int
    tx_total_max: int

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    def password(self) -> str:
        """The neo4j user's password, generated on first use unless configured."""
        if self.name == "dev" and settings.NEO4J_PASSWORD:
            return settings.NEO4J_PASSWORD
        if not self.password_file.exists():
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.password_file.write_text(new_password() + "\n")
            self.password_file.chmod(0o600)
        return self.password_file.read_text().strip()


def new_password() -> str:
    """A random password (192 bits) that never begins with "-".

    ``token_urlsafe`` begins with "-" once in 64; command-line tools then take
    it for an option.

    >>> all(not new_password().startswith("-") for _ in range(500))
    True
    >>> len(new_password())
    33
    """
    return "p" + secrets.token_urlsafe(24)


def default_heap(memory: int) -> int:
    """The heap, in bytes, of a local server on a machine with ``memory`` bytes.

    A quarter of the memory in whole MiB, within ``HEAP_BOUNDS``.

    >>> [default_heap(gib * 1024**3) // MIB for gib in (1, 8, 64)]
    [512, 2048, 4096]
    """
    low, high = HEAP_BOUNDS
    return min(max(memory // HEAP_SHARE // MIB * MIB, low), high)


def machine_memory() -> int:
    """The bytes of memory this machine (or its container) gives the process."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("memory.max", "memory/memory.limit_in_bytes"):
        try:
            text = Path("/sys/fs/cgroup", limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            physical = min(physical, int(text))
    return physical


def _share(size: int, share: float) -> int:
    return int(size * share) // MIB * MIB


def memory_text(size: int) -> str:
    """A size in bytes as Neo4j's settings and the JVM's flags spell it.

    >>> memory_text(512 * MIB), memory_text(1536 * 1024)
    ('512m', '1536k')
    """
    return f"{size // MIB}m" if size % MIB == 0 else f"{size // 1024}k"


def variable(name: str, suffix: str) -> str:
    """The environment variable that sets ``suffix`` of the local instance ``name``.

    >>> variable("dev", "HEAP"), variable("test", "TX_MAX")
    ('LAYERWISE_NEO4J_HEAP', 'LAYERWISE_NEO4J_TEST_TX_MAX')
    """
    return f"LAYERWISE_NEO4J_{'TEST_' if name == 'test' else ''}{suffix}"


def limit_advice(name: str | None, setting: str) -> str:
    """How to raise Neo4j's memory limit ``setting`` of local instance ``name``.

    ``name`` None means the server NEO4J_URI names, which the project does
    not configure.
    """
    if name is None:
        return (
            f"Raise {setting} and the heap in the configuration of the server "
            "NEO4J_URI names, or write less at once."
        )
    suffix = LIMIT_VARIABLES.get(setting, "TX_MAX")
    option = " --instance test" if name == "test" else ""
    return (
        f"Raise {variable(name, 'HEAP')} (the limits are shares of the heap) or "
        f"{variable(name, suffix)}, then restart Neo4j (python manage.py neo4j "
        f"stop{option}; python manage.py neo4j start{option}), or write less at once."
    )


def lib_dir() -> Path:
    return settings.NEO4J_HOME / "lib"


def current_instance_name() -> str:
    return settings.NEO4J_INSTANCE


def instance(name: str) -> Instance:
    try:
        cfg = settings.NEO4J_LOCAL_INSTANCES[name]
    except KeyError:
        known = ", ".join(settings.NEO4J_LOCAL_INSTANCES)
        raise ServerError(f"unknown instance {name!r}; use one of {known}") from None
    heap = cfg["heap"] or default_heap(machine_memory())
    return Instance(
        name,
        Path(cfg["dir"]),
        cfg["port"],
        heap,
        cfg["pagecache"],
        tx_max=cfg["tx_max"] or _share(heap, TX_SHARE),
        tx_total_max=cfg["tx_total_max"] or _share(heap, TX_TOTAL_SHARE),
    )


def is_installed() -> bool:
    return any(lib_dir().glob("neo4j-kernel-5.26.*.jar"))


def install(*, echo: Callable[[str], None] = print) -> None:
    """Fetch the server's jars with Maven through neo4j/pom.xml (once)."""
    if is_installed():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerError("Maven (mvn) is not on PATH; install Maven to fetch Neo4j")
    pom = settings.BASE_DIR / "neo4j" / "pom.xml"
    echo(f"Fetching Neo4j Community jars with Maven into {lib_dir()} ...")
    result = subprocess.run(
        [mvn, "-B", "-q", "-f", str(pom), "package", f"-Dneo4j.lib={lib_dir()}"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not is_installed():
        tail = (result.stdout + result.stderr)[-3000:]
        raise ServerError(f"mvn could not fetch the Neo4j jars:\n{tail}")


def java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home, "bin", "java") if java_home else None
    if candidate and candidate.exists():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise ServerError("java is not on PATH; Neo4j 5.26 needs Java 17 or 21")
    return found


def _render_config(inst: Instance) -> None:
    template = (settings.BASE_DIR / "neo4j" / "neo4j.conf.template").read_text()
    inst.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (inst.home / sub).mkdir(parents=True, exist_ok=True)
    text = template.format(
        data_dir=inst.data_dir,
        logs_dir=inst.logs_dir,
        run_dir=inst.home / "run",
        import_dir=inst.home / "import",
        plugins_dir=inst.home / "plugins",
        bolt_port=inst.port,
        pagecache=inst.pagecache,
        tx_max=memory_text(inst.tx_max),
        tx_total_max=memory_text(inst.tx_total_max),
    )
    (inst.conf_dir / "neo4j.conf").write_text(text)


def _env(inst: Instance) -> dict[str, str]:
    return {
        **os.environ,
        "NEO4J_HOME": str(inst.home),
        "NEO4J_CONF": str(inst.conf_dir),
    }


def _set_initial_password(inst: Instance) -> None:
    if (inst.data_dir / "dbms" / "auth.ini").exists() or _has_store(inst):
        return
    result = subprocess.run(
        [
            java(),
            "-cp",
            f"{lib_dir()}/*",
            ADMIN_TOOL,
            "dbms",
            "set-initial-password",
            # The password may begin with "-": without "--" the tool would
            # read it as an option and print its usage instead.
            "--",
            inst.password(),
        ],
        env=_env(inst),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ServerError(f"set-initial-password failed:\n{result.stderr[-2000:]}")


def _has_store(inst: Instance) -> bool:
    return (inst.data_dir / "databases" / "system").exists()


def pid(inst: Instance) -> int | None:
    """The server's process id if it is running, else None."""
    try:
        value = int(inst.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(value, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return value
    cmdline = Path(f"/proc/{value}/cmdline")
    if cmdline.exists() and ENTRY_POINT.encode() not in cmdline.read_bytes():
        return None
    return value


def bolt_answers(inst: Instance, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", inst.port), timeout=timeout):
            return True
    except OSError:
        return False


def server_version(inst: Instance) -> str | None:
    """The kernel version the server reports, None when it does not answer."""
    import neo4j

    from taxonomy.graph.repository.probe import kernel_version

    try:
        with neo4j.GraphDatabase.driver(
            inst.bolt_uri, auth=("neo4j", inst.password()), connection_timeout=3.0
        ) as drv:
            return kernel_version(drv)
    except Exception:  # noqa: BLE001 - status reports "not answering", never raises
        return None


def log_tail(inst: Instance, lines: int = 40) -> str:
    chunks = []
    for name in ("console.log", "neo4j.log", "debug.log"):
        path = inst.logs_dir / name
        if path.exists() and path.stat().st_size:
            text = path.read_text(errors="replace").splitlines()[-lines:]
            chunks.append(f"--- {path} ---\n" + "\n".join(text))
    return "\n".join(chunks) or "(no log written)"


def start(inst: Instance, *, echo: Callable[[str], None] = print) -> str:
    """Start ``inst`` in the background and wait until Bolt answers.

    Returns a one-line status. Harmless when the server already runs.
    """
    if pid(inst) is not None and bolt_answers(inst):
        return f"Neo4j ({inst.name}) already running on {inst.bolt_uri}"
    if pid(inst) is None and bolt_answers(inst):
        raise ServerError(
            f"port {inst.port} is taken by another process; set "
            f"{variable(inst.name, 'PORT')} to a free port"
        )
    install(echo=echo)
    _render_config(inst)
    _set_initial_password(inst)
    console = (inst.logs_dir / "console.log").open("ab")
    command = [
        java(),
        f"-Xms{memory_text(inst.heap)}",
        f"-Xmx{memory_text(inst.heap)}",
        *JVM_FLAGS,
        "-cp",
        f"{lib_dir()}/*",
        ENTRY_POINT,
        f"--home-dir={inst.home}",
        f"--config-dir={inst.conf_dir}",
    ]
    process = subprocess.Popen(
        command,
        cwd=inst.home,
        env=_env(inst),
        stdin=subprocess.DEVNULL,
        stdout=console,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    inst.pid_file.write_text(f"{process.pid}\n")
    echo(f"Starting Neo4j ({inst.name}) on {inst.bolt_uri}, pid {process.pid} ...")
    deadline = time.monotonic() + settings.NEO4J_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"Neo4j exited with status {process.returncode} while starting.\n"
                + log_tail(inst)
            )
        if bolt_answers(inst) and server_version(inst):
            return f"Neo4j ({inst.name}) running on {inst.bolt_uri}, pid {process.pid}"
        time.sleep(0.5)
    stop(inst, echo=lambda _: None)
    raise ServerError(
        f"Neo4j did not answer on {inst.bolt_uri} within "
        f"{settings.NEO4J_START_TIMEOUT}s.\n" + log_tail(inst)
    )


def stop(
    inst: Instance, *, echo: Callable[[str], None] = print, timeout: float = 60
) -> str:
    """Stop ``inst``: politely, then by force; returns what it took.

    SIGTERM runs Neo4j's own clean shutdown. A server that has not stopped
    ``timeout`` seconds later (one out of memory may never) is killed with
    SIGKILL; its next start recovers the store from the transaction log.
    """
    running = pid(inst)
    if running is None:
        inst.pid_file.unlink(missing_ok=True)
        return f"Neo4j ({inst.name}) is not running"
    os.kill(running, signal.SIGTERM)
    if _gone(inst, timeout):
        inst.pid_file.unlink(missing_ok=True)
        return f"Neo4j ({inst.name}) stopped"
    echo(
        f"Neo4j ({inst.name}) pid {running} did not stop within {timeout:g}s "
        "of SIGTERM; killing it (SIGKILL)"
    )
    try:
        os.kill(running, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if not _gone(inst, KILL_WAIT):
        raise ServerError(
            f"Neo4j ({inst.name}) pid {running} survived SIGKILL; stop it yourself"
        )
    inst.pid_file.unlink(missing_ok=True)
    return (
        f"Neo4j ({inst.name}) killed after {timeout:g}s; the next start recovers "
        "its store from the transaction log"
    )


def _gone(inst: Instance, seconds: float) -> bool:
    """Whether ``inst``'s process ends within ``seconds``."""
    deadline = time.monotonic() + seconds
    while pid(inst) is not None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def status(inst: Instance) -> tuple[bool, str]:
    running = pid(inst)
    if running is None:
        return (
            False,
            f"Neo4j ({inst.name}) not running (would listen on {inst.bolt_uri})",
        )
    version = server_version(inst)
    if version is None:
        return (
            False,
            f"Neo4j ({inst.name}) pid {running} is not answering on {inst.bolt_uri}",
        )
    return (
        True,
        f"Neo4j ({inst.name}) running: {version} on {inst.bolt_uri}, pid {running}",
    )
