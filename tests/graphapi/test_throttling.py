"""The anonymous throttle counts by the real client address, not by X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from graphapi.throttling import client_ip


@pytest.fixture
def rate(settings):
    settings.LAYERWISE_API_ANON_RATE = "5/min"
    cache.clear()


def _codes(anon, forwarded_for: list[str]) -> list[int]:
    return [
        anon.get("/api/v1/ping/", HTTP_X_FORWARDED_FOR=xff).status_code
        for xff in forwarded_for
    ]


def test_a_random_forwarded_for_does_not_get_a_fresh_quota(db, anon, rate):
    codes = _codes(anon, [f"198.51.100.{n}" for n in range(20)])
    assert codes == [200] * 5 + [429] * 15


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_quota(
    db, anon, rate, settings
):
    settings.LAYERWISE_TRUSTED_PROXIES = 1
    assert _codes(anon, [f"198.51.100.{n}" for n in range(20)]) == [200] * 20
    assert _codes(anon, ["198.51.100.1"] * 5) == [200] * 4 + [429]


@pytest.mark.parametrize(
    "proxies, forwarded_for, expected",
    [
        (0, "198.51.100.7", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (3, "198.51.100.7", "198.51.100.7"),
        (1, "not-an-address", "10.0.0.1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings, proxies, forwarded_for, expected
):
    settings.LAYERWISE_TRUSTED_PROXIES = proxies
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
    )
    assert client_ip(request) == expected
