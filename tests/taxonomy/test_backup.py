"""``manage.py backup`` / ``restore``: the graph and its audit log back exactly,
and a damaged file or a full graph refused with nothing changed."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from neo4j.exceptions import SessionExpired

from taxonomy import audit, backups, selectors, services
from taxonomy.backups import backup_restore, backup_write
from taxonomy.domain.errors import BackupError
from taxonomy.domain.records import Layer, Threat
from taxonomy.graph import repository
from taxonomy.models import AuditEntry

pytestmark = pytest.mark.django_db

AUDITED = (
    "at",
    "actor_id",
    "actor_name",
    "channel",
    "action",
    "kind",
    "key",
    "source",
    "target",
    "before",
    "after",
    "comment",
    "graph_revision",
    "graph_epoch",
    "position",
)


def _graph_state() -> list[str]:
    """Every node and relationship, with its properties, independent of numbering."""
    rows: list[dict] = []
    repository.graph_dump(rows.append)
    labels = {
        r["node"]: (sorted(r["labels"]), r["props"].get("id") or r["props"])
        for r in rows
        if "node" in r
    }
    state = []
    for row in rows:
        if "node" in row:
            # each restore stamps the revision's node anew (see below)
            row["props"].pop("restored", None)
            state.append(
                json.dumps([sorted(row["labels"]), row["props"]], sort_keys=True)
            )
        else:
            ends = [labels[row["source"]], row["type"], labels[row["target"]]]
            state.append(json.dumps([ends, row["props"]], sort_keys=True, default=str))
    return sorted(state)


def _audit_table() -> list[tuple]:
    return sorted(
        tuple(str(getattr(e, f)) for f in AUDITED) for e in AuditEntry.objects.all()
    )


@pytest.fixture
def audited_graph(seeded_graph, ada):
    by = {"actor": ada, "channel": "api", "comment": "for the backup"}
    services.node_create(kind="layer", record=Layer("market", "Market"), **by)
    services.node_update(
        kind="threat", key="shadow-ai", changes={"name": "Shadow AI tools"}, **by
    )
    services.node_delete(kind="layer", key="market", **by)
    return seeded_graph


def test_a_backup_restores_the_graph_and_the_audit_log_exactly(audited_graph, tmp_path):
    path = tmp_path / "graph.backup.gz"
    graph, log = _graph_state(), _audit_table()
    token = repository.graph_revision_token()
    counts = backup_write(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert counts["revision"] == repository.graph_revision()
    assert len(log) == 3

    repository.graph_clear()
    AuditEntry.objects.all().delete()
    restored = backup_restore(path)

    assert restored["audit entries"] == 3
    assert _graph_state() == graph
    assert _audit_table() == log
    # The same epoch and revision, with a restore's stamp the token carries.
    again = repository.graph_revision_token()
    assert again != token
    assert (repository.epoch_of(again), again.rsplit(":")[1]) == (
        repository.epoch_of(token),
        token.rsplit(":")[1],
    )
    names = {t.id: t.name for t in selectors.taxonomy_snapshot().threats}
    assert names["shadow-ai"] == "Shadow AI tools"
    # The restored graph goes on as before: the next write is the next revision.
    services.node_create(kind="threat", record=Threat("after", "After"), channel="api")
    assert [e.key for e in audit.audit_list()][0] == "after"
    # ... and its audit copy is the journal's, under the epoch alone (not
    # copied again under the stamped token)
    assert AuditEntry.objects.count() == 4
    epochs = set(AuditEntry.objects.values_list("graph_epoch", flat=True))
    assert epochs == {repository.epoch_of(repository.graph_revision_token())}


def test_answers_cached_before_a_restore_are_not_served_after_it(
    audited_graph, tmp_path, client, db
):
    # A restore brings back its backup's revision, which the graph had gone
    # past: the next write reaches the revision an answer was cached at.
    path = tmp_path / "graph.backup.gz"
    backup_write(path)
    services.node_create(
        kind="threat", record=Threat("before", "Before"), channel="api"
    )
    cached = client.get("/api/v1/coverage/").json()
    assert "before" in {t["id"] for t in cached["threats"]}

    backup_restore(path, replace=True)
    services.node_create(kind="threat", record=Threat("after", "After"), channel="api")
    served = client.get("/api/v1/coverage/").json()
    assert served["revision"] == cached["revision"]
    ids = {t["id"] for t in served["threats"]}
    assert "after" in ids and "before" not in ids


def _once(error: Exception):
    """A progress callback that fails the first time, as a lost connection would."""
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 1:
            raise error

    return progress, calls


def test_a_dump_and_a_restore_retried_after_a_lost_connection_lose_nothing(
    audited_graph, tmp_path
):
    path = tmp_path / "graph.backup.gz"
    graph = _graph_state()
    progress, calls = _once(SessionExpired("the connection was lost"))
    counts = backup_write(path, progress=progress)
    assert len(calls) > 1  # the dump's transaction ran twice
    with gzip.open(path, "rt") as lines:
        rows = sum(1 for line in lines) - 2  # the header and the trailer
    assert rows == counts["nodes"] + counts["relationships"]

    progress, calls = _once(SessionExpired("the connection was lost"))
    backup_restore(path, replace=True, progress=progress)
    assert len(calls) > 1
    assert _graph_state() == graph  # not the empty graph of a used-up reader


def test_a_full_graph_is_replaced_only_when_asked(audited_graph, tmp_path):
    path = tmp_path / "graph.backup.gz"
    backup_write(path)
    graph = _graph_state()
    services.node_create(kind="threat", record=Threat("extra", "Extra"), channel=None)
    with pytest.raises(BackupError, match="--replace"):
        backup_restore(path)
    assert "extra" in {t.id for t in selectors.taxonomy_snapshot().threats}
    backup_restore(path, replace=True)
    assert _graph_state() == graph


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt") as f:
        return f.readlines()


def _write(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt") as f:
        f.writelines(lines)


@pytest.mark.parametrize(
    "damage",
    ["cut", "counts", "label", "type", "bytes", "header"],
)
def test_a_damaged_backup_is_refused_and_changes_nothing(
    audited_graph, tmp_path, damage
):
    good, bad = tmp_path / "good.gz", tmp_path / "bad.gz"
    backup_write(good)
    lines = _lines(good)
    if damage == "cut":
        _write(bad, lines[: len(lines) // 2])
    elif damage == "counts":
        _write(bad, lines[:3] + lines[4:])
    elif damage == "label":
        row = json.loads(lines[1])
        row["labels"] = ["MisuseVector`) DETACH DELETE (x"]
        _write(bad, [lines[0], json.dumps(row) + "\n", *lines[2:]])
    elif damage == "type":
        row = json.loads(lines[-2])
        row["type"] = "OWNS"
        _write(bad, [*lines[:-2], json.dumps(row) + "\n", lines[-1]])
    elif damage == "bytes":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        _write(bad, ['{"format": "something-else", "version": 1}\n', *lines[1:]])
    before = _graph_state()
    with pytest.raises(BackupError):
        backup_restore(bad, replace=True)
    assert _graph_state() == before


def test_the_commands_back_up_and_restore(audited_graph, tmp_path):
    path = tmp_path / "graph.backup.gz"
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    assert f"Wrote {path}" in out.getvalue()
    with pytest.raises(CommandError, match="nothing restored.*--replace"):
        call_command("restore", str(path), stdout=StringIO())
    out = StringIO()
    call_command("restore", str(path), "--replace", stdout=out)
    assert "audit table rebuilt (3 entries)" in out.getvalue()
    with pytest.raises(CommandError, match="no backup file"):
        call_command("restore", str(tmp_path / "missing.gz"), stdout=StringIO())


def test_a_full_graph_is_refused_before_the_file_is_read(audited_graph, tmp_path):
    path = tmp_path / "not-even-gzip.gz"
    path.write_bytes(b"whatever the file holds, the graph is asked first")
    with pytest.raises(BackupError, match="--replace"):
        backup_restore(path)


def _gzip_of(path: Path, *parts: bytes | tuple[bytes, int]) -> Path:
    """A gzip file of ``parts``, a part given as (bytes, times) repeated."""
    with gzip.open(path, "wb", compresslevel=1) as out:
        for part in parts:
            chunk, times = part if isinstance(part, tuple) else (part, 1)
            for _ in range(times):
                out.write(chunk)
    return path


HEADER = b'{"format": "layerwise-backup", "version": 1}\n'


def test_a_compressed_bomb_is_refused_with_bounded_memory(audited_graph, tmp_path):
    # 1 GiB of one line, in a file of about 4 MiB.
    bomb = _gzip_of(tmp_path / "bomb.gz", HEADER, (b"A" * 2**20, 1024))
    assert bomb.stat().st_size < 2**23
    before = _graph_state()
    tracemalloc.start()
    try:
        with pytest.raises(BackupError, match="line 2: longer than 64 MiB"):
            backup_restore(bomb, replace=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * backups.MAX_LINE
    assert _graph_state() == before


@pytest.mark.parametrize(
    "row",
    [
        b"[1, 2]",
        b'{"node": 0}',
        b'{"node": "0", "labels": ["Threat"], "props": {}}',
        b'{"node": 0, "labels": [["Threat"]], "props": {}}',
        b'{"node": 0, "labels": ["MisuseVector"], "props": {"id": {"a": 1}}}',
        b'{"node": 0, "labels": ["MisuseVector"], "props": {"x": [[1]]}}',
        b'{"node": 5, "labels": ["MisuseVector"], "props": {}}',
        b'{"source": 0, "type": "ENABLES", "target": 3, "props": {}}',
        b'{"end": 7}',
        b"\xff\xfe",
    ],
)
def test_a_malformed_row_is_a_clear_error_naming_its_line(audited_graph, tmp_path, row):
    path = _gzip_of(tmp_path / "bad.gz", HEADER, row + b"\n", b'{"end": {}}\n')
    before = _graph_state()
    with pytest.raises(BackupError, match=r"line 2|node 0|relationship"):
        backup_restore(path, replace=True)
    assert _graph_state() == before
