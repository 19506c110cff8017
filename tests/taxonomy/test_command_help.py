"""Every command of the project prints its help: a newcomer's first try."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

COMMANDS = sorted(
    (app, name)
    for name, app in get_commands().items()
    if app in {"taxonomy", "graphapi"}
)


@pytest.mark.parametrize(("app", "name"), COMMANDS)
def test_every_command_prints_its_help(app, name):
    parser = load_command_class(app, name).create_parser("manage.py", name)
    assert parser.format_help().startswith(f"usage: manage.py {name}")


def test_the_import_commands_help_states_the_removal_share():
    parser = load_command_class("taxonomy", "import_atlas").create_parser(
        "manage.py", "import_atlas"
    )
    assert "removes more than 10% of a kind" in " ".join(parser.format_help().split())
