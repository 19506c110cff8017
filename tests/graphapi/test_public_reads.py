"""The schema marks as public (``security: [{}]``, no padlock in Swagger UI)
exactly the operations the permission classes let an anonymous client call."""

from __future__ import annotations

import re

import pytest

UNKNOWN = "zz_not_a_parameter"
# Swagger UI leaves the padlock off an operation only when its security is
# absent or exactly one empty requirement: [{}]. An empty requirement beside
# the token and session ones still shows it.
PUBLIC = [{}]


# Reads that are not public: an import job's status is for editors and the
# job's owner (it names who sent what).
PRIVATE_READS = {("/api/v1/jobs/{job_id}/", "get")}


def _schema(client) -> dict:
    accept = "application/vnd.oai.openapi+json"
    return client.get("/api/v1/schema/", HTTP_ACCEPT=accept).json()


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _anonymous_status(anon, path: str, method: str) -> int:
    """The status of an anonymous call that passes its permissions only as far
    as the 422 of an unknown parameter: the view itself never runs."""
    url = re.sub(r"\{\w+\}", "x-1", path)
    return anon.generic(method.upper(), f"{url}?{UNKNOWN}=1").status_code


def _public_operations(anon) -> dict[tuple[str, str], bool]:
    """(path, method) -> whether the served schema marks it public; every
    operation is either public or asks for a token or a session."""
    public = {}
    for path, method, operation in _operations(_schema(anon)):
        security = operation["security"]
        assert security == PUBLIC or {} not in security, (method, path)
        public[path, method] = security == PUBLIC
    return public


def test_reads_are_public_and_writes_need_a_token_or_a_session(db, anon):
    operations = _public_operations(anon)
    assert {method for _, method in operations} > {"get"}
    assert set(PRIVATE_READS) <= set(operations)
    for (path, method), public in operations.items():
        read = method == "get" and (path, method) not in PRIVATE_READS
        assert public == read, (method, path)
        assert _anonymous_status(anon, path, method) == (422 if public else 401)


def test_the_schema_follows_a_setting_that_makes_reads_need_a_login(db, anon, settings):
    settings.LAYERWISE_API_REQUIRE_LOGIN = True
    public = _public_operations(anon)
    assert {path for (path, _), is_public in public.items() if is_public} == {
        "/api/v1/",
        "/api/v1/ping/",
        "/api/v1/health/",
    }
    for (path, method), is_public in public.items():
        assert _anonymous_status(anon, path, method) == (422 if is_public else 401)


@pytest.mark.parametrize(
    ("visibility", "public"), [("anonymised", True), ("editors", False)]
)
def test_the_audit_log_is_public_as_its_visibility_setting_says(
    db, anon, settings, visibility, public
):
    settings.LAYERWISE_AUDIT_VISIBILITY = visibility
    assert _public_operations(anon)["/api/v1/audit/", "get"] is public
    assert _anonymous_status(anon, "/api/v1/audit/", "get") == (422 if public else 401)


def test_an_anonymous_read_marked_public_answers(seeded_graph_read_only, db, anon):
    public = [p for (p, m), is_public in _public_operations(anon).items() if is_public]
    for path in ("/api/v1/threats/", "/api/v1/coverage/", "/api/v1/audit/"):
        assert path in public
        assert anon.get(path).status_code == 200, path
