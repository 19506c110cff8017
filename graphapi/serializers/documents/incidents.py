"""Documented incidents under a scenario, one incident's steps and the
coverage per tactic, documented for the schema."""

from __future__ import annotations

from rest_framework import serializers

from taxonomy.analysis.model import CLASSES
from taxonomy.domain.records import INCIDENT_KINDS
from taxonomy.domain.scenario import DEPENDENCES

_ASSUMPTION_HELP = (
    "The assumption every count of stopped incidents rests on: show it with them."
)


class _IncidentOutcomeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(INCIDENT_KINDS)
    date = serializers.CharField(
        help_text="ISO date at the precision known; may be empty."
    )
    ordered = serializers.BooleanField(
        help_text="Whether its steps are ordered (case studies)."
    )
    techniques = serializers.IntegerField(help_text="Distinct techniques it uses.")
    steps = serializers.IntegerField(help_text="Distinct step numbers (0: unordered).")
    stopped = serializers.BooleanField(
        help_text="At least one technique it uses is addressed under the scenario."
    )
    first_stopped_step = serializers.IntegerField(
        allow_null=True,
        help_text="The first step whose technique is addressed; null when unordered "
        "or not stopped.",
    )
    steps_addressed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ascending; empty when unordered."
    )
    techniques_addressed = serializers.ListField(
        child=serializers.CharField(), help_text="The addressed techniques it uses."
    )
    stopped_up_to = serializers.FloatField(
        help_text="Stopped at every threshold up to this coverage (the best of its "
        "techniques), the rest of the scenario kept; at none above."
    )


class _KindCountSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    stopped = serializers.IntegerField()


class _IncidentTotalsSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    stopped = serializers.IntegerField()
    by_kind = serializers.DictField(
        child=_KindCountSerializer(),
        help_text=f"Every kind ({', '.join(INCIDENT_KINDS)}), in that order.",
    )


class _StopperSerializer(serializers.Serializer):
    threat = serializers.CharField()
    name = serializers.CharField()
    incidents = serializers.IntegerField(
        help_text="Incidents not yet stopped that use it: addressing it alone stops them."
    )
    via = serializers.CharField(
        required=False,
        help_text="With `through`: the threat of ours a counted (exact or close) "
        "row ties it to, the one to strengthen; only such techniques are listed.",
    )
    via_name = serializers.CharField(required=False)
    confidence = serializers.FloatField(
        required=False, allow_null=True, help_text="With `through`: that row's."
    )


class _CeilingSerializer(serializers.Serializer):
    confidence = serializers.FloatField(
        allow_null=True,
        help_text="The largest confidence of the set's exact and close rows "
        "(null without one).",
    )
    score = serializers.FloatField(
        allow_null=True,
        help_text="The highest score a technique can reach: that confidence "
        "times a complete coverage.",
    )
    threshold = serializers.FloatField()
    reachable = serializers.BooleanField(
        help_text="False: no incident can count as stopped through this set at "
        "this threshold, whatever is adopted."
    )
    words = serializers.CharField(
        allow_null=True, help_text="The sentence saying so when not reachable."
    )


class _ThresholdCountSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    stopped = serializers.IntegerField()


class IncidentCoverageSerializer(serializers.Serializer):
    """Every documented incident stopped or not under a scenario (one page of
    them in ``results``), and the taxonomy's totals."""

    revision = serializers.IntegerField()
    threshold = serializers.FloatField()
    dependence = serializers.ChoiceField(DEPENDENCES)
    assumption = serializers.CharField(help_text=_ASSUMPTION_HELP)
    totals = _IncidentTotalsSerializer(
        help_text="Over every incident of the taxonomy, whatever the filters."
    )
    stoppers = _StopperSerializer(
        many=True,
        help_text="The 50 techniques that would stop the most incidents not yet "
        "stopped, most first, ties by id.",
    )
    stoppers_total = serializers.IntegerField(
        help_text="How many techniques would stop some incident not yet stopped."
    )
    stoppers_unmapped = serializers.IntegerField(
        required=False,
        help_text="With `through`: techniques that would stop some incident but "
        "that no counted row ties to a threat of ours (not listed).",
    )
    ceiling = _CeilingSerializer(
        required=False,
        help_text="With `through`: the highest score the mapping lets any "
        "technique reach.",
    )
    by_threshold = _ThresholdCountSerializer(
        many=True,
        help_text="Incidents stopped at 0.5 … 0.95 and at the scenario's threshold.",
    )
    count = serializers.IntegerField(help_text="Incidents that pass the filters.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = _IncidentOutcomeSerializer(many=True, help_text="By id.")


class _IncidentStepSerializer(serializers.Serializer):
    step = serializers.IntegerField(allow_null=True, help_text="null: unordered.")
    threat = serializers.CharField()
    name = serializers.CharField()
    tactic = serializers.CharField(help_text="As the USES link names it; may be empty.")
    tactic_name = serializers.CharField(help_text="The tactic's name when known.")
    description = serializers.CharField()
    addressed = serializers.BooleanField()
    stops = serializers.BooleanField(help_text="The step that stops the incident.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(
            CLASSES, help_text="The technique's coverage class under the scenario."
        )
        return fields


class _ByClassSerializer(serializers.Serializer):
    threats = serializers.IntegerField()
    by_class = serializers.DictField(
        child=serializers.IntegerField(), help_text="Every class, in CLASSES order."
    )


class _TacticRowSerializer(_ByClassSerializer):
    id = serializers.CharField()
    name = serializers.CharField()
    order = serializers.IntegerField()


class TacticCoverageSerializer(serializers.Serializer):
    """Per tactic, in matrix order, the threats in it per class."""

    tactics = _TacticRowSerializer(many=True)
    no_tactic = _ByClassSerializer(help_text="The threats in no tactic.")
    total = _ByClassSerializer(
        help_text="Every threat once, though a technique may be in several tactics."
    )


class IncidentVerdictSerializer(serializers.Serializer):
    """One incident's steps in order under a scenario, and whether it is stopped."""

    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(INCIDENT_KINDS)
    date = serializers.CharField()
    summary = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())
    ordered = serializers.BooleanField()
    threshold = serializers.FloatField()
    assumption = serializers.CharField(help_text=_ASSUMPTION_HELP)
    stopped = serializers.BooleanField()
    first_stopped_step = serializers.IntegerField(allow_null=True)
    steps = _IncidentStepSerializer(
        many=True, help_text="By step, then technique id; unordered: by technique id."
    )
