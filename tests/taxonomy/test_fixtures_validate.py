"""Validation of fixture files: every problem as file:line: message."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from taxonomy.formats import fixtures_yaml


def _replace(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace ``old`` in ``path``; return the 1-based line it was on."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count))
    return line


def test_the_seed_fixtures_are_valid(settings):
    assert fixtures_yaml.validate_path(Path(settings.FIXTURES_DIR)) == []


def test_the_seed_fixtures_hold_the_whole_brief(settings):
    taxonomy = fixtures_yaml.load_fixtures(Path(settings.FIXTURES_DIR))
    assert [layer.id for layer in taxonomy.layers] == [
        "hardware",
        "software",
        "institutional",
        "liability",
    ]
    assert len(taxonomy.threats) == 12
    assert len(taxonomy.mitigations) == 24
    assert len(taxonomy.mitigates) == 51
    assert {(x.source, x.target) for x in taxonomy.enables} == {
        ("model-extraction", "guardrail-removal"),
        ("guardrail-removal", "scaled-misuse"),
        ("sanctions-evasion", "covert-deployment"),
        ("covert-deployment", "scaled-misuse"),
        ("threshold-gaming", "covert-deployment"),
        ("jurisdiction-shopping", "unaccountable-harm"),
        ("guardrail-removal", "unaccountable-harm"),
    }
    assert {(x.source, x.target) for x in taxonomy.requires} == {
        ("unattested-compute-caps", "chip-attestation"),
        ("liability-insurance", "provenance-registry"),
    }
    assert {(x.source, x.target) for x in taxonomy.introduces} == {
        ("chip-attestation", "control-repression"),
        ("unattested-compute-caps", "control-repression"),
        ("open-weight-restrictions", "covert-deployment"),
        ("open-weight-restrictions", "jurisdiction-shopping"),
    }
    assert all(link.rationale and link.sources for link in taxonomy.mitigates)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "threats.yaml",
            "mitigation: tee\n",
            "mitigation: tea\n",
            "unknown mitigation 'tea'",
        ),
        (
            "threats.yaml",
            "strength: high",
            "strength: hgh",
            "'hgh' is not one of low, medium, high",
        ),
        (
            "threats.yaml",
            "sources: [qi-2024, uk-aisi-2025]",
            "sources: [qi-2024, no-such-paper]",
            "unknown source 'no-such-paper'",
        ),
        (
            "threats.yaml",
            "enables: [scaled-misuse, unaccountable-harm]",
            "enables: [scaled-misuse, unacountable-harm]",
            "unknown threat 'unacountable-harm'",
        ),
        (
            "mitigations.yaml",
            "layer: software",
            "layer: softwear",
            "unknown layer 'softwear'",
        ),
        (
            "mitigations.yaml",
            "maturity: pilot",
            "maturity: piloted",
            "'piloted' is not one of proposed, pilot, deployed",
        ),
        (
            "mitigations.yaml",
            "  - id: tee\n",
            "  - id: chip-attestation\n",
            "duplicate mitigation id 'chip-attestation'",
        ),
        (
            "layers.yaml",
            "  - id: software\n    name: Software\n",
            "  - id: software\n    nmae: Software\n",
            "unknown field 'nmae'",
        ),
    ],
)
def test_it_names_file_line_and_field_of_a_bad_fixture(
    fixture_tree, file, old, new, message
):
    line = _replace(fixture_tree / file, old, new)
    problems = fixtures_yaml.validate_path(fixture_tree)
    rendered = [str(p) for p in problems]
    assert any(message in r for r in rendered), rendered
    problem = next(p for p in problems if message in p.message)
    assert Path(problem.file).name == file
    assert problem.line in (line, line + 1), (problem, line)


def test_it_reports_a_requires_cycle(fixture_tree):
    path = fixture_tree / "mitigations.yaml"
    text = path.read_text()
    anchor = "  - id: chip-attestation\n"
    path.write_text(
        text.replace(anchor, anchor + "    requires: [unattested-compute-caps]\n", 1)
    )
    problems = fixtures_yaml.validate_path(fixture_tree)
    assert len(problems) == 1
    assert "REQUIRES cycle" in problems[0].message
    assert (
        "chip-attestation" in problems[0].message
        and "unattested-compute-caps" in problems[0].message
    )


def test_it_reports_invalid_yaml_with_its_line(fixture_tree):
    line = _replace(
        fixture_tree / "layers.yaml", "  - id: liability\n", "  - id: [liability\n"
    )
    problems = fixtures_yaml.validate_path(fixture_tree)
    assert problems and "invalid YAML" in problems[0].message
    assert problems[0].line >= line


def test_the_validate_command_prints_each_problem_and_fails(fixture_tree):
    _replace(fixture_tree / "threats.yaml", "mitigation: tee\n", "mitigation: tea\n")
    _replace(fixture_tree / "mitigations.yaml", "layer: software", "layer: softwear")
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("taxonomy", "validate", str(fixture_tree), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert all(":" in line and line.split(":")[1].isdigit() for line in lines)


def test_the_validate_command_accepts_the_seed(settings):
    out = StringIO()
    call_command("taxonomy", "validate", stdout=out)
    assert "OK" in out.getvalue()


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,x", "ftp://x.org/a"]
)
def test_a_source_url_must_be_a_web_address(fixture_tree, url):
    line = _replace(
        fixture_tree / "sources.yaml",
        "url: https://arxiv.org/abs/2310.03693",
        f'url: "{url}"',
    )
    problems = fixtures_yaml.validate_path(fixture_tree)
    problem = next(p for p in problems if "url" in p.message)
    assert Path(problem.file).name == "sources.yaml"
    assert problem.line == line


def test_the_rule_checker_refuses_a_non_web_url_wherever_records_come_from():
    from taxonomy.domain.records import Source, Taxonomy
    from taxonomy.domain.rules import taxonomy_problems

    bad = Taxonomy(sources=(Source("s", "S", url="javascript:alert(1)"),))
    good = Taxonomy(sources=(Source("s", "S", url="https://example.org/paper"),))
    assert [p.field for p in taxonomy_problems(bad)] == ["url"]
    assert taxonomy_problems(good) == []
