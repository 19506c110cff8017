"""Hardening: pages answer HEAD as GET, and a site served over HTTPS passes
Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.taxonomy.test_security_headers import PAGES

# The deployment checks the HTTPS settings answer (Django's security checks).
HTTPS_CHECKS = ("W004", "W008", "W012", "W016")
HTTPS_SETTINGS = (
    "LAYERWISE_HTTPS",
    "LAYERWISE_SECURE_",
    "LAYERWISE_SSL_",
    "LAYERWISE_HSTS",
)


@pytest.mark.parametrize(
    "path",
    [
        *PAGES,
        "/next/",
        "/incidents/",
        "/glossary/",
        "/export/csv/",
        "/edit/new/layer/",
    ],
)
def test_every_page_answers_head_as_get_without_a_body(
    editor_client, seeded_graph, path
):
    got = editor_client.get(path)
    head = editor_client.head(path)
    assert head.status_code == got.status_code != 405, path
    assert head["Content-Type"] == got["Content-Type"]
    assert head.content == b""


def _deploy_check(**env: str) -> str:
    mine = {k: v for k, v in os.environ.items() if not k.startswith(HTTPS_SETTINGS)}
    environment = {**mine, "DEBUG": "false", **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.stdout + result.stderr


def test_https_settings_from_the_environment_pass_the_deployment_checks():
    plain = _deploy_check()
    assert all(f"security.{check}" in plain for check in HTTPS_CHECKS), plain
    served = _deploy_check(LAYERWISE_HTTPS="true")
    assert not [c for c in HTTPS_CHECKS if f"security.{c}" in served], served
