"""Inputs of the interchange tests: the real MITRE ATLAS file and small variants."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from ruamel.yaml import YAML

from tests.published_atlas import atlas_file


@pytest.fixture(autouse=True)
def _audit_log(db):
    """Imports write the audit log, so every test here may use the database."""


@pytest.fixture(scope="session")
def atlas_path() -> Path:
    """The published ATLAS.yaml at LAYERWISE_ATLAS_PATH (by default beside the
    repository, ../shared/data/atlas/). It is never copied into the repository;
    without it the tests that need it are skipped with the command that downloads
    it, or fail under CI=true."""
    return atlas_file()


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
