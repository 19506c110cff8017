"""The graph's revision: a counter every write bumps, and this process's cached token.

The token (``"<epoch>:<revision>"``) is what every cached answer is keyed by
(see ``taxonomy.selectors.cache``).
"""

from __future__ import annotations

import time
from typing import Any

import neo4j

from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository.base import _session, translate_errors

_REVISION = "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) RETURN coalesce(m.revision, 0) AS r"


def current_revision_tx(tx: neo4j.ManagedTransaction) -> int:
    """The revision as a transaction sees it."""
    return tx.run(_REVISION).single()["r"]


def bump_revision_tx(tx: neo4j.ManagedTransaction) -> int:
    forget_revision_token()
    # The epoch tells apart two graphs at the same revision (one emptied and
    # refilled), so caches keyed by revision never serve the other's data.
    return tx.run(
        "MERGE (m:LayerwiseMeta {key: 'graph'}) "
        "ON CREATE SET m.epoch = randomUUID() "
        "SET m.revision = coalesce(m.revision, 0) + 1, m.updated_at = datetime() "
        "RETURN m.revision AS r"
    ).single()["r"]


@translate_errors
def graph_revision() -> int:
    """The graph's revision number, read fresh (no token reuse)."""
    records, _, _ = get_driver().execute_query(
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "RETURN coalesce(m.revision, 0) AS r",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return records[0]["r"]


# The last token read by this process: (driver, token, monotonic time of the read).
_last_token: tuple[Any, str, float] | None = None


def forget_revision_token() -> None:
    """Make the next ``graph_revision_token`` ask Neo4j (after a write here)."""
    global _last_token
    _last_token = None


@translate_errors
def graph_revision_token(*, max_age: float = 0.0) -> str:
    """``"<epoch>:<revision>"``: changes with every write and when the graph is emptied.

    The one cheap read a cached answer needs to know whether it is still
    current: an auto-commit query without retries (one round trip; an
    unreachable server is reported at once, not after the driver's retry
    time). With ``max_age`` > 0 a token this process read less than that many
    seconds ago is reused; every write made by this process forgets it, so
    only other processes' writes can go unseen, for at most ``max_age``.
    """
    global _last_token
    current_driver = get_driver()
    started = time.monotonic()
    if _last_token is not None and max_age > 0:
        last_driver, token, read_at = _last_token
        if last_driver is current_driver and started - read_at < max_age:
            return token
    with _session(neo4j.READ_ACCESS) as session:
        row = session.run(
            "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
            "RETURN coalesce(m.epoch, '') AS e, coalesce(m.revision, 0) AS r"
        ).single()
    token = f"{row['e']}:{row['r']}"
    _last_token = (current_driver, token, started)
    return token
