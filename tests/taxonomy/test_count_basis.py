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


def _introduced_line(html: str, panel: str) -> str:
    found = re.search(
        rf'id="introduced-elsewhere-{panel}">(.*?)</p>', " ".join(html.split())
    )
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


@pytest.mark.parametrize("path", ["/", "/brief/"])
def test_today_says_which_threats_only_measures_not_in_force_bring_about(
    client, seeded_graph_read_only, path
):
    """Today leaves out the measures the seed records as introducing three
    threats: two proposed hardware controls (which would bring about
    repression) and open-weight restrictions (which would add to covert
    deployment and jurisdiction shopping). The Today panel names them and the
    rule the threats are counted by, in words true of both kinds; with every
    proposal adopted those measures count, and nothing is said."""
    html = client.get(path).content.decode()
    assert _introduced_line(html, "today") == (
        "Measures not counted here would bring about or add to some of these "
        "threats: Repression through hardware controls (Chip attestation and "
        "Caps on unattested compute); Covert deployment and Jurisdiction "
        "shopping (Open-weight restrictions). Every threat counts whether or not "
        "such measures do, so a threat that only they would create is counted "
        "here too."
    )
    assert "/threats/control-repression/?maturity=deployed" in html
    assert _introduced_line(html, "every-proposal-adopted") == ""


def test_a_threat_page_says_what_would_bring_it_about_when_none_of_it_counts(
    client, seeded_graph_read_only
):
    today = client.get("/threats/control-repression/?maturity=deployed")
    html = " ".join(today.content.decode().split())
    found = re.search(r'<dd id="introduced-elsewhere">(.*?)</dd>', html)
    assert found
    assert re.sub(r"<[^>]+>", "", found.group(1)) == (
        "None that counts in this scenario. Recorded as bringing it about or "
        "adding to it: Chip attestation and Caps on unattested compute, which "
        "do not count here. The threat counts whether or not they do."
    )
    # With the proposals counted, they introduce it, and the page says so.
    every = client.get("/threats/control-repression/").content.decode()
    assert 'id="introduced-elsewhere"' not in every
    assert "(recorded as bringing it about or adding to it)" in every
