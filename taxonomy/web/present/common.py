"""How coverage classes, strengths and shares are shown on every page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from taxonomy.analysis.model import CLASSES


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """How a coverage class is shown: a label, an icon and one plain sentence."""

    label: str
    icon: str
    meaning: str


CLASS_INFO = {
    "unmitigated": ClassInfo("Unmitigated", "✕", "no enabled mitigation acts on it"),
    "insufficient": ClassInfo(
        "Insufficient", "◐", "all layers together stay below the threshold"
    ),
    "defense-in-depth": ClassInfo(
        "Defense in depth", "≡", "addressed only by several layers together"
    ),
    "single-layer": ClassInfo("Single layer", "●", "one layer addresses it alone"),
    # An item of another catalogue read through a mapping set (issue 26).
    "loosely-mapped": ClassInfo(
        "Loosely mapped",
        "≈",
        "only rows saying it is narrower than, broader than or related to one of "
        "our threats: an upper bound, never counted",
    ),
    "outside-the-taxonomy": ClassInfo(
        "Outside the taxonomy", "∅", "maps to none of our threats: never counted"
    ),
}
ADDRESSED = frozenset({"defense-in-depth", "single-layer"})
# The order a policymaker reads the classes in: worst first.
CLASS_ORDER = {name: rank for rank, name in enumerate(CLASSES)}
STRENGTH_DOTS = {"low": "●○○", "medium": "●●○", "high": "●●●"}


def coverage_step(value: float | None) -> int:
    """The step 0–10 of the colour scale for a coverage; 0 only for none at all.

    >>> coverage_step(0.0), coverage_step(0.01), coverage_step(0.84), coverage_step(1.0)
    (0, 1, 9, 10)
    """
    if not value:
        return 0
    return min(max(int(value * 10 + 1e-9) + 1, 1), 10)


def class_info(name: str | None) -> ClassInfo:
    """The label, icon and meaning of a coverage class (a neutral one if unknown).

    >>> class_info("defense-in-depth").label
    'Defense in depth'
    """
    return CLASS_INFO.get(name or "", ClassInfo(name or "Unknown", "?", ""))


def strength_dots(strength: str) -> str:
    """Three dots filled by strength, so strength never rests on colour alone.

    >>> strength_dots("medium")
    '●●○'
    """
    return STRENGTH_DOTS.get(strength, "○○○")


def share(part: int, whole: int) -> int:
    """``part`` as a whole percentage of ``whole`` (0 when ``whole`` is 0).

    >>> share(3, 12), share(0, 0)
    (25, 0)
    """
    return round(100 * part / whole) if whole else 0


def joined(items: Iterable[str], last: str = "and") -> str:
    """Items as an English list.

    >>> joined(["a"]), joined(["a", "b"]), joined(["a", "b", "c"]), joined([])
    ('a', 'a and b', 'a, b and c', '')
    """
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
