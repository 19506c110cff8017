"""The two locks: make run installs requirements.lock (what serving needs), make
test requirements-dev.lock; both pin every dependency pyproject.toml names, they
agree on every package they share, and the site imports nothing of the dev lock."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_PACKAGES = ("config", "taxonomy", "graphapi")
FIRST_PARTY = {*APP_PACKAGES, "bench", "tests", "manage"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    """A distribution's name as pip compares them (PEP 503), without extras.

    >>> _name("psycopg[binary]>=3.2")
    'psycopg'
    >>> _name("ruamel.yaml.clib==0.2.15")
    'ruamel-yaml-clib'
    """
    bare = re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0)
    return re.sub(r"[-_.]+", "-", bare).lower()


def _lock(filename: str) -> dict[str, str]:
    """The lock's pins: name -> exact version."""
    pins = {}
    for line in (ROOT / filename).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"{filename}: {line!r} is not pinned to an exact version"
            pins[_name(name)] = version.strip()
    return pins


RUNTIME = _lock("requirements.lock")
DEV = _lock("requirements-dev.lock")


@pytest.mark.parametrize("requirement", PYPROJECT["project"]["dependencies"])
def test_every_runtime_dependency_is_pinned_in_both_locks(requirement):
    assert _name(requirement) in RUNTIME, "run `make lock`"
    assert _name(requirement) in DEV, "run `make lock`"


@pytest.mark.parametrize(
    "requirement", PYPROJECT["project"]["optional-dependencies"]["dev"]
)
def test_every_dev_dependency_is_pinned_in_the_dev_lock_only(requirement):
    assert _name(requirement) in DEV, "run `make lock`"
    assert _name(requirement) not in RUNTIME


def test_the_locks_pin_the_same_version_of_every_package_they_share():
    assert {name: DEV.get(name) for name in RUNTIME} == RUNTIME


def test_the_runtime_lock_holds_no_test_tool():
    assert not {"pytest", "hypothesis", "playwright", "pandas", "schemathesis"} & set(
        RUNTIME
    )


def _third_party_imports(path: Path) -> set[str]:
    """The top-level modules outside the project and the standard library that a
    file imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return found - FIRST_PARTY - set(sys.stdlib_module_names)


def test_the_site_imports_only_packages_of_the_runtime_lock():
    distributions = packages_distributions()
    outside = {}
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for module in _third_party_imports(path):
                names = {_name(d) for d in distributions.get(module, [module])}
                if not names & set(RUNTIME):
                    outside.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert outside == {}


# requirements-data.lock: packages read only as data, installed with --no-deps.
DATA_LOCK = "requirements-data.lock"


def test_the_data_lock_pins_what_is_installed():
    from importlib.metadata import version

    pins = _lock(DATA_LOCK)
    assert pins, f"{DATA_LOCK} pins nothing"
    assert {name: version(name) for name in pins} == pins


def test_the_data_lock_is_installed_without_dependencies_by_both_stamps():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lines = [line for line in makefile.splitlines() if f"-r {DATA_LOCK}" in line]
    assert len(lines) == 2 and all("--no-deps" in line for line in lines)


def test_the_site_never_imports_a_package_of_the_data_lock():
    distributions = packages_distributions()
    data = set(_lock(DATA_LOCK))
    imported = {
        module
        for package in APP_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for module in _third_party_imports(path)
        if {_name(d) for d in distributions.get(module, [module])} & data
    }
    assert imported == set()


# requirements-sssom.lock: the sssom package and all it needs, installed in a
# virtualenv of its own (var/sssom-venv/) for the tests that check the SSSOM
# exports with it; linkml's antlr4-python3-runtime 4.9 conflicts with the site's.
SSSOM_LOCK = "requirements-sssom.lock"


def test_the_sssom_lock_pins_sssom_and_a_linkml_the_site_could_not_install():
    pins = _lock(SSSOM_LOCK)
    assert {"sssom", "linkml", "linkml-runtime", "pandas"} <= set(pins)
    assert pins["antlr4-python3-runtime"] != DEV["antlr4-python3-runtime"]


def test_the_sssom_lock_is_installed_in_its_own_virtualenv_only():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lines = [line for line in makefile.splitlines() if f"-r {SSSOM_LOCK}" in line]
    assert len(lines) == 1 and "$(SSSOM_VENV)/bin/pip install" in lines[0]
