"""Governance architectures side by side (issue 25), documented for the
schema."""

from __future__ import annotations

from rest_framework import serializers

from graphapi.serializers.documents.coverage import _IntroducedSerializer
from taxonomy.analysis.model import CLASSES


class _ArchitectureScenarioSerializer(serializers.Serializer):
    summary = serializers.CharField(help_text="What the architecture counts, in words.")
    query = serializers.CharField(
        help_text="Its scenario parameters, as `coverage/?` takes them."
    )
    jurisdiction = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    maturities = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="null: every one."
    )


class _ArchitectureMobileSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Threats whose actors choose where to act."
    )
    addressed = serializers.IntegerField(
        help_text="Of those, how many are addressed where they are weakest."
    )
    weakest = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Place id → how many mobile threats are weakest there (a tie "
        "counts in each tied place); empty when the architecture names a "
        "jurisdiction or no place is recorded.",
    )


class _ArchitectureOutcomeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The architecture's id; `today` for today.")
    name = serializers.CharField()
    description = serializers.CharField()
    scenario = _ArchitectureScenarioSerializer()
    summary = serializers.DictField(
        child=serializers.IntegerField(), help_text="Threats per coverage class."
    )
    threats = serializers.IntegerField()
    addressed = serializers.IntegerField(
        help_text="Threats addressed, a mobile threat judged where it is "
        "weakest (as `summary` and `not_by_one_layer` judge it)."
    )
    not_addressed = serializers.ListField(child=serializers.CharField())
    not_by_one_layer = serializers.ListField(
        child=serializers.CharField(),
        help_text="Threats no single layer addresses: unmitigated, insufficient "
        "or defense-in-depth.",
    )
    mobile = _ArchitectureMobileSerializer()
    introduced = _IntroducedSerializer(many=True)
    adopted = serializers.ListField(
        child=serializers.CharField(),
        help_text="The mitigations its adoption brings into effect (adopted, or "
        "required by one adopted), each paid once.",
    )
    cost = serializers.FloatField(
        help_text="What `adopted` costs: each at its mitigation's cost, 1 unit "
        "unless its editors set another."
    )
    adopts = serializers.ListField(
        child=serializers.CharField(),
        help_text="The mitigations it names (`M@J` as `M`, once).",
    )
    already_in_effect = serializers.ListField(
        child=serializers.CharField(),
        help_text="Those of `adopts` in effect without it (nothing to pay).",
    )
    costs_recorded = serializers.BooleanField(
        help_text="Whether any of `adopted` costs other than 1 unit."
    )
    measures = serializers.CharField(
        help_text="`adopts`, `already_in_effect` and `cost` in words."
    )
    line = serializers.CharField(help_text="The architecture in a paragraph.")


class _ArchitectureCellSerializer(serializers.Serializer):
    coverage = serializers.FloatField()
    weakest = serializers.CharField(
        allow_null=True,
        help_text="A mobile threat's weakest place; null for the others, and "
        "when the architecture names a jurisdiction.",
    )
    weakest_tied = serializers.ListField(
        child=serializers.CharField(),
        help_text="Every place where it is as weak as in `weakest` (the same "
        "coverage and class); empty when `weakest` is null.",
    )
    weakest_class = serializers.ChoiceField(
        CLASSES, allow_null=True, help_text="Its class in `weakest`."
    )
    weakest_coverage = serializers.FloatField(
        allow_null=True,
        help_text="Its coverage in `weakest` (`coverage` takes the world as one "
        "place: every measure in effect anywhere counted everywhere).",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        return {"class": serializers.ChoiceField(CLASSES), **fields}


class _ArchitectureThreatSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    mobile = serializers.BooleanField()
    differs = serializers.BooleanField()
    by_architecture = _ArchitectureCellSerializer(
        many=True, help_text="In the order of `architectures`."
    )


class _ComparisonAssumptionsSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    effectiveness = serializers.DictField(child=serializers.FloatField())
    dependence = serializers.CharField()
    line = serializers.CharField()


class ArchitectureComparisonSerializer(serializers.Serializer):
    """2 to 4 governance architectures side by side (docs/coverage.md)."""

    schema = serializers.CharField()
    taxonomy = serializers.CharField()
    revision = serializers.IntegerField()
    assumptions = _ComparisonAssumptionsSerializer()
    architectures = _ArchitectureOutcomeSerializer(many=True)
    threats = _ArchitectureThreatSerializer(many=True)
    differ = serializers.ListField(
        child=serializers.CharField(),
        help_text="The threats whose class, or class where weakest, is not the "
        "same in every architecture.",
    )
    line = serializers.CharField()
