"""What the taxonomy keeps outside the graph: the audit log and named revisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


def _user_or_none(related_name: str) -> models.ForeignKey:
    """A link to the user who acted, kept (as null) when the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


class AuditEntry(models.Model):
    """One write to one item of the graph: who, when, what (before and after) and why.

    ``key`` is a node's id or a link's ``"source->target"``; for links
    ``source`` and ``target`` hold the two ends too, so a node's history can
    find the links that involve it. ``before`` is null for a creation,
    ``after`` for a deletion.

    The table is a copy of the graph's audit journal (``:AuditRecord`` nodes
    written by each write's own transaction), for filtering and paging; it
    can be rebuilt from the journal (``manage.py audit rebuild``). A copied
    entry is identified by the graph's epoch, the revision and the position
    within that revision's write.
    """

    class Channel(models.TextChoices):
        BROWSER = "browser", "browser"
        API = "api", "API"
        FIXTURES = "fixtures", "fixture load"
        IMPORT = "import", "import"

    class Action(models.TextChoices):
        CREATE = "create", "created"
        UPDATE = "update", "changed"
        DELETE = "delete", "deleted"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = _user_or_none("audit_entries")
    actor_name = models.CharField(max_length=200, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=500)
    source = models.CharField(max_length=250, blank=True, db_index=True)
    target = models.CharField(max_length=250, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    graph_revision = models.PositiveBigIntegerField(null=True, blank=True)
    graph_epoch = models.CharField(max_length=64, blank=True, default="")
    position = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["kind", "key"], name="audit_kind_key"),
            models.Index(
                fields=["graph_epoch", "graph_revision", "position"],
                name="audit_journal_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["graph_epoch", "graph_revision", "position"],
                condition=models.Q(position__isnull=False),
                name="audit_one_copy_per_record",
            )
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.kind} {self.key}"


class NamedRevision(models.Model):
    """The whole taxonomy as it was when an editor named it (``taxonomy tag NAME``).

    ``document`` is the canonical JSON document of ``document_json.taxonomy_to_document``.
    """

    name = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = _user_or_none("named_revisions")
    created_by_name = models.CharField(max_length=200, blank=True)
    graph_revision = models.PositiveBigIntegerField()
    comment = models.TextField(blank=True)
    document = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (graph revision {self.graph_revision})"


class Judge(models.Model):
    """Someone whose judgements of links a panel counts: an editor's own
    account (``user``) or a named external expert an editor recorded."""

    name = models.CharField(max_length=200, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="judge",
    )
    affiliation = models.CharField(max_length=200, blank=True)
    recorded_by = _user_or_none("judges_recorded")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Judgement(models.Model):
    """One judge's strength of one MITIGATES link (``mitigation -> threat``),
    in a round or outside any (``round`` empty); see ``taxonomy.judgements``.
    ``phase`` is the round's phase it was given in: 1, or 2 for a judge's
    revision in a Delphi's second phase (their phase-1 answer stays a row of
    its own); 1 outside any round."""

    PHASES = ((1, "phase 1"), (2, "phase 2"))

    mitigation = models.CharField(max_length=250)
    threat = models.CharField(max_length=250)
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="given")
    strength = models.CharField(max_length=10)
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)
    date = models.DateField(default=timezone.localdate)
    round = models.CharField(max_length=100, blank=True, default="")
    phase = models.PositiveSmallIntegerField(choices=PHASES, default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["threat", "mitigation", "judge__name", "round", "phase"]
        constraints = [
            models.UniqueConstraint(
                fields=["mitigation", "threat", "judge", "round", "phase"],
                name="one_judgement_per_judge_link_round_phase",
            )
        ]
        indexes = [models.Index(fields=["threat", "mitigation"], name="judged_link")]

    def __str__(self) -> str:
        return f"{self.judge} on {self.mitigation}->{self.threat}: {self.strength}"


class Round(models.Model):
    """An elicitation round (a Delphi in two phases) over some MITIGATES links:
    its judgements are the ``Judgement`` rows whose ``round`` is its ``slug``;
    see ``taxonomy.rounds``."""

    OPEN, REVISING, CLOSED = "open", "revising", "closed"
    PHASES = ((OPEN, "open"), (REVISING, "revising"), (CLOSED, "closed"))

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    # [[mitigation, threat], ...]: the links the judges are asked about.
    links = models.JSONField(default=list)
    judges = models.ManyToManyField(Judge, related_name="rounds")
    closes_on = models.DateField()
    phase = models.CharField(max_length=10, choices=PHASES, default=OPEN)
    opened_by = _user_or_none("rounds_opened")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "slug"]

    def __str__(self) -> str:
        return f"{self.title} ({self.phase})"
