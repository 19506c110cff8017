"""The bundle's grouping out: the taxonomy's layers, sources and governance
architectures (with their ADOPTS links), which STIX has no object for."""

from __future__ import annotations

from typing import Any

from taxonomy.domain.architectures import renamed_scenario
from taxonomy.domain.records import Taxonomy
from taxonomy.formats.common import unprefixed
from taxonomy.formats.stix.extension import layerwise_extensions, present
from taxonomy.formats.stix.vocabulary import (
    GROUPING_CONTEXT,
    IDENTITY_ID,
    UNRECORDED,
    stix_id_of,
    stix_object,
)


def grouping_object(taxonomy: Taxonomy, name: str, refs: list[str]) -> dict[str, Any]:
    own_layers = [layer for layer in taxonomy.layers if layer.taxonomy == name]
    return stix_object(
        "grouping",
        stix_id_of("grouping", f"taxonomy:{name}"),
        UNRECORDED,
        UNRECORDED,
        name=name,
        description=f"The Layerwise taxonomy {name!r}.",
        context=GROUPING_CONTEXT,
        object_refs=refs or [IDENTITY_ID],
        extensions=layerwise_extensions(
            taxonomy=name,
            layers=[
                present(
                    {
                        "id": unprefixed(name, layer.id),
                        "name": layer.name,
                        "description": layer.description,
                    }
                )
                for layer in own_layers
            ],
            sources=[
                present(
                    {
                        "id": unprefixed(name, s.id),
                        "name": s.name,
                        "description": s.description,
                        "authors": s.authors,
                        "title": s.title,
                        "year": s.year,
                        "publisher": s.publisher,
                        "url": s.url,
                    }
                )
                for s in taxonomy.sources
            ],
            architectures=_architectures(taxonomy, name),
        ),
    )


def _architectures(taxonomy: Taxonomy, name: str) -> list[dict[str, Any]]:
    """The governance architectures (issue 25), each with its ADOPTS links, as
    the grouping's extension carries them: STIX has no object for a scenario."""

    def local(graph_id: str) -> str:
        return unprefixed(name, graph_id)

    return [
        present(
            {
                "id": local(a.id),
                "name": a.name,
                "description": a.description,
                "scenario": renamed_scenario(a.scenario, local),
                "sources": [local(s) for s in a.sources],
                "adopts": [
                    present(
                        {
                            "mitigation": local(link.mitigation),
                            "jurisdictions": [local(j) for j in link.jurisdictions],
                            "rationale": link.rationale,
                            "sources": [local(s) for s in link.sources],
                        }
                    )
                    for link in sorted(taxonomy.adopts, key=lambda x: x.mitigation)
                    if link.architecture == a.id
                ],
            }
        )
        for a in sorted(taxonomy.architectures, key=lambda a: a.id)
    ]
