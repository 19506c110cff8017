"""The coverage matrix's rows as HTML, built in Python: a catalogue of hundreds of
threats has thousands of cells, which the template language (and even
``format_html``) renders too slowly for a page.

Every value from the taxonomy goes through ``_e`` (``html.escape``, quotes
included) before it is placed; the markup is that of the matrix templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from django.utils.safestring import SafeString, mark_safe

from taxonomy.domain.scenario_words import percent
from taxonomy.web import present as presentation
from taxonomy.web.present import Cell, MatrixRow

# What django.urls.reverse leaves unquoted in a path argument.
PATH_SAFE = "!$&'()*+,;=/~:@"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


@dataclass(frozen=True)
class RowLinks:
    """What every row of one matrix shares: url templates and the scenario's query.

    ``threat_url`` is the threat page's url with ``{id}`` for the threat's
    id; ``robustness_url`` the robustness page's; ``query`` the scenario's
    query string (with its ``?``, or empty); ``demand`` whether rows show
    how many incidents use them.
    """

    threat_url: str
    robustness_url: str
    query: str
    layer_names: Mapping[str, str]
    demand: bool


def class_badge(name: str) -> str:
    """A coverage class as icon + label, as ``includes/class_badge.html`` writes it.

    >>> class_badge("unmitigated")[:44]
    '<span class="class-badge class--unmitigated"'
    """
    info = presentation.class_info(name)
    return (
        f'<span class="class-badge class--{_e(name)}" title="{_e(info.meaning)}">'
        f'<span class="class-badge__icon" aria-hidden="true">{_e(info.icon)}</span>'
        f"{_e(info.label)}</span>"
    )


def _cell(name: str, cell: Cell, layer: str) -> str:
    classes = f"cell cov-{cell.step}"
    classes += " cell--addressed" * cell.addressed + " cell--off" * cell.off
    classes += " cell--pivotal" * cell.pivotal
    value = percent(cell.value)
    label = f"{name}, {layer}: {value}{_change_label(cell)}"
    label += ", addresses it alone" * cell.addressed
    label += ", layer switched off" * cell.off
    mark = ""
    if cell.pivotal:
        label += ", a one-step change of a judgement here changes the class"
        mark = '<span class="pivot-mark">±</span>'
    off = " (switched off)" if cell.off else ""
    return (
        f'<td class="{classes}" tabindex="0" aria-label="{label}">'
        f'<span class="cell__value" aria-hidden="true">{value}{mark}</span>'
        f"{_change_mark(cell)}"
        f'<span class="cell__tip" aria-hidden="true">{layer} covers {name}: '
        f"{value}{off}{_baseline_tip(cell)}</span></td>"
    )


def _change_label(cell: Cell) -> str:
    """What a screen reader hears of a compared cell's move."""
    if not cell.change:
        return ""
    return f", {cell.change_words} than the baseline ({percent(cell.was)})"


def _change_mark(cell: Cell) -> str:
    """The move a compared cell shows under its value, in signed points."""
    if not cell.change:
        return ""
    return f'<span class="cell__delta" aria-hidden="true">{_e(cell.change)}</span>'


def _baseline_tip(cell: Cell) -> str:
    return f" (baseline {percent(cell.was)})" if cell.change else ""


def _all_cell(row: MatrixRow, name: str) -> str:
    value = percent(row.all.value)
    addressed = " cell--addressed" if row.all.addressed else ""
    return (
        f'<td class="cell cell--all cov-{row.all.step}{addressed}" tabindex="0" '
        f'aria-label="{name}, all layers: {value}{_change_label(row.all)}">'
        f'<span class="cell__value" aria-hidden="true">{value}</span>'
        f"{_change_mark(row.all)}"
        f'<span class="cell__tip" aria-hidden="true">All layers together cover '
        f"{name}: {value}{_baseline_tip(row.all)}</span></td>"
    )


def _class_cell(row: MatrixRow, name: str, links: RowLinks) -> str:
    pivot = was = ""
    if row.pivotal:
        pivot = (
            f' <a class="pivot-mark" href="{_e(links.robustness_url + links.query)}'
            f'#robust-{_e(row.id)}" title="A one-step change of one judgement '
            f'changes this class" aria-label="A one-step change of one judgement '
            f'changes the class of {name}">±</a>'
        )
    if row.was:
        label = _e(presentation.class_info(row.was).label)
        was = f'<span class="was">was {label}</span>'
    return f'<td class="class-cell">{class_badge(row.coverage_class)}{pivot}{was}</td>'


def _demand_cell(row: MatrixRow, name: str, url: str) -> str:
    if not row.demand:
        return '<td class="num demand-cell">0</td>'
    plural = "" if row.demand == 1 else "s"
    return (
        f'<td class="num demand-cell"><a href="{url}#incidents" aria-label="'
        f'{row.demand} documented incident{plural} use {name}">{row.demand}</a></td>'
    )


def matrix_row(row: MatrixRow, links: RowLinks, prefix: str = "") -> str:
    """One ``<tr>`` of the matrix; ``prefix`` keeps its id apart from other tables'.

    >>> from taxonomy.web.present import Cell, MatrixRow
    >>> row = MatrixRow("a:T1", "<b>", "unmitigated", Cell("all", 0, 0, False), ())
    >>> html = matrix_row(row, RowLinks("/threats/{id}/", "/r/", "", {}, False))
    >>> html[:56], "&lt;b&gt;" in html, "<b>" in html
    ('<tr id="row-a:T1" data-threat="a:T1" data-class="unmitig', True, False)
    """
    name, key = _e(row.name), _e(row.id)
    url = _e(links.threat_url.replace("{id}", quote(row.id, safe=PATH_SAFE)))
    url += _e(links.query)
    own = row.id.partition(":")[2] if ":" in row.id else ""
    record = f' <span class="record-id">{_e(own)}</span>' if own else ""
    demand = f' data-demand="{row.demand}"' if links.demand else ""
    changed = ' class="changed"' if row.was else ""
    cells = "".join(
        _cell(name, c, _e(links.layer_names.get(c.layer, c.layer))) for c in row.cells
    )
    return (
        f'<tr id="{_e(prefix)}row-{key}" data-threat="{key}" '
        f'data-class="{_e(row.coverage_class)}"{demand}{changed}>'
        f'<th scope="row"><a href="{url}">{name}</a>{record}</th>'
        f"{cells}{_all_cell(row, name)}{_class_cell(row, name, links)}"
        f"{_demand_cell(row, name, url) if links.demand else ''}</tr>"
    )


def matrix_body(
    rows: Iterable[MatrixRow], links: RowLinks, prefix: str, columns: int
) -> SafeString:
    """Every row of one matrix table, or one saying there is none."""
    html = "\n".join(matrix_row(row, links, prefix) for row in rows)
    empty = f'<tr><td colspan="{int(columns)}">No threat in this view.</td></tr>'
    return mark_safe(html or empty)  # noqa: S308 - every value above is escaped
