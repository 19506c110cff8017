"""Template filters and tags of the browser pages, thin wrappers over presentation."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

from taxonomy import presentation

register = template.Library()

NAV = (
    ("overview", "Overview"),
    ("coverage", "Coverage matrix"),
    ("combinations", "Layer combinations"),
    ("graph", "Graph explorer"),
    ("brief", "Printable brief"),
    ("history", "Recent changes"),
    ("revisions", "Revisions"),
)


@register.filter
def percent(value):
    """A coverage as a whole percentage, rounded down: ``0.84`` → ``84%``."""
    return presentation.percent(value)


@register.filter
def coverage_step(value):
    """The colour-scale step 0–10 of a coverage, for the ``cov-N`` CSS class."""
    return presentation.coverage_step(value)


@register.filter
def class_label(name):
    """The readable label of a coverage class."""
    return presentation.class_info(name).label


@register.filter
def class_icon(name):
    """The icon that marks a coverage class next to its label."""
    return presentation.class_info(name).icon


@register.filter
def class_meaning(name):
    """One plain sentence on what a coverage class means."""
    return presentation.class_info(name).meaning


@register.filter
def strength_dots(strength):
    """Three dots filled by a link's strength."""
    return presentation.strength_dots(strength)


@register.filter
def share_of(part, whole):
    """``part`` as a whole percentage of ``whole``, for bar widths."""
    return presentation.share(part, whole)


@register.filter
def lookup(mapping, key):
    """``mapping[key]``, or the key itself when it is missing (names by id)."""
    return mapping.get(key, key)


@register.filter
def kind_plural(kind):
    """The heading of a group of search results: ``threat`` → ``Threats``."""
    return presentation.KIND_PLURALS.get(kind, kind)


@register.filter
def names_of(ids, names):
    """Ids as an English list of their display names."""
    return presentation.joined(names.get(i, i) for i in ids)


@register.simple_tag
def scenario_query(scenario, **extra):
    """The query string that reproduces a scenario, plus extra params."""
    if not scenario:
        return ""
    return presentation.scenario_query(
        scenario, default_threshold=settings.LAYERWISE_COVERAGE_THRESHOLD, **extra
    )


@register.inclusion_tag("includes/nav.html", takes_context=True)
def main_nav(context):
    """The main navigation, with the current page marked for assistive tech."""
    path = context["request"].path
    items = [(reverse(name), label) for name, label in NAV]
    return {"items": [(url, label, url == path) for url, label in items]}


@register.inclusion_tag("includes/class_badge.html")
def class_badge(name, large=False):
    """A coverage class as icon + label, coloured but never by colour alone."""
    return {"name": name, "info": presentation.class_info(name), "large": large}
