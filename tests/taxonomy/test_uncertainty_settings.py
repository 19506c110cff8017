"""The robustness bands of the settings must be centred on the point values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRINT_BANDS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(sorted(settings.LAYERWISE_UNCERTAINTY.items()))"
)


def _settings_with(**env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process with ``env`` added."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LAYERWISE_UNCERTAINTY", "LAYERWISE_EFFECTIVENESS"))
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_BANDS],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"LAYERWISE_UNCERTAINTY_HIGH": "0.75-0.95"},
        {"LAYERWISE_EFFECTIVENESS_LOW": "0.25"},
    ],
)
def test_a_band_off_its_point_value_is_refused_naming_both(env):
    result = _settings_with(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "as its mean" in result.stderr


def test_a_band_moved_with_its_point_value_is_accepted():
    result = _settings_with(
        LAYERWISE_EFFECTIVENESS_HIGH="0.8", LAYERWISE_UNCERTAINTY_HIGH="0.7-0.9"
    )
    assert result.returncode == 0, result.stderr
    assert "('high', (0.7, 0.9))" in result.stdout
