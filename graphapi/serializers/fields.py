"""The field types of the API's serializers: text that is only text, patterns
matched whole, JSON numbers, ids, taxonomy names and cited sources. Their
rules mirror fixtures/schema.json."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from taxonomy.domain.limits import TEXT_LIMITS

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
ID_MAX = TEXT_LIMITS["id"]
# taxonomy.domain.records.is_web_url (the check) as a regex that means the
# same in Python and ECMA (the schema's): no case-insensitive flag, and \s
# with the characters only one of them counts as white space.
WEB_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s\x1c-\x1f\x85\ufeff]+$"
# The name of a taxonomy (taxonomy.formats.common.TAXONOMY_NAME).
TAXONOMY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class StringField(serializers.CharField):
    """Text, and only text: DRF's CharField would store the JSON number 0 as "0".

    Its length is that of the text as sent, as the schema's maxLength counts
    it, not of the text trimmed.
    """

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class PatternField(serializers.RegexField):
    """Text matching a pattern as sent, whole; a JSON number or boolean is not
    text."""

    default_error_messages = {"not_text": "Not a valid string."}

    def __init__(self, regex: str, **kwargs: Any):
        # Untrimmed: " x" does not match the pattern the schema publishes.
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(regex, **kwargs)
        self._whole = re.compile(regex)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_text")
        # The pattern's "$" (as the schema publishes it) also matches before a
        # trailing newline in Python, where ECMA's does not: that text must
        # match whole.
        if data.endswith("\n") and not self._whole.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class NumberField(serializers.FloatField):
    """A JSON number: not "1.5" or true, which DRF would take."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "number", "minimum": 0, "exclusiveMinimum": True})
class PositiveNumberField(NumberField):
    """A JSON number above 0 (its validators say which others it refuses)."""


class WholeNumberField(serializers.IntegerField):
    """A JSON integer: not "1000", 1000.0 or true, which DRF would take."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def IdField(**kwargs: Any) -> serializers.RegexField:  # noqa: N802 (a field factory)
    """An id: letters, digits, '.', '_', ':' or '-', starting with a letter or digit."""
    kwargs.setdefault("help_text", "An id: letters, digits, '.', '_', ':' or '-'.")
    return PatternField(ID_PATTERN, max_length=ID_MAX, **kwargs)


def TaxonomyField(**kwargs: Any) -> serializers.RegexField:  # noqa: N802 (a field factory)
    """The name of a taxonomy in the graph, e.g. layerwise (the seed) or atlas.

    Reads and writes share it, so a name a read refuses is never written.
    """
    return PatternField(TAXONOMY_PATTERN, max_length=TEXT_LIMITS["taxonomy"], **kwargs)


def TextField(
    max_length: int = TEXT_LIMITS["description"], **kwargs: Any
) -> serializers.CharField:  # noqa: N802
    return StringField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


def SourceIds(**kwargs: Any) -> serializers.ListField:  # noqa: N802 (a field factory)
    """The ids of the sources an item cites; none unless given."""
    return serializers.ListField(
        child=IdField(), required=False, default=list, **kwargs
    )
