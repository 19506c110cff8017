"""The Content-Security-Policy in Debian's Chromium: the main pages break none of it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
# Records every violation the browser reports, before any of the page's scripts run.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    """The CSP violations the page reports, in the console or as events."""
    found: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return found


def _reported(page: Page, violations: list[str]) -> list[str]:
    return violations + page.evaluate("window.__cspViolations")


def test_the_matrix_and_its_htmx_swap_break_no_policy(page: Page, site, violations):
    page.goto(site + "/coverage/")
    page.get_by_role("checkbox", name="Hardware", exact=True).check()
    expect(page.locator("#row-model-extraction")).not_to_have_attribute(
        "data-class", "single-layer"
    )
    assert "disable_layer=hardware" in page.url
    assert _reported(page, violations) == []


def test_the_graph_explorer_draws_without_breaking_the_policy(
    page: Page, site, violations
):
    page.goto(site + "/graph/?around=threat:guardrail-removal")
    # Polled with evaluate (run by the browser's debugger, outside the page's
    # policy): wait_for_function with a text predicate evals it in the page,
    # which this very policy refuses once the page is up.
    drawn = "() => !!window.layerwiseGraph && window.layerwiseGraph.nodes().length > 0"
    for _ in range(200):
        if page.evaluate(drawn):
            break
        page.wait_for_timeout(50)
    assert page.evaluate(drawn), "the graph was not drawn within 10 s"
    assert _reported(page, violations) == []


@pytest.mark.parametrize(
    "path",
    ["/", "/threats/guardrail-removal/", "/brief/", "/robustness/", "/api/v1/docs/"],
)
def test_a_page_breaks_no_policy(page: Page, site, violations, path):
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    assert _reported(page, violations) == []


def test_the_swagger_ui_renders_under_the_policy(page: Page, site, violations):
    page.goto(site + "/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Layerwise API")
    assert _reported(page, violations) == []


def test_logging_in_and_the_edit_form_break_no_policy(page: Page, site, violations):
    user = User.objects.create_user("ada", password=PASSWORD)
    # get_or_create: a live server's flush may have emptied the groups table.
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    page.goto(site + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".user-menu")).to_contain_text("ada")
    page.goto(site + "/edit/threat/guardrail-removal/")
    expect(page.locator("h1")).to_contain_text("Edit")
    assert _reported(page, violations) == []
