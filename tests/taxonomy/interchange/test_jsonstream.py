"""STIX bundles are read as a stream: never the whole text at once."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from taxonomy.formats.jsonstream import array_items
from taxonomy.formats.stix import stix_parse


class _Recording(io.BufferedReader):
    """A binary file that remembers how much each read asked for."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.asked: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(size)
        return super().read(size)

    def readinto(self, buffer) -> int:
        self.asked.append(len(buffer))
        return super().readinto(buffer)

    def read1(self, size: int = -1) -> bytes:
        self.asked.append(size)
        return super().read1(size)


def _bundle(count: int) -> bytes:
    objects = [
        {
            "type": "attack-pattern",
            "spec_version": "2.1",
            "id": f"attack-pattern--00000000-0000-4000-8000-{i:012d}",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "name": f"Technique {i}",
            "description": "x" * 200,
        }
        for i in range(count)
    ]
    bundle = {
        "type": "bundle",
        "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
    }
    return json.dumps({**bundle, "objects": objects}).encode()


def test_a_bundle_file_is_read_in_bounded_chunks_never_whole():
    data = _bundle(5000)
    source = _Recording(b"\xef\xbb\xbf" + data)
    taxonomy, _ = stix_parse(source, taxonomy="big")
    assert len(taxonomy.threats) == 5000
    assert len(data) > 1_000_000
    asked = [size for size in source.asked if size != 0]  # a probe of the type
    assert len(asked) > 10
    assert all(size is not None and 0 < size <= 256 * 1024 for size in asked)


# STIX integers are in ±(2**53 - 1); the C parser refuses what a signed 64-bit
# integer cannot hold, and -2**63 too (below).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.dictionaries(st.text(max_size=4).filter(lambda k: k != "objects"), json_values),
    st.lists(json_values, max_size=5),
)
def test_the_stream_reads_what_the_json_module_reads(header, items):
    text = json.dumps({**header, "objects": items})
    seen: dict = {}
    assert list(array_items(text, "objects", seen)) == items
    assert seen == {**header, "objects": True}


def test_an_integer_beyond_64_bits_is_refused_naming_where():
    text = '{"type": "bundle", "objects": [{"n": 1}, {"n": 9223372036854775808}]}'
    try:
        list(array_items(text, "objects", {}))
    except ValueError as e:
        assert str(e) == "invalid JSON in objects[1]: parse error: integer overflow"
    else:
        raise AssertionError("accepted")
