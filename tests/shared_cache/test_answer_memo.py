"""Each process keeps the whole answers it served at the current revision, so a
warm answer is not fetched from Redis every time; a new revision, a setting
change or the size limit lets them go."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxonomy import services
from taxonomy.selectors import cache as caches

COVERAGE = "/api/v1/coverage/"


@pytest.fixture
def count_redis_reads(monkeypatch):
    """The number of whole answers asked of the shared cache so far."""
    reads = []
    real = caches.shared_get

    def counted(key):
        if key.startswith("response:"):
            reads.append(key)
        return real(key)

    monkeypatch.setattr(caches, "shared_get", counted)
    return reads


def test_a_warm_answer_is_served_from_this_process_until_a_write(
    shared_settings, seeded_graph, client, db, count_redis_reads
):
    first = client.get(COVERAGE)
    assert first.status_code == 200 and len(count_redis_reads) == 1  # a miss
    again = [client.get(COVERAGE) for _ in range(3)]
    assert [a.content for a in again] == [first.content] * 3
    assert len(count_redis_reads) == 1
    assert caches.answers_kept()[1] >= len(first.content)

    services.node_update(kind="layer", key="hardware", changes={"name": "Chips"})
    after = client.get(COVERAGE)
    assert len(count_redis_reads) == 2  # the new revision's answer is not kept yet
    assert after.json()["revision"] == first.json()["revision"] + 1


def test_an_answer_another_server_put_in_redis_is_kept_after_one_read(
    shared_settings, seeded_graph, client, db, count_redis_reads
):
    first = client.get(COVERAGE)
    caches.forget_answers()  # as a process that never computed it
    assert client.get(COVERAGE).content == first.content
    assert client.get(COVERAGE).content == first.content
    assert len(count_redis_reads) == 2


def test_with_no_memory_every_answer_is_read_from_redis(
    shared_settings, seeded_graph, client, db, count_redis_reads
):
    shared_settings.LAYERWISE_ANSWER_MEMO_BYTES = 0
    bodies = {client.get(COVERAGE).content for _ in range(3)}
    assert len(bodies) == 1 and len(count_redis_reads) == 3
    assert caches.answers_kept() == (0, 0)


def test_a_setting_change_lets_every_answer_go(shared_settings, seeded_graph, client):
    client.get(COVERAGE)
    assert caches.answers_kept()[0] == 1
    shared_settings.LAYERWISE_API_PAGE_SIZE = 7
    assert caches.answers_kept() == (0, 0)


# The model: answers of the last token kept in order of use; the oldest go
# while the sizes add up to more than the limit; a new token starts afresh.
_ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("keep"),
            st.sampled_from("tu"),
            st.sampled_from("abcd"),
            st.integers(min_value=0, max_value=12),
        ),
        st.tuples(st.just("get"), st.sampled_from("tu"), st.sampled_from("abcd")),
    ),
    max_size=40,
)


@given(ops=_ops, limit=st.integers(min_value=0, max_value=20))
def test_the_answers_kept_follow_the_model(ops, limit):
    kept = caches._Answers()
    token, model = None, []  # [(key, value, size)], least recently used first
    for op in ops:
        if op[0] == "keep":
            _, tok, key, size = op
            value = (tok, key, size)
            kept.keep(tok, key, value, size, limit)
            if tok != token:
                token, model = tok, []
            if size <= limit:
                model = [m for m in model if m[0] != key] + [(key, value, size)]
                while sum(m[2] for m in model) > limit:
                    model.pop(0)
        else:
            _, tok, key = op
            found = [m for m in model if m[0] == key] if tok == token else []
            assert kept.get(tok, key) == (found[0][1] if found else None)
            if found:
                model = [m for m in model if m[0] != key] + found
        assert kept.size() == (len(model), sum(m[2] for m in model))
