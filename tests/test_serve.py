"""`make run`'s supervisor (config/serve.py): the web server and the task worker
start together, the worker is started again when it exits, and whatever ends
the web server (its own exit, Ctrl-C, SIGTERM) stops the worker too. Real
processes stand in for gunicorn and db_worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config import serve

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _sleeper(pid_file: Path) -> list[str]:
    """A process that notes its pid (a line per start) and sleeps."""
    return _python(
        f"import os, time; open({str(pid_file)!r}, 'a').write(f'{{os.getpid()}}\\n'); "
        "time.sleep(600)"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not running.
    status = Path(f"/proc/{pid}/stat")
    return not status.exists() or status.read_text().split()[2] != "Z"


def _pids(path: Path, at_least: int = 1, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            pids = [int(x) for x in path.read_text().split()]
            if len(pids) >= at_least:
                return pids
        time.sleep(0.05)
    raise AssertionError(f"{path.name}: fewer than {at_least} starts")


def test_the_worker_stops_when_the_web_server_exits(tmp_path):
    worker_pids = tmp_path / "worker"
    web = _python(
        f"import time, pathlib; p = pathlib.Path({str(worker_pids)!r})\n"
        "while not p.exists(): time.sleep(0.05)\n"
        "raise SystemExit(3)"
    )
    status = serve.supervise(web, _sleeper(worker_pids), grace=5, poll=0.05)
    assert status == 3
    (pid,) = _pids(worker_pids)
    assert not _alive(pid)


def test_a_worker_that_exits_is_started_again(tmp_path):
    starts = tmp_path / "starts"
    worker = _python(
        f"import os; open({str(starts)!r}, 'a').write(f'{{os.getpid()}}\\n'); "
        "raise SystemExit(1)"
    )
    web = _python(
        f"import time, pathlib; p = pathlib.Path({str(starts)!r})\n"
        "while not p.exists() or len(p.read_text().split()) < 3: time.sleep(0.05)"
    )
    assert serve.supervise(web, worker, restart_delay=0.01, poll=0.05) == 0
    assert len(_pids(starts, at_least=3)) >= 3


def test_a_worker_busy_with_a_task_is_stopped_after_its_grace(tmp_path):
    """db_worker's first SIGTERM lets the running task end; the second stops it."""
    pid_file = tmp_path / "worker"
    worker = _python(
        "import os, signal, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: signal.signal("
        "signal.SIGTERM, signal.SIG_DFL))\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "while True: time.sleep(0.05)"
    )
    web = _python(
        f"import time, pathlib; p = pathlib.Path({str(pid_file)!r})\n"
        "while not p.exists(): time.sleep(0.05)"
    )
    serve.supervise(web, worker, grace=0.5, poll=0.05)
    (pid,) = _pids(pid_file)
    assert not _alive(pid)


def test_ctrl_c_stops_the_web_server_and_the_worker(tmp_path):
    web_pids, worker_pids = tmp_path / "web", tmp_path / "worker"
    code = (
        "import sys; from config import serve\n"
        f"sys.exit(serve.supervise({_sleeper(web_pids)!r}, "
        f"{_sleeper(worker_pids)!r}, grace=5, poll=0.05))"
    )
    supervisor = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, start_new_session=True
    )
    try:
        (web,), (worker,) = _pids(web_pids), _pids(worker_pids)
        # The terminal's Ctrl-C: SIGINT to the foreground process group, which
        # holds the supervisor and gunicorn but not the worker's session.
        os.killpg(supervisor.pid, signal.SIGINT)
        supervisor.wait(30)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert not _alive(web) and not _alive(worker)


def test_a_killed_supervisor_takes_its_children_with_it(tmp_path):
    web_pids, worker_pids = tmp_path / "web", tmp_path / "worker"
    code = (
        "import sys; from config import serve\n"
        f"serve.supervise({_sleeper(web_pids)!r}, {_sleeper(worker_pids)!r})"
    )
    supervisor = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    (web,), (worker,) = _pids(web_pids), _pids(worker_pids)
    supervisor.kill()
    supervisor.wait()
    deadline = time.monotonic() + 10
    while (_alive(web) or _alive(worker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(web) and not _alive(worker)


def test_make_run_serves_through_the_supervisor():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = recipe[recipe.index("\nrun:") : recipe.index("\ntest:")]
    assert "-m config.serve config.wsgi --config config/gunicorn.conf.py" in run
    assert serve.worker_command()[-2:] == ["db_worker", "--no-reload"]
