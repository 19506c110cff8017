"""Names and texts from a catalogue are escaped on the incident pages and the
matrix written by hand (taxonomy/web/matrix_html.py)."""

from __future__ import annotations

import pytest

from taxonomy import services
from taxonomy.domain.records import (
    Incident,
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Tactic,
    Taxonomy,
    Threat,
    Uses,
)

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'

TAXONOMY = Taxonomy(
    layers=(Layer("hw", HOSTILE),),
    threats=(Threat("t1", HOSTILE), Threat("t2", "Plain")),
    mitigations=(Mitigation("m1", HOSTILE, "hw", "deployed"),),
    mitigates=(Mitigates("m1", "t1", "high", HOSTILE),),
    tactics=(Tactic("ta", HOSTILE, HOSTILE, "x"),),
    in_tactic=(Link("t1", "ta"), Link("t2", "ta")),
    incidents=(Incident("i1", HOSTILE, "case-study", "2024", HOSTILE),),
    uses=(Uses("i1", "t1", (1,), ("ta",), (HOSTILE,)),),
)


@pytest.mark.parametrize(
    "url",
    [
        "/coverage/",
        "/coverage/?sort=demand&gaps=1",
        "/coverage/?tactic=ta",
        "/incidents/",
        "/incidents/i1/",
        "/threats/t1/",
        "/",
    ],
)
def test_hostile_names_are_shown_escaped(graph, client, url):
    services.taxonomy_apply(taxonomy=TAXONOMY)
    page = client.get(url).content.decode()
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
