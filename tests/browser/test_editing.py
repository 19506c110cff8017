"""An editor in Debian's Chromium: log in, edit a link, preview its impact, save."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def ada(site) -> User:
    user = User.objects.create_user("ada", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user


def _class_of(page: Page, threat: str) -> str:
    return page.locator(f"#row-{threat}").get_attribute("data-class")


def test_an_editor_edits_a_links_strength_previews_the_impact_and_sees_the_matrix_change(
    page: Page, site, ada, screenshot_dir: Path
):
    page.goto(site + "/coverage/")
    assert _class_of(page, "shadow-ai") == "insufficient"

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".user-menu")).to_contain_text("ada")

    page.goto(site + "/threats/shadow-ai/")
    page.get_by_role("link", name="Edit the link io-guardrails → shadow-ai").click()
    expect(page.locator("h1")).to_contain_text("Edit the MITIGATES link")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Why (optional)").fill("Filters now see local use")
    page.get_by_role("button", name="Preview impact").click()

    expect(page.locator("#impact-summary")).to_contain_text("Closes 1 gap, opens 0")
    impact_row = page.locator("#impact tr[data-threat='shadow-ai']")
    expect(impact_row).to_contain_text("Insufficient")
    expect(impact_row).to_contain_text("Single layer")
    expect(page.get_by_label("High", exact=True)).to_be_checked()
    page.screenshot(path=screenshot_dir / "edit-preview.png", full_page=True)

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(site + "/threats/shadow-ai/")
    expect(page.locator(".messages")).to_contain_text("Saved the MITIGATES link")

    page.goto(site + "/coverage/")
    assert _class_of(page, "shadow-ai") == "single-layer"
    page.goto(site + "/history/")
    expect(page.locator("#audit-list")).to_contain_text("Filters now see local use")
