"""Governance architectures (issue 25): the saved scenarios with the measures
each adopts where, as the API and the pages read them."""

from __future__ import annotations

from typing import Any

from taxonomy.domain import records
from taxonomy.domain.architectures import architecture_scenario
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors.catalog import _keep, _text_matches, node_get
from taxonomy.selectors.coverage import coverage_scenario


def architecture_list(
    *, taxonomy: Taxonomy, q: str | None = None
) -> list[records.Architecture]:
    """Architectures in id order, optionally only those matching ``q``."""
    return _keep(
        sorted(taxonomy.architectures, key=lambda a: a.id),
        _text_matches("architecture", q),
    )


def architecture_adopts(*, taxonomy: Taxonomy, key: str) -> list[records.Adopts]:
    """The ADOPTS links of one architecture, in mitigation id order."""
    return sorted(
        (link for link in taxonomy.adopts if link.architecture == key),
        key=lambda link: link.mitigation,
    )


def architecture_scenario_of(*, taxonomy: Taxonomy, key: str) -> Scenario:
    """The scenario of one architecture, on the site's model settings (its
    threshold and effectiveness); ``NotFound`` for an unknown id."""
    architecture = node_get(taxonomy=taxonomy, kind="architecture", key=key)
    return architecture_scenario(
        architecture,
        architecture_adopts(taxonomy=taxonomy, key=key),
        base=coverage_scenario(),
    )


def architecture_detail(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """An architecture with what it adopts where and the scenario it makes.

    ``{"architecture": Architecture, "adopts": [Adopts, ...],
    "effective_scenario": Scenario}`` (the stored parameters with the
    adoptions as ``adopt`` entries); ``NotFound`` for an unknown id.
    """
    return {
        "architecture": node_get(taxonomy=taxonomy, kind="architecture", key=key),
        "adopts": architecture_adopts(taxonomy=taxonomy, key=key),
        "effective_scenario": architecture_scenario_of(taxonomy=taxonomy, key=key),
    }
