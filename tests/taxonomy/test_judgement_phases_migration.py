"""Migration 0006 brings back, from the audit log, the phase-1 answers that a
phase-2 revision overwrote before phases were kept (issue 27)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.apps import apps

from taxonomy.domain.judgements import Judgement
from taxonomy.judgements import judge_of_user, judgement_save
from taxonomy.models import Judgement as JudgementRow
from taxonomy.rounds import round_advance, round_open

LINK = ("deployer-liability", "guardrail-removal")
OTHER = ("chip-attestation", "covert-deployment")
migration = import_module("taxonomy.migrations.0006_judgement_phases")


def _answer(user, slug, strength, link=LINK, reason=""):
    judgement_save(
        record=Judgement(*link, user.username, strength, rationale=reason, round=slug),
        actor=user,
    )


def test_a_revision_that_overwrote_its_answer_is_split_again(seeded_graph, ada):
    judge_of_user(user=ada)
    held = round_open(
        title="Before phases",
        links=[LINK, OTHER],
        judges=["ada"],
        closes_on=dt.date.today() + dt.timedelta(days=5),
        actor=ada,
    )
    _answer(ada, held.slug, "high", reason="first thoughts")
    _answer(ada, held.slug, "low", link=OTHER)
    round_advance(slug=held.slug, actor=ada)
    _answer(ada, held.slug, "medium", reason="second thoughts")
    # What the code before phases stored: one row, the revision, as phase 1.
    rows = JudgementRow.objects.filter(round=held.slug)
    rows.filter(phase=1, mitigation=LINK[0]).delete()
    rows.filter(phase=2).update(phase=1)
    assert rows.count() == 2

    migration.phases_from_the_audit(apps, None)

    assert sorted(rows.values_list("mitigation", "phase", "strength", "rationale")) == [
        (OTHER[0], 1, "low", ""),
        (LINK[0], 1, "high", "first thoughts"),
        (LINK[0], 2, "medium", "second thoughts"),
    ]
    # Backwards: the latest answer alone again.
    migration.keep_the_latest(apps, None)
    assert sorted(rows.values_list("mitigation", "strength")) == [
        (OTHER[0], "low"),
        (LINK[0], "medium"),
    ]


def test_a_round_still_in_phase_one_is_left_as_it_is(seeded_graph, ada):
    judge_of_user(user=ada)
    held = round_open(
        title="Still open",
        links=[LINK],
        judges=["ada"],
        closes_on=dt.date.today() + dt.timedelta(days=5),
        actor=ada,
    )
    _answer(ada, held.slug, "high")
    _answer(ada, held.slug, "low")
    migration.phases_from_the_audit(apps, None)
    assert list(JudgementRow.objects.values_list("phase", "strength")) == [(1, "low")]
