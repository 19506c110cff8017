"""Every surface that writes a file reads the one format registry: the command
line, the API, the pages' downloads and the OpenAPI document offer what it
lists, refuse the rest, and refuse the same options for the same format."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.test import RequestFactory

from graphapi.serializers.queries import ExportQuerySerializer
from taxonomy.formats.registry import API, CLI, FORMATS, PAGES, formats_on
from taxonomy.management.commands.export import Command as ExportCommand
from taxonomy.selectors import exports
from taxonomy.web.downloads import SCENARIO_FORMAT, export_download
from taxonomy.web.pages.common import DOWNLOADS
from tests.graphapi.test_schema import SCHEMA


def _names(surface: str) -> list[str]:
    return [f.name for f in formats_on(surface)]


def test_every_format_but_the_pages_coverage_document_has_one_writer():
    assert set(exports.WRITTEN) == set(FORMATS) - {SCENARIO_FORMAT}
    assert SCENARIO_FORMAT in _names(PAGES) and SCENARIO_FORMAT not in _names(API)


def test_the_command_offers_exactly_the_registry_s_command_line_formats():
    parser = ExportCommand().create_parser("manage.py", "export")
    action = next(a for a in parser._actions if a.dest == "format")
    assert list(action.choices) == _names(CLI)


def test_the_api_and_its_schema_offer_exactly_the_registry_s_api_formats():
    assert list(ExportQuerySerializer().fields["format"].choices) == _names(API)
    operation = SCHEMA["paths"]["/api/v1/export/"]["get"]
    param = next(p for p in operation["parameters"] if p["name"] == "format")
    assert param["schema"]["enum"] == _names(API)


def test_the_pages_list_the_registry_s_listed_formats_with_its_labels():
    listed = [(f.name, f.label) for f in formats_on(PAGES) if f.listed]
    assert [(name, label) for name, label, _ in DOWNLOADS] == listed


def _download(format: str, **query):
    return export_download(RequestFactory().get("/export/", query), format)


def test_json_means_the_taxonomy_on_the_pages_as_in_the_api(
    seeded_graph_read_only, anon
):
    page = _download("json")
    api = anon.get("/api/v1/export/?format=json")
    assert page.content == api.content
    assert "threats" in json.loads(page.content)
    coverage = json.loads(_download("coverage").content)
    assert coverage["schema"] == "layerwise-coverage/1"


@pytest.mark.parametrize("name", ["pdf", "xlsx", ""])
def test_an_unknown_format_is_an_error_on_every_surface(
    seeded_graph_read_only, anon, name
):
    with pytest.raises(Http404):
        _download(name)
    assert anon.get(f"/api/v1/export/?format={name}").status_code in (400, 422)
    with pytest.raises(CommandError):
        call_command("export", "--format", name, stdout=io.StringIO())


@pytest.mark.parametrize(
    ("format", "option", "query"),
    [
        ("stix", ["--disable-layer", "hardware"], "disable_layer=hardware"),
        ("graphml", ["--threshold", "0.7"], "threshold=0.7"),
        ("csv", ["--domain", "ics-attack"], "domain=ics-attack"),
    ],
)
def test_the_command_refuses_the_options_the_api_refuses(
    seeded_graph_read_only, anon, format, option, query
):
    answer = anon.get(f"/api/v1/export/?format={format}&{query}")
    assert answer.status_code == 422
    (name, (why,)), *_ = answer.json()["error"]["details"].items()
    with pytest.raises(CommandError) as refused:
        call_command("export", "--format", format, *option, stdout=io.StringIO())
    assert why in str(refused.value)


def test_the_command_refuses_a_navigator_domain_it_does_not_know(
    seeded_graph_read_only,
):
    with pytest.raises(CommandError):
        call_command(
            "export",
            "--format",
            "navigator",
            "--domain",
            "bogus-domain",
            stdout=io.StringIO(),
        )
