"""API tokens, kept as a lookup prefix and a SHA-256 hash (the key itself is never
stored), and import jobs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

PREFIX_LENGTH = 8
# last_used is written at most this often per token: a write on every request
# would serialise the API on SQLite's one writer.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_digest(key: str) -> str:
    """The SHA-256 hex digest a key is stored as.

    >>> key_digest("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(key.encode()).hexdigest()


class APITokenManager(models.Manager):
    """Issues keys and finds the token a presented key belongs to."""

    def issue(self, *, user) -> str:
        """Give ``user`` a new token, replacing any they had; return its key.

        This is the only time the key exists outside the client: only its
        prefix and digest are saved.
        """
        key = secrets.token_urlsafe(32)
        with transaction.atomic():
            self.filter(user=user).delete()
            self.create(user=user, prefix=key[:PREFIX_LENGTH], digest=key_digest(key))
        return key

    def matching(self, key: str) -> APIToken | None:
        """The token whose key is ``key``, with its user, or None."""
        digest = key_digest(key)
        for token in self.select_related("user").filter(prefix=key[:PREFIX_LENGTH]):
            if hmac.compare_digest(token.digest, digest):
                return token
        return None


class APIToken(models.Model):
    """A user's REST API token (one per user), sent as ``Authorization: Token <key>``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = APITokenManager()

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def mark_used(self) -> None:
        """Record that the token was used now (at most once a minute)."""
        now = timezone.now()
        if self.last_used is None or now - self.last_used >= LAST_USED_RESOLUTION:
            APIToken.objects.filter(pk=self.pk).update(last_used=now)
            self.last_used = now


class ImportJob(models.Model):
    """An API import run by the task worker (``graphapi.jobs``), not in the
    request that sent it: what it was asked, how far it is, how it ended.

    The body waits here until the worker reads it (and is dropped once the
    job ends); the queue entry itself is django-tasks' (``task_id``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ENDED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    query = models.JSONField(help_text="The import's query, as validated.")
    media_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    task_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(max_length=20, default="queued")
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(null=True)
    error = models.JSONField(null=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True)
    finished = models.DateTimeField(null=True)
    beat = models.DateTimeField(null=True, help_text="Last heard of its worker.")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"import job {self.id} ({self.status})"
