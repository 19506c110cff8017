"""The browser's download of an export (the view, without its URL)."""

from __future__ import annotations

import json

import pytest
from django.http import Http404
from django.test import RequestFactory

from taxonomy.web.downloads import export_download


def _get(format: str, **query):
    return export_download(RequestFactory().get("/export/", query), format)


def test_a_stix_download_is_an_attachment_named_after_the_taxonomy(
    seeded_graph_read_only,
):
    response = _get("stix")
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    assert (
        response["Content-Disposition"] == 'attachment; filename="layerwise-stix.json"'
    )
    assert json.loads(response.content)["type"] == "bundle"


def test_a_navigator_download_follows_the_scenario(seeded_graph_read_only):
    response = _get("navigator", disable_layer="hardware")
    layer = json.loads(response.content)
    assert "without Hardware" in layer["description"]


def test_an_unknown_taxonomy_or_format_is_not_found(seeded_graph_read_only):
    with pytest.raises(Http404):
        _get("stix", taxonomy="nope")
    with pytest.raises(Http404):
        _get("pdf")


def test_a_scenario_naming_an_unknown_layer_is_a_bad_request(seeded_graph_read_only):
    assert _get("csv", disable_layer="nowhere").status_code == 400
