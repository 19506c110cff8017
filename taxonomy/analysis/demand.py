"""Demand: per technique, how many documented incidents use it (by kind), and
what follows from it: the recommendation's per-threat weights (1 + demand),
the demand-weighted headline and the matrix's gaps that real attackers use
first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from taxonomy.analysis.incidents import (
    IncidentModel,
)
from taxonomy.analysis.model import (
    ADDRESSED_CLASSES,
    CLASSES,
    class_counts,
)
from taxonomy.domain.records import (
    INCIDENT_KINDS,
)


def threat_demand(model: IncidentModel) -> dict[str, dict[str, int]]:
    """Per technique some incident uses, how many incidents use it, by kind.

    An incident that uses a technique at several steps counts once. Threats
    no incident uses are left out (their demand is 0).

    Returns
    -------
    dict
        Threat id (sorted) → ``{"total": n, "by_kind": {kind: n}}``, every
        kind of ``INCIDENT_KINDS`` present.

    >>> from taxonomy.analysis.incidents import incident_model
    >>> from taxonomy.domain.records import Incident, Taxonomy, Threat, Uses
    >>> model = incident_model(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")),
    ...     incidents=(Incident("i", "I"), Incident("g", "G", kind="group")),
    ...     uses=(Uses("i", "a", (1, 2)), Uses("g", "a"))))
    >>> threat_demand(model)["a"]["total"], "b" in threat_demand(model)
    (2, False)
    """
    n_t, n_k = len(model.threats), len(INCIDENT_KINDS)
    cells = model.kind[model.use_incident] * n_t + model.uses.indices
    table = np.bincount(cells, minlength=n_k * n_t).reshape(n_k, n_t)
    total = table.sum(axis=0)
    used = np.flatnonzero(total)
    by_kind = table[:, used].T.tolist()
    return {
        model.threats[t]: {
            "total": n,
            "by_kind": dict(zip(INCIDENT_KINDS, row, strict=True)),
        }
        for t, n, row in zip(used.tolist(), total[used].tolist(), by_kind, strict=True)
    }


def demand_counts(model: IncidentModel) -> np.ndarray:
    """Per threat (id order), how many incidents use it.

    >>> from taxonomy.analysis.incidents import incident_model
    >>> from taxonomy.domain.records import Incident, Taxonomy, Threat, Uses
    >>> demand_counts(incident_model(Taxonomy(threats=(Threat("a", "A"),),
    ...     incidents=(Incident("i", "I"),), uses=(Uses("i", "a"),)))).tolist()
    [1]
    """
    return np.bincount(model.uses.indices, minlength=len(model.threats))


def demand_weights(model: IncidentModel) -> dict[str, int]:
    """Per threat, the recommendation's weight with demand weighting: 1 + demand.

    One plus the number of incidents that use it, rather than the demand
    alone: a threat no documented incident uses still counts (as it does
    without weighting: no incident on record is not no risk), a taxonomy
    without incidents gets exactly the unweighted objective, and integer
    weights keep the objective an integer, which the solver's checks and
    tie-breaks rely on.

    >>> from taxonomy.analysis.incidents import incident_model
    >>> from taxonomy.domain.records import Incident, Taxonomy, Threat, Uses
    >>> demand_weights(incident_model(Taxonomy(threats=(Threat("a", "A"),
    ...     Threat("b", "B")), incidents=(Incident("i", "I"),),
    ...     uses=(Uses("i", "a"),))))
    {'a': 2, 'b': 1}
    """
    weights = 1 + demand_counts(model)
    return dict(zip(model.threats, weights.tolist(), strict=True))


def demand_share(model: IncidentModel, classes: Mapping[str, str]) -> dict:
    """The headline weighted by demand: the share of incident uses that hit
    addressed threats.

    Each (incident, technique) pair is one use. ``classes`` maps threat ids
    to their class under the scenario (``Analysis.classes``).

    Returns
    -------
    dict
        ``{uses, addressed_uses, share, by_class}``: ``share`` is
        ``addressed_uses / uses`` (None when there are no uses);
        ``by_class`` the uses of threats of each class, every class present.

    >>> from taxonomy.analysis.incidents import incident_model
    >>> from taxonomy.domain.records import Incident, Taxonomy, Threat, Uses
    >>> model = incident_model(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")),
    ...     incidents=(Incident("i", "I"), Incident("j", "J")),
    ...     uses=(Uses("i", "a"), Uses("j", "a"), Uses("j", "b"))))
    >>> demand_share(model, {"a": "single-layer", "b": "unmitigated"})["share"]
    0.666667
    """
    codes = np.fromiter(
        (CLASSES.index(classes[t]) for t in model.threats), np.int64, len(model.threats)
    )
    by_class = class_counts(codes[model.uses.indices])
    uses = int(model.uses.nnz)
    hit = sum(by_class[c] for c in CLASSES if c in ADDRESSED_CLASSES)
    return {
        "uses": uses,
        "addressed_uses": hit,
        "share": round(hit / uses, 6) if uses else None,
        "by_class": by_class,
    }


def gaps_by_demand(
    classes: Mapping[str, str], demand: Mapping[str, int]
) -> Callable[[str], tuple]:
    """The matrix's sort key with demand weighting: gaps first, most used first.

    A threat id's key is ``(addressed, -demand, id)``: every unaddressed
    threat before every addressed one, each group by demand (``demand``:
    threat → incidents using it, 0 when absent), then id.

    >>> key = gaps_by_demand({"a": "single-layer", "b": "insufficient",
    ...     "c": "unmitigated"}, {"a": 9, "c": 2})
    >>> sorted(["a", "b", "c"], key=key)
    ['c', 'b', 'a']
    """

    def key(threat: str) -> tuple:
        return (classes[threat] in ADDRESSED_CLASSES, -demand.get(threat, 0), threat)

    return key
