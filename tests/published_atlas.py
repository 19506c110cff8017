"""The published MITRE ATLAS release the ATLAS tests read, at LAYERWISE_ATLAS_PATH.

A clone of the repository alone has no copy: its ATLAS tests are skipped, each
naming the one command that downloads the release. Under CI=true a missing file
fails them instead, so a CI run never passes without them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest
from django.conf import settings

from taxonomy.formats.atlas import SCHEMA_NAME, atlas_schema_path

# The release the tests' figures describe (170 techniques, 35 mitigations, ...).
RELEASE = "v5.6.0"
RELEASE_URL = f"https://raw.githubusercontent.com/mitre-atlas/atlas-data/{RELEASE}/dist"


def download_command(path: Path) -> str:
    """The one command that puts the release's ATLAS.yaml at ``path`` and MITRE's
    schema beside it.

    >>> print(download_command(Path("/data/ATLAS.yaml")))  # doctest: +NORMALIZE_WHITESPACE
    curl -L --create-dirs -o /data/ATLAS.yaml
      https://raw.githubusercontent.com/mitre-atlas/atlas-data/v5.6.0/dist/ATLAS.yaml
      -o /data/atlas_output_schema.json
      https://raw.githubusercontent.com/mitre-atlas/atlas-data/v5.6.0/dist/schemas/atlas_output_schema.json
    """
    return (
        f"curl -L --create-dirs -o {path} {RELEASE_URL}/ATLAS.yaml "
        f"-o {path.parent / SCHEMA_NAME} {RELEASE_URL}/schemas/{SCHEMA_NAME}"
    )


def in_ci(environ: Mapping[str, str]) -> bool:
    """Whether the run is a CI run: CI set to anything but empty or false.

    >>> in_ci({"CI": "true"}), in_ci({"CI": "false"}), in_ci({})
    (True, False, False)
    """
    return environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


def missing_outcome(missing: Path, *, ci: bool, atlas: Path | None = None) -> tuple:
    """What a test that needs the file ``missing`` does without it: skip (or, in
    CI, fail) with a message naming the command that downloads the release to
    ``atlas`` (its ATLAS.yaml, by default ``missing`` itself).

    >>> outcome, message = missing_outcome(Path("/d/ATLAS.yaml"), ci=False)
    >>> outcome is pytest.skip, message.split(";")[0]
    (True, 'MITRE ATLAS file not found: /d/ATLAS.yaml (LAYERWISE_ATLAS_PATH)')
    >>> missing_outcome(Path("/d/ATLAS.yaml"), ci=True)[0] is pytest.fail
    True
    """
    fetch = f"download MITRE ATLAS {RELEASE} with: {download_command(atlas or missing)}"
    if ci:
        return pytest.fail, (
            f"CI=true and the MITRE ATLAS file {missing} is missing "
            f"(LAYERWISE_ATLAS_PATH): the ATLAS tests must run in CI; {fetch}"
        )
    return (
        pytest.skip,
        f"MITRE ATLAS file not found: {missing} (LAYERWISE_ATLAS_PATH); {fetch}",
    )


def atlas_file(path: Path | None = None) -> Path:
    """The release's ATLAS.yaml (LAYERWISE_ATLAS_PATH unless ``path``); when it is
    missing the calling test is skipped, or failed under CI=true."""
    path = Path(path or settings.LAYERWISE_ATLAS_PATH)
    if not path.is_file():
        outcome, message = missing_outcome(path, ci=in_ci(os.environ))
        outcome(message)
    return path


def atlas_schema_file(path: Path | None = None) -> Path:
    """MITRE's schema of the release, beside its ATLAS.yaml (or in ``schemas/``
    beside it); skipped or failed like ``atlas_file`` when it is missing."""
    path = atlas_file(path)
    schema = atlas_schema_path(path)
    if schema is None:
        outcome, message = missing_outcome(
            path.parent / SCHEMA_NAME, ci=in_ci(os.environ), atlas=path
        )
        outcome(message)
    return schema
