"""Interchange with the tools people already use: MITRE ATLAS and STIX 2.1 in,
STIX 2.1, ATT&CK Navigator layers, GraphML and CSV out.

Parsers and builders are pure functions over records: file content in,
``Taxonomy`` + ``ImportReport`` out; ``Taxonomy`` (and a coverage document)
in, text out. The services and selectors do the graph I/O.
"""

from __future__ import annotations

# format -> (media type, file extension) of every export
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "stix": ("application/stix+json;version=2.1", "json"),
    "navigator": ("application/json", "json"),
    "graphml": ("application/graphml+xml", "graphml"),
    "csv": ("text/csv", "csv"),
}
IMPORT_FORMATS = ("atlas", "stix")
