"""What the importers share: the report, the error, ids, layers, the layer map,
the limits every YAML reader keeps and the guard against large removals."""

from __future__ import annotations

import gc
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from taxonomy.domain.changes import ChangeSet
from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.kinds import KINDS
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    STRENGTHS,
    Layer,
    Link,
    Source,
    Tactic,
    Taxonomy,
    is_web_url,
)
from taxonomy.domain.rules import cycle_message, cycle_of, shown

TAXONOMY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
UNASSIGNED = "unassigned"
# External catalogues list mitigations without a maturity; they describe
# practice in use, so they count as deployed (documented in docs/import-export.md).
IMPORTED_MATURITY = "deployed"
DEFAULT_STRENGTH = "medium"

_ID_CHARS = re.compile(r"[^A-Za-z0-9._:-]+")

# Limits of every YAML file read (fixtures, ATLAS, layer maps): nesting deeper
# than real files go (a fixture is 4 levels deep, ATLAS.yaml 7) would exhaust
# Python's stack, and aliases that expand to millions of nodes (an "alias
# bomb" of a few hundred bytes) would exhaust memory; both are refused.
MAX_YAML_DEPTH = 100
MAX_YAML_ALIAS_NODES = 10_000


@dataclass
class ImportReport:
    """What a parser read, beyond the taxonomy it returns.

    ``skipped`` counts, per Layerwise kind, items the file holds but the
    import leaves out (revoked or deprecated objects, links to them or to
    missing objects); ``ignored`` counts, per object type of the file, objects
    the import has no use for; ``merged`` counts, per kind, duplicate entries
    joined into one item; ``read`` counts what the file holds that records
    fold together (``uses step``: the procedure steps kept, several of which
    may be one USES link); ``warnings`` name each object concerned.
    """

    format: str
    taxonomy: str
    title: str = ""
    skipped: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    merged: Counter[str] = field(default_factory=Counter)
    read: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    schema: str = ""  # what the file was checked against, or why it was not

    def skip(self, kind: str, warning: str | None = None) -> None:
        self.skipped[kind] += 1
        if warning:
            self.warnings.append(warning)


def taxonomy_name_checked(name: str) -> str:
    """``name`` if it can name an imported taxonomy, else InterchangeError.

    The seed's own name is refused: an import replaces everything of its
    taxonomy, and the seed is curated as fixtures.

    >>> taxonomy_name_checked("attack-ics")
    'attack-ics'
    """
    if not isinstance(name, str) or not TAXONOMY_NAME.fullmatch(name):
        raise InterchangeError(
            [
                f"taxonomy name {name!r}: use lowercase letters, digits and '-' (e.g. atlas)"
            ]
        )
    if name == DEFAULT_TAXONOMY:
        raise InterchangeError(
            [
                f"taxonomy name {name!r} is the seed taxonomy's; import under another name"
            ]
        )
    return name


def local_id(text: str) -> str:
    """``text`` as the part of an id after the taxonomy prefix.

    >>> local_id("AML.T0024"), local_id("CAPEC 112 / x")
    ('AML.T0024', 'CAPEC-112-x')
    """
    return _ID_CHARS.sub("-", str(text).strip()).strip("-._:") or "x"


def node_id(taxonomy: str, local: str) -> str:
    """The graph id of an imported node.

    >>> node_id("atlas", "AML.T0024")
    'atlas:AML.T0024'
    """
    return f"{taxonomy}:{local_id(local)}"


def unprefixed(taxonomy: str, graph_id: str) -> str:
    """The id without its taxonomy prefix (seed ids have none).

    >>> unprefixed("atlas", "atlas:AML.T0024"), unprefixed("layerwise", "tee")
    ('AML.T0024', 'tee')
    """
    prefix = f"{taxonomy}:"
    return graph_id[len(prefix) :] if graph_id.startswith(prefix) else graph_id


def slug(text: str) -> str:
    """Lowercase words joined by '-'.

    >>> slug("Technical - ML")
    'technical-ml'
    """
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def web_url_or_empty(value: Any) -> str:
    """A url an import keeps: an http(s) address, else nothing.

    >>> web_url_or_empty("https://a.org/x"), web_url_or_empty("javascript:alert(1)")
    ('https://a.org/x', '')
    """
    url = str(value or "")
    return url if is_web_url(url) else ""


def listed_mappings(
    where: str, items: Any, problems: list[str]
) -> Iterator[tuple[str, dict]]:
    """``(path, item)`` of each mapping of the list ``items`` read at
    ``where`` (nothing when it is no list); any other entry is a problem."""
    for i, item in enumerate(items if isinstance(items, list) else []):
        path = f"{where}[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{path}: expected a mapping")
            continue
        yield path, item


def item_id_checked(
    problems: list[str],
    seen: dict[str, str],
    path: str,
    item_id: str,
    *,
    named: bool,
    where: str = "",
    unnamed: str = "no name",
    duplicate: str = "duplicate id",
) -> bool:
    """Whether the catalogue item at ``path`` has an id (``item_id``, empty
    when it has none), a name (``named``) and an id no earlier item has (in
    ``seen``, which then records it); else the first of these it lacks is
    added to ``problems``, its item named ``where`` when it has no id."""
    if not item_id:
        problems.append(f"{where or path}: no id")
    elif not named:
        problems.append(f"{path} {shown(item_id)}: {unnamed}")
    elif item_id in seen:
        problems.append(
            f"{path} {shown(item_id)}: {duplicate} (first at {seen[item_id]})"
        )
    else:
        seen[item_id] = path
        return True
    return False


def reference_source(
    taxonomy: str,
    *,
    name: str,
    url: str = "",
    external_id: str = "",
    description: str = "",
    local: str | None = None,
) -> Source:
    """A Source for an external reference; its id is stable across releases.

    Without ``local`` the id is the name's slug and a hash of name, external
    id and url, so one reference cited by many objects is one Source. A url
    that is not an http(s) address is left out.

    >>> reference_source("x", name="Mandiant APT1", url="https://a").id
    'x:mandiant-apt1-f8b2b97b'
    >>> reference_source("atlas", name="ATT&CK T1596", local="attack-T1596").id
    'atlas:attack-T1596'
    """
    if local is None:
        digest = hashlib.sha1(f"{name}|{external_id}|{url}".encode()).hexdigest()[:8]
        local = f"{slug(name)[:50].strip('-')}-{digest}"
    return Source(
        id=node_id(taxonomy, local),
        name=name,
        url=web_url_or_empty(url),
        description=description or "",
        taxonomy=taxonomy,
    )


def phase_name(tactic: Tactic) -> str:
    """The kill-chain phase name of a tactic (STIX ``phase_name``, a Navigator
    layer's ``tactic``): its shortname, else its name in lowercase with hyphens,
    as ATLAS's STIX data derives it.

    >>> phase_name(Tactic("t", "ML Attack Staging")), phase_name(Tactic("t", "X", shortname="x1"))
    ('ml-attack-staging', 'x1')
    """
    return tactic.shortname or tactic.name.strip().lower().replace(" ", "-")


def strength_checked(strength: str) -> str:
    if strength not in STRENGTHS:
        raise InterchangeError(
            [f"default strength {strength!r} is not one of {', '.join(STRENGTHS)}"]
        )
    return strength


def join_rationale(first: str, second: str) -> str:
    """Two rationales of one link as one text, each kept once.

    >>> join_rationale("a", "b"), join_rationale("a", "a")
    ('a\\n\\nb', 'a')
    """
    if not first or second in first.split("\n\n"):
        return first or second
    return f"{first}\n\n{second}" if second else first


# --- YAML within limits ---------------------------------------------------------------


class YAMLLimitError(ComposerError):
    """A YAML file nested too deeply or whose aliases expand too far."""


def too_deep(mark: Any) -> YAMLLimitError:
    return YAMLLimitError(
        None, None, f"nested more than {MAX_YAML_DEPTH} levels deep (the limit)", mark
    )


def aliases_too_many(mark: Any) -> YAMLLimitError:
    return YAMLLimitError(
        None,
        None,
        f"aliases expand to more than {MAX_YAML_ALIAS_NODES:,} nodes (the limit)",
        mark,
    )


def alias_in_itself(mark: Any) -> YAMLLimitError:
    return YAMLLimitError(None, None, "an alias inside the node it names", mark)


class _BoundedComposer(Composer):
    """ruamel's composer, refusing what passes ``MAX_YAML_DEPTH`` or
    ``MAX_YAML_ALIAS_NODES`` (counted per document) at the place it happens."""

    def compose_document(self) -> Any:
        self.alias_nodes = 0
        self.node_counts: dict[int, int] = {}
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if not isinstance(event, AliasEvent):
            if self.depth >= MAX_YAML_DEPTH:
                raise too_deep(event.start_mark)
            return super().compose_node(parent, index)
        node = super().compose_node(parent, index)
        if node.end_mark is None:
            raise alias_in_itself(event.start_mark)
        self.alias_nodes += _node_count(node, self.node_counts)
        if self.alias_nodes > MAX_YAML_ALIAS_NODES:
            raise aliases_too_many(event.start_mark)
        return node


def _node_count(node: Node, counts: dict[int, int]) -> int:
    """How many nodes ``node`` stands for, its aliases expanded (memoised by id)."""
    if id(node) not in counts:
        if isinstance(node, ScalarNode):
            children: list[Node] = []
        elif isinstance(node, MappingNode):
            children = [x for pair in node.value for x in pair]
        else:
            children = node.value
        counts[id(node)] = 1 + sum(_node_count(x, counts) for x in children)
    return counts[id(node)]


def bounded_yaml(typ: str) -> YAML:
    """A ruamel.yaml reader of ``typ`` (``safe``, ``rt``) within the YAML limits.

    >>> bounded_yaml("safe").load("{a: &x [1, 2], b: *x}")
    {'a': [1, 2], 'b': [1, 2]}
    >>> bounded_yaml("safe").load("[" * 101 + "]" * 101)
    Traceback (most recent call last):
    ...
    taxonomy.formats.common.YAMLLimitError: nested more than 100 levels deep (the limit)
    ...
    """
    # pure: the C parser composes by itself and would bypass the composer
    yaml = YAML(typ=typ, pure=True)
    yaml.Composer = _BoundedComposer
    return yaml


def yaml_problem(error: YAMLError) -> str:
    """A YAML error as the text after a file's name and line.

    >>> yaml_problem(YAMLLimitError(None, None, "nested too deeply", None))
    'refused: nested too deeply'
    """
    if isinstance(error, YAMLLimitError):
        return f"refused: {error.problem}"
    return f"invalid YAML: {getattr(error, 'problem', None) or error}"


# --- Layer map -----------------------------------------------------------------------


def layer_map_parse(text: str, *, name: str = "layer map") -> dict[str, str]:
    """A layer map file (YAML or JSON ``{category or mitigation id: layer id}``).

    >>> layer_map_parse('{"Policy": "institutional"}')
    {'Policy': 'institutional'}
    """
    try:
        data = bounded_yaml("safe").load(text)
    except YAMLError as e:
        raise InterchangeError([f"{name}: not valid YAML or JSON: {e}"]) from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InterchangeError([f"{name}: must map categories to layer ids"])
    bad = [k for k, v in data.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise InterchangeError(
            [f"{name}: {shown(k)} must map to a layer id" for k in bad]
        )
    return {str(k): v.strip() for k, v in data.items()}


class LayerResolver:
    """The layer of each imported mitigation, and the layers the import creates.

    A mitigation goes to the layer the map names for its own key (id), else
    for its category, else to the layer the file itself names (``fixed``, a
    layer of another taxonomy, or ``layer``, a record of this import), else to
    the import's layer for that category (``<taxonomy>:<slug>``), else to
    ``<taxonomy>:unassigned``. Map targets are layer ids of any taxonomy; the
    service checks that they exist.
    """

    def __init__(
        self,
        taxonomy: str,
        layer_map: Mapping[str, str],
        report: ImportReport,
        *,
        origin: str = "",
    ):
        self.taxonomy = taxonomy
        self.origin = origin or report.format.upper()
        self.layer_map = dict(layer_map)
        self.report = report
        self.layers: dict[str, Layer] = {}
        self.used: set[str] = set()

    def resolve(
        self,
        keys: Iterable[str],
        category: str | None,
        *,
        layer: Layer | None = None,
        fixed: str | None = None,
    ) -> str:
        for key in [*keys, category]:
            if key is not None and key in self.layer_map:
                self.used.add(key)
                return self.layer_map[key]
        if fixed is not None:
            return fixed
        if layer is not None:
            self.layers.setdefault(layer.id, layer)
            return layer.id
        if category:
            return self.own_layer(
                slug(category),
                category,
                f"{self.origin} mitigation category {category!r}.",
            )
        return self.own_layer(
            UNASSIGNED, "Unassigned", "Mitigations the import gave no layer."
        )

    def own_layer(self, local: str, name: str, description: str) -> str:
        layer_id = node_id(self.taxonomy, local)
        self.layers.setdefault(
            layer_id, Layer(layer_id, name, description, taxonomy=self.taxonomy)
        )
        return layer_id

    def warn_unused(self) -> None:
        for key in sorted(set(self.layer_map) - self.used):
            self.report.warnings.append(
                f"layer map: {key!r} matches no category or mitigation"
            )


# --- Checks and the summary ------------------------------------------------------------


def refuse_subtype_cycle(subtypes: Iterable[Link]) -> None:
    """InterchangeError naming the first SUBTYPE_OF cycle among ``subtypes``.

    (A REQUIRES cycle is left to the graph, which imports it as before.)

    >>> refuse_subtype_cycle([Link("a", "b"), Link("b", "a")])
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.InterchangeError: SUBTYPE_OF cycle: a -> b -> a
    """
    chain = cycle_of(subtypes)
    if chain:
        raise InterchangeError([cycle_message("subtype", chain)])


def import_summary(report: ImportReport, changes: ChangeSet) -> list[dict[str, Any]]:
    """One row per kind: created, updated, removed, skipped (and merged duplicates).

    >>> rows = import_summary(ImportReport("stix", "t"), ChangeSet())
    >>> rows[1]
    {'kind': 'threat', 'created': 0, 'updated': 0, 'removed': 0, 'skipped': 0, 'merged': 0}
    """
    counts = {kind: Counter() for kind in KINDS}
    for change in changes.changes:
        counts[change.kind][change.action] += 1
    return [
        {
            "kind": kind,
            "created": counts[kind]["create"],
            "updated": counts[kind]["update"],
            "removed": counts[kind]["delete"],
            "skipped": report.skipped.get(kind, 0),
            "merged": report.merged.get(kind, 0),
        }
        for kind in KINDS
    ]


# --- The guard against large removals ---------------------------------------------

# A re-import removes what the file no longer has. A real release removes few
# items (a deprecated technique, its links); a truncated or wrong file removes
# many (ATLAS.yaml cut at half its lines drops 15 of 35 mitigations and 101 of
# 244 links, and still parses). So an import that would remove, of any kind,
# more than REMOVAL_SHARE of what the graph holds of its taxonomy, and more
# than REMOVAL_FLOOR items, is refused unless removals are allowed.
REMOVAL_SHARE = 0.10
REMOVAL_FLOOR = 2


def removal_counts(current: Taxonomy, changes: ChangeSet) -> dict[str, tuple[int, int]]:
    """Kind -> ``(removed, held)`` for each kind ``changes`` removes items of,
    ``held`` counting what ``current`` (the graph before) holds of it.

    >>> from taxonomy.domain.changes import taxonomy_diff
    >>> from taxonomy.domain.records import Threat
    >>> before = Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")))
    >>> removal_counts(before, taxonomy_diff(before, Taxonomy(), prune=True))
    {'threat': (2, 2)}
    """
    removed = Counter(c.kind for c in changes.changes if c.action == "delete")
    return {
        kind: (removed[kind], len(getattr(current, KINDS[kind].field)))
        for kind in KINDS
        if removed[kind]
    }


def removals_over_limit(counts: Mapping[str, tuple[int, int]]) -> list[str]:
    """The kinds of ``counts`` whose removals pass the guard's limit.

    >>> removals_over_limit({"threat": (2, 170), "mitigation": (15, 35)})
    ['mitigation']
    >>> removals_over_limit({"layer": (2, 3)})
    []
    """
    return [
        kind
        for kind, (removed, held) in counts.items()
        if removed > max(REMOVAL_FLOOR, REMOVAL_SHARE * held)
    ]


def removals_text(counts: Mapping[str, tuple[int, int]]) -> str:
    """``counts`` in words.

    >>> removals_text({"mitigation": (15, 35), "mitigates": (101, 244)})
    '15 of 35 mitigation, 101 of 244 mitigates'
    """
    return ", ".join(f"{n} of {held} {kind}" for kind, (n, held) in counts.items())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a parser builds many objects.

    Reading a large bundle allocates millions of containers and none of
    them form cycles, yet each allocation burst triggers a collection that
    walks them all: pausing it makes a 200k-link import ~40% faster.
    Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
