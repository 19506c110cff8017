"""Progress lines of long commands: throttled, with rate and time left."""

from __future__ import annotations

from io import StringIO

from taxonomy.management.progress import SHOWN_FROM, Progress


def test_progress_is_silent_for_small_work_and_throttled_for_large():
    now = [0.0]
    out = StringIO()
    progress = Progress(out, "written", "changes", clock=lambda: now[0])
    progress(10, SHOWN_FROM - 1)
    assert out.getvalue() == ""
    total = 4 * SHOWN_FROM
    for done in range(1000, total + 1, 1000):
        now[0] += 0.25
        progress(done, total)
    lines = out.getvalue().splitlines()
    # One line a second of the 5 s of work, and always the last.
    assert len(lines) == 6
    assert lines[-1] == f"  written {total:,}/{total:,} changes (100%, 4,000/s)"
    assert lines[1].endswith("4,000/s, about 4 s left)")
