"""Reads from the taxonomy graph: <entity>_<noun>(*, ...).

``snapshot`` (the taxonomy at a revision), ``catalog`` (lists and details),
``coverage`` (analysis documents), ``impact`` (what a change would do),
``comparison`` (two revisions side by side), ``exports`` (other tools'
formats), ``elements`` (the graph explorer), ``incidents`` (documented
incidents under a scenario, demand, coverage per tactic), and ``cache``,
which says what is cached and when it goes. Callers use the names below.
"""

from taxonomy.selectors.architecture_comparison import (
    architecture_comparison,
    architecture_comparison_rendered,
)
from taxonomy.selectors.architectures import (
    architecture_adopts,
    architecture_detail,
    architecture_list,
    architecture_scenario_of,
)
from taxonomy.selectors.cache import revision_of, revision_token
from taxonomy.selectors.catalog import (
    incident_list,
    incident_steps,
    jurisdiction_detail,
    jurisdiction_list,
    layer_detail,
    layer_list,
    link_get,
    link_list,
    mitigates_list,
    mitigation_detail,
    mitigation_list,
    node_get,
    search_results,
    source_detail,
    source_list,
    tactic_detail,
    tactic_list,
    threat_detail,
    threat_list,
)
from taxonomy.selectors.coverage import (
    coverage_baseline,
    coverage_rendered,
    coverage_report,
    coverage_robustness,
    coverage_scenario,
    coverage_summary,
    introduced_elsewhere,
    robustness_options,
)
from taxonomy.selectors.elements import graph_elements
from taxonomy.selectors.exports import taxonomy_export
from taxonomy.selectors.incidents import (
    incident_detail,
    incident_report,
    tactic_coverage,
    threat_demand,
    threat_incidents,
)
from taxonomy.selectors.jurisdictions import (
    jurisdiction_matrix,
    jurisdiction_timeline,
)
from taxonomy.selectors.snapshot import (
    load_status,
    schema_missing,
    server_version,
    taxonomy_at,
    taxonomy_checked,
    taxonomy_counts,
    taxonomy_names,
    taxonomy_snapshot,
)

__all__ = [
    "tactic_list",
    "tactic_detail",
    "incident_steps",
    "incident_list",
    "jurisdiction_detail",
    "jurisdiction_list",
    "jurisdiction_matrix",
    "jurisdiction_timeline",
    "architecture_adopts",
    "architecture_detail",
    "architecture_list",
    "architecture_scenario_of",
    "architecture_comparison",
    "architecture_comparison_rendered",
    "coverage_baseline",
    "coverage_summary",
    "introduced_elsewhere",
    "coverage_rendered",
    "coverage_report",
    "coverage_robustness",
    "coverage_scenario",
    "robustness_options",
    "graph_elements",
    "incident_detail",
    "incident_report",
    "layer_detail",
    "layer_list",
    "link_get",
    "link_list",
    "mitigates_list",
    "mitigation_detail",
    "mitigation_list",
    "node_get",
    "revision_of",
    "revision_token",
    "load_status",
    "schema_missing",
    "search_results",
    "server_version",
    "source_detail",
    "source_list",
    "tactic_coverage",
    "taxonomy_at",
    "taxonomy_checked",
    "taxonomy_counts",
    "taxonomy_export",
    "taxonomy_names",
    "taxonomy_snapshot",
    "threat_demand",
    "threat_detail",
    "threat_incidents",
    "threat_list",
]
from taxonomy.selectors.recommend import recommendation_report as recommendation_report
from taxonomy.selectors.resilience import (  # noqa: E402, F401
    resilience_depths,
    resilience_layer_loss,
    resilience_next_step,
)
