"""The served OpenAPI document, walked for what stricter tools than our own
check refuse: Redocly's ``nullable`` without a ``type`` beside it (OpenAPI
3.0.3: it has no effect there), and the field's validator
(openapi-spec-validator) finding no error."""

from __future__ import annotations

from openapi_spec_validator import OpenAPIV30SpecValidator


def _served(anon) -> dict:
    response = anon.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    return response.json()


def _nodes(node, path="#"):
    """(JSON pointer, mapping) of every mapping in the document, depth first."""
    if isinstance(node, dict):
        yield path, node
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield from _nodes(value, f"{path}/{key}")


def test_every_nullable_schema_states_its_type(anon):
    schema = _served(anon)
    components = schema["components"]["schemas"]
    nullable = [(path, node) for path, node in _nodes(schema) if node.get("nullable")]
    assert len(nullable) > 10
    assert [path for path, node in nullable if "type" not in node] == []
    for path, node in nullable:
        for part in node.get("allOf", []) + node.get("oneOf", []):
            target = components[part["$ref"].rsplit("/", 1)[1]]
            if "type" in target:
                assert node["type"] == target["type"], path


def test_the_served_schema_with_its_types_passes_openapi_spec_validator(anon):
    errors = list(OpenAPIV30SpecValidator(_served(anon)).iter_errors())
    assert [str(e).splitlines()[0] for e in errors] == []
