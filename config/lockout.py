"""Login lockout (django-axes): who is locked out, and the answer they get.

django-axes counts wrong passwords per username and address
(``AXES_LOCKOUT_PARAMETERS``); ``LoginHandler`` also locks out an address
whose failures, over every username it tried, reach
``LAYERWISE_LOGIN_ADDRESS_FAILURES`` within the cool-off: one password tried
against many usernames is stopped as one username's many passwords is.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
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


def address_failures(request: HttpRequest) -> int:
    """Wrong passwords from the request's address within the cool-off, any username."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginHandler(AxesDatabaseHandler):
    """django-axes' database handler, with the lockout of a whole address."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return address_failures(request) >= settings.LAYERWISE_LOGIN_ADDRESS_FAILURES

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Count the failure; answer it as a lockout when the address is out."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if address_failures(request) >= settings.LAYERWISE_LOGIN_ADDRESS_FAILURES:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=credentials.get(settings.AXES_USERNAME_FORM_FIELD),
                ip_address=request.axes_ip_address,
            )
