"""The audit table's copy of the journal, written without model instances.

``audit._insert_copies`` writes its rows with one prepared statement. The
oracle is what Django's ``bulk_create(..., ignore_conflicts=True)`` of one
``AuditEntry`` a record stores: on random journal pages (text of every kind,
JSON before and after, users that exist and that do not, records copied
twice), the table must hold the same values either way.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy import audit
from taxonomy.models import AuditEntry

pytestmark = pytest.mark.django_db

TEXT = st.text(max_size=12)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3)
    ),
    max_leaves=6,
)
TIMES = st.datetimes(min_value=dt.datetime(2000, 1, 1), timezones=st.just(dt.UTC)).map(
    dt.datetime.isoformat
)


@st.composite
def pages(draw) -> list[dict]:
    """A journal page as ``journal_after`` yields it: records in (revision,
    position) order, some properties absent as a staged load leaves them."""
    records = []
    for revision in range(1, draw(st.integers(1, 3)) + 1):
        at = draw(TIMES)
        for position in range(draw(st.integers(1, 4))):
            record = {
                "revision": revision,
                "position": position,
                "at": at,
                "actor_id": draw(st.none() | st.integers(0, 3)),
                "actor_name": draw(TEXT),
                "channel": draw(st.sampled_from(["api", "browser", "fixtures"])),
                "action": draw(st.sampled_from(["create", "update", "delete"])),
                "kind": draw(st.sampled_from(["threat", "mitigates"])),
                "key": draw(TEXT),
            }
            for name in ("source", "target", "comment"):
                if draw(st.booleans()):
                    record[name] = draw(TEXT)
            for side in ("before", "after"):
                if draw(st.booleans()):
                    record[side] = json.dumps(draw(JSON))
            records.append(record)
    return records


def _reference(record: dict, epoch: str, users: set) -> AuditEntry:
    """The entry Django's ORM makes of a record (the copy before it was fast)."""

    def loaded(name: str):
        text = record.get(name)
        return None if text is None else json.loads(text)

    actor = record.get("actor_id")
    return AuditEntry(
        at=dt.datetime.fromisoformat(record["at"]),
        actor_id=actor if actor in users else None,
        actor_name=record["actor_name"],
        channel=record["channel"],
        action=record["action"],
        kind=record["kind"],
        key=record["key"],
        source=record.get("source", ""),
        target=record.get("target", ""),
        before=loaded("before"),
        after=loaded("after"),
        comment=record.get("comment", ""),
        graph_revision=record["revision"],
        graph_epoch=epoch,
        position=record["position"],
    )


def _table() -> list[dict]:
    fields = [f.attname for f in AuditEntry._meta.fields if f.name != "id"]
    rows = AuditEntry.objects.order_by("graph_revision", "position").values(*fields)
    return list(rows)


@pytest.fixture
def users() -> set:
    model = get_user_model()
    return {model.objects.create_user(f"judge{i}").pk for i in range(2)}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(page=pages(), again=st.integers(0, 5))
def test_the_fast_copy_stores_what_the_orm_stores(users, page, again):
    AuditEntry.objects.all().delete()
    AuditEntry.objects.bulk_create(
        [_reference(r, "e1", users) for r in page], ignore_conflicts=True
    )
    expected = _table()
    AuditEntry.objects.all().delete()
    audit._insert_copies(page, "e1", users)
    # A record already copied is skipped, as with ignore_conflicts.
    audit._insert_copies(page[again:], "e1", users)
    assert len(expected) == len(page)
    assert _table() == expected
