"""The model's document (docs/model.md) as a page of the site.

The glossary and the brief send a reader who wants the formulas to the
model; a policymaker cannot open a file of the project, so the site shows
it, rendered from the same file the analysts read (``rich_text.document_html``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from taxonomy.web.rich_text import document_html


def model_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "model.md"


@lru_cache(maxsize=2)
def _rendered(path: Path, mtime: float) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    return title.lstrip("# ").strip(), document_html(body)


def model_document() -> tuple[str, str]:
    """The model's title and its body as HTML, rendered again when the file
    changes."""
    path = model_path()
    return _rendered(path, path.stat().st_mtime)
