"""The model's document as a page of the site (/model/): what the glossary and
the printed brief send a reader to, since a reader cannot open docs/model.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

MODEL = Path(settings.BASE_DIR) / "docs" / "model.md"


def _headings() -> list[str]:
    """The document's section headings, read from the file line by line
    (outside its code blocks), without the title."""
    headings, fenced = [], False
    title, *body = MODEL.read_text(encoding="utf-8").splitlines()
    for line in body:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            headings.append(line.lstrip("#").strip())
    return headings


@pytest.fixture(scope="module")
def model_html(django_db_blocker) -> str:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get(reverse("model"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_every_section_of_the_document_with_its_anchor(model_html):
    headings = _headings()
    assert len(headings) > 10
    shown = re.findall(r'<h([1-6]) id="([^"]+)">(.*?)</h\1>', model_html)
    assert [text for _, _, text in shown] == headings
    ids = set(re.findall(r'\bid="([^"]+)"', model_html))
    anchors = re.findall(r'href="#([^"]+)"', model_html)
    assert anchors, "the document's contents link to its sections"
    assert set(anchors) <= ids


def test_links_to_other_documents_keep_their_words_not_their_address(model_html):
    references = re.findall(r"\]\(([a-z-]+\.md)[^)]*\)", MODEL.read_text())
    assert references, "the document names other documents"
    assert not re.search(r'href="[^"#]*\.md', model_html)
    assert model_html.count('class="doc-ref"') == len(references)


def test_each_table_and_code_block_scrolls_in_a_region_named_by_its_section(model_html):
    tables = model_html.count("<table>")
    regions = re.findall(
        r'<div class="table-wrap" role="region" tabindex="0" '
        r'aria-labelledby="([^"]+)"><table>',
        model_html,
    )
    assert tables > 0 and len(regions) == tables
    ids = set(re.findall(r'\bid="([^"]+)"', model_html))
    assert set(regions) <= ids
    blocks = re.findall(r"<pre[^>]*>", model_html)
    named = re.findall(
        r'<pre role="region" tabindex="0" aria-labelledby="([^"]+)">', model_html
    )
    assert blocks and len(named) == len(blocks)
    assert set(named) <= ids


def test_the_glossary_the_footer_and_the_brief_send_readers_to_it(
    client, seeded_graph_read_only
):
    model = reverse("model")
    glossary = client.get(reverse("glossary")).content.decode()
    assert f'<a href="{model}">How the numbers are made</a>.' in glossary
    assert "docs/model.md" not in glossary
    brief = client.get(reverse("brief")).content.decode()
    assert (
        f'<a href="{model}">how the numbers are made</a>, http://testserver{model}.'
        in brief
    )
    assert "docs/model.md" not in brief
    overview = client.get("/").content.decode()
    assert f'<a href="{model}">How the numbers are made</a>' in overview


@pytest.mark.parametrize(
    ("path", "words", "jargon"),
    [
        (
            "/combinations/",
            "drop any one of its layers and the threat falls below the threshold",
            "inclusion-minimal",
        ),
        (
            "/next/",
            "an exact search that rules out every other affordable set",
            "efficient frontier",
        ),
        ("/robustness/", "The random draws start from a fixed number (seed 0)", ""),
    ],
)
def test_a_term_of_the_trade_is_said_in_plain_words_where_it_appears(
    client, seeded_graph_read_only, path, words, jargon
):
    html = " ".join(client.get(path).content.decode().split())
    assert words in html
    assert not jargon or jargon not in html
