"""Driver errors become the project's own once, in the repository, saying no address."""

from __future__ import annotations

import logging

import neo4j
import pytest

from taxonomy.domain.errors import GraphError, GraphUnavailable, WriteTooLarge
from taxonomy.graph.repository.base import translate_errors

ADDRESS = "127.0.0.1:7691"


def _server_error(code: str, message: str = "it failed") -> neo4j.exceptions.Neo4jError:
    """An error as the driver builds it from a server's FAILURE message."""
    return neo4j.exceptions.Neo4jError._hydrate_neo4j(code=code, message=message)


@translate_errors
def _raising(error: Exception) -> None:
    raise error


@pytest.mark.parametrize(
    "error",
    [
        neo4j.exceptions.ServiceUnavailable(f"Couldn't connect to {ADDRESS}"),
        neo4j.exceptions.SessionExpired(f"Failed to read from {ADDRESS}"),
        OSError(f"connection to {ADDRESS} refused"),
        _server_error("Neo.TransientError.General.DatabaseUnavailable"),
        _server_error("Neo.TransientError.General.OutOfMemoryError"),
        _server_error("Neo.TransientError.Transaction.BookmarkTimeout"),
        _server_error(
            "Neo.DatabaseError.Transaction.TransactionStartFailed",
            "The database has encountered a critical error, and needs to be restarted.",
        ),
    ],
    ids=lambda e: getattr(e, "code", None) or type(e).__name__,
)
def test_a_neo4j_unreachable_or_up_but_failing_is_unavailable_without_its_address(
    error, caplog
):
    with caplog.at_level(logging.WARNING), pytest.raises(GraphUnavailable) as caught:
        _raising(error)
    assert ADDRESS not in str(caught.value)
    assert "7691" not in str(caught.value)
    assert "try again" in str(caught.value)
    assert str(error) in caplog.text  # the detail is in the server's log


def test_a_connection_lost_while_committing_does_not_claim_nothing_was_written():
    with pytest.raises(GraphUnavailable) as caught:
        _raising(neo4j.exceptions.IncompleteCommit(f"lost {ADDRESS} during commit"))
    assert "may or may not have been written" in str(caught.value)
    assert ADDRESS not in str(caught.value)


def test_a_memory_limit_is_a_write_too_large_naming_the_limit_and_its_variable():
    error = _server_error(
        "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
        "The allocation of an extra 2.0 MiB would use more than the limit 64.0 MiB. "
        "Currently using 63.0 MiB. db.memory.transaction.max threshold reached",
    )
    with pytest.raises(WriteTooLarge) as caught:
        _raising(error)
    assert (caught.value.setting, caught.value.limit) == (
        "db.memory.transaction.max",
        "64.0 MiB",
    )
    assert "LAYERWISE_NEO4J_TEST_TX_MAX" in str(caught.value)


def test_the_total_memory_limit_names_its_own_variable():
    error = _server_error(
        "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
        "The allocation of an extra 2.0 MiB would use more than the limit 358.0 MiB. "
        "Currently using 357.0 MiB. dbms.memory.transaction.total.max threshold reached",
    )
    with pytest.raises(WriteTooLarge) as caught:
        _raising(error)
    assert caught.value.setting == "dbms.memory.transaction.total.max"
    assert "LAYERWISE_NEO4J_TEST_TX_TOTAL_MAX" in str(caught.value)
    assert "all transactions together" in str(caught.value)


def test_a_query_the_server_rejects_is_a_graph_error_not_unavailability():
    with pytest.raises(GraphError) as caught:
        _raising(_server_error("Neo.ClientError.Statement.SyntaxError", "bad"))
    assert not isinstance(caught.value, GraphUnavailable)
