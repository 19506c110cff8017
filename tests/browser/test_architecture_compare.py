"""The comparison of governance architectures in Chromium (issue 25): chosen
in the form, it fits a laptop and a phone (the tables scroll inside their
labelled regions) and its downloads and brief follow the choice."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

CHOICE = ["today", "restriction-without-alternatives", "layered-governance"]


def test_the_form_compares_what_is_chosen(page: Page, site):
    page.goto(site + "/architectures/compare/")
    for number, value in enumerate(CHOICE, start=1):
        page.select_option(f"#a{number}", value)
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**a=layered-governance**")
    headers = page.locator("#glance thead th").all_inner_texts()
    assert headers[1:] == [
        "Today",
        "Restriction without governed alternatives",
        "Openness with layered governance",
    ]
    rows = page.locator("#differences tbody tr")
    assert rows.count() >= 1
    assert page.locator("#every-threat tbody tr").count() == 12
    csv = page.locator("#downloads a", has_text="CSV").get_attribute("href")
    assert csv.endswith(
        "a=today&a=restriction-without-alternatives&a=layered-governance"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_comparison_fits_the_window(page: Page, site, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    query = "&".join(f"a={a}" for a in ["openness-without-governance", *CHOICE])
    page.goto(site + "/architectures/compare/?" + query)
    page.screenshot(
        path=screenshot_dir / f"architecture-compare-{width}.png", full_page=True
    )
    sizes = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            window: window.innerWidth,
        })"""
    )
    assert sizes["page"] <= sizes["window"], sizes
    region = page.get_by_role("region", name="Where the architectures differ: a table")
    assert region.get_attribute("tabindex") == "0"
    assert page.locator(".card").count() == 4


def test_an_unknown_choice_is_said_beside_the_form(page: Page, site):
    response = page.goto(site + "/architectures/compare/?a=today&a=nowhere")
    assert response.status == 404
    assert "nowhere" in page.locator("#compare-problem").inner_text()
    assert page.locator("#compare-form").is_visible()
