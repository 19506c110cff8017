"""Which of our threats (and governance levers) a framework's texts name, by term.

A term is a regular expression matched case-insensitively. A threat is
*named* by a catalogue when some term of the threat matches the text of some
item of the catalogue; a lever is named by a file when some term of the lever
matches the file's text. The answer is a finding about words, not meanings:
it says what a reader searching the framework would find.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence


def compiled(terms: Sequence[str]) -> re.Pattern:
    """One case-insensitive pattern matching any of ``terms``.

    >>> bool(compiled(["export[- ]controls?", "chips?"]).search("Export-Control rules"))
    True
    """
    return re.compile("|".join(f"(?:{t})" for t in terms), re.IGNORECASE)


def texts_naming(texts: Mapping[str, str], terms: Sequence[str]) -> tuple[str, ...]:
    """The keys of ``texts`` whose text some term matches, in the texts' order.

    Parameters
    ----------
    texts : mapping
        key (a file, an item) -> its text.
    terms : sequence of str
        Regular expressions; none gives no match.

    Returns
    -------
    tuple of str

    >>> texts_naming({"a": "No chips here", "b": "Nothing"}, [r"\\bchips?\\b"])
    ('a',)
    >>> texts_naming({"a": "x"}, [])
    ()
    """
    if not terms:
        return ()
    pattern = compiled(terms)
    return tuple(key for key, text in texts.items() if pattern.search(text))


def naming_table(
    catalogues: Mapping[str, Mapping[str, str]],
    terms: Mapping[str, Sequence[str]],
) -> dict[str, dict[str, tuple[str, ...]]]:
    """For each threat (a key of ``terms``), each catalogue's items that name it.

    Parameters
    ----------
    catalogues : mapping
        catalogue -> {item -> its text (name and description)}.
    terms : mapping
        threat -> its terms.

    Returns
    -------
    dict
        threat -> {catalogue -> the items naming it (empty: none)}.

    >>> naming_table({"nist": {"r1": "Data privacy", "r2": "Phishing"}},
    ...              {"scaled-misuse": ["phishing"], "sanctions-evasion": ["export control"]})
    {'scaled-misuse': {'nist': ('r2',)}, 'sanctions-evasion': {'nist': ()}}
    """
    return {
        threat: {name: texts_naming(items, own) for name, items in catalogues.items()}
        for threat, own in terms.items()
    }


def named_by_none(table: Mapping[str, Mapping[str, Sequence[str]]]) -> list[str]:
    """The threats of a ``naming_table`` that no catalogue names.

    >>> named_by_none({"a": {"x": ("i",), "y": ()}, "b": {"x": (), "y": ()}})
    ['b']
    """
    return [t for t, row in table.items() if not any(row.values())]
