"""Which threats a framework's texts name: the term search against brute force."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from taxonomy.analysis.framework_terms import named_by_none, naming_table, texts_naming

WORDS = st.sampled_from(["chip", "export", "control", "bias", "fraud", "a", "Chip"])
TEXTS = st.dictionaries(
    st.text("xyz", min_size=1, max_size=3), st.lists(WORDS, max_size=6).map(" ".join)
)
TERMS = st.lists(WORDS, max_size=3)


@given(TEXTS, TERMS)
def test_a_text_is_named_exactly_when_one_of_the_literal_terms_occurs_in_it(
    texts, terms
):
    expected = tuple(
        key
        for key, text in texts.items()
        if any(t.lower() in text.lower() for t in terms)
    )
    assert texts_naming(texts, [re.escape(t) for t in terms]) == expected


@given(
    st.dictionaries(st.sampled_from("NOM"), TEXTS, max_size=3),
    st.dictionaries(st.sampled_from(["t1", "t2", "t3"]), TERMS),
)
def test_a_threat_is_named_by_none_exactly_when_no_catalogue_item_names_it(
    catalogues, terms
):
    escaped = {t: [re.escape(x) for x in words] for t, words in terms.items()}
    table = naming_table(catalogues, escaped)
    brute = [
        threat
        for threat, words in terms.items()
        if not any(
            w.lower() in text.lower()
            for items in catalogues.values()
            for text in items.values()
            for w in words
        )
    ]
    assert named_by_none(table) == brute
