"""``make run``: the web server (gunicorn) and the task worker (``manage.py
db_worker``, which runs import jobs) started together and stopped together.

    python -m config.serve <gunicorn arguments>

The worker runs in a session of its own, so Ctrl-C reaches the web server
(as it always did) and this supervisor, which then stops the worker: first
gracefully (SIGTERM: it ends the task it runs), and if that task is still
running after ``WORKER_GRACE`` seconds, at once (a second SIGTERM: a staged
load it was writing is undone, the job is reported failed). A worker that
exits on its own is started again (after ``RESTART_DELAY`` seconds, doubling
while it keeps failing at once); when the web server exits, the worker is
stopped and this exits with the web server's status.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger("layerwise.serve")

ROOT = Path(__file__).resolve().parents[1]
WORKER_GRACE = 20.0
RESTART_DELAY = 1.0
# A worker that lived this long was healthy: the restart delay starts again.
HEALTHY_AFTER = 60.0


def _die_with_parent() -> None:
    """In the child, before it runs: SIGTERM when this supervisor dies, even
    by SIGKILL (Linux's PR_SET_PDEATHSIG; elsewhere nothing)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _start(command: Sequence[str]) -> subprocess.Popen:
    """``command`` in a session of its own (the terminal's Ctrl-C is ours)."""
    return subprocess.Popen(
        command, start_new_session=True, preexec_fn=_die_with_parent
    )


def worker_command() -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload"]


def web_command(arguments: Sequence[str]) -> list[str]:
    return [str(Path(sys.executable).with_name("gunicorn")), *arguments]


def stop(process: subprocess.Popen, grace: float) -> None:
    """Stop ``process``: SIGTERM, then again after ``grace`` s, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGTERM, 5.0)):
        if process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
    process.kill()
    process.wait()


class _Stop(Exception):
    """SIGINT or SIGTERM reached the supervisor."""


def supervise(
    web: Sequence[str],
    worker: Sequence[str],
    *,
    grace: float = WORKER_GRACE,
    restart_delay: float = RESTART_DELAY,
    poll: float = 0.5,
) -> int:
    """Run ``web`` and ``worker`` until ``web`` exits or this is told to stop;
    restart ``worker`` whenever it exits. The web server's exit status."""

    def told_to_stop(signum: int, frame: object) -> None:
        raise _Stop(signum)

    previous = {
        sig: signal.signal(sig, told_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    web_process = worker_process = None
    try:
        worker_process = _start(worker)
        started, delay = time.monotonic(), restart_delay
        web_process = subprocess.Popen(web, preexec_fn=_die_with_parent)
        while web_process.poll() is None:
            time.sleep(poll)
            if worker_process.poll() is None:
                continue
            lived = time.monotonic() - started
            delay = restart_delay if lived > HEALTHY_AFTER else delay
            logger.warning(
                "the task worker exited (status %s); starting it again in %.0f s",
                worker_process.returncode,
                delay,
            )
            time.sleep(delay)
            delay = min(delay * 2, 60.0)
            worker_process = _start(worker)
            started = time.monotonic()
        return web_process.returncode
    except _Stop:
        if web_process is not None:
            # Ctrl-C reached gunicorn too; a SIGTERM from elsewhere did not.
            web_process.send_signal(signal.SIGTERM)
            try:
                return web_process.wait(30)
            except subprocess.TimeoutExpired:
                web_process.kill()
                return web_process.wait()
        return 1
    finally:
        # Stopping is not interrupted: a worker left behind would run on.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        if worker_process is not None:
            logger.info("stopping the task worker")
            stop(worker_process, grace)
        if web_process is not None and web_process.poll() is None:
            stop(web_process, 5.0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(arguments: Sequence[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="[serve] %(message)s")
    return supervise(web_command(arguments), worker_command())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
