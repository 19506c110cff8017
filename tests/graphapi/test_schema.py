"""The OpenAPI schema, the offline Swagger UI, and schemathesis against the live app.

Schemathesis generates requests for every operation of the generated schema
and sends them in-process to the WSGI application, authenticated as an
editor so writes are exercised too. No answer may be a 5xx or differ from
the schema (status code, content type, body).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from graphapi.models import APIToken


def _schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


SCHEMA = _schema()
LIVE = schemathesis.openapi.from_dict(SCHEMA)
LIVE.app = application
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_schema_is_served_as_openapi_3(anon):
    response = anon.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_every_operation_documents_its_errors():
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "406", "429"} <= set(responses), (method, path)
            if path != "/api/v1/ping/":
                assert "503" in responses, (method, path)
            if method in ("put", "patch", "delete"):
                assert "412" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            error = responses["401"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


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


@LIVE.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_matches_its_schema(case, seeded_graph, editor_token):
    response = case.call(headers={"Authorization": f"Token {editor_token}"})
    case.validate_response(response, checks=CHECKS)
