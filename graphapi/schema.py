"""The OpenAPI document: every endpoint's summary, description, parameters and
responses, and the errors every operation can answer.

The views carry no documentation of their own: each is decorated with one of
the decorators below (``@schema.coverage``), and the views generated per kind
are documented from the serializers they declare. How the document is
generated and read (the inspector, the errors every operation answers, the
paths the views check their query against) is ``graphapi.openapi``.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)

from graphapi import etags
from graphapi.openapi import errors
from graphapi.pagination import PageQuerySerializer
from graphapi.serializers import documents, index, jobs, mappings, queries, records
from taxonomy.formats import fixtures_common
from taxonomy.formats.common import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_DEPTH,
    REMOVAL_FLOOR,
    REMOVAL_SHARE,
)
from taxonomy.formats.registry import FORMATS


def fixture_file_schema() -> dict[str, Any]:
    """fixtures/schema.json (JSON Schema 2020-12) as an OpenAPI 3.0 schema object:
    ``$defs`` inlined, ``["x", "null"]`` types as ``nullable``."""
    document = json.loads(fixtures_common.SCHEMA_PATH.read_text())
    defs = document.pop("$defs")

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return convert(defs[node["$ref"].rsplit("/", 1)[1]])
        out = {k: convert(v) for k, v in node.items() if k not in ("$schema", "$id")}
        if isinstance(out.get("type"), list) and "null" in out["type"]:
            (out["type"],) = [t for t in out["type"] if t != "null"]
            out["nullable"] = True
        for bound, side in (
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ):
            if not isinstance(out.get(bound, True), bool):
                out[side], out[bound] = out[bound], True
        return out

    return convert(document)


# --- Shared parameters and bodies -------------------------------------------------------

FIXTURE_FILE = fixture_file_schema()
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    pattern=etags.IF_MATCH_PATTERN,
    description="Change only if the item is still at this version: its ETag "
    '(e.g. "threat:guardrail-removal:v3"), a bare version number, or *. '
    "A stale one gets 412 and changes nothing; one of another form is 400.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The item's version tag; send it back in If-Match.",
)
CONTENT_DISPOSITION = OpenApiParameter(
    "Content-Disposition",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description='A file name to save as: attachment; filename="<taxonomy>-<format>.<ext>".',
)


def _path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        str,
        OpenApiParameter.PATH,
        description=description,
        pattern=records.ID_PATTERN,
    )


# --- Health ------------------------------------------------------------------------

ping = extend_schema(
    tags=["health"],
    summary="Is the web server up? (does not touch Neo4j)",
    responses={200: documents.PingSerializer},
    extensions={"x-no-graph": True},
)
health = extend_schema(
    tags=["health"],
    summary="Is Neo4j reachable? 503 when it is not.",
    responses={200: documents.HealthSerializer},
)


# --- Nodes and links, per kind ------------------------------------------------------

# Node kind -> what deleting one does to what involves it.
DELETE_NOTES = {
    "layer": "Refused with 409 while mitigations are in the layer; with cascade=true "
    "they are deleted too, with their links.",
    "threat": "Refused with 409 while links involve the threat; cascade=true deletes "
    "them too.",
    "mitigation": "Refused with 409 while links involve the mitigation; cascade=true "
    "deletes them too.",
    "source": "Refused with 409 while links or items cite the source; cascade=true "
    "removes it from their sources.",
    "tactic": "Refused with 409 while techniques are in the tactic or incidents' "
    "steps name it; cascade=true deletes the IN_TACTIC links and leaves those steps "
    "without a tactic.",
    "incident": "Refused with 409 while it has USES links; cascade=true deletes "
    "them too.",
    "jurisdiction": "Refused with 409 while MEMBER_OF or IN_FORCE_IN links involve "
    "it or ADOPTS links name it; cascade=true deletes them too (an ADOPTS link "
    "naming other places only loses this one).",
    "architecture": "Refused with 409 while it has ADOPTS links; cascade=true "
    "deletes them too.",
}
# Link kind (without properties) -> what one such link says.
LINK_MEANINGS = {
    "enables": "source threat makes target threat possible or cheaper",
    "requires": "source mitigation cannot work without target mitigation; no cycles",
    "introduces": "source mitigation creates target threat",
    "subtype": "source threat is a special case of target threat; no cycles",
    "in_tactic": "source threat (technique) serves target tactic",
    "member_of": "source jurisdiction belongs to target bloc or multilateral body "
    "between the dates given; no cycles",
    "in_force_in": "source mitigation is in force in target jurisdiction, at a "
    "maturity there, between the dates given",
    "adopts": "source governance architecture adopts target mitigation in the "
    "jurisdictions given (everywhere when none), with its rationale and sources",
}


STORED = "Answers with the item as stored (without embeds) and its new ETag."


def _changes(
    tag: str,
    summaries: tuple[str, str],
    descriptions: tuple[str | None, str | None] = (None, None),
    **documented: Any,
) -> dict[str, Any]:
    """The documentation of PUT and PATCH, which differ only in their words."""
    request, response = documented.pop("request"), documented.pop("response")
    return {
        method: extend_schema(
            tags=[tag],
            summary=summary,
            description=description,
            request=request,
            responses={200: response, **errors(400, 404, 412, 415, 422)},
            **documented,
        )
        for method, summary, description in zip(
            ("put", "patch"), summaries, descriptions, strict=True
        )
    }


def node_collection(view: type) -> type:
    """Document a node kind's list and create (``view.kind``, ``view.api``)."""
    tag, api = view.kind.segment, view.api
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"List {tag} in id order",
            description="Paginated with limit and offset; the filters combine (AND). "
            "An unknown taxonomy is 404.",
            parameters=[api.filters],
            responses={200: api.listed(many=True), **errors(404, 422)},
        ),
        post=extend_schema(
            tags=[tag],
            summary=f"Create one of the {tag}",
            description="Answers with the item as stored (version 1), its ETag and "
            "its Location. An id in use is 409; an unknown reference 422.",
            request=view.item_serializer,
            responses={201: view.item_serializer, **errors(400, 409, 415, 422)},
            parameters=[ETAG],
        ),
    )(view)


def node_item(view: type) -> type:
    """Document a node kind's read, replace, change and delete."""
    tag, api = view.kind.segment, view.api
    key = _path_id("key", "The id.")
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"Read one of the {tag}, with what it links to",
            description="The ETag names the item's version, for If-Match. An item "
            "of another taxonomy than `taxonomy` is 404.",
            parameters=[key, queries.TaxonomyQuerySerializer, ETAG],
            responses={200: api.detail, **errors(404, 422)},
        ),
        **_changes(
            tag,
            (
                f"Replace every field of one of the {tag} (the id stays)",
                f"Change some fields of one of the {tag}",
            ),
            (
                "Fields left out take their defaults. " + STORED,
                "Only the fields sent change. " + STORED,
            ),
            parameters=[key, IF_MATCH, ETAG],
            request=view.item_serializer,
            response=view.item_serializer,
        ),
        delete=extend_schema(
            tags=[tag],
            summary=f"Delete one of the {tag}",
            description=DELETE_NOTES[view.kind.name],
            parameters=[key, IF_MATCH, queries.CascadeSerializer],
            responses={204: None, **errors(400, 404, 409, 412, 422)},
        ),
    )(view)


def _link_texts(kind) -> tuple[str, str | None, str]:
    """The list's summary and description, and the create's description."""
    if kind.name == "mitigates":
        return (
            f"List {kind.rel} links by (mitigation, threat)",
            "Those whose mitigation is of `taxonomy`.",
            "Its mitigation, threat and sources must exist (422 names the field).",
        )
    if kind.name == "uses":
        return (
            f"List {kind.rel} links by (incident, threat)",
            "Filter by `source` (the incident) and `target` (the threat).",
            "Its incident, threat and tactics must exist; steps are ascending whole "
            "numbers from 1 that no other technique of the incident holds, with one "
            "tactic and description per step (422 names the field).",
        )
    meaning = LINK_MEANINGS[kind.name]
    return (
        f"List {kind.rel} links ({meaning})",
        None,
        f"{meaning}. Both ends must exist (422 names the field).",
    )


def _article(word: str) -> str:
    """The indefinite article before ``word`` as it is spelt (an ENABLES, a USES)."""
    return "an" if word[0] in "AEIOUaeiou" else "a"


def link_collection(view: type) -> type:
    """Document a link kind's list and create (``view.kind``, ``view.api``)."""
    kind, api = view.kind, view.api
    summary, description, create = _link_texts(kind)
    return extend_schema_view(
        get=extend_schema(
            tags=[kind.segment],
            summary=summary,
            description=description,
            parameters=[api.filters],
            responses={200: view.item_serializer(many=True), **errors(404, 422)},
        ),
        post=extend_schema(
            tags=[kind.segment],
            summary=f"Create {_article(kind.rel)} {kind.rel} link",
            description=create,
            parameters=[ETAG],
            responses={201: view.item_serializer, **errors(400, 409, 415, 422)},
        ),
    )(view)


def link_item(view: type) -> type:
    """Document a link kind's read and delete, and the changes of one with properties."""
    kind, api = view.kind, view.api
    ends = [_path_id(end, f"The {end}'s id.") for end in kind.ends]
    documented = {
        "get": extend_schema(
            tags=[kind.segment],
            summary=f"Read one {kind.rel} link",
            parameters=[*ends, queries.TaxonomyQuerySerializer, ETAG],
            responses={200: view.item_serializer, **errors(404, 422)},
        ),
        "delete": extend_schema(
            tags=[kind.segment],
            summary=f"Delete one {kind.rel} link",
            parameters=[*ends, IF_MATCH],
            responses={204: None, **errors(400, 404, 412)},
        ),
    }
    if api.change is not None:
        *first, last = kind.editable
        fields = f"{', '.join(first)} and {last}"
        documented |= _changes(
            kind.segment,
            (f"Replace {fields}", f"Change some of {fields}"),
            parameters=[*ends, IF_MATCH, ETAG],
            request=api.change,
            response=view.item_serializer,
        )
    return extend_schema_view(**documented)(view)


# --- Coverage --------------------------------------------------------------------------

COVERAGE_DOC = (
    "The same document as `manage.py coverage --format json` with the same "
    "scenario, byte for byte. Served from a cache keyed by the graph revision, "
    "so repeated reads do not recompute. Unknown ids give 422 naming the parameter; "
    "an unknown `taxonomy` 404 (`manage.py coverage --taxonomy`). "
    "With `revision` it analyses a named revision instead (404 if there is none)."
)
coverage = extend_schema(
    tags=["coverage"],
    summary="Coverage of every threat by the layers, under a what-if scenario",
    description=COVERAGE_DOC,
    parameters=[queries.CoverageQuerySerializer],
    responses={200: documents.CoverageDocumentSerializer, **errors(404, 422)},
)
coverage_diff = extend_schema(
    tags=["coverage"],
    summary="The scenario diffed against the baseline (nothing disabled)",
    description=COVERAGE_DOC + " `diff` compares the scenario with its baseline "
    "(nothing disabled, every maturity, the same threshold and dependence), as "
    "`--diff-baseline` does: `changed` lists the threats whose class changes, "
    "`moved` every threat whose class or coverage moves (by all layers and by "
    "each layer: before, after and the change), class changes first, then the "
    "largest move; `unchanged` counts the others.",
    parameters=[queries.CoverageQuerySerializer],
    responses={200: documents.CoverageDocumentSerializer, **errors(404, 422)},
)
coverage_robustness = extend_schema(
    tags=["coverage"],
    summary="How robust the coverage numbers are: margins, pivotal judgements, "
    "the headline range and Monte Carlo uncertainty",
    description="The `robustness` section of `manage.py coverage --robustness` "
    "(docs/coverage.md, Robustness) under the scenario, `dependence` included. "
    "Reproducible: the same `samples` and `seed` give the same numbers. Cached by "
    "graph revision and parameters. `samples` over 20,000 is 422.",
    parameters=[queries.RobustnessQuerySerializer],
    responses={200: documents.RobustnessSerializer, **errors(404, 422)},
)
INCIDENT_DOC = (
    "An incident is stopped when at least one technique it uses is addressed "
    "under the scenario: one addressed step is taken to break the documented "
    "sequence (the chain rule), so every count depends on the threshold; "
    "`assumption` says so in words, to show with the numbers, and `by_threshold` "
    "gives the margin. Cached by graph revision and parameters. Unknown ids give "
    "422 naming the parameter; an unknown `taxonomy` 404."
)
coverage_incidents = extend_schema(
    operation_id="coverage_incidents_list",
    tags=["coverage"],
    summary="Which documented incidents the scenario would stop, and what would "
    "stop the rest",
    description=INCIDENT_DOC + " `results` lists the incidents that pass `kind` "
    "and `stopped`, by id, paginated with limit and offset (`count`, `next`, "
    "`previous`); `totals`, `stoppers` and `by_threshold` count every incident of "
    "the taxonomy.",
    parameters=[queries.IncidentCoverageQuerySerializer, PageQuerySerializer],
    responses={200: documents.IncidentCoverageSerializer, **errors(404, 422)},
)
coverage_tactics = extend_schema(
    tags=["coverage"],
    summary="Coverage per tactic: the threats of each class in each tactic",
    description="Per tactic, in matrix order (`order`, then id), the number of "
    "threats IN_TACTIC it of each coverage class under the scenario; threats in "
    "no tactic under `no_tactic`. A technique in several tactics counts under "
    "each, and once in `total`. Cached by graph revision and parameters. Unknown "
    "ids give 422 naming the parameter; an unknown `taxonomy` 404.",
    parameters=[queries.ScenarioQuerySerializer],
    responses={200: documents.TacticCoverageSerializer, **errors(404, 422)},
)
coverage_incident = extend_schema(
    operation_id="coverage_incident_retrieve",
    tags=["coverage"],
    summary="One documented incident under the scenario: its steps in order, each "
    "technique's class, and the step that stops it",
    description=INCIDENT_DOC + " An incident the taxonomy does not hold is 404. "
    "`incidents/{key}/` gives the incident as stored, with its USES links.",
    parameters=[
        _path_id("key", "The incident's id."),
        queries.ScenarioQuerySerializer,
    ],
    responses={200: documents.IncidentVerdictSerializer, **errors(404, 422)},
)
coverage_matrix = extend_schema(
    tags=["coverage"],
    summary="The threat × layer coverage matrix as CSV",
    description="Header `threat,class,all,<layers>`; as `manage.py coverage --format csv` "
    "(`--taxonomy` as `taxonomy`). An unknown taxonomy is 404.",
    parameters=[queries.CoverageQuerySerializer],
    responses={(200, "text/csv"): OpenApiTypes.STR, **errors(404, 422)},
)


# --- Taxonomies, the graph, export and import ----------------------------------------

taxonomies = extend_schema(
    tags=["taxonomies"],
    summary="The taxonomies in the graph, with their items counted",
    description="Each name is a value of the `taxonomy` parameter of the reads; "
    "`layerwise` is the seed and the default.",
    responses={200: records.TaxonomyCountSerializer(many=True)},
)
graph = extend_schema(
    tags=["graph"],
    summary="Nodes and edges for visualisation",
    description="Layers, threats and mitigations as nodes (ids prefixed by kind), "
    "links as edges; threats carry their coverage class. With `around`, only the "
    "nodes within `depth` hops of that node. An unknown taxonomy is 404.",
    parameters=[queries.GraphQuerySerializer],
    responses={200: documents.GraphSerializer, **errors(404, 422)},
)
NAVIGATOR_LAYER = {
    "type": "object",
    "description": "An ATT&CK Navigator layer, format 4.5: score = each threat's "
    "coverage by all layers in percent (0..100), comment = its class and the layers "
    "that address it.",
    "required": ["name", "versions", "domain", "techniques"],
    "properties": {
        "name": {"type": "string"},
        "versions": {"type": "object"},
        "domain": {"type": "string"},
        "techniques": {"type": "array", "items": {"type": "object"}},
    },
}
STIX_BUNDLE = {
    "type": "object",
    "description": "A STIX 2.1 bundle.",
    "required": ["type", "id", "objects"],
    "properties": {
        "type": {"type": "string", "enum": ["bundle"]},
        "id": {"type": "string"},
        "objects": {"type": "array", "items": {"type": "object"}},
    },
}
export = extend_schema(
    tags=["import/export"],
    summary="One taxonomy as a file: fixtures (yaml, json), STIX, Navigator, GraphML, CSV",
    description="As `manage.py export --format F --taxonomy T` for stix, navigator, "
    "graphml and csv; navigator and csv take the coverage scenario (`threshold`, "
    "`disable_layer`, `disable_mitigation`, `adopt`, `maturity`, `dependence`), "
    "which other formats "
    "refuse (422). An unknown taxonomy is 404.",
    parameters=[queries.ExportQuerySerializer, CONTENT_DISPOSITION],
    responses={
        (200, "application/json"): {
            "anyOf": [
                {"$ref": "#/components/schemas/TaxonomyDocument"},
                NAVIGATOR_LAYER,
            ]
        },
        (200, "application/yaml"): FIXTURE_FILE,
        (200, FORMATS["stix"].media_type): STIX_BUNDLE,
        (200, FORMATS["graphml"].media_type): OpenApiTypes.STR,
        (200, FORMATS["csv"].media_type): OpenApiTypes.STR,
        **errors(404, 422),
    },
)
import_ = extend_schema(
    tags=["import/export"],
    summary="Import a fixture file or document, a MITRE ATLAS file or a STIX 2.1 "
    "bundle, all or nothing",
    description="`format=fixtures` (the default): one fixture file (YAML) or the "
    "canonical document (JSON), validated like `manage.py taxonomy validate`: any "
    "problem (422, each with its line for YAML and its field) writes nothing; YAML "
    "that is not YAML is 400. Without `prune` the graph keeps what the import does "
    "not mention. `dry_run=true` writes nothing and reports the change set and its "
    "coverage impact.\n\n"
    "`format=atlas` (ATLAS.yaml, sent as YAML) and `format=stix` (a STIX 2.1 "
    "bundle, sent as JSON) work as `manage.py import_atlas` / `import_stix`: the "
    "file replaces what the graph holds of its taxonomy and touches no other; a "
    "file that cannot be imported, or a `layer_map` naming an unknown layer, is 422 "
    "with every problem in `details.problems` and writes nothing; an id another "
    "taxonomy holds is 409. An import that would remove more than "
    f"{REMOVAL_SHARE:.0%} of a kind (and more than {REMOVAL_FLOOR} items) of what "
    "the graph holds of the taxonomy is 409 "
    "`removals_refused` with the counts per kind in `details.removals`, and "
    "writes nothing, unless `allow_removals=true`; a dry run lists that refusal "
    "first among its warnings. The API does not check ATLAS bodies against "
    "MITRE's JSON Schema (`manage.py import_atlas` does). The answer lists the "
    "changes and a summary per kind.\n\n"
    "A body larger than `LAYERWISE_IMPORT_JOB_BYTES` (1 MiB by default), or "
    "sent with `Prefer: respond-async`, is not imported within the request: it "
    "is accepted with 202 and run as a job by the task worker (see "
    "`/api/v1/jobs/{job_id}/`), so a large import never depends on a web "
    "worker's timeout. Its query and media type are checked first (422, 415).\n\n"
    f"YAML bodies may nest at most {MAX_YAML_DEPTH} levels and their aliases "
    f"expand to at most {MAX_YAML_ALIAS_NODES:,} nodes; past that a fixture body "
    "is 400 and an ATLAS body 422.",
    parameters=[
        queries.ImportQuerySerializer,
        OpenApiParameter(
            "Prefer",
            str,
            OpenApiParameter.HEADER,
            description="`respond-async` (RFC 7240): run the import as a job "
            "(202) whatever its size.",
        ),
        OpenApiParameter(
            "Location",
            str,
            OpenApiParameter.HEADER,
            response=[202],
            description="The job's status URL.",
        ),
    ],
    request={
        "application/json": documents.TaxonomyDocumentSerializer,
        "application/yaml": FIXTURE_FILE,
    },
    responses={
        200: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name="ImportAnswer",
                serializers=[
                    documents.ImportResultSerializer,
                    documents.CatalogueImportResultSerializer,
                ],
                resource_type_field_name=None,
            ),
            description="Applied or dry run: ImportResult for fixtures, "
            "CatalogueImportResult for atlas and stix.",
        ),
        202: OpenApiResponse(
            jobs.JobSerializer,
            description="Run as a job by the task worker: a body larger than "
            "`LAYERWISE_IMPORT_JOB_BYTES` (1 MiB by default), or any body sent "
            "with `Prefer: respond-async`. Nothing is written yet; the `Location` "
            "header and `url` give the job's status (GET), `cancel_url` cancels "
            "it (POST). Once succeeded, the job's `result` is the 200 answer; a "
            "failed job's `error` is the error the import would have answered.",
        ),
        **errors(400, 409, 413, 415, 422),
    },
)

_JOB_ID = OpenApiParameter(
    "job_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The job's id."
)
_JOB_ERRORS = {
    **errors(401, 403),
    404: OpenApiResponse(documents.ErrorSerializer, description="No such job."),
}
job = extend_schema(
    tags=["import/export"],
    summary="An import job: its status, progress and outcome",
    description="For editors, and for the editor who started it. `status` is "
    "queued, running, succeeded, failed or cancelled; a running job reports "
    "`phase` (reading, writing) and `done` of `total` changes. A job whose "
    "task worker stopped is reported failed (`worker_lost`); the graph is then "
    "as it was.",
    parameters=[_JOB_ID],
    responses={200: jobs.JobSerializer, **_JOB_ERRORS},
)
job_cancel = extend_schema(
    tags=["import/export"],
    summary="Cancel an import job (editors)",
    description="A queued job is cancelled at once; a running one stops at its "
    "next batch and leaves the graph as it was (its status turns cancelled "
    "soon after: poll `url`). A job whose write has already switched cannot be "
    "undone and ends as succeeded. A job that has ended is 409 `job_ended`.",
    parameters=[_JOB_ID],
    request=None,
    responses={
        202: OpenApiResponse(jobs.JobSerializer, description="Cancel asked."),
        **_JOB_ERRORS,
        409: OpenApiResponse(
            documents.ErrorSerializer, description="The job has ended."
        ),
    },
)


# --- The audit log and named revisions -------------------------------------------------

audit = extend_schema(
    tags=["history"],
    summary="The audit log: every write, newest first",
    description="Who changed what (each item before and after), when, how "
    "(browser, api, fixtures, import) and why. Paginated with limit and offset; "
    "the filters combine (AND). Editors see every entry whole; what others see is "
    "the server's `LAYERWISE_AUDIT_VISIBILITY`: `public` the same, `anonymised` "
    "(the default) each entry without `actor`, `before` and `after` (and `editor=` "
    "is a 403), `editors` nothing (401 anonymous, 403 logged in).",
    parameters=[queries.AuditQuerySerializer],
    responses={
        200: records.AuditEntrySerializer(many=True),
        **errors(401, 403, 422),
    },
)
revisions = extend_schema(
    tags=["history"],
    summary="The named revisions, newest first",
    description="Each is the whole taxonomy as it was when `manage.py taxonomy tag "
    "NAME` ran; analyse one with `coverage/?revision=NAME`. `created_by` is shown "
    "to editors, and to everyone when `LAYERWISE_AUDIT_VISIBILITY=public`.",
    responses={200: records.NamedRevisionSerializer(many=True)},
)
revision_compare = extend_schema(
    tags=["history"],
    summary="Compare two revisions: items added, removed, changed, and the coverage impact",
    description="The document of `manage.py taxonomy diff --format json`, between "
    "two named revisions (or `current`, the graph now).",
    parameters=[queries.RevisionCompareQuerySerializer],
    responses={200: documents.ComparisonSerializer, **errors(404, 422)},
)


# --- The recommendation -----------------------------------------------------------------

recommendations = extend_schema(
    tags=["coverage"],
    summary="What to adopt next: the mitigations that address the most threats "
    "within a budget",
    description="The document of `manage.py recommend --format json`: from the "
    "starting scenario (default today, `maturity=deployed`, when no scenario "
    "parameter is given) the candidate set that addresses the most threats within "
    "`budget` (exact MILP; `method` says so, with the gap when a time limit "
    "stopped it), what each member closes and introduces, the efficient frontier "
    "and the greedy order. Cached by graph revision and parameters. An unknown "
    "candidate or one already in effect, or a negative or non-numeric budget, is "
    "422 naming the parameter; an unknown `taxonomy` 404. `where=J` answers what "
    "jurisdiction J should adopt next (`M@J` candidates, the analysis in J); "
    "`where=places` which measures, adopted in which places, make the world view "
    "address the most mobile threats (`chosen` names the place of each).",
    parameters=[queries.RecommendationQuerySerializer],
    responses={200: documents.RecommendationSerializer, **errors(404, 422)},
)


# --- The index ----------------------------------------------------------------------------

api_index = extend_schema(
    tags=["index"],
    summary="Every endpoint of the API, with links to the schema and Swagger UI",
    description="Built from this OpenAPI document: each path with its methods and "
    "their summaries. Public, as the schema is, even when reads require a login.",
    responses={200: index.IndexSerializer},
    extensions={"x-no-graph": True},
)


# --- Governance architectures side by side (issue 25) ------------------------------------

architecture_compare = extend_schema(
    tags=["coverage"],
    summary="2 to 4 governance architectures (or one and today) side by side",
    description="Per architecture (`a=ID`, repeated 2 to 4 times, in the order "
    "to show them; `a=today` for what is deployed today): the threats it "
    "addresses, those no single layer addresses, the mobile threats' weakest "
    "jurisdictions, the threats its measures introduce, what the measures it "
    "adopts cost; then threat by threat where they differ, and the assumptions "
    "(threshold, strengths, dependence). The same document as the comparison "
    "page's JSON download; cached by graph revision. Fewer than 2 or more than 4 "
    "architectures, or one repeated, is 422 naming `a`; an unknown architecture "
    "404; an unknown `taxonomy` 404.",
    parameters=[
        queries.ArchitectureCompareQuerySerializer,
        # The same `a` with uniqueItems: one named twice is answered 422, so
        # the schema may not allow it (a=x&a=x).
        OpenApiParameter(
            "a",
            {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 2,
                "maxItems": 4,
                "uniqueItems": True,
            },
            OpenApiParameter.QUERY,
            required=True,
            description="An architecture id (`GET /api/v1/architectures/` lists "
            "them), or `today`; repeat 2 to 4 times, each once, in the order to "
            "show them.",
        ),
    ],
    responses={200: documents.ArchitectureComparisonSerializer, **errors(404, 422)},
)


# --- Mapping sets: SSSOM crosswalks between taxonomies (issue 26) ------------------------

_MAPPINGS_RULES = (
    "A row maps `subject_id` (a CURIE whose local part is an item of the set's "
    "`subject_source` taxonomy) to `object_id` (one of `object_source`) with a "
    "SKOS `predicate_id` (exactMatch, closeMatch, broadMatch, narrowMatch, "
    "relatedMatch), a `confidence` in [0, 1], a semapv `mapping_justification` "
    "and a one-line `comment` (the rationale). A write that leaves the set "
    "unreadable as SSSOM, or names an item its taxonomy lacks, is 422 and writes "
    "nothing; every write is audited."
)

mapping_sets = extend_schema_view(
    get=extend_schema(
        tags=["mappings"],
        summary="The mapping sets (crosswalks between taxonomies), without rows",
        description="Each set's metadata and `row_count`; `taxonomy` keeps the "
        "sets that join it, on either side.",
        parameters=[mappings.MappingListQuerySerializer],
        responses={200: mappings.MappingSetSerializer(many=True), **errors(422)},
    ),
    post=extend_schema(
        tags=["mappings"],
        summary="Create a mapping set, with its rows",
        description=_MAPPINGS_RULES + " An existing `mapping_set_id` is 409.",
        request=mappings.MappingSetSerializer,
        responses={
            201: mappings.MappingSetSerializer,
            **errors(400, 401, 403, 409, 422),
        },
    ),
)

mapping_set = extend_schema_view(
    get=extend_schema(
        tags=["mappings"],
        summary="One mapping set with its rows",
        parameters=[mappings.MappingSetQuerySerializer, ETAG],
        responses={200: mappings.MappingSetSerializer, **errors(404, 422)},
    ),
    patch=extend_schema(
        tags=["mappings"],
        summary="Change a mapping set's metadata",
        description="Licence, creators, date, title, description, comment.",
        parameters=[mappings.MappingSetQuerySerializer, IF_MATCH],
        request=mappings.MappingSetChangeSerializer,
        responses={
            200: mappings.MappingSetSerializer,
            **errors(400, 401, 403, 404, 412, 422),
        },
    ),
    delete=extend_schema(
        tags=["mappings"],
        summary="Delete a mapping set and its rows",
        parameters=[mappings.MappingSetQuerySerializer, IF_MATCH],
        responses={204: None, **errors(400, 401, 403, 404, 412, 422)},
    ),
)

mapping_set_export = extend_schema(
    tags=["mappings"],
    summary="One mapping set as an SSSOM/TSV file (canonical form)",
    description="The metadata block (`#`-prefixed YAML with the curie_map) and "
    "the table, rows sorted by subject and object: a file that loads back "
    "(`manage.py mappings load`) as the same set.",
    parameters=[mappings.MappingSetQuerySerializer],
    responses={
        (200, "text/tab-separated-values"): OpenApiResponse(OpenApiTypes.STR),
        **errors(404, 422),
    },
)

mapping_rows = extend_schema_view(
    get=extend_schema(
        tags=["mappings"],
        summary="The rows of one mapping set",
        parameters=[mappings.MappingRowsQuerySerializer],
        responses={200: mappings.MappingRowSerializer(many=True), **errors(404, 422)},
    ),
    post=extend_schema(
        tags=["mappings"],
        summary="Add a row to a mapping set",
        description=_MAPPINGS_RULES + " A second row for the same subject and "
        "object is 409.",
        parameters=[mappings.MappingRowsQuerySerializer],
        request=mappings.MappingRowSerializer,
        responses={
            201: mappings.MappingRowSerializer,
            **errors(400, 401, 403, 404, 409, 422),
        },
    ),
)

mapping_row = extend_schema_view(
    get=extend_schema(
        tags=["mappings"],
        summary="One row of a mapping set",
        parameters=[mappings.MappingRowQuerySerializer, ETAG],
        responses={200: mappings.MappingRowSerializer, **errors(404, 422)},
    ),
    put=extend_schema(
        tags=["mappings"],
        summary="Replace a row of a mapping set",
        description=_MAPPINGS_RULES,
        parameters=[mappings.MappingRowQuerySerializer, IF_MATCH],
        request=mappings.MappingRowSerializer,
        responses={
            200: mappings.MappingRowSerializer,
            **errors(400, 401, 403, 404, 409, 412, 422),
        },
    ),
    delete=extend_schema(
        tags=["mappings"],
        summary="Delete a row of a mapping set",
        parameters=[mappings.MappingRowQuerySerializer, IF_MATCH],
        responses={204: None, **errors(400, 401, 403, 404, 412, 422)},
    ),
)
