"""The ONE scenario codec: scenarios parsed, checked and written back into
URLs and command lines here, for every surface.

The CLI (``coverage``, ``export``, ``taxonomy diff``), the API's query
serializers, the pages, the downloads and the Navigator export all read and
write scenarios through ``SCENARIO_PARAMS`` and the functions below, so a new
scenario parameter is one entry in ``SCENARIO_PARAMS`` and a field on
``Scenario``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from taxonomy.domain.records import MATURITIES
from taxonomy.domain.scenario import (
    DEFAULT_THRESHOLD,
    DEPENDENCES,
    WEIGHTS,
    Scenario,
    _checked_day,
)


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
