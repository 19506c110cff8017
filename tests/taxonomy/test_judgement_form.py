"""Giving a judgement of a link in the browser, outside any round: editors
only, CSRF-checked, as themselves or for an external expert they record,
never for another editor; refusals on their fields with nothing written;
every save in the link's history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from taxonomy import services
from taxonomy.domain.judgements import Judgement
from taxonomy.judgements import judge_create, judge_of_user, judgement_save
from taxonomy.models import AuditEntry, Judge
from taxonomy.models import Judgement as JudgementRow
from tests.samples import ACME
from tests.taxonomy.conftest import _user

LINK = ("deployer-liability", "guardrail-removal")
URL = reverse("judgement-edit", args=LINK)
ANSWER = {
    "judge": "self",
    "strength": "medium",
    "low": "40",
    "high": "65.5",
    "confidence": "80",
    "rationale": "Liability reaches a deployer only once harm is traced to them.",
    "sources": ["qi-2024"],
    "date": "2026-12-01",
}


@pytest.fixture
def seed(seeded_graph_read_only):
    return seeded_graph_read_only


def _saved() -> list[Judgement]:
    from taxonomy.selectors.panels import judgements_list

    return judgements_list(mitigation=LINK[0], threat=LINK[1])


def test_an_editor_gives_their_own_judgement(seed, ada, editor_client):
    answer = editor_client.post(URL, ANSWER)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("panel", args=LINK)
    [given] = _saved()
    assert given == Judgement(
        *LINK,
        "ada",
        "medium",
        (0.4, 0.655),
        0.8,
        ANSWER["rationale"],
        ("qi-2024",),
        "2026-12-01",
        phase=1,
    )
    entry = AuditEntry.objects.filter(kind="judgement").get()
    assert (entry.actor_name, entry.channel, entry.action) == (
        "ada",
        "browser",
        "create",
    )
    assert entry.key == "->".join(LINK)


def test_the_form_opens_with_the_stored_judgement_and_a_change_replaces_it(
    seed, ada, editor_client
):
    editor_client.post(URL, ANSWER)
    page = editor_client.get(URL).content.decode()
    assert 'value="65.5"' in page and 'value="80"' in page
    assert 'id="judgement-stored"' in page
    editor_client.post(
        URL, ANSWER | {"strength": "high", "low": "", "high": "", "confidence": ""}
    )
    [given] = _saved()
    assert (given.strength, given.interval, given.confidence) == ("high", None, None)
    actions = list(
        AuditEntry.objects.filter(kind="judgement").values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "update"]


def test_an_editor_records_a_new_external_expert_and_their_answer(
    seed, ada, editor_client
):
    answer = editor_client.post(
        URL,
        ANSWER
        | {
            "judge": "new",
            "expert_name": "Dr Lin Okafor",
            "expert_affiliation": "Institute of Law",
        },
    )
    assert answer.status_code == 302
    expert = Judge.objects.get(name="Dr Lin Okafor")
    assert (expert.user, expert.affiliation) == (None, "Institute of Law")
    [given] = _saved()
    assert given.judge == "Dr Lin Okafor"
    # Any editor may change a recorded expert's answer.
    grace = Client()
    grace.force_login(_user("grace", "editors"))
    page = grace.get(URL, {"judge": "Dr Lin Okafor"}).content.decode()
    assert 'value="expert:Dr Lin Okafor"' in page and "checked" in page
    grace.post(
        URL + "?judge=Dr+Lin+Okafor",
        ANSWER | {"judge": "expert:Dr Lin Okafor", "strength": "low"},
    )
    assert [j.strength for j in _saved()] == ["low"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"strength": "huge"}, "strength", "Select a valid choice"),
        ({"high": ""}, "high", "Give both ends of the effectiveness range"),
        ({"low": "70", "high": "30"}, "high", "at least the lower end"),
        ({"high": "120"}, "high", "less than or equal to 100"),
        ({"low": "", "high": ""}, "confidence", "give the range too"),
        ({"sources": ["nowhere"]}, "sources", "Select a valid choice"),
        ({"judge": "new"}, "expert_name", "Give the expert"),
        ({"expert_name": "Someone"}, "expert_name", "only for a new expert"),
        ({"judge": "expert:grace"}, "judge", "Select a valid choice"),
    ],
)
def test_a_bad_answer_is_refused_on_its_field_and_nothing_is_written(
    seed, ada, editor_client, change, field, message
):
    _user("grace", "editors")
    judge_of_user(user=_user("bob", "editors"))
    answer = editor_client.post(URL, ANSWER | change)
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert _saved() == []
    assert not AuditEntry.objects.filter(kind="judgement").exists()


def test_an_expert_name_already_taken_is_refused_and_nothing_is_written(
    seed, ada, editor_client
):
    judge_create(name="Dr Lin Okafor", actor=ada)
    answer = editor_client.post(
        URL, ANSWER | {"judge": "new", "expert_name": "Dr Lin Okafor"}
    )
    assert "exists already" in " ".join(answer.context["form"].errors["expert_name"])
    assert _saved() == []


def test_another_editors_judgement_cannot_be_opened_or_changed(
    seed, ada, editor_client
):
    bob = _user("bob", "editors")
    judgement_save(
        record=Judgement(*LINK, judge_of_user(user=bob).name, "high"), actor=bob
    )
    assert editor_client.get(URL, {"judge": "bob"}).status_code == 403
    refused = editor_client.post(URL + "?judge=bob", ANSWER | {"judge": "expert:bob"})
    assert refused.status_code == 403
    withdraw = editor_client.post(URL + "?judge=bob", {"withdraw": "1"})
    assert withdraw.status_code == 403
    assert [(j.judge, j.strength) for j in _saved()] == [("bob", "high")]


def test_a_judgement_is_withdrawn_and_the_history_says_so(seed, ada, editor_client):
    editor_client.post(URL, ANSWER)
    answer = editor_client.post(URL, {"withdraw": "1"})
    assert answer.status_code == 302
    assert _saved() == []
    assert list(
        AuditEntry.objects.filter(kind="judgement")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["create", "delete"]


def test_anonymous_and_non_editors_are_refused(seed, viewer_client):
    anonymous = Client().post(URL, ANSWER)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert viewer_client.get(URL).status_code == 403
    assert viewer_client.post(URL, ANSWER).status_code == 403
    assert JudgementRow.objects.count() == 0


def test_the_form_needs_its_csrf_token(seed, ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    assert client.post(URL, ANSWER).status_code == 403
    assert JudgementRow.objects.count() == 0
    page = client.get(URL).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_link_the_taxonomy_lacks_is_a_404(seed, editor_client):
    url = reverse("judgement-edit", args=("deployer-liability", "nowhere"))
    assert editor_client.get(url).status_code == 404
    assert editor_client.get(URL, {"judge": "nobody"}).status_code == 404


def test_the_panel_threat_and_mitigation_pages_offer_it_to_editors_only(
    seed, editor_client, client
):
    pages = [
        reverse("panel", args=LINK),
        reverse("threat", args=(LINK[1],)),
        reverse("mitigation", args=(LINK[0],)),
    ]
    for page in pages:
        assert URL in editor_client.get(page).content.decode(), page
        assert URL not in client.get(page).content.decode(), page


def test_each_strength_says_the_band_the_analysis_counts(seed, editor_client, settings):
    settings.LAYERWISE_UNCERTAINTY = {
        "low": (0.1, 0.3),
        "medium": (0.3, 0.6),
        "high": (0.7, 0.9),
    }
    page = editor_client.get(URL).content.decode()
    assert "(counted as 20%; the robustness page draws it from 10–30%)" in page
    assert "(counted as 80%; the robustness page draws it from 70–90%)" in page


def test_an_imported_catalogues_link_is_not_judged(seeded_graph, editor_client):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    url = reverse("judgement-edit", args=("acme:AML.M0001", "acme:AML.T0001"))
    assert editor_client.get(url, {"taxonomy": "acme"}).status_code == 404
    page = editor_client.get(
        reverse("threat", args=("acme:AML.T0001",)), {"taxonomy": "acme"}
    )
    assert page.status_code == 200 and "Judge this link" not in page.content.decode()
