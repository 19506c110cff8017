"""The one error shape of every 4xx and 5xx answer, documented for the
schema (``graphapi.exceptions`` renders it)."""

from __future__ import annotations

from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A stable machine-readable code, e.g. not_found."
    )
    message = serializers.CharField(help_text="What went wrong, for a person.")
    details = serializers.DictField(
        help_text="Structured details: for validation errors field -> messages; "
        "for 409 the links; for import problems their lines."
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of every 4xx and 5xx response."""

    error = ErrorBodySerializer()
