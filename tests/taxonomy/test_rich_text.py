"""Imported Markdown rendered as safe HTML: formatting kept, anything that runs refused."""

from __future__ import annotations

import doctest
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxonomy.web import rich_text
from taxonomy.web.rich_text import ALLOWED_TAGS, markdown_html, markdown_text

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1) )",
    "[click](java&#x09;script:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "<a href='javascript:alert(1)'>click</a>",
    '<img src=x onerror="alert(1)">',
    "![x](https://evil.example/track.png)",
    '[x](https://example.org "t" onmouseover=alert(1))',
    "<iframe src=https://evil.example></iframe>",
    '<div style="position:fixed" onclick="alert(1)">cover</div>',
    "<svg onload=alert(1)>",
    "[x](https://example.org)<!-- <script>alert(1)</script> -->",
]


class _Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's parser reads them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def _scheme(href: str) -> str:
    """A link's scheme as a browser's URL parser reads it ("" for a relative link):
    it drops tabs and line breaks anywhere, and controls and spaces around."""
    cleaned = re.sub(r"[\t\n\r]", "", href).strip("".join(map(chr, range(33))))
    found = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return found.group(1).lower() if found else ""


def _assert_safe(html: str) -> None:
    """Only the allowed tags; no event handler or style; links only to the web
    or mail, each marked nofollow and noopener."""
    for tag, attrs in _tags(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        if tag == "a" and "href" in attrs:
            assert _scheme(attrs["href"] or "") in ("", "http", "https", "mailto")
            assert {"nofollow", "noopener"} <= set((attrs.get("rel") or "").split())


def test_the_helpers_do_what_their_examples_say():
    assert doctest.testmod(rich_text).failed == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_rendered_harmless(text):
    html = markdown_html(text)
    _assert_safe(html)
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "<iframe" not in lowered and "<svg" not in lowered
    assert 'href="javascript' not in lowered and 'href="data:' not in lowered


def test_markdown_formatting_and_web_links_survive():
    html = markdown_html(
        "A *study* by **Le** et al.:\n\n- [the paper](https://example.org/le)\n"
        "- `code`\n\nMail <mailto:a@example.org>."
    )
    assert "<em>study</em>" in html and "<strong>Le</strong>" in html
    assert "<li><code>code</code></li>" in html
    link = next(attrs for tag, attrs in _tags(html) if tag == "a")
    assert link["href"] == "https://example.org/le"
    assert link["rel"].split() == ["nofollow", "noopener", "noreferrer"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "[",
                "]",
                "(",
                ")",
                "!",
                "*",
                "`",
                '"',
                "'",
                "=",
                ":",
                "&",
                "#",
                "\n",
                " ",
                "a",
                "href",
                "on",
                "error",
                "script",
                "javascript",
                "data",
                "http",
                "//",
                "img",
                "src",
                "style",
                "<a ",
                "</a>",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_no_text_gives_html_that_can_run_anything(text):
    _assert_safe(markdown_html(text))


def test_a_snippet_keeps_the_words_of_links_and_shows_raw_html_as_text():
    # The snippet is text: the template escapes it, so "<b>" is shown, never run.
    assert (
        markdown_text("See [paper by *Le*](https://example.org) <b>now</b>")
        == "See paper by Le <b>now</b>"
    )
