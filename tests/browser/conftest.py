"""Playwright against Debian's Chromium and a live Django server on the test graph."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from taxonomy import services
from taxonomy.domain.records import Incident, MemberOf, Tactic, Uses

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
# A small file in ATLAS.yaml's shape that ships with the tests (its content is
# made up), so that the browser tests hold an imported catalogue on any clone.
ATLAS_SAMPLE = Path(__file__).with_name("atlas_sample.yaml")
EDITOR_PASSWORD = "correct horse battery"

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


def _seed_every_kind() -> None:
    """Give the seed an item of each kind it lacks (a tactic, an incident,
    their links and a membership), written as an editor writes them through the API, then
    create and delete a tactic, so that the newest changes are a tactic's."""
    tactic = Tactic(
        "evading-oversight",
        "Evading oversight",
        "Moving a model out of reach of those who could check it.",
        shortname="evading-oversight",
    )
    services.node_create(kind="tactic", record=tactic)
    incident = Incident(
        "smuggled-accelerators",
        "Accelerators smuggled past export controls",
        date="2024",
        summary="Chips were shipped through third countries. "
        "[A court filing](https://example.org/filing) tells how.",
    )
    services.node_create(kind="incident", record=incident)
    for kind, source, target in (
        ("in_tactic", "covert-deployment", "evading-oversight"),
        ("subtype", "shadow-ai", "covert-deployment"),
    ):
        services.link_create(kind=kind, source=source, target=target)
    uses = Uses(
        incident.id,
        "sanctions-evasion",
        (1,),
        (tactic.id,),
        ("Orders went through shell companies.",),
    )
    services.property_link_create(kind="uses", record=uses)
    # The seed records no membership (the agency has no members yet).
    membership = MemberOf("uk", "ai-safeguards-agency", since="2030-01-01")
    services.property_link_create(kind="member_of", record=membership)
    services.node_create(kind="tactic", record=Tactic("passing", "Passing"))
    services.node_delete(kind="tactic", key="passing")


@pytest.fixture
def two_taxonomies(site) -> str:
    """The base URL of a live server whose graph holds the seed, with an item
    of every kind, and the ATLAS sample imported as a user imports ATLAS
    (taxonomy ``atlas``)."""
    call_command("import_atlas", str(ATLAS_SAMPLE), "--no-schema", stdout=StringIO())
    _seed_every_kind()
    return site


@pytest.fixture
def editor(site) -> User:
    """An editor of the live server's database (password ``EDITOR_PASSWORD``)."""
    user = User.objects.create_user("ada", password=EDITOR_PASSWORD)
    # get_or_create: a live server's flush may have emptied the groups table.
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user
