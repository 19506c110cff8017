"""The Makefile's order of set-up, read from make's own database of its rules:
node_modules/ exists before any manage.py command runs (Django's checks warn
while a static folder is missing), make run installs the runtime lock only, and
make test, bench and lint the dev lock."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Stopping the servers installs nothing: it only ever follows a set-up.
STOPS = {"neo4j-stop"}
RULE = re.compile(r"^([^\s#:=][^:=]*?):(?!=)\s*(.*)$")


def _rules() -> dict[str, tuple[set[str], list[str]]]:
    """Each target's prerequisites (normal and order-only, variables expanded)
    and recipe lines (as written), as make reads them (``make -pRrq``: nothing
    is run)."""
    database = subprocess.run(
        ["make", "-pRrq", "-f", "Makefile", ":"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    rules: dict[str, tuple[set[str], list[str]]] = {}
    current = None
    for line in database.splitlines():
        if line.startswith("\t") and current:
            rules[current][1].append(line.strip())
            continue
        if line.startswith("#"):  # make's notes between a rule and its recipe
            continue
        match = RULE.match(line)
        current = None
        if match and not line.startswith(" "):
            target = match.group(1).strip()
            prerequisites = set(match.group(2).replace("|", " ").split())
            rules[target] = (prerequisites, [])
            current = target
    return rules


RULES = _rules()


def _closure(target: str) -> set[str]:
    """Every target ``target`` needs made first, at any depth."""
    seen, todo = set(), [target]
    while todo:
        for prerequisite in RULES.get(todo.pop(), (set(), []))[0]:
            if prerequisite not in seen:
                seen.add(prerequisite)
                todo.append(prerequisite)
    return seen


def test_make_knows_the_project_targets():
    assert {"run", "test", "bench", "lint", "lock"} <= set(RULES)


@pytest.mark.parametrize(
    "target",
    sorted(
        t
        for t, (_, recipe) in RULES.items()
        if t not in STOPS
        and any("$(MANAGE)" in line or "manage.py" in line for line in recipe)
    ),
)
def test_node_modules_is_installed_before_any_manage_py_command(target):
    assert "node_modules/.installed" in _closure(target)


def test_make_run_installs_the_runtime_lock_and_not_the_dev_lock():
    needs = _closure("run")
    assert ".venv/.installed-runtime" in needs
    assert ".venv/.installed-dev" not in needs


@pytest.mark.parametrize("target", ["test", "bench", "lint", "screenshots"])
def test_the_tools_install_the_dev_lock(target):
    assert ".venv/.installed-dev" in _closure(target)


def test_each_lock_is_installed_again_when_it_changes():
    assert "requirements.lock" in RULES[".venv/.installed-runtime"][0]
    assert "requirements-dev.lock" in RULES[".venv/.installed-dev"][0]


def test_make_test_installs_the_sssom_virtualenv_again_when_its_lock_changes():
    assert "var/sssom-venv/.installed" in _closure("test")
    assert "requirements-sssom.lock" in RULES["var/sssom-venv/.installed"][0]
    assert "var/sssom-venv/.installed" not in _closure("run")
