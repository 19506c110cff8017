"""The crosswalk pages in Chromium (issue 26): a mapping set's page, the
matrix, ATLAS's coverage and incidents read through a set onto the seed, each
fitting a laptop and a phone with its tables scrolling inside their regions."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from taxonomy import services
from taxonomy.domain.mappings import MappingRow, MappingSet

pytestmark = pytest.mark.browser

SET_ID = "https://example.org/layerwise/mappings/browser"
MAPPING = MappingSet(
    SET_ID,
    "atlas",
    "layerwise",
    license="https://creativecommons.org/licenses/by/4.0/",
    mapping_set_title="ATLAS sample onto the seed",
    curie_map=(
        ("atlas", "https://atlas.mitre.org/techniques/"),
        ("layerwise", "https://example.org/layerwise/threat/"),
    ),
    rows=(
        MappingRow(
            "atlas:AML.T0040",
            "skos:closeMatch",
            "layerwise:model-extraction",
            confidence=0.9,
            comment="Probing a hosted model's API is how extraction starts.",
        ),
        MappingRow(
            "atlas:AML.T0029",
            "skos:relatedMatch",
            "layerwise:scaled-misuse",
            confidence=0.6,
            comment="Denial of service is misuse at scale of a hosted model.",
        ),
        MappingRow(
            "atlas:AML.T0020.000",
            "skos:broadMatch",
            "layerwise:monoculture-failure",
            confidence=0.4,
        ),
    ),
)
PAGES = {
    "set": f"/crosswalks/set/?id={quote(SET_ID, safe='')}",
    "matrix": f"/crosswalks/matrix/?id={quote(SET_ID, safe='')}",
    "coverage": f"/coverage/?taxonomy=atlas&through={quote(SET_ID, safe='')}",
    "incidents": f"/incidents/?taxonomy=atlas&through={quote(SET_ID, safe='')}",
}


@pytest.fixture
def crossed_site(two_taxonomies) -> str:
    services.mapping_set_save(mapping_set=MAPPING, channel=None)
    return two_taxonomies


@pytest.mark.parametrize("width", [1280, 390])
def test_the_crosswalk_pages_fit_the_window(
    page: Page, crossed_site, screenshot_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for name, path in PAGES.items():
        response = page.goto(crossed_site + path)
        assert response.status == 200, path
        page.screenshot(
            path=screenshot_dir / f"crosswalk-{name}-{width}.png", full_page=True
        )
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width, (path, width_now)
    assert errors == []


def test_the_set_page_draws_the_histogram_and_names_the_unmapped(
    page: Page, crossed_site
):
    page.goto(crossed_site + PAGES["set"])
    bars = page.locator("#confidence-chart rect")
    assert bars.count() == 11
    assert page.locator("#mapping-rows tbody tr").count() == 3
    unmapped = page.locator("#unmapped-subjects").inner_text()
    assert "AML.T0000" in unmapped and "AML.T0040" not in unmapped


def test_atlas_incidents_through_the_set_say_what_crosses(page: Page, crossed_site):
    page.goto(crossed_site + PAGES["incidents"])
    through = page.locator("#incidents-through").inner_text()
    assert "ATLAS sample onto the seed" in through
    assert "outside the taxonomy" in through
    page.goto(crossed_site + "/incidents/?taxonomy=atlas")
    assumed = page.locator("#incidents-assumed").inner_text()
    assert "imported at an assumed strength" in assumed
    page.get_by_role("link", name="ATLAS sample onto the seed").click()
    page.wait_for_url("**through=**")
    assert page.locator("#incidents-through").count() == 1
