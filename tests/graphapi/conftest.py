"""API clients for anonymous users, editors and non-editors, against the real Neo4j,
and a second taxonomy beside the seed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.test import APIClient

from graphapi.models import APIToken
from taxonomy import services
from taxonomy.domain.records import Layer, Mitigates, Mitigation, Taxonomy, Threat
from tests.conftest import shared_seed_enter, shared_seed_leave


@pytest.fixture(autouse=True)
def _api_settings(settings):
    """No throttling and public reads unless a test asks; an empty cache."""
    settings.LAYERWISE_API_ANON_RATE = None
    settings.LAYERWISE_API_REQUIRE_LOGIN = False
    cache.clear()
    yield
    cache.clear()


def _client_for(user: User) -> APIClient:
    client = APIClient()
    key = APIToken.objects.issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user("editor", password="correct horse battery")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user


@pytest.fixture
def api(editor) -> APIClient:
    """A client authenticated (by token) as a member of the editors group."""
    return _client_for(editor)


@pytest.fixture
def viewer_api(db) -> APIClient:
    """A client authenticated as a user who is not an editor."""
    user = User.objects.create_user("viewer")
    user.groups.add(Group.objects.get_or_create(name="viewers")[0])
    return _client_for(user)


ACME = Taxonomy(
    layers=(Layer("acme:policy", "Policy", taxonomy="acme"),),
    threats=(
        Threat("acme:t1", "Acme one", taxonomy="acme"),
        Threat("acme:t2", "Acme two", taxonomy="acme"),
    ),
    mitigations=(
        Mitigation("acme:m1", "Acme rule", "acme:policy", "deployed", taxonomy="acme"),
    ),
    mitigates=(Mitigates("acme:m1", "acme:t1", "high"),),
)


def _add_acme() -> None:
    services.taxonomy_apply(taxonomy=ACME, scope="acme")


@pytest.fixture
def acme_graph(seeded_graph):
    """The seed beside a small second taxonomy, ``acme``."""
    _add_acme()
    return seeded_graph


@pytest.fixture
def acme_graph_read_only(neo4j_server, db, request):
    """The seed beside ``acme``, shared by the tests that only read them (as
    ``seeded_graph_read_only`` shares the seed: a test that changes them fails)."""
    shared_seed_enter(_add_acme)
    yield neo4j_server
    shared_seed_leave(request.node.nodeid)
