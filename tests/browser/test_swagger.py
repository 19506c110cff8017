"""Swagger UI shows a padlock on the writes only: public reads have none."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

WRITES = ".opblock-post, .opblock-put, .opblock-patch, .opblock-delete"


def test_public_reads_show_no_padlock_and_writes_do(page: Page, site):
    page.goto(site + "/api/v1/docs/")
    reads = page.locator(".opblock-get")
    expect(reads.first).to_be_visible()
    schema = page.request.get(
        site + "/api/v1/schema/",
        headers={"Accept": "application/vnd.oai.openapi+json"},
    ).json()
    gets = sum("get" in operations for operations in schema["paths"].values())
    assert reads.count() == gets
    # The one read that is not public: an import job's status (editors and
    # the job's owner), shown with a padlock like the writes.
    private = [
        path for path, operations in schema["paths"].items()
        if "get" in operations and operations["get"]["security"] != [{}]
    ]  # fmt: skip
    assert private == ["/api/v1/jobs/{job_id}/"]
    assert page.locator(".opblock-get .authorization__btn").count() == len(private)
    writes = page.locator(WRITES)
    assert writes.count() > 0
    padlocks = page.locator(
        ", ".join(f"{kind} .authorization__btn" for kind in WRITES.split(", "))
    )
    assert padlocks.count() == writes.count()
