"""Read the items of one top-level JSON array one at a time, from a stream.

A STIX bundle of 200k relationships is 150 MB of JSON; decoded whole it
takes several times that in Python objects. ``array_items`` reads the file
as a stream (ijson's C parser) and builds one item at a time, so neither
the text nor the whole decoded bundle is ever held: a reader keeps only
what it needs of each item.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import IO, Any

import ijson

# Deeper than this, a value is refused: no STIX object nests more than a few
# levels, and a file nested 100,000 deep is an attack on the reader.
MAX_JSON_DEPTH = 100
_OPENS = frozenset({"start_map", "start_array"})
_CLOSES = frozenset({"end_map", "end_array"})


class StreamError(ValueError):
    """Invalid JSON, or JSON nested too deeply: where it is and what is wrong."""


def binary_stream(source: str | bytes | IO) -> IO[bytes]:
    """``source`` as a binary stream (text is encoded as UTF-8)."""
    if isinstance(source, str):
        return io.BytesIO(source.encode("utf-8"))
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    return source


def build_value(
    events: Iterator[tuple[str, Any]],
    event: str,
    value: Any,
    *,
    depth: int = 0,
    too_deep: Callable[[], Exception],
    ended: Callable[[], Exception],
) -> Any:
    """The value that starts with ``(event, value)``, built from ``events``;
    ``too_deep()`` is raised past MAX_JSON_DEPTH levels (``depth`` of them
    around the value already), ``ended()`` if the events end inside it."""
    if event not in _OPENS:
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    level = 1
    for event, value in events:
        builder.event(event, value)
        if event in _OPENS:
            level += 1
            if depth + level > MAX_JSON_DEPTH:
                raise too_deep()
        elif event in _CLOSES:
            level -= 1
            if not level:
                return builder.value
    raise ended()


def _value(events: Iterator[tuple[str, Any]], event: str, value: Any, where: str):
    return build_value(
        events,
        event,
        value,
        too_deep=lambda: StreamError(
            f"{where} is nested more than {MAX_JSON_DEPTH} levels deep"
        ),
        ended=lambda: StreamError(f"{where} ends inside a value"),
    )


def array_items(
    source: str | bytes | IO, key: str, header: dict[str, Any]
) -> Iterator[Any]:
    """Yield the items of the array ``source[key]``; the other keys go to ``header``.

    ``source`` is text, bytes or a binary file holding one JSON object;
    anything else raises StreamError (naming the item it was in). A missing
    ``key`` yields nothing; ``header[key]`` is set to True when the array was
    read.

    >>> header = {}
    >>> list(array_items('{"type": "bundle", "objects": [{"a": 1}, 2]}', "objects", header))
    [{'a': 1}, 2]
    >>> header
    {'type': 'bundle', 'objects': True}
    >>> list(array_items('{"objects": [{"a": 1}, {"a": }]}', "objects", {}))
    Traceback (most recent call last):
    ...
    taxonomy.formats.jsonstream.StreamError: invalid JSON in objects[1]: ...
    """
    where = "the top level"
    events = ijson.basic_parse(binary_stream(source), use_float=True)
    try:
        event, _ = next(events, (None, None))
        if event != "start_map":
            raise StreamError("the top level is not a JSON object")
        for event, name in events:
            if event == "end_map":
                break
            where = f"{name!r}" if name != key else key
            event, value = next(events)
            if name == key and event == "start_array":
                header[key] = True
                index = 0
                for event, value in events:
                    if event == "end_array":
                        break
                    where = f"{key}[{index}]"
                    yield _value(events, event, value, where)
                    index += 1
                where = f"the text after the {key} list"
            else:
                header[name] = _value(events, event, value, where)
        if next(events, None) is not None:
            raise StreamError("extra data after the top-level object")
    except ijson.JSONError as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else "cut short"
        raise StreamError(f"invalid JSON in {where}: {message}") from e
    except StopIteration:
        raise StreamError(f"invalid JSON in {where}: the text ends early") from None
