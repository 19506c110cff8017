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
def test_it_returns_the_commands_json_byte_for_byte(
    seeded_graph_read_only, anon, query, args
):
    response = anon.get(f"/api/v1/coverage/{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content.decode() == _command("--format", "json", *args)


def test_the_diff_endpoint_is_the_command_with_diff_baseline(
    seeded_graph_read_only, anon
):
    response = anon.get("/api/v1/coverage/diff/?disable_layer=hardware")
    expected = _command(
        "--format", "json", "--diff-baseline", "--disable-layer", "hardware"
    )
    assert response.content.decode() == expected
    assert response.json()["diff"]["changed"]


def test_the_matrix_is_the_commands_csv(seeded_graph_read_only, anon):
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
    seeded_graph_read_only, anon, query, field
):
    response = anon.get(f"/api/v1/coverage/{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


def test_repeated_reads_are_served_from_the_cache(
    seeded_graph_read_only, anon, monkeypatch
):
    calls = []
    original = selectors.coverage_computed
    monkeypatch.setattr(
        selectors,
        "coverage_computed",
        lambda *a, **kw: calls.append(a) or original(*a, **kw),
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


def test_robustness_answers_the_section_reproducibly_under_the_scenario(
    seeded_graph_read_only, anon
):
    url = "/api/v1/coverage/robustness/?samples=300&seed=4&dependence=within-layer"
    first = anon.get(url)
    assert first.status_code == 200
    entry = first.json()
    assert entry["dependence"] == "within-layer"
    assert entry["monte_carlo"]["samples"] == 300
    assert entry["monte_carlo"]["seed"] == 4
    assert len(entry["threats"]) == 12
    assert anon.get(url).content == first.content
    coverage = anon.get("/api/v1/coverage/?dependence=within-layer").json()
    counts = entry["summary_by_dependence"]["within-layer"]
    assert counts == coverage["summary"]
    assert entry["headline"]["count"] == 12 - coverage["summary"]["single-layer"]


def test_robustness_is_cached_by_revision_and_parameters(
    seeded_graph_read_only, anon, monkeypatch
):
    from taxonomy.selectors import coverage as selected

    calls = []
    original = selected.robustness_entry
    monkeypatch.setattr(
        selected,
        "robustness_entry",
        lambda *a, **kw: calls.append(kw) or original(*a, **kw),
    )
    anon.get("/api/v1/coverage/robustness/?samples=50")
    anon.get("/api/v1/coverage/robustness/?samples=50")
    assert len(calls) == 1
    anon.get("/api/v1/coverage/robustness/?samples=51")
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?samples=20001", "samples"),
        ("?samples=0", "samples"),
        ("?seed=-1", "seed"),
        ("?dependence=sometimes", "dependence"),
        ("?disable_layer=market", "disable_layer"),
    ],
)
def test_bad_robustness_parameters_are_a_422_naming_them(
    seeded_graph_read_only, anon, query, field
):
    response = anon.get(f"/api/v1/coverage/robustness/{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


@pytest.mark.parametrize(
    ("query", "offset", "limit", "wanted"),
    [
        ("?limit=3", 0, 3, None),
        ("?limit=4&offset=5", 5, 4, None),
        ("?offset=10", 10, None, None),
        ("?coverage_class=single-layer", 0, None, "single-layer"),
        ("?coverage_class=defense-in-depth&limit=2&offset=1", 1, 2, "defense-in-depth"),
        ("?limit=5&offset=1000", 1000, 5, None),
    ],
)
def test_a_page_of_threats_lists_the_whole_documents_threats_from_offset(
    seeded_graph_read_only, anon, query, offset, limit, wanted
):
    whole = anon.get("/api/v1/coverage/").json()
    page = anon.get(f"/api/v1/coverage/{query}").json()
    kept = [t for t in whole["threats"] if wanted in (None, t["class"])]
    end = None if limit is None else offset + limit
    assert page["threats"] == kept[offset:end]
    assert page["threats_page"] == {
        "count": len(kept),
        "offset": offset,
        "limit": limit,
        "coverage_class": wanted,
    }
    # Everything else still covers the whole taxonomy.
    for key in ("summary", "layer_totals", "mitigation_ranking", "resilience"):
        assert page[key] == whole[key]
    assert whole["threats_page"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?offset=-1", "offset"),
        ("?coverage_class=fine", "coverage_class"),
    ],
)
def test_a_bad_page_of_threats_is_a_422_naming_it(
    seeded_graph_read_only, anon, query, field
):
    response = anon.get(f"/api/v1/coverage/{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
