"""The health checks' answers, documented for the schema: the web server's
ping, Neo4j's health and the staged load in progress."""

from __future__ import annotations

from rest_framework import serializers


class PingSerializer(serializers.Serializer):
    status = serializers.CharField()


class LoadStatusSerializer(serializers.Serializer):
    """A staged load in progress (writes wait for it; readers see the old
    taxonomy until it switches)."""

    id = serializers.IntegerField(help_text="The revision the load commits at.")
    state = serializers.ChoiceField(
        ["staging", "committed", "aborting"],
        help_text="staging: being written, invisible; committed: switched to, "
        "being settled; aborting: being removed.",
    )
    done = serializers.IntegerField(help_text="Changes written so far.")
    total = serializers.IntegerField(help_text="Changes in the load.")
    started = serializers.IntegerField(help_text="Milliseconds since the Unix epoch.")
    what = serializers.CharField(allow_null=True)
    silent_seconds = serializers.FloatField(
        help_text="Since its writer was last heard of (it beats every few "
        "seconds; a dead writer's load is taken over, undone or finished, by the "
        "next write after LAYERWISE_LOAD_STALE_SECONDS)."
    )
    stale = serializers.BooleanField(
        help_text="Its writer is silent past LAYERWISE_LOAD_STALE_SECONDS: the "
        "next write takes the load over."
    )
    rate = serializers.FloatField(
        allow_null=True, help_text="Changes per second (null for a stale load)."
    )
    eta = serializers.FloatField(
        allow_null=True, help_text="Seconds left, about (null for a stale load)."
    )


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        ["ok", "schema_missing"],
        help_text="schema_missing: a constraint or index is not on the server yet "
        "(the first write or search creates it).",
    )
    neo4j = serializers.CharField(help_text="The server's Neo4j Kernel version.")
    revision = serializers.IntegerField(help_text="The graph revision.")
    schema_missing = serializers.ListField(
        child=serializers.CharField(), help_text="The constraints and indexes missing."
    )
    cache = serializers.ChoiceField(
        ["local", "ok", "unreachable"],
        help_text="local: each process caches alone (no CACHE_URL); ok or "
        "unreachable: whether CACHE_URL's Redis answers (while it does not, "
        "answers are computed from Neo4j).",
    )
    load = LoadStatusSerializer(
        allow_null=True,
        help_text="The staged load in progress (null: none); other writes wait "
        "for it (409 load_in_progress).",
    )
