"""Template filters of long texts: imported Markdown as safe HTML."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from taxonomy.web.rich_text import markdown_html, markdown_text

register = template.Library()


@register.filter
def markdown(text: str | None) -> str:
    """A long text (an incident's summary, a description) as sanitised HTML."""
    # Safe to mark: markdown_html escapes raw HTML and sanitises what it renders.
    return mark_safe(markdown_html(text))  # noqa: S308


@register.filter
def plain(text: str | None) -> str:
    """A long text (Markdown) as plain text, for a snippet such as a search result."""
    return markdown_text(text)
