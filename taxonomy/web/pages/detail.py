"""The pages of one item: a threat, a mitigation, a layer, a source, a tactic."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.analysis.chains import onward_chains
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.records import (
    Taxonomy,
)
from taxonomy.domain.scenario_params import scenario_query
from taxonomy.domain.scenario_words import place_order, scenario_summary
from taxonomy.selectors import crosswalk
from taxonomy.selectors import incidents as incident_selectors
from taxonomy.web import present as presentation
from taxonomy.web import uncertainty
from taxonomy.web.pages.common import (
    PageAnalysis,
    get_or_404,
    in_taxonomy,
    names_by_kind,
    node_analysis,
    page_coverage,
    read_snapshot,
    robustness_of,
)


@require_safe
@in_taxonomy
def threat_detail(request, threat_id: str):
    """One threat: class, coverage by layer, its mitigations and its chains."""
    query = CoverageQuery(chains=threat_id)
    threat, analysis = node_analysis(request, "threat", threat_id, query)
    snapshot, document = analysis.snapshot, analysis.document
    entry = presentation.threat_entry(document, threat_id)
    context = analysis.shown | {
        "threat": threat,
        "entry": entry,
        "document": document,
        "groups": presentation.layer_groups(snapshot, entry, document),
        "chains_in": document["chains"],
        "chains_out": _onward(snapshot, threat_id, document),
        "classes": presentation.class_by_threat(document),
        "direct": selectors.threat_detail(
            taxonomy=snapshot, key=threat_id, coverage=None
        ),
        "pivotal": uncertainty.pivotal_for(robustness_of(request, analysis), threat_id),
        **_depth_words(request, analysis, entry),
        **_threat_incidents(request, snapshot, threat_id),
        "mapped_onto": crosswalk.threat_mappings(
            taxonomy=request.taxonomy.name,
            threat_id=threat_id,
            token=selectors.revision_token(),
        ),
    }
    return render(request, "taxonomy/threat.html", context)


def _depth_words(request, analysis: PageAnalysis, entry: dict) -> dict:
    """What the threat page says of its depth in layers and in mitigations."""
    lost = selectors.resilience_layer_loss(
        token=selectors.revision_token(),
        scenario=analysis.scenario,
        threat=entry["id"],
        taxonomy=request.taxonomy.name,
    )
    depth = entry["depth"]
    return {
        "depth_layers": presentation.layer_depth_sentence(
            depth, lost, analysis.names["layer"]
        ),
        "depth_mitigations": presentation.mitigation_depth_sentence(depth),
    }


def _onward(snapshot: Taxonomy, threat_id: str, document: dict) -> list:
    """The ENABLES chains that start at a threat, with the addressed threats on them."""
    enables = [(link.source, link.target) for link in snapshot.enables]
    return onward_chains(enables, threat_id, presentation.addressed_ids(document))


@require_safe
@in_taxonomy
def mitigation_detail(request, mitigation_id: str):
    """One mitigation: what it acts on, how strongly, why, and what depends on it."""
    mitigation, analysis = node_analysis(request, "mitigation", mitigation_id)
    snapshot, document = analysis.snapshot, analysis.document
    context = analysis.shown | {
        "mitigation": mitigation,
        "links": presentation.mitigation_links(snapshot, mitigation_id, document),
        "classes": presentation.class_by_threat(document),
        "critical_for": presentation.critical_for(document, mitigation_id),
        "related": presentation.mitigation_relations(snapshot, mitigation_id),
        "without_scenario": presentation.without_mitigation(
            analysis.scenario, mitigation_id
        ),
    }
    return render(request, "taxonomy/mitigation.html", context)


@require_safe
@in_taxonomy
def layer_detail(request, layer_id: str):
    """One layer: what it covers, and what falls through without it."""
    layer, analysis = node_analysis(request, "layer", layer_id)
    snapshot, document = analysis.snapshot, analysis.document
    # The layer exists, so switching it off too cannot make the scenario invalid.
    without_scenario = presentation.without_layer(analysis.scenario, layer_id)
    falls_through = presentation.changed_classes(
        document, page_coverage(request, CoverageQuery(scenario=without_scenario))
    )
    context = analysis.shown | {
        "layer": layer,
        "totals": document["layer_totals"][layer_id],
        "covered": presentation.layer_coverage(document, layer_id),
        "falls_through": falls_through,
        "dependants": presentation.dependants(falls_through),
        "without_scenario": without_scenario,
        "mitigations": [m for m in snapshot.mitigations if m.layer == layer_id],
    }
    return render(request, "taxonomy/layer.html", context)


@require_safe
@in_taxonomy
def source_detail(request, source_id: str):
    """One source and every link that cites it."""
    snapshot = read_snapshot(request)
    source = get_or_404(snapshot, "source", source_id)
    citing = [link for link in snapshot.mitigates if source_id in link.sources]
    context = {
        "source": source,
        "links": presentation.link_views(snapshot, citing, counted=()),
        "names": names_by_kind(snapshot),
    }
    return render(request, "taxonomy/source.html", context)


@require_safe
@in_taxonomy
def tactic_detail(request, tactic_id: str):
    """One tactic: what the adversary seeks, and its threats with their coverage."""
    tactic, analysis = node_analysis(request, "tactic", tactic_id)
    snapshot = analysis.snapshot
    context = analysis.shown | {
        "tactic": tactic,
        "threats": presentation.tactic_threats(snapshot, tactic_id, analysis.document),
        "sources": presentation.cited_sources(snapshot, tactic.sources),
    }
    return render(request, "taxonomy/tactic.html", context)


@require_safe
@in_taxonomy
def jurisdiction_detail(request, jurisdiction_id: str):
    """One jurisdiction: what it is, what it belongs to and what is in force there."""
    jurisdiction, analysis = node_analysis(request, "jurisdiction", jurisdiction_id)
    snapshot = analysis.snapshot
    names = {j.id: j.name for j in snapshot.jurisdictions}
    mitigations = {m.id: m.name for m in snapshot.mitigations}
    detail = selectors.jurisdiction_detail(taxonomy=snapshot, key=jurisdiction_id)
    cited = presentation.cited_links
    context = analysis.shown | {
        "jurisdiction": jurisdiction,
        "member_of": cited(snapshot, detail["member_of"], names, "body"),
        "members": [(j, names.get(j, j)) for j in detail["members"]],
        "in_force": cited(snapshot, detail["in_force"], mitigations, "mitigation"),
        "sources": presentation.cited_sources(snapshot, jurisdiction.sources),
    }
    return render(request, "taxonomy/jurisdiction.html", context)


@require_safe
@in_taxonomy
def architecture_detail(request, architecture_id: str):
    """One governance architecture: what it is, its scenario in words, each
    measure it adopts with where and why, and the coverage it gives."""
    architecture, analysis = node_analysis(request, "architecture", architecture_id)
    snapshot = analysis.snapshot
    detail = selectors.architecture_detail(taxonomy=snapshot, key=architecture_id)
    names = names_by_kind(snapshot)
    scenario = detail["effective_scenario"]
    context = analysis.shown | {
        "architecture": architecture,
        "summary": scenario_summary(scenario, _scenario_names(names)),
        "coverage_query": scenario_query(scenario),
        "adopts": [
            {
                "link": link,
                "name": names["mitigation"].get(link.mitigation, link.mitigation),
                # In the order the scenario's sentence names them.
                "where": [
                    (j, names["jurisdiction"].get(j, j))
                    for j in place_order(link.jurisdictions, names["jurisdiction"])
                ],
                "sources": presentation.cited_sources(snapshot, link.sources),
            }
            for link in detail["adopts"]
        ],
        "sources": presentation.cited_sources(snapshot, architecture.sources),
    }
    return render(request, "taxonomy/architecture.html", context)


def _scenario_names(names: dict) -> dict[str, str]:
    """Display names for a scenario's sentence: layers, mitigations and
    jurisdictions (the codec puts ``M@J`` entries in words with them)."""
    return names["layer"] | names["mitigation"] | names["jurisdiction"]


@require_safe
@in_taxonomy
def architecture_list(request):
    """Every governance architecture, with its scenario in words."""
    snapshot = read_snapshot(request)
    names = names_by_kind(snapshot)
    rows = []
    for architecture in selectors.architecture_list(taxonomy=snapshot):
        scenario = selectors.architecture_scenario_of(
            taxonomy=snapshot, key=architecture.id
        )
        rows.append(
            {
                "architecture": architecture,
                "summary": scenario_summary(scenario, _scenario_names(names)),
                "adopted": sum(
                    link.architecture == architecture.id for link in snapshot.adopts
                ),
            }
        )
    context = {
        "rows": rows,
        "scenario": selectors.coverage_scenario(),
        "compare_ids": [row["architecture"].id for row in rows[:4]],
    }
    return render(request, "taxonomy/architectures.html", context)


def _threat_incidents(request, snapshot: Taxonomy, threat_id: str) -> dict:
    """What the threat page says of tactics and incidents: the tactics the
    threat is in, and the documented incidents that use it."""
    tactics = {t.id: t for t in snapshot.tactics}
    return {
        "tactics": [
            tactics[x.target]
            for x in snapshot.in_tactic
            if x.source == threat_id and x.target in tactics
        ],
        "incidents": incident_selectors.threat_incidents(
            threat_id=threat_id,
            taxonomy=request.taxonomy.name,
            token=selectors.revision_token(),
        )
        if snapshot.incidents
        else [],
    }
