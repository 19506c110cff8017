"""CoverageQuery's cache key follows its fields: an option added later is never
left out of the key the coverage selector caches the document under."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from taxonomy.domain.coverage_query import CoverageQuery, ThreatPage
from taxonomy.domain.scenario import Scenario

# One value other than the default per field. A new field of CoverageQuery
# fails test_every_field_has_an_alternative until it is named here.
ALTERNATIVES = {
    "taxonomy": "atlas",
    "revision": "v1",
    "scenario": Scenario(disabled_layers=["hardware"]),
    "threat": "guardrail-removal",
    "chains": "scaled-misuse",
    "diff_baseline": True,
    "page": ThreatPage(0, 5),
    "robustness": {"samples": 50, "seed": 0, "intervals": {"low": (0.1, 0.5)}},
}
NAMES = [f.name for f in fields(CoverageQuery)]


def test_every_field_has_an_alternative():
    assert set(ALTERNATIVES) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_changing_any_one_field_changes_the_cache_key(name):
    changed = replace(CoverageQuery(), **{name: ALTERNATIVES[name]})
    assert changed != CoverageQuery()
    assert changed.cache_key() != CoverageQuery().cache_key()
    assert hash(changed.cache_key())


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (ThreatPage(0, 5), ThreatPage(5, 5)),
        (ThreatPage(0, 5), ThreatPage(0, 5, "insufficient")),
        (Scenario(threshold=0.7), Scenario(threshold=0.75)),
        (
            {"samples": 50, "seed": 0, "intervals": {}},
            {"samples": 50, "seed": 1, "intervals": {}},
        ),
    ],
)
def test_a_change_inside_a_field_changes_the_key(one, other):
    name = next(n for n in NAMES if isinstance(ALTERNATIVES[n], type(one)))
    keys = [replace(CoverageQuery(), **{name: v}).cache_key() for v in (one, other)]
    assert keys[0] != keys[1]


def test_equal_queries_have_equal_keys_and_hash():
    def made():
        return CoverageQuery(
            scenario=Scenario(disabled_layers=["b", "a"]),
            page=ThreatPage(2, 3),
            robustness={"samples": 9, "seed": 1, "intervals": {"low": (0.1, 0.5)}},
        )

    assert made() == made()
    assert made().cache_key() == made().cache_key()
    assert hash(made()) == hash(made())


def test_the_robustness_options_come_back_as_given():
    options = {
        "samples": 9,
        "seed": 1,
        "intervals": {"low": (0.1, 0.5), "high": (1, 1)},
    }
    assert CoverageQuery(robustness=options).robustness_options == options
    assert list(CoverageQuery(robustness=options).robustness_options["intervals"]) == [
        "low",
        "high",
    ]
