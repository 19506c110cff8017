"""Markdown as safe HTML for the pages: imported long texts, and our own documents.

Imported long texts (ATLAS and ATT&CK write Markdown) keep a few formatting
tags only (``markdown_html``). The project's own documents (the model's, on
its page) keep their headings, tables and in-page links (``document_html``):
each heading gets the id its in-page links use (GitHub's anchors); a link to
another document of the project keeps its words but not its address, which
means nothing in a browser; a table scrolls inside a region named by its
section, and a code block scrolls and can be reached with the keyboard, as
every wide block of the site does.

In both, the text is rendered by markdown-it-py with raw HTML turned off (it
comes out escaped, as text), then sanitised by nh3 (Ammonia) as a second,
independent barrier. For imported texts:

only a few formatting tags survive, no script, no event handler, no
style, and links only to http(s) and mailto addresses, each marked
``rel="nofollow noopener noreferrer"``: a catalogue's text is not ours to vouch for.
"""

from __future__ import annotations

import html
import re
from typing import Any

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


# --- Our own documents ------------------------------------------------------------

_NOT_IN_SLUG = re.compile(r"[^\w\- ]")


def slug(text: str) -> str:
    """A heading's anchor as GitHub makes it, which the document's links use.

    >>> slug("Where measures bind: jurisdictions")
    'where-measures-bind-jurisdictions'
    >>> slug("How sure are we?")
    'how-sure-are-we'
    """
    return _NOT_IN_SLUG.sub("", text.strip().lower()).replace(" ", "-")


def _heading_open(self, tokens, idx, options, env) -> str:
    # A heading met again gets "-1", "-2"... as GitHub gives it.
    base = slug(tokens[idx + 1].content)
    seen = env.setdefault("slugs", {})
    anchor = base if base not in seen else f"{base}-{seen[base]}"
    seen[base] = seen.get(base, 0) + 1
    env["heading"] = anchor
    tokens[idx].attrSet("id", anchor)
    return self.renderToken(tokens, idx, options, env)


def _image(self, tokens, idx, options, env) -> str:
    # No picture is fetched (the pages' CSP refuses other sites): its words stay.
    return html.escape(self.renderInlineAsText(tokens[idx].children, options, env))


def _link_open(self, tokens, idx, options, env) -> str:
    href = tokens[idx].attrGet("href") or ""
    if href.startswith(("#", "https://", "http://")):
        env.setdefault("links", []).append(True)
        return self.renderToken(tokens, idx, options, env)
    env.setdefault("links", []).append(False)
    return '<span class="doc-ref">'


def _link_close(self, tokens, idx, options, env) -> str:
    kept = env["links"].pop()
    return self.renderToken(tokens, idx, options, env) if kept else "</span>"


def _region(env) -> str:
    """The attributes of a block that scrolls sideways: a region the keyboard
    reaches, named by the section it is in."""
    heading = env.get("heading")
    name = f'aria-labelledby="{heading}"' if heading else 'aria-label="Example"'
    return f'role="region" tabindex="0" {name}'


def _table_open(self, tokens, idx, options, env) -> str:
    return f'<div class="table-wrap" {_region(env)}><table>'


def _table_close(self, tokens, idx, options, env) -> str:
    return "</table></div>"


def _scrolling(rule):
    def render(self, tokens, idx, options, env) -> str:
        return rule(tokens, idx, options, env).replace(
            "<pre>", f"<pre {_region(env)}>", 1
        )

    return render


def _document_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    rules: dict[str, Any] = {
        "heading_open": _heading_open,
        "link_open": _link_open,
        "link_close": _link_close,
        "table_open": _table_open,
        "table_close": _table_close,
        "image": _image,
    }
    for name, rule in rules.items():
        md.add_render_rule(name, rule)
    for name in ("fence", "code_block"):
        md.add_render_rule(name, _scrolling(md.renderer.rules[name]))
    return md


_DOCUMENT = _document_parser()
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
DOCUMENT_TAGS = (
    ALLOWED_TAGS
    | set(HEADINGS)
    | {
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "div",
        "span",
    }
)
DOCUMENT_ATTRIBUTES = {
    "a": {"href"},
    **{h: {"id"} for h in HEADINGS},
    "div": {"class", "role", "tabindex", "aria-labelledby", "aria-label"},
    "span": {"class"},
    "pre": {"role", "tabindex", "aria-labelledby", "aria-label"},
}


def document_html(text: str) -> str:
    """The project's own document ``text`` (Markdown) as HTML fit for a page
    of the site (ours, so headings, tables and in-page links are kept, and
    still sanitised).

    >>> html = document_html("## How sure?\\n\\nSee [the model](#how-sure) and "
    ...     "[Coverage](coverage.md).\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |\\n")
    >>> '<h2 id="how-sure">How sure?</h2>' in html
    True
    >>> '<a href="#how-sure">the model</a>' in html
    True
    >>> '<span class="doc-ref">Coverage</span>' in html
    True
    >>> 'role="region" tabindex="0" aria-labelledby="how-sure"><table>' in html
    True
    >>> document_html("<script>x</script>")
    '<p>&lt;script&gt;x&lt;/script&gt;</p>'
    >>> document_html("# Top\\n\\n## Top\\n\\n![a chart](x.png)")
    '<h1 id="top">Top</h1>\\n<h2 id="top-1">Top</h2>\\n<p>a chart</p>'
    """
    return nh3.clean(
        _DOCUMENT.render(text, {}),
        tags=set(DOCUMENT_TAGS),
        attributes={tag: set(names) for tag, names in DOCUMENT_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    ).strip()
