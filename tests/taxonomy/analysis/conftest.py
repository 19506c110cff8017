"""The seed taxonomy of the domain brief as plain records, for pure analysis tests."""

from __future__ import annotations

import pytest

from taxonomy.domain.records import (
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)

LAYERS = ("hardware", "software", "institutional", "liability")

MITIGATIONS = {
    "hardware": {
        "chip-attestation": "proposed",
        "tee": "deployed",
        "confidential-computing": "deployed",
        "unattested-compute-caps": "proposed",
        "tamper-evident-logging": "pilot",
    },
    "software": {
        "pre-release-testing": "deployed",
        "watermarking": "pilot",
        "provenance-registry": "pilot",
        "tamper-resistant-safeguards": "proposed",
        "io-guardrails": "deployed",
        "bias-evaluation": "pilot",
    },
    "institutional": {
        "export-controls": "deployed",
        "use-case-regulation": "deployed",
        "compute-thresholds": "deployed",
        "incident-reporting": "pilot",
        "multilateral-agency": "proposed",
        "platform-enforcement": "deployed",
        "civil-liberties-safeguards": "proposed",
        "compute-kyc": "pilot",
    },
    "liability": {
        "deployer-liability": "proposed",
        "platform-liability": "proposed",
        "liability-insurance": "pilot",
        "vendor-contracts": "deployed",
    },
}

MITIGATES = {
    "guardrail-removal": {
        "tamper-resistant-safeguards": "low",
        "pre-release-testing": "low",
        "io-guardrails": "low",
        "chip-attestation": "low",
        "use-case-regulation": "low",
        "deployer-liability": "medium",
    },
    "model-extraction": {
        "tee": "high",
        "confidential-computing": "medium",
        "tamper-evident-logging": "low",
        "export-controls": "low",
        "vendor-contracts": "low",
    },
    "covert-deployment": {
        "chip-attestation": "high",
        "unattested-compute-caps": "medium",
        "compute-kyc": "medium",
        "platform-enforcement": "low",
        "multilateral-agency": "medium",
    },
    "sanctions-evasion": {
        "export-controls": "low",
        "chip-attestation": "medium",
        "tamper-evident-logging": "low",
        "compute-kyc": "low",
        "multilateral-agency": "low",
    },
    "scaled-misuse": {
        "io-guardrails": "medium",
        "watermarking": "low",
        "platform-enforcement": "low",
        "use-case-regulation": "low",
        "incident-reporting": "low",
        "platform-liability": "low",
    },
    "shadow-ai": {
        "io-guardrails": "low",
        "vendor-contracts": "low",
        "use-case-regulation": "low",
        "deployer-liability": "low",
    },
    "bias-amplification": {
        "bias-evaluation": "medium",
        "pre-release-testing": "low",
        "use-case-regulation": "medium",
        "deployer-liability": "low",
    },
    "monoculture-failure": {
        "incident-reporting": "medium",
        "pre-release-testing": "low",
        "multilateral-agency": "low",
    },
    "threshold-gaming": {
        "use-case-regulation": "medium",
        "compute-thresholds": "low",
        "chip-attestation": "low",
    },
    "unaccountable-harm": {
        "deployer-liability": "medium",
        "platform-liability": "medium",
        "provenance-registry": "medium",
        "watermarking": "low",
        "liability-insurance": "low",
    },
    "jurisdiction-shopping": {
        "multilateral-agency": "low",
        "platform-enforcement": "low",
        "export-controls": "low",
    },
    "control-repression": {
        "civil-liberties-safeguards": "medium",
        "multilateral-agency": "low",
    },
}

ENABLES = (
    ("model-extraction", "guardrail-removal"),
    ("guardrail-removal", "scaled-misuse"),
    ("sanctions-evasion", "covert-deployment"),
    ("covert-deployment", "scaled-misuse"),
    ("threshold-gaming", "covert-deployment"),
    ("jurisdiction-shopping", "unaccountable-harm"),
    ("guardrail-removal", "unaccountable-harm"),
)
REQUIRES = (
    ("unattested-compute-caps", "chip-attestation"),
    ("liability-insurance", "provenance-registry"),
)
INTRODUCES = (
    ("chip-attestation", "control-repression"),
    ("unattested-compute-caps", "control-repression"),
)


def _name(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def seed() -> Taxonomy:
    """The brief's seed taxonomy: 4 layers, 12 threats, 23 mitigations."""
    return Taxonomy(
        layers=tuple(Layer(layer, layer.capitalize()) for layer in LAYERS),
        threats=tuple(Threat(t, _name(t)) for t in MITIGATES),
        mitigations=tuple(
            Mitigation(m, _name(m), layer, maturity)
            for layer, items in MITIGATIONS.items()
            for m, maturity in items.items()
        ),
        mitigates=tuple(
            Mitigates(m, t, strength, rationale=f"{m} against {t}")
            for t, links in MITIGATES.items()
            for m, strength in links.items()
        ),
        enables=tuple(Link(a, b) for a, b in ENABLES),
        requires=tuple(Link(a, b) for a, b in REQUIRES),
        introduces=tuple(Link(a, b) for a, b in INTRODUCES),
        revision=7,
    )


@pytest.fixture(scope="session")
def seed_taxonomy() -> Taxonomy:
    return seed()
