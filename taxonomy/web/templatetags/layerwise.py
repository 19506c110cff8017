"""Template filters and tags of the browser pages, thin wrappers over pure helpers."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from taxonomy.analysis.robustness_report import share_words
from taxonomy.domain import scenario_params as codec
from taxonomy.domain import scenario_words
from taxonomy.domain.kinds import NODE_KINDS
from taxonomy.domain.records import is_web_url
from taxonomy.web import glossary, matrix_html, uncertainty
from taxonomy.web import present as presentation
from taxonomy.web.present import crosswalks as crosswalk_words

register = template.Library()

NAV = (
    ("overview", "Overview"),
    ("coverage", "Coverage matrix"),
    ("incidents", "Incidents"),
    ("combinations", "Layer combinations"),
    ("robustness", "Robustness"),
    ("next", "What to do next"),
    ("architectures", "Governance options"),
    ("graph", "Graph explorer"),
    ("brief", "Printable brief"),
    ("history", "Recent changes"),
    ("revisions", "Revisions"),
)
# Pages that show one taxonomy: their links keep ?taxonomy=, and the switcher
# stays on them (the others, detail pages, would not hold the other's ids).
IN_TAXONOMY = (
    "overview",
    "coverage",
    "incidents",
    "combinations",
    "robustness",
    "next",
    "architectures",
    "graph",
    "brief",
)
SWITCH_IN_PLACE = IN_TAXONOMY + ("search",)


def _taxonomy_params(context) -> dict[str, str]:
    """``{"taxonomy": name}`` when the page shows another taxonomy than the seed."""
    chosen = getattr(context.get("request"), "taxonomy", None)
    return chosen.query if chosen else {}


@register.filter
def web_url(value) -> bool:
    """Whether a url may be a link: an http(s) address (never ``javascript:``)."""
    return is_web_url(str(value or ""))


@register.filter
def lowerfirst(value) -> str:
    """A sentence with its first letter lowered and the rest, names included,
    as it is: ``Today: in the European Union`` → ``today: in the European Union``."""
    text = str(value or "")
    return text[:1].lower() + text[1:]


@register.filter
def points(value):
    """A margin in signed percentage points: ``0.004`` → ``+0.4 pts``."""
    return uncertainty.points(value)


@register.filter
def reading_share(value):
    """A share of the random readings: ``0.134`` → ``13%``, never 0% or 100% when
    it is not exactly that."""
    return share_words(value)


@register.filter
def percent(value):
    """A coverage as a whole percentage, rounded down: ``0.84`` → ``84%``."""
    return scenario_words.percent(value)


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
def match_symbol(predicate):
    """A mapping predicate as the crosswalk matrix marks it: ``=``, ``≈`` ..."""
    return crosswalk_words.match_symbol(predicate)


@register.filter
def lookup(mapping, key):
    """``mapping[key]``, or the key itself when it is missing (names by id)."""
    return mapping.get(key, key)


@register.filter
def external_id(record_id):
    """The id an imported record has in its own catalogue (``atlas:AML.T0024`` →
    ``AML.T0024``), shown beside names that are ambiguous alone; the seed's: empty."""
    _, imported, own = str(record_id).partition(":")
    return own if imported else ""


@register.filter
def kind_plural(kind):
    """The heading of a group of search results: ``threat`` → ``Threats``."""
    return NODE_KINDS[kind].plural if kind in NODE_KINDS else kind


@register.filter
def names_of(ids, names):
    """Ids as an English list of their display names."""
    return presentation.joined(names.get(i, i) for i in ids)


@register.simple_tag(takes_context=True)
def scenario_query(context, scenario, **extra):
    """The query string that reproduces a scenario, plus extra params, in the
    taxonomy the page shows."""
    extra |= _taxonomy_params(context)
    if not scenario:
        params = [(key, value) for key, value in extra.items() if value]
        return f"?{urlencode(params, doseq=True)}" if params else ""
    return codec.scenario_query(
        scenario, default_threshold=settings.LAYERWISE_COVERAGE_THRESHOLD, **extra
    )


@register.simple_tag(takes_context=True)
def matrix_query(context, scenario, form, **override):
    """The query string of a matrix view: the scenario and every view choice of
    ``form``, with ``override`` replacing some (an empty value drops one)."""
    view = presentation.matrix_view_params(form) | override
    return scenario_query(context, scenario, **view)


@register.simple_tag(takes_context=True)
def matrix_body(context, rows, prefix=""):
    """The rows of one matrix table (``context["row_links"]`` holds their links)."""
    return matrix_html.matrix_body(
        rows, context["row_links"], prefix, context["column_count"]
    )


@register.filter
def incident_kind(kind):
    """A kind of incident in words: ``case-study`` → ``Case study``."""
    return presentation.incident_kind_label(kind)


@register.filter
def verdict(entry):
    """An incident's verdict under the scenario: stopped (at which step) or not."""
    return presentation.incident_verdict(entry)


@register.simple_tag(takes_context=True)
def scenario_hidden(context, scenario):
    """Hidden inputs that keep a scenario, and the taxonomy shown, in a GET form."""
    params = codec.scenario_params(
        scenario, default_threshold=settings.LAYERWISE_COVERAGE_THRESHOLD
    )
    params += list(_taxonomy_params(context).items())
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', params)


@register.simple_tag(takes_context=True)
def taxonomy_query(context):
    """``?taxonomy=NAME`` for links that keep the page's taxonomy; empty for the seed."""
    params = _taxonomy_params(context)
    return f"?{urlencode(params)}" if params else ""


@register.inclusion_tag("includes/nav.html", takes_context=True)
def main_nav(context):
    """The main navigation, with the current page marked for assistive tech; the
    pages of one taxonomy keep the one shown."""
    path = context["request"].path
    query = taxonomy_query(context)
    items = [
        (reverse(name), query if name in IN_TAXONOMY else "", label)
        for name, label in NAV
    ]
    return {
        "items": [(url + q, label, url == path) for url, q, label in items],
    }


@register.inclusion_tag("includes/taxonomy_switcher.html", takes_context=True)
def taxonomy_switcher(context):
    """A GET form choosing the taxonomy to show, when the graph holds several.

    It reloads the current page when that lists a taxonomy, else the overview.
    """
    request = context.get("request")
    chosen = getattr(request, "taxonomy", None)
    if chosen is None or not chosen.switcher:
        return {"choices": []}
    match = request.resolver_match
    in_place = match is not None and match.url_name in SWITCH_IN_PLACE
    return {
        "action": request.path if in_place else reverse("overview"),
        "query": request.GET.get("q", "") if in_place else "",
        "choices": [
            (name, count, name == chosen.name) for name, count in chosen.known.items()
        ],
    }


@register.inclusion_tag("includes/class_badge.html")
def class_badge(name, large=False):
    """A coverage class as icon + label, coloured but never by colour alone."""
    return {"name": name, "info": presentation.class_info(name), "large": large}


@register.simple_tag(takes_context=True)
def term(context, anchor, text=None):
    """A glossary term, linked to its entry the first time a page shows it and
    plain after that (``text`` overrides the word shown)."""
    entry = glossary.GLOSSARY[anchor]
    shown = text or entry.word
    request = context.get("request")
    seen = getattr(request, "_glossary_seen", None)
    if seen is None:
        seen = set()
        if request is not None:
            request._glossary_seen = seen
    if anchor in seen:
        return shown
    seen.add(anchor)
    return format_html(
        '<a class="term" href="{}#{}" title="{}">{}</a>',
        reverse("glossary"),
        anchor,
        entry.meaning,
        shown,
    )


@register.simple_tag(takes_context=True)
def standing_sentence(context, panel, maturity_counts):
    """One overview panel's sentence: how many threats no single layer
    addresses in its scenario, the count linking to those threats."""
    query = scenario_query(
        context, panel.scenario, **{"class": list(presentation.UNADDRESSED_BY_ONE)}
    )
    count = format_html(
        '<a class="standing__count" href="{}{}">{} of {}</a>',
        reverse("coverage"),
        query,
        panel.unaddressed,
        panel.total,
    )
    marks = {
        presentation.COUNT: count,
        presentation.ADDRESSED_TERM: term(context, "addressed"),
    }
    parts = presentation.standing_words(panel, maturity_counts)
    return mark_safe("".join(marks.get(p) or conditional_escape(p) for p in parts))
