"""Small taxonomies shared by tests."""

from taxonomy.domain.records import Layer, Mitigates, Mitigation, Taxonomy, Threat

# A second, imported-style taxonomy beside the seed (ids with ':' and '.').
ACME = Taxonomy(
    layers=(Layer("acme:policy", "Acme policy", taxonomy="acme"),),
    threats=(
        Threat("acme:AML.T0001", "Plug-in prompt injection", taxonomy="acme"),
        Threat("acme:AML.T0002", "Poisoned crawl data", taxonomy="acme"),
    ),
    mitigations=(
        Mitigation(
            "acme:AML.M0001",
            "Input filtering",
            "acme:policy",
            "deployed",
            taxonomy="acme",
        ),
    ),
    mitigates=(Mitigates("acme:AML.M0001", "acme:AML.T0001", "high"),),
)
