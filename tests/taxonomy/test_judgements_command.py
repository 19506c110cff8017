"""`manage.py judgements`: an export read back by import gives the same
export; a bad file writes nothing and names its file, line and field; a dry
run writes nothing; every write is audited under the command or the editor
``--as`` names; the export keeps an open round's answers secret."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taxonomy.domain.judgements import Judgement
from taxonomy.formats.judgements import judgements_read_csv
from taxonomy.judgements import (
    judge_create,
    judge_of_user,
    judgement_save,
    judgements_import,
)
from taxonomy.models import AuditEntry, Judge
from taxonomy.models import Judgement as JudgementRow
from taxonomy.rounds import round_open

LINK = ("deployer-liability", "guardrail-removal")
OTHER = ("chip-attestation", "sanctions-evasion")


@pytest.fixture
def judged(seeded_graph_read_only, ada):
    """Three judgements: ada's own, and two of an expert she recorded, one
    with a range, confidence, sources and a rationale holding a comma, a
    quote and a line break."""
    judgement_save(
        record=Judgement(*LINK, judge_of_user(user=ada).name, "low"), actor=ada
    )
    expert = judge_create(name="Dr Lin Okafor", affiliation="Law, Inc.", actor=ada)
    judgement_save(
        record=Judgement(
            *LINK,
            expert.name,
            "high",
            (0.8, 0.95),
            0.9,
            'Deployers "pay",\nso they act.',
            ("qi-2024", "uk-aisi-2025"),
            "2026-11-30",
            "survey-2026",
        ),
        actor=ada,
    )
    judgement_save(record=Judgement(*OTHER, expert.name, "medium"), actor=ada)
    return ada


def _export(fmt: str, *more: str) -> str:
    out = io.StringIO()
    call_command("judgements", "export", "--format", fmt, *more, stdout=out)
    return out.getvalue()


def _import(path: Path, *more: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("judgements", "import", str(path), *more, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _forget_every_judgement() -> None:
    JudgementRow.objects.all().delete()
    Judge.objects.all().delete()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imported_afresh_exports_the_same(judged, tmp_path, fmt):
    first = _export(fmt)
    assert "Dr Lin Okafor" in first and "survey-2026" in first
    path = tmp_path / f"panel.{fmt}"
    path.write_text(first, encoding="utf-8")
    _forget_every_judgement()
    said, _ = _import(path)
    assert "Wrote 3 judgements" in said
    assert _export(fmt) == first
    entries = AuditEntry.objects.filter(kind="judgement", channel="import")
    assert {e.actor_name for e in entries} == {f"judgements import (panel.{fmt})"}
    assert entries.count() == 3


def test_an_editor_reimports_their_own_judgements_with_as(judged, tmp_path):
    first = _export("json")
    path = tmp_path / "panel.json"
    path.write_text(first, encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was written"):
        _import(path)
    said, _ = _import(path, "--as", "ada")
    assert "Wrote 3 judgements, recording 0 new judges" in said
    assert _export("json") == first
    assert (
        AuditEntry.objects.filter(
            kind="judgement", action="update", actor_name="ada", channel="import"
        ).count()
        == 3
    )


def test_the_export_writes_a_file_with_out(judged, tmp_path):
    path = tmp_path / "out.csv"
    said = _export("csv", "-o", str(path))
    assert f"Wrote 3 judgements to {path}" in said
    assert path.read_text(encoding="utf-8") == _export("csv")


CSV_HEAD = "mitigation,threat,judge,strength,low,high,sources\n"


@pytest.mark.parametrize(
    ("lines", "named"),
    [
        (
            f"{','.join(LINK)},Bo,high,,,\n{','.join(LINK)},Cy,huge,,,\n",
            "bad.csv:3: strength: must be one of low, medium, high, got 'huge'",
        ),
        (
            f"{','.join(LINK)},Bo,high,,,\n{','.join(LINK)},Cy,low,0.5,,\n",
            "bad.csv:3: interval: give both low and high",
        ),
        (
            f"{','.join(LINK)},Bo,high,,,\n{','.join(LINK)},Cy,low,,,nowhere\n",
            "bad.csv:3: judgement (Cy on deployer-liability->guardrail-removal): "
            "sources: no source 'nowhere'",
        ),
        (
            f'{",".join(LINK)},Bo,high,,,"a\nb"\n{",".join(OTHER[:1])},nowhere,Cy,low,,,\n',
            "bad.csv:4: judgement (Cy on chip-attestation->nowhere): no mitigates",
        ),
    ],
)
def test_a_bad_file_writes_nothing_and_names_its_line_and_field(
    judged, tmp_path, lines, named
):
    path = tmp_path / "bad.csv"
    path.write_text(CSV_HEAD + lines, encoding="utf-8")
    before = (JudgementRow.objects.count(), AuditEntry.objects.count())
    err = io.StringIO()
    with pytest.raises(CommandError, match="bad.csv; nothing was written"):
        call_command(
            "judgements", "import", str(path), stdout=io.StringIO(), stderr=err
        )
    assert f"{tmp_path}/{named}" in err.getvalue()
    assert (JudgementRow.objects.count(), AuditEntry.objects.count()) == before
    assert not Judge.objects.filter(name__in=["Bo", "Cy"]).exists()


def test_a_bad_json_item_is_named_by_its_index(judged, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        '{"format": "layerwise-judgements", "version": 1, "judgements": ['
        f'{{"mitigation": "{LINK[0]}", "threat": "{LINK[1]}", "judge": "Bo", '
        '"strength": "low", "confidence": 3}]}',
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "judgements", "import", str(path), stdout=io.StringIO(), stderr=err
        )
    assert "bad.json: judgements[0]: confidence: must be between 0 and 1" in (
        err.getvalue()
    )


def test_a_dry_run_checks_counts_and_writes_nothing(judged, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text(
        CSV_HEAD + f"{','.join(LINK)},Bo,high,,,\n{','.join(OTHER)},Cy,low,,,\n",
        encoding="utf-8",
    )
    before = (JudgementRow.objects.count(), AuditEntry.objects.count())
    said, _ = _import(path, "--dry-run")
    assert (
        "Would write 2 judgements, recording 2 new judges; nothing was written" in said
    )
    assert (JudgementRow.objects.count(), AuditEntry.objects.count()) == before
    assert not Judge.objects.filter(name__in=["Bo", "Cy"]).exists()


def test_as_names_only_an_editor(judged, tmp_path, django_user_model):
    django_user_model.objects.create_user("vera", password="x")
    for name in ("vera", "nobody"):
        with pytest.raises(CommandError, match="no editor account"):
            _export("csv", "--as", name)


def test_an_unknown_suffix_or_unreadable_file_is_refused(judged, tmp_path):
    path = tmp_path / "panel.txt"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(CommandError, match="give --format csv or json"):
        _import(path)
    with pytest.raises(CommandError, match="UTF-8"):
        _import(path, "--format", "csv")


def test_the_export_leaves_out_an_open_rounds_answers(judged, django_user_model):
    ada = judged
    held = round_open(
        title="Liability",
        links=[LINK],
        judges=["ada"],
        closes_on=dt.date.today() + dt.timedelta(days=5),
        actor=ada,
    )
    judgement_save(
        record=Judgement(*LINK, "ada", "medium", rationale="secret", round=held.slug),
        actor=ada,
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("judgements", "export", stdout=out, stderr=err)
    assert "secret" not in out.getvalue()
    assert held.slug in err.getvalue() and "still open" in err.getvalue()
    mine = io.StringIO()
    call_command(
        "judgements", "export", "--as", "ada", stdout=mine, stderr=io.StringIO()
    )
    assert "secret" in mine.getvalue()


def test_a_long_import_says_how_far_it_is(judged, tmp_path, monkeypatch):
    # Progress lines start at SHOWN_FROM steps; two judgements are four steps.
    monkeypatch.setattr("taxonomy.management.progress.SHOWN_FROM", 4)
    path = tmp_path / "new.csv"
    path.write_text(
        CSV_HEAD + f"{','.join(LINK)},Bo,high,,,\n{','.join(OTHER)},Cy,low,,,\n",
        encoding="utf-8",
    )
    _, err = _import(path)
    assert "checked or written 4/4 steps (100%" in err
    steps = []
    JudgementRow.objects.all().delete()

    judgements_import(
        judgements=judgements_read_csv(path.read_text()),
        actor="test",
        progress=lambda done, total: steps.append((done, total)),
    )
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]
