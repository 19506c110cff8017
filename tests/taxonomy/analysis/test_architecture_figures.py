"""The seed's comparison of governance architectures quoted in docs/coverage.md
is the one the code computes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from bench.architectures import seed_architectures
from taxonomy.analysis.architectures import compare
from taxonomy.analysis.architectures_report import comparison_document
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.scenario import Scenario
from taxonomy.formats.fixtures_yaml import load_fixtures
from taxonomy.web.present.architectures import glance_rows

COVERAGE_DOC = Path(__file__).resolve().parents[3] / "docs" / "coverage.md"
TEXT = COVERAGE_DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_comparison():
    seed = load_fixtures(Path(settings.FIXTURES_DIR))
    architectures = seed_architectures(seed, Scenario())
    comparison = compare(seed, architectures)
    document = comparison_document(comparison, seed, names={"today": "Today"})
    return comparison, document


def test_the_table_quoted_is_the_computed_one(seed_comparison):
    _, document = seed_comparison
    names = [a["name"] for a in document["architectures"]]
    table = TEXT[TEXT.index("<!-- architectures-table -->") :]
    assert f"| | {' | '.join(names)} |" in table
    for what, values in glance_rows(document):
        assert f"| {what} | {' | '.join(values)} |" in table


def test_the_sentence_quoted_is_the_computed_one(seed_comparison):
    _, document = seed_comparison
    assert f"> {document['line']}\n" in TEXT


def test_the_words_on_the_seed_hold(seed_comparison):
    comparison, document = seed_comparison
    by_id = {o.label: o for o in comparison.outcomes}
    today, layered = by_id["today"], by_id["layered-governance"]
    restriction = by_id["restriction-without-alternatives"]
    words = re.sub(r"\s+", " ", TEXT)
    assert restriction.world_addressed.sum() == today.world_addressed.sum()
    assert [t for t, _ in restriction.introduced] == [
        "covert-deployment",
        "jurisdiction-shopping",
    ]
    more = int(layered.world_addressed.sum() - today.world_addressed.sum())
    assert (
        f"layered governance addresses {['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'][more]} more threats"
        in words
    )
    mobile = [a for a in document["architectures"] if a["id"] == "layered-governance"]
    assert mobile[0]["mobile"]["addressed"] == 4 and mobile[0]["mobile"]["count"] == 5
    assert layered.introduced == (("control-repression", ("chip-attestation",)),)
    repression = comparison.threats.index("control-repression")
    assert CLASSES[layered.classes[repression]] == "insufficient"
