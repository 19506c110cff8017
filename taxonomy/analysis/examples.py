"""The small taxonomy and geography the analysis's doctests share.

As networkx's examples start from ``nx.path_graph(4)``, an example here
starts from ``one_link()``, so that it shows what it is about rather than
how the records are spelt.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import replace

from taxonomy.analysis.compiled import CoverageModel, coverage_model
from taxonomy.domain.jurisdictions import Geography, InForce, Jurisdiction, Mobile
from taxonomy.domain.records import Layer, Mitigates, Mitigation, Taxonomy, Threat


def one_link(strength: str = "high") -> Taxonomy:
    """One layer ``hw``, one threat ``t`` and one deployed mitigation ``m`` in
    ``hw`` that mitigates ``t`` at ``strength``.

    >>> [(m.mitigation, m.threat, m.strength) for m in one_link("low").mitigates]
    [('m', 't', 'low')]
    """
    return Taxonomy(
        layers=(Layer("hw", "HW"),),
        threats=(Threat("t", "T"),),
        mitigations=(Mitigation("m", "M", "hw", "deployed"),),
        mitigates=(Mitigates("m", "t", strength),),
    )


def two_layers(maturity: str = "deployed", strength: str = "medium") -> Taxonomy:
    """``one_link("medium")`` and a second layer ``sw`` whose mitigation ``n``,
    at ``maturity``, mitigates ``t`` at ``strength``.

    >>> [(m.id, m.layer, m.maturity) for m in two_layers("pilot").mitigations]
    [('m', 'hw', 'deployed'), ('n', 'sw', 'pilot')]
    """
    one = one_link("medium")
    return replace(
        one,
        layers=(*one.layers, Layer("sw", "SW")),
        mitigations=(*one.mitigations, Mitigation("n", "N", "sw", maturity)),
        mitigates=(*one.mitigates, Mitigates("n", "t", strength)),
    )


def us_and_china(
    in_us: Mapping[str, str],
    *,
    since: datetime.date | None = None,
    weights: tuple[float | None, float | None] = (None, None),
    mobile: Iterable[str] = (),
) -> Geography:
    """Two states, ``us`` and ``cn`` (weighed by ``weights``): the mitigations
    of ``in_us`` in force in the US only, at their maturity there, from
    ``since``; the ``mobile`` threats.

    >>> geo = us_and_china({"m": "pilot"}, mobile=["t"])
    >>> [(f.mitigation, f.jurisdiction, f.maturity) for f in geo.in_force]
    [('m', 'us', 'pilot')]
    """
    us, cn = weights
    return Geography(
        jurisdictions=(
            Jurisdiction("us", "US", weight=us),
            Jurisdiction("cn", "China", weight=cn),
        ),
        in_force=tuple(InForce(m, "us", at, since=since) for m, at in in_us.items()),
        mobile=tuple(Mobile(threat) for threat in mobile),
    )


def one_link_in_us(
    maturity: str = "deployed",
    *,
    weights: tuple[float | None, float | None] = (None, None),
    mobile: bool = False,
) -> tuple[CoverageModel, Geography]:
    """``one_link()`` indexed, and ``us_and_china`` with ``m`` in force in the
    US at ``maturity`` (``t`` mobile with ``mobile``).

    >>> model, geo = one_link_in_us("pilot", mobile=True)
    >>> model.mitigations, sorted(geo.mobile_threats)
    (('m',), ['t'])
    """
    return coverage_model(one_link()), us_and_china(
        {"m": maturity}, weights=weights, mobile=["t"] if mobile else ()
    )
