"""Read the items of one top-level JSON array one at a time.

A STIX bundle of 200k relationships is 150 MB of JSON; decoded whole it
takes several times that in Python objects. ``array_items`` decodes one
item at a time so a reader can keep only what it needs of each.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_raw_decode = json.JSONDecoder().raw_decode


def _decode(text: str, pos: int) -> tuple[Any, int]:
    """The JSON value at ``text[pos]``; one nested deeper than Python's JSON
    reader can go (about the interpreter's recursion limit) is a decode error."""
    try:
        return _raw_decode(text, pos)
    except RecursionError:
        limit = f"{sys.getrecursionlimit():,}"
        message = f"nested too deeply (the limit is under {limit} levels)"
        raise json.JSONDecodeError(message, text, pos) from None


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _expect(text: str, pos: int, chars: str, what: str) -> str:
    char = text[pos : pos + 1]
    if not char or char not in chars:
        raise json.JSONDecodeError(f"Expecting {what}", text, pos)
    return char


def array_items(text: str, key: str, header: dict[str, Any]) -> Iterator[Any]:
    """Yield the items of the array ``text[key]``; the other keys go to ``header``.

    ``text`` must be one JSON object; anything else raises JSONDecodeError
    (or ValueError when the top level is not an object). A missing ``key``
    yields nothing; ``header[key]`` is set to True when the array was read.

    >>> header = {}
    >>> list(array_items('{"type": "bundle", "objects": [{"a": 1}, 2]}', "objects", header))
    [{'a': 1}, 2]
    >>> header
    {'type': 'bundle', 'objects': True}
    """
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "{":
        raise ValueError("the top level is not a JSON object")
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "}":
        pos += 1
    else:
        while True:
            _expect(text, pos, '"', "property name enclosed in double quotes")
            name, pos = _decode(text, pos)
            pos = _skip(text, pos)
            _expect(text, pos, ":", "':' delimiter")
            pos = _skip(text, pos + 1)
            if name == key and text[pos : pos + 1] == "[":
                header[key] = True
                pos = yield from _items(text, pos)
            else:
                header[name], pos = _decode(text, pos)
            pos = _skip(text, pos)
            if _expect(text, pos, ",}", "',' delimiter") == "}":
                pos += 1
                break
            pos = _skip(text, pos + 1)
    if _skip(text, pos) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip(text, pos))


def _items(text: str, pos: int) -> Iterator[Any]:
    """Yield the items of the array starting at ``text[pos]``; return its end."""
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "]":
        return pos + 1
    while True:
        item, pos = _decode(text, pos)
        yield item
        pos = _skip(text, pos)
        if _expect(text, pos, ",]", "',' delimiter") == "]":
            return pos + 1
        pos = _skip(text, pos + 1)
