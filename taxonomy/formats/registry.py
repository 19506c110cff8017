"""The ONE list of export formats: what every surface that writes a file reads.

The command line (``manage.py export``), the API (``/api/v1/export/``), the
pages' downloads (``/export/<format>/``), the OpenAPI document and the
docs' recipe for a new format all read this registry; a format none of them
lists is an error everywhere. Adding a format is an entry here and its
writer in ``taxonomy.selectors.exports``.

>>> FORMATS["csv"].media_type, FORMATS["csv"].scenario
('text/csv', True)
>>> [f.name for f in formats_on(CLI)]
['csv', 'navigator', 'stix', 'graphml', 'sssom']
>>> export_option_problems("stix", scenario=["disable_layer"], domain=None)
{'disable_layer': ['only for format csv or navigator']}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The surfaces a format is offered on.
CLI, API, PAGES = "cli", "api", "pages"


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export format.

    ``name`` is its ``--format`` / ``?format=`` / ``/export/<name>/``;
    ``label`` the link text on pages; ``help`` one line for help texts and the
    OpenAPI document; ``scenario``: it takes the scenario parameters (the
    others describe the whole taxonomy and refuse them); ``domain``: it takes a
    Navigator domain; ``listed``: the pages offer it among their downloads
    (in the registry's order); ``mapping_set``: it writes one mapping set
    (``mapping_set=ID``, a crosswalk that joins the taxonomy) rather than the
    taxonomy itself, and needs its id.
    """

    name: str
    media_type: str
    extension: str
    label: str
    help: str
    surfaces: frozenset[str]
    scenario: bool = False
    domain: bool = False
    listed: bool = False
    mapping_set: bool = False


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "csv",
            "text/csv",
            "csv",
            "The matrix (CSV)",
            "the coverage matrix",
            frozenset({CLI, API, PAGES}),
            scenario=True,
            listed=True,
        ),
        # The API serves the coverage document at /api/v1/coverage/ instead.
        ExportFormat(
            "coverage",
            "application/json",
            "json",
            "The scenario and its analysis (JSON)",
            "the coverage document of the scenario",
            frozenset({PAGES}),
            scenario=True,
            listed=True,
        ),
        ExportFormat(
            "navigator",
            "application/json",
            "json",
            "ATT&CK Navigator layer of this scenario",
            "an ATT&CK Navigator layer (4.5) of the coverage",
            frozenset({CLI, API, PAGES}),
            scenario=True,
            domain=True,
            listed=True,
        ),
        ExportFormat(
            "stix",
            "application/stix+json;version=2.1",
            "json",
            "The taxonomy as a STIX 2.1 bundle",
            "a STIX 2.1 bundle",
            frozenset({CLI, API, PAGES}),
            listed=True,
        ),
        ExportFormat(
            "graphml",
            "application/graphml+xml",
            "graphml",
            "The taxonomy as GraphML (yEd, Gephi)",
            "every node and edge",
            frozenset({CLI, API, PAGES}),
            listed=True,
        ),
        ExportFormat(
            "yaml",
            "application/yaml; charset=utf-8",
            "yaml",
            "The taxonomy as one fixture file (YAML)",
            "one fixture file",
            frozenset({API, PAGES}),
        ),
        ExportFormat(
            "json",
            "application/json",
            "json",
            "The taxonomy as the canonical JSON document",
            "the canonical document",
            frozenset({API, PAGES}),
        ),
        ExportFormat(
            "sssom",
            "text/tab-separated-values; charset=utf-8",
            "sssom.tsv",
            "A mapping set as SSSOM/TSV",
            "one mapping set joining the taxonomy (mapping_set=ID), as SSSOM/TSV",
            frozenset({CLI, API}),
            mapping_set=True,
        ),
    )
}


def formats_on(surface: str) -> list[ExportFormat]:
    """The formats a surface offers, in the registry's order."""
    return [f for f in FORMATS.values() if surface in f.surfaces]


def export_format(name: str, surface: str) -> ExportFormat:
    """The format ``name`` on ``surface``; ValueError naming the ones it offers.

    >>> export_format("pdf", CLI)
    Traceback (most recent call last):
    ...
    ValueError: unknown export format 'pdf' (use csv, navigator, stix, graphml, sssom)
    """
    found = FORMATS.get(name)
    if found is None or surface not in found.surfaces:
        offered = ", ".join(f.name for f in formats_on(surface))
        raise ValueError(f"unknown export format {name!r} (use {offered})")
    return found


def export_option_problems(
    name: str,
    *,
    scenario: Iterable[str],
    domain: str | None,
    mapping_set: str | None = None,
) -> dict[str, list[str]]:
    """The options a format does not take, each with why (the command line
    and the API refuse the same ones): scenario parameters for a format of the
    whole taxonomy, a domain for any but the Navigator layer, a mapping set
    for any but SSSOM (which needs one).

    >>> export_option_problems("sssom", scenario=[], domain=None)
    {'mapping_set': ['required for format sssom']}
    """
    fmt = FORMATS[name]
    problems: dict[str, list[str]] = {}
    if fmt.mapping_set and not mapping_set:
        problems["mapping_set"] = [f"required for format {name}"]
    if mapping_set and not fmt.mapping_set:
        takers = " or ".join(f.name for f in formats_on(API) if f.mapping_set)
        problems["mapping_set"] = [f"only for format {takers}"]
    if not fmt.scenario:
        takers = " or ".join(f.name for f in formats_on(API) if f.scenario)
        for option in scenario:
            problems[option] = [f"only for format {takers}"]
    if domain is not None and not fmt.domain:
        takers = " or ".join(f.name for f in formats_on(API) if f.domain)
        problems["domain"] = [f"only for format {takers}"]
    return problems
