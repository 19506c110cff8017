"""What-if scenarios: the ``Scenario`` record, checked, with its cache key and
baseline derived from its fields.

Its ONE codec is beside it: ``scenario_params`` parses, checks and writes
scenarios back into URLs and command lines, ``scenario_words`` puts them in
words, for every surface. A new scenario parameter is one entry in
``SCENARIO_PARAMS`` and a field on ``Scenario``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import MATURITIES, STRENGTHS

DEFAULT_THRESHOLD = 0.8
DEFAULT_EFFECTIVENESS = {"low": 0.3, "medium": 0.6, "high": 0.9}
# How mitigations fail together. ``independent``: every link is a barrier of
# its own (the brief's model); ``within-layer``: the links of one layer fail
# together, layers stay independent; ``full``: everything fails together (the
# Fréchet upper bound of the joint miss).
INDEPENDENT, WITHIN_LAYER, FULL = "independent", "within-layer", "full"
DEPENDENCES = (INDEPENDENT, WITHIN_LAYER, FULL)
DEPENDENCE_WORDS = {
    INDEPENDENT: "mitigations fail independently",
    WITHIN_LAYER: "the mitigations of a layer fail together",
    FULL: "every mitigation fails together",
}
# How threats are weighted. ``none``: each counts once; ``demand``: by how many
# documented incidents use them (the headline's share of incident uses, gaps
# that real attackers use first in the matrix, 1 + demand per threat in the
# recommendation's objective).
NO_WEIGHT, DEMAND = "none", "demand"
WEIGHTS = (NO_WEIGHT, DEMAND)


# An adopt entry "M@J" adopts mitigation M in jurisdiction J only.
ADOPT_IN = "@"


def adoption(entry: str) -> tuple[str, str | None]:
    """An ``adopt`` entry as (mitigation, jurisdiction); None for a plain
    ``M`` (adopted everywhere). ``ValueError`` for a malformed ``@``.

    >>> adoption("tee"), adoption("tee@eu")
    (('tee', None), ('tee', 'eu'))
    >>> adoption("tee@")
    Traceback (most recent call last):
    ...
    ValueError: adopt takes MITIGATION or MITIGATION@JURISDICTION, got 'tee@'
    """
    mitigation, at, jurisdiction = entry.partition(ADOPT_IN)
    if not mitigation or (at and (not jurisdiction or ADOPT_IN in jurisdiction)):
        raise ValueError(
            f"adopt takes MITIGATION or MITIGATION@JURISDICTION, got {entry!r}"
        )
    return mitigation, jurisdiction or None


def adopt_entry(mitigation: str, jurisdiction: str | None = None) -> str:
    """The ``adopt`` entry that adopts ``mitigation`` in ``jurisdiction``
    (everywhere when None): the one string form, ``M@J``.

    >>> adopt_entry("tee", "eu"), adopt_entry("tee")
    ('tee@eu', 'tee')
    """
    return (
        mitigation if jurisdiction is None else f"{mitigation}{ADOPT_IN}{jurisdiction}"
    )


def _frozen_ids(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


@dataclass(frozen=True)
class Scenario:
    """A what-if: which layers and mitigations count, and the model's settings.

    ``maturities`` None counts every maturity. ``effectiveness`` maps each
    strength to its effectiveness e in [0, 1]; it is stored as a tuple of
    pairs in ``STRENGTHS`` order so that a scenario is hashable.
    ``dependence`` is one of ``DEPENDENCES``. ``adopt`` names mitigations
    that count as in effect whatever their maturity, with everything they
    REQUIRE (transitively); a mitigation the scenario disables by name or by
    layer stays off even when adopted (disabling wins). ``weight`` is one of
    ``WEIGHTS``: it changes what the numbers are weighted by, never a class.
    An ``adopt`` entry ``M@J`` adopts M in jurisdiction J only: M counts as
    in force in J and its members (membership closure on ``as_of``) at
    ``deployed``, in effect whatever the maturities counted, with what it
    REQUIRES; elsewhere M keeps its meaning (``adoption`` reads an entry;
    ``analysis.jurisdictions`` applies it). Where no jurisdiction is
    considered (the one-world analysis) ``M@J`` counts as ``M``.
    ``jurisdiction`` (an id, None for none) counts only what is in force
    there, at its maturity there; ``as_of`` (a date, None for none) counts
    only the in-force links and memberships that hold that day (issue 25;
    both change nothing in a taxonomy that records no jurisdiction).
    ``through`` (a mapping set id, None for none) reads another catalogue
    through that mapping onto ours: the scenario's other fields are about our
    taxonomy, and each item of the other is covered as ``analysis.crosswalk``
    says (issue 26).

    >>> s = Scenario(disabled_layers=["liability"], maturities=["deployed"])
    >>> sorted(s.disabled_layers), sorted(s.maturities), s.threshold
    (['liability'], ['deployed'], 0.8)
    >>> s.effectiveness_map["medium"]
    0.6
    """

    disabled_layers: frozenset[str] = frozenset()
    disabled_mitigations: frozenset[str] = frozenset()
    maturities: frozenset[str] | None = None
    threshold: float = DEFAULT_THRESHOLD
    effectiveness: tuple[tuple[str, float], ...] = field(
        default=tuple(DEFAULT_EFFECTIVENESS.items())
    )
    dependence: str = INDEPENDENT
    adopt: frozenset[str] = frozenset()
    weight: str = NO_WEIGHT
    jurisdiction: str | None = None
    as_of: datetime.date | None = None
    through: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "jurisdiction", self.jurisdiction or None)
        set_(self, "through", self.through or None)
        set_(self, "as_of", _checked_day(self.as_of))
        set_(self, "disabled_layers", _frozen_ids(self.disabled_layers))
        set_(self, "disabled_mitigations", _frozen_ids(self.disabled_mitigations))
        set_(self, "maturities", _frozen_ids(self.maturities))
        set_(self, "adopt", _frozen_ids(self.adopt))
        for entry in self.adopt:
            adoption(entry)
        set_(self, "threshold", _checked_threshold(self.threshold))
        set_(self, "effectiveness", _checked_effectiveness(self.effectiveness))
        unknown = (self.maturities or frozenset()) - set(MATURITIES)
        if unknown:
            raise ScenarioError({"maturity": unknown})
        if self.dependence not in DEPENDENCES:
            raise ValueError(
                f"dependence must be one of {', '.join(DEPENDENCES)}, "
                f"got {self.dependence!r}"
            )
        if self.weight not in WEIGHTS:
            raise ValueError(
                f"weight must be one of {', '.join(WEIGHTS)}, got {self.weight!r}"
            )

    @property
    def effectiveness_map(self) -> dict[str, float]:
        """The strength → effectiveness map as a dict in ``STRENGTHS`` order."""
        return dict(self.effectiveness)

    @property
    def adopted_ids(self) -> frozenset[str]:
        """Every mitigation the scenario adopts, anywhere.

        >>> sorted(Scenario(adopt=["a", "b@eu"]).adopted_ids)
        ['a', 'b']
        """
        return frozenset(adoption(entry)[0] for entry in self.adopt)

    @property
    def adopted_everywhere(self) -> frozenset[str]:
        """The mitigations adopted without a jurisdiction (plain ``M``)."""
        return frozenset(e for e in self.adopt if adoption(e)[1] is None)

    @property
    def adopted_in(self) -> frozenset[tuple[str, str]]:
        """The (mitigation, jurisdiction) pairs of the ``M@J`` entries.

        >>> sorted(Scenario(adopt=["a", "b@eu"]).adopted_in)
        [('b', 'eu')]
        """
        return frozenset((m, j) for m, j in map(adoption, self.adopt) if j is not None)

    @property
    def is_baseline(self) -> bool:
        """True when nothing is disabled and every maturity counts."""
        return not (self.disabled_layers or self.disabled_mitigations) and (
            self.maturities is None
        )

    # The fields that say what counts; every other field is a setting of the
    # model, which the baseline keeps.
    WHAT_COUNTS = ("disabled_layers", "disabled_mitigations", "maturities", "adopt")

    def baseline(self) -> Scenario:
        """The same settings with nothing disabled or adopted and every
        maturity counted (derived from the fields: a new setting is kept).

        >>> Scenario(disabled_layers=["hw"], threshold=0.7).baseline() == (
        ...     Scenario(threshold=0.7))
        True
        """
        defaults = {
            name: Scenario.__dataclass_fields__[name].default
            for name in self.WHAT_COUNTS
        }
        return replace(self, **defaults)

    def cache_key(self) -> tuple:
        """Everything that tells two scenarios apart, as a sortable, hashable
        tuple: every field, in order, sets sorted (derived from the fields, so
        a new one can never be left out and serve a stale cached answer)."""
        return tuple(key_part(getattr(self, f.name)) for f in fields(self))


def key_part(value: Any) -> Any:
    """A field's value as a sortable, hashable part of a cache key: a set
    sorted, a value with its own ``cache_key`` by it, another dataclass by
    its fields in order.

    >>> key_part(frozenset({"b", "a"}))
    ('a', 'b')
    """
    if isinstance(value, frozenset):
        return tuple(sorted(value))
    if hasattr(value, "cache_key"):
        return value.cache_key()
    if is_dataclass(value) and not isinstance(value, type):
        return tuple(key_part(getattr(value, f.name)) for f in fields(value))
    return value


def _checked_day(value: Any) -> datetime.date | None:
    """A date, an ISO text read as one, or None for empty; ``ValueError`` otherwise.

    >>> _checked_day("2026-01-01"), _checked_day("")
    (datetime.date(2026, 1, 1), None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"as_of must be a date YYYY-MM-DD, got {text!r}") from None


def _checked_threshold(value: float) -> float:
    value = float(value)
    if not 0.0 < value <= 1.0 or math.isnan(value):
        raise ValueError(f"the threshold must be in (0, 1], got {value}")
    return value


def _checked_effectiveness(value) -> tuple[tuple[str, float], ...]:
    given = dict(value)
    if set(given) != set(STRENGTHS):
        raise ValueError(
            f"effectiveness must map exactly {', '.join(STRENGTHS)}; "
            f"got {sorted(given)}"
        )
    out = []
    for strength in STRENGTHS:
        e = float(given[strength])
        if not 0.0 <= e <= 1.0:
            raise ValueError(
                f"effectiveness of {strength!r} must be in [0, 1], got {e}"
            )
        out.append((strength, e))
    return tuple(out)


BASELINE = Scenario()


TODAY = frozenset({"deployed"})


def is_today(scenario: Scenario) -> bool:
    """Whether a scenario is today: only deployed measures, nothing switched off
    or adopted.

    >>> is_today(Scenario(maturities=["deployed"])), is_today(Scenario())
    (True, False)
    """
    return (
        scenario.maturities == TODAY
        and not (scenario.disabled_layers or scenario.disabled_mitigations)
        and not scenario.adopt
    )


def today(scenario: Scenario = BASELINE) -> Scenario:
    """Today (deployed measures only) with ``scenario``'s model settings.

    >>> today(Scenario(threshold=0.7)).threshold, sorted(today().maturities)
    (0.7, ['deployed'])
    """
    return replace(scenario.baseline(), maturities=TODAY, adopt=frozenset())
