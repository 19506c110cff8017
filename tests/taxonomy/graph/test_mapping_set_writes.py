"""Writing a whole mapping set: one transaction up to the staged threshold, a
staged load past it (as a large taxonomy is), all or nothing either way; each
end found by a seek of the threats' unique index."""

from __future__ import annotations

import neo4j
import pytest
from django.test import override_settings

from taxonomy import services
from taxonomy.domain.errors import InvalidWrite
from taxonomy.domain.mappings import PREDICATES, MappingRow, MappingSet
from taxonomy.domain.records import Taxonomy, Threat
from taxonomy.formats.sssom import write_sssom
from taxonomy.graph import repository
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository import staging
from taxonomy.models import AuditEntry

# Past the threshold, in batches of three rows: several staging transactions.
STAGED = {"LAYERWISE_STAGED_WRITE_ITEMS": 2, "LAYERWISE_STAGE_BATCH": 3}
ONE = {"LAYERWISE_STAGED_WRITE_ITEMS": 20_000}
SET_ID = "https://example.org/mappings/theirs-to-ours"
# Their items carry the import's "<taxonomy>:" before the CURIE's local part.
THEIRS = Taxonomy(
    threats=tuple(
        Threat(f"theirs:x{i}", f"Item {i}", taxonomy="theirs") for i in range(6)
    )
)
OURS = Taxonomy(threats=tuple(Threat(f"t{i}", f"Threat {i}") for i in range(4)))


def _set(pairs: list[tuple[int, int]], title: str = "Theirs onto ours") -> MappingSet:
    """A set of one row per (their item, our threat), predicates and
    confidences varying with the pair."""
    return MappingSet(
        SET_ID,
        "theirs",
        "layerwise",
        license="https://creativecommons.org/licenses/by/4.0/",
        mapping_set_title=title,
        curie_map=(
            ("layerwise", "https://example.org/ours/"),
            ("theirs", "https://example.org/theirs/"),
        ),
        rows=tuple(
            MappingRow(
                f"theirs:x{a}",
                PREDICATES[(a + b) % len(PREDICATES)],
                f"layerwise:t{b}",
                confidence=None
                if (a + b) % 4 == 0
                else round(0.1 * ((a + b) % 9 + 1), 2),
                comment=f"row {a}-{b}",
            )
            for a, b in pairs
        ),
    )


FIRST = _set([(a, b) for a in range(6) for b in range(2)])
SECOND = _set([(a, b) for a in range(3) for b in range(1, 4)], title="Second thoughts")


@pytest.fixture
def catalogues(graph, db):
    services.taxonomy_apply(taxonomy=OURS, scope="layerwise")
    services.taxonomy_apply(taxonomy=THEIRS, scope="theirs")
    return graph


def _save(mapping_set: MappingSet, **options) -> MappingSet:
    return services.mapping_set_save(
        mapping_set=mapping_set, actor="test", channel="fixtures", **options
    )


def _state() -> tuple:
    """What readers see of the sets, the graph's revision, and what a staged
    write may leave behind: marked rows, and the load's state."""
    records, _, _ = get_driver().execute_query(
        "CALL () { MATCH ()-[r:MAPS_TO]->() WHERE r._drop IS NOT NULL "
        "OR r._load IS NOT NULL RETURN count(r) AS marked } "
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "RETURN marked, m.load_state AS state",
        database_=database(),
    )
    return (
        repository.mapping_sets_read(),
        repository.graph_revision(),
        dict(records[0]),
    )


def _journal() -> list[tuple]:
    return sorted(
        AuditEntry.objects.values_list("kind", "action", "key", "after").order_by()
    )


@pytest.mark.parametrize("size", [ONE, STAGED], ids=["one transaction", "staged"])
def test_a_saved_set_reads_back_as_written_and_as_it_was_returned(catalogues, size):
    with override_settings(**size):
        returned = _save(FIRST)
        replaced = _save(SECOND)
    [stored] = repository.mapping_sets_read()
    assert stored == replaced
    assert returned.version == 1 and stored.version == 2
    assert write_sssom(stored) == write_sssom(SECOND)


def test_a_staged_set_is_written_in_several_transactions_and_audited_row_by_row(
    catalogues,
):
    with override_settings(**ONE):
        _save(FIRST)
    earlier = set(AuditEntry.objects.values_list("pk", flat=True))
    stats = repository.WriteStats()
    with override_settings(**STAGED):
        services.mapping_set_save(
            mapping_set=SECOND, actor="test", channel="fixtures", stats=stats
        )
    assert stats.staged and stats.items == len(SECOND.rows)
    assert stats.transactions > len(SECOND.rows) // 3
    assert repository.load_status() is None
    # Brute force: the set updated, then every row created, deleted or changed.
    old = {row.key: row for row in FIRST.rows}
    new = {row.key: row for row in SECOND.rows}
    expected = [("mapping_set", "update", SET_ID)] + [
        (
            "maps_to",
            "create" if k not in old else "delete" if k not in new else "update",
            k,
        )
        for k in sorted(old.keys() | new.keys())
        if old.get(k) != new.get(k)
    ]
    written = AuditEntry.objects.exclude(pk__in=earlier).order_by("pk")
    assert sorted(written.values_list("kind", "action", "key")) == sorted(expected)


def test_readers_see_the_old_set_until_the_switch_and_the_new_one_after(
    catalogues, monkeypatch
):
    with override_settings(**ONE):
        old = _save(FIRST)
    seen = {"before": [], "after": []}
    original_switch, original_until = staging.switch, staging.Load.until_done

    def watching_switch(load, *args):
        seen["before"].append(repository.mapping_sets_read())
        return original_switch(load, *args)

    def watching_until(self, query, **params):
        if self.state == staging.COMMITTED:
            seen["after"].append(repository.mapping_sets_read())
        return original_until(self, query, **params)

    monkeypatch.setattr(staging, "switch", watching_switch)
    monkeypatch.setattr(staging.Load, "until_done", watching_until)
    with override_settings(**STAGED):
        new = _save(SECOND)
    assert seen["before"] == [[old]]
    assert seen["after"] and all(read == [new] for read in seen["after"])
    assert repository.mapping_sets_read() == [new]


@pytest.mark.parametrize("failing_at", [0, 3, "switch"])
def test_a_failure_while_a_set_is_staged_leaves_the_graph_as_it_was(
    catalogues, monkeypatch, failing_at
):
    with override_settings(**ONE):
        _save(FIRST)
    before, journal = _state(), _journal()
    assert before[2] == {"marked": 0, "state": None}
    calls = {"n": 0}
    original_tx = staging.Load._tx

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
        _save(SECOND)
    monkeypatch.undo()
    assert _state() == before
    assert _journal() == journal
    assert repository.load_status() is None
    with override_settings(**STAGED):
        assert _save(SECOND) == repository.mapping_sets_read()[0]


def test_a_staged_set_naming_no_threat_writes_nothing_and_frees_the_graph(
    catalogues,
):
    before = _state()
    bad = _set([(0, 0), (1, 1), (2, 9)])
    with override_settings(**STAGED), pytest.raises(InvalidWrite) as refused:
        _save(bad)
    assert refused.value.errors == {"rows": ["'t9' is no threat of layerwise"]}
    assert _state() == before
    assert repository.load_status() is None


def _operators(plan: dict) -> list[str]:
    found = [plan["operatorType"].split("@")[0]]
    for child in plan.get("children") or []:
        found += _operators(child)
    return found


@pytest.mark.parametrize("size", [ONE, STAGED], ids=["one transaction", "staged"])
def test_every_threat_a_set_writes_to_is_found_by_a_seek_of_its_unique_index(
    catalogues, monkeypatch, size
):
    """Each query of the save that finds threats plans a unique-index seek,
    never a label scan or a scan of the taxonomy's index (a scan per row made
    a large set quadratic)."""
    ran: list[tuple[str, dict]] = []
    original_run = neo4j.ManagedTransaction.run

    def recording(self, query, parameters=None, **kwargs):
        ran.append((query, {**(parameters or {}), **kwargs}))
        return original_run(self, query, parameters, **kwargs)

    # Writes run in explicit transactions, reads in managed ones.
    for transaction in (neo4j.ManagedTransaction, neo4j.Transaction):
        monkeypatch.setattr(transaction, "run", recording)
    with override_settings(**size):
        _save(FIRST)
    monkeypatch.undo()
    finding = [(q, p) for q, p in ran if "UNWIND" in q and ":MisuseVector" in q]
    assert finding
    for query, params in finding:
        records = get_driver().execute_query(
            "EXPLAIN " + query, params, database_=database()
        )
        operators = _operators(records.summary.plan)
        assert "NodeUniqueIndexSeek" in " ".join(operators), query
        assert not {"NodeByLabelScan", "AllNodesScan", "NodeIndexSeek"} & set(
            operators
        ), (query, operators)
