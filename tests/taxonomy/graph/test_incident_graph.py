"""Tactics, incidents and their USES and IN_TACTIC links in the real graph: the
whole-taxonomy write and read, single-item writes and their refusals."""

from __future__ import annotations

import pytest

from taxonomy import selectors, services
from taxonomy.domain.errors import InvalidWrite, StillReferenced
from taxonomy.domain.records import (
    Incident,
    Link,
    Source,
    Tactic,
    Taxonomy,
    Threat,
    Uses,
)
from taxonomy.graph import repository

ATTACK = Taxonomy(
    threats=(Threat("t1", "Phish"), Threat("t2", "Exfiltrate"), Threat("t3", "Wipe")),
    sources=(Source("ref", "A report", url="https://example.org/r"),),
    tactics=(
        Tactic("ta-access", "Initial access", shortname="initial-access", order=0),
        Tactic("ta-impact", "Impact", shortname="impact", order=1),
    ),
    incidents=(
        Incident(
            "cs1",
            "A breach",
            "case-study",
            "2024-05-01",
            "It went badly",
            sources=("ref",),
        ),
        Incident("g1", "A group", "group"),
    ),
    in_tactic=(Link("t1", "ta-access"), Link("t3", "ta-impact")),
    uses=(
        Uses("cs1", "t1", (1, 3), ("ta-access", "ta-access"), ("mail", "mail again")),
        Uses("cs1", "t3", (2,), ("ta-impact",), ("wiped",)),
        Uses("g1", "t2", (), (), ("known to",)),
    ),
)


def _stored() -> Taxonomy:
    return repository.taxonomy_read()


def test_a_taxonomy_with_tactics_and_incidents_is_stored_and_read_back_whole(graph):
    services.taxonomy_apply(taxonomy=ATTACK)
    stored = _stored()
    for field in ("tactics", "incidents", "in_tactic", "uses"):
        assert getattr(stored, field) == getattr(ATTACK, field), field
    again = services.taxonomy_apply(taxonomy=ATTACK)
    assert again.changes.is_empty


def test_a_changed_step_is_one_update_of_its_link(graph):
    services.taxonomy_apply(taxonomy=ATTACK)
    moved = Uses("cs1", "t3", (4,), ("ta-impact",), ("wiped later",))
    changed = Taxonomy(
        **{**_taxonomy_fields(ATTACK), "uses": (ATTACK.uses[0], moved, ATTACK.uses[2])}
    )
    result = services.taxonomy_apply(taxonomy=changed)
    assert [c.describe() for c in result.changes.changes] == [
        "~ uses cs1->t3 (steps, descriptions)"
    ]
    link = selectors.link_get(
        taxonomy=_stored(), kind="uses", source="cs1", target="t3"
    )
    assert (link.steps, link.descriptions, link.version) == ((4,), ("wiped later",), 2)


def _taxonomy_fields(taxonomy: Taxonomy) -> dict:
    return {
        name: getattr(taxonomy, name)
        for name in taxonomy.__dataclass_fields__
        if name != "revision"
    }


def test_single_writes_create_and_change_a_uses_link_and_keep_the_rules(graph):
    services.taxonomy_apply(taxonomy=ATTACK)
    made = services.property_link_create(
        kind="uses", record=Uses("g1", "t1", (), (), ("spear phishing",))
    )
    assert (made.incident, made.threat, made.version) == ("g1", "t1", 1)
    with pytest.raises(InvalidWrite) as taken:
        services.property_link_update(
            kind="uses", source="cs1", target="t3", changes={"steps": (3,)}
        )
    assert taken.value.errors == {
        "steps": ["step 3 of incident 'cs1' is already 't1''s"]
    }
    with pytest.raises(InvalidWrite) as unknown:
        services.property_link_update(
            kind="uses", source="cs1", target="t3", changes={"tactics": ("ta-nowhere",)}
        )
    assert unknown.value.errors == {"tactics": ["unknown tactic 'ta-nowhere'"]}
    with pytest.raises(InvalidWrite) as lengths:
        services.property_link_update(
            kind="uses", source="cs1", target="t3", changes={"steps": (2, 5)}
        )
    assert set(lengths.value.errors) == {"tactics", "descriptions"}
    stored = selectors.link_get(
        taxonomy=_stored(), kind="uses", source="cs1", target="t3"
    )
    assert (stored.steps, stored.version) == ((2,), 1)
    changed = services.property_link_update(
        kind="uses",
        source="cs1",
        target="t3",
        changes={
            "steps": (2, 5),
            "tactics": ("ta-impact", ""),
            "descriptions": ("a", "b"),
        },
    )
    assert (changed.steps, changed.tactics, changed.version) == (
        (2, 5),
        ("ta-impact", ""),
        2,
    )


def test_deleting_a_tactic_is_refused_while_used_and_cascades_to_plain_steps(graph):
    services.taxonomy_apply(taxonomy=ATTACK)
    with pytest.raises(StillReferenced) as refused:
        services.node_delete(kind="tactic", key="ta-impact")
    assert {(x["kind"], x["source"]) for x in refused.value.links} == {
        ("in_tactic", "t3"),
        ("uses", "cs1"),
    }
    services.node_delete(kind="tactic", key="ta-impact", cascade=True)
    stored = _stored()
    assert [t.id for t in stored.tactics] == ["ta-access"]
    assert Link("t3", "ta-impact") not in stored.in_tactic
    wiped = selectors.link_get(taxonomy=stored, kind="uses", source="cs1", target="t3")
    assert (wiped.steps, wiped.tactics, wiped.descriptions) == ((2,), ("",), ("wiped",))


def test_deleting_a_source_removes_it_from_the_incidents_citing_it(graph):
    services.taxonomy_apply(taxonomy=ATTACK)
    services.node_delete(kind="source", key="ref", cascade=True)
    assert (
        selectors.node_get(taxonomy=_stored(), kind="incident", key="cs1").sources == ()
    )


def test_incidents_and_tactics_are_found_by_full_text_search(graph):
    services.taxonomy_apply(taxonomy=ATTACK)
    found = selectors.search_results(text="badly")
    assert [hit["id"] for hit in found["incident"]] == ["cs1"]
    assert [hit["id"] for hit in selectors.search_results(text="impact")["tactic"]] == [
        "ta-impact"
    ]
