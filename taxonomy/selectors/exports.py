"""A taxonomy rendered as a file: fixtures (YAML, JSON), STIX, GraphML, Navigator,
CSV, and its mapping sets as SSSOM/TSV."""

from __future__ import annotations

from taxonomy.analysis.demand import threat_demand
from taxonomy.analysis.incidents import incident_model
from taxonomy.analysis.report_render import render_csv
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.errors import NotFound, UnknownTaxonomy
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import Scenario
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.formats.graphml import graphml_document
from taxonomy.formats.navigator import (
    navigator_layer,
    render_navigator,
    technique_tactics,
)
from taxonomy.formats.sssom import write_sssom
from taxonomy.formats.stix import Times, stix_bundle
from taxonomy.graph import repository
from taxonomy.selectors.cache import per_revision, revision_token
from taxonomy.selectors.coverage import coverage_report, coverage_scenario
from taxonomy.selectors.mappings import mapping_set_detail
from taxonomy.selectors.snapshot import taxonomy_at, taxonomy_names

# The writers of the registry's formats but ``coverage``, which the pages
# render through the coverage selector (it also takes ``compare``).
WRITTEN = ("yaml", "json", "stix", "graphml", "csv", "navigator", "sssom")


# The kinds a STIX bundle holds an object of (a plain link's relationship
# too), and those its grouping holds the records of.
_STIX_KINDS = tuple(
    kind.name
    for kind in (*NODE_KINDS.values(), *LINK_KINDS.values())
    if kind.stix_type or kind.name in ("incident", "source", "layer")
)


def stix_times(*, token: str) -> Times:
    """When each item a STIX bundle holds was created and last changed, as
    the audit journal records them; read once per revision per process."""
    return per_revision(
        token, ("stix-times",), lambda: repository.journal_times(_STIX_KINDS)
    )


def taxonomy_export(
    *,
    format: str,
    taxonomy: str = DEFAULT_TAXONOMY,
    scenario: Scenario | None = None,
    domain: str | None = None,
    mapping_set: str | None = None,
) -> str:
    """One taxonomy as text in an export format of ``taxonomy.formats.registry``.

    ``sssom`` writes the mapping set ``mapping_set`` (one that joins the
    taxonomy; NotFound otherwise) in its canonical SSSOM/TSV form.

    ``yaml`` (one fixture file), ``json`` (the canonical document), ``stix``
    (STIX 2.1 bundle), ``graphml``, ``navigator`` (ATT&CK Navigator layer of
    the coverage under ``scenario``, default the baseline; ``domain``
    overrides the Navigator domain) or ``csv`` (the coverage matrix). Raises
    UnknownTaxonomy when the graph holds nothing of ``taxonomy``,
    ScenarioError for a scenario naming ids it does not hold, ValueError for
    a format without a writer here.
    """
    if format not in WRITTEN:
        raise ValueError(f"unknown export format {format!r} (use {', '.join(WRITTEN)})")
    known = taxonomy_names()
    if taxonomy not in known:
        raise UnknownTaxonomy(taxonomy, known)
    # The per-revision snapshot the pages and the API's reads share, so an
    # export after a page view reads nothing from Neo4j again.
    token = revision_token()
    snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
    if format == "sssom":
        return _sssom_text(taxonomy, mapping_set or "")
    if format == "yaml":
        return fixtures_yaml.export_yaml_text(snapshot)
    if format == "json":
        return document_json.export_json(snapshot)
    if format == "stix":
        return stix_bundle(snapshot, name=taxonomy, times=stix_times(token=token))
    if format == "graphml":
        return graphml_document(snapshot)
    query = CoverageQuery(taxonomy=taxonomy, scenario=scenario or coverage_scenario())
    report = coverage_report(query, token=token)
    if format == "csv":
        return render_csv(report)
    # Techniques under their tactics; with incidents, how many use each.
    demand = None
    if snapshot.incidents:
        found = threat_demand(incident_model(snapshot))
        demand = {
            t.id: found.get(t.id, {"total": 0})["total"] for t in snapshot.threats
        }
    layer = navigator_layer(
        report,
        taxonomy=taxonomy,
        domain=domain,
        tactics=technique_tactics(snapshot),
        demand=demand,
    )
    return render_navigator(layer)


def _sssom_text(taxonomy: str, mapping_set_id: str) -> str:
    """A mapping set that joins ``taxonomy``, as canonical SSSOM/TSV."""
    found = mapping_set_detail(mapping_set_id=mapping_set_id)
    if taxonomy not in (found.subject_source, found.object_source):
        raise NotFound("mapping_set", f"{mapping_set_id} (of taxonomy {taxonomy})")
    return write_sssom(found)
