"""The governance architectures' pages (issue 25): the list, and each
architecture's scenario in words, its measures where and why with their
sources, and the coverage matrix under it."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.http import QueryDict
from django.urls import reverse

from taxonomy import selectors
from taxonomy.domain.architectures import RESERVED_IDS
from taxonomy.domain.scenario_params import scenario_values
from taxonomy.domain.scenario_words import scenario_summary
from taxonomy.models import AuditEntry
from taxonomy.selectors.architecture_comparison import TODAY
from taxonomy.web.pages.common import names_by_kind
from taxonomy.web.urls import urlpatterns


def _text(response) -> str:
    return unescape(response.content.decode())


def test_the_list_names_every_architecture_with_its_scenario_in_words(
    seeded_graph_read_only, client
):
    response = client.get(reverse("architectures"))
    assert response.status_code == 200
    text = _text(response)
    snapshot = selectors.taxonomy_snapshot()
    names = names_by_kind(snapshot)
    named = names["layer"] | names["mitigation"] | names["jurisdiction"]
    for architecture in snapshot.architectures:
        assert reverse("architecture", args=[architecture.id]) in text
        scenario = selectors.architecture_scenario_of(
            taxonomy=snapshot, key=architecture.id
        )
        assert scenario_summary(scenario, named) in text
    assert reverse("architecture-compare") + "?a=" in text


def test_an_architecture_page_lists_each_measure_where_and_why(
    seeded_graph_read_only, client
):
    response = client.get(reverse("architecture", args=["layered-governance"]))
    assert response.status_code == 200
    text = _text(response)
    snapshot = selectors.taxonomy_snapshot()
    adopts = [x for x in snapshot.adopts if x.architecture == "layered-governance"]
    assert text.count('<tr data-mitigation="') == len(adopts)
    for link in adopts:
        assert link.rationale in text
    # Where: the places of the multilateral agency, by name.
    row = text.split('data-mitigation="multilateral-agency"')[1].split("</tr>")[0]
    for place in ("China", "United States", "European Union", "Rest of the world"):
        assert place in row
    assert "Everywhere" in text.split('data-mitigation="chip-attestation"')[1]
    assert "Aarne, Fist &amp; Withers 2024" in response.content.decode()


def test_the_sentence_groups_adoptions_by_where_and_the_where_column_follows_it(
    seeded_graph_read_only, client
):
    snapshot = selectors.taxonomy_snapshot()
    places = {j.id: j.name for j in snapshot.jurisdictions}
    scenario = selectors.architecture_scenario_of(
        taxonomy=snapshot, key="layered-governance"
    )
    everywhere = len(scenario.adopted_everywhere)
    somewhere = len({m for m, _ in scenario.adopted_in})
    assert everywhere and somewhere, "the seed no longer adopts both ways"
    text = re.sub(
        r"\s+",
        " ",
        _text(client.get(reverse("architecture", args=["layered-governance"]))),
    )
    assert f"plus {everywhere} adopted everywhere (" in text
    assert f") and {somewhere} adopted in " in text
    sentence = text[text.index(f"plus {everywhere} adopted everywhere") :]
    # Place names folded: "Rest of the world" is said "the rest of the world".
    sentence = sentence[: sentence.index("threshold")].casefold()
    # Each place named once in the sentence, in the order the column lists them.
    said = sorted(
        (sentence.index(n.casefold()), n)
        for n in places.values()
        if n.casefold() in sentence
    )
    assert all(sentence.count(n.casefold()) == 1 for _, n in said)
    assert len(said) == len({j for _, j in scenario.adopted_in})
    rows = re.findall(r'data-label="Where">(.*?)</td>', text)
    listed = [re.findall(r">([^<>]+)</a>", row) for row in rows]
    longest = max(listed, key=len)
    assert longest == [n for _, n in said]


def test_the_coverage_link_is_the_architectures_scenario(
    seeded_graph_read_only, client
):
    response = client.get(
        reverse("architecture", args=["restriction-without-alternatives"])
    )
    text = _text(response)
    href = re.search(r'href="([^"]*)" id="architecture-coverage"', text).group(1)
    path, _, query = href.partition("?")
    assert path == reverse("coverage")
    values = scenario_values(QueryDict(query))
    expected = selectors.architecture_scenario_of(
        taxonomy=selectors.taxonomy_snapshot(),
        key="restriction-without-alternatives",
    )
    assert (
        values["adopt"]
        == expected.adopt
        == {
            "open-weight-restrictions@us",
            "open-weight-restrictions@eu",
        }
    )
    assert values["maturities"] == expected.maturities
    assert "Open-weight restrictions" in text


def test_an_editor_can_add_a_measure_from_the_page(
    seeded_graph_read_only, client, django_user_model
):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("ed", password="x")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    client.force_login(user)
    text = _text(client.get(reverse("architecture", args=["layered-governance"])))
    assert reverse("edit-adopts-new") + "?architecture=layered-governance" in text
    assert reverse("edit-adopts", args=["layered-governance", "tee"]) in text


def test_an_unknown_architecture_is_a_404(seeded_graph_read_only, client):
    assert client.get(reverse("architecture", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"id": "x", "name": "X", "scenario": "colour=red"},
            "scenario",
            "unknown parameter: colour",
        ),
        (
            {"id": "x", "name": "X", "scenario": "jurisdiction=atlantis"},
            "scenario",
            "names an unknown jurisdiction 'atlantis'",
        ),
        ({"id": "today", "name": "Today"}, "id", "the id 'today' is reserved"),
        ({"id": "compare", "name": "Compare"}, "id", "the id 'compare' is reserved"),
    ],
)
def test_the_form_refuses_a_scenario_or_id_naming_its_fault(
    editor_client, seeded_graph, data, field, message
):
    response = editor_client.post("/edit/new/architecture/", {**data, "save": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert not AuditEntry.objects.exists()
    assert data["id"] not in {a.id for a in selectors.taxonomy_snapshot().architectures}


def test_an_adoption_is_added_in_the_browser_and_audited(editor_client, seeded_graph):
    response = editor_client.post(
        "/edit/new/adopts/",
        {
            "architecture": "openness-without-governance",
            "mitigation": "watermarking",
            "jurisdictions": ["eu", "uk"],
            "rationale": "Labels where the law asks for them.",
            "sources": ["eu-ai-act-2024"],
            "save": "1",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    link = next(
        x
        for x in selectors.taxonomy_snapshot().adopts
        if (x.architecture, x.mitigation)
        == ("openness-without-governance", "watermarking")
    )
    assert set(link.jurisdictions) == {"eu", "uk"}
    entry = AuditEntry.objects.get(kind="adopts")
    assert entry.action == "create" and entry.channel == "browser"


def test_no_architecture_may_take_an_id_the_site_gives_another_meaning():
    """Every fixed address below /architectures/ (an architecture of that id
    would sit behind it, never reached) and the comparisons' ``today``."""
    fixed = {
        str(p.pattern).split("/")[1]
        for p in urlpatterns
        if str(p.pattern).startswith("architectures/")
        and str(p.pattern).split("/")[1][:1] not in ("", "<")
    }
    assert "compare" in fixed
    assert fixed | {TODAY} <= set(RESERVED_IDS)
