"""A scenario compared with the baseline, in Chromium at a laptop's and a phone's
width: the comparison and the matrix's changes fit the window and pass axe-core
(the whole page is the walk's, tests/browser/test_walk.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const context = {include: [["#comparison"], ["table.matrix"]]};
  const result = await axe.run(context, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target)}`);
}"""
COMPARED = "disable_mitigation=export-controls"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", ["/coverage/", "/brief/"])
def test_a_comparison_fits_the_window_and_passes_axe(
    browser: Browser, site, screenshot_dir, path, width
):
    # bypass_csp: the policy refuses the inline script axe-core is injected as.
    context = browser.new_context(
        viewport={"width": width, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{site}{path}?{COMPARED}&compare=baseline")
    name = path.strip("/")
    page.screenshot(path=screenshot_dir / f"comparison-{name}-{width}.png")
    comparison = page.locator("#comparison")
    comparison.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"comparison-{name}-{width}-list.png")
    box = comparison.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.locator(".cell__delta").first.is_visible()
    page.add_script_tag(path=AXE)
    assert page.evaluate(AXE_RUN) == []
    context.close()
