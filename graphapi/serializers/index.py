"""The API's index at /api/v1/: every endpoint with its methods, and where the
schema and Swagger UI are."""

from __future__ import annotations

from rest_framework import serializers


class EndpointSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text="As in the OpenAPI document: {key} and the like stand for ids."
    )
    url = serializers.CharField(help_text="The path on this server.")
    methods = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each HTTP method the endpoint answers, with its summary in one line.",
    )


class IndexSerializer(serializers.Serializer):
    title = serializers.CharField()
    version = serializers.CharField()
    schema = serializers.CharField(help_text="The OpenAPI 3 document (JSON or YAML).")
    docs = serializers.CharField(help_text="Swagger UI over that document.")
    endpoints = EndpointSerializer(
        many=True, help_text="Every endpoint of the document, in its order."
    )
