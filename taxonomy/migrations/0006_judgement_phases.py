"""A judgement's phase in its round: a Delphi's phase-2 revision becomes a row
of its own beside the judge's phase-1 answer (until now it overwrote it).

Rows written before this migration are phase 1, except a round's answers
changed after its phase 1 ended: those become phase 2 and their phase-1
answer is brought back from the audit log (the last values the judge gave
before phase 1 ended), so the round can show how its panel moved.
"""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def _phase_one_end(held, entries):
    """When a round's phase 1 ended: an editor moved it on from ``open``, or
    its last day passed (the earlier), None while neither happened."""
    moved = (
        entries.filter(kind="round", key=held.slug, before__phase="open")
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )
    passed = timezone.make_aware(
        dt.datetime.combine(held.closes_on + dt.timedelta(days=1), dt.time.min)
    )
    if passed > timezone.now():
        passed = None
    ends = [t for t in (moved, passed) if t is not None]
    return min(ends) if ends else None


def phases_from_the_audit(apps, schema_editor):
    Round = apps.get_model("taxonomy", "Round")
    Judgement = apps.get_model("taxonomy", "Judgement")
    AuditEntry = apps.get_model("taxonomy", "AuditEntry")
    for held in Round.objects.all():
        end = _phase_one_end(held, AuditEntry.objects)
        if end is None:
            continue
        for row in Judgement.objects.filter(round=held.slug, phase=1).select_related(
            "judge"
        ):
            given = AuditEntry.objects.filter(
                kind="judgement",
                key=f"{row.mitigation}->{row.threat}",
                after__round=held.slug,
                after__judge=row.judge.name,
            )
            if not given.filter(at__gt=end).exists():
                continue
            row.phase = 2
            row.save(update_fields=["phase"])
            first = given.filter(at__lte=end).order_by("at", "id").last()
            if first is None:
                continue
            values = first.after
            interval = values.get("interval") or (None, None)
            Judgement.objects.create(
                mitigation=row.mitigation,
                threat=row.threat,
                judge=row.judge,
                round=held.slug,
                phase=1,
                strength=values["strength"],
                low=interval[0],
                high=interval[1],
                confidence=values.get("confidence"),
                rationale=values.get("rationale") or "",
                sources=values.get("sources") or [],
                date=dt.date.fromisoformat(values["date"])
                if values.get("date")
                else row.date,
                updated_at=first.at,
            )


def keep_the_latest(apps, schema_editor):
    """Backwards: one row per judge, link and round again (the latest)."""
    Judgement = apps.get_model("taxonomy", "Judgement")
    for row in Judgement.objects.filter(phase=2):
        Judgement.objects.filter(
            mitigation=row.mitigation,
            threat=row.threat,
            judge=row.judge,
            round=row.round,
            phase=1,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0005_rounds"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="judgement",
            options={
                "ordering": ["threat", "mitigation", "judge__name", "round", "phase"]
            },
        ),
        migrations.RemoveConstraint(
            model_name="judgement",
            name="one_judgement_per_judge_link_round",
        ),
        migrations.AddField(
            model_name="judgement",
            name="phase",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "phase 1"), (2, "phase 2")], default=1
            ),
        ),
        migrations.RunPython(phases_from_the_audit, keep_the_latest),
        migrations.AddConstraint(
            model_name="judgement",
            constraint=models.UniqueConstraint(
                fields=("mitigation", "threat", "judge", "round", "phase"),
                name="one_judgement_per_judge_link_round_phase",
            ),
        ),
    ]
