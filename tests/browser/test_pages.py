"""The site in Debian's Chromium: pages load, the matrix reacts, links reproduce."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from taxonomy import services
from tests.samples import ACME

pytestmark = pytest.mark.browser

PAGES = [
    ("/", "Which AI misuse threats"),
    ("/coverage/", "Coverage matrix"),
    ("/combinations/", "Layer combinations"),
    ("/threats/guardrail-removal/", "Guardrail removal"),
    ("/mitigations/export-controls/", "Export controls"),
    ("/layers/hardware/", "Hardware layer"),
    ("/sources/qi-2024/", "Qi et al. 2024"),
    ("/graph/", "Graph explorer"),
    ("/search/?q=attestation", "Search"),
    ("/brief/", "Governing open-weight AI"),
    ("/robustness/", "How sure are we?"),
]


def _class_of(page: Page, threat: str) -> str:
    return page.locator(f"#row-{threat}").get_attribute("data-class")


@pytest.mark.parametrize("path, heading", PAGES)
def test_each_page_loads_with_its_heading_and_no_script_error(
    page: Page, site, path, heading
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(site + path)
    assert response.status == 200
    expect(page.locator("h1")).to_contain_text(heading)
    assert errors == []


def test_switching_a_layer_off_in_the_matrix_changes_a_threats_class(page: Page, site):
    page.goto(site + "/coverage/")
    assert _class_of(page, "model-extraction") == "single-layer"
    page.get_by_role("checkbox", name="Hardware", exact=True).check()
    expect(page.locator("#row-model-extraction")).not_to_have_attribute(
        "data-class", "single-layer"
    )
    assert "disable_layer=hardware" in page.url
    expect(page.locator("h1")).to_have_count(1)  # swapped in place, not reloaded


def test_the_compare_view_marks_the_threats_that_changed_class(page: Page, site):
    page.goto(site + "/coverage/?disable_layer=hardware")
    page.get_by_role("checkbox", name="Compare with the baseline", exact=True).check()
    expect(page.locator("#diff-summary")).to_be_visible()
    expect(page.locator("#row-model-extraction")).to_have_class("changed")


def test_a_permalink_reproduces_the_scenario(page: Page, site, browser):
    page.goto(site + "/coverage/")
    page.get_by_role("checkbox", name="Institutional", exact=True).check()
    page.get_by_role("checkbox", name="Deployed", exact=True).check()
    expect(page.locator("#matrix-region")).to_contain_text(
        "Only the measures already deployed count (today), without Institutional"
    )
    link = page.locator("#permalink").get_attribute("href")
    classes = {
        row.get_attribute("data-threat"): row.get_attribute("data-class")
        for row in page.locator("tbody tr[data-threat]").all()
    }
    assert classes
    other = browser.new_page()
    other.goto(link)
    expect(
        other.get_by_role("checkbox", name="Institutional", exact=True)
    ).to_be_checked()
    expect(other.get_by_role("checkbox", name="Deployed", exact=True)).to_be_checked()
    for threat, klass in classes.items():
        assert _class_of(other, threat) == klass
    other.close()


def test_sorting_the_matrix_by_coverage_puts_the_lowest_first(page: Page, site):
    page.goto(site + "/coverage/")
    page.get_by_role("link", name="All layers").click()
    expect(page.locator("th[aria-sort='ascending']")).to_have_text("All layers")
    values = page.locator("td.cell--all .cell__value").all_inner_texts()
    numbers = [int(v.strip().rstrip("%")) for v in values]
    assert numbers == sorted(numbers)


def _click_node(page: Page, node_id: str) -> None:
    """Click the graph's node ``node_id`` where it is drawn."""
    position = page.evaluate(
        """(id) => {
            const node = window.layerwiseGraph.getElementById(id);
            const box = document.getElementById('cy').getBoundingClientRect();
            const p = node.renderedPosition();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        node_id,
    )
    page.mouse.click(position["x"], position["y"])


def test_clicking_a_node_in_the_graph_leads_to_its_page(page: Page, site):
    page.goto(site + "/graph/")
    page.wait_for_selector("#cy[data-ready='true']")
    _click_node(page, "threat:guardrail-removal")
    expect(page.locator("#node-summary")).to_contain_text("Guardrail removal")
    page.locator("#node-page-link").click()
    expect(page).to_have_url(site + "/threats/guardrail-removal/")
    expect(page.locator("h1")).to_have_text("Guardrail removal")


def _graph_labels(page: Page, selector: str) -> list[str]:
    return page.evaluate(
        f"() => window.layerwiseGraph.nodes('{selector}').map(n => n.style('label'))"
    )


def test_on_a_phone_the_graph_names_mitigations_when_zoomed_in_or_tapped(
    page: Page, site
):
    """At a phone's width the mitigations' names would cover the threats':
    they show when the reader taps one (it and its neighbours) or zooms in,
    and the page says so; at a laptop's width every node is named, and the
    graph follows the window across that width without a reload."""
    # A tall phone: the graph is in view without scrolling (Cytoscape reads
    # where its canvas is a moment after a scroll).
    page.set_viewport_size({"width": 390, "height": 1400})
    page.goto(site + "/graph/")
    page.wait_for_selector("#cy[data-ready='true']")
    expect(page.locator("#graph-narrow-hint")).to_be_visible()
    mitigations = _graph_labels(page, ".mitigation")
    assert mitigations and set(mitigations) == {""}
    assert all(_graph_labels(page, ".threat"))
    _click_node(page, "mitigation:io-guardrails")
    expect(page.locator("#node-summary")).to_contain_text("guardrails")
    tapped = "window.layerwiseGraph.getElementById('mitigation:io-guardrails')"
    assert page.evaluate(f"() => {tapped}.style('label')") != ""
    page.evaluate(
        "() => { const cy = window.layerwiseGraph; cy.nodes().unselect();"
        " cy.emit('tap'); }"
    )
    # Widened (a phone turned sideways, a window resized): every node named.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_selector("#cy[data-quiet-labels='false']")
    expect(page.locator("#graph-narrow-hint")).to_be_hidden()
    assert all(_graph_labels(page, ".mitigation"))
    # Narrowed again, then zoomed in: every one named (one zoom: each costs
    # seconds in a headless browser, which draws without a GPU).
    page.set_viewport_size({"width": 390, "height": 1400})
    page.wait_for_selector("#cy[data-quiet-labels='true']")
    assert set(_graph_labels(page, ".mitigation")) == {""}
    page.evaluate("() => window.layerwiseGraph.zoom(2)")
    assert all(_graph_labels(page, ".mitigation"))


def test_searching_from_any_page_reaches_a_result(page: Page, site):
    page.goto(site + "/combinations/")
    page.get_by_role("searchbox", name="Search threats").fill("smuggled")
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_be_visible()
    page.locator(".results a").first.click()
    expect(page.locator("h1")).to_have_text("Sanctions evasion")


def test_the_matrix_is_keyboard_navigable_with_visible_values(page: Page, site):
    page.goto(site + "/coverage/")
    cell = page.locator("#row-model-extraction td.cell").first
    cell.focus()
    expect(cell.locator(".cell__tip")).to_be_visible()
    assert "Hardware" in cell.get_attribute("aria-label")


SHOTS = [
    ("overview", "/"),
    ("matrix", "/coverage/?disable_layer=hardware&compare=baseline"),
    ("threat", "/threats/guardrail-removal/"),
    ("graph", "/graph/"),
    ("combinations", "/combinations/"),
    ("layer", "/layers/hardware/"),
    ("mitigation", "/mitigations/chip-attestation/"),
    ("brief", "/brief/"),
    ("robustness", "/robustness/"),
]


def test_screenshots_of_the_main_pages(page: Page, site, screenshot_dir: Path):
    """Full-page screenshots into var/screenshots/ (and docs/matrix.png on demand)."""
    for name, path in SHOTS:
        page.goto(site + path)
        if name == "graph":
            page.wait_for_selector("#cy[data-ready='true']")
            time.sleep(0.3)
        page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)
    page.emulate_media(media="print")
    page.goto(site + "/brief/?disable_layer=hardware")
    page.screenshot(path=screenshot_dir / "brief-print.png", full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/coverage/")
    page.screenshot(path=screenshot_dir / "matrix-phone.png", full_page=True)
    if os.environ.get("LAYERWISE_SCREENSHOTS") == "docs":
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(site + "/coverage/")
        docs = Path(settings.BASE_DIR) / "docs"
        page.locator("main").screenshot(path=docs / "matrix.png")
    assert (screenshot_dir / "matrix.png").stat().st_size > 10_000


def test_switching_taxonomy_shows_the_other_taxonomys_threats_in_the_matrix(
    page: Page, site
):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    page.goto(site + "/coverage/")
    expect(page.locator("#row-guardrail-removal")).to_have_count(1)
    page.get_by_label("Taxonomy", exact=True).select_option("acme")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator('[id="row-acme:AML.T0001"]')).to_have_count(1)
    expect(page.locator("#row-guardrail-removal")).to_have_count(0)
    assert "taxonomy=acme" in page.url
    page.get_by_role("checkbox", name="Acme policy", exact=True).check()
    expect(page.locator('[id="row-acme:AML.T0001"]')).not_to_have_attribute(
        "data-class", "single-layer"
    )
    assert "taxonomy=acme" in page.url  # the scenario stays in the taxonomy
