"""Writes of elicitation rounds (a Delphi in two phases): <entity>_<verb>(*, ...).

An editor opens a round over some MITIGATES links, names its judges and the
day phase 1 closes. Its phases:

- ``open`` (phase 1): each judge gives their answer for each link without
  seeing the others' (``selectors.rounds`` keeps them secret);
- ``revising`` (phase 2): an editor advanced it; each judge sees the panel's
  distribution and rationales and may revise their answer;
- ``closed``: an editor closed it; its judgements are public and the panels
  (and so the robustness analysis) count them, as each judge's latest.

A round's answers are ``Judgement`` rows whose ``round`` is the round's slug,
written by ``taxonomy.judgements.judgement_save``, which refuses a judge the
round does not name, a link it does not ask about, another judge's answer
and any change once the round is closed. Every write here is one database
transaction with its audit entry (kind ``round``, key the slug).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from taxonomy.domain.errors import GraphConflict, InvalidWrite, NotFound
from taxonomy.domain.kinds import link_key
from taxonomy.judgements import _audit
from taxonomy.models import Judge, Round
from taxonomy.selectors.cache import revision_token
from taxonomy.selectors.snapshot import taxonomy_at

ROUND = "round"
# Phase -> the phase an editor's next step moves it to.
NEXT = {Round.OPEN: Round.REVISING, Round.REVISING: Round.CLOSED}


def _values(held: Round) -> dict[str, Any]:
    return {
        "title": held.title,
        "phase": held.phase,
        "closes_on": held.closes_on.isoformat(),
        "links": [list(link) for link in held.links],
        "judges": sorted(j.name for j in held.judges.all()),
    }


def _audit_round(
    held: Round, action: str, before: dict[str, Any] | None, **by: Any
) -> None:
    """Record the write ``action`` of round ``held`` in the audit log: its
    values ``before`` (None for a new round) and as saved now; ``by`` is the
    ``actor`` and ``channel`` (as ``_audit`` takes them)."""
    after = _values(held)
    _audit(**by, action=action, kind=ROUND, key=held.slug, before=before, after=after)


def round_open(
    *,
    title: str,
    links: list[tuple[str, str]],
    judges: list[str],
    closes_on: dt.date,
    actor: Any,
    slug: str = "",
    channel: str = "api",
) -> Round:
    """Open a round over ``links`` (``(mitigation, threat)``) for the judges
    named. Raises InvalidWrite (a bad field, an unknown judge, a link twice),
    NotFound (a link the taxonomy lacks)."""
    problems: dict[str, list[str]] = {}
    title = title.strip()
    if not title or len(title) > 200:
        problems["title"] = ["a round needs a title of 1 to 200 characters"]
    slug = slugify(slug or title)[:100]
    if not slug:
        problems.setdefault("slug", []).append("give a slug of letters or digits")
    elif Round.objects.filter(slug=slug).exists():
        problems["slug"] = [f"a round {slug!r} exists already"]
    pairs = [tuple(link) for link in links]
    if not pairs:
        problems["links"] = ["a round asks about at least one link"]
    elif len(set(pairs)) != len(pairs):
        problems["links"] = ["a link is named twice"]
    known = Judge.objects.filter(name__in=judges)
    missing = sorted(set(judges) - {j.name for j in known})
    if not judges:
        problems["judges"] = ["a round needs at least one judge"]
    elif missing:
        problems["judges"] = [f"no judge named {name!r}" for name in missing]
    if closes_on < timezone.localdate():
        problems["closes_on"] = ["phase 1 cannot close before today"]
    if problems:
        raise InvalidWrite(problems)
    held_links = {
        (m.mitigation, m.threat) for m in taxonomy_at(token=revision_token()).mitigates
    }
    for pair in pairs:
        if pair not in held_links:
            raise NotFound("mitigates", link_key(*pair))
    with transaction.atomic():
        held = Round.objects.create(
            slug=slug,
            title=title,
            links=[list(p) for p in pairs],
            closes_on=closes_on,
            opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        held.judges.set(known)
        _audit_round(held, "create", None, actor=actor, channel=channel)
    return held


def _held(slug: str) -> Round:
    held = Round.objects.select_for_update().filter(slug=slug).first()
    if held is None:
        raise NotFound(ROUND, slug)
    return held


def round_advance(
    *, slug: str, actor: Any, to: str | None = None, channel: str = "api"
) -> Round:
    """Move a round on: open -> revising (phase 2), revising -> closed;
    ``to="closed"`` closes it from either. Raises NotFound, GraphConflict (a
    closed round, or a step back)."""
    with transaction.atomic():
        held = _held(slug)
        if held.phase == Round.CLOSED:
            raise GraphConflict(f"the round {slug!r} is closed: it changes no more")
        target = to or NEXT[held.phase]
        if target not in (NEXT[held.phase], Round.CLOSED):
            raise GraphConflict(
                f"the round {slug!r} is {held.phase}: it cannot go to {target}"
            )
        before = _values(held)
        held.phase = target
        if target == Round.CLOSED:
            held.closed_at = timezone.now()
        held.save()
        _audit_round(held, "update", before, actor=actor, channel=channel)
    return held


def round_close(*, slug: str, actor: Any, channel: str = "api") -> Round:
    """Close a round: its judgements become public and count in the panels."""
    return round_advance(slug=slug, actor=actor, to=Round.CLOSED, channel=channel)
