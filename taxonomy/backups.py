"""Backups of the whole graph, audit journal included, as one file, and back.

A backup is gzip-compressed JSON lines: a header naming the format, one line
per node and per relationship (``repository.backup``), and a trailer with
the counts, so a cut file is refused rather than half restored. It is
written under a temporary name and renamed when complete, readable by its
owner only. A restore writes the graph in one transaction, then rebuilds the
audit table from the restored journal.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from taxonomy import audit
from taxonomy.domain.errors import BackupError
from taxonomy.graph import repository

FORMAT = "layerwise-backup"
VERSION = 1
Progress = Callable[[int, int], None] | None


def backup_write(path: Path, *, progress: Progress = None) -> dict[str, Any]:
    """Write the whole graph to ``path``; return the counts and the revision."""
    partial = path.with_name(path.name + ".partial")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(),
    }
    out: Any = None

    def restart() -> None:
        """Begin the file (again, if a transaction is retried)."""
        nonlocal out
        if out is not None:
            out.close()
        out = gzip.open(partial, "wt", encoding="utf-8")
        os.chmod(partial, 0o600)
        out.write(json.dumps(header) + "\n")

    def write(row: dict[str, Any]) -> None:
        out.write(json.dumps(row, separators=(",", ":")) + "\n")

    try:
        counts = repository.graph_dump(write, progress, restart=restart)
        out.write(json.dumps({"end": counts}) + "\n")
        out.close()
        out = None
        os.replace(partial, path)
    finally:
        if out is not None:
            out.close()
        partial.unlink(missing_ok=True)
    return counts


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    """The node and relationship rows of a backup file, checked as they are read."""
    seen = {"nodes": 0, "relationships": 0}
    number = 0
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                row = json.loads(line)
                if number == 1:
                    if row.get("format") != FORMAT or row.get("version") != VERSION:
                        raise BackupError(
                            f"{path.name} is no {FORMAT} file of version {VERSION}"
                        )
                    continue
                if "end" in row:
                    held = {k: row["end"].get(k) for k in seen}
                    if held != seen:
                        raise BackupError(f"{path.name}: counts {held} != rows {seen}")
                    return
                seen["nodes" if "node" in row else "relationships"] += 1
                yield row
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        raise BackupError(f"{path.name}: unreadable after line {number}: {e}") from e
    except (json.JSONDecodeError, AttributeError, TypeError) as e:
        raise BackupError(f"{path.name}, line {number + 1}: not a backup row") from e
    raise BackupError(
        f"{path.name} ends after line {number} without its trailer: "
        "the file is incomplete; nothing was restored"
    )


def backup_restore(
    path: Path, *, replace: bool = False, progress: Progress = None
) -> dict[str, Any]:
    """Restore ``path`` in one transaction and rebuild the audit table from it.

    Raises BackupError (nothing changed) for a file that is not a complete
    backup, or a non-empty graph without ``replace``.
    """
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    counts = repository.graph_load(_rows(path), replace=replace, progress=progress)
    counts["audit entries"] = audit.audit_rebuild()
    return counts
