"""Backups of the whole graph, audit journal included, as one file, and back.

A backup is gzip-compressed JSON lines: a header naming the format, one line
per node and per relationship (``repository.backup``), and a trailer with
the counts, so a cut file is refused rather than half restored. It is
written under a temporary name and renamed when complete, readable by its
owner only. A restore reads the file as a stream (its memory bounded by the
longest line, ``MAX_LINE``), checks all of it, then writes the graph as it
reads it again (in one transaction, or as a staged load when it is large),
and rebuilds the audit table from the restored journal.
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


# The longest line a restore reads: far beyond any row the graph can hold (an
# item of the longest texts, an audit record of two of them), and a bound on
# the memory a file can make a restore take, whatever it expands to.
MAX_LINE = 64 * 1024 * 1024
_NODE = {"node": int, "labels": list, "props": dict}
_LINK = {"source": int, "type": str, "target": int, "props": dict}


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(number, line)`` of the decompressed file, each at most MAX_LINE bytes."""
    number = 0
    try:
        with gzip.open(path, "rb") as lines:
            while line := lines.readline(MAX_LINE + 1):
                number += 1
                if len(line) > MAX_LINE:
                    raise BackupError(
                        f"{path.name}, line {number}: longer than "
                        f"{MAX_LINE // 2**20} MiB, so no backup row; nothing was "
                        "restored"
                    )
                yield number, line
    except (OSError, EOFError, zlib.error) as e:
        raise BackupError(f"{path.name}: unreadable after line {number}: {e}") from e


def _shaped(row: Any, number: int, name: str) -> dict[str, Any]:
    """``row`` if it has the fields of a node or relationship row, of their types."""
    fields = _NODE if isinstance(row, dict) and "node" in row else _LINK
    if not isinstance(row, dict) or set(row) != set(fields):
        raise BackupError(f"{name}, line {number}: not a backup row")
    for field, kind in fields.items():
        if not isinstance(row[field], kind) or isinstance(row[field], bool):
            raise BackupError(f"{name}, line {number}: {field} is no {kind.__name__}")
    return row


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    """The node and relationship rows of a backup file, checked as they are read.

    Streamed: memory stays bounded by the longest line, whatever the file's
    size. Nodes are numbered 0, 1, ... in the file's order and come before
    every relationship, whose ends must be nodes of the file; the trailer's
    counts must match. Anything else raises BackupError naming the line.
    """
    seen = {"nodes": 0, "relationships": 0}
    number = 0
    for number, line in _lines(path):
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise BackupError(f"{path.name}, line {number}: not a backup row") from e
        if number == 1:
            if not isinstance(row, dict) or (
                row.get("format"),
                row.get("version"),
            ) != (FORMAT, VERSION):
                raise BackupError(
                    f"{path.name} is no {FORMAT} file of version {VERSION}"
                )
            continue
        if isinstance(row, dict) and set(row) == {"end"}:
            held = (
                {k: row["end"].get(k) for k in seen}
                if isinstance(row["end"], dict)
                else None
            )
            if held != seen:
                raise BackupError(f"{path.name}: counts {held} != rows {seen}")
            return
        row = _shaped(row, number, path.name)
        if "node" in row:
            if seen["relationships"] or row["node"] != seen["nodes"]:
                raise BackupError(f"{path.name}, line {number}: node out of order")
            seen["nodes"] += 1
        else:
            for end in ("source", "target"):
                if not 0 <= row[end] < seen["nodes"]:
                    raise BackupError(
                        f"{path.name}, line {number}: a {row['type']:.80} "
                        f"relationship's {end} is no node of the file"
                    )
            seen["relationships"] += 1
        yield row
    raise BackupError(
        f"{path.name} ends after line {number} without its trailer: "
        "the file is incomplete; nothing was restored"
    )


def _checked(path: Path) -> tuple[dict[str, int], dict[str, Any] | None]:
    """The counts of the whole backup at ``path``, read without writing, and
    the properties of its meta node (None if it has none)."""
    counts = {"nodes": 0, "relationships": 0}
    meta = None
    for row in repository.backup_rows_checked(_rows(path)):
        counts["nodes" if "node" in row else "relationships"] += 1
        if row.get("labels") == ["LayerwiseMeta"]:
            meta = row["props"]
    return counts, meta


def backup_check(path: Path) -> dict[str, int]:
    """Read the whole backup at ``path`` without writing; return its counts.

    Raises BackupError for a file that is not a complete, well-formed backup.
    """
    return _checked(path)[0]


def backup_restore(
    path: Path, *, replace: bool = False, progress: Progress = None
) -> dict[str, Any]:
    """Restore ``path`` and rebuild the audit table from it.

    The graph is asked first (a graph that holds anything is refused without
    ``replace`` before the file is read); then the whole file is read and
    checked, holding one line at a time; then it is read again as it is
    written, in batches: in one transaction, or, for a file larger than
    ``repository.staged_from()``, as a staged load (bounded transactions,
    readers seeing the old graph until one small switch; see
    ``repository.staged_restore``). Either way a failure leaves the graph as
    it was. Raises BackupError (nothing changed) for a file that is not a
    complete backup, or a non-empty graph without ``replace``.
    """
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    repository.graph_restorable(replace=replace)
    counts, meta = _checked(path)
    if repository.restore_staged(counts, meta):
        counts = repository.graph_load_staged(
            lambda: _rows(path), counts, meta, replace=replace, progress=progress
        )
    else:
        counts = repository.graph_load(
            lambda: _rows(path), counts, replace=replace, progress=progress
        )
    counts["audit entries"] = audit.audit_rebuild()
    return counts
