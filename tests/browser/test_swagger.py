"""Swagger UI shows a padlock on the writes only: public reads have none."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

WRITES = ("post", "put", "patch", "delete")
# What each drawn operation is: its element id (Swagger UI's deep-link id, one
# per operation), its method, and whether it shows a padlock.
DRAWN = """() => [...document.querySelectorAll('.opblock')].map(block => [
    block.id,
    [...block.classList].find(c => c.startsWith('opblock-') && c !== 'opblock-summary')
        .slice('opblock-'.length),
    block.querySelector('.authorization__btn') !== null,
])"""


def _every_operation(page: Page) -> dict[str, tuple[str, bool]]:
    """Every operation Swagger UI draws, scrolled through from top to bottom:
    it draws only the tags near the window, so one look sees a few."""
    seen: dict[str, tuple[str, bool]] = {}
    at_bottom = False
    while not at_bottom:
        for block_id, method, padlock in page.evaluate(DRAWN):
            seen[block_id] = (method, padlock)
        at_bottom = page.evaluate(
            "() => { const before = window.scrollY; window.scrollBy(0, 400);"
            " return window.scrollY === before; }"
        )
        page.wait_for_timeout(50)
    for block_id, method, padlock in page.evaluate(DRAWN):
        seen[block_id] = (method, padlock)
    return seen


def test_public_reads_show_no_padlock_and_writes_do(page: Page, site):
    page.goto(site + "/api/v1/docs/")
    expect(page.locator(".opblock-get").first).to_be_visible()
    schema = page.request.get(
        site + "/api/v1/schema/",
        headers={"Accept": "application/vnd.oai.openapi+json"},
    ).json()
    methods = [m for ops in schema["paths"].values() for m in ops if m != "parameters"]
    drawn = _every_operation(page)
    assert sorted(m for m, _ in drawn.values()) == sorted(methods)
    # The one read that is not public: an import job's status (editors and
    # the job's owner), shown with a padlock like the writes.
    private = [
        path for path, operations in schema["paths"].items()
        if "get" in operations and operations["get"]["security"] != [{}]
    ]  # fmt: skip
    assert private == ["/api/v1/jobs/{job_id}/"]
    reads = [padlock for method, padlock in drawn.values() if method == "get"]
    assert sum(reads) == len(private)
    writes = [padlock for method, padlock in drawn.values() if method in WRITES]
    assert writes and all(writes)
