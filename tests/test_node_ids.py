"""Every collected test runs under pytest-xdist: node ids are unique."""

from __future__ import annotations

import pytest

from tests.node_ids import pytest_collection_modifyitems


class Item:
    """The parts of a pytest item the hook reads."""

    def __init__(self, parent: str, name: str, nodeid: str):
        self.parent = type("Parent", (), {"nodeid": parent})()
        self.name, self._id = name, nodeid

    @property
    def nodeid(self) -> str:
        return str(self._id)


def test_cases_named_by_operation_get_the_node_id_their_name_says():
    items = [
        Item("m.py", f"test_api[{op}]", "m.py::test_api")
        for op in ("GET /a/", "GET /b/")
    ]
    pytest_collection_modifyitems(items)
    assert [i.nodeid for i in items] == [
        "m.py::test_api[GET /a/]",
        "m.py::test_api[GET /b/]",
    ]


def test_two_tests_with_one_node_id_are_refused():
    items = [
        Item("m.py", "test_a", "m.py::test_a"),
        Item("m.py", "test_a", "m.py::test_a"),
    ]
    with pytest.raises(pytest.UsageError, match="m.py::test_a"):
        pytest_collection_modifyitems(items)
