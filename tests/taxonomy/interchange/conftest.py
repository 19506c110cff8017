"""Inputs of the interchange tests: the real MITRE ATLAS file and small variants."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from ruamel.yaml import YAML


@pytest.fixture(autouse=True)
def _audit_log(db):
    """Imports write the audit log, so every test here may use the database."""


@pytest.fixture(scope="session")
def atlas_path() -> Path:
    """The published ATLAS.yaml beside the repository (../shared/data/atlas/),
    or where LAYERWISE_ATLAS_YAML says (a checkout elsewhere).

    It is never copied into the repository; a missing file fails the tests
    that need it instead of skipping them.
    """
    default = (
        Path(settings.BASE_DIR).parent / "shared" / "data" / "atlas" / "ATLAS.yaml"
    )
    path = Path(os.environ.get("LAYERWISE_ATLAS_YAML", default))
    if not path.is_file():
        pytest.fail(
            f"MITRE ATLAS data missing: {path} (see ../shared/data/atlas/README.md)"
        )
    return path


@pytest.fixture(scope="session")
def atlas_text(atlas_path) -> str:
    return atlas_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def atlas_data(atlas_text) -> dict:
    return YAML(typ="safe").load(atlas_text)


@pytest.fixture
def seed_layer_map() -> Path:
    """The layer map the project ships: ATLAS categories -> the seed's layers."""
    return (
        Path(settings.BASE_DIR) / "fixtures" / "layer-maps" / "atlas-to-layerwise.yaml"
    )
