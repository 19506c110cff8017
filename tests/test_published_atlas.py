"""Without the published MITRE ATLAS file a run skips the ATLAS tests, naming the
command that downloads it; under CI=true it fails them instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.published_atlas import (
    atlas_file,
    atlas_schema_file,
    download_command,
    in_ci,
)

ROOT = Path(__file__).resolve().parents[1]
# One ATLAS test that needs the file and no Neo4j: it reads ATLAS.yaml and parses it.
ATLAS_TEST = (
    "tests/taxonomy/interchange/test_atlas.py::"
    "test_it_reads_every_technique_mitigation_link_and_category"
)


@pytest.fixture
def nowhere(tmp_path) -> Path:
    return tmp_path / "atlas" / "ATLAS.yaml"


def test_a_missing_file_skips_the_test_with_the_command_that_downloads_it(
    nowhere, monkeypatch
):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        atlas_file(nowhere)
    assert str(nowhere) in str(skipped.value)
    assert download_command(nowhere) in str(skipped.value)


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_a_missing_file_fails_the_test_under_ci(nowhere, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as failed:
        atlas_file(nowhere)
    assert f"CI=true and the MITRE ATLAS file {nowhere} is missing" in str(failed.value)
    assert download_command(nowhere) in str(failed.value)


@pytest.mark.parametrize("ci", ["", "false", "0"])
def test_a_ci_variable_that_says_no_is_not_ci(ci):
    assert not in_ci({"CI": ci})


def test_a_file_that_is_there_is_returned_whatever_ci_says(nowhere, monkeypatch):
    monkeypatch.setenv("CI", "true")
    nowhere.parent.mkdir()
    nowhere.write_text("id: ATLAS\n")
    assert atlas_file(nowhere) == nowhere


def test_a_missing_schema_beside_the_file_skips_naming_the_schema(nowhere, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    nowhere.parent.mkdir()
    nowhere.write_text("id: ATLAS\n")
    with pytest.raises(pytest.skip.Exception) as skipped:
        atlas_schema_file(nowhere)
    assert str(nowhere.parent / "atlas_output_schema.json") in str(skipped.value)


def test_the_download_command_fetches_the_release_the_tests_describe(nowhere):
    command = download_command(nowhere).split()
    assert command[:3] == ["curl", "-L", "--create-dirs"]
    assert command[3:5] == [
        "-o",
        str(nowhere),
    ] and command[5].endswith("/atlas-data/v5.6.0/dist/ATLAS.yaml")


def _run_atlas_test(nowhere: Path, **env: str) -> subprocess.CompletedProcess:
    """The ATLAS test run by pytest in a process of its own, the file missing."""
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ |= {"LAYERWISE_ATLAS_PATH": str(nowhere), **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", ATLAS_TEST, "-p", "no:cacheprovider", "-rs"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_run_without_the_file_passes_reporting_the_test_skipped(nowhere):
    run = _run_atlas_test(nowhere)
    assert run.returncode == 0, run.stdout
    assert "1 skipped" in run.stdout
    assert "curl -L --create-dirs" in run.stdout


def test_a_ci_run_without_the_file_fails(nowhere):
    run = _run_atlas_test(nowhere, CI="true")
    assert run.returncode != 0
    assert "1 error" in run.stdout
    assert "the ATLAS tests must run in CI" in run.stdout
