"""The lease of a staged load: how its writer shows it is alive, and when
another process may take its load over.

A load's writer holds the graph (the meta node's ``load_token``) for as long
as it beats: a thread of its own (``Heartbeat``) stamps the *lease node*
every ``beat_seconds()`` for the whole load. The lease is a node of its own,
``(:LayerwiseLease {key: 'graph'})``, not the meta node, because every batch
of the load holds the meta node's write lock for as long as it runs: a beat
there would wait behind a long batch, and a load busy in one slow
transaction would look dead. A lease silent for ``stale_seconds()``
(``LAYERWISE_LOAD_STALE_SECONDS``, a few beats) means the writer's process
died or lost Neo4j, and the next writer takes the load over
(``staging.settle_load``): it replaces the token, so anything the old
writer still tries fails (LoadLost), and undoes or finishes the load.

A meta node without a lease node (a backup restored, a load begun before
the lease existed) falls back on the meta's own ``load_beat``.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

import neo4j
from django.conf import settings

from taxonomy.graph.repository.base import _session

logger = logging.getLogger(__name__)

# How long the lease has been silent, in ms (``m`` the meta node bound).
SILENT_MS = (
    "timestamp() - coalesce(COLLECT { MATCH (l:LayerwiseLease {key: 'graph'}) "
    "WHERE l.token = m.load_token RETURN l.beat }[0], m.load_beat)"
)
# Stamp the lease of ``$token`` (in the transaction that takes or hands over
# the load, which holds the meta node's lock).
CLAIM = (
    "MERGE (l:LayerwiseLease {key: 'graph'}) SET l.token = $token, l.beat = timestamp()"
)
# Drop the lease of ``$token`` (with the load's release: a graph with no load
# keeps no lease).
RELEASE = "MATCH (l:LayerwiseLease {key: 'graph'}) WHERE l.token = $token DELETE l"
_BEAT = (
    "MATCH (l:LayerwiseLease {key: 'graph'}) WHERE l.token = $token "
    "SET l.beat = timestamp() RETURN count(l) AS n"
)


def stale_seconds() -> float:
    """How long a load's lease may be silent before the load is taken over."""
    return float(settings.LAYERWISE_LOAD_STALE_SECONDS)


def beat_seconds() -> float:
    """How often a writer beats: five beats to a lease, at most every 5 s.

    >>> from django.test import override_settings
    >>> with override_settings(LAYERWISE_LOAD_STALE_SECONDS=15):
    ...     beat_seconds()
    3.0
    """
    return max(min(stale_seconds() / 5, 5.0), 0.05)


def is_stale(silent_ms: float | None) -> bool:
    return silent_ms is not None and silent_ms > stale_seconds() * 1000


def retry_after(state: dict[str, Any], silent_ms: float | None) -> int:
    """Seconds a refused writer should wait before trying again: until a
    silent load may be taken over, else the load's time left (2 to 30 s).

    >>> from django.test import override_settings
    >>> with override_settings(LAYERWISE_LOAD_STALE_SECONDS=15):
    ...     retry_after({}, 14_000), retry_after({}, 100), retry_after({"eta": 300}, 0)
    (2, 5, 30)
    """
    silent = (silent_ms or 0) / 1000
    if silent > 2 * beat_seconds():  # the writer missed beats: maybe dead
        return max(math.ceil(stale_seconds() - silent) + 1, 1)
    eta = state.get("eta")
    return int(min(max(math.ceil(eta) if eta else 5, 2), 30))


class Heartbeat:
    """Beats the lease of the load of ``token`` from a thread for as long as
    its writer works: ``with Heartbeat(token): ...``. A beat that finds the
    lease gone (taken over) stops beating; the writer's next transaction
    says so (LoadLost)."""

    def __init__(self, token: str):
        self.token = token
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="lease")

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stop.wait(beat_seconds()):
            try:
                with _session() as session:
                    if not session.execute_write(self._beat):
                        return
            except Exception:  # the writer's own transactions will say
                logger.warning("could not beat a staged load's lease", exc_info=True)

    def _beat(self, tx: neo4j.ManagedTransaction) -> int:
        return tx.run(_BEAT, token=self.token).single()["n"]
