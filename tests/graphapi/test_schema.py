"""The OpenAPI schema, the offline Swagger UI, and schemathesis against the live app.

Schemathesis generates requests for every operation of the generated schema
and sends them in-process to the WSGI application, authenticated as an
editor so writes are exercised too. No answer may be a 5xx or differ from
the schema (status code, content type, body), and a request the schema
calls invalid (an empty ``taxonomy=``, ``offset=abc``, a number for an id)
must be refused.
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.management import call_command
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from jsonschema import Draft4Validator
from openapi_spec_validator import OpenAPIV30SpecValidator
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from graphapi.models import APIToken


def _schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


SCHEMA = _schema()
# Text never holds a NUL character (422, as the schema's 422 says); a pattern
# on every string saying so would bury the schema.
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})
LIVE = schemathesis.openapi.from_dict(SCHEMA, config=CONFIG)
LIVE.app = application
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Valid requests must be accepted, but a schema cannot say that an id must
# exist (a 422 names the unknown one), that a body's id must be the URL's,
# that If-Match must name the current version (412), or which parameters only
# one format takes, or that `until` may not come before `since`: every write,
# and the reads that take such ids or combinations (audit, coverage, export,
# graph, recommendations), are left to the checks above.
REFERENCE_FREE_READS = LIVE.include(method="GET").exclude(
    path_regex=r"^/api/v1/(audit|coverage|export|graph|recommendations)/"
)


def test_the_schema_is_served_as_openapi_3(anon):
    response = anon.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_schema_generates_without_a_warning_and_names_every_component(tmp_path):
    """drf-spectacular warns, and names a component by a hash (``KindDa0Enum``),
    where two choice sets share a field name: a client generated from the
    schema would get that name. Every such set is named in ENUM_NAME_OVERRIDES."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    hashed = [
        name
        for name in SCHEMA["components"]["schemas"]
        if re.fullmatch(r"\w*[0-9a-f]{3}Enum", name)
    ]
    assert SCHEMA["components"]["schemas"] and not hashed
    assert "JurisdictionKindEnum" in SCHEMA["components"]["schemas"]


def test_every_operation_documents_its_errors():
    assert SCHEMA["paths"]
    for path, operations in SCHEMA["paths"].items():
        assert operations, path
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "406", "422", "429"} <= set(responses), (method, path)
            if path not in ("/api/v1/", "/api/v1/ping/"):
                assert "503" in responses, (method, path)
            if method in ("put", "patch", "delete"):
                assert "412" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            error = responses["401"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


def _nodes(node):
    """Every mapping in the document, depth first."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            yield from _nodes(item)


def test_the_schema_is_valid_openapi_3_0():
    components = SCHEMA["components"]["schemas"]
    nodes = list(_nodes(SCHEMA))
    assert any(isinstance(node.get("$ref"), str) for node in nodes)
    for node in nodes:
        if isinstance(node.get("$ref"), str):
            assert node["$ref"].rsplit("/", 1)[1] in components, node["$ref"]
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            assert isinstance(node.get(bound, False), bool), node


def test_the_schema_passes_the_openapi_3_0_json_schema():
    validate_schema(SCHEMA)


def test_openapi_spec_validator_finds_no_error_in_the_served_schema(anon):
    served = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    errors = list(OpenAPIV30SpecValidator(served.json()).iter_errors())
    assert [str(e).splitlines()[0] for e in errors] == []


def test_every_default_is_a_value_its_own_schema_allows():
    # What strict validators (openapi-spec-validator) check beyond the JSON
    # Schema of OpenAPI: a default inside a oneOf alternative that refuses it.
    for node in _nodes(SCHEMA):
        if "default" not in node or "$ref" in node:
            continue
        if node["default"] is None and node.get("nullable"):
            continue
        schema = {k: v for k, v in node.items() if k not in ("default", "nullable")}
        # The components beside it, for the $refs it holds.
        schema["components"] = SCHEMA["components"]
        Draft4Validator(schema).validate(node["default"])


def test_every_paginated_operation_documents_its_422():
    paginated = [
        (method, path, operation)
        for path, operations in SCHEMA["paths"].items()
        for method, operation in operations.items()
        if "offset" in {p["name"] for p in operation.get("parameters", [])}
    ]
    assert paginated
    for method, path, operation in paginated:
        assert "422" in operation["responses"], (method, path)


def test_swagger_ui_works_offline(anon):
    response = anon.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "drf_spectacular_sidecar" in html
    assert "cdn" not in html.lower()


@pytest.fixture
def editor_token(editor) -> str:
    return APIToken.objects.issue(user=editor)


BOUNDED = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _call_and_check(case, editor_token) -> None:
    # An import over LAYERWISE_IMPORT_JOB_BYTES is accepted (202) and checked
    # by the job, so a large schema-violating body generated here would be
    # "accepted negative data"; imports are answered at once in this test
    # (the job path: tests/graphapi/test_import_jobs.py). Per example, as
    # pytest-django's settings fixture would nest one override per example.
    with override_settings(LAYERWISE_IMPORT_JOB_BYTES=2**40):
        response = case.call(headers={"Authorization": f"Token {editor_token}"})
    case.validate_response(response, checks=CHECKS)


# Every operation, the reads on the shared seed (a read that changed the
# graph would fail, named, at its teardown) and the writes on a seed of
# their own.
@LIVE.include(method="GET").parametrize()
@BOUNDED
def test_the_api_reads_match_their_schema(case, seeded_graph_read_only, editor_token):
    _call_and_check(case, editor_token)


@LIVE.exclude(method="GET").parametrize()
@BOUNDED
def test_the_api_writes_match_their_schema(case, seeded_graph, editor_token):
    _call_and_check(case, editor_token)


@REFERENCE_FREE_READS.parametrize()
@BOUNDED
def test_the_reads_accept_every_request_their_schema_allows(
    case, seeded_graph_read_only, editor_token
):
    response = case.call(headers={"Authorization": f"Token {editor_token}"})
    case.validate_response(response, checks=[positive_data_acceptance])
