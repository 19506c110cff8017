"""The AI risk catalogues of IBM's AI Atlas Nexus, read as data, as taxonomies.

The ``ai-atlas-nexus`` distribution (Apache-2.0) ships its knowledge graph as
LinkML YAML files under ``ai_atlas_nexus/data/knowledge_graph/``: each file
lists ``taxonomies`` and the ``groups`` and ``entries`` each defines
(``isDefinedByTaxonomy``). One of those taxonomies (a *catalogue*: NIST AI
600-1's twelve risks, the OWASP Top 10 for LLM applications, the MIT AI Risk
Repository's domains...) becomes one Layerwise taxonomy: its entries and
groups become threats (an entry ``isPartOf`` a group is SUBTYPE_OF it), the
entry's ``url`` and the documents the catalogue cites become sources. Actions,
controls and the package's own mappings are not imported.

The files are found through the installed distribution's file list
(``importlib.metadata``): the package's Python code is never imported, so
its heavy dependencies (torch through txtai) need not be installed
(requirements-data.lock installs it with ``--no-deps``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.records import (
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Source,
    Taxonomy,
    Threat,
)
from taxonomy.domain.rules import shown
from taxonomy.formats import common
from taxonomy.formats.common import ImportReport

DISTRIBUTION = "ai-atlas-nexus"
PACKAGE_DATA = "ai_atlas_nexus/data/"
DATA_FOLDER = PACKAGE_DATA + "knowledge_graph/"
# Our names for the catalogues the project crosswalks -> the package's
# taxonomy id. Any other taxonomy id of the package can be imported by its id.
CATALOGUES = {
    "nist-ai-600-1": "nist-ai-rmf",
    "owasp-llm-top-10": "owasp-llm-2.0",
    "mit-ai-risk-repository": "mit-ai-risk-repository",
    "ibm-risk-atlas": "ibm-risk-atlas",
}
# How pages name them (the package's own titles name NIST AI 600-1's
# generative AI risks after the AI RMF they profile).
CATALOGUE_LABELS = {
    "nist-ai-600-1": "NIST AI 600-1 (Generative AI Profile)",
    "owasp-llm-top-10": "OWASP Top 10 for LLM Applications (2025)",
    "mit-ai-risk-repository": "MIT AI Risk Repository (domains)",
    "ibm-risk-atlas": "IBM AI Risk Atlas",
}
# The item lists of a file that a catalogue's items are read from.
ITEM_SECTIONS = ("groups", "entries")
# The list of a file that a catalogue's actions are read from.
ACTIONS_SECTION = "actions"
# The function of the NIST AI RMF an action id opens with (GV-1.1-001 is a
# Govern action): the category a layer map may name.
RMF_FUNCTIONS = {"GV": "Govern", "MP": "Map", "MS": "Measure", "MG": "Manage"}
# The local id of the layer the actions go to unless a layer map says otherwise.
ACTIONS_LAYER = "institutional"
# An action the package names by its id alone is named by its id and the
# opening words of its description, cut at a word to at most this many characters.
ACTION_NAME_WORDS = 90
# The top-level list of actions, as the package's LinkML dumps write it.
_ACTIONS_LIST = re.compile(r"^actions:\s*$", re.MULTILINE)
# An item of the taxonomies list, as the package's LinkML dumps write it.
_TAXONOMY_ID = re.compile(r"^\s*- id:\s*['\"]?([^'\"\s]+)")


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def risk_atlas_version() -> str:
    """The installed ``ai-atlas-nexus`` version; InterchangeError if absent."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError as e:
        raise InterchangeError(
            [
                f"{DISTRIBUTION} is not installed: make install installs it "
                "(requirements-data.lock, with --no-deps)"
            ]
        ) from e


def risk_atlas_data_files() -> list[Path]:
    """The knowledge-graph YAML files of the installed package, sorted by name
    (its ``mappings/`` folder left out)."""
    risk_atlas_version()
    files = metadata.distribution(DISTRIBUTION).files or []
    return sorted(
        Path(metadata.distribution(DISTRIBUTION).locate_file(f))
        for f in files
        if str(f).startswith(DATA_FOLDER)
        and str(f).endswith(".yaml")
        and "/" not in str(f)[len(DATA_FOLDER) :]
    )


def package_taxonomy_id(catalogue: str) -> str:
    """The package's taxonomy id of ``catalogue`` (our name or its own id).

    >>> package_taxonomy_id("nist-ai-600-1"), package_taxonomy_id("owasp-asi")
    ('nist-ai-rmf', 'owasp-asi')
    """
    return CATALOGUES.get(catalogue, catalogue)


def catalogue_name(package_id: str) -> str:
    """Our name of the package's taxonomy ``package_id`` (its id if it has none).

    >>> catalogue_name("nist-ai-rmf"), catalogue_name("owasp-asi")
    ('nist-ai-600-1', 'owasp-asi')
    """
    return {v: k for k, v in CATALOGUES.items()}.get(package_id, package_id)


def _load(text: str | bytes | IO, name: str = "AI Atlas Nexus file") -> dict:
    try:
        data = common.bounded_yaml("safe").load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f" at line {mark.line + 1}" if mark else ""
        raise InterchangeError([f"{name}: invalid YAML{line}: {e.problem or e}"]) from e
    except YAMLError as e:
        raise InterchangeError([f"{name}: invalid YAML: {e}"]) from e
    if not isinstance(data, dict):
        raise InterchangeError([f"{name}: expected a mapping"])
    return data


def _taxonomy_ids(data: dict) -> list[str]:
    return [
        str(t["id"])
        for t in data.get("taxonomies") or []
        if isinstance(t, dict) and t.get("id")
    ]


def _declared_taxonomies(text: str) -> list[str]:
    r"""The ids a file's top-level ``taxonomies`` list declares, found by a scan
    of its lines (parsing every file of the package to list them takes
    seconds; the chosen file is parsed in full, and refused if the scan was
    wrong).

    >>> _declared_taxonomies("documents: []\ntaxonomies:\n  - id: a\n    name: A\n"
    ...     "  - id: 'b'\nentries:\n  - id: e\n")
    ['a', 'b']
    """
    ids, inside = [], False
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith(("-", "#")):
            inside = line.rstrip() == "taxonomies:"
        elif inside and (found := _TAXONOMY_ID.match(line)):
            ids.append(found.group(1))
    return ids


def risk_atlas_catalogues() -> dict[str, Path]:
    """Every catalogue the installed package defines: our name -> its file."""
    found = {}
    for path in risk_atlas_data_files():
        for package_id in _declared_taxonomies(path.read_text(encoding="utf-8")):
            found[catalogue_name(package_id)] = path
    return found


def risk_atlas_catalogue_file(catalogue: str) -> Path:
    """The package's file that defines ``catalogue``; InterchangeError naming
    the catalogues there are when none does."""
    found = risk_atlas_catalogues()
    name = catalogue_name(package_taxonomy_id(catalogue))
    if name not in found:
        raise InterchangeError(
            [
                f"no catalogue {catalogue!r} in {DISTRIBUTION} "
                f"{risk_atlas_version()}; there are: {', '.join(sorted(found))}"
            ]
        )
    return found[name]


def risk_atlas_action_files(catalogue: str) -> list[Path]:
    """The package's files other than the catalogue's own that list actions
    of ``catalogue`` (NIST AI 600-1's are in a file of their own), found by a
    scan of their lines; none for most catalogues, and none when the package
    is not installed. The parser reads the actions of the catalogue's own
    file from that file."""
    package_id = package_taxonomy_id(catalogue)
    try:
        own = risk_atlas_catalogues().get(catalogue_name(package_id))
    except InterchangeError:
        return []
    defined = re.compile(
        rf"^\s+isDefinedByTaxonomy:\s*['\"]?{re.escape(package_id)}['\"]?\s*$",
        re.MULTILINE,
    )
    found = []
    for path in risk_atlas_data_files():
        if path == own:
            continue
        text = path.read_text(encoding="utf-8")
        if _ACTIONS_LIST.search(text) and defined.search(text):
            found.append(path)
    return found


def risk_atlas_parse(
    text: str | bytes | IO,
    *,
    catalogue: str,
    taxonomy: str | None = None,
    layer_map: Mapping[str, str] | None = None,
    default_strength: str = common.DEFAULT_STRENGTH,
    actions: Iterable[str | bytes | IO] = (),
) -> tuple[Taxonomy, ImportReport]:
    """The catalogue ``catalogue`` of an AI Atlas Nexus YAML file as a taxonomy.

    Parameters
    ----------
    text : str, bytes or a file
        The file's content (``risk_atlas_catalogue_file`` finds it).
    catalogue : str
        Our name of the catalogue (``CATALOGUES``) or the package's id.
    taxonomy : str, optional
        The name to import under (default: our name of the catalogue); ids
        become ``<taxonomy>:<the package's id>``.
    layer_map : mapping, optional
        ``{action id or AI RMF function: layer id}`` for the actions (see the
        module's docstring); the other actions go to ``<taxonomy>:institutional``.
    default_strength : str
        The strength of every MITIGATES link of an action (the package has none).
    actions : texts of files, optional
        Further files listing the catalogue's actions
        (``risk_atlas_action_files`` finds them); the actions of ``text`` itself
        are read too.

    Returns
    -------
    (Taxonomy, ImportReport)
        Threats (groups and entries), SUBTYPE_OF links and sources; the
        actions as mitigations, their MITIGATES links and their layer.

    Raises
    ------
    InterchangeError
        Invalid YAML, no such taxonomy in the file, an item or action without
        id or name, a duplicate id, a SUBTYPE_OF cycle, an unknown strength.

    >>> doc = '''
    ... taxonomies: [{id: t, name: T, url: "https://t.org"}]
    ... groups: [{id: g, name: G, isDefinedByTaxonomy: t}]
    ... entries:
    ... - {id: e, name: E, isDefinedByTaxonomy: t, isPartOf: g}
    ... - {id: x, name: X, isDefinedByTaxonomy: other}
    ... '''
    >>> graph, report = risk_atlas_parse(doc, catalogue="t")
    >>> [t.id for t in graph.threats], (graph.subtypes[0].source, graph.subtypes[0].target)
    (['t:g', 't:e'], ('t:e', 't:g'))
    """
    package_id = package_taxonomy_id(catalogue)
    name = common.taxonomy_name_checked(taxonomy or catalogue_name(package_id))
    data = _load(text)
    meta = next(
        (t for t in data.get("taxonomies") or [] if _text(t.get("id")) == package_id),
        None,
    )
    if meta is None:
        raise InterchangeError(
            [
                f"AI Atlas Nexus file: no taxonomy {package_id!r} "
                f"(it defines {', '.join(_taxonomy_ids(data)) or 'none'})"
            ]
        )
    report = ImportReport(
        "risk-atlas",
        name,
        f"{_text(meta.get('name')) or package_id} {_text(meta.get('version'))}".strip(),
        schema="not checked (LinkML schema of the package not applied)",
    )
    sources = _catalogue_sources(data, meta, name)
    items, problems = _items(data, package_id, report)
    if problems:
        raise InterchangeError(problems)
    threats, subtypes = [], []
    known = {item["id"] for _, item in items}
    for path, item in items:
        own = _item_source(item, name)
        if own is not None:
            sources.setdefault(own.id, own)
        threats.append(
            Threat(
                id=common.node_id(name, item["id"]),
                name=_text(item["name"]),
                description=_text(item.get("description")),
                taxonomy=name,
                sources=tuple(
                    dict.fromkeys(
                        ([own.id] if own is not None else [])
                        + [s for s in sources if s.startswith(f"{name}:doc-")]
                    )
                ),
            )
        )
        parent = item.get("isPartOf")
        if parent is None:
            continue
        if _text(parent) in known:
            subtypes.append(
                Link(common.node_id(name, item["id"]), common.node_id(name, parent))
            )
        else:
            report.skip(
                "subtype_of", f"{path} {item['id']}: unknown group {shown(parent)}"
            )
    common.refuse_subtype_cycle(subtypes)
    texts = [data, *(_load(t, "AI Atlas Nexus actions file") for t in actions)]
    action_items, problems = _actions(texts, package_id, report)
    if problems:
        raise InterchangeError(problems)
    mitigations, mitigates, layers = _action_records(
        action_items,
        name,
        CATALOGUE_LABELS.get(catalogue_name(package_id), report.title),
        {t.id for t in threats},
        set(sources),
        common.LayerResolver(name, layer_map or {}, report),
        common.strength_checked(default_strength),
        report,
    )
    result = Taxonomy(
        layers=tuple(sorted(layers.values(), key=lambda x: x.id)),
        threats=tuple(threats),
        mitigations=tuple(mitigations),
        sources=tuple(sorted(sources.values(), key=lambda s: s.id)),
        mitigates=tuple(mitigates),
        subtypes=tuple(subtypes),
    )
    return result, report


def _actions(
    texts: list[dict], package_id: str, report: ImportReport
) -> tuple[list[tuple[str, dict]], list[str]]:
    """``(path, action)`` of the catalogue's actions in every file read, ids
    checked; actions of other taxonomies are counted as ignored."""
    out, problems, seen = [], [], {}
    for n, data in enumerate(texts):
        where = "" if n == 0 else f"actions file {n}: "
        items = data.get(ACTIONS_SECTION)
        for path, item in common.listed_mappings(
            f"{where}{ACTIONS_SECTION}", items, problems
        ):
            if _text(item.get("isDefinedByTaxonomy")) != package_id:
                report.ignored["actions of another taxonomy"] += 1
                continue
            item_id = _text(item.get("id"))
            if common.item_id_checked(
                problems,
                seen,
                path,
                item_id,
                named=bool(_text(item.get("name")) or _text(item.get("description"))),
                unnamed="no name or description",
                duplicate="duplicate action id",
            ):
                out.append((path, {**item, "id": item_id}))
    return out, problems


def _action_records(
    items: list[tuple[str, dict]],
    name: str,
    label: str,
    threats: set[str],
    sources: set[str],
    resolver: common.LayerResolver,
    strength: str,
    report: ImportReport,
) -> tuple[list[Mitigation], list[Mitigates], dict[str, Layer]]:
    """The actions as mitigations of ``name``, each MITIGATES the risks it
    names; a risk the catalogue lacks is skipped and reported."""
    layer = Layer(
        common.node_id(name, ACTIONS_LAYER),
        "Institutional",
        f"Where the import placed the actions {label} suggests. The package "
        "gives them no governance layer; they are organisations' risk-management "
        "practice (policies, assessments, monitoring, disclosure), which the "
        "Layerwise model places at the institutional layer.",
        taxonomy=name,
    )
    mitigations, links, seen = [], [], set()
    for path, item in items:
        action = item["id"]
        mitigation = common.node_id(name, action)
        if mitigation in threats:
            raise InterchangeError([f"{path} {shown(action)}: also the id of a risk"])
        cited = tuple(
            dict.fromkeys(
                s
                for d in item.get("hasDocumentation") or []
                if (s := common.node_id(name, f"doc-{common.slug(d)}")) in sources
            )
        )
        mitigations.append(
            Mitigation(
                id=mitigation,
                name=_action_name(item),
                layer=resolver.resolve(
                    [action], RMF_FUNCTIONS.get(action.partition("-")[0]), layer=layer
                ),
                maturity=common.IMPORTED_MATURITY,
                description=_action_description(item),
                taxonomy=name,
                sources=cited,
            )
        )
        for j, risk in enumerate(item.get("hasRelatedRisk") or []):
            threat = common.node_id(name, _text(risk))
            if threat not in threats:
                report.skip(
                    "mitigates",
                    f"{path}.hasRelatedRisk[{j}] ({action} -> {shown(risk)}): "
                    "unknown risk",
                )
            elif (mitigation, threat) in seen:
                report.merged["mitigates"] += 1
            else:
                seen.add((mitigation, threat))
                links.append(
                    Mitigates(
                        mitigation,
                        threat,
                        strength,
                        f"{label} lists {action} among the actions for this risk. "
                        "The package rates no action and places none in a "
                        f"governance layer: the {strength} strength is assumed "
                        "at import, not judged by the project.",
                        cited,
                    )
                )
    resolver.warn_unused()
    return mitigations, links, resolver.layers


def _action_name(item: dict) -> str:
    """The package's name of an action, or, where that is its id alone (as
    for NIST AI 600-1), the id and the opening words of its description.

    >>> _action_name({"id": "GV-1", "name": "GV-1", "description": "Align use."})
    'GV-1: Align use.'
    >>> _action_name({"id": "a", "name": "Control access", "description": "..."})
    'Control access'
    """
    own = _text(item.get("name"))
    if own and own != item["id"]:
        return own
    words, cut = _text(item.get("description")).split(), ""
    for word in words:
        if len(cut) + len(word) + 1 > ACTION_NAME_WORDS:
            return f"{item['id']}: {cut.rstrip(',;:.')}…"
        cut = f"{cut} {word}".strip()
    return f"{item['id']}: {cut}" if cut else item["id"]


def _action_description(item: dict) -> str:
    """The action's description and the AI actors whose tasks it concerns.

    >>> _action_description({"description": "Do it.",
    ...     "hasAiActorTask": ["TEVV", "End users", "end users"]})
    'Do it. AI actor tasks: TEVV, End users.'
    """
    tasks = {}
    for task in item.get("hasAiActorTask") or []:
        tasks.setdefault(_text(task).lower(), _text(task))
    text = _text(item.get("description"))
    if tasks:
        text = f"{text} AI actor tasks: {', '.join(tasks.values())}.".strip()
    return text


def _catalogue_sources(data: dict, meta: dict, name: str) -> dict[str, Source]:
    """The catalogue's own page and the documents it cites, by id."""
    found = {}
    documents = {
        _text(d.get("id")): d
        for d in data.get("documents") or []
        if isinstance(d, dict)
    }
    for doc_id in meta.get("hasDocumentation") or []:
        doc = documents.get(_text(doc_id))
        if doc is None:
            continue
        source = common.reference_source(
            name,
            name=_text(doc.get("name")) or _text(doc_id),
            url=_text(doc.get("url")),
            local=f"doc-{common.slug(doc_id)}",
        )
        found[source.id] = source
    if meta.get("url"):
        source = common.reference_source(
            name,
            name=_text(meta.get("name")) or name,
            url=_text(meta.get("url")),
            local="doc-catalogue",
        )
        found[source.id] = source
    return found


def _item_source(item: dict, name: str) -> Source | None:
    url = common.web_url_or_empty(_text(item.get("url")))
    if not url:
        return None
    return common.reference_source(
        name, name=_text(item["name"]), url=url, local=f"page-{item['id']}"
    )


def _items(
    data: dict, package_id: str, report: ImportReport
) -> tuple[list[tuple[str, dict]], list[str]]:
    """``(path, item)`` of the catalogue's groups then entries, ids checked;
    the file's items of other taxonomies are counted as ignored."""
    out, problems, seen = [], [], {}
    for section in ITEM_SECTIONS:
        items = data.get(section)
        for path, item in common.listed_mappings(section, items, problems):
            if _text(item.get("isDefinedByTaxonomy")) != package_id:
                report.ignored[f"{section} of another taxonomy"] += 1
                continue
            item_id = _text(item.get("id"))
            if common.item_id_checked(
                problems, seen, path, item_id, named=bool(_text(item.get("name")))
            ):
                out.append((path, {**item, "id": item_id}))
    return out, problems


def risk_atlas_texts() -> dict[str, str]:
    """Every data file of the installed package (YAML and SSSOM TSV), by its
    path inside the package, as text."""
    risk_atlas_version()
    distribution = metadata.distribution(DISTRIBUTION)
    return {
        str(f)[len(PACKAGE_DATA) :]: Path(distribution.locate_file(f)).read_text(
            encoding="utf-8"
        )
        for f in sorted(distribution.files or [], key=str)
        if str(f).startswith(PACKAGE_DATA) and str(f).endswith((".yaml", ".tsv"))
    }


def catalogue_item_texts(taxonomy: Taxonomy) -> dict[str, str]:
    """Each threat of an imported catalogue: id -> its name and description.

    >>> catalogue_item_texts(Taxonomy(threats=(Threat("t:a", "A", "Desc."),)))
    {'t:a': 'A. Desc.'}
    """
    return {t.id: f"{t.name}. {t.description}".strip() for t in taxonomy.threats}


def framework_terms_parse(
    text: str | bytes, *, name: str = "framework terms"
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The search terms of ``fixtures/mappings/framework-terms.yaml``: (threat -> terms,
    lever -> terms); InterchangeError naming each entry that is not a list of
    valid regular expressions.

    >>> framework_terms_parse("threats: {a: ['x']}\\nlevers: {chips: ['chips?']}")
    ({'a': ['x']}, {'chips': ['chips?']})
    """
    data = _load(text, name)
    problems, found = [], []
    for section in ("threats", "levers"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            problems.append(f"{name}: {section}: expected a mapping")
            entries = {}
        checked = {}
        for key, terms in entries.items():
            if not isinstance(terms, list) or not terms:
                problems.append(f"{name}: {section}.{key}: expected a list of terms")
                continue
            for term in terms:
                try:
                    re.compile(str(term))
                except re.error as e:
                    problems.append(f"{name}: {section}.{key}: {term!r}: {e}")
            checked[str(key)] = [str(t) for t in terms]
        found.append(checked)
    if problems:
        raise InterchangeError(problems)
    return found[0], found[1]
