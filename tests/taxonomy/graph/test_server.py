"""The project's Neo4j is a real 5.26 Community server with authentication on."""

from __future__ import annotations

from io import StringIO

import neo4j
import pytest
from django.core.management import call_command

from taxonomy import selectors
from taxonomy.domain.kinds import NODE_KINDS
from taxonomy.graph import driver as graph_driver
from taxonomy.graph import repository, server
from taxonomy.graph.repository import base


def test_the_driver_reports_neo4j_kernel_5_26(neo4j_server):
    assert selectors.server_version().startswith("5.26.")
    components = {c["name"]: c for c in repository.server_components()}
    assert components["Neo4j Kernel"]["edition"] == "community"


def test_the_server_refuses_a_wrong_password(neo4j_server):
    with neo4j.GraphDatabase.driver(
        neo4j_server.uri, auth=("neo4j", "not-the-password")
    ) as drv:
        with pytest.raises(neo4j.exceptions.AuthError):
            drv.verify_connectivity()


def test_status_says_running_version_and_address(neo4j_server):
    if not neo4j_server.managed_instance:
        pytest.fail(
            "NEO4J_TEST_URI is set: the local-server tests need the project's own server"
        )
    out = StringIO()
    call_command("neo4j", "status", "--instance", "test", stdout=out)
    assert "running: 5.26." in out.getvalue()
    assert "bolt://127.0.0.1:" in out.getvalue()


def test_a_second_start_is_harmless(neo4j_server):
    inst = server.instance(neo4j_server.managed_instance)
    before = server.pid(inst)
    assert "already running" in server.start(inst, echo=lambda _: None)
    assert server.pid(inst) == before


def test_the_server_listens_on_loopback_only_with_http_off(neo4j_server):
    inst = server.instance(neo4j_server.managed_instance)
    conf = (inst.conf_dir / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "server.http.enabled=false" in conf
    assert "dbms.security.auth_enabled=true" in conf


def test_schema_setup_is_idempotent(neo4j_server):
    first = repository.schema_apply()
    assert repository.schema_apply() == first
    assert base.FULLTEXT_INDEX in first


def test_the_full_text_index_covers_every_node_kind(neo4j_server):
    """A kind added to the registry is searched: the index of this name holds
    every node kind's label (an index made before the kind existed would
    not, and IF NOT EXISTS would keep it: a new kind needs a new name)."""
    repository.schema_apply()
    with graph_driver.get_driver().session(database=graph_driver.database()) as session:
        record = session.run(
            "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes "
            "WHERE name = $name RETURN labelsOrTypes",
            name=base.FULLTEXT_INDEX,
        ).single()
    assert record is not None
    assert set(record["labelsOrTypes"]) == {k.label for k in NODE_KINDS.values()}


def test_a_full_text_index_of_an_earlier_version_is_replaced(neo4j_server):
    repository.schema_apply()
    with graph_driver.get_driver().session(database=graph_driver.database()) as session:
        session.run(f"DROP INDEX {base.FULLTEXT_INDEX}").consume()
        session.run(
            f"CREATE FULLTEXT INDEX {base.OBSOLETE_INDEXES[0]} "
            "FOR (n:MisuseVector) ON EACH [n.name]"
        ).consume()
    names = repository.schema_apply()
    assert base.FULLTEXT_INDEX in names
    assert base.OBSOLETE_INDEXES[0] not in names
