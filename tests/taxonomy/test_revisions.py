"""Named revisions: tag the graph, see coverage then, compare two revisions; the audit API."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from taxonomy import services
from taxonomy.models import AuditEntry, NamedRevision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _tag(*args: str) -> str:
    out = StringIO()
    call_command("taxonomy", "tag", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def tagged(seeded_graph) -> None:
    """The seed tagged "before", then one link made stronger (shadow-ai is addressed)."""
    _tag("before", "--comment", "the seed")
    services.property_link_update(
        kind="mitigates",
        source="io-guardrails",
        target="shadow-ai",
        changes={"strength": "high"},
        actor="test",
    )


def _row_class(html: str, threat: str) -> str:
    return re.search(rf'id="row-{threat}"[^>]*data-class="([^"]+)"', html).group(1)


def test_tag_records_the_graph_and_tags_lists_it(seeded_graph):
    assert "as 'v1'" in _tag("v1", "--comment", "for review")
    revision = NamedRevision.objects.get()
    assert revision.comment == "for review"
    assert len(revision.document["threats"]) == 12
    out = StringIO()
    call_command("taxonomy", "tags", stdout=out)
    assert out.getvalue().startswith("v1 ")
    assert "for review" in out.getvalue()


def test_a_name_in_use_is_refused_unless_forced(seeded_graph):
    _tag("v1")
    with pytest.raises(CommandError, match="exists"):
        _tag("v1")
    services.node_update(
        kind="layer", key="hardware", changes={"name": "Chips"}, actor="t"
    )
    _tag("v1", "--force")
    revision = NamedRevision.objects.get()
    layers = {layer["id"]: layer["name"] for layer in revision.document["layers"]}
    assert layers["hardware"] == "Chips"


@pytest.mark.parametrize("name", ["current", "not a slug"])
def test_a_reserved_or_malformed_name_is_refused(seeded_graph_read_only, name):
    with pytest.raises(CommandError):
        _tag(name)
    assert not NamedRevision.objects.exists()


def test_the_matrix_at_a_revision_shows_the_coverage_then(client, tagged):
    then = client.get("/coverage/?revision=before")
    assert then.status_code == 200
    html = then.content.decode()
    assert 'id="revision-banner"' in html
    assert _row_class(html, "shadow-ai") == "insufficient"
    assert 'name="revision" value="before"' in html
    assert _row_class(client.get("/coverage/").content.decode(), "shadow-ai") == (
        "single-layer"
    )
    assert client.get("/coverage/?revision=nope").status_code == 404


def test_two_revisions_side_by_side(client, tagged):
    page = client.get("/revisions/compare/?a=before&b=current")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<tr id="compare-shadow-ai"[^>]*class="changed"', html)
    assert "closes 1 gap, opens 0" in html
    assert "~ mitigates io-guardrails-&gt;shadow-ai: strength low -&gt; high" in html
    listing = client.get("/revisions/").content.decode()
    assert "the seed" in listing and "/coverage/?revision=before" in listing


def test_the_api_analyses_a_revision_and_compares_two(tagged):
    api = APIClient()
    then = api.get("/api/v1/coverage/?revision=before").json()
    now = api.get("/api/v1/coverage/").json()
    classes = {t["id"]: t["class"] for t in then["threats"]}
    assert classes["shadow-ai"] == "insufficient"
    assert {t["id"]: t["class"] for t in now["threats"]}["shadow-ai"] == "single-layer"
    assert then["revision"] < now["revision"]
    csv = api.get("/api/v1/coverage/matrix.csv?revision=before").content.decode()
    assert "shadow-ai,insufficient" in csv
    missing = api.get("/api/v1/coverage/?revision=nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["details"] == {"kind": "revision", "id": "nope"}

    listed = api.get("/api/v1/revisions/").json()
    assert [r["name"] for r in listed["results"]] == ["before"]
    comparison = api.get("/api/v1/revisions/compare/?a=before&b=current").json()
    assert comparison["schema"] == "layerwise-diff/1"
    assert [c["key"] for c in comparison["changes"]] == ["io-guardrails->shadow-ai"]
    assert comparison["coverage"]["gaps"] == {"closed": ["shadow-ai"], "opened": []}


def test_the_api_lists_the_audit_log_with_filters(seeded_graph, settings):
    settings.LAYERWISE_AUDIT_VISIBILITY = "public"  # who and the values, to anyone
    services.node_update(
        kind="layer", key="hardware", changes={"name": "Chips"}, actor="ada"
    )
    services.node_update(
        kind="threat", key="shadow-ai", changes={"name": "S"}, actor="bob"
    )
    api = APIClient()
    body = api.get("/api/v1/audit/").json()
    assert body["count"] == 2
    assert [e["actor"] for e in body["results"]] == ["bob", "ada"]
    only = api.get("/api/v1/audit/?editor=ada&kind=layer").json()["results"]
    assert [(e["key"], e["before"]["name"], e["after"]["name"]) for e in only] == [
        ("hardware", "Hardware", "Chips")
    ]
    bad = api.get("/api/v1/audit/?since=2026-02-01&until=2026-01-01")
    assert bad.status_code == 422
    assert AuditEntry.objects.count() == 2
    assert json.loads(bad.content)["error"]["details"] == {"until": ["is before since"]}
