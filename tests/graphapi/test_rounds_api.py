"""Elicitation rounds (issue 27): nobody reads another judge's phase-1 answer
before giving their own, through any path (the round, the judgements list,
their export, the panels, the history and the audit log, the robustness
analysis); writes by anyone but the round's judges are refused, and a closed
round changes no more. Against the real Neo4j (the links)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from taxonomy.domain.kinds import link_key
from taxonomy.judgements import judge_of_user
from taxonomy.models import AuditEntry, Judgement
from taxonomy.selectors.panels import panel_options
from tests.graphapi.conftest import _client_for

LINK = {"mitigation": "deployer-liability", "threat": "guardrail-removal"}
OTHER = {"mitigation": "chip-attestation", "threat": "covert-deployment"}
SECRET = "ADA-SECRET-RATIONALE"


def _editor(name: str) -> User:
    user = User.objects.create_user(name, password="correct horse battery")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user


@pytest.fixture
def people(seeded_graph):
    users = {name: _editor(name) for name in ("ada", "bob", "carol")}
    for name in ("ada", "bob"):
        judge_of_user(user=users[name])
    return users


@pytest.fixture
def clients(people):
    return {name: _client_for(user) for name, user in people.items()}


@pytest.fixture
def opened(clients):
    answer = clients["carol"].post(
        "/api/v1/rounds/",
        {
            "title": "Guardrails 2027",
            "judges": ["ada", "bob"],
            "closes_on": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
            "links": [LINK, OTHER],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["phase"] == "open"
    return answer.json()["slug"]


def _submit(client, slug, strength, link=LINK, **extra):
    return client.post(
        f"/api/v1/rounds/{slug}/submit/",
        {**link, "strength": strength, **extra},
        format="json",
    )


def _everything_read_by(client, browser, slug) -> str:
    """What a reader gets of the judgements through every path, as one text."""
    reads = [
        client.get(f"/api/v1/rounds/{slug}/").content,
        client.get("/api/v1/rounds/").content,
        client.get("/api/v1/judgements/").content,
        client.get("/api/v1/judgements/", {"judge": "ada"}).content,
        client.get("/api/v1/judgements/export/", {"as": "json"}).content,
        client.get("/api/v1/judgements/export/", {"as": "csv"}).content,
        client.get("/api/v1/judgements/panels/").content,
        client.get("/api/v1/audit/").content,
    ]
    link = link_key(LINK["mitigation"], LINK["threat"])
    for url in (
        reverse("history-node", args=("mitigates", link)),
        reverse("panel", args=(LINK["mitigation"], LINK["threat"])),
        reverse("round", args=(slug,)),
    ):
        answer = browser.get(url)
        assert answer.status_code in (200, 403), url
        reads.append(answer.content)
    return b"\n".join(reads).decode()


def _browser(user=None) -> Client:
    browser = Client()
    if user is not None:
        browser.force_login(user)
    return browser


def test_phase_one_answers_are_secret_until_one_gives_ones_own(
    people, clients, anon, opened
):
    assert _submit(clients["ada"], opened, "high", rationale=SECRET).status_code == 201
    assert Judgement.objects.filter(round=opened, judge__name="ada").exists()
    # ada sees her own answer.
    mine = clients["ada"].get(f"/api/v1/rounds/{opened}/").json()["judgements"]
    assert [j["rationale"] for j in mine] == [SECRET]
    # bob (a judge who has not answered), carol (an editor, not a judge) and
    # an anonymous reader see nothing of it, anywhere.
    for name in ("bob", "carol"):
        text = _everything_read_by(clients[name], _browser(people[name]), opened)
        assert SECRET not in text, name
        assert "ada gave a judgement" not in text
    assert SECRET not in _everything_read_by(anon, _browser(), opened)
    # Counts are not answers: everyone may see that one judge has answered.
    counted = anon.get(f"/api/v1/rounds/{opened}/").json()["links"]
    assert counted[0]["answers"] == 1
    # The robustness analysis counts no open round.
    assert panel_options() == []

    # bob answers the same link: now he sees ada's answer and rationale there,
    # but not for the other link, which he has not answered.
    assert _submit(clients["bob"], opened, "low").status_code == 201
    assert _submit(clients["ada"], opened, "medium", link=OTHER).status_code == 201
    seen = clients["bob"].get(f"/api/v1/rounds/{opened}/").json()["judgements"]
    assert {(j["judge"], j["mitigation"]) for j in seen} == {
        ("ada", LINK["mitigation"]),
        ("bob", LINK["mitigation"]),
    }
    text = _everything_read_by(clients["carol"], _browser(people["carol"]), opened)
    assert SECRET not in text


def test_phase_two_shows_the_distribution_and_closing_makes_it_the_panels(
    people, clients, anon, opened
):
    _submit(clients["ada"], opened, "high", rationale=SECRET)
    _submit(clients["bob"], opened, "low")
    advanced = clients["carol"].post(f"/api/v1/rounds/{opened}/advance/")
    assert advanced.status_code == 200 and advanced.json()["phase"] == "revising"
    # The editor (not a judge) now reads the answers and their rationales.
    seen = clients["carol"].get(f"/api/v1/rounds/{opened}/").json()["judgements"]
    assert sorted(j["strength"] for j in seen) == ["high", "low"]
    page = _browser(people["bob"]).get(reverse("round", args=(opened,)))
    text = page.content.decode()
    assert SECRET in text and "1 low" in text and "1 high" in text
    # bob revises in phase 2; the public still sees nothing before closing.
    assert _submit(clients["bob"], opened, "medium").status_code == 201
    assert SECRET not in anon.get("/api/v1/judgements/").content.decode()
    assert panel_options() == []
    closed = clients["carol"].post(f"/api/v1/rounds/{opened}/close/")
    assert closed.status_code == 200 and closed.json()["phase"] == "closed"
    [panel] = anon.get("/api/v1/judgements/panels/").json()
    assert sorted(panel["judges"]) == ["ada", "bob"]
    assert panel["strength"] == "medium"
    assert SECRET in anon.get("/api/v1/judgements/").content.decode()
    assert AuditEntry.objects.filter(kind="round", key=opened).count() == 3


def test_writes_by_others_than_the_judges_are_refused(
    people, clients, anon, viewer_api, opened
):
    assert _submit(anon, opened, "high").status_code == 401
    assert _submit(viewer_api, opened, "high").status_code == 403
    # carol is an editor but no judge of the round.
    assert _submit(clients["carol"], opened, "high").status_code == 403
    # bob may not give (or change) ada's answer.
    assert _submit(clients["bob"], opened, "high", judge="ada").status_code == 403
    # Nor through the judgements endpoint with the round's name.
    given = {**LINK, "judge": "ada", "strength": "low", "round": opened}
    assert (
        clients["bob"].post("/api/v1/judgements/", given, format="json").status_code
        == 403
    )
    # A link the round does not ask about.
    stray = {"mitigation": "incident-reporting", "threat": "monoculture-failure"}
    assert _submit(clients["ada"], opened, "high", link=stray).status_code in (404, 422)
    # Only editors open and move rounds.
    assert anon.post(f"/api/v1/rounds/{opened}/close/").status_code == 401
    assert viewer_api.post(f"/api/v1/rounds/{opened}/advance/").status_code == 403
    assert not Judgement.objects.exists()


def test_a_closed_round_refuses_changes(people, clients, opened):
    assert _submit(clients["ada"], opened, "high").status_code == 201
    assert clients["carol"].post(f"/api/v1/rounds/{opened}/close/").status_code == 200
    answer = _submit(clients["ada"], opened, "low")
    assert answer.status_code == 409, answer.content
    assert answer.json()["error"]["code"] == "conflict"
    assert clients["carol"].post(f"/api/v1/rounds/{opened}/advance/").status_code == 409
    assert Judgement.objects.get(round=opened).strength == "high"


def test_a_bad_round_is_refused_whole(clients):
    bad = {
        "title": "x",
        "judges": ["nobody"],
        "closes_on": "2001-01-01",
        "links": [LINK, LINK],
    }
    answer = clients["carol"].post("/api/v1/rounds/", bad, format="json")
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "nobody" in text and "closes_on" in text and "twice" in text
    assert not AuditEntry.objects.filter(kind="round").exists()


def test_an_import_cannot_write_into_a_closed_round(clients, opened):
    # ada (a judge of the round) brings in a file with her answer in the
    # round after it closed: refused whole, naming the judgement, nothing written.
    assert clients["carol"].post(f"/api/v1/rounds/{opened}/close/").status_code == 200
    document = {
        "format": "layerwise-judgements",
        "version": 1,
        "judges": [],
        "judgements": [{**LINK, "judge": "ada", "strength": "low", "round": opened}],
    }
    answer = clients["ada"].post(
        "/api/v1/judgements/import/?as=json", document, format="json"
    )
    assert answer.status_code == 422, answer.content
    assert "judgement 1" in answer.content.decode()
    assert not Judgement.objects.exists()
