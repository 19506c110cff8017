"""``taxonomy diff OLD NEW``: two fixture trees compared item by item and in coverage."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from taxonomy.analysis.report import coverage_document
from taxonomy.formats import fixtures_yaml
from taxonomy.selectors.coverage import coverage_scenario


@pytest.fixture
def trees(fixture_tree: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two identical copies of the seed fixtures: (old, new)."""
    old = tmp_path / "old"
    shutil.copytree(fixture_tree, old)
    return old, fixture_tree


def _set_strength(tree: Path, threat: str, mitigation: str, strength: str) -> None:
    """Change one MITIGATES link's strength in place, as an editor would in git."""
    path = tree / "threats.yaml"
    doc = fixtures_yaml.yaml_rt().load(path.read_text())
    item = next(t for t in doc["threats"] if t["id"] == threat)
    link = next(m for m in item["mitigated_by"] if m["mitigation"] == mitigation)
    link["strength"] = strength
    path.write_text(fixtures_yaml.render_yaml(doc))


def _diff(old: Path, new: Path, *args: str) -> str:
    out = StringIO()
    call_command("taxonomy", "diff", str(old), str(new), *args, stdout=out)
    return out.getvalue()


def test_it_reports_exactly_the_changed_link_and_its_coverage_impact(trees):
    old, new = trees
    _set_strength(new, "shadow-ai", "io-guardrails", "high")
    report = json.loads(_diff(old, new, "--format", "json"))
    assert report["schema"] == "layerwise-diff/1"
    assert report["counts"] == {"create": 0, "update": 1, "delete": 0}
    assert report["changes"] == [
        {
            "kind": "mitigates",
            "action": "update",
            "key": "io-guardrails->shadow-ai",
            "fields": {"strength": {"before": "low", "after": "high"}},
        }
    ]
    coverage = report["coverage"]
    assert [(c["id"], c["from"], c["to"]) for c in coverage["changed"]] == [
        ("shadow-ai", "insufficient", "single-layer")
    ]
    assert coverage["gaps"] == {"closed": ["shadow-ai"], "opened": []}
    # The counts are the coverage command's summaries of the two trees.
    for side, tree in (("before", old), ("after", new)):
        document = coverage_document(
            fixtures_yaml.load_fixtures(tree), scenario=coverage_scenario()
        )
        assert coverage["summary"][side] == document["summary"]


def test_the_text_report_is_for_people(trees):
    old, new = trees
    _set_strength(new, "shadow-ai", "io-guardrails", "high")
    text = _diff(old, new)
    assert "Items: 0 added, 1 changed, 0 removed" in text
    assert "~ mitigates io-guardrails->shadow-ai: strength low -> high" in text
    assert "shadow-ai  insufficient -> single-layer" in text
    assert "closes 1, opens 0; closed shadow-ai" in text


def test_added_and_removed_items_are_listed_with_the_gaps_they_open(trees):
    old, new = trees
    path = new / "threats.yaml"
    doc = fixtures_yaml.yaml_rt().load(path.read_text())
    doc["threats"].append({"id": "deepfake-fraud", "name": "Deepfake fraud"})
    path.write_text(fixtures_yaml.render_yaml(doc))
    sources = old / "sources.yaml"
    doc = fixtures_yaml.yaml_rt().load(sources.read_text())
    doc["sources"].append({"id": "extra-2026", "name": "Extra 2026"})
    sources.write_text(fixtures_yaml.render_yaml(doc))
    report = json.loads(_diff(old, new, "--format", "json"))
    assert [(c["action"], c["kind"], c["key"]) for c in report["changes"]] == [
        ("create", "threat", "deepfake-fraud"),
        ("delete", "source", "extra-2026"),
    ]
    assert report["changes"][0]["fields"]["name"] == {
        "before": None,
        "after": "Deepfake fraud",
    }
    assert report["coverage"]["gaps"] == {"closed": [], "opened": ["deepfake-fraud"]}


def test_identical_trees_differ_in_nothing(trees):
    text = _diff(*trees)
    assert "Items: 0 added, 0 changed, 0 removed" in text
    assert "No threat changes class." in text


def test_a_tree_with_a_problem_is_reported_by_file_and_line(trees):
    old, new = trees
    path = new / "mitigations.yaml"
    path.write_text(path.read_text().replace("maturity: pilot", "maturity: piloted", 1))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("taxonomy", "diff", str(old), str(new), stderr=err)
    assert raised.value.returncode == 2
    assert f"{path}:" in err.getvalue()
    assert "'piloted' is not one of proposed, pilot, deployed" in err.getvalue()


def test_fail_on_exits_1_when_a_threat_moves_into_a_named_class(trees):
    old, new = trees
    _set_strength(new, "threshold-gaming", "use-case-regulation", "low")
    with pytest.raises(CommandError) as raised:
        _diff(old, new, "--fail-on", "unmitigated,insufficient")
    assert raised.value.returncode == 1
    assert "threshold-gaming" in str(raised.value)
    assert "threshold-gaming" in _diff(old, new, "--fail-on", "unmitigated")


def test_the_diff_compares_coverage_under_the_dependence_asked_for(
    fixture_tree, tmp_path
):
    new = tmp_path / "new"
    shutil.copytree(fixture_tree, new)
    out = StringIO()
    call_command(
        "taxonomy",
        "diff",
        str(fixture_tree),
        str(new),
        "--format",
        "json",
        "--dependence",
        "full",
        stdout=out,
    )
    assert json.loads(out.getvalue())["coverage"]["dependence"] == "full"
    text = StringIO()
    call_command("taxonomy", "diff", str(fixture_tree), str(new), stdout=text)
    assert "independent mitigations" in text.getvalue()
