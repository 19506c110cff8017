"""Writes of judges and their judgements of MITIGATES links: <entity>_<verb>(*, ...).

Where judgements live, and why: in Django's tables (``Judge``,
``Judgement`` in ``taxonomy.models``), not in the graph.

- A judgement is one person's opinion of a link, not a fact of the
  taxonomy: the graph's exports (the canonical document, STIX, GraphML,
  the Navigator layers) describe the taxonomy, and would otherwise each
  have to leave the judgements out, or carry them.
- Its readers differ by who asks: in an elicitation round nobody may see
  another judge's first-phase answer before giving their own, while every
  read of the graph is public. One table behind Django's permissions keeps
  that rule in one place.
- A judge is an editor's own account or a named expert an editor recorded:
  a row that points at a user, in the same database as the users.

The link is named by its ends (``mitigation``, ``threat``): a judgement of
a link that is later removed stays, and counts again if the link comes
back; the panels count only links the taxonomy holds. Every write is one
database transaction with its audit entry (kind ``judgement``, key the
link's ``mitigation->threat``, the judge in its values), so the link's
history lists the judgements given of it; ``audit rebuild`` keeps these
entries, as they are not copies of the graph's journal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from taxonomy.audit import actor_of, record_values
from taxonomy.domain import judgements as domain
from taxonomy.domain.errors import (
    GraphConflict,
    InterchangeError,
    InvalidWrite,
    NotFound,
)
from taxonomy.domain.kinds import link_key
from taxonomy.models import AuditEntry, Judge, Judgement, Round
from taxonomy.selectors.cache import revision_token
from taxonomy.selectors.panels import judgement_record_of
from taxonomy.selectors.rounds import phase_now
from taxonomy.selectors.snapshot import taxonomy_at

JUDGEMENT = "judgement"
JUDGE = "judge"


def _audit(
    *,
    actor: Any,
    channel: str,
    action: str,
    kind: str,
    key: str,
    before,
    after,
    comment: str = "",
    ends: tuple[str, str] = ("", ""),
) -> None:
    user, name = actor_of(actor)
    AuditEntry.objects.create(
        actor=user,
        actor_name=name,
        channel=channel,
        action=action,
        kind=kind,
        key=key,
        source=ends[0],
        target=ends[1],
        before=before,
        after=after,
        comment=comment,
    )


def judge_create(
    *,
    name: str,
    actor: Any,
    user: Any = None,
    affiliation: str = "",
    channel: str = "api",
) -> Judge:
    """Record a judge: ``user`` an editor's account, or None for a named
    external expert. Raises InvalidWrite for a blank or taken name."""
    name = name.strip()
    if not name or len(name) > domain.JUDGE_MAX_LENGTH:
        raise InvalidWrite(
            {
                "name": [
                    f"a judge needs a name of 1 to {domain.JUDGE_MAX_LENGTH} characters"
                ]
            }
        )
    if Judge.objects.filter(name=name).exists():
        raise InvalidWrite({"name": [f"a judge named {name!r} exists already"]})
    with transaction.atomic():
        judge = Judge.objects.create(
            name=name,
            user=user,
            affiliation=affiliation,
            recorded_by=actor_of(actor)[0],
        )
        _audit(
            actor=actor,
            channel=channel,
            action="create",
            kind=JUDGE,
            key=name,
            before=None,
            after={
                "name": name,
                "affiliation": affiliation,
                "account": user.get_username() if user else "",
            },
        )
    return judge


def judge_of_user(*, user: Any, channel: str = "browser") -> Judge:
    """The judge an editor judges as: their own, recorded on first use under
    their username."""
    found = Judge.objects.filter(user=user).first()
    if found is not None:
        return found
    return judge_create(
        name=user.get_username(), user=user, actor=user, channel=channel
    )


def _may_judge_as(actor: Any, judge: Judge) -> None:
    """An editor gives their own judgements and records external experts'; a
    judgement under another editor's account is theirs alone to give."""
    if judge.user_id is not None and judge.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            f"{judge.name}'s judgements are theirs to give: you may not write them"
        )


def _round_allows(
    actor: Any,
    judge: Judge,
    round: str,
    link: tuple[str, str],
    phase: int | None = None,
) -> int:
    """The phase an answer is written in (1 or 2), or refuse an answer in an
    elicitation round (``taxonomy.rounds``) that the round does not take: it
    is closed, or ``phase`` is not the phase it is in (GraphConflict: a
    phase-1 answer changes no more once phase 2 began), the judge is not one
    of its judges, or an external expert's answer not entered by the editor
    who opened it (PermissionDenied), a link it does not ask about
    (InvalidWrite). A ``round`` no round has (a survey's label) is no round:
    nothing to check, and the phase is as given (1 when not given).
    """
    held = Round.objects.filter(slug=round).first() if round else None
    if held is None:
        return phase or 1
    if held.phase == Round.CLOSED:
        raise GraphConflict(f"the round {round!r} is closed: it changes no more")
    if not held.judges.filter(pk=judge.pk).exists():
        raise PermissionDenied(f"{judge.name} is not a judge of the round {round!r}")
    if judge.user_id is None and held.opened_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            f"{judge.name}'s answers in the round {round!r} are entered by the "
            "editor who opened it"
        )
    if list(link) not in held.links:
        raise InvalidWrite(
            {"round": [f"the round {round!r} does not ask about {link_key(*link)}"]}
        )
    now = 1 if phase_now(held) == Round.OPEN else 2
    if phase not in (None, now):
        raise GraphConflict(
            f"the round {round!r} is in phase {now}: "
            + (
                "its phase-1 answers change no more, a judge revises in phase 2"
                if now == 2
                else "phase 2 has not begun"
            )
        )
    return now


def _checked(record: domain.Judgement) -> None:
    """Refuse a judgement with a bad field or of a link the taxonomy lacks."""
    problems = domain.judgement_problems(record)
    if problems:
        raise InvalidWrite({f: [message] for f, message in problems.items()})
    snapshot = taxonomy_at(token=revision_token())
    if not any(
        m.mitigation == record.mitigation and m.threat == record.threat
        for m in snapshot.mitigates
    ):
        raise NotFound("mitigates", link_key(record.mitigation, record.threat))
    known = {s.id for s in snapshot.sources}
    unknown = [s for s in record.sources if s not in known]
    if unknown:
        raise InvalidWrite({"sources": [f"no source {s!r}" for s in unknown]})


def judgement_values(row: Judgement) -> dict[str, Any]:
    """A stored judgement as its record's values (what the audit stores)."""
    return record_values(judgement_record_of(row))


def judgement_save(
    *, record: domain.Judgement, actor: Any, channel: str = "api", comment: str = ""
) -> Judgement:
    """Give (or change) ``record.judge``'s judgement of the link in its round.

    Raises InvalidWrite (a bad field, an unknown judge or source), NotFound
    (no such link), PermissionDenied (another editor's judgement).
    """
    judge = Judge.objects.filter(name=record.judge).first()
    if judge is None:
        raise InvalidWrite({"judge": [f"no judge named {record.judge!r}"]})
    _may_judge_as(actor, judge)
    phase = _round_allows(actor, judge, record.round, record.link, record.phase)
    _checked(record)
    date = dt.date.fromisoformat(record.date) if record.date else timezone.localdate()
    values = {
        "strength": record.strength,
        "low": record.interval[0] if record.interval else None,
        "high": record.interval[1] if record.interval else None,
        "confidence": record.confidence,
        "rationale": record.rationale,
        "sources": list(record.sources),
        "date": date,
        "updated_at": timezone.now(),
    }
    with transaction.atomic():
        row = (
            Judgement.objects.select_for_update()
            .filter(
                mitigation=record.mitigation,
                threat=record.threat,
                judge=judge,
                round=record.round,
                phase=phase,
            )
            .first()
        )
        before = None if row is None else judgement_values(row)
        if row is None:
            row = Judgement.objects.create(
                mitigation=record.mitigation,
                threat=record.threat,
                judge=judge,
                round=record.round,
                phase=phase,
                **values,
            )
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
        _audit(
            actor=actor,
            channel=channel,
            action="create" if before is None else "update",
            kind=JUDGEMENT,
            key=link_key(record.mitigation, record.threat),
            before=before,
            after=judgement_values(row),
            comment=comment,
            ends=(record.mitigation, record.threat),
        )
    return row


def judgement_delete(
    *,
    mitigation: str,
    threat: str,
    judge: str,
    actor: Any,
    round: str = "",
    phase: int | None = None,
    channel: str = "api",
    comment: str = "",
) -> None:
    """Withdraw a judgement (of ``phase``, else the judge's latest in the
    round; a round's phase-1 answer is not withdrawn once phase 2 began).
    Raises NotFound, PermissionDenied, GraphConflict."""
    rows = Judgement.objects.filter(
        mitigation=mitigation, threat=threat, judge__name=judge, round=round
    ).select_related("judge")
    if phase is not None:
        rows = rows.filter(phase=phase)
    row = rows.order_by("-phase").first()
    if row is None:
        raise NotFound(JUDGEMENT, f"{link_key(mitigation, threat)} by {judge}")
    _may_judge_as(actor, row.judge)
    _round_allows(actor, row.judge, round, (mitigation, threat), row.phase)
    with transaction.atomic():
        before = judgement_values(row)
        row.delete()
        _audit(
            actor=actor,
            channel=channel,
            action="delete",
            kind=JUDGEMENT,
            key=link_key(mitigation, threat),
            before=before,
            after=None,
            comment=comment,
            ends=(mitigation, threat),
        )


def judgements_import(
    *,
    judgements: list[domain.Judgement],
    judges: list[dict[str, str]] = (),
    actor: Any,
    channel: str = "import",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Bring in a panel's judgements (``formats.judgements``): judges not yet
    recorded are recorded as external experts; all or nothing, each write
    audited. Returns how many judgements were written. ``progress(done,
    total)`` hears of each step: every judgement is checked, then written.

    Raises InterchangeError naming every judgement at fault (its position,
    from 1): an unknown link or source, another editor's judgement.
    """
    steps = 2 * len(judgements)
    progress = progress or (lambda done, total: None)
    problems = []
    for i, record in enumerate(judgements, start=1):
        try:
            _checked(record)
            judge = Judge.objects.filter(name=record.judge).first()
            if judge is not None:
                _may_judge_as(actor, judge)
                _round_allows(actor, judge, record.round, record.link, record.phase)
            elif Round.objects.filter(slug=record.round).exists():
                raise PermissionDenied(f"{record.judge} is not a judge of the round")
        except (InvalidWrite, NotFound, PermissionDenied, GraphConflict) as error:
            problems.append(
                f"judgement {i} ({record.judge} on {link_key(*record.link)}): {error}"
            )
        progress(i, steps)
    if problems:
        raise InterchangeError(problems)
    affiliations = {j["name"]: j.get("affiliation", "") for j in judges}
    with transaction.atomic():
        for name in sorted({r.judge for r in judgements} | set(affiliations)):
            if not Judge.objects.filter(name=name).exists():
                judge_create(
                    name=name,
                    affiliation=affiliations.get(name, ""),
                    actor=actor,
                    channel=channel,
                )
        for i, record in enumerate(judgements, start=len(judgements) + 1):
            judgement_save(record=record, actor=actor, channel=channel)
            progress(i, steps)
    return len(judgements)
