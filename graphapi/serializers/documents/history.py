"""Two revisions compared (``manage.py taxonomy diff --format json``),
documented for the schema."""

from __future__ import annotations

from rest_framework import serializers


class _ItemChangeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    action = serializers.ChoiceField(["create", "update", "delete"])
    key = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.DictField(), help_text="field -> {before, after}"
    )


class _ComparisonCoverageSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    effectiveness = serializers.DictField(child=serializers.FloatField())
    summary = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField())
    )
    changed = serializers.ListField(child=serializers.DictField())
    gaps = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )


class ComparisonSerializer(serializers.Serializer):
    """The ``layerwise-diff/1`` document (``manage.py taxonomy diff --format json``)."""

    schema = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    changes = _ItemChangeSerializer(many=True)
    coverage = _ComparisonCoverageSerializer()
