"""Browser pages: thin views by page family that read the graph once, analyse
once and render; ``taxonomy/web/urls.py`` routes to the views re-exported here."""

from taxonomy.web.pages.detail import (  # noqa: F401
    architecture_detail,
    architecture_list,
    jurisdiction_detail,
    layer_detail,
    mitigation_detail,
    source_detail,
    tactic_detail,
    threat_detail,
)
from taxonomy.web.pages.explore import graph_explorer, search  # noqa: F401
from taxonomy.web.pages.incidents import incident_detail, incident_list  # noqa: F401
from taxonomy.web.pages.matrix import coverage_matrix, layer_combinations  # noqa: F401
from taxonomy.web.pages.next import next_steps  # noqa: F401
from taxonomy.web.pages.overview import (  # noqa: F401
    brief,
    glossary_page,
    model_page,
    overview,
)
from taxonomy.web.pages.robustness import robustness  # noqa: F401
