"""Asking a server that is not this process's graph what it is (``neo4j status``)."""

from __future__ import annotations

import neo4j


def kernel_version(driver: neo4j.Driver) -> str | None:
    """``"5.26.30 community"`` of the server behind ``driver``, None if it has none.

    For ``manage.py neo4j status``, which asks a local server with a driver of
    its own (the process's driver may point elsewhere).
    """
    records, _, _ = driver.execute_query(
        "CALL dbms.components() YIELD name, versions, edition "
        "RETURN name, versions[0] AS version, edition"
    )
    for record in records:
        if record["name"] == "Neo4j Kernel":
            return f"{record['version']} {record['edition']}"
    return None
