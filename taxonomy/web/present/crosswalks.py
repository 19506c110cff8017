"""Page contexts of the crosswalk pages: the confidence histogram's bars and
the titles the pages give the catalogues a set joins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

WIDTH, HEIGHT, GAP = 440.0, 120.0, 4.0

# The titles readers know the catalogues by (a taxonomy name otherwise).
CATALOGUE_TITLES = {
    "layerwise": "our threats",
    "atlas": "MITRE ATLAS",
    "nist-ai-600-1": "NIST AI 600-1",
    "enterprise-attack": "MITRE ATT&CK Enterprise",
    "mobile-attack": "MITRE ATT&CK Mobile",
    "ics-attack": "MITRE ATT&CK ICS",
    "attack-ics": "MITRE ATT&CK ICS",
}


def catalogue_title(name: str) -> str:
    """How the pages name a taxonomy a set joins.

    >>> catalogue_title("atlas"), catalogue_title("layerwise"), catalogue_title("x")
    ('MITRE ATLAS', 'our threats', 'x')
    """
    return CATALOGUE_TITLES.get(name, name)


def confidence_bars(histogram: Iterable[Mapping]) -> list[dict]:
    """The bars of a confidence histogram (``mapping_set_document``'s) in a
    ``WIDTH`` × ``HEIGHT`` box, tallest bar full height, each with its label
    and count (drawn as text too, so nothing rests on the picture).

    >>> bars = confidence_bars([{"label": "a", "rows": 2}, {"label": "b", "rows": 1}])
    >>> [(b["label"], b["height"]) for b in bars]
    [('a', 100.0), ('b', 50.0)]
    """
    bins = list(histogram)
    most = max((b["rows"] for b in bins), default=0) or 1
    width = WIDTH / max(len(bins), 1)
    return [
        {
            "label": b["label"],
            "short": "none" if b.get("from") is None else f"{b['from']:.1f}",
            "rows": b["rows"],
            "x": round(k * width + GAP / 2, 2),
            "width": round(width - GAP, 2),
            "height": round((HEIGHT - 20) * b["rows"] / most, 2),
            "y": round(HEIGHT - 20 - (HEIGHT - 20) * b["rows"] / most, 2),
        }
        for k, b in enumerate(bins)
    ]


MATCH_SYMBOLS = {
    "skos:exactMatch": "=",
    "skos:closeMatch": "≈",
    # Read "their item <symbol> our threat": a broadMatch row says our threat
    # is the broader, so the item is the narrower (⊂).
    "skos:broadMatch": "⊂",
    "skos:narrowMatch": "⊃",
    "skos:relatedMatch": "~",
}


def match_symbol(predicate: str) -> str:
    """The matrix's symbol of a predicate (the predicate itself if unknown).

    >>> match_symbol("skos:closeMatch"), match_symbol("x")
    ('≈', 'x')
    """
    return MATCH_SYMBOLS.get(predicate, predicate)
