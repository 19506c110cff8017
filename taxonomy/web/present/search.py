"""Search results: what each hit holds, and the length limit."""

from __future__ import annotations

from collections.abc import Mapping

from taxonomy.domain.records import SEARCH_MAX_LENGTH

# --- Search -----------------------------------------------------------------------


def search_too_long(query: str, limit: int = SEARCH_MAX_LENGTH) -> str:
    """The message for a search longer than the index accepts, else "".

    >>> search_too_long("export"), search_too_long("x" * 12, limit=10)
    ('', 'A search can be at most 10 characters long; this one has 12. Shorten it to a few words.')
    """
    if len(query) <= limit:
        return ""
    return (
        f"A search can be at most {limit:,} characters long; this one has "
        f"{len(query):,}. Shorten it to a few words."
    )


def holding(
    counts: Mapping[str, Mapping[str, int]], field: str, but: str = ""
) -> list[tuple[str, int]]:
    """(taxonomy, count) of each taxonomy but ``but`` that holds items of ``field``.

    >>> holding({"layerwise": {"incidents": 0}, "atlas": {"incidents": 57},
    ...          "acme": {"incidents": 2}}, "incidents", but="acme")
    [('atlas', 57)]
    """
    return sorted(
        (name, kinds[field])
        for name, kinds in counts.items()
        if name != but and kinds.get(field)
    )
