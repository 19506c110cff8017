"""The pages of elicitation rounds (issue 27): an editor opens one from the
robustness page's most contested links, a judge answers on the round's page
(a form with CSRF) and finds the round in their queue; the robustness page
says how an even split counts and that the other pages count the editors'
strengths."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.urls import reverse

from taxonomy.domain.judgements import Judgement
from taxonomy.judgements import judge_create, judge_of_user, judgement_save
from taxonomy.models import Judgement as JudgementRow
from taxonomy.models import Round
from tests.taxonomy.conftest import _user

LINK = ("deployer-liability", "guardrail-removal")


def _contested(ada) -> None:
    for i, strength in enumerate(["low", "medium", "high", "high"]):
        judge = judge_create(name=f"expert {i}", actor=ada)
        judgement_save(record=Judgement(*LINK, judge.name, strength), actor=ada)


def test_the_robustness_page_words_an_even_split_and_offers_a_round(
    seeded_graph, ada, client, editor_client
):
    before = client.get(reverse("robustness"), {"samples": 100}).content.decode()
    assert 'id="panels-first"' not in before
    _contested(ada)
    page = editor_client.get(reverse("robustness"), {"samples": 100}).content
    page = page.decode()
    listed = page[page.index('id="panel-links"') :]
    assert (
        "1 low, 1 medium, 2 high; counted as medium, the lower of an even split "
        "between medium and high"
    ) in listed
    assert "0 medium" not in page[page.index('id="panels-h"') :]
    assert "counts at the lower of the two" in page
    assert "LAYERWISE_PANEL_TIE" in page
    assert "count every link at the editors' strength" in page
    link = re.search(r'id="open-round" href="([^"]+)"', page).group(1)
    assert "deployer-liability-%3Eguardrail-removal" in link
    # Anonymous readers are not offered it.
    anonymous = client.get(reverse("robustness"), {"samples": 100}).content.decode()
    assert 'id="open-round"' not in anonymous
    # Readers are told at the top which strengths the page counts, in words.
    first = re.search(r'id="panels-first">(.*?)</p>', anonymous, re.S)
    assert first, "the page says near its top that a panel's strengths count"
    assert "1 link counts at the strength a panel of experts gave" in first.group(1)
    assert "LAYERWISE_PANEL_TIE" not in anonymous


def test_the_higher_tie_setting_is_said(seeded_graph, ada, client, settings):
    settings.LAYERWISE_PANEL_TIE = "higher"
    _contested(ada)
    page = client.get(reverse("robustness"), {"samples": 100}).content.decode()
    assert "counted as high, the higher of an even split" in page


def test_an_editor_opens_a_round_and_a_judge_answers_on_its_page(
    seeded_graph, ada, editor_client
):
    bob = _user("bob", "editors")
    judge_of_user(user=ada)
    judge_of_user(user=bob)
    url = reverse("round-new")
    form = editor_client.get(url, {"link": "->".join(LINK)}).content.decode()
    assert 'value="deployer-liability-&gt;guardrail-removal" checked' in form
    closes = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    answer = editor_client.post(
        url,
        {
            "title": "Liability",
            "closes_on": closes,
            "judge": ["ada", "bob"],
            "link": ["->".join(LINK)],
        },
    )
    assert answer.status_code == 302, answer.content
    held = Round.objects.get()
    assert answer["Location"] == reverse("round", args=(held.slug,))
    # The judge's page has a form with a CSRF token; a post without it is refused.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    page = browser.get(answer["Location"]).content.decode()
    assert "csrfmiddlewaretoken" in page and "Give my answer" in page
    given = {"mitigation": LINK[0], "threat": LINK[1], "strength": "high"}
    assert browser.post(answer["Location"], given).status_code == 403
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answered = browser.post(answer["Location"], {**given, "csrfmiddlewaretoken": token})
    assert answered.status_code == 302
    assert JudgementRow.objects.get(round=held.slug).strength == "high"
    # A non-judge gets no form, and a post is refused.
    carol = Client()
    carol.force_login(_user("carol", "editors"))
    assert "Give my answer" not in carol.get(answer["Location"]).content.decode()
    assert carol.post(answer["Location"], given).status_code == 403
    # The judge's queue lists the round.
    queue = Client()
    queue.force_login(ada)
    mine = queue.get(reverse("my-judgements")).content.decode()
    rounds = mine[mine.index('id="my-rounds"') :]
    assert "Liability" in rounds and "phase 1" in rounds


def test_a_round_with_no_judge_is_refused_with_the_reason(seeded_graph, editor_client):
    answer = editor_client.post(
        reverse("round-new"),
        {"title": "x", "closes_on": "2099-01-01", "link": ["->".join(LINK)]},
    )
    assert answer.status_code == 422
    assert "at least one judge" in answer.content.decode()
    assert not Round.objects.exists()


def test_an_editor_moves_a_round_on_from_its_page_and_a_judge_may_not(
    seeded_graph, ada, editor_client
):
    bob = _user("bob", "viewers")
    judge_of_user(user=ada)
    editor_client.post(
        reverse("round-new"),
        {
            "title": "Steps",
            "closes_on": "2099-01-01",
            "judge": ["ada"],
            "link": ["->".join(LINK)],
        },
    )
    url = reverse("round", args=("steps",))
    viewer = Client()
    viewer.force_login(bob)
    assert viewer.post(url, {"step": "close"}).status_code == 403
    assert editor_client.post(url, {"step": "advance"}).status_code == 302
    assert Round.objects.get().phase == "revising"
    assert editor_client.post(url, {"step": "close"}).status_code == 302
    assert Round.objects.get().phase == "closed"
    again = editor_client.post(url, {"step": "close"})
    assert again.status_code == 409
    assert "is closed: it changes no more" in again.content.decode()


def test_the_round_page_words_its_rule_and_the_answer_button_by_phase(
    seeded_graph, ada, editor_client
):
    judge_of_user(user=ada)
    editor_client.post(
        reverse("round-new"),
        {
            "title": "Wording",
            "closes_on": "2099-01-01",
            "judge": ["ada"],
            "link": ["->".join(LINK)],
        },
    )
    url = reverse("round", args=("wording",))
    given = {"mitigation": LINK[0], "threat": LINK[1], "strength": "low"}
    assert editor_client.post(url, given).status_code == 302

    def rule_and_button() -> tuple[str, str]:
        page = editor_client.get(url).content.decode()
        rule = re.search(r'<p id="round-rules">(.*?)</p>', page).group(1)
        button = re.findall(r"(Give|Change|Revise) my answer", page)
        return rule, " ".join(button)

    rule, button = rule_and_button()
    assert "the robustness analysis counts the round only once it closes" in rule
    # In phase 1 a judge changes an answer; "revise" is phase 2's word.
    assert button == "Change"
    editor_client.post(url, {"step": "advance"})
    assert rule_and_button()[1] == "Revise"
    editor_client.post(url, {"step": "close"})
    rule, button = rule_and_button()
    # A closed round's page no longer says the analysis does not count it.
    assert rule.endswith(
        "While the round was open, no judge saw another's phase-1 answer "
        "for a link before giving their own."
    )
    assert "count" not in rule and button == ""
    # "Round" and "panel" link to their glossary entries, which say what they are.
    glossary = reverse("glossary")
    page = editor_client.get(url).content.decode()
    assert f'href="{glossary}#round"' in page and f'href="{glossary}#panel"' in page
    panel = editor_client.get(reverse("panel", args=LINK)).content.decode()
    assert f'href="{glossary}#panel"' in panel
    assert ">panel</a> of 1 judge judged how strongly" in panel
    # Only the robustness page counts a panel: the page says which counts where.
    assert "The robustness analysis counts it as <strong>low</strong>" in panel
    assert "the editors judged it medium, which the other pages count" in panel
    entries = editor_client.get(glossary).content.decode()
    assert '<dt id="round">Round of judging</dt>' in entries
    assert "in phase 1 each answers without seeing the others" in entries
    assert '<dt id="alpha">' in entries
