"""``restore --replace`` of a backup larger than one transaction may hold: staged
in bounded transactions, all-or-nothing, unseen by readers until its switch,
and undone or finished after a crash.

The test server's per-transaction limit is 32 MiB (``test_memory_limits``):
the large backup below, some 22,000 rows, is refused when it must be one
transaction and restored whole when staged.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from bench.interchange import NAME, bench_taxonomy
from taxonomy import audit, selectors, services
from taxonomy.backups import backup_restore, backup_write
from taxonomy.domain.errors import BackupError, GraphError
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.domain.records import Layer, Taxonomy, Threat
from taxonomy.formats.sssom import write_sssom
from taxonomy.graph import repository
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository import staged_restore, staging
from taxonomy.management import progress
from tests.taxonomy.test_backup import _audit_table

pytestmark = pytest.mark.django_db

STAGED = {"LAYERWISE_STAGED_WRITE_ITEMS": 0, "LAYERWISE_STAGE_BATCH": 500}


def _dump() -> list[str]:
    """The graph as a backup holds it, independent of numbering, but for the
    restore stamp, the count of staged loads begun and the marks of staged
    loads long settled (which a staged restore does not carry over)."""
    rows: list[dict] = []
    repository.graph_dump(rows.append)
    for row in rows:
        row["props"].pop("restored", None)
        row["props"].pop("_load", None)
        row["props"].pop("load_seq", None)
    names = {
        r["node"]: (sorted(r["labels"]), r["props"].get("id") or r["props"])
        for r in rows
        if "node" in r
    }
    for row in rows:
        if "node" in row:
            row["node"] = None
        else:
            row["source"], row["target"] = names[row["source"]], names[row["target"]]
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


def _leftovers() -> dict:
    """Marks, replacements, locks and leases a restore may leave (none)."""
    records, _, _ = get_driver().execute_query(
        "CALL () { MATCH (n) WHERE n._drop IS NOT NULL OR n._sid IS NOT NULL "
        "RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() WHERE r._load IS NOT NULL "
        "OR r._drop IS NOT NULL RETURN count(r) AS rels } "
        "CALL () { MATCH (l:LayerwiseLease) RETURN count(l) AS leases } "
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "RETURN nodes, rels, leases, m.load_state AS state",
        database_=database(),
    )
    return dict(records[0])


CLEAN = {"nodes": 0, "rels": 0, "leases": 0, "state": None}


def _change_graph(ada) -> None:
    by = {"actor": ada, "channel": "api"}
    services.node_create(kind="layer", record=Layer("market", "Market"), **by)
    services.node_update(
        kind="threat", key="shadow-ai", changes={"name": "Shadow AI tools"}, **by
    )


@pytest.fixture
def small_backup(seeded_graph, ada, tmp_path):
    """A backup of the seed with some audited writes; the graph then changed."""
    _change_graph(ada)
    path = tmp_path / "small.backup.gz"
    backup_write(path)
    state = (_dump(), _audit_table(), repository.graph_revision())
    services.node_create(
        kind="threat", record=Threat("later", "Later"), actor=ada, channel="api"
    )
    return path, state


@pytest.fixture
def large_backup(seeded_graph, tmp_path):
    """A backup that needs more than the test server's 32 MiB in one
    transaction (2,000 threats and 20,000 links); the graph
    then changed."""
    services.taxonomy_apply(
        taxonomy=bench_taxonomy(threats=2_000, mitigations=200, links=20_000),
        scope=NAME,
    )
    path = tmp_path / "large.backup.gz"
    counts = backup_write(path)
    assert counts["nodes"] + counts["relationships"] > 20_000
    state = (_dump(), _audit_table(), repository.graph_revision())
    services.node_create(kind="threat", record=Threat("later", "Later"), channel="api")
    return path, state


def test_a_restore_larger_than_a_transaction_may_hold_is_staged_and_whole(
    large_backup, settings
):
    path, (graph, log, revision) = large_backup
    changed = _dump()
    settings.LAYERWISE_STAGED_WRITE_ITEMS = 10**9
    with pytest.raises(GraphError, match="db.memory.transaction.max"):
        backup_restore(path, replace=True)
    assert _dump() == changed

    settings.LAYERWISE_STAGED_WRITE_ITEMS = 20_000
    seen: list[tuple[int, int]] = []
    counts = backup_restore(
        path, replace=True, progress=lambda done, total: seen.append((done, total))
    )
    assert _dump() == graph
    assert _audit_table() == log
    assert repository.graph_revision() == revision
    assert _leftovers() == CLEAN
    assert counts["nodes"] + counts["relationships"] == len(graph)
    # progress a batch at a time, up to every row of the file but its meta node
    assert len(seen) >= 3 and seen[-1] == (len(graph) - 1, len(graph) - 1)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("staged", [False, True])
def test_a_small_restore_gives_back_the_graph_and_its_audit_log(
    small_backup, staged, settings
):
    path, (graph, log, revision) = small_backup
    if staged:
        settings.LAYERWISE_STAGED_WRITE_ITEMS = 0
    token = repository.graph_revision_token()
    backup_restore(path, replace=True)
    assert _dump() == graph
    assert _audit_table() == log
    assert repository.graph_revision() == revision
    assert _leftovers() == CLEAN
    assert repository.graph_revision_token() != token
    names = {t.id: t.name for t in selectors.taxonomy_snapshot().threats}
    assert "later" not in names and names["shadow-ai"] == "Shadow AI tools"
    # the restored graph goes on: the next write is its next revision
    services.node_create(kind="threat", record=Threat("after", "After"), channel="api")
    assert repository.graph_revision() == revision + 1
    assert audit.audit_list()[0].key == "after"


def test_a_staged_restore_into_a_full_graph_is_refused_without_replace(
    small_backup, settings
):
    path, _ = small_backup
    before = _dump()
    settings.LAYERWISE_STAGED_WRITE_ITEMS = 0
    with pytest.raises(BackupError, match="--replace"):
        backup_restore(path)
    assert _dump() == before
    assert _leftovers() == CLEAN


def _with_a_second(path, out, key: str) -> None:
    """``path`` with one more node near its end: a second threat ``key``."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.readlines()
    rows = [json.loads(line) for line in lines]
    nodes = [r for r in rows if "node" in r]
    twin = next(r for r in nodes if r["props"].get("id") == key)
    extra = {**twin, "node": len(nodes)}
    end = rows[-1]["end"]
    end["nodes"] += 1
    out_rows = [*rows[: len(nodes) + 1], extra, *rows[len(nodes) + 1 : -1], rows[-1]]
    with gzip.open(out, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in out_rows)


def test_a_bad_record_near_the_end_leaves_the_graph_exactly_as_it_was(
    small_backup, tmp_path, settings
):
    """The file passes the check (each row is well formed) but names a threat
    twice as its last node: found while staging, after every earlier batch is
    written; everything staged and marked is removed."""
    path, _ = small_backup
    bad = tmp_path / "twice.backup.gz"
    _with_a_second(path, bad, "shadow-ai")
    before, log = tmp_path / "before.gz", _audit_table()
    backup_write(before)
    with override_settings(**STAGED):
        with pytest.raises(BackupError, match="a second [A-Za-z]+ 'shadow-ai'"):
            backup_restore(bad, replace=True)
    after = tmp_path / "after.gz"
    backup_write(after)
    # byte for byte but the file's creation time and the meta node's count of
    # staged loads begun (``load_seq``, which every load undone leaves one up)
    assert _without_seq(_lines(after)[1:]) == _without_seq(_lines(before)[1:])
    assert _audit_table() == log
    assert _leftovers() == CLEAN


def _without_seq(lines: list[bytes]) -> list[bytes]:
    out = []
    for line in lines:
        row = json.loads(line)
        if row.get("labels") == ["LayerwiseMeta"]:
            row["props"].pop("load_seq", None)
            line = json.dumps(row, separators=(",", ":")).encode() + b"\n"
        out.append(line)
    return out


def _lines(path) -> list[bytes]:
    with gzip.open(path, "rb") as f:
        return f.readlines()


def test_readers_see_the_old_graph_until_the_switch(small_backup, monkeypatch):
    path, (graph, log, _) = small_backup
    before = (repository.taxonomy_read(), repository.journal_count())
    journal = [e for page in repository.journal_after(0, -1) for e in page]
    seen = {}
    switch = staged_restore._switch

    def read_then_switch(load, meta):
        seen["before"] = (repository.taxonomy_read(), repository.journal_count())
        seen["journal"] = [e for page in repository.journal_after(0, -1) for e in page]
        switch(load, meta)
        seen["after"] = repository.taxonomy_read()

    monkeypatch.setattr(staged_restore, "_switch", read_then_switch)
    with override_settings(**STAGED):
        backup_restore(path, replace=True)
    assert seen["before"] == before
    assert seen["journal"] == journal
    # just after the switch, before settling: the restored graph
    assert seen["after"] == repository.taxonomy_read()
    assert "later" not in {t.id for t in seen["after"].threats}
    assert _dump() == graph


def _wait_stale() -> None:
    time.sleep(staging.stale_seconds() + 0.2)


def test_a_restore_killed_before_its_switch_is_undone_on_the_next_start(
    small_backup, monkeypatch, caplog
):
    path, _ = small_backup
    before, log, read = _dump(), _audit_table(), repository.taxonomy_read()

    def killed(load, meta):
        raise KeyboardInterrupt

    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=1, **STAGED):
        with monkeypatch.context() as m:
            m.setattr(staged_restore, "_switch", killed)
            m.setattr(staged_restore, "_set_aborting", lambda load: None)
            m.setattr(staged_restore, "abort_restore", lambda load: None)
            with pytest.raises(KeyboardInterrupt):
                backup_restore(path, replace=True)
        assert repository.load_status()["state"] == "staging"
        assert repository.taxonomy_read() == read
        _wait_stale()
        with caplog.at_level(logging.WARNING):
            assert repository.settle_load() == "aborted"
    assert "undid the staged restore (of a backup)" in caplog.text
    assert _dump() == before
    assert _audit_table() == log
    assert _leftovers() == CLEAN


def test_a_restore_killed_after_its_switch_is_finished_on_the_next_start(
    small_backup, monkeypatch, caplog
):
    path, (graph, log, revision) = small_backup
    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=1, **STAGED):
        with monkeypatch.context() as m:
            m.setattr(staged_restore, "settle_restore", lambda load: None)
            backup_restore(path, replace=True)
        assert repository.load_status()["state"] == "committed"
        assert "later" not in {t.id for t in repository.taxonomy_read().threats}
        _wait_stale()
        with caplog.at_level(logging.WARNING):
            assert repository.settle_load() == "settled"
    assert "finished the staged restore (of a backup)" in caplog.text
    assert _dump() == graph
    assert _audit_table() == log
    assert repository.graph_revision() == revision
    assert _leftovers() == CLEAN


def test_the_command_restores_a_large_file_staged_and_shows_its_progress(
    small_backup, monkeypatch
):
    """(The seed's backup taken for large: staged, its progress shown.)"""
    path, (graph, _, _) = small_backup
    monkeypatch.setattr(progress, "SHOWN_FROM", 0)
    out, err = StringIO(), StringIO()
    with override_settings(**STAGED):
        call_command("restore", str(path), "--replace", stdout=out, stderr=err)
    assert "wrote " in err.getvalue() and "items (100%" in err.getvalue()
    assert f"Restored {path}" in out.getvalue()
    assert _dump() == graph
    assert _leftovers() == CLEAN


def test_a_backup_taken_during_a_staged_restore_restores_to_the_graph_before_it(
    small_backup, monkeypatch, tmp_path
):
    """The file holds both graphs and the restore's marks: restored, the
    restore it holds (no writer owns it) is undone at once."""
    path, _ = small_backup
    before, mid = _dump(), tmp_path / "mid.backup.gz"
    switch = staged_restore._switch

    def back_up_then_switch(load, meta):
        backup_write(mid)
        switch(load, meta)

    monkeypatch.setattr(staged_restore, "_switch", back_up_then_switch)
    with override_settings(**STAGED):
        backup_restore(path, replace=True)
    assert _dump() != before
    backup_restore(mid, replace=True)
    assert _dump() == before
    assert _leftovers() == CLEAN


# Mapping sets (``MappingSet`` nodes, their ``MAPS_TO`` rows) are in backups:
# a staged restore replaces them with the file's as it does items.
SET_ID = "https://example.org/layerwise/mappings/restore"
OTHER_ID = "https://example.org/layerwise/mappings/later"
CURIES = (
    ("atlas", "https://atlas.mitre.org/techniques/"),
    ("layerwise", "https://example.org/layerwise/threat/"),
)


def _mapping(set_id: str, *rows: tuple[str, str, str]) -> MappingSet:
    return MappingSet(
        set_id,
        "atlas",
        "layerwise",
        license="https://creativecommons.org/licenses/by/4.0/",
        curie_map=CURIES,
        rows=tuple(
            MappingRow(f"atlas:{s}", p, f"layerwise:{o}", confidence=0.8)
            for s, p, o in rows
        ),
    )


def _sssom() -> dict[str, str]:
    """Every mapping set readers see, as the SSSOM writer exports it."""
    return {m.mapping_set_id: write_sssom(m) for m in repository.mapping_sets_read()}


@pytest.fixture
def mapped_backup(seeded_graph, tmp_path):
    """A backup holding a mapping set between two taxonomies; the graph then
    holds that set with other rows and a second set."""
    services.taxonomy_apply(
        taxonomy=Taxonomy(
            threats=(
                Threat("atlas:AML.T0024", "Exfiltration via API", taxonomy="atlas"),
                Threat("atlas:AML.T0054", "LLM Jailbreak", taxonomy="atlas"),
            )
        ),
        scope="atlas",
    )
    services.mapping_set_save(
        mapping_set=_mapping(
            SET_ID, ("AML.T0024", "skos:closeMatch", "model-extraction")
        ),
        channel=None,
    )
    path = tmp_path / "mapped.backup.gz"
    backup_write(path)
    state = (_dump(), _sssom())
    assert list(state[1]) == [SET_ID]
    services.mapping_set_save(
        mapping_set=_mapping(
            SET_ID, ("AML.T0054", "skos:narrowMatch", "guardrail-removal")
        ),
        channel=None,
    )
    services.mapping_set_save(
        mapping_set=_mapping(
            OTHER_ID, ("AML.T0024", "skos:relatedMatch", "guardrail-removal")
        ),
        channel=None,
    )
    assert _sssom() != state[1]
    return path, state


def test_a_staged_restore_replaces_the_mapping_sets_with_the_file_s(
    mapped_backup, monkeypatch
):
    """Readers see the old sets until the switch, the file's from it (before
    settling too), and after it the file's alone, byte for byte."""
    path, (graph, sets) = mapped_backup
    old = _sssom()
    seen = {}
    switch = staged_restore._switch

    def read_then_switch(load, meta):
        seen["before"] = _sssom()
        switch(load, meta)
        seen["after"] = _sssom()

    monkeypatch.setattr(staged_restore, "_switch", read_then_switch)
    with override_settings(**STAGED):
        backup_restore(path, replace=True)
    assert seen == {"before": old, "after": sets}
    assert _sssom() == sets
    assert _dump() == graph
    assert _leftovers() == CLEAN
    # the restored set is written to as any other
    services.mapping_set_delete(mapping_set_id=SET_ID, channel=None)
    assert _sssom() == {}


def test_a_staged_restore_of_mapping_sets_killed_before_its_switch_is_undone(
    mapped_backup, monkeypatch
):
    path, _ = mapped_backup
    before, sets = _dump(), _sssom()

    def killed(load, meta):
        raise KeyboardInterrupt

    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=1, **STAGED):
        with monkeypatch.context() as m:
            m.setattr(staged_restore, "_switch", killed)
            m.setattr(staged_restore, "_set_aborting", lambda load: None)
            m.setattr(staged_restore, "abort_restore", lambda load: None)
            with pytest.raises(KeyboardInterrupt):
                backup_restore(path, replace=True)
        assert _sssom() == sets
        _wait_stale()
        assert repository.settle_load() == "aborted"
    assert _sssom() == sets
    assert _dump() == before
    assert _leftovers() == CLEAN


def test_a_staged_restore_of_mapping_sets_killed_after_its_switch_is_finished(
    mapped_backup, monkeypatch
):
    path, (graph, sets) = mapped_backup
    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=1, **STAGED):
        with monkeypatch.context() as m:
            m.setattr(staged_restore, "settle_restore", lambda load: None)
            backup_restore(path, replace=True)
        assert _sssom() == sets
        _wait_stale()
        assert repository.settle_load() == "settled"
    assert _sssom() == sets
    assert _dump() == graph
    assert _leftovers() == CLEAN


def test_a_file_naming_a_mapping_set_twice_restores_nothing(mapped_backup, tmp_path):
    """Found while staging (settling would break the set's uniqueness, past
    the switch): everything staged and marked is removed."""
    path, _ = mapped_backup
    bad = tmp_path / "twice.backup.gz"
    _with_a_second(path, bad, SET_ID)
    before, sets = _dump(), _sssom()
    with override_settings(**STAGED):
        with pytest.raises(BackupError, match=f"a second MappingSet '{SET_ID}'"):
            backup_restore(bad, replace=True)
    assert _sssom() == sets
    assert _dump() == before
    assert _leftovers() == CLEAN
