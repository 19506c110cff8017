"""A scenario compared with the baseline: the matrix, the brief, the mitigation
page's link and the API's diff, read from one seeded graph."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from taxonomy import services
from taxonomy.graph import repository
from taxonomy.graph.repository import staging
from taxonomy.web import present as presentation

OFF = "disable_mitigation=export-controls"

# The pages read the judges' panels (Django's tables) for their robustness.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(neo4j_server):
    """The seed taxonomy, loaded once: every test here only reads it."""
    staging.join_background()
    repository.graph_clear()
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    yield
    repository.graph_clear()


@pytest.fixture
def api():
    return APIClient()


def _text(fragment: str) -> str:
    """The words of an HTML fragment as a reader sees them, one space apart."""
    words = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", fragment)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", words)).split())


def _moves(page: str) -> list[str]:
    """The text of each item of the page's list of moved threats, in order."""
    items = re.findall(r'<li class="move[^"]*" id="move-[^"]+">(.*?)</li>', page, re.S)
    return [_text(item) for item in items]


def _diff(api, query: str) -> dict:
    return api.get(f"/api/v1/coverage/diff/?{query}").json()


def test_a_compared_matrix_lists_every_moved_threat_in_the_diffs_order(
    client, seeded, api
):
    page = client.get(f"/coverage/?{OFF}&compare=baseline").content.decode()
    found = _diff(api, OFF)
    names = {t["id"]: t["name"] for t in found["threats"]}
    listed = _moves(page)
    assert [item.split(":")[0] for item in listed] == [
        names[m["id"]] for m in found["diff"]["moved"]
    ]
    assert listed[0] == (
        "Jurisdiction shopping: 65% → 51% (−14 points), still insufficient "
        "By layer: Institutional 65% → 51% (−14 points)"
    )
    assert "Institutional 30% → 0% (−30 points)" in listed[2]
    assert f"{found['diff']['unchanged']} threats did not move." in _text(page)
    assert "none changed class" in _text(page)


def test_each_moved_cell_of_the_matrix_shows_its_change_in_words_too(
    client, seeded, api
):
    page = client.get(f"/coverage/?{OFF}&compare=baseline").content.decode()
    found = _diff(api, OFF)
    moved_cells = sum(
        bool(m["coverage"]["delta"])
        + sum(bool(x["delta"]) for x in m["by_layer"].values())
        for m in found["diff"]["moved"]
    )
    assert page.count('<span class="cell__delta"') == moved_cells
    row = re.search(r'<tr id="row-jurisdiction-shopping".*?</tr>', page, re.S).group(0)
    assert (
        'aria-label="Jurisdiction shopping, Institutional: 51%, '
        "14 points lower than the baseline (65%)" in row
    )
    assert ">−14</span>" in row


def test_a_matrix_not_compared_shows_no_change(client, seeded):
    page = client.get(f"/coverage/?{OFF}").content.decode()
    assert 'id="comparison"' not in page
    assert "cell__delta" not in page


def test_a_class_change_comes_first_and_says_both_classes(client, seeded, api):
    page = client.get(
        "/coverage/?disable_mitigation=chip-attestation&compare=baseline"
    ).content.decode()
    found = _diff(api, "disable_mitigation=chip-attestation")
    changed = len(found["diff"]["changed"])
    assert changed
    listed = _moves(page)
    assert all("now insufficient, was defense in depth" in i for i in listed[:changed])
    assert not any(", now " in item for item in listed[changed:])
    assert f"{changed} of them changed class" in _text(page)


def test_a_long_comparison_shows_its_first_moves_and_folds_the_rest(client, seeded):
    page = client.get("/coverage/?maturity=deployed&compare=baseline").content.decode()
    listed = _moves(page)
    shown = presentation.MOVES_SHOWN
    assert len(listed) > shown
    folded = page.split('id="moves-more"', 1)
    assert len(_moves(folded[0])) == shown
    assert f"{len(listed) - shown} more threats moved" in _text(folded[1])


def test_the_brief_of_a_compared_scenario_carries_the_whole_comparison(
    client, seeded, api
):
    page = client.get(f"/brief/?{OFF}").content.decode()
    found = _diff(api, OFF)
    assert 'id="comparison"' in page
    assert len(_moves(page)) == len(found["diff"]["moved"])
    assert "moves-more" not in page
    assert "cell__delta" in page
    assert "14 points lower than the baseline" in page


def test_the_brief_of_the_baseline_has_no_comparison(client, seeded):
    page = client.get("/brief/").content.decode()
    assert 'id="comparison"' not in page
    assert "cell__delta" not in page


@pytest.mark.parametrize("scenario", ["", "maturity=deployed&"])
def test_a_mitigation_page_links_the_matrix_without_it(client, seeded, scenario):
    page = client.get(f"/mitigations/export-controls/?{scenario}").content.decode()
    link = re.search(r'<p id="without-link"><a href="([^"]+)"', page).group(1)
    assert html_lib.unescape(link) == f"/coverage/?{OFF}&{scenario}compare=baseline"
    target = client.get(html_lib.unescape(link)).content.decode()
    assert any(item.startswith("Jurisdiction shopping") for item in _moves(target))


def test_a_mitigation_others_require_says_they_go_too(client, seeded):
    page = client.get("/mitigations/provenance-registry/").content.decode()
    link = re.search(r'<p id="without-link">(.*?)</p>', page, re.S).group(1)
    assert "and without what requires it" in link


def test_the_api_diff_is_the_difference_of_two_coverage_answers(api, seeded):
    found = _diff(api, OFF)
    before = {t["id"]: t for t in api.get("/api/v1/coverage/").json()["threats"]}
    after = {t["id"]: t for t in api.get(f"/api/v1/coverage/?{OFF}").json()["threats"]}
    moved = {m["id"]: m for m in found["diff"]["moved"]}
    for threat, was in before.items():
        now = after[threat]
        sides = [("all", was["coverage"]["all"], now["coverage"]["all"])] + [
            (layer, was["coverage"]["by_layer"][layer], v)
            for layer, v in now["coverage"]["by_layer"].items()
        ]
        if threat not in moved:
            assert all(a == b for _, a, b in sides)
            continue
        move = moved[threat]
        assert (move["from"], move["to"]) == (was["class"], now["class"])
        for layer, a, b in sides:
            got = move["coverage"] if layer == "all" else move["by_layer"][layer]
            assert (got["from"], got["to"]) == (a, b)
            assert abs(got["delta"] - (b - a)) < 2e-6
    assert found["diff"]["unchanged"] == len(before) - len(moved)


def test_the_schema_documents_the_diffs_moves():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    diff = next(c for name, c in components.items() if name.endswith("Diff"))
    assert {"changed", "summary", "moved", "unchanged"} <= set(diff["properties"])
    move = components[diff["properties"]["moved"]["items"]["$ref"].split("/")[-1]]
    assert list(move["properties"]) == ["id", "from", "to", "coverage", "by_layer"]
    coverage = components[
        move["properties"]["coverage"]["allOf"][0]["$ref"].split("/")[-1]
    ]
    assert list(coverage["properties"]) == ["from", "to", "delta"]
