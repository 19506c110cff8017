"""Imported long texts (ATLAS and ATT&CK write Markdown) as safe HTML for the pages.

The text is rendered by markdown-it-py with raw HTML turned off (it comes out
escaped, as text), then sanitised by nh3 (Ammonia) as a second, independent
barrier: only a few formatting tags survive, no script, no event handler, no
style, and links only to http(s) and mailto addresses, each marked
``rel="nofollow noopener noreferrer"``: a catalogue's text is not ours to vouch for.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

# Images are off: a picture from a catalogue's text would be fetched from a
# third party by every reader (and the pages' CSP refuses it anyway).
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")
ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"


def markdown_html(text: str | None) -> str:
    """``text`` (Markdown) as sanitised HTML; nothing gives an empty string.

    >>> markdown_html("See the [paper by Le et al.](https://example.org/le).")
    '<p>See the <a href="https://example.org/le" rel="nofollow noopener noreferrer">paper by Le et al.</a>.</p>'
    >>> markdown_html('<script>alert(1)</script> and [x](javascript:alert(1))')
    '<p>&lt;script&gt;alert(1)&lt;/script&gt; and [x](javascript:alert(1))</p>'
    >>> markdown_html("")
    ''
    """
    if not text or not text.strip():
        return ""
    rendered = _MARKDOWN.render(text)
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def markdown_text(text: str | None) -> str:
    """``text`` (Markdown) as plain text, for a snippet: links keep their words.

    >>> markdown_text("A [paper by *Le* et al.](https://example.org) & more")
    'A paper by Le et al. & more'
    """
    if not text:
        return ""
    bare = nh3.clean(_MARKDOWN.render(text), tags=set(), strip_comments=True)
    return " ".join(html.unescape(bare).split())
