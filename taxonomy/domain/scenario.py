"""What-if scenarios, and their ONE codec: parsed, checked, put in words and
written back into URLs and command lines here, for every surface.

The CLI (``coverage``, ``export``, ``taxonomy diff``), the API's query
serializers, the pages, the downloads and the Navigator export all read and
write scenarios through ``SCENARIO_PARAMS`` and the functions below, so a new
scenario parameter is one entry in ``SCENARIO_PARAMS`` and a field on
``Scenario``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any
from urllib.parse import urlencode

from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.jurisdictions import place_phrase
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


# --- The parameters --------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioParam:
    """One scenario parameter as every surface names it.

    ``name`` is the query parameter (``--name-with-dashes`` on the command
    line); ``attr`` the ``Scenario`` field and keyword of ``coverage_scenario``;
    ``kind`` how it is read: ``ids`` (repeatable, comma lists allowed),
    ``maturities`` (the same, from ``MATURITIES``), ``number``, ``choice``
    (one of ``choices``, the first the default), ``id`` (one id, none by
    default) or ``day`` (a date ``YYYY-MM-DD``, none by default); ``reports`` the kind a
    ``ScenarioError`` names when the value is unknown.
    """

    name: str
    attr: str
    kind: str
    help: str
    reports: str | None = None
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


SCENARIO_PARAMS: tuple[ScenarioParam, ...] = (
    ScenarioParam(
        "disable_layer",
        "disabled_layers",
        "ids",
        "Layers to switch off; repeat or comma-separate.",
        "layer",
    ),
    ScenarioParam(
        "disable_mitigation",
        "disabled_mitigations",
        "ids",
        "Mitigations to switch off (and whatever REQUIRES them).",
        "mitigation",
    ),
    ScenarioParam(
        "adopt",
        "adopt",
        "ids",
        "Mitigations to count as in effect whatever their maturity (with what "
        "they REQUIRE); a disabled one stays off. MITIGATION@JURISDICTION adopts "
        "it in that jurisdiction and its members only, as in force there, deployed.",
        "adopted mitigation",
    ),
    ScenarioParam(
        "maturity",
        "maturities",
        "maturities",
        "Count only mitigations of these maturities.",
        "maturity",
    ),
    ScenarioParam(
        "threshold",
        "threshold",
        "number",
        "τ in (0, 1]; default LAYERWISE_COVERAGE_THRESHOLD.",
    ),
    ScenarioParam(
        "dependence",
        "dependence",
        "choice",
        "How mitigations fail together: independent (default), within-layer "
        "(the links of a layer fail together) or full (everything fails together).",
        choices=DEPENDENCES,
    ),
    ScenarioParam(
        "weight",
        "weight",
        "choice",
        "What threats are weighted by: none (default; each counts once) or demand "
        "(how many documented incidents use them: the headline's share of incident "
        "uses, high-demand gaps first, 1 + demand per threat in the recommendation).",
        choices=WEIGHTS,
    ),
    ScenarioParam(
        "jurisdiction",
        "jurisdiction",
        "id",
        "Count only what is in force in this jurisdiction, at its maturity there "
        "(what is in force in a bloc or body it belongs to counts too).",
        "jurisdiction",
    ),
    ScenarioParam(
        "as_of",
        "as_of",
        "day",
        "Count only the in-force links and memberships that hold on this date "
        "(YYYY-MM-DD).",
    ),
    ScenarioParam(
        "through",
        "through",
        "id",
        "Read the taxonomy asked for through this mapping set onto ours: each "
        "item is covered as the threat it maps to exactly or closely, times the "
        "mapping's confidence.",
        "mapping set",
    ),
)
PARAM_NAMES: tuple[str, ...] = tuple(p.name for p in SCENARIO_PARAMS)
# ScenarioError kinds -> the query parameter that named them.
PARAM_OF_KIND: dict[str, str] = {
    **{p.reports: p.name for p in SCENARIO_PARAMS if p.reports},
    "threat": "threat",
    "jurisdiction to adopt in": "adopt",
}


def split_ids(values: Iterable[str]) -> list[str]:
    """Repeated values, each possibly a comma list, as one list of ids in order.

    >>> split_ids(["a,b", " c ", ""])
    ['a', 'b', 'c']
    """
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _number(raw: str | None) -> float | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"the threshold must be a number, got {raw!r}") from None


def _maturities(values: Iterable[str]) -> frozenset[str] | None:
    """Naming every maturity is the same as naming none."""
    named = frozenset(split_ids(values))
    return None if named in (frozenset(), frozenset(MATURITIES)) else named


def scenario_values(params: Any) -> dict[str, Any]:
    """The keyword arguments of ``coverage_scenario`` a query string names.

    ``params`` has ``getlist`` (a Django ``QueryDict``). Raises ``ValueError``
    for a threshold that is not a number; unknown maturities are the
    ``Scenario``'s to refuse.

    >>> from django.utils.datastructures import MultiValueDict
    >>> query = MultiValueDict({"disable_layer": ["hardware"],
    ...     "maturity": ["pilot,deployed"], "threshold": ["0.7"]})
    >>> values = scenario_values(query)
    >>> sorted(values["disabled_layers"]), sorted(values["maturities"])
    (['hardware'], ['deployed', 'pilot'])
    >>> values["threshold"]
    0.7
    """
    values: dict[str, Any] = {}
    for param in SCENARIO_PARAMS:
        given = params.getlist(param.name)
        if param.kind == "ids":
            values[param.attr] = frozenset(split_ids(given))
        elif param.kind == "maturities":
            values[param.attr] = _maturities(given)
        elif param.kind == "choice":
            values[param.attr] = _choice(param, given[-1] if given else None)
        elif param.kind == "id":
            values[param.attr] = (given[-1] if given else "").strip() or None
        elif param.kind == "day":
            raw = (given[-1] if given else "").strip()
            values[param.attr] = _checked_day(raw) if raw else None
        else:
            values[param.attr] = _number(given[-1] if given else None)
    return values


def _choice(param: ScenarioParam, raw: str | None) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw not in param.choices:
        raise ValueError(
            f"{param.name} must be one of {', '.join(param.choices)}, got {raw!r}"
        )
    return raw


def scenario_from_cleaned(data: Mapping[str, Any]) -> dict[str, Any]:
    """``coverage_scenario`` keywords from values already cleaned by name
    (an API serializer's ``validated_data`` or a command's options)."""
    values: dict[str, Any] = {}
    for param in SCENARIO_PARAMS:
        value = data.get(param.name)
        if param.kind == "ids":
            values[param.attr] = frozenset(split_ids(value or ()))
        elif param.kind == "maturities":
            values[param.attr] = None if value is None else _maturities(value)
        else:
            values[param.attr] = value
    return values


def scenario_params(
    scenario: Scenario,
    *,
    compare: bool = False,
    default_threshold: float = DEFAULT_THRESHOLD,
) -> list[tuple[str, str]]:
    """The query parameters that reproduce a scenario, sorted, defaults left out.

    >>> scenario_params(Scenario(disabled_layers=["hardware"], maturities=["deployed"]))
    [('disable_layer', 'hardware'), ('maturity', 'deployed')]
    >>> scenario_params(Scenario(threshold=0.7), compare=True)
    [('threshold', '0.7'), ('compare', 'baseline')]
    """
    params: list[tuple[str, str]] = []
    for param in SCENARIO_PARAMS:
        value = getattr(scenario, param.attr)
        if param.kind == "ids":
            params += [(param.name, i) for i in sorted(value)]
        elif param.kind == "maturities":
            if value is not None:
                params += [(param.name, m) for m in MATURITIES if m in value]
        elif param.kind == "choice":
            if value != param.choices[0]:
                params.append((param.name, value))
        elif param.kind == "id":
            if value:
                params.append((param.name, value))
        elif param.kind == "day":
            if value is not None:
                params.append((param.name, value.isoformat()))
        elif abs(value - default_threshold) > 1e-9:
            params.append((param.name, f"{value:g}"))
    if compare:
        params.append(("compare", "baseline"))
    return params


def scenario_query(
    scenario: Scenario, *, default_threshold: float = DEFAULT_THRESHOLD, **extra: Any
) -> str:
    """A query string (with its ``?``, or empty) for a scenario plus extra params.

    >>> scenario_query(Scenario(disabled_layers=["hardware"]), sort="class")
    '?disable_layer=hardware&sort=class'
    >>> scenario_query(Scenario(), kind=["a", "b"])
    '?kind=a&kind=b'
    >>> scenario_query(Scenario())
    ''
    """
    params = scenario_params(scenario, default_threshold=default_threshold)
    for key, values in extra.items():
        values = [values] if isinstance(values, str) else values or []
        params += [(key, v) for v in values if v]
    return f"?{urlencode(params)}" if params else ""


def percent(value: float | None) -> str:
    """A coverage or share as a whole percentage, rounded down; a dash for None.

    Rounded down, so that 79.9% never reads as reaching an 80% threshold.

    >>> percent(0.84), percent(0.0), percent(0.996), percent(None)
    ('84%', '0%', '99%', '—')
    """
    if value is None:
        return "—"
    return f"{min(int(value * 100 + 1e-9), 100)}%"


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


def scenario_label(scenario: Scenario) -> str:
    """A short name for a scenario: today, every proposal adopted, or another.

    >>> scenario_label(Scenario(maturities=["deployed"])), scenario_label(Scenario())
    ('Today', 'Every proposal adopted')
    >>> scenario_label(Scenario(disabled_layers=["hardware"]))
    'This scenario'
    """
    if is_today(scenario):
        return "Today"
    if scenario.is_baseline and not scenario.adopt:
        return "Every proposal adopted"
    return "This scenario"


_MATURITY_WORDS = {
    None: "every measure counts, proposed and pilot ones included, as if all were "
    "in force",
    TODAY: "only the measures already deployed count (today)",
    frozenset(): "no measure counts",
}


def _maturity_words(maturities: frozenset[str] | None) -> str:
    if maturities in _MATURITY_WORDS:
        return _MATURITY_WORDS[maturities]
    kept = [m for m in MATURITIES if m in maturities]
    return f"only {' and '.join(kept)} measures count"


def scenario_summary(scenario: Scenario, names: Mapping[str, str]) -> str:
    """One sentence saying, in display names, what a scenario counts.

    >>> scenario_summary(Scenario(), {})
    'Every proposal adopted: every measure counts, proposed and pilot ones included, as if all were in force; threshold 80%.'
    >>> scenario_summary(Scenario(maturities=["deployed"]), {})
    'Today: only the measures already deployed count; threshold 80%.'
    >>> scenario_summary(Scenario(disabled_layers=["hardware"], maturities=["deployed"],
    ...                  threshold=0.7), {"hardware": "Hardware"})
    'Only the measures already deployed count (today), without Hardware; threshold 70%.'
    >>> scenario_summary(Scenario(maturities=["deployed"], jurisdiction="eu",
    ...     as_of="2026-01-01"), {"eu": "European Union"})
    'Today: only the measures already deployed count, in the European Union, as of 2026-01-01; threshold 80%.'
    >>> scenario_summary(Scenario(maturities=["deployed"], adopt=["b", "a"]),
    ...                  {"a": "Chip attestation", "b": "Deployer liability"})
    'Only the measures already deployed count (today), plus Chip attestation and Deployer liability adopted; threshold 80%.'
    >>> scenario_summary(Scenario(maturities=["deployed"], adopt=["a@eu"],
    ...     jurisdiction="eu"), {"a": "Chip attestation", "eu": "European Union"})
    'Only the measures already deployed count (today), adopting Chip attestation, in the European Union; threshold 80%.'

    Adopted everywhere and in places too, each group of places is said once:

    >>> scenario_summary(Scenario(maturities=["deployed"], adopt=["a", "b",
    ...     "c@us", "c@cn", "d@cn", "d@us"]), {"a": "A", "b": "B", "c": "C",
    ...     "d": "D", "us": "United States", "cn": "China"})
    'Only the measures already deployed count (today), plus 2 adopted everywhere (A and B) and 2 adopted in China and the United States (C and D); threshold 80%.'
    """
    words = _maturity_words(scenario.maturities)
    mixed = bool(scenario.adopted_everywhere and scenario.adopted_in)
    if mixed:
        words += f", plus {_adoption_groups(scenario, names)}"
    elif scenario.adopted_everywhere:
        adopted = sorted(names.get(i, i) for i in scenario.adopted_everywhere)
        words += f", plus {_and_list(adopted)} adopted"
    if mixed or not scenario.adopted_in:
        pass
    elif {j for _, j in scenario.adopted_in} == {scenario.jurisdiction}:
        # Adopted where the analysis is: the place follows once, below.
        adopted = sorted(names.get(m, m) for m, _ in scenario.adopted_in)
        words += f", adopting {_and_list(adopted)}"
    elif scenario.adopted_in:
        words += f", adopting {adoption_words(scenario.adopted_in, names)}"
    off = sorted(names.get(i, i) for i in scenario.disabled_layers)
    off += sorted(names.get(i, i) for i in scenario.disabled_mitigations)
    if off:
        words += f", without {_and_list(off)}"
    settings = f"threshold {percent(scenario.threshold)}"
    if scenario.dependence != INDEPENDENT:
        settings += f"; {DEPENDENCE_WORDS[scenario.dependence]}"
    if scenario.weight == DEMAND:
        settings += "; weighted by incident demand"
    where = []
    if scenario.jurisdiction:
        name = names.get(scenario.jurisdiction, scenario.jurisdiction)
        where.append(f"in {place_phrase(name)}")
    if scenario.as_of is not None:
        where.append(f"as of {scenario.as_of.isoformat()}")
    if scenario.through:
        where.append(f"read through {names.get(scenario.through, scenario.through)}")
    place = f", {', '.join(where)}" if where else ""
    label = scenario_label(scenario)
    if label != "This scenario":
        words = words.removesuffix(" (today)")
        return f"{label}: {words}{place}; {settings}."
    words += place
    return f"{words[0].upper()}{words[1:]}; {settings}."


def _adoption_groups(scenario: Scenario, names: Mapping[str, str]) -> str:
    """A scenario's adoptions grouped by where: everywhere first, then each set
    of places (in ``place_order``) with how many measures and which.

    >>> _adoption_groups(Scenario(adopt=["a", "b@eu", "c@eu"]), {"eu": "EU"})
    '1 adopted everywhere (a) and 2 adopted in the EU (b and c)'
    """
    groups = []
    if scenario.adopted_everywhere:
        groups.append(("everywhere", sorted(scenario.adopted_everywhere)))
    where: dict[str, list[str]] = {}
    for m, j in scenario.adopted_in:
        where.setdefault(m, []).append(j)
    by_places: dict[tuple[str, ...], list[str]] = {}
    for m, places in where.items():
        by_places.setdefault(tuple(place_order(places, names)), []).append(m)
    for places, measures in sorted(
        by_places.items(), key=lambda pm: (-len(pm[1]), pm[0])
    ):
        spoken = [place_phrase(names.get(j, j)) for j in places]
        groups.append((f"in {_and_list(spoken)}", sorted(measures)))
    return _and_list(
        [
            f"{len(ms)} adopted {where} ({_and_list(sorted(names.get(m, m) for m in ms))})"
            for where, ms in groups
        ]
    )


def place_order(places: Iterable[str], names: Mapping[str, str]) -> list[str]:
    """Jurisdiction ids in the order pages list them: by display name,
    ignoring case (the scenario's sentence and an architecture's "Where").

    >>> place_order(["us", "row", "cn"], {"us": "United States", "cn": "China",
    ...     "row": "Rest of the world"})
    ['cn', 'row', 'us']
    """
    return sorted(places, key=lambda j: (names.get(j, j).casefold(), j))


def adoption_words(pairs: Iterable[tuple[str, str]], names: Mapping[str, str]) -> str:
    """(mitigation, jurisdiction) pairs in words, jurisdictions by name
    (``place_phrase``), grouped by place or by measure, whichever is shorter.

    >>> names = {"a": "A", "b": "B", "eu": "European Union", "cn": "China"}
    >>> adoption_words([("b", "eu"), ("a", "eu"), ("a", "cn")], names)
    'A in China and A and B in the European Union'
    >>> adoption_words([("a", "eu"), ("a", "cn")], names)
    'A in China and the European Union'
    """
    by_place: dict[str, list[str]] = {}
    by_measure: dict[str, list[str]] = {}
    for m, j in pairs:
        measure = names.get(m, m)
        by_place.setdefault(j, []).append(measure)
        by_measure.setdefault(measure, []).append(j)
    if len(by_measure) < len(by_place):
        groups = [
            (m, [place_phrase(names.get(j, j)) for j in place_order(ps, names)])
            for m, ps in sorted(by_measure.items())
        ]
    else:
        groups = [
            (_and_list(sorted(by_place[j])), [place_phrase(names.get(j, j))])
            for j in place_order(by_place, names)
        ]
    return _and_list([f"{what} in {_and_list(where)}" for what, where in groups])


_HOW_MANY = ("", "one", "both", "three", "four", "five", "six", "seven", "eight")


def places_adoption_words(
    pairs: Iterable[tuple[str, str]],
    names: Mapping[str, str],
    every: Sequence[str],
) -> str:
    """(mitigation, place) pairs over the places ``every`` in words: the
    measures adopted in the same places named together, the places as "all
    five places" or "all but X" when that is shorter, the widest groups first.

    >>> names = {"a": "A", "b": "B", "c": "C", "eu": "EU", "cn": "China",
    ...     "us": "United States"}
    >>> every = ["cn", "eu", "us"]
    >>> pairs = [(m, p) for m in "ab" for p in every] + [("c", "cn"), ("c", "eu")]
    >>> places_adoption_words(pairs, names, every)
    'A and B in all three places, and C in all but the United States'
    >>> places_adoption_words([("a", "cn"), ("b", "us")], names, every)
    'A in China, and B in the United States'
    """
    wheres: dict[str, set[str]] = {}
    for m, p in pairs:
        wheres.setdefault(m, set()).add(p)
    groups: dict[frozenset[str], list[str]] = {}
    for m, ps in wheres.items():
        groups.setdefault(frozenset(ps), []).append(names.get(m, m))

    def spoken(ids) -> list[str]:
        return sorted(place_phrase(names.get(p, p)) for p in ids)

    words = []
    for ps, measures in sorted(
        groups.items(), key=lambda g: (-len(g[0]), spoken(g[0]))
    ):
        left = [p for p in every if p not in ps]
        if not left and len(every) > 1:
            count = len(every)
            how = _HOW_MANY[count] if count < len(_HOW_MANY) else str(count)
            where = "both places" if count == 2 else f"all {how} places"
        elif left and len(left) < len(ps) and len(every) > 2:
            where = f"all but {_and_list(spoken(left))}"
        else:
            where = _and_list(spoken(ps))
        words.append(f"{_and_list(sorted(measures))} in {where}")
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + ", and " + words[-1]


def _and_list(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# --- The command line ------------------------------------------------------------


def add_scenario_arguments(parser: Any) -> None:
    """Add every scenario parameter to an argparse parser (``--disable-layer`` ...).

    Ids and maturities repeat and take comma lists (``--maturity deployed,pilot``
    or ``--maturity deployed pilot``).
    """
    for param in SCENARIO_PARAMS:
        if param.kind == "number":
            parser.add_argument(param.option, type=float, help=param.help)
        elif param.kind == "choice":
            parser.add_argument(param.option, choices=param.choices, help=param.help)
        elif param.kind in ("id", "day"):
            metavar = "ID" if param.kind == "id" else "YYYY-MM-DD"
            parser.add_argument(param.option, metavar=metavar, help=param.help)
        else:
            parser.add_argument(
                param.option,
                nargs="+",
                action="extend",
                default=[] if param.kind == "ids" else None,
                metavar="ID" if param.kind == "ids" else "M[,M]",
                help=param.help,
            )


def unknown_maturities(values: Iterable[str] | None) -> list[str]:
    """The named maturities that are not in ``MATURITIES``.

    >>> unknown_maturities(["deployed,someday"])
    ['someday']
    """
    return [m for m in split_ids(values or ()) if m not in MATURITIES]
