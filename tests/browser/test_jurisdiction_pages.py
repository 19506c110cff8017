"""The jurisdiction pages in Chromium (issue 25): the jurisdictions × threats
matrix and its timeline, and one jurisdiction's page, fit a laptop and a
phone; the matrix scrolls inside a labelled region and every chart has its
sentence and its table."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.test_walk import CSP_LISTEN, walk

pytestmark = pytest.mark.browser


def _widths(page: Page, table: str) -> dict[str, int]:
    return page.evaluate(
        """(table) => ({
            page: document.documentElement.scrollWidth,
            window: window.innerWidth,
            table: document.querySelector(table).scrollWidth,
            region: document.querySelector(table).parentElement.clientWidth,
        })""",
        table,
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_jurisdictions_page_fits_the_window(
    page: Page, site, screenshot_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/jurisdictions/?maturity=deployed")
    page.screenshot(path=screenshot_dir / f"jurisdictions-{width}.png", full_page=True)
    sizes = _widths(page, "#jurisdiction-matrix")
    assert sizes["page"] <= sizes["window"], sizes
    if width >= 1280:
        assert sizes["table"] <= sizes["region"], sizes  # every place in view
    region = page.get_by_role("region", name="Threats by jurisdiction: a table")
    assert region.get_attribute("tabindex") == "0"
    charts = page.locator("figure.timeline svg[role=img]")
    assert charts.count() == 5
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box["x"] + box["width"] <= width
    assert page.locator("#jurisdiction-timeline tbody tr").count() >= 3


def test_the_form_changes_the_date_the_matrix_counts(page: Page, site):
    page.goto(site + "/jurisdictions/?maturity=deployed")
    cell = page.locator('tr[data-threat="scaled-misuse"] td[data-place="eu"]')
    assert cell.get_attribute("data-class") == "defense-in-depth"
    page.fill("#as_of", "2025-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**as_of=2025-01-01**")
    assert "maturity=deployed" in page.url
    assert cell.get_attribute("data-class") == "insufficient"
    assert "as of 2025-01-01" in page.locator("#jurisdictions-scenario").inner_text()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_jurisdictions_in_force_table_fits_a_phone(
    page: Page, site, screenshot_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/jurisdictions/us/")
    page.screenshot(
        path=screenshot_dir / f"jurisdiction-us-{width}.png", full_page=True
    )
    sizes = _widths(page, "#jurisdiction-in-force")
    assert sizes["page"] <= sizes["window"], sizes
    assert sizes["table"] <= sizes["region"], sizes
    sources = page.locator("#jurisdiction-in-force .sources a")
    assert sources.count() >= 2
    assert sources.first.is_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_jurisdiction_pages_pass_axe(page: Page, site, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.add_init_script(CSP_LISTEN)
    urls = [
        "/jurisdictions/",
        "/jurisdictions/?maturity=deployed&as_of=2025-03-01",
        "/jurisdictions/eu/",
        "/jurisdictions/us/",
    ]
    assert walk(page, site, width, urls, screenshot_dir) == []
