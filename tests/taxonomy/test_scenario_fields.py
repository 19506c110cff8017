"""Scenario's cache key and baseline follow its fields: a field added later is
never left out of a cache key (a stale answer) nor lost by the baseline."""

from __future__ import annotations

import datetime
from dataclasses import fields, replace

import pytest

from taxonomy.domain.scenario import DEMAND, FULL, Scenario

# One value other than the default per field. A new field of Scenario fails
# test_every_field_has_an_alternative until it is named here.
ALTERNATIVES = {
    "disabled_layers": frozenset({"hardware"}),
    "disabled_mitigations": frozenset({"tee"}),
    "maturities": frozenset({"deployed"}),
    "threshold": 0.7,
    "effectiveness": (("low", 0.2), ("medium", 0.6), ("high", 0.9)),
    "dependence": FULL,
    "adopt": frozenset({"chip-attestation"}),
    "weight": DEMAND,
    "jurisdiction": "eu",
    "as_of": datetime.date(2026, 1, 1),
    "through": "https://example.org/layerwise/mappings/atlas",
}
NAMES = [f.name for f in fields(Scenario)]


def test_every_field_has_an_alternative():
    assert set(ALTERNATIVES) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_changing_any_one_field_changes_the_cache_key(name):
    changed = replace(Scenario(), **{name: ALTERNATIVES[name]})
    assert changed != Scenario()
    assert changed.cache_key() != Scenario().cache_key()
    assert hash(changed.cache_key())


@pytest.mark.parametrize("name", NAMES)
def test_the_baseline_resets_what_counts_and_keeps_every_setting(name):
    changed = replace(Scenario(), **{name: ALTERNATIVES[name]})
    expected = Scenario() if name in Scenario.WHAT_COUNTS else changed
    assert changed.baseline() == expected


def test_what_counts_names_real_fields():
    assert set(Scenario.WHAT_COUNTS) < set(NAMES)
