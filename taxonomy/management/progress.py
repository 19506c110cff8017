"""Progress of long command-line work: done of total, percent, rate and time left."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

# Work smaller than this finishes before a progress line would help.
SHOWN_FROM = 5000
# At most one line per this many seconds (and always the last one).
EVERY = 1.0


def progress_line(
    verb: str, unit: str, done: int, total: int, seconds: float, since: int = 0
) -> str:
    """One progress line; the rate and time left once some time has passed.

    >>> progress_line("written", "changes", 5000, 20000, 2.0)
    '  written 5,000/20,000 changes (25%, 2,500/s, about 6 s left)'
    >>> progress_line("read", "records", 10, 10, 0.0)
    '  read 10/10 records (100%)'
    """
    line = f"  {verb} {done:,}/{total:,} {unit} ({100 * done // max(total, 1)}%"
    if seconds > 0 and done > since:
        rate = (done - since) / seconds
        line += f", {rate:,.0f}/s"
        if done < total:
            line += f", about {(total - done) / rate:,.0f} s left"
    return line + ")"


class Progress:
    """A ``progress(done, total)`` callback that writes lines to ``stream``.

    Silent for work under ``SHOWN_FROM`` items; otherwise a line at most every
    ``EVERY`` seconds, and the last one.
    """

    def __init__(
        self,
        stream: TextIO,
        verb: str,
        unit: str = "",
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream, self.verb, self.unit, self.clock = stream, verb, unit, clock
        self.shown_at: float | None = None
        # The rate counts from the first report: what came before it (reading,
        # comparing) is not the work whose pace predicts the rest.
        self.origin: tuple[float, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if total < SHOWN_FROM:
            return
        now = self.clock()
        recent = self.shown_at is not None and now - self.shown_at < EVERY
        if recent and done < total:
            return
        self.shown_at = now
        if self.origin is None:
            self.origin = (now, done)
        began, since = self.origin
        line = progress_line(self.verb, self.unit, done, total, now - began, since)
        self.stream.write(line + "\n")


def write_line(stats) -> str:
    """How a whole-taxonomy write went (a ``repository.WriteStats``), in one line.

    >>> from taxonomy.graph.repository import WriteStats
    >>> write_line(WriteStats(items=1_105_066, staged=True, transactions=240, seconds=40.0))
    'Written as a staged load: 1,105,066 changes in 240 transactions, 40.0 s (27,627/s)'
    >>> write_line(WriteStats(items=12, transactions=1, seconds=0.2))
    'Written in one transaction: 12 changes, 0.2 s'
    >>> write_line(WriteStats(seconds=0.5))
    'Nothing to write (0.5 s)'
    """
    if not stats.items:
        return f"Nothing to write ({stats.seconds:.1f} s)"
    if not stats.staged:
        return f"Written in one transaction: {stats.items:,} changes, {stats.seconds:.1f} s"
    rate = stats.items / stats.seconds if stats.seconds else 0
    return (
        f"Written as a staged load: {stats.items:,} changes in "
        f"{stats.transactions:,} transactions, {stats.seconds:.1f} s ({rate:,.0f}/s)"
    )
