"""A write too large for one transaction is staged; one forced into a single
transaction fails on its own, cleanly, and the server lives on.

The test server's heap is fixed (512 MiB) and so is its per-transaction limit
(32 MiB, ``LAYERWISE_NEO4J_TEST_TX_MAX``), so the write below, some 20,000
links (about 55 MiB of transaction memory), is refused in a few seconds when
it must be one transaction (``LAYERWISE_STAGED_WRITE_ITEMS`` above its size).
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from bench.interchange import NAME, bench_taxonomy
from taxonomy import selectors, services
from taxonomy.domain.errors import WriteTooLarge, http_status
from taxonomy.formats.stix import stix_bundle
from taxonomy.graph import repository, server

MIB = 1024**2


@pytest.fixture(scope="module")
def too_large():
    """A taxonomy whose import needs more than the test server's 32 MiB."""
    return bench_taxonomy(threats=2_000, mitigations=200, links=20_000)


@pytest.fixture
def too_large_bundle(too_large, tmp_path):
    path = tmp_path / "large.stix.json"
    path.write_text(stix_bundle(too_large, name=NAME), encoding="utf-8")
    return path


def _assert_says_the_limit(message: str) -> None:
    assert "db.memory.transaction.max = 32.0 MiB" in message
    assert "nothing was written" in message
    assert "LAYERWISE_NEO4J_TEST_TX_MAX" in message
    assert "LAYERWISE_NEO4J_TEST_HEAP" in message


@pytest.fixture
def one_transaction(settings):
    """Every write in one transaction, however large."""
    settings.LAYERWISE_STAGED_WRITE_ITEMS = 10**9


def test_a_write_larger_than_a_transaction_may_hold_is_staged_and_written_whole(
    seeded_graph, too_large, settings
):
    """The same write at the default threshold: staged in batches small enough
    for the test server's 32 MiB (halved from 10,000 rows until they fit)."""
    before = selectors.taxonomy_snapshot()
    stats = repository.WriteStats()
    result = services.taxonomy_apply(taxonomy=too_large, scope=NAME, stats=stats)
    assert stats.staged and stats.transactions > 3
    assert stats.items == len(result.changes.changes) > repository.staged_from()
    after = selectors.taxonomy_snapshot()
    assert after.revision == before.revision + 1 == result.revision
    mine = repository.taxonomy_read(taxonomy=NAME)
    for kind in ("threats", "mitigations", "mitigates", "layers"):
        assert set(getattr(mine, kind)) == set(getattr(too_large, kind)), kind
    assert repository.load_status() is None


def test_a_write_larger_than_a_transaction_may_hold_is_refused_and_writes_nothing(
    seeded_graph_read_only, too_large, one_transaction
):
    before = selectors.taxonomy_snapshot()
    with pytest.raises(WriteTooLarge) as refused:
        services.taxonomy_apply(taxonomy=too_large, scope=NAME)
    _assert_says_the_limit(str(refused.value))
    assert refused.value.setting == "db.memory.transaction.max"
    after = selectors.taxonomy_snapshot()
    assert after == before
    assert after.revision == before.revision


def test_import_stix_of_a_too_large_bundle_exits_1_saying_the_limit(
    seeded_graph_read_only, too_large_bundle, one_transaction
):
    before = selectors.taxonomy_snapshot()
    with pytest.raises(CommandError) as refused:
        call_command("import_stix", str(too_large_bundle))
    assert refused.value.returncode == 1
    _assert_says_the_limit(str(refused.value))
    assert str(refused.value).count("nothing was written") == 1
    assert selectors.taxonomy_snapshot() == before


def test_a_write_too_large_is_answered_413():
    error = WriteTooLarge("db.memory.transaction.max", "1.0 GiB", "Raise it.")
    assert http_status(error) == (413, "too_large")
    assert "one transaction" in str(error)
    total = WriteTooLarge("dbms.memory.transaction.total.max", "1.0 GiB", "")
    assert "all transactions together" in str(total)


def test_the_test_server_bounds_every_transaction_well_below_its_heap(neo4j_server):
    inst = server.instance("test")
    conf = (inst.conf_dir / "neo4j.conf").read_text()
    assert inst.heap == 512 * MIB
    assert "db.memory.transaction.max=32m" in conf
    assert f"dbms.memory.transaction.total.max={358}m" in conf


# --- Sizing the local server from the machine ---------------------------------------


@pytest.mark.parametrize(
    ("memory_gib", "heap_mib"),
    [(0.5, 512), (1, 512), (2, 512), (4, 1024), (6, 1536), (16, 4096), (256, 4096)],
)
def test_the_heap_is_a_quarter_of_the_memory_within_its_bounds(memory_gib, heap_mib):
    assert server.default_heap(int(memory_gib * 1024**3)) == heap_mib * MIB


def test_the_heap_is_whole_mib_and_grows_with_the_memory():
    heaps = [server.default_heap(m * 123_457_000) for m in range(1, 200)]
    assert heaps == sorted(heaps)
    assert all(h % MIB == 0 for h in heaps)
    assert all(server.HEAP_BOUNDS[0] <= h <= server.HEAP_BOUNDS[1] for h in heaps)


def test_the_transaction_limits_follow_the_heap_unless_set(settings):
    dev = settings.NEO4J_LOCAL_INSTANCES["dev"]
    settings.NEO4J_LOCAL_INSTANCES = {
        **settings.NEO4J_LOCAL_INSTANCES,
        "dev": {**dev, "heap": 2048 * MIB, "tx_max": None, "tx_total_max": None},
    }
    derived = server.instance("dev")
    assert (derived.tx_max, derived.tx_total_max) == (1024 * MIB, 1433 * MIB)
    settings.NEO4J_LOCAL_INSTANCES["dev"]["tx_max"] = 100 * MIB
    assert server.instance("dev").tx_max == 100 * MIB


def test_an_unset_dev_heap_comes_from_the_machine(settings, monkeypatch):
    dev = settings.NEO4J_LOCAL_INSTANCES["dev"]
    settings.NEO4J_LOCAL_INSTANCES = {
        **settings.NEO4J_LOCAL_INSTANCES,
        "dev": {**dev, "heap": None, "tx_max": None, "tx_total_max": None},
    }
    assert server.machine_memory() > 0
    monkeypatch.setattr(server, "machine_memory", lambda: 8 * 1024**3)
    assert server.instance("dev").heap == 2048 * MIB


def test_a_memory_size_that_is_not_one_fails_loudly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import envsize

    monkeypatch.setenv("LAYERWISE_NEO4J_HEAP", "2gb")
    with pytest.raises(ImproperlyConfigured, match="512m or 2g"):
        envsize("LAYERWISE_NEO4J_HEAP")
    monkeypatch.setenv("LAYERWISE_NEO4J_HEAP", "3G")
    assert envsize("LAYERWISE_NEO4J_HEAP") == 3 * 1024**3
