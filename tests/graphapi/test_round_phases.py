"""A Delphi keeps both answers (issue 27): a judge's phase-2 revision is a
judgement of its own beside their phase-1 answer, the round shows how the
panel moved and its Krippendorff's alpha, the panels count each judge's
latest, both stay secret on every path until the reader may see them, and
the exports carry the phase so an import gives them back. Against the real
Neo4j (the links)."""

from __future__ import annotations

import json
import re

import krippendorff
import numpy as np
import pytest
from django.urls import reverse

from taxonomy.domain.kinds import link_key
from taxonomy.models import Judge, Judgement, Round
from tests.graphapi.test_rounds_api import (
    LINK,
    OTHER,
    _browser,
    _everything_read_by,
    _submit,
)
from tests.graphapi.test_rounds_api import clients as clients  # noqa: F401
from tests.graphapi.test_rounds_api import opened as opened  # noqa: F401
from tests.graphapi.test_rounds_api import people as people  # noqa: F401

FIRST = "ADA-PHASE-ONE-REASON"
SECOND = "ADA-PHASE-TWO-REASON"


def _krippendorff(units: list[list[int]]) -> float:
    """The package's ordinal alpha of units (links) x judges (no gaps)."""
    data = np.array(units, dtype=float).T
    return krippendorff.alpha(
        reliability_data=data, level_of_measurement="ordinal", value_domain=[0, 1, 2]
    )


@pytest.fixture
def revised(clients, opened):  # noqa: F811
    """ada and bob answer both links; phase 2; ada revises LINK high -> low."""
    assert _submit(clients["ada"], opened, "high", rationale=FIRST).status_code == 201
    assert _submit(clients["bob"], opened, "low").status_code == 201
    assert _submit(clients["ada"], opened, "medium", link=OTHER).status_code == 201
    assert _submit(clients["bob"], opened, "medium", link=OTHER).status_code == 201
    assert clients["carol"].post(f"/api/v1/rounds/{opened}/advance/").status_code == 200
    answer = _submit(clients["ada"], opened, "low", rationale=SECOND)
    assert answer.status_code == 201, answer.content
    assert answer.json()["phase"] == 2
    return opened


def test_a_revision_keeps_the_phase_one_answer_beside_it(clients, revised):
    rows = Judgement.objects.filter(round=revised, judge__name="ada", **LINK)
    assert sorted((r.phase, r.strength, r.rationale) for r in rows) == [
        (1, "high", FIRST),
        (2, "low", SECOND),
    ]
    # Revising again changes the phase-2 answer, never the phase-1 one.
    assert _submit(clients["ada"], revised, "medium", rationale=SECOND).status_code
    assert sorted(rows.values_list("phase", "strength")) == [(1, "high"), (2, "medium")]
    # A phase-1 answer changes no more in phase 2 (409), through any write.
    given = {**LINK, "judge": "ada", "strength": "low", "round": revised, "phase": 1}
    answer = clients["ada"].post("/api/v1/judgements/", given, format="json")
    assert answer.status_code == 409, answer.content
    assert "phase-1 answers change no more" in answer.content.decode()
    assert rows.get(phase=1).strength == "high"
    # The round counts a judge once, however many phases they answered in.
    links = clients["ada"].get(f"/api/v1/rounds/{revised}/").json()["links"]
    assert [link["answers"] for link in links] == [2, 2]


def test_no_phase_two_answer_is_given_in_phase_one(clients, opened):  # noqa: F811
    given = {**LINK, "judge": "ada", "strength": "low", "round": opened, "phase": 2}
    answer = clients["ada"].post("/api/v1/judgements/", given, format="json")
    assert answer.status_code == 409, answer.content
    assert "phase 2 has not begun" in answer.content.decode()
    document = {
        "format": "layerwise-judgements",
        "version": 1,
        "judgements": [given],
    }
    imported = clients["ada"].post(
        "/api/v1/judgements/import/?as=json", document, format="json"
    )
    assert imported.status_code == 422 and "judgement 1" in imported.content.decode()
    assert not Judgement.objects.exists()


def test_both_answers_stay_secret_from_who_may_not_see_them(
    people,  # noqa: F811
    clients,  # noqa: F811
    anon,
    viewer_api,
    revised,
):
    # Phase 2: the public and a signed-in non-judge read neither of ada's
    # answers anywhere, nor the round's alpha (it speaks of all the answers).
    assert SECOND not in _everything_read_by(anon, _browser(), revised)
    assert FIRST not in _everything_read_by(anon, _browser(), revised)
    assert anon.get(f"/api/v1/rounds/{revised}/").json()["alpha"] is None
    text = viewer_api.get(f"/api/v1/rounds/{revised}/").content.decode()
    assert FIRST not in text and SECOND not in text
    page = _browser().get(reverse("round", args=(revised,))).content.decode()
    assert "Krippendorff" not in page
    assert "shown to its judges and the editors in phase 2" in page
    # The round's judges and the editors see both, each with its phase.
    seen = clients["bob"].get(f"/api/v1/rounds/{revised}/").json()["judgements"]
    assert {
        (j["judge"], j["phase"], j["strength"]) for j in seen if j["judge"] == "ada"
    } >= {
        ("ada", 1, "high"),
        ("ada", 2, "low"),
    }


def test_in_phase_one_the_reader_sees_no_alpha_and_no_answer(
    people,  # noqa: F811
    clients,  # noqa: F811
    anon,
    opened,  # noqa: F811
):
    _submit(clients["ada"], opened, "high", rationale=FIRST)
    for client in (anon, clients["bob"], clients["carol"], clients["ada"]):
        assert client.get(f"/api/v1/rounds/{opened}/").json()["alpha"] is None
    page = _browser(people["bob"]).get(reverse("round", args=(opened,)))
    text = page.content.decode()
    assert "shown here once phase 1 ends" in text and FIRST not in text


def test_the_round_shows_how_the_panel_moved_and_its_alpha(
    people,  # noqa: F811
    clients,  # noqa: F811
    anon,
    revised,
):
    answer = clients["carol"].get(f"/api/v1/rounds/{revised}/").json()
    # LINK: ada high -> low, bob low; OTHER: ada medium, bob medium.
    before = _krippendorff([[2, 0], [1, 1]])
    after = _krippendorff([[0, 0], [1, 1]])
    assert answer["alpha"]["phase_1"] == pytest.approx(before, abs=1e-9)
    assert answer["alpha"]["latest"] == pytest.approx(after, abs=1e-9)
    page = _browser(people["bob"]).get(reverse("round", args=(revised,)))
    text = page.content.decode()
    agreement = text[text.index('id="round-agreement"') :]
    agreement = agreement[: agreement.index("</section>")]
    assert before < 0 and after >= 0.8
    assert (
        f"Krippendorff's alpha: {before:.2f} after phase 1 (worse than chance: "
        "the judges disagree systematically)"
    ) in agreement.replace("&#x27;", "'")
    assert f"{after:.2f} with the phase-2 revisions (agreement to rely on)" in agreement
    assert "1 means full agreement, 0 agreement no better than chance" in agreement
    assert "Source: Krippendorff, K. (2004)" in agreement
    assert (
        "After phase 1: 1 low, 1 high. Now: 2 low. 1 judge revised in phase 2 "
        "and changed their answer."
    ) in text
    assert "ada: low (revised in phase 2 from high)" in text
    mine = _browser(people["ada"]).get(reverse("my-judgements")).content.decode()
    # The round is named by its title, linked to its page, not by its slug.
    round_url = reverse("round", args=(revised,))
    assert mine.count(f'in the round <a href="{round_url}">Guardrails 2027</a>') == 3
    assert mine.count("(your revision in phase 2)") == 1
    # Closing: the panel counts each judge's latest answer, and everyone
    # now reads both answers, their phases and the alpha.
    assert clients["carol"].post(f"/api/v1/rounds/{revised}/close/").status_code == 200
    panels = {
        (p["mitigation"], p["threat"]): p
        for p in anon.get("/api/v1/judgements/panels/").json()
    }
    assert panels[(LINK["mitigation"], LINK["threat"])]["strength"] == "low"
    assert anon.get(f"/api/v1/rounds/{revised}/").json()["alpha"]["latest"] == (
        pytest.approx(after, abs=1e-9)
    )
    public = anon.get("/api/v1/judgements/").json()
    assert {(j["phase"], j["rationale"]) for j in public if j["judge"] == "ada"} >= {
        (1, FIRST),
        (2, SECOND),
    }
    panel = _browser().get(reverse("panel", args=(LINK["mitigation"], LINK["threat"])))
    assert (
        f'(revised in phase 2 of the round <a href="{round_url}">Guardrails 2027</a>; '
        "it replaces this judge's first answer)"
    ) in panel.content.decode()
    history = _browser(people["carol"]).get(
        reverse("history-node", args=("mitigates", link_key(*LINK.values())))
    )
    html = history.content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    # Both answers name the round by its title, linked to the round's page.
    for words in ("in the round", "in phase 2 of the round"):
        assert f'{words} <a href="{round_url}">Guardrails 2027</a>' in html
    assert (
        "ada gave a judgement of Deployer liability against Guardrail removal "
        "in phase 2 of the round Guardrails 2027 (low)"
    ) in text
    assert text.count("ada gave a judgement of Deployer liability") == 2
    # The round's own steps read as sentences, naming it by its title.
    recent = _browser(people["carol"]).get(reverse("history")).content.decode()
    for sentence in (
        "Opened the round {}",
        "Began phase 2 of the round {}: its judges see the answers",
        "Closed the round {}: its judgements are public and count in the panels",
    ):
        assert sentence.format(f'<a href="{round_url}">Guardrails 2027</a>') in recent
    page = _browser().get(reverse("round", args=(revised,))).content.decode()
    assert "2 judges answered." in page and "so far" not in page


def test_a_round_with_one_judges_answers_says_not_enough_judgements(
    people,  # noqa: F811
    clients,  # noqa: F811
    anon,
    opened,  # noqa: F811
):
    _submit(clients["ada"], opened, "high")
    clients["carol"].post(f"/api/v1/rounds/{opened}/close/")
    assert anon.get(f"/api/v1/rounds/{opened}/").json()["alpha"] == {
        "phase_1": None,
        "latest": None,
    }
    page = _browser().get(reverse("round", args=(opened,))).content.decode()
    assert "Not enough judgements to compute Krippendorff&#x27;s alpha" in page


def test_the_exports_carry_the_phase_and_an_import_gives_both_back(
    clients,  # noqa: F811
    revised,
):
    carol = clients["carol"]
    assert carol.post(f"/api/v1/rounds/{revised}/close/").status_code == 200
    exported = {
        kind: carol.get("/api/v1/judgements/export/", {"as": kind}).content.decode()
        for kind in ("json", "csv")
    }
    items = json.loads(exported["json"])["judgements"]
    assert sorted(j["phase"] for j in items if j["judge"] == "ada") == [1, 1, 2]
    assert exported["csv"].splitlines()[0].endswith(",round,phase")
    for kind, text in exported.items():
        # The round and its judges are gone (the file is a survey's now): the
        # file alone brings back both answers and their phases.
        Judgement.objects.all().delete()
        Round.objects.all().delete()
        Judge.objects.all().delete()
        media = "text/csv" if kind == "csv" else "application/json"
        answer = carol.post(
            f"/api/v1/judgements/import/?as={kind}", text, content_type=media
        )
        assert answer.status_code == 201, answer.content
        again = carol.get("/api/v1/judgements/export/", {"as": kind}).content.decode()
        assert again == text, kind


def test_a_file_without_phases_imports_as_before(clients, seeded_graph):  # noqa: F811
    old = (
        "mitigation,threat,judge,strength,round\n"
        f"{LINK['mitigation']},{LINK['threat']},Dr Who,low,survey-2025\n"
    )
    answer = clients["carol"].post(
        "/api/v1/judgements/import/?as=csv", old, content_type="text/csv"
    )
    assert answer.status_code == 201, answer.content
    assert Judgement.objects.get().phase == 1
