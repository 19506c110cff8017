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
    shared_settings, seeded_graph_read_only, client, db, count_redis_reads
):
    first = client.get(COVERAGE)
    caches.forget_answers()  # as a process that never computed it
    assert client.get(COVERAGE).content == first.content
    assert client.get(COVERAGE).content == first.content
    assert len(count_redis_reads) == 2


def test_with_no_memory_every_answer_is_read_from_redis(
    shared_settings, seeded_graph_read_only, client, db, count_redis_reads
):
    shared_settings.LAYERWISE_ANSWER_MEMO_BYTES = 0
    bodies = {client.get(COVERAGE).content for _ in range(3)}
    assert len(bodies) == 1 and len(count_redis_reads) == 3
    assert caches.answers_kept() == (0, 0)


def test_after_a_setting_change_answers_follow_the_new_settings(
    shared_settings, seeded_graph_read_only, client
):
    before = client.get(COVERAGE).json()
    assert caches.answers_kept()[0] == 1
    shared_settings.LAYERWISE_COVERAGE_THRESHOLD = 0.5
    assert caches.answers_kept() == (0, 0)
    # neither this process's memory nor Redis serves the answer of before
    after = client.get(COVERAGE).json()
    assert (before["threshold"], after["threshold"]) == (0.8, 0.5)


# The model: answers of the last token kept in order of use, each counted as
# its size and ENTRY_BYTES more; the oldest go while the counts add up to
# more than the limit; one kept TIMEOUT seconds ago or more is not served; a
# new token starts afresh.
ENTRY = caches._Answers.ENTRY_BYTES
_ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("keep"),
            st.sampled_from("tu"),
            st.sampled_from("abcd"),
            st.integers(min_value=0, max_value=3 * ENTRY),
        ),
        st.tuples(st.just("get"), st.sampled_from("tu"), st.sampled_from("abcd")),
        st.tuples(st.just("wait"), st.sampled_from([1.0, caches.TIMEOUT / 2])),
    ),
    max_size=40,
)


@given(ops=_ops, limit=st.integers(min_value=0, max_value=8 * ENTRY))
def test_the_answers_kept_follow_the_model(ops, limit):
    now = [0.0]
    kept = caches._Answers(clock=lambda: now[0])
    token, model = None, []  # [(key, value, counted, kept at)], oldest use first
    for op in ops:
        if op[0] == "keep":
            _, tok, key, size = op
            value = (tok, key, size)
            kept.keep(tok, key, value, size, limit)
            if tok != token:
                token, model = tok, []
            if size + ENTRY <= limit:
                model = [m for m in model if m[0] != key]
                model.append((key, value, size + ENTRY, now[0]))
                while sum(m[2] for m in model) > limit:
                    model.pop(0)
        elif op[0] == "get":
            _, tok, key = op
            found = [m for m in model if m[0] == key] if tok == token else []
            if found and now[0] - found[0][3] >= caches.TIMEOUT:
                model.remove(found[0])
                found = []
            assert kept.get(tok, key) == (found[0][1] if found else None)
            if found:
                model = [m for m in model if m[0] != key] + found
        else:
            now[0] += op[1]
        assert kept.size() == (len(model), sum(m[2] for m in model))
    # Also when ``ops`` is empty: nothing kept.
    assert kept.size() == (len(model), sum(m[2] for m in model))


def test_with_a_limit_of_zero_not_even_an_empty_answer_is_kept():
    kept = caches._Answers()
    kept.keep("t", "k", (b"", {}), 0, 0)
    assert kept.size() == (0, 0) and kept.get("t", "k") is None
