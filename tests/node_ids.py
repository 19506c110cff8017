"""A pytest plugin (tests/conftest.py loads it): every test has a node id of its own."""

from __future__ import annotations

from collections import Counter

import pytest
from _pytest.nodeid import coerce_node_id


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Give each schemathesis case the node id its name says.

    schemathesis names a case `test[GET /path]` but leaves every case of a
    test with the test's own node id; pytest-xdist schedules by node id, so
    under `make test` it ran one operation per test and dropped the rest in
    silence. Any other repeated id is refused, for the same reason."""
    for item in items:
        if "[" in item.name and not item.nodeid.endswith("]"):
            item._id = coerce_node_id(f"{item.parent.nodeid}::{item.name}")
    counts = Counter(item.nodeid for item in items)
    repeated = sorted(nodeid for nodeid, n in counts.items() if n > 1)
    if repeated:
        raise pytest.UsageError(
            f"tests share a node id, xdist would run one: {repeated[:5]}"
        )
