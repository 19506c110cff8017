"""Parsers, renderers and content negotiation for the API's non-JSON bodies."""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.utils import json

from graphapi.exceptions import MalformedRequest


class DuplicateKey(ValueError):
    """A JSON object naming one key twice."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members as a dict, refusing a key given twice (which
    Python's parser would settle silently by keeping the last, as the imports
    do not: ``document_json``).

    >>> unique_keys([("id", "a")])
    {'id': 'a'}
    >>> unique_keys([("id", "a"), ("id", "b")])
    Traceback (most recent call last):
    ...
    graphapi.formats.DuplicateKey: the key 'id' is given twice
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(f"the key {key[:60]!r} is given twice")
        out[key] = value
    return out


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with a body nested too deeply for Python's parser
    (a RecursionError, not a ValueError) or an object naming a key twice
    answered as malformed (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=json.strict_constant if self.strict else None,
                object_pairs_hook=unique_keys,
            )
        except RecursionError as e:
            raise MalformedRequest("the JSON body is nested too deeply") from e
        except DuplicateKey as e:
            raise MalformedRequest(f"invalid JSON: {e}") from e
        except ValueError as e:
            raise ParseError(f"JSON parse error - {e}") from e


class UnreadJSON:
    """A JSON body left unread by its parser, for the view to read as a stream
    (``request.body``, within Django's body limit)."""


class UnreadJSONParser(BaseParser):
    """JSON bodies too large to hold parsed: the view streams them
    (``document_json.taxonomy_from_document_stream``)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> UnreadJSON:
        return UnreadJSON()


class YAMLTextParser(BaseParser):
    """A YAML body as text; the fixture reader parses it (with line numbers)."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None) -> str:
        try:
            return stream.read().decode("utf-8") if stream else ""
        except UnicodeDecodeError as e:
            raise MalformedRequest(f"the body is not UTF-8: {e}") from e


class TextYAMLParser(YAMLTextParser):
    media_type = "text/yaml"


class XYAMLParser(YAMLTextParser):
    media_type = "application/x-yaml"


class FirstRenderer(BaseContentNegotiation):
    """For endpoints that answer in one fixed format, whatever Accept says."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CSVRenderer(JSONRenderer):
    """Names text/csv for content negotiation; the view writes the CSV itself."""

    media_type = "text/csv"
    format = "csv"


YAML_PARSERS = [YAMLTextParser, TextYAMLParser, XYAMLParser]
