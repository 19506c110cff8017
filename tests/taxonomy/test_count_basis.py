"""Every count of threats addressed says on which basis it counts.

The overview, the brief and what to do next count the world as one place
(every measure in effect anywhere applies everywhere) while the comparison
of governance architectures counts a threat whose actors can move where it
is weakest. Where jurisdictions are recorded and none is chosen, each page
says which basis its counts take; where none is recorded, or one is chosen,
there is nothing to say.
"""

from __future__ import annotations

import re

import pytest

from taxonomy import services
from taxonomy.domain.records import Layer, Mitigates, Mitigation, Taxonomy, Threat

ONE_WORLD = "as if every measure in effect anywhere applied everywhere"


def _basis(html: str) -> str:
    """The text of the element saying the basis, or '' when there is none."""
    found = re.search(r'id="one-world-basis">(.*?)</(?:p|span)>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


@pytest.mark.parametrize("path", ["/", "/brief/", "/next/"])
def test_the_one_world_counts_say_so_when_jurisdictions_are_recorded(
    client, seeded_graph_read_only, path
):
    html = client.get(path).content.decode()
    assert ONE_WORLD in _basis(html)
    if path != "/next/":
        # The reader is pointed to the count of the other basis.
        assert "/architectures/compare/" in html.split('id="one-world-basis"')[1]
        assert "where it is weakest" in _basis(html)


@pytest.mark.parametrize(
    "path",
    [
        "/?jurisdiction=eu",
        "/brief/?jurisdiction=eu",
        "/next/?where=eu",
        "/next/?jurisdiction=eu",
    ],
)
def test_counts_in_one_jurisdiction_say_nothing_of_one_world(
    client, seeded_graph_read_only, path
):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "European Union" in html
    assert _basis(html) == ""


def test_a_taxonomy_without_jurisdictions_has_no_basis_to_state(client, graph):
    services.taxonomy_apply(
        taxonomy=Taxonomy(
            layers=(Layer("hw", "Hardware"),),
            threats=(Threat("t", "Threat"),),
            mitigations=(Mitigation("m", "Measure", "hw", "deployed"),),
            mitigates=(Mitigates("m", "t", "high"),),
        )
    )
    for path in ("/", "/brief/", "/next/"):
        html = client.get(path).content.decode()
        assert "Threat" in html or path == "/next/"
        assert _basis(html) == ""


def test_the_comparison_says_its_count_takes_the_weakest_place(
    client, seeded_graph_read_only
):
    html = client.get(
        "/architectures/compare/?a=today&a=layered-governance"
    ).content.decode()
    row = re.search(r"<th[^>]*>(Threats addressed[^<]*)</th>", html)
    assert row, "the at-a-glance table has its row of threats addressed"
    assert row.group(1) == (
        "Threats addressed (one whose actors can move, where it is weakest)"
    )
