"""STIX relationships in: the link of each relationship (joined when a
pair comes twice), the IN_TACTIC links of the kill chain phases, and the
jurisdictions' rules."""

from __future__ import annotations

from typing import Any

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS, LinkKind
from taxonomy.domain.records import (
    STRENGTHS,
    InForceIn,
    Link,
    MemberOf,
    Mitigates,
    Taxonomy,
    Uses,
)
from taxonomy.domain.rules import shown, taxonomy_problems
from taxonomy.formats.common import IMPORTED_MATURITY, join_rationale, node_id
from taxonomy.formats.stix.read_bundle import RELATIONSHIPS, BundleRead, Rel
from taxonomy.formats.stix.read_nodes import Bundle
from taxonomy.formats.stix.vocabulary import INCIDENT_TYPES


def in_tactic_links(
    read: BundleRead, nodes: dict[str, dict[str, Any]], bundle: Bundle
) -> dict[tuple[str, str], Link]:
    """An IN_TACTIC link per kill chain phase of a live technique, to the tactics
    whose shortname is the phase's name; a phase naming none is reported."""
    by_shortname: dict[str, list[str]] = {}
    for tactic in nodes["tactic"].values():
        by_shortname.setdefault(tactic.shortname, []).append(tactic.id)
    links: dict[tuple[str, str], Link] = {}
    for stix_id, threat in nodes["threat"].items():
        phases = read.nodes[stix_id].get("kill_chain_phases")
        for phase in phases if isinstance(phases, list) else []:
            name = phase.get("phase_name") if isinstance(phase, dict) else None
            tactics = by_shortname.get(name) if isinstance(name, str) else None
            if not tactics:
                bundle.report.skip(
                    "in_tactic",
                    f"{stix_id} ({threat.name}): kill chain phase {shown(name)} "
                    "names no tactic of the bundle",
                )
                continue
            for tactic in tactics:
                links[threat.id, tactic] = Link(threat.id, tactic)
    return links


def link_records(
    read: BundleRead,
    records: dict[str, dict[str, Any]],
    skipped: dict[str, str],
    strength: str,
    bundle: Bundle,
) -> dict[str, dict[tuple[str, str], Any]]:
    """Taxonomy field -> (source id, target id) -> the link of each relationship."""
    report = bundle.report
    nodes = {
        kind: {k: v.id for k, v in items.items()} for kind, items in records.items()
    }
    tactics = {tactic.id for tactic in records["tactic"].values()}
    out: dict[str, dict[tuple[str, str], Any]] = {
        kind.field: {} for kind in RELATIONSHIPS.values()
    }
    for rel in read.rels.values():
        if rel.type not in RELATIONSHIPS:
            report.ignored[f"relationship {rel.type}"] += 1
            continue
        kind = RELATIONSHIPS[rel.type]
        if kind.name == "uses" and _not_a_technique(read, rel.target):
            report.ignored["relationship uses (not to a technique)"] += 1
            continue
        if rel.skipped:
            report.skip(kind.name)
            continue
        ends = (nodes[kind.source].get(rel.source), nodes[kind.target].get(rel.target))
        if None in ends:
            report.skip(kind.name, _dangling(rel, kind, ends, skipped, read))
            continue
        links = out[kind.field]
        old = links.get(ends)
        if kind.record is Mitigates:
            links[ends] = _mitigates(rel, ends, old, strength, bundle)
        elif kind.record is Uses:
            links[ends] = _uses(rel, ends, old, tactics, bundle)
        elif kind.record in (MemberOf, InForceIn):
            links[ends] = _bound(kind, rel, ends, old, bundle)
        else:
            links[ends] = kind.make(*ends)
        if old is None and rel.original is not None and kind.record is not Link:
            links[ends] = bundle.kept(
                rel.original, links[ends], read, skip_id_reference=False
            )
    return out


def _bound(
    kind: LinkKind,
    rel: Rel,
    ends: tuple[str, str],
    old: MemberOf | InForceIn | None,
    bundle: Bundle,
) -> MemberOf | InForceIn:
    """The link of a member-of or in-force-in relationship: the extension's
    maturity (in-force-in), since and until, its description the rationale;
    a second one of the same pair replaces the first, reported."""
    ext = rel.bound or {}
    values: dict[str, Any] = {
        "since": str(ext.get("since") or ""),
        "until": str(ext.get("until") or ""),
        "rationale": rel.description,
        "sources": bundle.sources_of(rel.sources, rel.refs, skip_id_reference=False),
    }
    if kind.record is InForceIn:
        values["maturity"] = str(ext.get("maturity") or IMPORTED_MATURITY)
    if old is not None:
        bundle.report.warnings.append(
            f"{rel.id}: a second {rel.type} {ends[0]} -> {ends[1]}; the last kept"
        )
    return kind.make(*ends, **values)


def refuse_broken_geography(
    nodes: dict[str, dict[str, Any]],
    links: dict[str, dict[tuple[str, str], Any]],
) -> None:
    """Refuse a bundle whose jurisdictions or their links break a rule of
    ``taxonomy_problems`` (kind, weight, dates, maturity, members only of a
    bloc or multilateral body, no membership cycle): every problem, naming
    the jurisdiction or link."""
    geography = Taxonomy(
        jurisdictions=tuple(nodes["jurisdiction"].values()),
        memberships=tuple(links[LINK_KINDS["member_of"].field].values()),
        in_force=tuple(links[LINK_KINDS["in_force_in"].field].values()),
    )
    if not geography.jurisdictions:
        return
    problems = []
    for p in taxonomy_problems(geography):
        if p.rule == "unknown":
            continue  # the sources and mitigations are not in ``geography``
        kind = LINK_KINDS.get(p.kind) or NODE_KINDS[p.kind]
        record = getattr(geography, kind.field)[p.index]
        what = (
            f"{kind.stix_type} {kind.key(record)}"
            if kind.is_link
            else f"location {record.id} ({shown(record.name)})"
        )
        problems.append(f"{what}{f' ({p.field})' if p.field else ''}: {p.message}")
    if problems:
        raise InterchangeError(problems)


def _not_a_technique(read: BundleRead, ref: str) -> bool:
    """Whether the bundle holds ``ref`` as something other than a technique (a
    piece of software a group uses)."""
    found = read.nodes.get(ref)
    kind = found["type"] if found is not None else read.other.get(ref)
    return kind is not None and kind != NODE_KINDS["threat"].stix_type


def _uses(
    rel: Rel,
    ends: tuple[str, str],
    old: Uses | None,
    tactics: set[str],
    bundle: Bundle,
) -> Uses:
    """The link of a uses relationship: the extension's steps, else its
    description; joined with an ``old`` one of the same pair."""
    ext = rel.steps or {}
    steps = tuple(s for s in ext.get("steps") or () if isinstance(s, int))
    named = [
        node_id(bundle.name, str(t)) if t else "" for t in ext.get("tactics") or ()
    ]
    for tactic in sorted({t for t in named if t and t not in tactics}):
        bundle.report.warnings.append(
            f"{rel.id} (uses): tactic {tactic} is not in the bundle; left out"
        )
    link = Uses(
        *ends,
        steps,
        tuple(t if t in tactics else "" for t in named),
        tuple(str(d) for d in ext["descriptions"])
        if "descriptions" in ext
        else tuple(x for x in (rel.description,) if x),
    )
    if old is None:
        return link
    bundle.report.merged["uses"] += 1
    bundle.report.warnings.append(
        f"{rel.id}: a second uses {ends[0]} -> {ends[1]}; joined"
    )
    if old.steps or link.steps:
        rows = sorted(
            {*zip(*_columns(old), strict=True), *zip(*_columns(link), strict=True)}
        )
        steps, tactics_of, descriptions = (tuple(x) for x in zip(*rows, strict=True))
        return Uses(*ends, steps, tactics_of, descriptions)
    text = join_rationale("\n\n".join(old.descriptions), "\n\n".join(link.descriptions))
    return Uses(*ends, (), (), (text,) if text else ())


def _columns(link: Uses) -> tuple[tuple, tuple, tuple]:
    """A USES link's steps, tactics and descriptions, one entry per step."""
    n = len(link.steps)
    return (
        link.steps,
        link.tactics if len(link.tactics) == n else ("",) * n,
        link.descriptions if len(link.descriptions) == n else ("",) * n,
    )


def _mitigates(
    rel: Rel,
    ends: tuple[str, str],
    old: Mitigates | None,
    strength: str,
    bundle: Bundle,
) -> Mitigates:
    """The link of a mitigates relationship, joined with an ``old`` one of the
    same pair."""
    link = Mitigates(
        *ends,
        rel.strength if rel.strength in STRENGTHS else strength,
        rel.description,
        bundle.sources_of(rel.sources, rel.refs, skip_id_reference=False),
    )
    if old is None:
        return link
    bundle.report.merged["mitigates"] += 1
    bundle.report.warnings.append(
        f"{rel.id}: a second mitigates {ends[0]} -> {ends[1]}; joined"
    )
    return Mitigates(
        *ends,
        link.strength,
        join_rationale(old.rationale, link.rationale),
        tuple(dict.fromkeys(old.sources + link.sources)),
    )


def _dangling(
    rel: Rel,
    kind: LinkKind,
    ends: tuple[str | None, str | None],
    skipped: dict[str, str],
    read: BundleRead,
) -> str:
    """Why a relationship has no link: what each missing end points to."""
    problems = []
    for ref, want, found in zip(
        (rel.source, rel.target), (kind.source, kind.target), ends, strict=True
    ):
        if found is not None:
            continue
        stix_type = (
            " or ".join(sorted(INCIDENT_TYPES))
            if want == "incident"
            else NODE_KINDS[want].stix_type
        )
        found_type = read.other.get(ref) or (
            read.nodes[ref]["type"] if ref in read.nodes else None
        )
        if ref in skipped:
            problems.append(f"{skipped[ref]} object {ref}")
        elif found_type is not None:
            problems.append(f"{found_type} {ref}, not a {stix_type}")
        else:
            problems.append(f"missing object {ref}")
    return f"{rel.id} ({rel.type}): points to {'; '.join(problems)}"
