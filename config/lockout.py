"""The answer to a login while its username and address are locked out (django-axes)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def locked_out(request: HttpRequest, original_response=None, credentials=None):
    """A 429 page saying when to try again; every attempt until then restarts the wait."""
    cool_off = settings.AXES_COOLOFF_TIME
    response: HttpResponse = render(
        request,
        "registration/locked_out.html",
        {
            "retry_at": timezone.now() + cool_off,
            "minutes": round(cool_off.total_seconds() / 60),
        },
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
