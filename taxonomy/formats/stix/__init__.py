"""STIX 2.1 bundles: a taxonomy written as a bundle (``write``) and a bundle
read as a taxonomy (``read``), with the vocabulary, the Layerwise extension
and the originals of imported objects they share."""

from taxonomy.formats.stix.read import stix_parse
from taxonomy.formats.stix.vocabulary import EXTENSION_ID, IDENTITY_ID, Times
from taxonomy.formats.stix.write import stix_bundle

__all__ = ["EXTENSION_ID", "IDENTITY_ID", "Times", "stix_bundle", "stix_parse"]
