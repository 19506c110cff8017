"""Throttling of anonymous clients, at the rate LAYERWISE_API_ANON_RATE sets."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    """Requests per client IP for anonymous clients; authenticated users are not throttled.

    The rate is read from the settings on every request (not once at import),
    so tests and deployments can change it; None switches throttling off.
    The counts live in the default cache, i.e. per process with LocMemCache.
    """

    def get_rate(self) -> str | None:
        return settings.LAYERWISE_API_ANON_RATE
