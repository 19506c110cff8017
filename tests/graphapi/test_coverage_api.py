"""GET /api/v1/coverage/: the coverage command's JSON, byte for byte, from a revision cache."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from taxonomy.selectors import coverage as selectors


def _command(*args: str) -> str:
    out = StringIO()
    call_command("coverage", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("", []),
        ("?disable_layer=hardware", ["--disable-layer", "hardware"]),
        (
            "?disable_layer=hardware,liability&disable_mitigation=io-guardrails",
            [
                "--disable-layer",
                "hardware",
                "liability",
                "--disable-mitigation",
                "io-guardrails",
            ],
        ),
        (
            "?disable_layer=hardware&disable_layer=software",
            ["--disable-layer", "software", "hardware"],
        ),
        (
            "?maturity=deployed,pilot&threshold=0.7",
            ["--maturity", "deployed,pilot", "--threshold", "0.7"],
        ),
        ("?maturity=deployed&maturity=pilot", ["--maturity", "pilot,deployed"]),
        ("?threat=guardrail-removal", ["--threat", "guardrail-removal"]),
        (
            "?chains=scaled-misuse&disable_layer=software",
            ["--chains", "scaled-misuse", "--disable-layer", "software"],
        ),
        (
            "?diff_baseline=true&disable_mitigation=chip-attestation",
            ["--diff-baseline", "--disable-mitigation", "chip-attestation"],
        ),
    ],
)
def test_it_returns_the_commands_json_byte_for_byte(seeded_graph, anon, query, args):
    response = anon.get(f"/api/v1/coverage/{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content.decode() == _command("--format", "json", *args)


def test_the_diff_endpoint_is_the_command_with_diff_baseline(seeded_graph, anon):
    response = anon.get("/api/v1/coverage/diff/?disable_layer=hardware")
    expected = _command(
        "--format", "json", "--diff-baseline", "--disable-layer", "hardware"
    )
    assert response.content.decode() == expected
    assert response.json()["diff"]["changed"]


def test_the_matrix_is_the_commands_csv(seeded_graph, anon):
    response = anon.get("/api/v1/coverage/matrix.csv?disable_layer=liability")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == _command(
        "--format", "csv", "--disable-layer", "liability"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?disable_layer=market", "disable_layer"),
        ("?disable_mitigation=magic", "disable_mitigation"),
        ("?threat=time-travel", "threat"),
        ("?chains=time-travel", "threat"),
        ("?maturity=someday", "maturity"),
        ("?threshold=0", "threshold"),
        ("?threshold=nan", "threshold"),
        ("?threshold=lots", "threshold"),
    ],
)
def test_an_unknown_id_or_bad_value_is_a_422_naming_the_parameter(
    seeded_graph, anon, query, field
):
    response = anon.get(f"/api/v1/coverage/{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


def test_repeated_reads_are_served_from_the_cache(seeded_graph, anon, monkeypatch):
    calls = []
    original = selectors.coverage_report
    monkeypatch.setattr(
        selectors, "coverage_report", lambda **kw: calls.append(kw) or original(**kw)
    )
    first = anon.get("/api/v1/coverage/?disable_layer=hardware").content
    second = anon.get("/api/v1/coverage/?disable_layer=hardware").content
    assert first == second
    assert len(calls) == 1
    anon.get("/api/v1/coverage/?disable_layer=software")
    assert len(calls) == 2


def test_a_write_bumps_the_revision_and_the_next_read_recomputes(
    seeded_graph, anon, api
):
    before = anon.get("/api/v1/coverage/").json()
    api.patch(
        "/api/v1/mitigates/civil-liberties-safeguards/control-repression/",
        {"strength": "high"},
        format="json",
    )
    after = anon.get("/api/v1/coverage/").json()
    assert after["revision"] == before["revision"] + 1
    classes = {t["id"]: t["class"] for t in after["threats"]}
    assert classes["control-repression"] == "single-layer"
