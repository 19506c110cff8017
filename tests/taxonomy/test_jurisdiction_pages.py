"""The jurisdiction pages: one jurisdiction's page, and the jurisdictions ×
threats matrix with the timeline (issue 25)."""

from __future__ import annotations

import re

from django.urls import reverse


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</table>", start)]


def test_the_in_force_table_cites_the_sources_of_each_link(
    seeded_graph_read_only, client
):
    html = client.get(reverse("jurisdiction", args=["us"])).content.decode()
    table = _section(html, "jurisdiction-in-force")
    row = table[table.index('data-mitigation="export-controls"') :]
    row = row[: row.index("</tr>")]
    assert "smuggling through other jurisdictions" in row
    assert re.search(r'Sources: <a href="/sources/doj-gpu-smuggling/">', row)
    assert 'href="/sources/sastry-2024/"' in row
    # Each cell is labelled, for the rows stacked on a phone.
    assert 'data-label="Maturity here"' in row and 'data-label="Why"' in row
