"""Judgements of MITIGATES links (issue 27): written by editors, each audited
and in the link's history, refused whole when bad; their panels change the
robustness section."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from taxonomy import audit, selectors
from taxonomy.domain.errors import InvalidWrite, NotFound
from taxonomy.domain.judgements import Judgement
from taxonomy.domain.kinds import link_key
from taxonomy.domain.scenario import Scenario
from taxonomy.judgements import (
    judge_create,
    judge_of_user,
    judgement_delete,
    judgement_save,
)
from taxonomy.models import AuditEntry
from taxonomy.models import Judgement as JudgementRow
from taxonomy.selectors.panels import judgements_list, panel_options
from tests.taxonomy.conftest import _user

LINK = ("chip-attestation", "covert-deployment")  # judged high by the editors


def _robustness(samples: int = 200) -> dict:
    return selectors.coverage_robustness(
        token=selectors.revision_token(), scenario=Scenario(), samples=samples
    )


@pytest.fixture
def expert(ada):
    return judge_create(name="Dr Grace Hopper", affiliation="Navy", actor=ada)


def test_an_editor_records_an_expert_and_their_judgement_is_audited(
    seeded_graph, ada, expert
):
    judgement_save(
        record=Judgement(*LINK, expert.name, "low", (0.1, 0.3), 0.7, "easily evaded"),
        actor=ada,
    )
    [stored] = judgements_list()
    assert (stored.strength, stored.interval, stored.confidence) == (
        "low",
        (0.1, 0.3),
        0.7,
    )
    entry = AuditEntry.objects.get(kind="judgement")
    assert (entry.actor_name, entry.action, entry.key) == (
        "ada",
        "create",
        "chip-attestation->covert-deployment",
    )
    assert (
        entry.after["judge"] == "Dr Grace Hopper" and entry.after["strength"] == "low"
    )
    history = audit.audit_node_history(kind="mitigates", key=entry.key)
    assert entry in history
    assert AuditEntry.objects.filter(kind="judge", key="Dr Grace Hopper").exists()


def test_a_change_is_audited_with_before_and_after(seeded_graph, ada, expert):
    judgement_save(record=Judgement(*LINK, expert.name, "low"), actor=ada)
    judgement_save(record=Judgement(*LINK, expert.name, "medium"), actor=ada)
    update = AuditEntry.objects.get(kind="judgement", action="update")
    assert (update.before["strength"], update.after["strength"]) == ("low", "medium")
    assert JudgementRow.objects.count() == 1
    judgement_delete(mitigation=LINK[0], threat=LINK[1], judge=expert.name, actor=ada)
    assert JudgementRow.objects.count() == 0
    assert AuditEntry.objects.filter(kind="judgement", action="delete").exists()


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (Judgement(*LINK, "Dr Grace Hopper", "huge"), "strength"),
        (Judgement(*LINK, "Dr Grace Hopper", "low", (0.5, 0.2)), "interval"),
        (Judgement(*LINK, "Dr Grace Hopper", "low", confidence=0), "confidence"),
        (Judgement(*LINK, "Nobody", "low"), "judge"),
        (Judgement(*LINK, "Dr Grace Hopper", "low", sources=("nope",)), "sources"),
    ],
)
def test_a_bad_judgement_is_refused_on_its_field_and_writes_nothing(
    seeded_graph, ada, expert, record, field
):
    with pytest.raises(InvalidWrite) as refused:
        judgement_save(record=record, actor=ada)
    assert field in refused.value.errors
    assert not JudgementRow.objects.exists()
    assert not AuditEntry.objects.filter(kind="judgement").exists()


def test_a_judgement_of_a_link_the_taxonomy_lacks_is_not_found(
    seeded_graph, ada, expert
):
    with pytest.raises(NotFound):
        judgement_save(
            record=Judgement("tee", "shadow-ai", expert.name, "low"), actor=ada
        )
    assert not JudgementRow.objects.exists()


def test_an_editor_cannot_give_another_editors_judgement(seeded_graph, ada):
    bob = _user("bob", "editors")
    judge_of_user(user=bob)
    with pytest.raises(PermissionDenied):
        judgement_save(record=Judgement(*LINK, "bob", "low"), actor=ada)
    judgement_save(record=Judgement(*LINK, "bob", "low"), actor=bob)
    with pytest.raises(PermissionDenied):
        judgement_delete(mitigation=LINK[0], threat=LINK[1], judge="bob", actor=ada)
    assert JudgementRow.objects.get().strength == "low"


def test_a_panel_moves_the_robustness_numbers_and_is_listed(seeded_graph, ada):
    # Deployer liability is judged medium against guardrail removal: a panel
    # that says high makes the liability layer address it alone.
    link = ("deployer-liability", "guardrail-removal")
    before = _robustness()
    assert before["panels"] == []
    for i, strength in enumerate(["high", "medium", "high", "high"]):
        judge = judge_create(name=f"expert {i}", actor=ada)
        judgement_save(record=Judgement(*link, judge.name, strength), actor=ada)
    after = _robustness()
    [panel] = after["panels"]
    assert (panel["judges"], panel["strength"], panel["editorial_strength"]) == (
        4,
        "high",
        "medium",
    )
    assert (panel["spread"], panel["agreement"]) == (1, 1.0)
    was = {t["id"]: t for t in before["threats"]}["guardrail-removal"]
    now = {t["id"]: t for t in after["threats"]}["guardrail-removal"]
    assert (was["class"], now["class"]) == ("defense-in-depth", "single-layer")
    assert after["headline"]["count"] == before["headline"]["count"] - 1
    alone = "single-layer"
    assert now["class_probability"][alone] > was["class_probability"][alone]
    assert panel_options()[0][:3] == [*link, "high"]


def test_the_robustness_page_names_the_panels_and_the_most_contested(
    seeded_graph, ada, client
):
    page = client.get(reverse("robustness"), {"samples": 100}).content.decode()
    assert 'id="panels-none"' in page
    link = ("deployer-liability", "guardrail-removal")
    for i, strength in enumerate(["low", "high", "high", "low", "medium"]):
        judge = judge_create(name=f"expert {i}", actor=ada)
        judgement_save(record=Judgement(*link, judge.name, strength), actor=ada)
    page = client.get(reverse("robustness"), {"samples": 100}).content.decode()
    assert "1 link carries the judgements of a panel" in page
    contested = page[page.index('id="contested"') :]
    assert "Guardrail removal" in contested and "Deployer liability" in contested
    assert "2 low, 1 medium, 2 high" in contested
    assert "medium (medium)" in contested


def test_a_links_panel_page_charts_the_answers_and_says_them_in_words(
    seeded_graph, ada, client
):
    link = ("deployer-liability", "guardrail-removal")
    url = reverse("panel", args=link)
    assert 'id="panel-none"' in client.get(url).content.decode()
    for i, strength in enumerate(["low", "high", "high"]):
        judge = judge_create(name=f"expert {i}", actor=ada)
        judgement_save(
            record=Judgement(*link, judge.name, strength, rationale=f"reason {i}"),
            actor=ada,
        )
    page = client.get(url).content.decode()
    assert "counts it as <strong>high</strong>" in page
    caption = page[page.index('id="panel-chart-text"') :]
    caption = caption[: caption.index("</figcaption>")]
    # The sentence leaves out a strength nobody gave; the chart keeps its bar.
    assert "The judges' answers: 1 low, 2 high." in caption
    assert "0 medium" not in page
    assert page.count("<rect") == 3 and "reason 2" in page
    assert re.search(r">medium</text><rect [^>]*width=\"0\"", page)
    assert client.get(reverse("panel", args=("tee", "shadow-ai"))).status_code == 404


def test_a_judges_queue_lists_their_judgements_and_the_pivotal_links_left(
    seeded_graph, ada, client, editor_client
):
    assert client.get(reverse("my-judgements")).status_code == 302
    judge = judge_of_user(user=ada)
    judgement_save(
        record=Judgement(
            "incident-reporting", "monoculture-failure", judge.name, "low"
        ),
        actor=ada,
    )
    page = editor_client.get(reverse("my-judgements")).content.decode()
    mine = page[page.index('id="my-judgements"') : page.index('id="my-queue"')]
    queue = page[page.index('id="my-queue"') :]
    assert "Incident reporting" in mine
    assert "Incident reporting against Monoculture failure" not in queue
    assert "against" in queue


def test_the_links_history_page_says_who_gave_which_judgement(
    seeded_graph, ada, editor_client, expert
):
    judgement_save(record=Judgement(*LINK, expert.name, "low"), actor=ada)
    url = reverse("history-node", args=("mitigates", link_key(*LINK)))
    page = editor_client.get(url).content.decode()
    assert "Dr Grace Hopper gave a judgement of" in page
