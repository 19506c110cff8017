"""An API import written as a staged load answers at its switch and settles in
the background; a write that comes meanwhile waits for the settling (up to
``LAYERWISE_SETTLE_WAIT_SECONDS``) instead of being refused."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from django.conf import settings
from django.test import override_settings

from taxonomy import selectors, services
from taxonomy.domain.errors import LoadInProgress, http_status
from taxonomy.domain.records import Threat
from taxonomy.formats import document_json
from taxonomy.graph import repository
from taxonomy.graph.repository import staging

STAGED = {"LAYERWISE_STAGED_WRITE_ITEMS": 0, "LAYERWISE_STAGE_BATCH": 3}


@pytest.fixture
def held_settle(monkeypatch):
    """The settling of the next load, held until ``release`` is set."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    original = staging._settle

    def held(load):
        started.set()
        release.wait(60)
        try:
            original(load)
        finally:
            finished.set()

    monkeypatch.setattr(staging, "_settle", held)
    yield started, release, finished
    release.set()
    finished.wait(60)


def _next_version():
    """The seed with its first threat renamed and its last one gone (pruned):
    replacement nodes to switch to and items to drop, work for the settling."""
    seed = selectors.taxonomy_snapshot()
    first, *rest = seed.threats
    gone = rest[-1].id
    return replace(
        seed,
        threats=(replace(first, name="Renamed"), *rest[:-1]),
        mitigates=tuple(x for x in seed.mitigates if x.threat != gone),
        enables=tuple(x for x in seed.enables if gone not in (x.source, x.target)),
    ), gone


def _import(api, taxonomy):
    document = document_json.taxonomy_to_document(taxonomy)
    with override_settings(**STAGED):
        return api.post("/api/v1/import/?prune=true", document, format="json")


def _imported_and_settling(api, held_settle):
    """The next version imported through the API, its settling begun and held."""
    started, release, finished = held_settle
    wanted, _ = _next_version()
    assert _import(api, wanted).status_code == 200
    assert started.wait(10)
    return wanted, release, finished


def test_the_answer_comes_at_the_switch_and_a_write_after_it_waits(
    seeded_graph, api, held_settle
):
    started, release, finished = held_settle
    wanted, gone = _next_version()
    response = _import(api, wanted)
    assert response.status_code == 200, response.content
    assert response.json()["write"]["staged"] is True
    assert started.wait(10) and not finished.is_set()
    # Answered while the load still holds the graph, readers already see it.
    assert repository.load_status()["state"] == staging.COMMITTED
    seen = selectors.taxonomy_snapshot()
    assert seen.threats[0].name == "Renamed"
    assert gone not in {t.id for t in seen.threats}
    # A write now waits for the settling, then goes through.
    threading.Timer(0.5, release.set).start()
    # The wait's limit is not what this test is about: a busy machine may take
    # longer than the default few seconds to settle the seed.
    with override_settings(LAYERWISE_SETTLE_WAIT_SECONDS=60):
        services.node_create(kind="threat", record=Threat("late", "Late"))
    assert release.is_set() and finished.wait(5)
    assert repository.load_status() is None
    after = selectors.taxonomy_snapshot()
    assert {"late"} <= {t.id for t in after.threats}
    assert after.threats[0].name == "Renamed"
    assert {t.id for t in after.threats} == {t.id for t in wanted.threats} | {"late"}


def test_another_large_import_waits_for_the_settling_too(
    seeded_graph, api, held_settle
):
    """A second staged load (``staging.lock``) waits, like any write."""
    wanted, release, _ = _imported_and_settling(api, held_settle)
    again = replace(wanted, threats=(*wanted.threats, Threat("more", "More")))
    threading.Timer(0.5, release.set).start()
    with override_settings(**STAGED, LAYERWISE_SETTLE_WAIT_SECONDS=60):
        stats = repository.WriteStats()
        services.taxonomy_import(taxonomy=again, prune=True, stats=stats)
    assert release.is_set() and stats.staged
    assert "more" in {t.id for t in selectors.taxonomy_snapshot().threats}


def test_a_write_waits_for_the_settling_no_longer_than_its_limit(
    seeded_graph, api, held_settle
):
    _, release, finished = _imported_and_settling(api, held_settle)
    with override_settings(LAYERWISE_SETTLE_WAIT_SECONDS=0.3):
        with pytest.raises(LoadInProgress) as refused:
            services.node_create(kind="threat", record=Threat("late", "Late"))
    assert http_status(refused.value) == (409, "load_in_progress")
    release.set()
    assert finished.wait(60)
    assert repository.load_status() is None
    assert "late" not in {t.id for t in selectors.taxonomy_snapshot().threats}


def _settled(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while repository.load_status() is not None:
        assert time.monotonic() < deadline, "the load never settled"
        time.sleep(0.05)


def test_a_load_settled_in_the_background_leaves_what_one_settled_at_once_leaves(
    seeded_graph, api, editor
):
    """The oracle: the same import settled after the answer (the API) and
    before it (the command line's way), from the same graph."""
    wanted, _ = _next_version()
    assert _import(api, wanted).status_code == 200
    _settled()
    background = repository.taxonomy_read()
    repository.graph_clear()
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    with override_settings(**STAGED, LAYERWISE_SETTLE_WAIT_SECONDS=60):
        stats = repository.WriteStats()
        services.taxonomy_import(taxonomy=wanted, prune=True, actor=editor, stats=stats)
    assert stats.staged and repository.load_status() is None
    assert repository.taxonomy_read() == background
