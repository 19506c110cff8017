"""YAML read as a stream of events, a value at a time, with the line of every
element and within the limits of ``taxonomy.formats.common``.

ruamel.yaml's loaders build a whole document before anything can be done with
it (and the round-trip loader keeps comments and positions on every node,
several times the size of the text). A fixture file of a million links would
need gigabytes. ``Events`` walks the parser's events instead (the C parser of
``ruamel.yaml.clib`` when it is installed, as ``make`` installs it) and builds
plain values only for the parts asked for, e.g. one item of a list at a time,
with a map of the 1-based line of each element inside it: the lines that
``fixtures_yaml._line_of`` finds in a round-trip document.

Scalars are resolved and constructed as ruamel's safe loader does (YAML 1.2:
``yes`` is a string, ``2020-01-31`` a date); merge keys (``<<``), anchors and
aliases work, with the limits ``bounded_yaml`` sets: nesting at most
``MAX_YAML_DEPTH`` deep, aliases expanding to at most ``MAX_YAML_ALIAS_NODES``
nodes per document.
"""

from __future__ import annotations

import datetime
from typing import IO, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from ruamel.yaml.nodes import ScalarNode

from taxonomy.formats.common import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_DEPTH,
    alias_in_itself,
    aliases_too_many,
    too_deep,
)

# What a second document in a file is refused with.
SECOND_DOCUMENT = "a fixture file holds one document; another begins here"
MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"
# Plain scalars already constructed (ids and vocabulary repeat all through a file).
_CACHE_SIZE = 1 << 16
_CACHED_LENGTH = 64  # (long texts are rarely repeated)

# A path inside a value: mapping keys (text) and list positions.
Path = tuple[Any, ...]


class StreamYAMLError(MarkedYAMLError):
    """What the stream reader refuses that the parser lets through (a
    duplicate key, an undefined alias, a key that is not a scalar)."""


class ConstructError(StreamYAMLError):
    """What is wrong with a value rather than with the text: a duplicate key,
    a value its tag refuses, a bad merge. A whole-file reader finds these only
    once the document has parsed, so the parser's own errors come first."""


class Tagged:
    """A scalar under a tag no constructor knows (``!custom x``): kept as a
    value of its own, which no field of the schema accepts.

    >>> Tagged("!custom", "x")
    !custom 'x'
    """

    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value: str) -> None:
        self.tag, self.value = tag, value

    def __repr__(self) -> str:
        return f"{self.tag} {self.value!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tagged) and (self.tag, self.value) == (
            other.tag,
            other.value,
        )

    def __hash__(self) -> int:
        return hash((self.tag, self.value))


def _parser(pure: bool) -> YAML:
    """libyaml (``ruamel.yaml.clib``), or with ``pure`` the parser of ruamel's
    round-trip loader, whose errors the round-trip reader's are."""
    return YAML(typ="rt", pure=True) if pure else YAML(typ="safe")


def _error(problem: str, event: Event) -> StreamYAMLError:
    return StreamYAMLError(None, None, problem, event.start_mark)


def _construct_error(problem: str, event: Event) -> ConstructError:
    return ConstructError(None, None, problem, event.start_mark)


class Events:
    """The events of one YAML stream, and values built from them (with
    ``dates_as_text``, a date or time as its ISO text, as records hold it).

    >>> e = Events("a: [1, {b: x}]\\nc: 2020-01-31\\n")
    >>> e.start_document()
    True
    >>> lines = {}
    >>> e.value(lines), lines
    ({'a': [1, {'b': 'x'}], 'c': datetime.date(2020, 1, 31)}, {('a',): 1, ('a', 0): 1, ('a', 1): 1, ('a', 1, 'b'): 1, ('c',): 2})
    >>> e.end_document(), e.start_document()
    (None, False)
    """

    def __init__(
        self,
        source: str | bytes | IO[Any],
        *,
        dates_as_text: bool = False,
        pure: bool = False,
    ) -> None:
        loader = _parser(pure)
        self._dates_as_text = dates_as_text
        self._events = iter(loader.parse(source))
        self._peeked: Event | None = None
        self._resolver = loader.resolver  # (it sees the text's %YAML directive)
        # scalars are constructed as the safe loader does, whatever the parser
        self._constructor = YAML(typ="safe", pure=True).constructor
        self._plain: dict[str, Any] = {}
        self._anchors: dict[str, tuple[Any, int, bool]] = {}
        self._building: set[str] = set()
        self._nodes = 0
        self._alias_nodes = 0

    # --- the event cursor ---

    def peek(self) -> Event:
        if self._peeked is None:
            self._peeked = next(self._events)
        return self._peeked

    def take(self) -> Event:
        event = self.peek()
        self._peeked = None
        return event

    def start_document(self) -> bool:
        """Step into the next document; False at the end of the stream."""
        while isinstance(self.peek(), StreamStartEvent):
            self.take()
        if isinstance(self.peek(), StreamEndEvent):
            return False
        self.take()  # DocumentStartEvent
        self._anchors.clear()
        self._alias_nodes = 0
        return True

    def end_document(self) -> None:
        event = self.take()
        if not isinstance(event, DocumentEndEvent):  # pragma: no cover - parser's job
            raise _error("expected the end of the document", event)

    def at_document_start(self) -> bool:
        """Whether another document follows (after ``end_document``)."""
        return isinstance(self.peek(), DocumentStartEvent)

    # --- what is next ---

    def next_is_mapping(self) -> bool:
        return isinstance(self.peek(), MappingStartEvent)

    def next_is_sequence(self) -> bool:
        return isinstance(self.peek(), SequenceStartEvent)

    def next_is_scalar(self) -> bool:
        """A scalar, or an alias of one."""
        event = self.peek()
        if isinstance(event, AliasEvent):
            return event.anchor in self._anchors and self._anchors[event.anchor][2]
        return isinstance(event, ScalarEvent)

    def at_end(self) -> bool:
        """The end of the mapping or sequence being walked."""
        return isinstance(self.peek(), (MappingEndEvent, SequenceEndEvent))

    def line(self) -> int:
        """The 1-based line the next event starts on."""
        return self.peek().start_mark.line + 1

    # --- walking a collection an element at a time ---

    def enter(self, depth: int) -> None:
        """Step into the mapping or sequence that is next (at ``depth``)."""
        event = self.take()
        self._check_depth(event, depth)
        if event.anchor:
            # A streamed collection is not kept whole, so it cannot be named.
            raise _error(
                f"an anchor (&{event.anchor}) on a collection this large is not "
                "supported here",
                event,
            )

    def leave(self) -> None:
        self.take()

    def _is_merge_key(self, event: ScalarEvent) -> bool:
        """A plain ``<<`` key (YAML's merge key), not the text ``"<<"``."""
        return (
            event.value == "<<"
            and event.style in (None, "")
            and self._tag(event) == MERGE_TAG
        )

    def key(self, seen: set[str]) -> str:
        """The next key of the mapping being walked (refused if repeated)."""
        event = self.take()
        if isinstance(event, AliasEvent):
            value = self._alias(event)
        elif isinstance(event, ScalarEvent):
            if self._is_merge_key(event):
                raise _construct_error(
                    "a merge key (<<) is not supported here: merge within an item",
                    event,
                )
            value = self._scalar(event)
            if event.anchor:
                self._anchors[event.anchor] = (value, 1, True)
        else:
            raise _construct_error("a mapping key must be a scalar", event)
        key = str(value)
        if key in seen:
            raise ConstructError(
                None, None, f'found duplicate key "{key}"', event.start_mark
            )
        seen.add(key)
        return key

    # --- building values ---

    def value(self, lines: dict[Path, int] | None = None, depth: int = 0) -> Any:
        """The next node as a plain value (dicts with text keys, lists,
        scalars); ``lines`` gets the line of each element inside it, by path."""
        return self._build(lines, (), depth)

    def _build(self, lines: dict[Path, int] | None, path: Path, depth: int) -> Any:
        event = self.take()
        if isinstance(event, AliasEvent):
            return self._alias(event)
        self._check_depth(event, depth)
        anchor = event.anchor
        start = self._nodes
        self._nodes += 1
        if anchor:
            self._building.add(anchor)
        if isinstance(event, ScalarEvent):
            value: Any = self._scalar(event)
        elif isinstance(event, SequenceStartEvent):
            value = []
            while not isinstance(self.peek(), SequenceEndEvent):
                here = (*path, len(value))
                if lines is not None:
                    lines[here] = self.peek().start_mark.line + 1
                value.append(self._build(lines, here, depth + 1))
            self.take()
        elif isinstance(event, MappingStartEvent):
            value = self._mapping(lines, path, depth)
        else:  # pragma: no cover - the parser gives nothing else here
            raise _error("unexpected YAML event", event)
        if anchor:
            self._building.discard(anchor)
            self._anchors[anchor] = (
                value,
                self._nodes - start,
                isinstance(event, ScalarEvent),
            )
        return value

    def _mapping(self, lines: dict[Path, int] | None, path: Path, depth: int) -> dict:
        value: dict[str, Any] = {}
        merged: list[dict] = []
        seen: set[str] = set()
        while not isinstance(self.peek(), MappingEndEvent):
            key_event = self.peek()
            if isinstance(key_event, ScalarEvent) and self._is_merge_key(key_event):
                self.take()
                if "<<" in seen:
                    raise ConstructError(
                        None,
                        None,
                        'found duplicate merge key "<<"',
                        key_event.start_mark,
                    )
                seen.add("<<")
                merged.extend(self._merge_value(lines, path, depth, key_event))
                continue
            key = self.key(seen)
            here = (*path, key)
            if lines is not None:
                scalar = self.next_is_scalar()
                lines[here] = (self.peek() if scalar else key_event).start_mark.line + 1
            value[key] = self._build(lines, here, depth + 1)
        self.take()
        for other in merged:  # explicit keys win, then earlier merges
            for key, item in other.items():
                value.setdefault(key, item)
        return value

    def _merge_value(
        self, lines: dict[Path, int] | None, path: Path, depth: int, at: Event
    ) -> list[dict]:
        merged = self._build(None, path, depth + 1)
        values = merged if isinstance(merged, list) else [merged]
        if not all(isinstance(v, dict) for v in values):
            raise _construct_error(
                "a merge key (<<) takes a mapping or a list of mappings", at
            )
        if lines is not None:
            for other in values:
                for key in other:
                    lines.setdefault((*path, key), at.start_mark.line + 1)
        return values

    def _alias(self, event: AliasEvent) -> Any:
        name = event.anchor
        if name in self._building:
            raise alias_in_itself(event.start_mark)
        if name not in self._anchors:
            raise _error(f"found undefined alias {name!r}", event)
        value, count, _ = self._anchors[name]
        self._alias_nodes += count
        self._nodes += count
        if self._alias_nodes > MAX_YAML_ALIAS_NODES:
            raise aliases_too_many(event.start_mark)
        return value

    def _check_depth(self, event: Event, depth: int) -> None:
        if depth >= MAX_YAML_DEPTH:
            raise too_deep(event.start_mark)

    def _tag(self, event: ScalarEvent) -> str:
        if event.tag not in (None, "!"):
            return str(event.tag)
        if event.style not in (None, "") or event.tag == "!":
            return STR_TAG
        return str(self._resolver.resolve(ScalarNode, event.value, (True, False)))

    def _scalar(self, event: ScalarEvent) -> Any:
        """A scalar as ruamel's safe loader constructs it."""
        plain = event.style in (None, "") and event.tag is None
        if plain and event.value in self._plain:
            return self._plain[event.value]
        tag = self._tag(event)
        if tag == STR_TAG:
            value: Any = event.value
        else:
            node = ScalarNode(
                tag, event.value, event.start_mark, event.end_mark, event.style
            )
            # the tag's constructor itself: construct_object would keep every
            # node it was given, for the life of the reader
            construct = self._constructor.yaml_constructors.get(tag)
            if construct is None:
                return Tagged(tag, event.value)
            try:
                value = construct(self._constructor, node)
            except (YAMLError, ValueError, KeyError, TypeError) as e:
                why = getattr(e, "problem", None) or str(e)
                raise _construct_error(
                    f"cannot read the value {event.value!r} as {tag}: {why}", event
                ) from e
            if self._dates_as_text and isinstance(value, datetime.date):
                value = value.isoformat()
        if plain and len(event.value) <= _CACHED_LENGTH:
            if len(self._plain) >= _CACHE_SIZE:
                self._plain.clear()
            self._plain[event.value] = value
        return value


def composition_error(
    source: str | IO[Any], *, pure: bool, document: int | None = None
) -> YAMLError | None:
    """The first error of the text itself in ``source``: the parser's, an
    undefined alias, nesting or aliases past the limits, a second document (when
    ``document`` is None: a file holds one). Checked up to the end of document
    ``document`` (from 0) when given, else to the end of the stream. None if
    there is none: what a whole-file reader would find before any value.
    """
    loader = _parser(pure)
    anchors: dict[str, int] = {}
    open_: list[list[Any]] = []  # per open node: [anchor, nodes so far]
    docs, alias_nodes = -1, 0
    try:
        for event in loader.parse(source):
            if isinstance(event, DocumentStartEvent):
                docs += 1
                anchors.clear()
                alias_nodes = 0
                if document is None and docs == 1:
                    return StreamYAMLError(
                        None,
                        None,
                        SECOND_DOCUMENT,
                        event.start_mark,
                    )
            elif isinstance(event, DocumentEndEvent):
                if document is not None and docs >= document:
                    return None
            elif isinstance(event, AliasEvent):
                name = event.anchor
                if any(frame[0] == name for frame in open_):
                    return alias_in_itself(event.start_mark)
                if name not in anchors:
                    return StreamYAMLError(
                        None, None, f"found undefined alias {name!r}", event.start_mark
                    )
                alias_nodes += anchors[name]
                if alias_nodes > MAX_YAML_ALIAS_NODES:
                    return aliases_too_many(event.start_mark)
                for frame in open_:
                    frame[1] += anchors[name]
            elif isinstance(
                event, (ScalarEvent, MappingStartEvent, SequenceStartEvent)
            ):
                if len(open_) >= MAX_YAML_DEPTH:
                    return too_deep(event.start_mark)
                for frame in open_:
                    frame[1] += 1
                if isinstance(event, ScalarEvent):
                    if event.anchor:
                        anchors[event.anchor] = 1
                else:
                    open_.append([event.anchor, 1])
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                anchor, count = open_.pop()
                if anchor:
                    anchors[anchor] = count
    except YAMLError as e:
        return e
    return None
