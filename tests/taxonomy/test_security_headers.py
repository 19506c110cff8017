"""The Content-Security-Policy: on every page, and nothing inline for it to block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

PAGES = [
    "/",
    "/coverage/",
    "/combinations/",
    "/threats/guardrail-removal/",
    "/mitigations/chip-attestation/",
    "/layers/hardware/",
    "/sources/qi-2024/",
    "/graph/",
    "/search/?q=export",
    "/robustness/",
    "/brief/",
    "/history/",
    "/revisions/",
    "/edit/threat/guardrail-removal/",
    "/edit/new/threat/",
    "/accounts/login/",
    "/admin/login/",
    "/api/v1/docs/",
    "/threats/no-such-threat/",
]
# Inline code the policy would block: a <script> with a body or without src,
# an on*= event handler, a javascript: URL, a <style> element, a style= attribute.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|<style\b|\sstyle\s*=",
    re.IGNORECASE,
)

# Code run from a string, which the policy's script-src (no 'unsafe-eval') blocks.
EVAL = re.compile(r"\beval\(|\bnew Function\(|\bset(?:Timeout|Interval)\(\s*[`'\"]")


def _directives(header: str) -> dict[str, list[str]]:
    """The policy as {directive: sources}."""
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_policy_allowing_scripts_from_the_site_only(
    editor_client, seeded_graph_read_only, path
):
    response = editor_client.get(path)
    assert response.status_code in (200, 404), path
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_carries_inline_script_or_style(
    editor_client, seeded_graph_read_only, path
):
    html = editor_client.get(path).content.decode()
    assert INLINE.findall(html) == [], path


def test_the_api_docs_script_is_served_as_a_file(client, db):
    html = client.get("/api/v1/docs/").content.decode()
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html)
    assert script, html
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def _sources(root: str, pattern: str) -> list[Path]:
    return sorted((Path(settings.BASE_DIR) / root).rglob(pattern))


@pytest.mark.parametrize("path", _sources("templates", "*.html"), ids=lambda p: p.name)
def test_no_template_holds_inline_script_handlers_or_style(path):
    assert INLINE.findall(path.read_text()) == []


def test_no_script_evaluates_strings():
    scripts = _sources("static", "*.js")
    assert scripts
    for path in scripts:
        text = path.read_text()
        assert not EVAL.search(text), path
