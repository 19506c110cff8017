"""Seeded random taxonomies for tests and benchmarks, and their canonical JSON text.

A synthetic taxonomy has ids zero-padded so they sort in creation order
(``t042``, ``m07``, ``l3``, ``s1``). Its links are drawn with numpy from one
seed:

- MITIGATES: ``links`` distinct pairs of a uniformly random mitigation and
  threat (a pair never repeats: the import refuses a second link between the
  same two items; so at most threats × mitigations links), strengths low / medium / high with
  probabilities 0.6 / 0.3 / 0.1, a source cited by about one link in five;
- mitigations spread evenly over the layers, maturities uniform;
- ENABLES: ``threats // 2`` links from a lower to a higher threat index
  (no cycles), at most 50 indices apart, so chains stay short;
- REQUIRES: ``mitigations // 20`` links from a higher to a lower mitigation
  index (no cycles);
- INTRODUCES: ``mitigations // 50`` links to random threats.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np

from taxonomy.domain import records
from taxonomy.domain.records import MATURITIES, STRENGTHS, Taxonomy
from taxonomy.formats.document_json import record_as_dict

SIZES = {
    "small": {"threats": 1_000, "mitigations": 200, "layers": 8, "links": 5_000},
    "large": {
        "threats": 100_000,
        "mitigations": 5_000,
        "layers": 16,
        "links": 1_000_000,
    },
}
DOCUMENT_KEYS = (
    "layers",
    "threats",
    "mitigations",
    "mitigates",
    "enables",
    "requires",
    "introduces",
    "subtypes",
    "sources",
)
_STRENGTH_P = (0.6, 0.3, 0.1)


def _ids(prefix: str, n: int) -> list[str]:
    width = len(str(max(n - 1, 0)))
    return [f"{prefix}{i:0{width}d}" for i in range(n)]


def _forward_pairs(rng, n: int, k: int, span: int) -> set[tuple[int, int]]:
    """Up to k distinct pairs (a, b) with a < b ≤ a + span."""
    if n < 2 or k <= 0:
        return set()
    a = rng.integers(0, n - 1, size=k)
    b = np.minimum(a + rng.integers(1, span + 1, size=k), n - 1)
    return set(zip(a.tolist(), b.tolist(), strict=True))


def synthetic_taxonomy(
    *, threats: int, mitigations: int, layers: int, links: int, seed: int = 0
) -> Taxonomy:
    """A random taxonomy of the given size, the same for the same seed.

    Parameters
    ----------
    threats, mitigations, layers, links : int
        Item counts; ``links`` is the number of MITIGATES links, at most
        ``threats * mitigations`` (one per pair).
    seed : int

    Returns
    -------
    Taxonomy

    >>> tax = synthetic_taxonomy(threats=10, mitigations=4, layers=2, links=30, seed=1)
    >>> len(tax.threats), len(tax.mitigates), tax.layers[1].id
    (10, 30, 'l1')
    """
    if min(threats, mitigations, layers) < 1 or links < 0:
        raise ValueError("threats, mitigations and layers must be ≥ 1, links ≥ 0")
    links = min(links, threats * mitigations)
    rng = np.random.default_rng(seed)
    layer_ids, threat_ids = _ids("l", layers), _ids("t", threats)
    mitigation_ids = _ids("m", mitigations)
    sources = tuple(records.Source(f"s{i}", f"Synthetic source {i}") for i in range(3))
    cited = ((), ("s0",), ("s1",), ("s2",))
    layer_of = np.arange(mitigations) % layers
    maturity_of = rng.integers(0, len(MATURITIES), size=mitigations)
    pairs = rng.choice(threats * mitigations, size=links, replace=False)
    link_t = (pairs // mitigations).tolist()
    link_m = (pairs % mitigations).tolist()
    link_s = rng.choice(len(STRENGTHS), size=links, p=_STRENGTH_P).tolist()
    link_c = np.where(
        rng.random(links) < 0.2, rng.integers(1, 4, size=links), 0
    ).tolist()
    enables = _forward_pairs(rng, threats, threats // 2, 50)
    requires = {
        (b, a) for a, b in _forward_pairs(rng, mitigations, mitigations // 20, 100)
    }
    n_intro = mitigations // 50
    introduces = set(
        zip(
            rng.integers(0, mitigations, size=n_intro).tolist(),
            rng.integers(0, threats, size=n_intro).tolist(),
            strict=True,
        )
    )
    return Taxonomy(
        layers=tuple(records.Layer(i, f"Layer {i}") for i in layer_ids),
        threats=tuple(records.Threat(i, f"Threat {i}") for i in threat_ids),
        mitigations=tuple(
            records.Mitigation(
                i, f"Mitigation {i}", layer_ids[layer], MATURITIES[maturity]
            )
            for i, layer, maturity in zip(
                mitigation_ids, layer_of.tolist(), maturity_of.tolist(), strict=True
            )
        ),
        sources=sources,
        mitigates=tuple(
            records.Mitigates(
                mitigation_ids[m], threat_ids[t], STRENGTHS[s], "", cited[c]
            )
            for t, m, s, c in zip(link_t, link_m, link_s, link_c, strict=True)
        ),
        enables=tuple(
            records.Link(threat_ids[a], threat_ids[b]) for a, b in sorted(enables)
        ),
        requires=tuple(
            records.Link(mitigation_ids[a], mitigation_ids[b])
            for a, b in sorted(requires)
        ),
        introduces=tuple(
            records.Link(mitigation_ids[a], threat_ids[b])
            for a, b in sorted(introduces)
        ),
    )


def _sort_key(record) -> tuple:
    if isinstance(record, records.Mitigates):
        return (record.mitigation, record.threat, STRENGTHS.index(record.strength))
    if isinstance(record, records.Link):
        return (record.source, record.target)
    return (record.id,)


def document_chunks(taxonomy: Taxonomy) -> Iterator[str]:
    """The canonical JSON document of a taxonomy, as text pieces to write in turn.

    The document is ``{layers, threats, mitigations, mitigates, enables,
    requires, introduces, subtypes, sources}``, each a list of every field of
    every record, sorted by id (links by source then target); one item per
    line, so a million links never become one string.

    Parameters
    ----------
    taxonomy : Taxonomy

    Returns
    -------
    iterator of str

    >>> tax = Taxonomy(layers=(records.Layer("hw", "HW"),))
    >>> doc = json.loads("".join(document_chunks(tax)))
    >>> doc["layers"][0]["id"], doc["mitigates"]
    ('hw', [])
    """
    yield "{"
    for n, key in enumerate(DOCUMENT_KEYS):
        yield f'{"," if n else ""}\n"{key}": ['
        records = sorted(getattr(taxonomy, key), key=_sort_key)
        for i, record in enumerate(records):
            text = json.dumps(record_as_dict(record), ensure_ascii=False)
            yield f"{',' if i else ''}\n  {text}"
        yield "\n]"
    yield "\n}\n"
