"""The robustness page in Chromium: it fits the window, its threat table is a
table on a laptop (scrolling inside a labelled region when narrower) and a
block per threat on a phone, and its sentences carry no formula."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def _widths(page: Page) -> dict[str, int]:
    """The page's and the robustness table's widths, and its container's."""
    return page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            window: window.innerWidth,
            table: document.querySelector('table.robustness').scrollWidth,
            region: document.querySelector('#threats-table').clientWidth,
        })"""
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_robustness_page_is_never_wider_than_the_window(
    page: Page, site, screenshot_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/robustness/?samples=300")
    page.screenshot(path=screenshot_dir / f"robustness-{width}.png", full_page=True)
    sizes = _widths(page)
    page.screenshot(path=screenshot_dir / f"robustness-{width}-top.png")
    page.locator("#threats-h").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"robustness-{width}-table.png")
    assert sizes["page"] <= sizes["window"], sizes
    region = page.get_by_role("region", name="Threats, least robust first: a table")
    assert region.get_attribute("tabindex") == "0"
    # Its description is read out at every width (hidden, on a phone): it says
    # what the table does at each.
    assert region.get_attribute("aria-describedby") == "threats-scroll-hint"
    assert "on a phone each threat is shown as a block" in (
        page.locator("#threats-scroll-hint").text_content()
    )
    if width >= 1280:
        assert sizes["table"] <= sizes["region"], sizes  # every column in view
        assert page.locator("#threats-scroll-hint").is_visible()
        return
    # On a phone each threat is a block and each of its cells a labelled line
    # as wide as the table: no column squeezed to a few letters.
    assert not page.locator("#threats-scroll-hint").is_visible()
    cells = page.evaluate(
        """() => [...document.querySelectorAll(
            'table.robustness tbody tr:first-child td')].map(td => ({
                width: td.getBoundingClientRect().width,
                label: getComputedStyle(td, '::before').content}))"""
    )
    assert len(cells) == 6
    assert min(c["width"] for c in cells) >= 0.9 * sizes["region"], cells
    assert cells[0]["label"] == '"Class as judged: "', cells


def test_a_keyboard_user_can_scroll_the_table_sideways_on_a_narrow_screen(
    page: Page, site
):
    # A small tablet: narrower than the table, wider than a phone (where the
    # table stacks instead, test above).
    page.set_viewport_size({"width": 700, "height": 800})
    page.goto(site + "/robustness/?samples=300")
    region = page.locator("#threats-table")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    # The browser may scroll smoothly: wait (5 s at most) for the table to
    # have moved, rather than read it at the instant the key is let go.
    page.wait_for_function(
        "el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5000
    )
    assert region.evaluate("el => el.scrollLeft") > 0


def test_the_robustness_sentences_carry_no_formula(page: Page, site):
    page.goto(site + "/robustness/?samples=300")
    text = page.locator("main").inner_text()
    for symbol in ("τ", "Π", "σ", "P(", "1 − "):
        assert symbol not in text
    assert "plausible readings" in text
