"""What a coverage document is asked for: ONE value every surface builds and
the coverage selector (``taxonomy.selectors.coverage.coverage_report``) answers.

The pages, the API (now and at a named revision), the history, the exports,
the ``coverage`` command and the editors' impact preview each turn their
request into a ``CoverageQuery``; the options of the document travel inside
it, and its cache key is derived from its fields, so an option added later is
never left out of a key (a stale answer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import BASELINE, Scenario, key_part

# The revision that is not stored but the graph as it is now.
CURRENT = "current"


@dataclass(frozen=True)
class ThreatPage:
    """Which threats ``threats`` lists: those of ``coverage_class`` (all when
    None), from ``offset``, at most ``limit`` (all when None).

    A taxonomy of 100k threats makes a document of 60 MB; a page of it costs
    what its threats cost, and every other part still covers the whole
    taxonomy.
    """

    offset: int = 0
    limit: int | None = None
    coverage_class: str | None = None

    def cut(self, threats: Sequence) -> tuple[list, int]:
        """The page of ``threats`` (coverage entries) and how many pass the filter.

        >>> from types import SimpleNamespace as T
        >>> ts = [T(coverage_class=c) for c in "aabab"]
        >>> page, count = ThreatPage(1, 2, "a").cut(ts)
        >>> len(page), count
        (2, 3)
        """
        kept = [t for t in threats if self.coverage_class in (None, t.coverage_class)]
        end = None if self.limit is None else self.offset + self.limit
        return kept[self.offset : end], len(kept)


def _frozen(value: Any) -> Any:
    """A mapping (or list) as nested tuples, its order kept, so it hashes."""
    if isinstance(value, Mapping):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass(frozen=True)
class CoverageQuery:
    """A coverage document as asked for.

    ``taxonomy`` names the taxonomy (a named revision holds the seed only);
    ``revision`` is ``current`` (the graph now) or a named revision;
    ``scenario`` the what-if; ``threat`` lists only that threat; ``chains``
    adds the ENABLES chains into a threat; ``diff_baseline`` the diff against
    the scenario's baseline; ``page`` lists only a page of the threats;
    ``robustness`` adds the robustness section with these Monte Carlo
    options (``samples``, ``seed``, ``intervals``; a mapping, kept as pairs
    in its order so that a query is hashable).

    >>> q = CoverageQuery(robustness={"samples": 5, "seed": 0, "intervals": {}})
    >>> q.robustness_options
    {'samples': 5, 'seed': 0, 'intervals': {}}
    >>> q.cache_key() == CoverageQuery(
    ...     robustness={"samples": 5, "seed": 0, "intervals": {}}).cache_key()
    True
    """

    taxonomy: str = DEFAULT_TAXONOMY
    revision: str = CURRENT
    scenario: Scenario = field(default=BASELINE)
    threat: str | None = None
    chains: str | None = None
    diff_baseline: bool = False
    page: ThreatPage | None = None
    robustness: tuple | None = None

    def __post_init__(self) -> None:
        if isinstance(self.robustness, Mapping):
            object.__setattr__(self, "robustness", _frozen(self.robustness))

    @property
    def is_current(self) -> bool:
        """True for the graph now, False for a named revision."""
        return self.revision == CURRENT

    @property
    def robustness_options(self) -> dict | None:
        """The robustness section's options as the analysis takes them."""
        if self.robustness is None:
            return None
        return {
            name: dict(value) if name == "intervals" else value
            for name, value in self.robustness
        }

    def cache_key(self) -> tuple:
        """Everything that tells two queries apart, as a hashable tuple: every
        field in order (the scenario by its own key), derived from the fields
        so that a new one can never be left out."""
        return tuple(key_part(getattr(self, f.name)) for f in fields(self))
