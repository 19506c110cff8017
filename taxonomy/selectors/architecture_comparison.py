"""Governance architectures side by side (issue 25): the ONE selector of the
comparison document (``architecture_comparison``) that the comparison page,
its downloads, the brief and the API show, cached per graph revision."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from taxonomy.analysis.architectures import FEWEST, MOST, compare
from taxonomy.analysis.architectures_report import (
    comparison_document,
    render_csv,
    render_json,
)
from taxonomy.domain.errors import NotFound
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.scenario import DEFAULT_THRESHOLD, Scenario, today
from taxonomy.selectors.architectures import architecture_scenario_of
from taxonomy.selectors.cache import (
    revision_of,
    revision_token,
    shared_get,
    shared_key,
    shared_set,
)
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.selectors.snapshot import taxonomy_at

# The choice that is not a stored architecture: what is deployed today.
TODAY = "today"
TODAY_NAME = "Today"
# How the choice of today reads in the page's form.
TODAY_CHOICE = "Today (only the measures already deployed)"
RENDERERS = {"json": render_json, "csv": render_csv}


class ComparisonChoiceError(ValueError):
    """The architectures asked for cannot be compared: too few, too many or
    one named twice. ``field`` is the parameter at fault (``a``)."""

    field = "a"


def architecture_choices(*, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """(id, name) of everything a comparison can take: today, then every
    stored architecture by name."""
    stored = sorted(
        getattr(taxonomy, "architectures", ()), key=lambda a: (a.name, a.id)
    )
    return [(TODAY, TODAY_CHOICE), *((a.id, a.name) for a in stored)]


def checked_choice(ids: Sequence[str]) -> list[str]:
    """The ids as given, or ``ComparisonChoiceError`` for fewer than 2, more
    than 4 or a repeated one.

    >>> checked_choice(["today", "layered"])
    ['today', 'layered']
    >>> checked_choice(["today"])
    Traceback (most recent call last):
    ...
    taxonomy.selectors.architecture_comparison.ComparisonChoiceError: choose 2 to 4 architectures to compare, not 1
    """
    ids = [i.strip() for i in ids if i and i.strip()]
    if not FEWEST <= len(ids) <= MOST:
        raise ComparisonChoiceError(
            f"choose {FEWEST} to {MOST} architectures to compare, not {len(ids)}"
        )
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ComparisonChoiceError(
            f"each architecture can be chosen once: {', '.join(repeated)} is repeated"
        )
    return ids


def _scenario_of(snapshot: Taxonomy, key: str, base: Scenario) -> Scenario:
    """Today on the site's settings, or a stored architecture's scenario;
    ``NotFound`` for an id that is neither."""
    if key == TODAY:
        return today(base)
    if key not in {a.id for a in getattr(snapshot, "architectures", ())}:
        raise NotFound("architecture", key)
    return architecture_scenario_of(taxonomy=snapshot, key=key)


def architecture_comparison(
    *,
    ids: Sequence[str],
    taxonomy: str = DEFAULT_TAXONOMY,
    token: str | None = None,
) -> dict:
    """THE comparison document (``analysis.architectures_report``) of 2 to 4
    architectures (ids; ``today`` for today) in the order given.

    Cached in Django's cache on (graph token, taxonomy, ids). Raises
    ``ComparisonChoiceError`` for a bad choice, ``NotFound`` for an unknown
    architecture, ``ScenarioError`` for an architecture naming ids the
    taxonomy does not hold.
    """
    ids = checked_choice(ids)
    token = token or revision_token()
    key = shared_key("architecture-comparison", token, taxonomy, tuple(ids))
    document = shared_get(key)
    if document is None:
        snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
        base = coverage_scenario()
        comparison = compare(
            snapshot, [(i, _scenario_of(snapshot, i, base)) for i in ids]
        )
        document = comparison_document(
            comparison,
            snapshot,
            names={TODAY: TODAY_NAME},
            default_threshold=getattr(
                settings, "LAYERWISE_COVERAGE_THRESHOLD", DEFAULT_THRESHOLD
            ),
        )
        document["taxonomy"] = taxonomy
        if snapshot.revision == revision_of(token):
            shared_set(key, document)
    return document


def architecture_comparison_rendered(
    *,
    ids: Sequence[str],
    fmt: str,
    taxonomy: str = DEFAULT_TAXONOMY,
    token: str | None = None,
) -> str:
    """The comparison document as ``json`` or ``csv`` text."""
    return RENDERERS[fmt](
        architecture_comparison(ids=ids, taxonomy=taxonomy, token=token)
    )


__all__ = [
    "TODAY",
    "ComparisonChoiceError",
    "architecture_choices",
    "architecture_comparison",
    "architecture_comparison_rendered",
    "checked_choice",
]
