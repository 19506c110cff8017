"""A write too large for one transaction is a staged load: all or nothing still.

The oracle is the one-transaction write of the same change set: a staged load
(forced here by ``LAYERWISE_STAGED_WRITE_ITEMS = 0`` and batches of a few
rows) must leave exactly the graph, versions, revision and journal that one
leaves. Failures at every point leave the graph as it was; readers see the
old taxonomy until the switch and the new one after; a load whose writer died
is undone (or finished) by the next write.
"""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy import services
from taxonomy.domain.errors import LoadInProgress, http_status
from taxonomy.domain.records import Layer, Link, Mitigates, Mitigation, Taxonomy, Threat
from taxonomy.graph import repository
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository import read, staging, sync
from tests.taxonomy.analysis.test_properties import taxonomies

STAGED = {"LAYERWISE_STAGED_WRITE_ITEMS": 0, "LAYERWISE_STAGE_BATCH": 3}
ONE = {"LAYERWISE_STAGED_WRITE_ITEMS": 10**9}
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _unique(records: tuple, key) -> tuple:
    return tuple({key(r): r for r in records}.values())


@st.composite
def two_versions(draw) -> tuple[Taxonomy, Taxonomy]:
    """Two random taxonomies over one id space, the second with some nodes renamed:
    creates, updates (of nodes and of link properties) and deletes between them."""
    versions = []
    for _ in range(2):
        t = draw(taxonomies(max_layers=3, incidents=True))
        renamed = draw(st.sets(st.sampled_from([x.id for x in t.threats + t.layers])))
        t = Taxonomy(
            **{
                **{f: getattr(t, f) for f in t.__dataclass_fields__},
                "threats": tuple(
                    Threat(x.id, x.name + "'" * (x.id in renamed)) for x in t.threats
                ),
                "layers": tuple(
                    Layer(x.id, x.name + "'" * (x.id in renamed)) for x in t.layers
                ),
                "mitigates": _unique(t.mitigates, lambda m: (m.mitigation, m.threat)),
                "revision": 0,
            }
        )
        versions.append(t)
    return versions[0], versions[1]


def _journal() -> list[dict]:
    return [
        {k: v for k, v in entry.items() if k != "at"}
        for page in repository.journal_after(0, -1)
        for entry in page
    ]


def _leftovers() -> dict[str, int]:
    """Staging marks and replacements left in the graph (none once settled)."""
    records, _, _ = get_driver().execute_query(
        "CALL () { MATCH (n) WHERE n._drop IS NOT NULL OR n._sid IS NOT NULL "
        "RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() WHERE r._drop IS NOT NULL RETURN count(r) AS rels } "
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "RETURN nodes, rels, m.load_state AS state",
        database_=database(),
    )
    return dict(records[0])


CLEAN = {"nodes": 0, "rels": 0, "state": None}


def _write(taxonomy: Taxonomy, **options) -> services.LoadResult:
    return services.taxonomy_apply(
        taxonomy=taxonomy,
        prune=True,
        scope="layerwise",
        actor="test",
        channel="fixtures",
        **options,
    )


def _state() -> tuple:
    """What readers see: the whole graph, with versions, and its revision."""
    read = repository.taxonomy_read()
    return read, read.revision


@EXAMPLES
@given(versions=two_versions())
def test_a_staged_load_leaves_what_one_transaction_leaves(graph, versions):
    first, second = versions
    expected = {}
    for mode, options in (("one", ONE), ("staged", STAGED)):
        repository.graph_clear()
        with override_settings(**ONE):
            _write(first)
        with override_settings(**options):
            stats = repository.WriteStats()
            result = _write(second, stats=stats)
        assert stats.staged == (mode == "staged" and not result.changes.is_empty)
        expected[mode] = (_state(), _journal(), result.changes, result.revision)
        assert _leftovers() == CLEAN
    assert expected["staged"] == expected["one"]


@pytest.fixture
def before_and_after():
    """A taxonomy and its next version with every kind of change in it."""
    first = Taxonomy(
        layers=(Layer("hw", "Hardware"), Layer("sw", "Software")),
        threats=tuple(Threat(f"t{i}", f"Threat {i}") for i in range(8)),
        mitigations=tuple(
            Mitigation(f"m{i}", f"M {i}", "hw" if i % 2 else "sw", "deployed")
            for i in range(6)
        ),
        mitigates=tuple(
            Mitigates(f"m{i}", f"t{(i + j) % 8}", "medium")
            for i in range(6)
            for j in range(3)
        ),
        enables=(Link("t0", "t1"), Link("t2", "t3")),
    )
    second = Taxonomy(
        layers=(Layer("hw", "Hardware, renamed"), Layer("sw", "Software")),
        threats=tuple(
            Threat(f"t{i}", f"Threat {i}" + (" (new name)" if i in (1, 4) else ""))
            for i in range(1, 10)
        ),
        mitigations=tuple(
            Mitigation(
                f"m{i}",
                f"M {i}",
                "sw" if i == 3 else ("hw" if i % 2 else "sw"),
                "deployed",
            )
            for i in range(1, 7)
        ),
        mitigates=tuple(
            Mitigates(f"m{i}", f"t{(i + j) % 8 or 9}", "high" if j == 1 else "medium")
            for i in range(1, 7)
            for j in range(3)
        ),
        enables=(Link("t2", "t3"), Link("t4", "t1")),
    )
    return first, second


@pytest.fixture
def loaded(graph, before_and_after):
    with override_settings(**ONE):
        _write(before_and_after[0])
    return before_and_after


@pytest.mark.parametrize("failing_at", [0, 1, 5, 12, "switch"])
def test_a_failure_at_any_point_before_the_switch_leaves_the_graph_as_it_was(
    loaded, monkeypatch, failing_at
):
    before, journal = _state(), _journal()
    calls = {"n": 0}
    original_tx, original_switch = staging.Load._tx, staging.switch

    def failing_tx(self, work):
        calls["n"] += 1
        if calls["n"] - 1 == failing_at:
            raise RuntimeError("the network went away")
        return original_tx(self, work)

    def failing_switch(load, *args):
        raise RuntimeError("the network went away")

    if failing_at == "switch":
        monkeypatch.setattr(staging, "switch", failing_switch)
    else:
        monkeypatch.setattr(staging.Load, "_tx", failing_tx)
    with override_settings(**STAGED), pytest.raises(RuntimeError):
        _write(loaded[1])
    monkeypatch.setattr(staging.Load, "_tx", original_tx)
    monkeypatch.setattr(staging, "switch", original_switch)
    assert _state() == before
    assert _journal() == journal
    assert _leftovers() == CLEAN
    assert repository.load_status() is None
    # And the graph takes the same write afterwards.
    with override_settings(**STAGED):
        _write(loaded[1])
    assert repository.taxonomy_read().threats[0].id == "t1"


def test_readers_see_the_old_taxonomy_until_the_switch_and_the_new_after(
    loaded, monkeypatch
):
    first_state = _state()[0]
    with override_settings(**ONE):
        graph_copy = services.taxonomy_apply(
            taxonomy=loaded[1], prune=True, scope="layerwise", dry_run=True
        )
    assert not graph_copy.changes.is_empty
    seen = {"before": [], "after": [], "status": [], "refused": []}
    original_switch, original_until = staging.switch, staging.Load.until_done

    def watching_switch(load, *args):
        seen["before"].append(repository.taxonomy_read())
        seen["status"].append(repository.load_status())
        try:
            services.node_create(kind="threat", record=Threat("late", "Late"))
        except LoadInProgress as refused:
            seen["refused"].append(refused)
        return original_switch(load, *args)

    def watching_until(self, query, **params):
        if self.state == staging.COMMITTED:
            seen["after"].append(repository.taxonomy_read())
        return original_until(self, query, **params)

    monkeypatch.setattr(staging, "switch", watching_switch)
    monkeypatch.setattr(staging.Load, "until_done", watching_until)
    with override_settings(**STAGED):
        _write(loaded[1])
    final = repository.taxonomy_read()
    assert seen["before"] == [first_state]
    assert len(seen["after"]) > 3
    assert all(read == final for read in seen["after"])
    assert final != first_state
    [status] = seen["status"]
    assert status["state"] == "staging" and status["done"] == status["total"] > 0
    assert status["what"] == "a write of taxonomy layerwise"
    [refused] = seen["refused"]
    assert http_status(refused) == (409, "load_in_progress")
    assert "is being written in stages" in str(refused)
    assert "late" not in {t.id for t in final.threats}


def test_a_load_whose_writer_died_before_the_switch_is_undone_by_the_next_write(
    loaded, monkeypatch
):
    before = _state()
    monkeypatch.setattr(staging, "_abort", lambda load: None)  # the process died
    monkeypatch.setattr(staging, "switch", lambda load, *args: 1 / 0)
    with override_settings(**STAGED), pytest.raises(ZeroDivisionError):
        _write(loaded[1])
    assert _state() == before, "readers never see a load before its switch"
    assert _leftovers()["state"] == "staging"
    # While its heartbeat is recent, the load is left alone and writes wait.
    with pytest.raises(LoadInProgress) as refused:
        services.node_create(kind="threat", record=Threat("late", "Late"))
    assert not refused.value.stale
    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=0):
        created = services.node_create(kind="threat", record=Threat("late", "Late"))
    assert created.id == "late"
    assert _leftovers() == CLEAN
    after = repository.taxonomy_read()
    assert {t.id for t in after.threats} == {t.id for t in before[0].threats} | {"late"}
    assert after.mitigates == before[0].mitigates


def test_a_load_whose_writer_died_after_the_switch_is_settled_by_the_next_start(
    loaded, monkeypatch
):
    monkeypatch.setattr(staging, "_settle", lambda load: 1 / 0)
    with override_settings(**STAGED):
        result = _write(loaded[1])
    new = repository.taxonomy_read()
    assert new.revision == result.revision
    assert {t.id for t in new.threats} == {t.id for t in loaded[1].threats}
    assert _leftovers()["state"] == "committed"
    monkeypatch.undo()
    repository.forget_schema()
    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=0):
        repository.ensure_schema()
    assert _leftovers() == CLEAN
    assert repository.taxonomy_read() == new


def test_a_staged_load_reports_its_progress_and_how_it_went(loaded):
    lines = []
    stats = repository.WriteStats()
    with override_settings(**STAGED):
        result = _write(
            loaded[1], progress=lambda d, t: lines.append((d, t)), stats=stats
        )
    total = len(result.changes.changes)
    assert lines and lines[-1] == (total, total)
    assert [d for d, _ in lines] == sorted(d for d, _ in lines)
    answer = stats.as_dict()
    assert answer["staged"] is True and answer["items"] == total
    assert answer["transactions"] >= total // 3
    assert answer["items_per_second"] > 0


def test_the_same_large_write_again_is_answered_without_reading_the_graph(
    loaded, monkeypatch
):
    with override_settings(**STAGED):
        first = _write(loaded[1])
        assert not first.changes.is_empty

        def no_read(*args, **kwargs):
            raise AssertionError("the graph was read")

        monkeypatch.setattr(sync, "_read_taxonomy_tx", no_read)
        again = _write(loaded[1])
        assert again.changes.is_empty and again.revision == first.revision
        assert again.write.transactions == 0
        # Another request (not pruning) is not the same request.
        with pytest.raises(AssertionError, match="the graph was read"):
            services.taxonomy_apply(taxonomy=loaded[1], scope="layerwise")
        monkeypatch.undo()


def test_a_write_since_the_last_large_one_makes_the_same_request_compare_again(
    loaded,
):
    with override_settings(**STAGED):
        _write(loaded[1])
        # An editor renames a threat; the same file again puts the name back.
        services.node_update(kind="threat", key="t1", changes={"name": "Edited"})
        again = _write(loaded[1])
        assert [(c.kind, c.key, c.action) for c in again.changes.changes] == [
            ("threat", "t1", "update")
        ]
        assert repository.taxonomy_read().threats[0].name == "Threat 1 (new name)"
        # An emptied and refilled graph (another epoch) is compared too.
        repository.graph_clear()
        _write(loaded[0])
        assert not _write(loaded[1]).changes.is_empty


def test_a_read_that_a_load_overtakes_is_read_again(loaded, monkeypatch):
    """A read begun before a load (so without visibility tests) that meets the
    load's replacement nodes, which have no id yet, reads again and sees the
    old taxonomy."""
    before = repository.taxonomy_read()
    original = read._read_items_tx
    calls = []

    def overtaken(tx, params, scoped, loading, *rest):
        calls.append(loading)
        if len(calls) == 1:
            # The load begins between the read's look at the meta node and
            # its queries: a staged replacement of t1, and the lock.
            get_driver().execute_query(
                "MATCH (m:LayerwiseMeta {key: 'graph'}) "
                "SET m.load_state = 'staging', m.load_id = m.revision + 1, "
                "m.load_beat = timestamp() WITH m "
                "CREATE (:MisuseVector {_sid: 't1', _load: m.revision + 1, "
                "name: 'Staged', taxonomy: 'layerwise'})",
                database_=database(),
            )
        return original(tx, params, scoped, loading, *rest)

    monkeypatch.setattr(read, "_read_items_tx", overtaken)
    assert repository.taxonomy_read() == before
    assert calls == [False, True]


def test_a_backup_taken_during_a_load_restores_to_the_graph_before_it(
    loaded, monkeypatch
):
    """A dump is a physical copy: taken while a load was staged, it holds the
    load too, which the restore undoes (no writer owns it any more)."""
    before = _state()
    rows = []
    original_switch = staging.switch

    def dump_then_switch(load, *args):
        repository.graph_dump(rows.append)
        return original_switch(load, *args)

    monkeypatch.setattr(staging, "switch", dump_then_switch)
    with override_settings(**STAGED):
        _write(loaded[1])
    assert repository.taxonomy_read() != before[0]
    repository.graph_load(rows, replace=True)
    assert _state() == before
    assert _leftovers() == CLEAN


def test_a_read_that_spans_a_load_begun_and_undone_is_read_again(loaded, monkeypatch):
    """Nothing of a load that was undone is read, though the revision is the
    same before and after: the meta node counts loads begun."""
    before = repository.taxonomy_read()
    original = read._read_items_tx
    calls = []

    def spanned(tx, params, scoped, loading, *rest):
        calls.append(loading)
        if len(calls) > 1:
            return original(tx, params, scoped, loading, *rest)
        run = get_driver().execute_query
        run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) SET m.load_state = 'staging', "
            "m.load_id = m.revision + 1, m.load_seq = coalesce(m.load_seq, 0) + 1, "
            "m.load_token = 'ghost', m.load_beat = timestamp() WITH m "
            "CREATE (:MisuseVector {id: 'ghost', _load: m.revision + 1, "
            "name: 'Ghost', taxonomy: 'layerwise'})",
            database_=database(),
        )
        items = original(tx, params, scoped, loading, *rest)
        assert "ghost" in {t.id for t in items["threats"]}  # the read met it
        run(
            "MATCH (g:MisuseVector {id: 'ghost'}) DETACH DELETE g WITH count(*) AS n "
            "MATCH (m:LayerwiseMeta {key: 'graph'}) "
            "REMOVE m.load_state, m.load_id, m.load_token, m.load_beat",
            database_=database(),
        )
        return items

    monkeypatch.setattr(read, "_read_items_tx", spanned)
    assert repository.taxonomy_read() == before
    assert calls == [False, False]


def test_a_load_taken_over_as_dead_loses_everything_it_staged(loaded, monkeypatch):
    """A writer silent for too long is taken for dead: another process undoes
    its load; when the writer wakes, its next transaction finds the load is
    not its own any more, and nothing of it is kept."""
    before = _state()
    original_switch = staging.switch

    def taken_over_then_switch(load, *args):
        with override_settings(LAYERWISE_LOAD_STALE_SECONDS=0):
            assert staging.settle_load() == "aborted"
        return original_switch(load, *args)

    monkeypatch.setattr(staging, "switch", taken_over_then_switch)
    with override_settings(**STAGED), pytest.raises(staging.LoadLost):
        _write(loaded[1])
    assert _state() == before
    assert _leftovers() == CLEAN


def test_a_load_beats_its_heart_while_it_reads_and_compares(loaded, monkeypatch):
    """The comparison of a large taxonomy takes no transaction of the load:
    a heartbeat thread keeps the load from being taken for dead meanwhile."""
    original = sync._check_conflicts_tx
    seen = []

    def slow(*args, **kwargs):
        time.sleep(4.0)
        seen.append(staging.settle_load())  # not stale: left alone
        return original(*args, **kwargs)

    monkeypatch.setattr(sync, "_check_conflicts_tx", slow)
    with override_settings(**STAGED, LAYERWISE_LOAD_STALE_SECONDS=3):
        result = _write(loaded[1])
    assert seen == [None]
    assert result.write.staged
    assert _leftovers() == CLEAN


def test_the_same_large_write_after_a_restore_compares_again(loaded):
    """A restore brings back an older revision: what the last large write asked
    for no longer describes the graph, whatever its revision."""
    rows = []
    repository.graph_dump(rows.append)
    with override_settings(**STAGED):
        _write(loaded[1])
        repository.graph_load(rows, replace=True)
        services.node_update(kind="threat", key="t1", changes={"name": "Edited"})
        again = _write(loaded[1])
    assert not again.changes.is_empty
    names = {t.id: t.name for t in repository.taxonomy_read().threats}
    assert names["t1"] == "Threat 1 (new name)"


def test_a_node_with_more_links_than_a_transaction_holds_is_staged_and_settled(
    graph,
):
    """On the tests' 32 MiB server: renaming a layer that 30,000 mitigations
    sit in copies their links onto its replacement a batch at a time, and
    deleting a threat 30,000 mitigations act on deletes its links a batch at
    a time, before the node."""
    n = 30_000
    layer = Layer("hw", "Hardware")
    mitigations = tuple(
        Mitigation(f"m{i:05d}", f"M {i}", "hw", "deployed") for i in range(n)
    )
    first = Taxonomy(
        layers=(layer,),
        threats=(Threat("t0", "Hub"), Threat("t1", "Other")),
        mitigations=mitigations,
        mitigates=tuple(Mitigates(m.id, "t0", "medium") for m in mitigations),
    )
    second = Taxonomy(
        layers=(Layer("hw", "Hardware, renamed"),),
        threats=(Threat("t1", "Other"),),
        mitigations=mitigations,
    )
    big = {"LAYERWISE_STAGED_WRITE_ITEMS": 0, "LAYERWISE_STAGE_BATCH": 5000}
    with override_settings(**big):
        _write(first)
        result = _write(second)
    assert result.write.staged
    after = repository.taxonomy_read()
    assert after.layers == (Layer("hw", "Hardware, renamed", version=2),)
    assert [t.id for t in after.threats] == ["t1"]
    assert after.mitigates == ()
    assert len(after.mitigations) == n
    assert {m.layer for m in after.mitigations} == {"hw"}
    assert _leftovers() == CLEAN
