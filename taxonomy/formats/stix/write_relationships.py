"""STIX relationships out: one per link whose ends are both in the bundle,
with its rationale, references and extension."""

from __future__ import annotations

from typing import Any

from taxonomy.domain.kinds import LINK_KINDS
from taxonomy.domain.records import (
    InForceIn,
    MemberOf,
    Mitigates,
    Source,
    Taxonomy,
    Uses,
)
from taxonomy.formats.common import unprefixed
from taxonomy.formats.stix.extension import layerwise_extensions
from taxonomy.formats.stix.vocabulary import UNRECORDED, stix_id_of, stix_object
from taxonomy.formats.stix.write_objects import Export, reference


def relationships(
    taxonomy: Taxonomy, export: Export, ids: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    """A relationship per link whose ends are both in the bundle."""
    name = export.name
    out = []
    for kind in LINK_KINDS.values():
        if not kind.stix_type:
            continue  # IN_TACTIC travels as the threats' kill_chain_phases
        sources_of, targets_of = ids[kind.source], ids[kind.target]
        for link in getattr(taxonomy, kind.field):
            source, target = kind.end_ids(link)
            if source not in sources_of or target not in targets_of:
                continue
            source, target = sources_of[source], targets_of[target]
            item = stix_object(
                "relationship",
                stix_id_of("relationship", f"{kind.stix_type}:{source}->{target}"),
                UNRECORDED,
                UNRECORDED,
                relationship_type=kind.stix_type,
                source_ref=source,
                target_ref=target,
            )
            cited: tuple[str, ...] | None = ()
            if isinstance(link, Mitigates):
                item.update(_mitigates_properties(link, name, export.sources))
                cited = link.sources
            elif isinstance(link, MemberOf | InForceIn):
                item.update(_bound_properties(link, name, export.sources))
                cited = link.sources
            elif isinstance(link, Uses):
                item.update(_uses_properties(link, name))
                cited = None  # a USES link cites no sources: its references stay
            out.append(
                export.finished(
                    kind.name, link, item, overlay=("description",), sources=cited
                )
            )
    return out


def _uses_properties(link: Uses, name: str) -> dict[str, Any]:
    """A uses relationship's description and, for an incident with steps, the
    steps in the extension.

    >>> from taxonomy.formats.stix.vocabulary import EXTENSION_ID
    >>> _uses_properties(Uses("i", "t", (), (), ("How.",)), "x")
    {'description': 'How.'}
    >>> _uses_properties(Uses("i", "t", (2,), ("x:ta",), ("How.",)), "x")["extensions"][EXTENSION_ID]["tactics"]
    ['ta']
    """
    if not link.steps and link.descriptions in (
        (),
        *((d,) for d in link.descriptions if d),
    ):
        return {"description": link.descriptions[0]} if link.descriptions else {}
    out: dict[str, Any] = {}
    text = "\n\n".join(
        f"Step {step}: {text}"
        for step, text in zip(link.steps, link.descriptions, strict=False)
        if text
    )
    if text:
        out["description"] = text
    out["extensions"] = layerwise_extensions(
        steps=list(link.steps),
        tactics=[unprefixed(name, t) if t else "" for t in link.tactics],
        descriptions=list(link.descriptions),
    )
    return out


def _cited(
    link: Mitigates | MemberOf | InForceIn, name: str, sources: dict[str, Source]
) -> dict[str, Any]:
    """A relationship's rationale (its description) and the references of the
    sources the link cites."""
    out: dict[str, Any] = {}
    if link.rationale:
        out["description"] = link.rationale
    refs = [reference(sources[s], name) for s in link.sources if s in sources]
    if refs:
        out["external_references"] = refs
    return out


def _mitigates_properties(
    link: Mitigates, name: str, sources: dict[str, Source]
) -> dict[str, Any]:
    """A mitigates relationship's rationale, references and extension."""
    out = _cited(link, name, sources)
    out["extensions"] = layerwise_extensions(
        strength=link.strength, sources=[unprefixed(name, s) for s in link.sources]
    )
    return out


def _bound_properties(
    link: MemberOf | InForceIn, name: str, sources: dict[str, Source]
) -> dict[str, Any]:
    """A member-of or in-force-in relationship's rationale (its description),
    references and extension: the maturity there (in-force-in), since, until
    and the sources.

    >>> from taxonomy.formats.stix.vocabulary import EXTENSION_ID
    >>> out = _bound_properties(InForceIn("m", "eu", "pilot", since="2025-02-02"), "x", {})
    >>> sorted(out["extensions"][EXTENSION_ID])
    ['extension_type', 'maturity', 'since']
    """
    out = _cited(link, name, sources)
    out["extensions"] = layerwise_extensions(
        maturity=getattr(link, "maturity", ""),
        since=link.since,
        until=link.until,
        sources=[unprefixed(name, s) for s in link.sources],
    )
    return out
