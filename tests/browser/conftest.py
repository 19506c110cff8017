"""Playwright against Debian's Chromium and a live Django server on the test graph."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

# Playwright's sync API keeps an event loop running in the test thread, which
# makes Django refuse the database flush between tests unless told otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium, quiet and offline; never a downloaded build."""
    if not CHROMIUM.exists():
        pytest.fail(
            "browser tests need /usr/bin/chromium: run `make test` to install it"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A laptop-sized window."""
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def site(live_server, seeded_graph) -> str:
    """The base URL of a live server whose graph holds the seed taxonomy."""
    return live_server.url


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where full-page screenshots go (git-ignored var/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
