"""Interchange with the tools people already use: MITRE ATLAS and STIX 2.1 in,
STIX 2.1, ATT&CK Navigator layers, GraphML and CSV out.

Parsers and builders are pure functions over records: file content in,
``Taxonomy`` + ``ImportReport`` out; ``Taxonomy`` (and a coverage document)
in, text out. The services and selectors do the graph I/O.
"""

from __future__ import annotations

from taxonomy.formats.registry import CLI, formats_on

# format -> (media type, file extension) of the command line's exports; the
# registry (taxonomy/formats/registry.py) says which formats each surface offers.
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    f.name: (f.media_type, f.extension) for f in formats_on(CLI)
}
IMPORT_FORMATS = ("atlas", "stix")
