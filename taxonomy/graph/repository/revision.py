"""The graph's revision: a counter every write bumps, and this process's cached token.

The token (``"<epoch>:<revision>"``) is what every cached answer is keyed by
(see ``taxonomy.selectors.cache``). After each write this process also puts
a new *write mark* in Django's cache; a process that finds another mark there
than at its last read of the token reads the token again. With a shared cache
(CACHE_URL) that is how every server sees every server's writes on its next
read. The mark carries the writer's bookmarks: a reader adds them to its
driver's, so that in a Neo4j cluster its reads wait for that write.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import neo4j
from django.core.cache import cache

from taxonomy.graph.driver import bookmark_manager, current_target, get_driver
from taxonomy.graph.repository.base import _session, read_one, translate_errors
from taxonomy.graph.repository.visibility import META_COLUMNS, refuse_during_load

_REVISION = "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) RETURN coalesce(m.revision, 0) AS r"


def current_revision_tx(tx: neo4j.ManagedTransaction) -> int:
    """The revision as a transaction sees it."""
    return tx.run(_REVISION).single()["r"]


def bump_revision_tx(tx: neo4j.ManagedTransaction, owner: str | None = None) -> int:
    """Bump the revision in ``tx``; its caller calls ``forget_revision_token``
    once the transaction has ended (every write path does, in a ``finally``).

    Every write bumps the revision, so this is where every write but a staged
    load's (``owner``, its token) is refused while one holds the graph
    (LoadInProgress): the meta node's write lock orders the two.
    """
    global _last_token
    _last_token = None
    # The epoch tells apart two graphs at the same revision (one emptied and
    # refilled), so caches keyed by revision never serve the other's data.
    row = tx.run(
        "MERGE (m:LayerwiseMeta {key: 'graph'}) "
        "ON CREATE SET m.epoch = randomUUID() "
        "SET m.revision = coalesce(m.revision, 0) + 1, m.updated_at = datetime() "
        f"RETURN {META_COLUMNS}"
    ).single()
    refuse_during_load(row, owner)
    return row["revision"]


@translate_errors
def graph_revision() -> int:
    """The graph's revision number, read fresh (no token reuse)."""
    return read_one(_REVISION)


WRITE_MARK = "graph-write-mark"
# The last token read by this process: (driver, token, monotonic time of the
# read, the write mark found just before it).
_last_token: tuple[Any, str, float, Any] | None = None


def forget_revision_token() -> None:
    """After a write here: make the next ``graph_revision_token`` ask Neo4j, in
    this process and, through the write mark, in every process that shares
    this one's cache."""
    global _last_token
    _last_token = None
    mark = (uuid.uuid4().hex, _graph(), tuple(bookmark_manager().get_bookmarks()))
    cache.set(WRITE_MARK, mark, timeout=None)


def _graph() -> tuple[str, str]:
    """Which graph this process's bookmarks belong to."""
    target = current_target()
    return target.uri, target.database


def epoch_of(token: str) -> str:
    """The epoch in a revision token, without a restore's stamp.

    >>> epoch_of("3f2a:17"), epoch_of("3f2a+9c1d:17")
    ('3f2a', '3f2a')
    """
    return token.rpartition(":")[0].partition("+")[0]


@translate_errors
def graph_revision_token(*, max_age: float = 0.0) -> str:
    """``"<epoch>:<revision>"``: changes with every write and when the graph is emptied.

    After a restore it is ``"<epoch>+<stamp>:<revision>"``: a restore brings
    back the epoch and revision of its backup, which the graph may have gone
    past since, so without the stamp (new at each restore) an answer cached
    at that revision before would be served for the restored graph.

    The one cheap read a cached answer needs to know whether it is still
    current: an auto-commit query without retries (one round trip; an
    unreachable server is reported at once, not after the driver's retry
    time). With ``max_age`` > 0 a token this process read less than that many
    seconds ago is reused while the write mark is the one found then: every
    write made by a process sharing the cache changes it, so only writes
    made while the cache did not answer (or by other means than this
    project) can go unseen, for at most ``max_age``.
    """
    global _last_token
    current_driver = get_driver()
    # Read before the token: a write landing in between changes the mark
    # again, so the next call reads the token again.
    mark = cache.get(WRITE_MARK)
    started = time.monotonic()
    last_driver, token, read_at, last_mark = _last_token or (None, "", 0.0, None)
    if (
        max_age > 0
        and last_driver is current_driver
        and last_mark == mark
        and started - read_at < max_age
    ):
        return token
    if mark is not None and mark != last_mark and mark[1] == _graph():
        bookmark_manager().update_bookmarks((), mark[2])
    with _session(neo4j.READ_ACCESS) as session:
        row = session.run(
            "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
            "RETURN coalesce(m.epoch, '') AS e, coalesce(m.revision, 0) AS r, "
            "m.restored AS s"
        ).single()
    stamp = f"+{row['s']}" if row["s"] else ""
    token = f"{row['e']}{stamp}:{row['r']}"
    _last_token = (current_driver, token, started, mark)
    return token
