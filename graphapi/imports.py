"""An API import as one call, from its validated query and its body: what the
import endpoint answers with at once, and what an import job runs on the task
worker (``graphapi.jobs``), so both answer the same document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.exceptions import UnsupportedMediaType

from graphapi.exceptions import MalformedRequest
from graphapi.formats import YAML_PARSERS
from taxonomy import services
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.formats.common import DEFAULT_STRENGTH
from taxonomy.formats.risk_atlas import DISTRIBUTION, risk_atlas_catalogue_file

CATALOGUE_MEDIA_TYPES = {"application/json", *(p.media_type for p in YAML_PARSERS)}
YAML_MEDIA_TYPES = {p.media_type for p in YAML_PARSERS}
# The format that reads a catalogue of the installed AI Atlas Nexus package.
RISK_ATLAS = "risk-atlas"

Progress = Callable[[int, int], None]


def media_type_of(content_type: str | None) -> str:
    """The bare media type of a Content-Type header.

    >>> media_type_of("application/json; charset=utf-8")
    'application/json'
    """
    return (content_type or "").split(";")[0].strip()


def check_media_type(query: dict[str, Any], media_type: str) -> None:
    """Refuse (415) a body the import's format cannot read, before any work."""
    if query["format"] in ("fixtures", RISK_ATLAS):
        return
    if media_type not in CATALOGUE_MEDIA_TYPES:
        raise UnsupportedMediaType(media_type)


def check_body(query: dict[str, Any], body: bytes) -> None:
    """Refuse (400) a body sent with ``risk-atlas``, which reads the installed
    package: a file sent in the belief it is imported would be ignored."""
    if query["format"] == RISK_ATLAS and body.strip():
        raise MalformedRequest(
            f"format {RISK_ATLAS} imports the catalogue from the installed "
            f"{DISTRIBUTION} package: send no body, name the catalogue with "
            "catalogue="
        )


def run_import(
    query: dict[str, Any],
    media_type: str,
    body: bytes,
    *,
    actor: Any,
    progress: Progress | None = None,
    settle_in_background: bool = False,
) -> dict[str, Any]:
    """Import ``body`` as ``query`` (ImportQuerySerializer's data) says; the
    answer's document. Raises what the import raises, having written nothing."""
    if query["format"] == RISK_ATLAS:
        check_body(query, body)
        catalogue = query["catalogue"]
        # The package's own file, as ``manage.py import_risk_atlas`` reads it.
        data = risk_atlas_catalogue_file(catalogue).read_bytes()
        return _catalogue_import(
            query, data, actor, progress, settle_in_background, catalogue=catalogue
        )
    if query["format"] != "fixtures":
        check_media_type(query, media_type)
        return _catalogue_import(query, body, actor, progress, settle_in_background)
    # Both read as streams: an item at a time is built, checked, kept.
    if media_type in YAML_MEDIA_TYPES:
        taxonomy = fixtures_yaml.load_fixture_text(_text(body))
    elif body:
        taxonomy = document_json.taxonomy_from_document_stream(body)
    else:  # no body at all: the empty document
        taxonomy = document_json.taxonomy_from_document({})
    result = services.taxonomy_import(
        taxonomy=taxonomy,
        prune=query["prune"],
        dry_run=query["dry_run"],
        actor=actor,
        progress=progress,
        settle_in_background=settle_in_background,
    )
    return {
        "dry_run": result.dry_run,
        "revision": result.revision,
        "changes": result.changes.as_dict(),
        "impact": result.impact,
        "write": result.write.as_dict(),
    }


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedRequest(f"the body is not UTF-8: {e}") from e


def _catalogue_import(
    query: dict[str, Any],
    data: bytes,
    actor: Any,
    progress: Progress | None,
    settle_in_background: bool,
    **options: Any,
) -> dict[str, Any]:
    """An ATLAS file, a STIX bundle (the raw body) or an AI Atlas Nexus
    catalogue (its file, ``catalogue`` in ``options``), handed to the parser."""
    result = services.catalogue_import(
        format=query["format"],
        data=data,
        taxonomy=query.get("taxonomy"),
        layer_map=query.get("layer_map"),
        default_strength=query.get("default_strength", DEFAULT_STRENGTH),
        dry_run=query["dry_run"],
        allow_removals=query.get("allow_removals", False),
        actor=actor,
        channel="api",
        progress=progress,
        settle_in_background=settle_in_background,
        **options,
    )
    report = result.report
    return {
        "dry_run": result.dry_run,
        "revision": result.revision,
        "format": report.format,
        "write": result.write.as_dict(),
        "taxonomy": report.taxonomy,
        "title": report.title,
        "changes": result.changes.as_dict(),
        "summary": result.summary(),
        "ignored": dict(report.ignored),
        "warnings": report.warnings,
    }
