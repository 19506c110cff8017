"""Throttling of anonymous clients, at the rate LAYERWISE_API_ANON_RATE sets, and
the client address it (and the login lockout) counts by."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with N = LAYERWISE_TRUSTED_PROXIES > 0
    the address the outermost of those proxies saw, N-th from the right of
    X-Forwarded-For (what a client wrote there itself is further left).

    An entry that is not an IP address is ignored: it did not come from a proxy.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.LAYERWISE_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not proxies or not hops:
        return remote
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class AnonymousThrottle(AnonRateThrottle):
    """Requests per client IP for anonymous clients; authenticated users are not throttled.

    The rate is read from the settings on every request (not once at import),
    so tests and deployments can change it; None switches throttling off.
    The counts live in the default cache, i.e. per process with LocMemCache.
    With the shared Redis (CACHE_URL) a request is counted in one atomic step
    (``SharedRedisCache.admit``): DRF's read-then-write of the whole log would
    lose the counts of two servers' simultaneous requests, and read and write
    the log (up to the rate's whole count) on every request. The rule is DRF's:
    admitted while fewer than N admitted requests are under the period old.
    """

    def allow_request(self, request, view) -> bool:
        admit = getattr(self.cache, "admit", None)
        if admit is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self._wait = admit(self.key, self.num_requests, self.duration, self.timer())
        return self._wait is None

    def wait(self) -> float | None:
        if getattr(self.cache, "admit", None) is None:
            return super().wait()
        return self._wait

    def get_rate(self) -> str | None:
        return settings.LAYERWISE_API_ANON_RATE

    def get_ident(self, request) -> str | None:
        return client_ip(request)
