"""Parsers, renderers and content negotiation for the API's non-JSON bodies."""

from __future__ import annotations

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.renderers import JSONRenderer

from graphapi.exceptions import MalformedRequest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with a body nested too deeply for Python's parser
    (a RecursionError, not a ValueError) answered as malformed (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as e:
            raise MalformedRequest("the JSON body is nested too deeply") from e


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
