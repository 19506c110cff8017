"""Plain serializers of mapping sets and their rows (SSSOM, issue 26)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rest_framework import serializers

from taxonomy.domain.mappings import (
    DEFAULT_JUSTIFICATION,
    JUSTIFICATIONS,
    PREDICATES,
    MappingRow,
    MappingSet,
)
from taxonomy.formats.common import TAXONOMY_NAME
from taxonomy.formats.sssom import DATE, PREFIX

# A CURIE: a prefix of the set's curie_map (or a built-in one), a colon, an id.
CURIE = r"^[A-Za-z_][A-Za-z0-9_.-]*:[^\s|]+$"
TEXT_MAX = 2000
# No tab or line break: each value is one cell or line of the SSSOM file.
_ONE_LINE = r"^[^\t\r\n]*$"


def _one_line(max_length: int = TEXT_MAX, **kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        _ONE_LINE,
        max_length=max_length,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "may not hold a tab or a line break"},
        **kwargs,
    )


def _date() -> serializers.RegexField:
    return serializers.RegexField(
        rf"^(?:{DATE.pattern})?$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "an ISO date, YYYY-MM-DD"},
    )


def _curie(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        CURIE,
        max_length=500,
        error_messages={"invalid": "a CURIE, prefix:id"},
        **kwargs,
    )


class MappingRowSerializer(serializers.Serializer):
    """One mapping: ``subject_id`` ``predicate_id`` ``object_id``, CURIEs whose
    local part is an item's id; ``version`` is the row's (If-Match)."""

    subject_id = _curie()
    predicate_id = serializers.ChoiceField(PREDICATES)
    object_id = _curie()
    mapping_justification = serializers.ChoiceField(
        JUSTIFICATIONS, required=False, default=DEFAULT_JUSTIFICATION
    )
    confidence = serializers.FloatField(
        min_value=0, max_value=1, required=False, allow_null=True, default=None
    )
    comment = _one_line(help_text="the rationale, in one line")
    author_id = serializers.ListField(
        child=_curie(), required=False, default=list, max_length=20
    )
    mapping_date = _date()
    subject_label = _one_line(500)
    object_label = _one_line(500)
    version = serializers.IntegerField(read_only=True)


class MappingSetSerializer(serializers.Serializer):
    """A mapping set: its metadata, and its rows when written or read alone.

    ``subject_source`` and ``object_source`` name the taxonomies it joins;
    ``curie_map`` maps each prefix its CURIEs use to its expansion (SSSOM's
    built-in prefixes, skos, semapv..., need none).
    """

    mapping_set_id = serializers.RegexField(
        r"^[^\s]+$", max_length=500, error_messages={"invalid": "an IRI or CURIE"}
    )
    subject_source = serializers.RegexField(TAXONOMY_NAME.pattern)
    object_source = serializers.RegexField(TAXONOMY_NAME.pattern)
    license = serializers.RegexField(r"^[^\s]+$", max_length=500)
    creator_id = serializers.ListField(
        child=_curie(), required=False, default=list, max_length=20
    )
    mapping_date = _date()
    mapping_set_title = _one_line(500)
    mapping_set_description = _one_line()
    comment = _one_line()
    curie_map = serializers.DictField(
        child=serializers.RegexField(r"^[^\s]+$", max_length=500),
        required=False,
        default=dict,
    )
    rows = MappingRowSerializer(many=True, required=False, default=list)
    row_count = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)

    def validate_curie_map(self, value: dict[str, str]) -> dict[str, str]:
        bad = [p for p in value if not PREFIX.fullmatch(p)]
        if bad:
            raise serializers.ValidationError(f"not CURIE prefixes: {', '.join(bad)}")
        return value


class MappingSetChangeSerializer(serializers.Serializer):
    """The metadata an editor changes (PATCH) on a set."""

    license = serializers.RegexField(r"^[^\s]+$", max_length=500, required=False)
    creator_id = serializers.ListField(child=_curie(), required=False, max_length=20)
    mapping_date = _date()
    mapping_set_title = _one_line(500)
    mapping_set_description = _one_line()
    comment = _one_line()


def row_of(values: dict[str, Any]) -> MappingRow:
    """A row record from a ``MappingRowSerializer``'s validated values."""
    values = {k: v for k, v in values.items() if k != "version"}
    return MappingRow(**{**values, "author_id": tuple(values.get("author_id", ()))})


def set_of(values: dict[str, Any]) -> MappingSet:
    """A set record from a ``MappingSetSerializer``'s validated values."""
    return MappingSet(
        **{
            k: v
            for k, v in values.items()
            if k not in ("rows", "curie_map", "creator_id", "version", "row_count")
        },
        creator_id=tuple(values.get("creator_id", ())),
        curie_map=tuple(sorted(values.get("curie_map", {}).items())),
        rows=tuple(row_of(r) for r in values.get("rows", ())),
    )


def row_data(row: MappingRow) -> dict[str, Any]:
    return {**asdict(row), "author_id": list(row.author_id)}


def set_data(mapping_set: MappingSet, *, rows: bool = True) -> dict[str, Any]:
    """A set as the API answers it (its rows only when ``rows``)."""
    data = {
        **asdict(mapping_set),
        "creator_id": list(mapping_set.creator_id),
        "curie_map": dict(mapping_set.curie_map),
        "row_count": len(mapping_set.rows),
    }
    data["rows"] = [row_data(r) for r in mapping_set.rows] if rows else []
    return data


class MappingSetQuerySerializer(serializers.Serializer):
    id = serializers.CharField(max_length=500, help_text="the set's mapping_set_id")


class MappingListQuerySerializer(serializers.Serializer):
    taxonomy = serializers.RegexField(
        TAXONOMY_NAME.pattern,
        required=False,
        help_text="only the sets that join this taxonomy (either side)",
    )


def _key(help_text: str) -> serializers.CharField:
    # Looked up as given: a value of spaces alone is one no set or row has (404),
    # not a blank the schema's minLength 1 would have allowed (422).
    return serializers.CharField(
        max_length=500, trim_whitespace=False, help_text=help_text
    )


class MappingRowsQuerySerializer(serializers.Serializer):
    set = _key("the set's mapping_set_id")


class MappingRowQuerySerializer(MappingRowsQuerySerializer):
    subject = _key("the row's subject_id")
    object = _key("the row's object_id")
